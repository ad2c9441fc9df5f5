#include "daemon.h"

#include <unistd.h>

#include <algorithm>
#include <csignal>

#include "config/parser.h"
#include "ipvs/genl_ipvs.h"
#include "log/log.h"
#include "netio/packet_announcer.h"
#include "netio/raw_advert_transport.h"
#include "node/instance_config.h"

namespace havip::daemon {

namespace {

std::string describe(vrrp::State s) { return std::string(vrrp::toString(s)); }

double secondsBetween(node::TimePoint from, node::TimePoint to) {
  return std::chrono::duration<double>(to - from).count();
}

// Whether a running instance can keep its runner on reload: same VRID, same interface.
bool sameRouter(const config::VrrpInstance& a, const config::VrrpInstance& b) {
  return a.virtualRouterId == b.virtualRouterId && a.interface == b.interface;
}

// Same trackers with the same effect; where they are written does not matter.
bool sameTrackers(const std::vector<config::TrackerRef>& a, const std::vector<config::TrackerRef>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const auto& x, const auto& y) {
    return x.kind == y.kind && x.name == y.name && x.weight == y.weight && x.reverse == y.reverse;
  });
}

bool sameVips(const std::vector<node::VipBinding>& a, const std::vector<node::VipBinding>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (!a[i].sameTarget(b[i]) || a[i].ifindex != b[i].ifindex) return false;
  }
  return true;
}

// How long a stopping havipd waits for notify_stop scripts before it exits.
constexpr std::chrono::seconds kStopGrace{5};

}  // namespace

Daemon::Daemon(Options options)
    : options_(std::move(options)),
      signals_(io_, SIGTERM, SIGINT, SIGHUP),
      watchdog_(io_),
      timers_(io_),
      probers_(io_),
      mailer_(io_),
      mailQueue_(clock_, timers_, mailer_),
      mail_(mailQueue_, notify::localIdentity(), [] { return std::chrono::system_clock::now(); },
            notify::localUtcOffset),
      scripts_(io_),
      stopGrace_(io_),
      startedAt_(std::chrono::steady_clock::now()) {}

Daemon::~Daemon() = default;

int Daemon::run() {
  auto& log = log::daemon();
  auto loaded = config::loadFile(options_.configPath.string());
  if (!loaded) {
    for (const auto& e : loaded.error().errors) log.error("{}", e.toString());
    log.error("{}: {} error(s), not starting", options_.configPath.string(),
              loaded.error().errors.size());
    return 1;
  }
  for (const auto& w : loaded->warnings) log.warn("{}", w.toString());
  config_ = loaded->config;

  if (!openKernel()) return 1;
  auto applied = applyConfig(config_);
  if (!applied.ok) {
    for (const auto& e : applied.errors) log.error("{}", e);
    return 1;
  }
  lb_ = std::make_unique<lb::LoadBalancer>(
      []() -> tl::expected<std::unique_ptr<ipvs::Ipvs>, std::error_code> {
        auto opened = ipvs::GenlIpvs::open();
        if (!opened) return tl::make_unexpected(opened.error());
        return std::unique_ptr<ipvs::Ipvs>(std::move(*opened));
      },
      clock_, timers_, probers_);
  lb_->setHealthListener([this](const check::HealthChange& c) { mailHealthChange(c); });
  lb_->configure(config_);

  control::ServerOptions serverOptions;
  serverOptions.socketPath = options_.controlSocket;
  control_ = std::make_unique<control::Server>(io_, *this, serverOptions);
  if (auto started = control_->start(); !started) {
    log.error("control socket {}: {}", options_.controlSocket.string(), started.error().message());
    shutdown();
    return 1;
  }

  signals_.async_wait([this](const boost::system::error_code& ec, int signo) {
    if (!ec) onSignal(signo);
  });
  notifier_.ready();
  publishStatusLine();
  armWatchdog();
  log.info("havipd {} running {} instance(s) from {}", HAVIP_VERSION, instances_.size(),
           options_.configPath.string());
  io_.run();
  return exitCode_;
}

