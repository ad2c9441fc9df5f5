#include "lb/load_balancer.h"

#include "log/log.h"
#include "net/errors.h"

namespace havip::lb {

namespace {

std::string endpoint(net::Ipv4Address a, std::uint16_t port) {
  return a.toString() + ":" + std::to_string(port);
}

}  // namespace

LoadBalancer::LoadBalancer(IpvsOpener openIpvs, node::Clock& clock, node::TimerService& timers,
                           check::ProberFactory& probers, Options options)
    : openIpvs_(std::move(openIpvs)),
      clock_(clock),
      timers_(timers),
      probers_(probers),
      options_(options) {
  periodic_ = timers_.create([this] {
    reconcile("periodic check");
    armPeriodic();
  });
}

LoadBalancer::~LoadBalancer() = default;

void LoadBalancer::armPeriodic() { periodic_->arm(clock_.now() + options_.reconcilePeriod); }

bool LoadBalancer::ensureIpvs() {
  if (ipvs_) return true;
  auto opened = openIpvs_();
  if (!opened) {
    auto message = net::describe(opened.error(), net::kNetAdmin);
    if (ipvsError_ != message) log::ipvs().error("{}; VRRP keeps running, retrying every {} ms",
                                                 message, options_.reconcilePeriod.count());
    ipvsError_ = std::move(message);
    return false;
  }
  ipvs_ = std::move(*opened);
  if (auto info = ipvs_->info()) {
    ipvsVersion_ = info->versionString();
    log::ipvs().info("IPVS {} ready (connection table size {})", *ipvsVersion_,
                     info->connectionTableSize);
  }
  ipvsError_.reset();
  return true;
}

void LoadBalancer::loseIpvs(std::string why) {
  log::ipvs().error("{}", why);
  ipvs_.reset();  // reopen next time: the module may have gone, or the socket died
  ipvsError_ = std::move(why);
  // Whatever was read before no longer describes the kernel: status must not show it.
  lastActual_.clear();
}

void LoadBalancer::configure(std::shared_ptr<const config::Config> config) {
  // The previous configuration's services stay owned until one reconcile has
  // deleted those the new one dropped.
  if (config_) {
    for (const auto& k : ipvs::keysOf(ipvs::desiredTable(config_->virtualServers))) owned_.insert(k);
  }
  config_ = std::move(config);
  auto previous = std::move(health_);
  health_ = std::make_unique<check::HealthMonitor>(
      config_->virtualServers, clock_, timers_, probers_,
      [this](const check::HealthChange& c) { onHealthChange(c); });
  // A reload keeps what unchanged checks found: a DOWN real server stays out.
  if (previous) {
    const auto carried = health_->inherit(*previous);
    if (carried > 0) log::check().info("{} health check(s) keep their state across the reload", carried);
    previous.reset();  // abandons its probes in flight
  }
  down_.clear();
  for (const auto& server : health_->status()) {
    if (server.health == check::Health::Down) markDown(server.id, true);
  }
  health_->start();
  reconcile("configuration loaded");
  armPeriodic();
}

void LoadBalancer::markDown(const check::RealServerId& server, bool down) {
  for (const auto& vs : config_->virtualServers) {
    if (vs.name() != server.virtualServer) continue;
    ipvs::RealServerId id{ipvs::serviceKeyFor(vs), server.address, server.port};
    if (down) {
      down_.insert(id);
    } else {
      down_.erase(id);
    }
  }
}

void LoadBalancer::onHealthChange(const check::HealthChange& change) {
  const bool down = change.health == check::Health::Down;
  log::check().info("{} {}: {}", change.server.toString(), down ? "DOWN" : "UP", change.reason);
  markDown(change.server, down);
  reconcile("health change of " + change.server.toString());
  if (healthListener_) healthListener_(change);
}

void LoadBalancer::reconcile(const std::string& why) {
  if (!config_) return;
  auto desired = ipvs::desiredTable(config_->virtualServers, down_);
  // A VRRP-only configuration never needs IPVS, and must not complain that it is missing.
  if (desired.empty() && owned_.empty()) return;
  if (!ensureIpvs()) return;
  auto keys = ipvs::keysOf(desired);
  keys.insert(owned_.begin(), owned_.end());
  auto actual = ipvs::readTable(*ipvs_, [&](const ipvs::ServiceKey& k) { return keys.count(k) > 0; });
  if (!actual) {
    loseIpvs("reading the IPVS table: " + net::describe(actual.error(), net::kNetAdmin));
    return;
  }
  ++counters_.reconciles;
  auto ops = ipvs::reconcile(desired, *actual, owned_);
  lastActual_ = std::move(*actual);
  if (ops.empty()) {
    owned_ = ipvs::keysOf(desired);
    return;
  }
  auto results = ipvs_->apply(ops);
  if (!results) {
    loseIpvs("applying " + std::to_string(ops.size()) + " IPVS change(s): " +
             net::describe(results.error(), net::kNetAdmin));
    return;
  }
  counters_.lastChanges.clear();
  bool allOk = true;
  for (std::size_t i = 0; i < ops.size(); ++i) {
    const auto& ec = (*results)[i];
    if (ec) {
      allOk = false;
      ++counters_.operationsFailed;
      const auto text = net::describe(ec, net::kNetAdmin);
      log::ipvs().error("{} ({}): {}", ops[i].toString(), why, text);
      counters_.lastChanges.push_back(ops[i].toString() + ": " + text);
    } else {
      ++counters_.operationsApplied;
      log::ipvs().info("{} ({})", ops[i].toString(), why);
      counters_.lastChanges.push_back(ops[i].toString());
    }
  }
  counters_.lastChangeAt = clock_.now();
  if (allOk) owned_ = ipvs::keysOf(desired);
  // The counters shown in status come from the table as it now stands.
  if (auto after = ipvs::readTable(*ipvs_, [&](const ipvs::ServiceKey& k) { return keys.count(k) > 0; })) {
    lastActual_ = std::move(*after);
  }
}

Status LoadBalancer::status() {
  // Fresh counters for status: one dump, bounded by the configured services.
  if (config_ && ipvs_) {
    auto keys = ipvs::keysOf(ipvs::desiredTable(config_->virtualServers));
    auto now = ipvs::readTable(*ipvs_, [&](const ipvs::ServiceKey& k) { return keys.count(k) > 0; });
    if (now) {
      lastActual_ = std::move(*now);
    } else {
      loseIpvs("reading the IPVS table: " + net::describe(now.error(), net::kNetAdmin));
    }
  }
  Status s = counters_;
  s.ipvsError = ipvsError_;
  s.ipvsVersion = ipvsVersion_;
  if (!config_) return s;
  const auto health = health_ ? health_->status() : std::vector<check::RealServerStatus>{};
  for (const auto& vs : config_->virtualServers) {
    VirtualServerView view;
    view.name = vs.name();
    view.scheduler = vs.scheduler;
    view.forwarding = std::string(config::toString(vs.forwarding));
    const auto key = ipvs::serviceKeyFor(vs);
    const ipvs::ServiceEntry* inKernel = nullptr;
    for (const auto& e : lastActual_) {
      if (e.service.key == key) inKernel = &e;
    }
    view.inKernel = inKernel != nullptr;
    for (const auto& rs : vs.realServers) {
      const auto dest = ipvs::destinationFor(vs, rs);
      RealServerView r;
      r.address = endpoint(dest.address, dest.port);
      r.configuredWeight = rs.weight;
      if (inKernel) {
        for (const auto& d : inKernel->destinations) {
          if (!d.sameEndpoint(dest)) continue;
          r.kernelWeight = d.weight;
          r.activeConnections = d.stats.activeConnections;
          r.inactiveConnections = d.stats.inactiveConnections;
        }
      }
      for (const auto& h : health) {
        if (h.id.virtualServer == view.name && h.id.address == dest.address && h.id.port == dest.port) {
          r.up = h.health == check::Health::Up;
          r.lastResult = h.lastResult;
          r.lastResultAt = h.lastResultAt;
        }
      }
      view.realServers.push_back(std::move(r));
    }
    s.virtualServers.push_back(std::move(view));
  }
  return s;
}

}  // namespace havip::lb
