#include "check/health_monitor.h"

#include <algorithm>

#include <fmt/format.h>

#include "log/log.h"

namespace havip::check {

std::string RealServerId::toString() const {
  return address.toString() + ":" + std::to_string(port) + " (" + virtualServer + ")";
}

class HealthMonitor::Check {
 public:
  Check(HealthMonitor& monitor, Server& server, const config::HealthCheck& check,
        const config::RealServer& real, node::TimerService& timers, ProberFactory& probers, bool alpha)
      : monitor_(monitor),
        server_(server),
        state_(CheckerParams::from(check, alpha)),
        target_(ProbeTarget::from(check, real)),
        prober_(probers.create(target_)),
        timer_(timers.create([this] { probe(); })) {}

  void start(TimePoint now, Duration warmup) { timer_->arm(state_.firstProbeAt(now, warmup)); }

  const CheckerState& state() const { return state_; }
  const ProbeTarget& target() const { return target_; }

  // The same check as `other`, so its state may be carried over a reload.
  bool sameAs(const Check& other) const {
    const auto& a = target_;
    const auto& b = other.target_;
    const auto sameUrls = std::equal(a.urls.begin(), a.urls.end(), b.urls.begin(), b.urls.end(),
                                     [](const config::HttpUrl& x, const config::HttpUrl& y) {
                                       return x.path == y.path && x.digest == y.digest &&
                                              x.statusCodes == y.statusCodes;
                                     });
    return state_.params() == other.state_.params() && a.type == b.type && a.address == b.address &&
           a.port == b.port && a.connectTimeout == b.connectTimeout && sameUrls;
  }
  void takeStateOf(const Check& other) { state_ = other.state_; }

 private:
  void probe() {
    prober_->probe(state_.nextUrl(), [this](ProbeResult r) { onResult(std::move(r)); });
  }

  void onResult(ProbeResult r) {
    const auto verdict = state_.onProbe(r.ok, r.detail, monitor_.clock_.now());
    log::check().debug("{}: {}", r.ok ? "pass" : "fail", r.detail);
    timer_->arm(verdict.nextProbeAt);
    if (verdict.transition) monitor_.onCheckChanged(server_, *verdict.transition);
  }

  HealthMonitor& monitor_;
  Server& server_;
  CheckerState state_;
  ProbeTarget target_;
  std::unique_ptr<Prober> prober_;
  std::unique_ptr<node::Timer> timer_;
};

struct HealthMonitor::Server {
  RealServerId id;
  unsigned weight = 1;
  bool inhibitOnFailure = false;
  Health health = Health::Up;
  std::size_t inherited = 0;  // checks whose state came from before a reload
  std::vector<std::unique_ptr<Check>> checks;

  Health computed() const {
    const bool allUp = std::all_of(checks.begin(), checks.end(),
                                   [](const auto& c) { return c->state().health() == Health::Up; });
    return allUp ? Health::Up : Health::Down;
  }
};

HealthMonitor::HealthMonitor(const std::vector<config::VirtualServer>& services, const node::Clock& clock,
                             node::TimerService& timers, ProberFactory& probers, Handler onChange)
    : HealthMonitor(services, clock, timers, probers, std::move(onChange), Options{}) {}

HealthMonitor::HealthMonitor(const std::vector<config::VirtualServer>& services, const node::Clock& clock,
                             node::TimerService& timers, ProberFactory& probers, Handler onChange,
                             Options options)
    : clock_(clock), onChange_(std::move(onChange)), options_(std::move(options)), rng_(std::random_device{}()) {
  if (!options_.warmup) {
    options_.warmup = [this](Duration max) {
      const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(max).count();
      std::uniform_int_distribution<long long> pick(0, std::max<long long>(0, ms));
      return Duration(std::chrono::milliseconds(pick(rng_)));
    };
  }
  for (const auto& vs : services) {
    for (const auto& rs : vs.realServers) {
      RealServerId id{vs.name(), rs.address, rs.port};
      Server* server = nullptr;
      if (auto it = byId_.find(id); it != byId_.end()) {
        server = it->second;
      } else {
        servers_.push_back(std::make_unique<Server>());
        server = servers_.back().get();
        server->id = id;
        server->weight = rs.weight;
        server->inhibitOnFailure = rs.inhibitOnFailure;
        byId_.emplace(id, server);
      }
      for (const auto& hc : rs.checks) {
        server->checks.push_back(std::make_unique<Check>(*this, *server, hc, rs, timers, probers, options_.alpha));
      }
      server->health = server->computed();
    }
  }
}

HealthMonitor::~HealthMonitor() = default;

std::size_t HealthMonitor::inherit(const HealthMonitor& previous) {
  std::size_t carried = 0;
  for (auto& server : servers_) {
    auto old = previous.byId_.find(server->id);
    if (old == previous.byId_.end()) continue;
    std::vector<bool> taken(old->second->checks.size(), false);
    for (auto& check : server->checks) {
      for (std::size_t i = 0; i < taken.size(); ++i) {
        if (taken[i] || !check->sameAs(*old->second->checks[i])) continue;
        check->takeStateOf(*old->second->checks[i]);
        taken[i] = true;
        ++server->inherited;
        ++carried;
        break;
      }
    }
    server->health = server->computed();
  }
  return carried;
}

void HealthMonitor::start() {
  if (started_) return;
  started_ = true;
  const auto now = clock_.now();
  for (auto& server : servers_) {
    const auto kept = server->inherited == 0 ? std::string()
                                             : fmt::format(" ({} of them as before the reload)", server->inherited);
    log::check().info("activating {} health check(s) for {}, initially {}{}", server->checks.size(),
                      server->id.toString(), toString(server->health), kept);
    for (auto& c : server->checks) c->start(now, options_.warmup(c->state().params().delayLoop));
  }
}

void HealthMonitor::onCheckChanged(Server& server, const Transition& transition) {
  const Health before = server.health;
  server.health = server.computed();
  log::check().info("{}: check {}: {}", server.id.toString(), toString(transition.to), transition.reason);
  if (server.health == before) return;
  log::check().info("real server {} {} -> {} ({})", server.id.toString(), toString(before),
                    toString(server.health), transition.reason);
  if (onChange_) onChange_(HealthChange{server.id, server.health, transition.reason, clock_.now()});
}

std::vector<RealServerStatus> HealthMonitor::status() const {
  std::vector<RealServerStatus> out;
  out.reserve(servers_.size());
  for (const auto& server : servers_) {
    RealServerStatus s;
    s.id = server->id;
    s.weight = server->weight;
    s.inhibitOnFailure = server->inhibitOnFailure;
    s.health = server->health;
    if (server->checks.empty()) s.lastResult = "no health check configured";
    for (const auto& c : server->checks) {
      const auto& st = c->state();
      s.checks.push_back(CheckStatus{c->target().describe(), st.health(), st.lastResult(), st.lastResultAt(),
                                     st.consecutiveFailures()});
      s.consecutiveFailures = std::max(s.consecutiveFailures, st.consecutiveFailures());
      if (st.lastResultAt() && (!s.lastResultAt || *st.lastResultAt() >= *s.lastResultAt)) {
        s.lastResult = st.lastResult();
        s.lastResultAt = st.lastResultAt();
      }
    }
    out.push_back(std::move(s));
  }
  return out;
}

std::optional<Health> HealthMonitor::health(const RealServerId& id) const {
  if (auto it = byId_.find(id); it != byId_.end()) return it->second->health;
  return std::nullopt;
}

}  // namespace havip::check