bool Daemon::openKernel() {
  auto& log = log::daemon();
  auto nl = netlink::KernelNetlink::open();
  if (!nl) {
    log.error("rtnetlink: {}", nl.error().message());
    return false;
  }
  netlink_ = std::move(*nl);
  auto announcer = netio::PacketAnnouncer::open();
  if (!announcer) {
    log.error("gratuitous ARP socket (AF_PACKET): {} (havipd needs CAP_NET_RAW)",
              announcer.error().message());
    return false;
  }
  announcer_ = std::move(*announcer);
  events_ = std::make_unique<netlink::KernelEventStream>(io_);
  if (auto started = events_->start([this](const netlink::Event& e) { onNetlinkEvent(e); });
      !started) {
    log.error("rtnetlink events: {}", started.error().message());
    return false;
  }
  return true;
}

node::InterfaceHub* Daemon::hubFor(const std::string& interface, std::string& error) {
  if (auto it = hubs_.find(interface); it != hubs_.end()) return it->second.get();
  auto link = netlink_->byName(interface);
  if (!link) {
    error = "interface " + interface + ": " + link.error().message();
    return nullptr;
  }
  auto primary = netlink_->primaryAddress(link->ifindex);
  if (!primary) {
    error = "interface " + interface + " has no IPv4 address to send VRRP from: " +
            primary.error().message();
    return nullptr;
  }
  auto transport = netio::RawAdvertTransport::open(io_, link->ifindex, interface);
  if (!transport) {
    error = "VRRP socket on " + interface + ": " + transport.error().message() +
            " (havipd needs CAP_NET_RAW)";
    return nullptr;
  }
  node::InterfaceIdentity id{interface, link->ifindex, link->mac.value_or(net::MacAddress{}),
                             *primary};
  auto hub = std::make_unique<node::InterfaceHub>(std::move(id), std::move(*transport));
  return hubs_.emplace(interface, std::move(hub)).first->second.get();
}

std::unique_ptr<node::InstanceRunner> Daemon::makeRunner(const config::VrrpInstance& settings,
                                                         std::string& error) {
  auto* hub = hubFor(settings.interface, error);
  if (!hub) return nullptr;
  auto vips = node::bindVips(settings, *netlink_);
  if (!vips) {
    error = vips.error();
    return nullptr;
  }
  node::RunnerServices services{*netlink_, *announcer_, clock_, timers_,
                                [this](const std::string& name, const node::Transition& t) {
                                  onTransition(name, t);
                                }};
  services.onWantsMaster = [this](const std::string& name) { syncInstance(name); };
  return std::make_unique<node::InstanceRunner>(
      node::routerConfigFor(settings, hub->identity().primary), std::move(*vips), *hub,
      std::move(services));
}

control::ReloadResult Daemon::applyConfig(std::shared_ptr<const config::Config> next) {
  control::ReloadResult result;
  // Prepare everything first, so a config that cannot be applied changes nothing.
  struct Plan {
    const config::VrrpInstance* settings;
    enum { Keep, Update, Create } action;
    vrrp::RouterConfig routerConfig;
    std::vector<node::VipBinding> vips;
  };
  std::vector<Plan> plans;
  for (const auto& settings : next->vrrpInstances) {
    std::string error;
    auto* hub = hubFor(settings.interface, error);
    if (!hub) {
      result.errors.push_back(settings.where.toString() + ": " + settings.name + ": " + error);
      continue;
    }
    auto vips = node::bindVips(settings, *netlink_);
    if (!vips) {
      result.errors.push_back(settings.where.toString() + ": " + settings.name + ": " + vips.error());
      continue;
    }
    Plan plan{&settings, Plan::Create, node::routerConfigFor(settings, hub->identity().primary),
              std::move(*vips)};
    if (auto it = instances_.find(settings.name);
        it != instances_.end() && sameRouter(*it->second.settings, settings)) {
      const auto& runner = *it->second.runner;
      plan.action = runner.router().config() == plan.routerConfig && sameVips(runner.vips(), plan.vips)
                        ? Plan::Keep
                        : Plan::Update;
    }
    plans.push_back(std::move(plan));
  }
  if (!result.errors.empty()) {
    result.ok = false;
    return result;
  }

  // Instances gone or replaced stop first, so their VRIDs are free for new ones.
  for (auto it = instances_.begin(); it != instances_.end();) {
    bool kept = false;
    for (const auto& p : plans) kept |= p.settings->name == it->first && p.action != Plan::Create;
    if (kept) {
      ++it;
      continue;
    }
    it->second.runner->stop();
    result.changes.push_back(it->first + ": stopped");
    it = instances_.erase(it);
  }
  for (auto& p : plans) {
    const auto& name = p.settings->name;
    switch (p.action) {
      case Plan::Keep:
      case Plan::Update: {
        auto& kept = instances_[name];
        kept.settings = p.settings;
        if (p.action == Plan::Update) {
          kept.runner->reconfigure(std::move(p.routerConfig), std::move(p.vips));
        }
        // Trackers keep their state unless what they track changed; a rebuilt
        // set reports at once and re-applies its weights to the new base.
        const bool trackersChanged = !sameTrackers(next->trackersOf(*p.settings), kept.trackerRefs);
        if (trackersChanged || p.action == Plan::Update) buildTrackers(*next, name, kept);
        result.changes.push_back(name + (p.action == Plan::Keep && !trackersChanged
                                             ? ": unchanged"
                                             : ": updated in place"));
        break;
      }
      case Plan::Create: {
        std::string error;
        auto runner = makeRunner(*p.settings, error);
        if (!runner) {  // prepared above; only a race with the kernel gets here
          result.errors.push_back(name + ": " + error);
          continue;
        }
        // Registered before it starts, so its first transition is reported (and mailed).
        auto& added = instances_[name] = Instance{p.settings, std::move(runner), {}, {}, {}, {}, {}};
        const auto& link = netlink_->byIndex(added.runner->hub().identity().ifindex);
        if (link && !link->usable()) added.linkFault = p.settings->interface + " is down";
        buildTrackers(*next, name, added);  // reports once: may set trackFault
        if (added.linkFault || added.trackFault) {
          applyFault(added, "");
        } else {
          added.runner->start();
        }
        result.changes.push_back(name + ": started");
        break;
      }
    }
  }
  rebuildSyncGroups(*next);
  config_ = std::move(next);
  result.ok = result.errors.empty();
  return result;
}

