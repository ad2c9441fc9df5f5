#include "track/memory_tracker.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdlib>

#include <fmt/format.h>

#include "log/log.h"

namespace havip::track {

namespace {

// "MemTotal:       24684084 kB" -> 24684084
std::optional<std::uint64_t> fieldValue(std::string_view text, std::string_view key) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    auto end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    const auto line = text.substr(pos, end - pos);
    pos = end + 1;
    if (line.size() <= key.size() || line.substr(0, key.size()) != key || line[key.size()] != ':')
      continue;
    auto rest = line.substr(key.size() + 1);
    while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\t')) rest.remove_prefix(1);
    std::uint64_t value = 0;
    const auto [ptr, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), value);
    if (ec != std::errc() || ptr == rest.data()) return std::nullopt;
    return value;
  }
  return std::nullopt;
}

// awk prints numbers with OFMT "%.6g"; bc then compares that text.
double asAwkPrints(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return std::strtod(buf, nullptr);
}

std::string percentText(double v) { return fmt::format("{:.6g}", v); }

}  // namespace

std::string_view toString(MemoryMetric m) { return m == MemoryMetric::Free ? "free" : "available"; }

tl::expected<MemInfo, std::string> parseMeminfo(std::string_view text) {
  MemInfo info;
  const auto total = fieldValue(text, "MemTotal");
  if (!total) return tl::unexpected(std::string("no MemTotal line"));
  const auto free = fieldValue(text, "MemFree");
  if (!free) return tl::unexpected(std::string("no MemFree line"));
  info.totalKib = *total;
  info.freeKib = *free;
  info.availableKib = fieldValue(text, "MemAvailable");
  return info;
}

tl::expected<std::string, std::error_code> readSmallFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return tl::unexpected(std::error_code(errno, std::generic_category()));
  std::string out;
  char buf[4096];
  while (true) {
    const auto n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      const std::error_code ec(errno, std::generic_category());
      ::close(fd);
      return tl::unexpected(ec);
    }
    if (n == 0) break;
    out.append(buf, static_cast<std::size_t>(n));
    if (out.size() > (1u << 20)) break;  // meminfo is a few KiB; never read a runaway file whole
  }
  ::close(fd);
  return out;
}

tl::expected<double, std::string> memoryPercent(const MemInfo& info, MemoryMetric metric) {
  if (info.totalKib == 0) return tl::unexpected(std::string("MemTotal is 0"));
  std::uint64_t part = info.freeKib;
  if (metric == MemoryMetric::Available) {
    if (!info.availableKib) return tl::unexpected(std::string("no MemAvailable line (Linux < 3.14)"));
    part = *info.availableKib;
  }
  // The seed's order of operations: $4/$2 * 100.0.
  return asAwkPrints(static_cast<double>(part) / static_cast<double>(info.totalKib) * 100.0);
}

MemoryTracker::MemoryTracker(MemoryTrackerParams params, node::Clock& clock,
                             node::TimerService& timers)
    : Tracker({params.name, TrackerKind::Memory, params.weight, params.reverse}),
      params_(std::move(params)),
      clock_(clock),
      timer_(timers.create([this] { sample(); })),
      counter_(params_.rise, params_.fall) {}

void MemoryTracker::start() { sample(); }

void MemoryTracker::sample() {
  const auto now = clock_.now();
  timer_->arm(now + params_.interval);

  const char* field = params_.metric == MemoryMetric::Free ? "MemFree" : "MemAvailable";
  bool ok = false;
  std::string text;
  const auto content = readSmallFile(params_.meminfoPath);
  if (!content) {
    text = fmt::format("cannot read {}: {}", params_.meminfoPath, content.error().message());
  } else if (const auto info = parseMeminfo(*content); !info) {
    text = fmt::format("{}: {}", params_.meminfoPath, info.error());
  } else if (const auto pct = memoryPercent(*info, params_.metric); !pct) {
    text = fmt::format("{}: {}", params_.meminfoPath, pct.error());
  } else {
    ok = *pct > params_.minPercent;
    text = fmt::format("{} {} % of MemTotal, {} > {} %", field, percentText(*pct),
                       ok ? "is" : "is not", percentText(params_.minPercent));
  }
  log::track().debug("memory {}: {}", name(), text);
  const bool changed = counter_.record(ok);
  noteResult(text, now);
  if (changed) setState(counter_.state(), text);
}

}  // namespace havip::track
