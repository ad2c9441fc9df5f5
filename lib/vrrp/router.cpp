#include "vrrp/router.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <utility>

namespace havip::vrrp {

namespace {

using std::chrono::duration_cast;
using std::chrono::microseconds;
using std::chrono::seconds;

// "3.609 s": durations in reasons are read by people, so milliseconds suffice.
std::string formatSeconds(Duration d) {
  const auto us = std::max<std::int64_t>(0, duration_cast<microseconds>(d).count());
  const auto ms = (us + 500) / 1000;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%lld.%03lld s", static_cast<long long>(ms / 1000),
                static_cast<long long>(ms % 1000));
  return buf;
}

std::optional<TimePoint> earliest(std::initializer_list<std::optional<TimePoint>> all) {
  std::optional<TimePoint> best;
  for (const auto& t : all) {
    if (t && (!best || *t < *best)) best = t;
  }
  return best;
}

}  // namespace

std::string_view toString(State s) {
  switch (s) {
    case State::Init:
      return "INIT";
    case State::Backup:
      return "BACKUP";
    case State::Master:
      return "MASTER";
    case State::Fault:
      return "FAULT";
  }
  return "UNKNOWN";
}

RouterConfig Router::normalized(RouterConfig config) {
  // The config parser refuses these; reaching here with them is a bug.
  if (config.priority == 0 || config.advertInterval < seconds(1) ||
      config.advertInterval > seconds(255)) {
    std::abort();
  }
  // keepalived's vrrp_complete_instance: an owner behaves as "state MASTER"
  // and cannot be nopreempt; with state MASTER, nopreempt and preempt_delay are
  // cleared; preempt_delay means nothing under nopreempt.
  if (config.priority == kOwnerPriority) {
    config.initialMaster = true;
    config.preempt = true;
  }
  if (config.initialMaster) {
    config.preempt = true;
    config.preemptDelay = Duration::zero();
  }
  if (!config.preempt) config.preemptDelay = Duration::zero();
  return config;
}

Router::Router(RouterConfig config) : config_(normalized(std::move(config))) {
  trackedPriority_ = isOwner() ? kOwnerPriority : config_.priority;
}

std::uint8_t Router::effectivePriority() const {
  if (isOwner()) return kOwnerPriority;
  if (admin_ == AdminMode::TakeOver) return kOwnerPriority - 1;
  return trackedPriority_;
}