void Daemon::rebuildSyncGroups(const config::Config& config) {
  std::map<std::string, vrrp::SyncGroup> groups;
  for (const auto& g : config.syncGroups) {
    auto old = syncGroups_.find(g.name);
    if (old != syncGroups_.end() && old->second.members() == g.members) {
      groups.emplace(g.name, std::move(old->second));  // unchanged: keeps its state, no flap
    } else {
      groups.emplace(g.name, vrrp::SyncGroup(g.name, g.members));
      log::vrrp().info("sync group {}: {} {}", g.name, old == syncGroups_.end() ? "created with" : "now",
                       [&] {
                         std::string m;
                         for (const auto& n : g.members) m += (m.empty() ? "" : ", ") + n;
                         return m;
                       }());
    }
  }
  for (const auto& [name, group] : syncGroups_)
    if (!groups.count(name)) log::vrrp().info("sync group {}: removed", name);
  syncGroups_ = std::move(groups);
  groupOf_.clear();
  for (const auto& [name, group] : syncGroups_)
    for (const auto& m : group.members()) groupOf_[m] = name;
  for (auto& [name, instance] : instances_) {
    const auto group = groupOf_.find(name);
    instance.runner->setSyncGated(group != groupOf_.end());
    // A group that changed starts from scratch: it holds nobody until it says so.
    const bool keptHold = group != groupOf_.end() && syncGroups_.at(group->second).holding(name);
    if (instance.syncFault && !keptHold) {
      instance.syncFault.reset();
      applyFaultOnly(instance, "no longer held by a sync group");
    }
  }
  for (const auto& [name, group] : syncGroups_) syncPending_.insert(name);
  settleSyncGroups();
}

void Daemon::syncInstance(const std::string& instance) {
  auto it = groupOf_.find(instance);
  if (it == groupOf_.end()) return;
  syncPending_.insert(it->second);
  settleSyncGroups();
}

