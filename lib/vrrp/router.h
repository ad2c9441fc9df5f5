// The VRRPv2 state machine of one virtual router (RFC 3768 section 6), with
// keepalived's meaning for nopreempt, preempt_delay and garp_master_*.
//
// Pure: every input carries "now" (steady time), every output is an Action the
// shell executes in order. It opens no socket, reads no clock, never blocks.
// Not thread-safe; the daemon drives it from its single event loop.
//
// What keepalived 2.2.7 does, and so what this class does (keepalived/vrrp/vrrp.c,
// vrrp_scheduler.c, vrrp_track.c):
// - Priority 255 (address owner) is Master at once on start(), whatever `state`
//   says, and nopreempt is cleared for it (vrrp_complete_instance,
//   vrrp_init_state).
// - `state MASTER` with a priority below 255 does NOT take over early: the
//   instance starts BACKUP and waits a full Master_Down_Interval like any backup
//   (vrrp_init_state only short-cuts for the owner). The only effect of
//   initialMaster is that nopreempt and preempt_delay are cleared
//   ("nopreempt will not work with initial state MASTER - clearing").
// - nopreempt: a Backup resets its down timer on any advert, even from a lower
//   priority master (vrrp_state_backup).
// - preempt_delay: the first lower-priority advert a Backup sees starts a delay;
//   until it has run out such adverts still reset the down timer; afterwards they
//   are discarded and the down timer expires Master_Down_Interval after the last
//   accepted one. An advert of priority >= ours cancels the delay. Leaving Fault
//   clears it. No delay applies when no master is heard at all.
// - A Master receiving a lower-priority advert (or an equal one from a lower
//   address) sends an advert at once, restarts its advert timer and sends a
//   burst of garpMasterRepeat ARPs, and another garpMasterDelay later
//   (lower_prio_no_advert off, garp_lower_prio_* defaulting to garp_master_*;
//   vrrp_state_master_rx). At most once per half advert interval.
// - On becoming Master: VIPs, garpMasterRepeat ARPs, the advert, then a second
//   burst garpMasterDelay later (0 = none) (vrrp_state_master_tx).
// - Fault entered as Master sends a priority-0 advert and removes the VIPs
//   (down_instance -> vrrp_state_leave_master(vrrp, true)); leaving Fault goes
//   Backup with a fresh Master_Down_Interval, or straight to Master for an owner
//   (try_up_instance, vrrp_state_leave_fault).
// - Effective priority (tracking) is clamped to 1..254 and never changes an
//   owner's; raising it as Backup pulls the pending down timer in by the
//   Skew_Time difference (vrrp_set_effective_priority).
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

  bool operator==(const RouterConfig&) const = default;
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
  std::uint64_t advertsSent = 0;      // includes the priority-0 ones
  std::uint64_t advertsReceived = 0;  // adverts onAdvert() processed (Backup or Master)
  std::uint64_t becameMaster = 0;
  std::uint64_t releasedMaster = 0;   // left Master for any reason
  std::uint64_t priorityZeroReceived = 0;
  std::uint64_t priorityZeroSent = 0;
};

// Operator overrides in force (see handOver / takeOver).
enum class AdminMode : std::uint8_t { None, HandOver, TakeOver };

class Router {
 public:
  // Preconditions (checked, abort): priority 1..255, advertInterval 1..255 s.
  // The stored config() is normalised as keepalived does: an owner or an
  // initialMaster instance preempts with no delay; nopreempt drops preemptDelay.
  explicit Router(RouterConfig config);

  // Initialize -> Master at once when we own the addresses, else Backup with a
  // Master_Down_Interval timer (RFC 3768 6.4.1). Does nothing unless in Init.
  Actions start(TimePoint now);
  // An advert for our VRID that already passed decode() and validate().
  // Ignored in Init and Fault, and when its VRID is not ours.
  Actions onAdvert(const Advert& advert, net::Ipv4Address source, TimePoint now);
  // Call when the armed timer fires (at or after nextDeadline()); early calls do nothing.
  Actions onTimer(TimePoint now);
  // Effective priority from tracking, clamped to 1..254; ignored for an owner.
  // A Master's next advert carries it; nothing is sent early (as keepalived).
  Actions setEffectivePriority(std::uint8_t priority, TimePoint now);
  // Fault on (interface down, a weight-0 tracker failing) or off (back to
  // Backup, or Master at once for an owner). Idempotent. Fault before start()
  // is allowed: leaving it then starts the router.
  Actions setFault(bool faulted, std::string reason, TimePoint now);
  // Graceful stop: a Master sends a priority-0 advert and removes its VIPs; the
  // router returns to Init (RFC 3768 6.4.3) and may be start()ed again.
  Actions shutdown(TimePoint now);