// RFC 3768 6.1: Skew_Time = (256 - Priority) / 256 seconds. 1 s / 256 is
// exactly 3906250 ns, so the result is exact in steady_clock ticks.
Duration Router::skewTime() const {
  using Ns = std::chrono::nanoseconds;
  const auto units = static_cast<Ns::rep>(256 - effectivePriority());
  return duration_cast<Duration>(Ns(units * 1'000'000'000LL / 256));
}

// RFC 3768 6.1: Master_Down_Interval = 3 * Advertisement_Interval + Skew_Time.
Duration Router::masterDownInterval() const {
  return 3 * duration_cast<Duration>(config_.advertInterval) + skewTime();
}

bool Router::holdActive(TimePoint now) const {
  return admin_ == AdminMode::HandOver && (!holdUntil_ || now < *holdUntil_);
}

Advert Router::makeAdvert(std::uint8_t priority) const {
  Advert a;
  a.vrid = config_.vrid;
  a.priority = priority;
  a.authType = config_.authType;
  a.advertIntervalSec = static_cast<std::uint8_t>(config_.advertInterval.count());
  a.addresses = config_.vips;
  a.authData = config_.authData;
  return a;
}

void Router::sendAdvert(Actions& out, std::uint8_t priority) {
  out.emplace_back(SendAdvert{makeAdvert(priority)});
  ++stats_.advertsSent;
  if (priority == kStopPriority) ++stats_.priorityZeroSent;
}

void Router::changeState(Actions& out, State to, std::string reason) {
  out.emplace_back(StateChanged{state_, to, std::move(reason)});
  state_ = to;
  wantsMaster_ = false;
}

void Router::clearTimers() {
  advertDue_.reset();
  garpDue_.reset();
  downDue_.reset();
}

void Router::rearm(Actions& out) {
  const auto next = earliest({advertDue_, garpDue_, downDue_});
  if (next != deadline_) {
    deadline_ = next;
    out.emplace_back(ArmTimer{next});
  }
}

// RFC 3768 6.4.1 / 6.4.2 "transition to Master", in keepalived's order
// (vrrp_state_become_master then the advert): VIPs, gratuitous ARPs, advert.
void Router::becomeMaster(Actions& out, TimePoint now, std::string reason) {
  changeState(out, State::Master, std::move(reason));
  out.emplace_back(InstallVips{});
  if (config_.garpMasterRepeat > 0) out.emplace_back(SendGratuitousArp{config_.garpMasterRepeat});
  sendAdvert(out, effectivePriority());
  clearTimers();
  advertDue_ = now + config_.advertInterval;
  if (config_.garpMasterRepeat > 0 && config_.garpMasterDelay > Duration::zero()) {
    garpDue_ = now + config_.garpMasterDelay;
  }
  master_ = config_.primaryAddress;
  resignedBy_.reset();
  discarded_.reset();
  preemptAt_.reset();
  ++stats_.becameMaster;
  wantsMaster_ = false;
  rearm(out);
}

// Backup with a fresh Master_Down_Timer; the caller has emitted StateChanged.
void Router::enterBackup(Actions& out, TimePoint now) {
  clearTimers();
  downDue_ = now + masterDownInterval();
  lastHeard_ = now;
  resignedBy_.reset();
  discarded_.reset();
  wantsMaster_ = false;
  rearm(out);
}

// RFC 3768 6.4.3: a Master leaving because it stops (shutdown, fault, hand-over)
// first tells the others with priority 0 so a Backup waits only Skew_Time;
// keepalived sends it before removing the addresses (vrrp_restore_interface).
void Router::leaveMaster(Actions& out, State to, std::string reason, bool sendStop) {
  changeState(out, to, std::move(reason));
  if (sendStop) sendAdvert(out, kStopPriority);
  out.emplace_back(RemoveVips{});
  ++stats_.releasedMaster;
  clearTimers();
  master_.reset();
}

std::string Router::masterDownReason(TimePoint now) const {
  if (resignedBy_) {
    return "master " + resignedBy_->toString() + " resigned (priority 0 advert), waited skew " +
           formatSeconds(skewTime());
  }
  if (discarded_) {
    return "preempting lower priority master " + discarded_->from.toString() + " (priority " +
           std::to_string(discarded_->priority) + " < " + std::to_string(effectivePriority()) +
           "), no accepted advert for " + formatSeconds(now - lastHeard_);
  }
  return "master down: no advert for " + formatSeconds(now - lastHeard_);
}

Actions Router::start(TimePoint now) {
  Actions out;
  if (state_ != State::Init) return out;
  // RFC 3768 6.4.1; keepalived gives "state MASTER" below 255 no head start.
  if (isOwner()) {
    becomeMaster(out, now, "startup: address owner (priority 255)");
    return out;
  }
  const auto mdi = masterDownInterval();
  changeState(out, State::Backup,
              "startup: waiting " + formatSeconds(mdi) + " for a master (priority " +
                  std::to_string(effectivePriority()) + ")");
  master_.reset();
  preemptAt_.reset();
  enterBackup(out, now);
  return out;
}

Actions Router::onAdvert(const Advert& advert, net::Ipv4Address source, TimePoint now) {
  Actions out;
  if (state_ != State::Backup && state_ != State::Master) return out;
  if (advert.vrid != config_.vrid) return out;
  ++stats_.advertsReceived;
  if (advert.priority == kStopPriority) ++stats_.priorityZeroReceived;
  const std::uint8_t ours = effectivePriority();

  if (state_ == State::Backup) {
    // RFC 3768 6.4.2.
    if (advert.priority == kStopPriority) {
      downDue_ = now + skewTime();
      resignedBy_ = source;
      master_.reset();
      rearm(out);
      return out;
    }
    const bool suppressed = !config_.preempt || holdActive(now);
    const bool delaying = !suppressed && config_.preemptDelay > Duration::zero() &&
                          (!preemptAt_ || *preemptAt_ > now);
    if (suppressed || advert.priority >= ours || delaying) {
      downDue_ = now + masterDownInterval();
      lastHeard_ = now;
      master_ = source;
      resignedBy_.reset();
      discarded_.reset();
      wantsMaster_ = false;  // keepalived: held by the sync group, now BACKUP again
      if (!suppressed && config_.preemptDelay > Duration::zero()) {
        if (advert.priority >= ours) {
          preemptAt_.reset();
        } else if (!preemptAt_) {
          preemptAt_ = now + config_.preemptDelay;
        }
      }
      rearm(out);
      return out;
    }
    // Discard: the down timer keeps running and we take over when it fires.
    discarded_ = Discarded{source, advert.priority};
    master_ = source;
    return out;
  }

  // Master, RFC 3768 6.4.3.
  if (advert.priority == kStopPriority) {
    sendAdvert(out, ours);
    advertDue_ = now + config_.advertInterval;
    rearm(out);
    return out;
  }
  if (advert.priority > ours || (advert.priority == ours && source > config_.primaryAddress)) {
    std::string reason =
        advert.priority > ours
            ? "higher priority advert from " + source.toString() + " (priority " +
                  std::to_string(advert.priority) + " > " + std::to_string(ours) + ")"
            : "equal priority " + std::to_string(ours) + " advert from higher address " +
                  source.toString();
    leaveMaster(out, State::Backup, std::move(reason), /*sendStop=*/false);
    enterBackup(out, now);
    master_ = source;
    return out;
  }
  if (source == config_.primaryAddress) {
    // Our own address at our priority: a looped-back packet or a duplicate
    // address. Neither side can win the tie break, so ignore it.
    return out;
  }
  // Lower priority: keepalived re-asserts at once (lower_prio_no_advert off) so
  // a router that wrongly became Master steps down without waiting a full
  // interval, and refreshes the hosts' ARP caches (garp_lower_prio_repeat and
  // _delay, which default to the garp_master_* values): after a partition
  // heals, hosts that learnt the VIP from the other router's takeover ARPs
  // would otherwise keep sending to it until their ARP entries expire.
  // keepalived answers every such advert; a stream of them is answered here at
  // most once per half interval, so a flood cannot become an ARP storm.
  const auto halfInterval = std::chrono::duration_cast<Duration>(config_.advertInterval) / 2;
  if (lastLowerAnswer_ && now < *lastLowerAnswer_ + halfInterval) return out;
  lastLowerAnswer_ = now;
  sendAdvert(out, ours);
  advertDue_ = now + config_.advertInterval;
  if (config_.garpMasterRepeat > 0) {
    out.emplace_back(SendGratuitousArp{config_.garpMasterRepeat});
    if (config_.garpMasterDelay > Duration::zero()) garpDue_ = now + config_.garpMasterDelay;
  }
  rearm(out);
  return out;
}

Actions Router::onTimer(TimePoint now) {
  Actions out;
  if (!deadline_ || now < *deadline_) return out;
  if (state_ == State::Master) {
    if (advertDue_ && now >= *advertDue_) {
      sendAdvert(out, effectivePriority());
      advertDue_ = now + config_.advertInterval;
    }
    if (garpDue_ && now >= *garpDue_) {
      out.emplace_back(SendGratuitousArp{config_.garpMasterRepeat});
      garpDue_.reset();
    }
    rearm(out);
    return out;
  }
  if (state_ == State::Backup && downDue_ && now >= *downDue_) {
    if (syncGated_) {
      // vrrp_sync_can_goto_master said no: restart the down timer and wait.
      wantsMaster_ = true;
      downDue_ = now + masterDownInterval();
      rearm(out);
      return out;
    }
    becomeMaster(out, now, masterDownReason(now));
    return out;
  }
  return out;
}

Actions Router::setEffectivePriority(std::uint8_t priority, TimePoint /*now*/) {
  Actions out;
  if (isOwner()) return out;
  priority = std::clamp<std::uint8_t>(priority, 1, kOwnerPriority - 1);
  if (priority == trackedPriority_) return out;
  const auto oldSkew = skewTime();
  trackedPriority_ = priority;
  const auto newSkew = skewTime();
  // keepalived requeues a Backup's timer only when the priority rises, so a
  // better router is not left waiting on the slower skew it started with.
  if (state_ == State::Backup && downDue_ && newSkew < oldSkew) {
    *downDue_ -= oldSkew - newSkew;
    rearm(out);
  }
  return out;
}

Actions Router::setFault(bool faulted, std::string reason, TimePoint now) {
  Actions out;
  if (faulted) {
    if (state_ == State::Fault) return out;
    if (state_ == State::Master) {
      leaveMaster(out, State::Fault, std::move(reason), /*sendStop=*/true);
    } else {
      changeState(out, State::Fault, std::move(reason));
      clearTimers();
      master_.reset();
    }
    preemptAt_.reset();
    rearm(out);
    return out;
  }
  if (state_ != State::Fault) return out;
  preemptAt_.reset();
  if (isOwner()) {
    becomeMaster(out, now, reason + "; address owner (priority 255)");
    return out;
  }
  changeState(out, State::Backup, std::move(reason));
  enterBackup(out, now);
  return out;
}

Actions Router::shutdown(TimePoint /*now*/) {
  Actions out;
  if (state_ == State::Init) return out;
  if (state_ == State::Master) {
    leaveMaster(out, State::Init, "shutdown", /*sendStop=*/true);
  } else {
    changeState(out, State::Init, "shutdown");
    clearTimers();
    master_.reset();
  }
  preemptAt_.reset();
  resignedBy_.reset();
  discarded_.reset();
  rearm(out);
  return out;
}

Actions Router::handOver(TimePoint now, std::optional<TimePoint> holdUntil) {
  Actions out;
  if (state_ != State::Master) return out;
  admin_ = AdminMode::HandOver;
  holdUntil_ = holdUntil;
  std::string reason = "admin hand-over";
  if (holdUntil) reason += ", holding back for " + formatSeconds(*holdUntil - now);
  leaveMaster(out, State::Backup, std::move(reason), /*sendStop=*/true);
  enterBackup(out, now);
  return out;
}

Actions Router::takeOver(TimePoint now) {
  Actions out;
  if (state_ != State::Backup && state_ != State::Master) return out;
  admin_ = AdminMode::TakeOver;
  holdUntil_.reset();
  if (state_ == State::Backup) {
    becomeMaster(out, now,
                 "admin take-over (advertising priority " +
                     std::to_string(effectivePriority()) + ")");
    return out;
  }
  // Already Master: say so now at the boosted priority.
  sendAdvert(out, effectivePriority());
  advertDue_ = now + config_.advertInterval;
  rearm(out);
  return out;
}

Actions Router::reconfigure(RouterConfig config, TimePoint now) {
  Actions out;
  config = normalized(std::move(config));
  if (config.vrid != config_.vrid) std::abort();  // a different router: the shell replaces it
  config_ = std::move(config);
  trackedPriority_ = isOwner() ? kOwnerPriority : config_.priority;
  if (!config_.preempt) preemptAt_.reset();
  if (state_ == State::Master) {
    if (config_.garpMasterRepeat == 0 || config_.garpMasterDelay == Duration::zero()) garpDue_.reset();
    master_ = config_.primaryAddress;
    sendAdvert(out, effectivePriority());
    advertDue_ = now + config_.advertInterval;
  } else if (state_ == State::Backup) {
    if (isOwner()) {
      becomeMaster(out, now, "reload: now the address owner (priority 255)");
      return out;
    }
    if (!resignedBy_) downDue_ = lastHeard_ + masterDownInterval();
  }
  rearm(out);
  return out;
}

Actions Router::promote(TimePoint now, std::string reason) {
  Actions out;
  if (state_ != State::Backup) return out;
  if (wantsMaster_) reason += "; " + masterDownReason(now);
  becomeMaster(out, now, std::move(reason));
  return out;
}

Actions Router::demote(TimePoint now, std::string reason) {
  Actions out;
  if (state_ != State::Master) return out;
  leaveMaster(out, State::Backup, std::move(reason), /*sendStop=*/false);
  enterBackup(out, now);
  return out;
}

Actions Router::clearAdmin(TimePoint /*now*/) {
  admin_ = AdminMode::None;
  holdUntil_.reset();
  return {};
}

}  // namespace havip::vrrp