void Daemon::settleSyncGroups() {
  if (syncing_) return;  // the outer call picks the new work up
  syncing_ = true;
  // Each round's orders are carried out at once, so a group is content within
  // a few rounds; the bound only guards against a bug looping the event loop.
  for (int rounds = 0; !syncPending_.empty(); ++rounds) {
    if (rounds == 64) {
      log::vrrp().error("sync groups still giving orders after {} rounds; stopping here", rounds);
      syncPending_.clear();
      break;
    }
    const std::string name = *syncPending_.begin();
    syncPending_.erase(syncPending_.begin());
    auto git = syncGroups_.find(name);
    if (git == syncGroups_.end()) continue;
    auto& group = git->second;
    std::vector<vrrp::SyncMemberView> views;
    for (const auto& m : group.members()) {
      auto it = instances_.find(m);
      if (it == instances_.end()) break;  // mid-reload; the rebuild feeds it again
      const auto& inst = it->second;
      views.push_back({m, inst.runner->router().state(), inst.runner->router().wantsMaster(),
                       inst.linkFault ? inst.linkFault : inst.trackFault});
    }
    if (views.size() != group.members().size()) continue;
    const auto before = group.state();
    auto orders = group.update(views);
    if (group.state() != before && before != vrrp::State::Init)
      log::vrrp().info("sync group {}: {} -> {}", name, vrrp::toString(before), vrrp::toString(group.state()));
    for (auto& order : orders) {
      auto& inst = instances_.at(order.member);
      switch (order.kind) {
        case vrrp::SyncOrder::Kind::HoldFault:
          inst.syncFault = order.reason;
          applyFaultOnly(inst, order.reason);
          break;
        case vrrp::SyncOrder::Kind::ReleaseFault:
          inst.syncFault.reset();
          applyFaultOnly(inst, order.reason);
          break;
        case vrrp::SyncOrder::Kind::Promote:
          inst.runner->promote(order.reason);
          break;
        case vrrp::SyncOrder::Kind::Demote:
          inst.runner->demote(order.reason);
          break;
      }
    }
    // Orders change states: look again until the group is content.
    if (!orders.empty()) syncPending_.insert(name);
  }
  syncing_ = false;
}

void Daemon::buildTrackers(const config::Config& config, const std::string& name, Instance& instance) {
  track::TrackerServices services{
      clock_, timers_, scripts_,
      [this](const std::string& ifname) -> std::optional<netlink::LinkInfo> {
        auto link = netlink_->byName(ifname);
        if (!link) return std::nullopt;
        return *link;
      },
      track::MissingScript::Disable, options_.meminfoPath};
  std::vector<std::string> unresolved;
  auto trackers = track::makeTrackers(config, *instance.settings, services, &unresolved);
  for (const auto& u : unresolved) log::track().error("{}: tracker {} is not defined", name, u);
  instance.trackerRefs = config.trackersOf(*instance.settings);
  instance.trackers.reset();  // the old set's callbacks end here
  instance.trackers = std::make_unique<track::TrackerSet>(
      name, instance.settings->priority, std::move(trackers),
      [this, &instance](const track::PriorityResult& r) { onTrackers(instance, r); });
  instance.trackers->start();
}

void Daemon::onTrackers(Instance& instance, const track::PriorityResult& result) {
  auto& runner = *instance.runner;
  std::optional<std::string> fault;
  if (result.fault) {
    fault = track::TrackerSet::faultReason(result);
  } else if (!result.holdingBy.empty()) {
    // keepalived holds an instance whose weight-0 tracker has not reported yet.
    std::string names;
    for (const auto& n : result.holdingBy) names += (names.empty() ? "" : ", ") + n;
    fault = "waiting for the first result of " + names;
  }
  if (runner.router().effectivePriority() != result.effectivePriority &&
      runner.router().basePriority() != vrrp::kOwnerPriority) {
    std::string why;
    for (const auto& r : result.reasons) why += (why.empty() ? "" : "; ") + r;
    log::track().info("{}: effective priority {} -> {} ({})", runner.name(),
                      runner.router().effectivePriority(), result.effectivePriority, why);
  }
  runner.setEffectivePriority(result.effectivePriority);
  if (fault != instance.trackFault) {
    instance.trackFault = fault;
    applyFault(instance, "trackers OK again");
  }
}

void Daemon::applyFault(Instance& instance, const std::string& cleared) {
  applyFaultOnly(instance, cleared);
  syncInstance(instance.settings->name);
}

void Daemon::applyFaultOnly(Instance& instance, const std::string& cleared) {
  const auto& cause = instance.linkFault   ? instance.linkFault
                      : instance.trackFault ? instance.trackFault
                                            : instance.syncFault;
  if (cause) {
    instance.runner->setFault(true, *cause);
    return;
  }
  if (instance.runner->router().state() == vrrp::State::Init) {
    instance.runner->start();
  } else {
    instance.runner->setFault(false, cleared);
  }
}

void Daemon::onSignal(int signo) {
  auto& log = log::daemon();
  if (signo == SIGHUP) {
    log.info("SIGHUP: reloading {}", options_.configPath.string());
    reload([](const control::ReloadResult&) {});
    signals_.async_wait([this](const boost::system::error_code& ec, int next) {
      if (!ec) onSignal(next);
    });
    return;
  }
  log.info("{}: shutting down", signo == SIGTERM ? "SIGTERM" : "SIGINT");
  shutdown();
}

