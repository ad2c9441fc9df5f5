// The IPVS side of havipd: keeps the kernel's table equal to the configured
// virtual servers (at start, on reload, on every health change and every
// reconcile period, so hand-made drift is repaired), with real servers taken
// out, or set to weight 0 (inhibit_on_failure), while their health checks fail.
//
// Both directors program the table whatever their VRRP state; the VIP decides
// which one gets traffic. IPVS missing or refused (no module, no permission)
// is reported in status() and the log and retried each period; VRRP is not
// affected. Event-loop thread only.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <system_error>
#include <vector>

#include <tl/expected.hpp>

#include "check/health_monitor.h"
#include "check/probe.h"
#include "config/model.h"
#include "ipvs/ipvs.h"
#include "ipvs/reconcile.h"
#include "node/clock.h"

namespace havip::lb {

using IpvsOpener = std::function<tl::expected<std::unique_ptr<ipvs::Ipvs>, std::error_code>()>;

struct Options {
  std::chrono::milliseconds reconcilePeriod{5000};
};

struct RealServerView {
  std::string address;  // "192.168.100.10:80"
  unsigned configuredWeight = 0;
  std::optional<std::uint32_t> kernelWeight;  // none: not in the kernel's table
  bool up = true;
  std::string lastResult;
  std::optional<node::TimePoint> lastResultAt;
  std::uint32_t activeConnections = 0;
  std::uint32_t inactiveConnections = 0;
};

struct VirtualServerView {
  std::string name;  // "10.11.12.99:80 TCP"
  std::string scheduler;
  std::string forwarding;
  bool inKernel = false;
  std::vector<RealServerView> realServers;
};

struct Status {
  std::optional<std::string> ipvsError;  // why IPVS cannot be programmed, if it cannot
  std::optional<std::string> ipvsVersion;
  std::uint64_t reconciles = 0;
  std::uint64_t operationsApplied = 0;
  std::uint64_t operationsFailed = 0;
  std::vector<std::string> lastChanges;  // operations of the last reconcile that changed something
  std::optional<node::TimePoint> lastChangeAt;
  std::vector<VirtualServerView> virtualServers;
};

class LoadBalancer {
 public:
  LoadBalancer(IpvsOpener openIpvs, node::Clock& clock, node::TimerService& timers,
               check::ProberFactory& probers, Options options = {});
  ~LoadBalancer();
  LoadBalancer(const LoadBalancer&) = delete;
  LoadBalancer& operator=(const LoadBalancer&) = delete;

  // Start, or reload with a new configuration: health checks follow the new
  // config (an unchanged check keeps its state, so a DOWN real server stays
  // out), services dropped from it are deleted, the rest reconciled now.
  void configure(std::shared_ptr<const config::Config> config);
  // Brings the kernel in line now; `why` goes into the log.
  void reconcile(const std::string& why);
  // Told of every real server's health change, after the table was updated.
  void setHealthListener(std::function<void(const check::HealthChange&)> listener) {
    healthListener_ = std::move(listener);
  }
  // Configuration, health and the kernel's counters, for havipctl status.
  Status status();

 private:
  bool ensureIpvs();
  // The handle failed (dump or channel): report `why`, forget what was read, reopen next period.
  void loseIpvs(std::string why);
  void onHealthChange(const check::HealthChange& change);
  // Adds SERVER's IPVS destination to down_ (or takes it out).
  void markDown(const check::RealServerId& server, bool down);
  void armPeriodic();

  IpvsOpener openIpvs_;
  node::Clock& clock_;
  node::TimerService& timers_;
  check::ProberFactory& probers_;
  Options options_;
  std::unique_ptr<ipvs::Ipvs> ipvs_;
  std::shared_ptr<const config::Config> config_;
  std::unique_ptr<check::HealthMonitor> health_;
  std::unique_ptr<node::Timer> periodic_;
  std::set<ipvs::RealServerId> down_;
  std::set<ipvs::ServiceKey> owned_;  // keys of the services we must manage (this config and the last)
  std::optional<std::string> ipvsError_;
  std::optional<std::string> ipvsVersion_;
  ipvs::Table lastActual_;
  Status counters_;
  std::function<void(const check::HealthChange&)> healthListener_;
};

}  // namespace havip::lb
