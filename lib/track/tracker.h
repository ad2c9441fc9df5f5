// What every tracker shares: its identity and weight, keepalived's rise/fall
// counter, the last result it saw, and a listener told when its state flips.
// Trackers live on the event loop's thread; none of them blocks.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "netlink/types.h"
#include "track/priority.h"

namespace havip::track {

using Clock = std::chrono::steady_clock;  // the type only; time comes from node::Clock
using TimePoint = Clock::time_point;
using Duration = Clock::duration;

// keepalived's `result` counter for rise/fall (vrrp_scheduler.c
// vrrp_script_child_thread, vrrp_init_script). It runs 0..rise+fall-1 and the
// tracker is OK when it is >= rise:
//   - starts at rise-1 (Pending: the first result decides, either way), or at
//     0 (Failing) with keepalived's init_fail;
//   - a success below rise-1 counts up; otherwise it jumps to rise+fall-1;
//   - a failure above rise counts down; otherwise it drops to 0.
// So it takes `rise` consecutive successes to become OK and `fall`
// consecutive failures to fail.
class RiseFall {
 public:
  // Preconditions (checked, abort): rise >= 1, fall >= 1.
  RiseFall(unsigned rise, unsigned fall, bool initFailed = false);
  // Returns true when state() changed (leaving Pending counts).
  bool record(bool success);
  TrackerState state() const;
  unsigned counter() const { return result_; }

 private:
  unsigned rise_;
  unsigned fall_;
  unsigned result_;
  bool pending_;
};

struct TrackerIdentity {
  std::string name;  // the vrrp_script / track_memory name, or the interface name
  TrackerKind kind = TrackerKind::Script;
  int weight = 0;  // -253..253, as the instance tracks it
  bool reverse = false;
};

class Tracker {
 public:
  using Listener = std::function<void()>;

  virtual ~Tracker() = default;
  Tracker(const Tracker&) = delete;
  Tracker& operator=(const Tracker&) = delete;

  // Begins checking. Called once; a tracker may report its first state from
  // inside start() (the memory tracker reads at once).
  virtual void start() = 0;
  // Only interface trackers care; the others ignore link events.
  virtual void onLinkEvent(const netlink::LinkEvent&) {}

  const TrackerIdentity& identity() const { return id_; }
  const std::string& name() const { return id_.name; }
  TrackerKind kind() const { return id_.kind; }
  TrackerState state() const { return state_; }
  // One line about the last check: "exit 1", "MemFree 41.3 % of MemTotal,
  // needs > 50 %", "eth1 down (not running)". Empty before the first.
  const std::string& lastResult() const { return lastResult_; }
  std::optional<TimePoint> lastResultAt() const { return lastResultAt_; }
  TrackerInput input() const { return {id_.name, id_.kind, state_, id_.weight, id_.reverse}; }

  // Told after every state change (not after results that change nothing).
  // The listener must not destroy the tracker.
  void setListener(Listener listener) { listener_ = std::move(listener); }

 protected:
  explicit Tracker(TrackerIdentity id, TrackerState initial = TrackerState::Pending)
      : id_(std::move(id)), state_(initial) {}
  void noteResult(std::string text, TimePoint at);
  // Logs the flip at info with `why` and tells the listener; no-op if unchanged.
  void setState(TrackerState next, const std::string& why);

 private:
  TrackerIdentity id_;
  TrackerState state_;
  std::string lastResult_;
  std::optional<TimePoint> lastResultAt_;
  Listener listener_;
};

}  // namespace havip::track