void Daemon::shutdown() {
  notifier_.stopping();
  for (auto& [name, instance] : instances_) instance.runner->stop();
  instances_.clear();
  // The IPVS table stays: the other director may be serving through its own
  // copy, and a restarted havipd reconciles it rather than rebuilding it.
  lb_.reset();
  if (control_) control_->stop();
  if (events_) events_->stop();
  signals_.cancel();
  watchdog_.cancel();
  // notify_stop (and any notify script still running) gets a few seconds.
  if (notifyScripts_.running() == 0) {
    io_.stop();
    return;
  }
  log::daemon().info("waiting up to {} s for {} notify script(s) to finish", kStopGrace.count(),
                     notifyScripts_.running());
  stopGrace_.expires_after(kStopGrace);
  stopGrace_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    log::daemon().warn("{} notify script(s) still running after {} s: killed", notifyScripts_.running(),
                       kStopGrace.count());
    io_.stop();
  });
  notifyScripts_.whenIdle([this] {
    stopGrace_.cancel();
    io_.stop();
  });
}

void Daemon::reload(ReloadDone done) {
  auto& log = log::daemon();
  notifier_.reloading();
  control::ReloadResult result;
  auto loaded = config::loadFile(options_.configPath.string());
  if (!loaded) {
    result.ok = false;
    for (const auto& e : loaded.error().errors) result.errors.push_back(e.toString());
  } else {
    for (const auto& w : loaded->warnings) log.warn("{}", w.toString());
    result = applyConfig(loaded->config);
    if (result.ok && lb_) lb_->configure(config_);
  }
  if (result.ok) {
    for (const auto& c : result.changes) log.info("reload: {}", c);
  } else {
    for (const auto& e : result.errors) log.error("reload refused: {}", e);
    log.error("reload refused; still running the previous configuration");
  }
  lastReload_ = control::LastReload{result, {}};
  lastReloadAt_ = std::chrono::system_clock::now();
  notifier_.ready();
  publishStatusLine();
  done(std::move(result));
}

void Daemon::failover(const control::FailoverRequest& request, FailoverDone done) {
  std::vector<Instance*> targets;
  if (request.instance) {
    auto it = instances_.find(*request.instance);
    if (it == instances_.end()) {
      done(tl::unexpected("no instance " + *request.instance));
      return;
    }
    targets.push_back(&it->second);
  } else {
    for (auto& [name, instance] : instances_) targets.push_back(&instance);
  }
  for (auto* t : targets) {
    const auto state = t->runner->router().state();
    if (!request.clear && state != vrrp::State::Master && state != vrrp::State::Backup) {
      done(tl::unexpected(t->runner->name() + " is " + describe(state) + ": nothing to fail over"));
      return;
    }
  }
  control::FailoverResult result;
  for (auto* t : targets) {
    auto& runner = *t->runner;
    const auto before = runner.router().state();
    const auto start = clock_.now();
    control::FailoverOutcome outcome;
    outcome.instance = runner.name();
    outcome.previousState = describe(before);
    if (request.clear) {
      runner.clearAdmin();
      outcome.detail = "override cleared: normal election rules apply again";
    } else if (before == vrrp::State::Master) {
      runner.handOver(request.hold);
      outcome.detail = request.hold ? "handed over: staying BACKUP for " +
                                          std::to_string(request.hold->count()) + " s"
                                    : "handed over: staying BACKUP until failover --clear";
    } else {
      runner.takeOver();
      outcome.detail = "took over: advertising priority " +
                       std::to_string(runner.router().effectivePriority()) +
                       " until failover --clear";
    }
    outcome.newState = describe(runner.router().state());
    outcome.elapsedMs = std::chrono::duration<double, std::milli>(clock_.now() - start).count();
    log::control().info("failover {}: {} -> {} in {:.3f} ms ({})", outcome.instance,
                        outcome.previousState, outcome.newState, outcome.elapsedMs, outcome.detail);
    result.instances.push_back(std::move(outcome));
  }
  publishStatusLine();
  done(std::move(result));
}

