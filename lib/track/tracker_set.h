// The trackers of one VRRP instance and the priority they give it. Owns its
// trackers, recomputes (track/priority.h) whenever one of them changes state,
// and calls the handler when the result changed: the effective priority, the
// fault flag with the trackers causing it, and one reason per tracker. The
// shell maps that to Router::setEffectivePriority and Router::setFault.
//
// Scripts: one tracker per instance that tracks it (keepalived runs a
// vrrp_script once for all instances; two instances tracking the same script
// run it twice here).
//
// Event-loop thread only. The handler must not destroy the set.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/model.h"
#include "netlink/types.h"
#include "node/clock.h"
#include "track/memory_tracker.h"
#include "track/priority.h"
#include "track/process_runner.h"
#include "track/script_tracker.h"
#include "track/tracker.h"

namespace havip::track {

// What `havipctl status` shows per tracker.
struct TrackerStatus {
  std::string name;
  TrackerKind kind = TrackerKind::Script;
  TrackerState state = TrackerState::Pending;
  int weight = 0;
  bool reverse = false;
  std::string lastResult;  // empty before the first result
  std::optional<TimePoint> lastResultAt;
  int priorityDelta = 0;  // what it adds to the base priority now
  bool causesFault = false;
  std::string effect;  // the reason line: "chk_service: OK, +2"
};

struct TrackerServices {
  node::Clock& clock;
  node::TimerService& timers;
  ProcessRunner& runner;
  // The interface as the kernel has it now (nullopt: absent). May be empty:
  // every tracked interface then starts "does not exist" until an event.
  std::function<std::optional<netlink::LinkInfo>(const std::string& name)> findLink;
  MissingScript missingScript = MissingScript::Disable;
  std::string meminfoPath;  // empty: /proc/meminfo (tests and benchmarks inject their own)
};

// The trackers `instance` lists: a ScriptTracker per track_script entry that
// names a vrrp_script, an InterfaceTracker per track_interface. Entries that
// name no vrrp_script (track_memory blocks, added by their own parser) are
// appended to `unresolved` for the caller to build (MemoryTracker).
std::vector<std::unique_ptr<Tracker>> makeTrackers(const config::Config& config,
                                                   const config::VrrpInstance& instance,
                                                   const TrackerServices& services,
                                                   std::vector<std::string>* unresolved = nullptr);

// A track_script entry's weight and reverse flag: the entry's weight if it has
// one, else the script's; reverse if either says so (keepalived starts from
// the script's flag and only "noreverse" on the entry clears it, which the
// config model does not record).

class TrackerSet {
 public:
  using Handler = std::function<void(const PriorityResult&)>;

  // Precondition (checked, aborts): basePriority 1..255.
  TrackerSet(std::string instance, std::uint8_t basePriority,
             std::vector<std::unique_ptr<Tracker>> trackers, Handler handler);
  TrackerSet(const TrackerSet&) = delete;
  TrackerSet& operator=(const TrackerSet&) = delete;

  // Starts every tracker, then calls the handler once with the result.
  void start();
  // For the interface trackers.
  void onLinkEvent(const netlink::LinkEvent& event);

  const std::string& instance() const { return instance_; }
  std::uint8_t basePriority() const { return base_; }
  const PriorityResult& current() const { return current_; }
  std::vector<TrackerStatus> status() const;
  const std::vector<std::unique_ptr<Tracker>>& trackers() const { return trackers_; }

  // "chk_service" or "chk_service, eth1": the fault reason for Router::setFault.
  static std::string faultReason(const PriorityResult& result);

 private:
  void recompute();
  std::vector<TrackerInput> inputs() const;

  std::string instance_;
  std::uint8_t base_;
  std::vector<std::unique_ptr<Tracker>> trackers_;
  Handler handler_;
  PriorityResult current_;
  bool started_ = false;
  bool reported_ = false;
};

}  // namespace havip::track
