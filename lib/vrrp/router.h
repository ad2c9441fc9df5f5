// The VRRPv2 state machine of one virtual router (RFC 3768 section 6), with
// keepalived's meaning for nopreempt, preempt_delay and garp_master_*.
//
// Pure: every input carries "now" (steady time), every output is an Action the
// shell executes in order. It opens no socket, reads no clock, never blocks.
// Not thread-safe; the daemon drives it from its single event loop.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "net/ipv4.h"
#include "vrrp/advert.h"

namespace havip::vrrp {

// Only the type: the core never calls Clock::now().
using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;
using Duration = Clock::duration;

enum class State : std::uint8_t { Init, Backup, Master, Fault };
std::string_view toString(State);  // "INIT", "BACKUP", "MASTER", "FAULT"

inline constexpr std::uint8_t kOwnerPriority = 255;
inline constexpr std::uint8_t kStopPriority = 0;  // "I am leaving" (RFC 3768 6.4.3)

struct RouterConfig {
  std::string name;  // instance name, e.g. "VI_1"; used in reasons only
  std::uint8_t vrid = 0;
  std::uint8_t priority = 100;  // base priority, 1..255; 255 = address owner
  std::chrono::seconds advertInterval{1};
  bool initialMaster = false;  // keepalived "state MASTER"
  bool preempt = true;         // false = keepalived "nopreempt"
  Duration preemptDelay{};     // keepalived "preempt_delay"
  net::Ipv4Address primaryAddress;  // our source address, used for the tie break
  AuthType authType = AuthType::None;
  AuthData authData{};
  std::vector<net::Ipv4Address> vips;  // what our adverts list
  Duration garpMasterDelay = std::chrono::seconds(5);  // second burst after takeover; 0 = none
  unsigned garpMasterRepeat = 5;                       // ARPs per burst
};

// ---- Actions: what the shell must do, in order ----
struct StateChanged {
  State from;
  State to;
  std::string reason;  // human readable: "master down: no advert for 3.609 s"
};
struct InstallVips {};
struct RemoveVips {};
struct SendGratuitousArp {
  unsigned count;  // one ARP per VIP, this many times
};
struct SendAdvert {
  Advert advert;
};
// The single timer of this router now fires at `at` (nullopt: disarm).
// Emitted whenever the deadline changes; also readable through nextDeadline().
struct ArmTimer {
  std::optional<TimePoint> at;
};
using Action = std::variant<StateChanged, InstallVips, RemoveVips, SendGratuitousArp, SendAdvert,
                            ArmTimer>;
using Actions = std::vector<Action>;

struct RouterStats {
  std::uint64_t advertsSent = 0;
  std::uint64_t advertsReceived = 0;  // accepted adverts given to onAdvert()
  std::uint64_t becameMaster = 0;
  std::uint64_t priorityZeroReceived = 0;
  std::uint64_t priorityZeroSent = 0;
};

class Router {
 public:
  explicit Router(RouterConfig config);

  // Initialize -> Master at once when we own the addresses, else Backup.
  Actions start(TimePoint now);
  // An advert for our VRID that already passed decode() and validate().
  Actions onAdvert(const Advert& advert, net::Ipv4Address source, TimePoint now);
  // Call when the armed timer fires (at or after nextDeadline()); early calls do nothing.
  Actions onTimer(TimePoint now);
  // Effective priority from tracking (1..254; ignored for an owner).
  Actions setEffectivePriority(std::uint8_t priority, TimePoint now);
  // Fault on (interface down, a weight-0 tracker failing) or off (back to Backup).
  Actions setFault(bool faulted, std::string reason, TimePoint now);
  // Graceful stop: a Master sends a priority-0 advert and removes its VIPs.
  Actions shutdown(TimePoint now);

  // Admin hand-over: a Master sends priority 0 and goes Backup; it will not
  // preempt until clearAdmin() or holdUntil. Does nothing unless Master.
  Actions handOver(TimePoint now, std::optional<TimePoint> holdUntil);
  // Admin take-over: become Master now and advertise priority 254 until cleared.
  Actions takeOver(TimePoint now);
  // Ends a hand-over hold or a take-over boost.
  Actions clearAdmin(TimePoint now);

  State state() const { return state_; }
  std::uint8_t basePriority() const { return config_.priority; }
  std::uint8_t effectivePriority() const;  // what we advertise (tracking + admin)
  std::optional<TimePoint> nextDeadline() const { return deadline_; }
  std::optional<net::Ipv4Address> currentMaster() const { return master_; }
  const RouterConfig& config() const { return config_; }
  const RouterStats& stats() const { return stats_; }

  // RFC 3768 section 6.1 timers for the current effective priority.
  Duration skewTime() const;
  Duration masterDownInterval() const;

 private:
  RouterConfig config_;
  State state_ = State::Init;
  std::optional<TimePoint> deadline_;
  std::optional<net::Ipv4Address> master_;
  RouterStats stats_;
  // Further private state is the implementation's.
};

}  // namespace havip::vrrp
