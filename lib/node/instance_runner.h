// The shell around one vrrp::Router: feeds it adverts, timer expiries, faults
// and admin commands with the time from the Clock, and carries out the actions
// it returns in order (VIPs through the AddressTable, gratuitous ARPs through
// the Announcer, adverts through the InterfaceHub). Event-loop thread only;
// nothing here blocks beyond the AddressTable's bounded netlink request.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "net/ipv4.h"
#include "net/mac_address.h"
#include "netio/announcer.h"
#include "netlink/interfaces.h"
#include "node/clock.h"
#include "node/interface_hub.h"
#include "vrrp/router.h"

namespace havip::node {

// A VIP and where it goes (the instance's interface unless `dev` said otherwise).
struct VipBinding {
  net::Ipv4Prefix prefix;
  std::string device;
  int ifindex = 0;
  net::MacAddress mac;  // for its gratuitous ARPs
  std::string label;    // IFA_LABEL, "" for none

  bool sameTarget(const VipBinding& o) const {
    return prefix == o.prefix && device == o.device && label == o.label;
  }
};

struct Transition {
  vrrp::State from;
  vrrp::State to;
  std::string reason;
  TimePoint at;
  std::chrono::system_clock::time_point wallClock;
};

// Services the runner uses; all outlive it.
struct RunnerServices {
  netlink::AddressTable& addresses;
  netio::Announcer& announcer;
  Clock& clock;
  TimerService& timers;
  // Told of every state change after its actions were carried out (status
  // line, notifications). May be empty.
  std::function<void(const std::string& instance, const Transition&)> onTransition;
  // Wall clock for transition records; injectable so tests stay deterministic.
  std::function<std::chrono::system_clock::time_point()> wallClock =
      [] { return std::chrono::system_clock::now(); };
  // Told when Router::wantsMaster() flips (sync groups decide on it). May be empty.
  std::function<void(const std::string& instance)> onWantsMaster = {};
};

class InstanceRunner final : public AdvertSink {
 public:
  InstanceRunner(vrrp::RouterConfig config, std::vector<VipBinding> vips, InterfaceHub& hub,
                 RunnerServices services);
  ~InstanceRunner() override;
  InstanceRunner(const InstanceRunner&) = delete;
  InstanceRunner& operator=(const InstanceRunner&) = delete;

  // Removes VIPs a previous run left behind, then starts the router.
  void start();
  // Graceful stop: as Master, a priority-0 advert and the VIPs removed.
  void stop();

  // AdvertSink: validated here against this instance's expectation.
  void onAdvert(const vrrp::ReceivedAdvert& received) override;
  void onDropped(vrrp::DropReason reason) override;

  // Fault before start() clears stale VIPs as start() does; leaving it starts the router.
  void setFault(bool faulted, std::string reason);
  void setEffectivePriority(std::uint8_t priority);
  // Reload with the same VRID and interface: keeps the state, re-diffs VIPs.
  void reconfigure(vrrp::RouterConfig config, std::vector<VipBinding> vips);
  // Someone removed one of our addresses: put it back while we are Master.
  void onAddressRemoved(int ifindex, const net::Ipv4Prefix& prefix);

  // Admin: hand over (Master), take over (Backup), or clear either.
  void handOver(std::optional<Duration> hold);
  void takeOver();
  void clearAdmin();

  // vrrp_sync_group orders (see vrrp::SyncGroup).
  void setSyncGated(bool gated) { router_.setSyncGated(gated); }
  void promote(std::string reason);
  void demote(std::string reason);

  const vrrp::Router& router() const { return router_; }
  const std::string& name() const { return router_.config().name; }
  const InterfaceHub& hub() const { return hub_; }
  const std::vector<VipBinding>& vips() const { return vips_; }
  bool installed(std::size_t vipIndex) const { return installed_.at(vipIndex); }
  const DropCounts& drops() const { return drops_; }
  const std::optional<Transition>& lastTransition() const { return lastTransition_; }
  std::optional<TimePoint> holdUntil() const { return holdUntil_; }
  // From a decision to become Master until the VIPs were in and the first ARP out.
  struct TakeoverTiming {
    Duration vipsInstalled{};
    Duration firstArp{};  // meaningful only when arpSent
    bool arpSent = false;  // false: none configured, no VIP installed, or every send failed
  };
  const std::optional<TakeoverTiming>& lastTakeover() const { return lastTakeover_; }

 private:
  void execute(const vrrp::Actions& actions);
  void executeActions(const vrrp::Actions& actions);
  void noteWish();
  void installVips();
  void installVip(std::size_t i);
  void removeVips();
  void removeStaleVips();
  void sendArps(unsigned count);
  vrrp::Expectation expectation() const;

  vrrp::Router router_;
  std::vector<VipBinding> vips_;
  std::vector<bool> installed_;
  InterfaceHub& hub_;
  RunnerServices services_;
  std::unique_ptr<Timer> timer_;
  DropCounts drops_{};
  std::optional<Transition> lastTransition_;
  std::optional<TimePoint> holdUntil_;
  std::optional<TimePoint> becameMasterAt_;  // set while timing a takeover
  std::optional<TakeoverTiming> lastTakeover_;
  bool wantedMaster_ = false;  // Router::wantsMaster() after the last execute()
};

}  // namespace havip::node
