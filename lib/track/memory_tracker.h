// A native memory tracker: reads a meminfo file (default /proc/meminfo) every
// interval, in-process (no fork, no shell), and is OK while the chosen share of
// memory is strictly above min_percent. rise/fall as keepalived's scripts.
//
// metric `free` is exactly the seed's check_memory.sh,
//   free | awk '/Mem/{print $4/$2 * 100.0}'   then   "$MEM_FREE > 50.0" | bc
// With procps-ng 4.0.2 (Debian 12) `free` reads /proc/meminfo and its "Mem:"
// row is: $2 total = MemTotal, $3 used = MemTotal - MemAvailable, $4 free =
// MemFree, $5 shared = Shmem, $6 buff/cache = Buffers + Cached + SReclaimable,
// $7 available = MemAvailable, all in KiB as meminfo gives them (free(1), and
// checked against /proc/meminfo on this host). So the value is MemFree /
// MemTotal * 100, computed in that order in double precision, then rounded to
// six significant digits as awk prints it (OFMT "%.6g"), then compared with >.
//
// metric `available` uses MemAvailable instead, and is the one to use: the
// kernel keeps reclaimable page cache in use, so MemFree is low on a healthy
// server that has read a few files, while MemAvailable estimates what can be
// allocated without swapping.
//
// Event-loop thread only. An unreadable or malformed file counts as a failure.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include <tl/expected.hpp>

#include "node/clock.h"
#include "track/tracker.h"

namespace havip::track {

enum class MemoryMetric : std::uint8_t { Free, Available };
std::string_view toString(MemoryMetric);  // "free", "available"

inline constexpr const char* kProcMeminfo = "/proc/meminfo";

struct MemoryTrackerParams {
  std::string name;  // the track_memory block's name
  MemoryMetric metric = MemoryMetric::Available;
  double minPercent = 50.0;  // OK while the share is > this
  Duration interval = std::chrono::seconds(2);
  int weight = 0;
  bool reverse = false;
  unsigned rise = 1;
  unsigned fall = 1;
  std::string meminfoPath = kProcMeminfo;
};

// The fields of /proc/meminfo we use, in KiB.
struct MemInfo {
  std::uint64_t totalKib = 0;
  std::uint64_t freeKib = 0;
  std::optional<std::uint64_t> availableKib;  // absent before Linux 3.14
};

// Parses meminfo text; the error says what is missing or malformed.
tl::expected<MemInfo, std::string> parseMeminfo(std::string_view text);
// The whole file, read with plain read(2) (procfs files are generated on read).
tl::expected<std::string, std::error_code> readSmallFile(const std::string& path);
// The metric in percent as the seed's awk prints it, or an error when the
// metric is missing or MemTotal is 0.
tl::expected<double, std::string> memoryPercent(const MemInfo& info, MemoryMetric metric);

class MemoryTracker final : public Tracker {
 public:
  MemoryTracker(MemoryTrackerParams params, node::Clock& clock, node::TimerService& timers);

  // Reads once now, then every interval.
  void start() override;
  const MemoryTrackerParams& params() const { return params_; }

 private:
  void sample();

  MemoryTrackerParams params_;
  node::Clock& clock_;
  std::unique_ptr<node::Timer> timer_;
  RiseFall counter_;
};

}  // namespace havip::track
