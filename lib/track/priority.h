// The effective priority of a VRRP instance from its trackers, with keepalived
// 2.2.7's arithmetic (keepalived/vrrp/vrrp_track.c: initialise_track_script_state,
// process_script_update_priority, initialise_interface_tracking_priorities,
// vrrp_set_effective_priority). Pure: no I/O, no clock.
//
// Per tracker, with m = -1 when `reverse` is set and +1 otherwise:
//   weight 0  : the instance is FAULT while (ok != (m == 1)), i.e. while the
//               tracker fails, or with reverse while it is OK.
//   weight > 0: + weight * m while OK, nothing while failing.
//   weight < 0: + weight * m while failing (subtracted; added with reverse),
//               nothing while OK.
// A tracker that has not reported yet (Pending) adds nothing; with weight 0 it
// holds the instance back (keepalived keeps it in INIT until the first result).
// A Disabled tracker (a script keepalived disables at startup) counts for nothing.
// effective = base + sum, clamped to 1..254; base 255 (address owner) is never
// adjusted, but weight-0 faults still apply to it.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace havip::track {

enum class TrackerKind : std::uint8_t { Script, Memory, Interface };
std::string_view toString(TrackerKind);  // "script", "memory", "interface"

enum class TrackerState : std::uint8_t { Pending, Ok, Failing, Disabled };
std::string_view toString(TrackerState);  // "pending", "OK", "failing", "disabled"
// The word reasons use: interfaces are "up"/"down", other trackers "OK"/"failing".
std::string_view stateWord(TrackerKind, TrackerState);

struct TrackerInput {
  std::string name;
  TrackerKind kind = TrackerKind::Script;
  TrackerState state = TrackerState::Pending;
  int weight = 0;  // -253..253
  bool reverse = false;
};

// What one tracker does to the instance right now.
struct TrackerEffect {
  int delta = 0;         // added to the base priority (0 for an owner)
  bool fault = false;    // forces the instance to FAULT
  bool holding = false;  // Pending with weight 0: the instance waits for it
};
TrackerEffect effectOf(const TrackerInput& tracker, std::uint8_t basePriority);

// "chk_service: OK, +2", "chk_service: failing, no effect (+2 only while OK)",
// "eth1: down, FAULT (weight 0)".
std::string describe(const TrackerInput& tracker, const TrackerEffect& effect,
                     std::uint8_t basePriority);

struct PriorityResult {
  std::uint8_t effectivePriority = 100;
  int total = 100;  // base + sum before clamping
  bool fault = false;
  std::vector<std::string> faultedBy;  // names of the trackers forcing FAULT
  std::vector<std::string> holdingBy;  // weight-0 trackers with no result yet
  std::vector<std::string> reasons;    // one per tracker, then clamping if any
  bool operator==(const PriorityResult&) const = default;
};

// Precondition (checked, aborts): basePriority 1..255.
PriorityResult computePriority(std::uint8_t basePriority, std::span<const TrackerInput> trackers);

}  // namespace havip::track