void Daemon::onNetlinkEvent(const netlink::Event& event) {
  auto& log = log::netlink();
  if (const auto* link = std::get_if<netlink::LinkEvent>(&event)) {
    for (auto& [iname, instance] : instances_) {
      if (instance.trackers) instance.trackers->onLinkEvent(*link);
    }
    for (auto& [name, hub] : hubs_) {
      if (name == link->link.name && hub->identity().ifindex != link->link.ifindex) {
        awaited_.insert(name);
        followRecreatedInterface(*hub);
        continue;
      }
      if (hub->identity().ifindex != link->link.ifindex) continue;
      if (link->change == netlink::LinkChange::Deleted) awaited_.insert(name);
      const bool down = link->change == netlink::LinkChange::Down ||
                        link->change == netlink::LinkChange::Deleted;
      const bool up = link->change == netlink::LinkChange::Up;
      if (!down && !up) continue;
      log.info("{} {}", name, down ? (link->change == netlink::LinkChange::Deleted ? "deleted" : "down")
                                   : "up");
      for (auto& [iname, instance] : instances_) {
        if (&instance.runner->hub() != hub.get()) continue;
        if (down) {
          instance.linkFault = name + " down";
        } else {
          instance.linkFault.reset();
        }
        applyFault(instance, name + " up");
      }
    }
    return;
  }
  if (const auto* address = std::get_if<netlink::AddressEvent>(&event)) {
    if (address->added) {
      // A re-created interface may get its address only after it came up.
      // Only interfaces known to be gone are looked up: every VIP we add
      // comes back here too.
      const std::set<std::string> awaited = awaited_;  // followRecreatedInterface erases
      for (const auto& name : awaited) {
        if (auto hub = hubs_.find(name); hub != hubs_.end()) followRecreatedInterface(*hub->second);
      }
      return;
    }
    for (auto& [name, instance] : instances_) {
      instance.runner->onAddressRemoved(address->address.ifindex, address->address.prefix);
    }
    return;
  }
  log.warn("rtnetlink notifications were lost; state re-read from the kernel");
}

// The interface a hub ran on was deleted and created again under the same
// name: the kernel gave it a new ifindex, so the hub's socket (bound to the old
// one) hears nothing and the VIPs point nowhere. Once the new interface has an
// IPv4 address, the hub gets a socket on it, each instance's VIPs are bound to
// it, and the instances leave FAULT if it is up. Until then they stay in FAULT
// (set when the old interface went away).
void Daemon::followRecreatedInterface(node::InterfaceHub& hub) {
  auto& log = log::netlink();
  const std::string name = hub.identity().name;
  auto link = netlink_->byName(name);
  if (!link || link->ifindex == hub.identity().ifindex) return;
  auto primary = netlink_->primaryAddress(link->ifindex);
  if (!primary) {
    log.info("{} is back (ifindex {}), waiting for its IPv4 address", name, link->ifindex);
    return;
  }
  auto transport = netio::RawAdvertTransport::open(io_, link->ifindex, name);
  if (!transport) {
    log.error("{} is back (ifindex {}) but its VRRP socket failed: {}", name, link->ifindex,
              transport.error().message());
    return;
  }
  awaited_.erase(name);
  log.info("{} re-created: ifindex {} -> {}, VRRP socket reopened, sending from {}", name,
           hub.identity().ifindex, link->ifindex, primary->toString());
  hub.rebind({name, link->ifindex, link->mac.value_or(net::MacAddress{}), *primary},
             std::move(*transport));
  for (auto& [iname, instance] : instances_) {
    if (&instance.runner->hub() != &hub) continue;
    auto vips = node::bindVips(*instance.settings, *netlink_);
    if (!vips) {
      log.error("{}: {}", iname, vips.error());
      continue;
    }
    instance.runner->reconfigure(node::routerConfigFor(*instance.settings, *primary),
                                 std::move(*vips));
    if (link->usable()) {
      instance.linkFault.reset();
    } else {
      instance.linkFault = name + " down";
    }
    applyFault(instance, name + " re-created");
  }
}

// After a state change has been carried out: the status line, then the mail
// (queued: delivery happens later on the loop and can never delay VRRP).
void Daemon::onTransition(const std::string& instance, const node::Transition& t) {
  publishStatusLine();
  auto it = instances_.find(instance);
  if (it != instances_.end() && it->second.settings)
    notifyScripts_.onTransition(*it->second.settings, t.to, it->second.runner->router().effectivePriority());
  if (t.to == vrrp::State::Init) return;  // stopping: the loop ends before a mail could leave
  syncInstance(instance);
  it = instances_.find(instance);
  if (it == instances_.end() || !it->second.settings) return;
  const auto settings = config_->mailFor(*it->second.settings);
  if (!settings.enabled) return;
  const auto& router = it->second.runner->router();
  notify::VrrpEvent event{instance, t.from, t.to, t.reason, router.basePriority(),
                          router.effectivePriority(), {}};
  for (const auto& vip : it->second.runner->vips()) event.vips.push_back(vip.prefix.toString());
  mail_.vrrpTransition(settings, event);
}

