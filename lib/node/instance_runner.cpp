#include "node/instance_runner.h"

#include <algorithm>
#include <variant>

#include "log/log.h"
#include "net/errors.h"

namespace havip::node {

namespace {

double millis(Duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

}  // namespace

InstanceRunner::InstanceRunner(vrrp::RouterConfig config, std::vector<VipBinding> vips,
                               InterfaceHub& hub, RunnerServices services)
    : router_(std::move(config)),
      vips_(std::move(vips)),
      installed_(vips_.size(), false),
      hub_(hub),
      services_(std::move(services)) {
  timer_ = services_.timers.create([this] { execute(router_.onTimer(services_.clock.now())); });
  hub_.attach(router_.config().vrid, *this);
}

InstanceRunner::~InstanceRunner() { hub_.detach(router_.config().vrid); }

void InstanceRunner::start() {
  removeStaleVips();
  execute(router_.start(services_.clock.now()));
}

// A previous run that died without cleaning up (kill -9, a crash) may have left
// our VIPs on the interface; a Backup holding them would answer for an address
// the Master owns. An owner (priority 255) is Master at once and keeps them.
void InstanceRunner::removeStaleVips() {
  if (router_.basePriority() == vrrp::kOwnerPriority) return;
  for (const auto& vip : vips_) {
    auto present = services_.addresses.list(vip.ifindex);
    if (!present) continue;
    for (const auto& a : *present) {
      if (a.prefix.address != vip.prefix.address) continue;
      log::vrrp().warn("{}: removing stale VIP {} from {} (left by a previous run)", name(),
                       a.prefix.toString(), vip.device);
      if (auto r = services_.addresses.remove(vip.ifindex, a.prefix); !r) {
        log::netlink().error("{}: removing stale VIP {}: {}", name(), a.prefix.toString(),
                             net::describe(r.error(), net::kNetAdmin));
      }
    }
  }
}

void InstanceRunner::stop() { execute(router_.shutdown(services_.clock.now())); }

vrrp::Expectation InstanceRunner::expectation() const {
  const auto& c = router_.config();
  vrrp::Expectation e;
  e.vrid = c.vrid;
  e.authType = c.authType;
  e.authData = c.authData;
  e.advertIntervalSec = static_cast<std::uint8_t>(c.advertInterval.count());
  e.addresses = c.vips;
  e.localIsOwner = c.priority == vrrp::kOwnerPriority;
  return e;
}

void InstanceRunner::onAdvert(const vrrp::ReceivedAdvert& received) {
  if (auto reason = vrrp::validate(received.advert, expectation())) {
    onDropped(*reason);
    log::vrrp().debug("{}: dropped advert from {} priority {}: {}", name(),
                      received.source.toString(), received.advert.priority,
                      vrrp::toString(*reason));
    return;
  }
  log::vrrp().debug("{}: advert from {} priority {}", name(), received.source.toString(),
                    received.advert.priority);
  execute(router_.onAdvert(received.advert, received.source, services_.clock.now()));
}

void InstanceRunner::onDropped(vrrp::DropReason reason) {
  ++drops_[static_cast<std::size_t>(reason)];
}

void InstanceRunner::setFault(bool faulted, std::string reason) {
  // Fault before start() (the daemon's path when the link is down at startup):
  // leaving Fault starts the router without start(), so clean up here.
  if (faulted && router_.state() == vrrp::State::Init) removeStaleVips();
  execute(router_.setFault(faulted, std::move(reason), services_.clock.now()));
}

void InstanceRunner::setEffectivePriority(std::uint8_t priority) {
  execute(router_.setEffectivePriority(priority, services_.clock.now()));
}

void InstanceRunner::reconfigure(vrrp::RouterConfig config, std::vector<VipBinding> vips) {
  // VIPs that are no longer wanted go first; new ones arrive through the
  // Router's InstallVips or, as Master, right here.
  const bool master = router_.state() == vrrp::State::Master;
  std::vector<bool> keep(vips.size(), false);
  for (std::size_t i = 0; i < vips_.size(); ++i) {
    bool wanted = false;
    for (std::size_t j = 0; j < vips.size(); ++j) {
      if (vips_[i].sameTarget(vips[j])) {
        wanted = true;
        keep[j] = installed_[i];
      }
    }
    if (!wanted && installed_[i]) {
      if (auto r = services_.addresses.remove(vips_[i].ifindex, vips_[i].prefix); !r) {
        log::netlink().error("{}: removing {} from {}: {}", name(), vips_[i].prefix.toString(),
                             vips_[i].device, net::describe(r.error(), net::kNetAdmin));
      }
    }
  }
  vips_ = std::move(vips);
  installed_ = std::move(keep);
  execute(router_.reconfigure(std::move(config), services_.clock.now()));
  if (master && router_.state() == vrrp::State::Master) {
    for (std::size_t i = 0; i < vips_.size(); ++i) {
      if (!installed_[i]) installVip(i);
    }
  }
}

void InstanceRunner::onAddressRemoved(int ifindex, const net::Ipv4Prefix& prefix) {
  for (std::size_t i = 0; i < vips_.size(); ++i) {
    if (vips_[i].ifindex != ifindex || vips_[i].prefix.address != prefix.address) continue;
    if (!installed_[i]) continue;
    installed_[i] = false;
    if (router_.state() == vrrp::State::Master) {
      log::vrrp().warn("{}: VIP {} was removed from {} by someone else; putting it back", name(),
                       vips_[i].prefix.toString(), vips_[i].device);
      installVip(i);
    }
  }
}

void InstanceRunner::handOver(std::optional<Duration> hold) {
  const auto now = services_.clock.now();
  const auto until = hold ? std::optional(now + *hold) : std::nullopt;
  const auto actions = router_.handOver(now, until);
  // Refused (not Master): no hold was taken, and any earlier one still stands.
  if (!actions.empty()) holdUntil_ = until;
  execute(actions);
}

void InstanceRunner::takeOver() {
  const auto actions = router_.takeOver(services_.clock.now());
  // Refused in Init or Fault, the Router keeps a hand-over hold: so do we.
  if (router_.adminMode() != vrrp::AdminMode::HandOver) holdUntil_.reset();
  execute(actions);
}

void InstanceRunner::clearAdmin() {
  holdUntil_.reset();
  execute(router_.clearAdmin(services_.clock.now()));
}

void InstanceRunner::promote(std::string reason) {
  execute(router_.promote(services_.clock.now(), std::move(reason)));
}

void InstanceRunner::demote(std::string reason) {
  execute(router_.demote(services_.clock.now(), std::move(reason)));
}

void InstanceRunner::installVip(std::size_t i) {
  const auto& vip = vips_[i];
  if (auto r = services_.addresses.add(vip.ifindex, vip.prefix, vip.label); !r) {
    log::netlink().error("{}: adding VIP {} on {}: {}", name(), vip.prefix.toString(), vip.device,
                         net::describe(r.error(), net::kNetAdmin));
    return;
  }
  installed_[i] = true;
}

void InstanceRunner::installVips() {
  for (std::size_t i = 0; i < vips_.size(); ++i) installVip(i);
}

void InstanceRunner::removeVips() {
  for (std::size_t i = 0; i < vips_.size(); ++i) {
    const auto& vip = vips_[i];
    if (auto r = services_.addresses.remove(vip.ifindex, vip.prefix); !r) {
      // Left marked as installed: it is still there as far as we know.
      log::netlink().error("{}: removing VIP {} from {}: {}", name(), vip.prefix.toString(),
                           vip.device, net::describe(r.error(), net::kNetAdmin));
      continue;
    }
    installed_[i] = false;
  }
}

void InstanceRunner::sendArps(unsigned count) {
  for (unsigned n = 0; n < count; ++n) {
    for (std::size_t i = 0; i < vips_.size(); ++i) {
      const auto& vip = vips_[i];
      if (!installed_[i]) continue;
      if (auto r = services_.announcer.sendGratuitousArp(vip.ifindex, vip.mac, vip.prefix.address);
          !r) {
        log::vrrp().warn("{}: gratuitous ARP for {} on {}: {}", name(),
                         vip.prefix.address.toString(), vip.device, r.error().message());
        continue;
      }
      if (becameMasterAt_) {
        lastTakeover_->firstArp = services_.clock.now() - *becameMasterAt_;
        lastTakeover_->arpSent = true;
        becameMasterAt_.reset();
      }
    }
  }
}

void InstanceRunner::execute(const vrrp::Actions& actions) {
  executeActions(actions);
  noteWish();
}

void InstanceRunner::executeActions(const vrrp::Actions& actions) {
  std::optional<Transition> changed;
  for (const auto& action : actions) {
    std::visit(
        [&](const auto& a) {
          using T = std::decay_t<decltype(a)>;
          if constexpr (std::is_same_v<T, vrrp::StateChanged>) {
            changed = Transition{a.from, a.to, a.reason, services_.clock.now(),
                                 services_.wallClock()};
            log::vrrp().info("{} {} -> {} ({})", name(), vrrp::toString(a.from),
                             vrrp::toString(a.to), a.reason);
            if (a.to == vrrp::State::Master) {
              becameMasterAt_ = changed->at;
              lastTakeover_ = TakeoverTiming{};
            }
          } else if constexpr (std::is_same_v<T, vrrp::InstallVips>) {
            installVips();
            if (becameMasterAt_) lastTakeover_->vipsInstalled = services_.clock.now() - *becameMasterAt_;
          } else if constexpr (std::is_same_v<T, vrrp::RemoveVips>) {
            removeVips();
          } else if constexpr (std::is_same_v<T, vrrp::SendGratuitousArp>) {
            sendArps(a.count);
          } else if constexpr (std::is_same_v<T, vrrp::SendAdvert>) {
            if (auto r = hub_.send(a.advert); !r) {
              log::vrrp().warn("{}: sending advert on {}: {}", name(), hub_.identity().name,
                               r.error().message());
            }
          } else if constexpr (std::is_same_v<T, vrrp::ArmTimer>) {
            timer_->arm(a.at);
          }
        },
        action);
  }
  if (!changed) return;
  if (changed->to == vrrp::State::Master && lastTakeover_) {
    // Counted, not assumed: a refused add or a failed ARP must not read as done.
    const auto installedCount = std::count(installed_.begin(), installed_.end(), true);
    if (lastTakeover_->arpSent) {
      log::vrrp().info(
          "{}: {} of {} VIPs installed {:.3f} ms and first gratuitous ARP sent {:.3f} ms after "
          "the decision",
          name(), installedCount, vips_.size(), millis(lastTakeover_->vipsInstalled),
          millis(lastTakeover_->firstArp));
    } else {
      log::vrrp().info(
          "{}: {} of {} VIPs installed {:.3f} ms after the decision; no gratuitous ARP sent",
          name(), installedCount, vips_.size(), millis(lastTakeover_->vipsInstalled));
    }
  }
  becameMasterAt_.reset();
  lastTransition_ = changed;
  if (services_.onTransition) services_.onTransition(name(), *changed);
}

void InstanceRunner::noteWish() {
  if (router_.wantsMaster() == wantedMaster_) return;
  wantedMaster_ = router_.wantsMaster();
  if (services_.onWantsMaster) services_.onWantsMaster(name());
}

}  // namespace havip::node
