// havipd's composition root: builds the real kernel adapters, runs every
// configured VRRP instance on one io_context, and answers signals, rtnetlink
// events and the control socket. The only place that picks real implementations.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include "check/asio_prober.h"
#include "config/model.h"
#include "lb/load_balancer.h"
#include "notify/asio_mailer.h"
#include "notify/mail_queue.h"
#include "notify/notifier.h"
#include "control/server.h"
#include "netio/announcer.h"
#include "netlink/kernel_netlink.h"
#include "notify_scripts.h"
#include "node/asio_clock.h"
#include "node/instance_runner.h"
#include "node/interface_hub.h"
#include "service_notifier.h"
#include "track/spawn_runner.h"
#include "track/tracker_set.h"
#include "vrrp/sync_group.h"

namespace havip::daemon {

struct Options {
  std::filesystem::path configPath = "/etc/havip/havipd.conf";
  std::filesystem::path controlSocket = control::kDefaultSocketPath;
  std::string meminfoPath;  // empty: /proc/meminfo
};

class Daemon final : public control::Handler {
 public:
  explicit Daemon(Options options);
  ~Daemon() override;

  // Loads the config, opens the kernel adapters, starts every instance and
  // serves until SIGTERM/SIGINT. Returns the process exit code.
  int run();

  // control::Handler
  control::StatusSnapshot status() override;
  void failover(const control::FailoverRequest& request, FailoverDone done) override;
  void reload(ReloadDone done) override;

 private:
  struct Instance {
    const config::VrrpInstance* settings = nullptr;  // into config_
    std::unique_ptr<node::InstanceRunner> runner;
    std::unique_ptr<track::TrackerSet> trackers;
    std::vector<config::TrackerRef> trackerRefs;  // what `trackers` was built from
    // FAULT has two independent causes; the instance leaves FAULT when both clear.
    std::optional<std::string> linkFault;
    std::optional<std::string> trackFault;
    // Held in FAULT by its vrrp_sync_group because another member is.
    std::optional<std::string> syncFault;
  };

  bool openKernel();
  node::InterfaceHub* hubFor(const std::string& interface, std::string& error);
  std::unique_ptr<node::InstanceRunner> makeRunner(const config::VrrpInstance& settings,
                                                   std::string& error);
  void startInstances();
  control::ReloadResult applyConfig(std::shared_ptr<const config::Config> next);
  void onSignal(int signo);
  void onNetlinkEvent(const netlink::Event& event);
  void followRecreatedInterface(node::InterfaceHub& hub);
  void shutdown();
  void armWatchdog();
  void publishStatusLine();
  void onTransition(const std::string& instance, const node::Transition& transition);
  void mailHealthChange(const check::HealthChange& change);
  void buildTrackers(const config::Config& config, const std::string& name, Instance& instance);
  void onTrackers(Instance& instance, const track::PriorityResult& result);
  // Enters FAULT while any cause holds; `cleared` is the reason given for
  // leaving it. Then lets the instance's sync group react.
  void applyFault(Instance& instance, const std::string& cleared);
  static void applyFaultOnly(Instance& instance, const std::string& cleared);
  // vrrp_sync_group: rebuild after a (re)load, keeping unchanged groups' state.
  void rebuildSyncGroups(const config::Config& config);
  // Feeds the group of INSTANCE (if any) until it gives no more orders.
  void syncInstance(const std::string& instance);
  void settleSyncGroups();
  control::Moment momentOf(node::TimePoint at) const;

  Options options_;
  boost::asio::io_context io_;
  boost::asio::signal_set signals_;
  boost::asio::steady_timer watchdog_;
  ServiceNotifier notifier_;
  node::SteadyClock clock_;
  node::AsioTimerService timers_;

  std::shared_ptr<const config::Config> config_;
  std::unique_ptr<netlink::KernelNetlink> netlink_;
  std::unique_ptr<netlink::KernelEventStream> events_;
  std::unique_ptr<netio::Announcer> announcer_;
  std::map<std::string, std::unique_ptr<node::InterfaceHub>> hubs_;
  std::set<std::string> awaited_;  // hubs' interfaces deleted or replaced: waiting for them to come back
  std::map<std::string, Instance> instances_;
  std::map<std::string, vrrp::SyncGroup> syncGroups_;
  std::map<std::string, std::string> groupOf_;  // instance -> its sync group
  std::set<std::string> syncPending_;           // groups to feed
  bool syncing_ = false;                        // feeding: re-entrant calls only queue
  check::AsioProberFactory probers_;
  notify::AsioMailer mailer_;
  notify::MailQueue mailQueue_;
  notify::Notifier mail_;
  track::SpawnRunner scripts_;
  NotifyScripts notifyScripts_{scripts_};  // after scripts_: its runs end first
  boost::asio::steady_timer stopGrace_;    // how long shutdown waits for notify scripts
  std::unique_ptr<lb::LoadBalancer> lb_;
  std::unique_ptr<control::Server> control_;
  std::optional<control::LastReload> lastReload_;
  std::chrono::system_clock::time_point lastReloadAt_{};
  std::chrono::steady_clock::time_point startedAt_;
  int exitCode_ = 0;
};

}  // namespace havip::daemon