void Daemon::mailHealthChange(const check::HealthChange& change) {
  for (const auto& vs : config_->virtualServers) {
    if (vs.name() != change.server.virtualServer) continue;
    for (const auto& rs : vs.realServers) {
      const auto port = rs.port ? rs.port : vs.port;
      if (rs.address != change.server.address || port != change.server.port) continue;
      const auto settings = config_->mailFor(vs, rs);
      if (!settings.enabled) return;
      mail_.realServerChange(settings, notify::RealServerEvent{
                                           notify::keepalivedEndpoint(rs.address, vs.protocol, port),
                                           notify::keepalivedVirtualServer(vs),
                                           change.health == check::Health::Up, change.reason});
      return;
    }
  }
}

void Daemon::armWatchdog() {
  auto interval = notifier_.watchdogPingInterval();
  if (!interval) return;
  notifier_.watchdogPing();
  watchdog_.expires_after(*interval);
  watchdog_.async_wait([this](const boost::system::error_code& ec) {
    if (!ec) armWatchdog();
  });
}

void Daemon::publishStatusLine() {
  std::string line;
  for (const auto& [name, instance] : instances_) {
    if (!line.empty()) line += ", ";
    const auto& r = instance.runner->router();
    line += name + " " + describe(r.state()) + " prio " + std::to_string(r.effectivePriority());
  }
  notifier_.status(line.empty() ? "no VRRP instances" : line);
}

control::Moment Daemon::momentOf(node::TimePoint at) const {
  const auto ago = clock_.now() - at;
  const auto wall = std::chrono::system_clock::now() -
                    std::chrono::duration_cast<std::chrono::system_clock::duration>(ago);
  return control::Moment{std::chrono::duration<double>(ago).count(), control::toIso8601(wall)};
}