  // Admin hand-over: a Master sends priority 0 and goes Backup; it will not
  // preempt until clearAdmin() or holdUntil. A real master-down expiry still
  // makes it Master (availability first). Does nothing unless Master.
  Actions handOver(TimePoint now, std::optional<TimePoint> holdUntil);
  // Admin take-over: become Master now and advertise priority 254 until
  // cleared (an owner keeps 255). As Master it re-advertises at once. Does
  // nothing in Init or Fault.
  Actions takeOver(TimePoint now);
  // Reload: the new settings of the same virtual router (same vrid), keeping
  // its state, so an unchanged or lightly changed instance does not flap. A
  // Master announces the new settings at once; a Backup re-times its
  // Master_Down_Timer from the last advert heard. The shell diffs the VIPs it
  // has installed against the new list itself. The tracked priority is reset
  // to the new base; the shell re-applies tracking with setEffectivePriority().
  Actions reconfigure(RouterConfig config, TimePoint now);

  // Ends a hand-over hold or a take-over boost. Sends nothing by itself: the
  // next advert carries the restored priority.
  Actions clearAdmin(TimePoint now);

  // vrrp_sync_group (keepalived vrrp_sync.c): a gated Backup whose down timer
  // expires does not become Master by itself; it only "wants" Master
  // (keepalived's wantstate) and waits another Master_Down_Interval, until the
  // group promotes it. An accepted advert clears the wish. Ungating does not
  // act at once: the next expiry decides.
  void setSyncGated(bool gated) { syncGated_ = gated; }
  bool syncGated() const { return syncGated_; }
  bool wantsMaster() const { return wantsMaster_; }
  // Group orders. promote(): Backup -> Master now. demote(): Master -> Backup
  // without a priority-0 advert (vrrp_sync_backup). Nothing in other states.
  Actions promote(TimePoint now, std::string reason);
  Actions demote(TimePoint now, std::string reason);

  State state() const { return state_; }
  std::uint8_t basePriority() const { return config_.priority; }
  std::uint8_t effectivePriority() const;  // what we advertise (tracking + admin)
  std::optional<TimePoint> nextDeadline() const { return deadline_; }
  std::optional<net::Ipv4Address> currentMaster() const { return master_; }
  const RouterConfig& config() const { return config_; }
  const RouterStats& stats() const { return stats_; }
  AdminMode adminMode() const { return admin_; }

  // RFC 3768 section 6.1 timers for the current effective priority.
  Duration skewTime() const;
  Duration masterDownInterval() const;

 private:
  RouterConfig config_;
  State state_ = State::Init;
  std::optional<TimePoint> deadline_;
  std::optional<net::Ipv4Address> master_;
  RouterStats stats_;

  // A lower-priority advert discarded since the last accepted one: the reason
  // given when the down timer then expires.
  struct Discarded {
    net::Ipv4Address from;
    std::uint8_t priority;
  };

  static RouterConfig normalized(RouterConfig config);
  bool isOwner() const { return config_.priority == kOwnerPriority; }
  bool holdActive(TimePoint now) const;
  Advert makeAdvert(std::uint8_t priority) const;
  void sendAdvert(Actions& out, std::uint8_t priority);
  void changeState(Actions& out, State to, std::string reason);
  void becomeMaster(Actions& out, TimePoint now, std::string reason);
  void enterBackup(Actions& out, TimePoint now);
  void leaveMaster(Actions& out, State to, std::string reason, bool sendStop);
  void clearTimers();
  void rearm(Actions& out);
  std::string masterDownReason(TimePoint now) const;

  std::uint8_t trackedPriority_;
  AdminMode admin_ = AdminMode::None;
  std::optional<TimePoint> holdUntil_;
  // The three timers folded into deadline_: Adver_Timer and the second GARP
  // burst as Master, Master_Down_Timer as Backup.
  std::optional<TimePoint> advertDue_;
  std::optional<TimePoint> garpDue_;
  std::optional<TimePoint> downDue_;
  std::optional<TimePoint> preemptAt_;  // keepalived's preempt_time
  TimePoint lastHeard_{};               // last accepted advert, or entry to Backup
  std::optional<net::Ipv4Address> resignedBy_;  // a priority-0 advert armed Skew_Time
  std::optional<Discarded> discarded_;
  std::optional<TimePoint> lastLowerAnswer_;  // last answer to a lower-priority advert as Master
  bool syncGated_ = false;    // in a vrrp_sync_group: Master only when the group promotes
  bool wantsMaster_ = false;  // gated, and the down timer expired
};

}  // namespace havip::vrrp
