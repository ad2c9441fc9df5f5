// Runs every health check of the configuration: one checker per (virtual
// server, real server, check), each a CheckerState driven by a Prober and a
// node::Timer. A real server is UP when all its checks are UP (keepalived's
// num_failed_checkers == 0); a real server without checks is always UP.
//
// Initial state, as keepalived: every check, hence every real server, starts
// UP unless alpha is set (then DOWN until its checks pass), or, after a
// reload, as the same check was in the previous monitor (inherit()). The first
// probe of each check runs 1 s after start() plus a warmup drawn in
// [0, delay_loop].
//
// The handler hears only real-server flips; the daemon maps DOWN to removing
// the IPVS destination (or weight 0 with inhibit_on_failure) and UP to
// restoring it. Each flip is logged at info with its reason.
//
// Threading: construct, start, query and destroy on the event loop's thread.
// Destroying the monitor abandons probes in flight; no callback runs after.
// The handler must not destroy the monitor.
#pragma once

#include <compare>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "check/checker_state.h"
#include "check/probe.h"
#include "config/model.h"
#include "node/clock.h"

namespace havip::check {

struct RealServerId {
  std::string virtualServer;  // config::VirtualServer::name(): "10.11.12.99:80 TCP"
  net::Ipv4Address address;
  std::uint16_t port = 0;

  auto operator<=>(const RealServerId&) const = default;
  std::string toString() const;  // "192.168.100.10:80 (10.11.12.99:80 TCP)"
};

struct HealthChange {
  RealServerId server;
  Health health = Health::Up;
  std::string reason;  // the check that decided it, and why
  TimePoint at;
};

struct CheckStatus {
  std::string target;  // "TCP_CHECK 192.168.100.10:80"
  Health health = Health::Up;
  std::string lastResult;  // empty before the first probe
  std::optional<TimePoint> lastResultAt;
  unsigned consecutiveFailures = 0;
};

// What `havipctl status` shows per real server (the kernel's weight and
// connection counters come from lib/ipvs, not from here).
struct RealServerStatus {
  RealServerId id;
  unsigned weight = 1;  // as configured
  bool inhibitOnFailure = false;
  Health health = Health::Up;
  std::string lastResult;  // of the check that finished last
  std::optional<TimePoint> lastResultAt;
  unsigned consecutiveFailures = 0;  // the most among its checks
  std::vector<CheckStatus> checks;
};

class HealthMonitor {
 public:
  using Handler = std::function<void(const HealthChange&)>;

  struct Options {
    // keepalived's alpha for every check (the config model does not carry it).
    bool alpha = false;
    // Draws a check's first-probe warmup in [0, max]. Unset: uniform random
    // (keepalived: warmup defaults to delay_loop, scaled by random()).
    std::function<Duration(Duration max)> warmup;
  };

  HealthMonitor(const std::vector<config::VirtualServer>& services, const node::Clock& clock,
                node::TimerService& timers, ProberFactory& probers, Handler onChange);
  HealthMonitor(const std::vector<config::VirtualServer>& services, const node::Clock& clock,
                node::TimerService& timers, ProberFactory& probers, Handler onChange, Options options);
  ~HealthMonitor();
  HealthMonitor(const HealthMonitor&) = delete;
  HealthMonitor& operator=(const HealthMonitor&) = delete;

  // Reload: each check that the previous monitor ran unchanged (same real
  // server, same parameters, same target) keeps its state (health, retries,
  // last result), so a real server found DOWN stays DOWN instead of being put
  // back into service until its checks fail again (keepalived migrates its
  // checkers the same way). Call before start(). Returns how many checks
  // were carried over.
  std::size_t inherit(const HealthMonitor& previous);

  // Schedules every check's first probe. Only the first call does anything.
  void start();

  std::vector<RealServerStatus> status() const;  // in configuration order
  std::optional<Health> health(const RealServerId& id) const;

 private:
  class Check;
  struct Server;
  void onCheckChanged(Server& server, const Transition& transition);

  const node::Clock& clock_;
  Handler onChange_;
  Options options_;
  std::minstd_rand rng_;
  bool started_ = false;
  std::vector<std::unique_ptr<Server>> servers_;
  std::map<RealServerId, Server*> byId_;
};

}  // namespace havip::check