control::StatusSnapshot Daemon::status() {
  control::StatusSnapshot s;
  const auto now = clock_.now();
  const auto wallNow = std::chrono::system_clock::now();
  s.daemon.version = HAVIP_VERSION;
  s.daemon.pid = ::getpid();
  s.daemon.uptimeSeconds = std::chrono::duration<double>(now - startedAt_).count();
  s.daemon.configPath = options_.configPath.string();
  if (lastReload_) {
    s.daemon.lastReload = lastReload_;
    s.daemon.lastReload->at.secondsAgo = std::chrono::duration<double>(wallNow - lastReloadAt_).count();
    s.daemon.lastReload->at.wallClock = control::toIso8601(lastReloadAt_);
  }
  for (const auto& [name, instance] : instances_) {
    const auto& runner = *instance.runner;
    const auto& router = runner.router();
    const auto& settings = *instance.settings;
    control::InstanceStatus is;
    is.name = name;
    is.state = describe(router.state());
    is.interface = settings.interface;
    is.vrid = router.config().vrid;
    is.basePriority = router.basePriority();
    if (auto g = groupOf_.find(name); g != groupOf_.end()) is.syncGroup = g->second;
    is.effectivePriority = router.effectivePriority();
    if (router.adminMode() == vrrp::AdminMode::TakeOver) {
      is.priorityReasons.push_back("admin take-over: advertising " +
                                   std::to_string(router.effectivePriority()));
    }
    if (router.state() == vrrp::State::Backup && router.currentMaster()) {
      is.masterAddress = router.currentMaster()->toString();
    }
    for (std::size_t i = 0; i < runner.vips().size(); ++i) {
      const auto& vip = runner.vips()[i];
      is.vips.push_back({vip.prefix.toString(), vip.device, runner.installed(i)});
    }
    is.advertIntervalMs = static_cast<std::uint32_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(router.config().advertInterval).count());
    is.advertsSent = router.stats().advertsSent;
    is.advertsReceived = router.stats().advertsReceived;
    const auto& hubDrops = runner.hub().unattributedDrops();
    for (std::size_t r = 0; r < vrrp::kDropReasonCount; ++r) {
      const auto n = runner.drops()[r] + hubDrops[r];
      if (n) is.drops[std::string(vrrp::toString(static_cast<vrrp::DropReason>(r)))] = n;
    }
    if (const auto& t = runner.lastTransition()) {
      is.lastTransition = control::Transition{
          describe(t->from), describe(t->to), t->reason,
          control::Moment{secondsBetween(t->at, now), control::toIso8601(t->wallClock)}};
    }
    if (router.adminMode() == vrrp::AdminMode::HandOver) {
      control::AdminOverride o{"handed-over", std::nullopt};
      if (runner.holdUntil()) {
        o.remainingSeconds = std::max(0.0, secondsBetween(now, *runner.holdUntil()));
      }
      is.adminOverride = o;
    } else if (router.adminMode() == vrrp::AdminMode::TakeOver) {
      is.adminOverride = control::AdminOverride{"taken-over", std::nullopt};
    }
    if (instance.trackers) {
      const auto& current = instance.trackers->current();
      if (router.adminMode() != vrrp::AdminMode::TakeOver &&
          router.basePriority() != vrrp::kOwnerPriority && !current.reasons.empty()) {
        for (const auto& r : current.reasons) is.priorityReasons.push_back(r);
      }
      for (const auto& t : instance.trackers->status()) {
        std::string detail = std::string(track::toString(t.state));
        if (!t.lastResult.empty()) detail += ": " + t.lastResult;
        if (t.lastResultAt) detail += " (" + std::to_string(static_cast<long long>(secondsBetween(*t.lastResultAt, now))) + " s ago)";
        if (t.causesFault) detail += "; forces FAULT";
        is.trackers.push_back({t.name, std::string(track::toString(t.kind)),
                               t.state == track::TrackerState::Ok, t.weight, t.priorityDelta, detail});
      }
    }
    if (instance.linkFault) is.priorityReasons.push_back("FAULT: " + *instance.linkFault);
    s.instances.push_back(std::move(is));
  }
  const bool mails = std::any_of(config_->vrrpInstances.begin(), config_->vrrpInstances.end(),
                                 [&](const auto& i) { return config_->mailFor(i).enabled; });
  if (mails) {
    const auto& m = mailQueue_.status();
    control::MailStatus ms{m.enqueued, m.sent, m.waiting, m.retrying, m.givenUp, m.dropped,
                           m.lastError, std::nullopt, m.lastGivenUp};
    if (m.lastErrorAt) {
      const auto ago = std::chrono::system_clock::now() - *m.lastErrorAt;
      ms.lastErrorAt = control::Moment{std::chrono::duration<double>(ago).count(),
                                       control::toIso8601(*m.lastErrorAt)};
    }
    s.mail = std::move(ms);
  }
  if (lb_ && !config_->virtualServers.empty()) {
    auto lbs = lb_->status();
    control::IpvsStatus ipvs{lbs.ipvsError, lbs.ipvsVersion, lbs.reconciles, lbs.operationsApplied,
                             lbs.operationsFailed, lbs.lastChanges, std::nullopt};
    if (lbs.lastChangeAt) ipvs.lastChangeAt = momentOf(*lbs.lastChangeAt);
    s.ipvs = std::move(ipvs);
    for (auto& vs : lbs.virtualServers) {
      control::VirtualServerStatus v;
      // "10.11.12.99:80 TCP", or "fwmark 7" (no protocol of its own).
      const auto space = vs.name.rfind(' ');
      const bool fwmark = vs.name.starts_with("fwmark");
      v.address = fwmark ? vs.name : vs.name.substr(0, space);
      v.protocol = fwmark || space == std::string::npos ? "" : vs.name.substr(space + 1);
      v.scheduler = vs.scheduler;
      v.forwarding = vs.forwarding;
      v.inKernel = vs.inKernel;
      for (auto& rs : vs.realServers) {
        control::RealServerStatus r;
        r.address = rs.address;
        r.weight = static_cast<int>(rs.configuredWeight);
        r.up = rs.up;
        if (rs.kernelWeight) r.kernelWeight = static_cast<int>(*rs.kernelWeight);
        r.lastResult = rs.lastResult;
        if (rs.lastResultAt) r.lastResultAt = momentOf(*rs.lastResultAt);
        r.activeConnections = rs.activeConnections;
        r.inactiveConnections = rs.inactiveConnections;
        v.realServers.push_back(std::move(r));
      }
      s.virtualServers.push_back(std::move(v));
    }
  }
  return s;
}

}  // namespace havip::daemon
