// The seed lab in one process: two directors, each with its own fake kernel
// (FakeNetlink: eth0 with its /24), its own FakeAnnouncer and InterfaceHub, all
// on one FakeSegment and one FakeClock. run*() is the event loop: it steps the
// clock from deadline to deadline and delivers the packets and netlink events
// each step produced, at the instant they were sent.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/model.h"
#include "net/ipv4.h"
#include "net/mac_address.h"
#include "netio/fake_advert_transport.h"
#include "netio/fake_announcer.h"
#include "netlink/fake_netlink.h"
#include "node/fake_clock.h"
#include "node/instance_config.h"
#include "node/instance_runner.h"
#include "node/interface_hub.h"
#include "vrrp/advert.h"

namespace havip::node::test {

using namespace std::chrono_literals;

net::Ipv4Address ip(const char* text);
net::Ipv4Prefix prefix(const char* text);

inline const net::Ipv4Prefix kVip = *net::Ipv4Prefix::parse("10.11.12.99/32");

// RFC 3768 6.1 for advert_int 1: Skew_Time = (256 - prio) / 256 s and
// Master_Down_Interval = 3 s + Skew_Time, exact in nanoseconds.
constexpr vrrp::Duration skewFor(int priority) {
  return std::chrono::nanoseconds((256 - priority) * 1'000'000'000LL / 256);
}
constexpr vrrp::Duration masterDownFor(int priority) { return 3s + skewFor(priority); }

// The seed's vrrp_instance VI_1 as the config parser would hand it over.
config::VrrpInstance seedInstance(std::uint8_t priority);

// One director. Members are declared so that the runner goes first and the
// fake kernel last.
class Node {
 public:
  Node(std::string name, const config::VrrpInstance& settings, const char* primary,
       net::MacAddress mac, netio::FakeSegment& segment, Clock& clock, TimerService& timers);

  bool hasAddress(const net::Ipv4Prefix& p);
  bool hasVip() { return hasAddress(kVip); }
  vrrp::State state() const { return runner->router().state(); }
  // The node crashes (kill -9): the runner is gone without stop(), its VIPs stay.
  void crash() { runner.reset(); }
  // A new runner (havipd restarted) on the same kernel, hub and announcer.
  void rebuild(const config::VrrpInstance& settings, Clock& clock, TimerService& timers);

  std::string name;
  net::Ipv4Address primary;
  net::MacAddress mac;
  netlink::FakeNetlink kernel;
  int eth0 = 0;
  netio::FakeAnnouncer announcer;
  netio::FakeAdvertTransport* transport = nullptr;  // owned by hub
  std::vector<Transition> transitions;              // as onTransition reported them
  std::unique_ptr<InterfaceHub> hub;
  std::unique_ptr<InstanceRunner> runner;
};

// What a member put on the segment, decoded again.
struct WirePacket {
  vrrp::ReceivedAdvert received;
  std::uint16_t ipId = 0;
};
std::vector<WirePacket> decodeAll(const netio::FakeSegment& segment,
                                  std::optional<net::Ipv4Address> from = std::nullopt);

class Lab {
 public:
  // a: priority 100 on 10.11.12.1, b: priority 90 on 10.11.12.2, both the seed's VI_1.
  Lab();
  Lab(const config::VrrpInstance& a, const config::VrrpInstance& b);

  void startBoth();
  // Runs the event loop until `to` (inclusive), or for `d`.
  void runUntil(vrrp::TimePoint to);
  void runFor(vrrp::Duration d) { runUntil(clock.now() + d); }
  // Delivers what is queued right now (packets, netlink events) without moving time.
  void settle();
  vrrp::TimePoint now() const { return clock.now(); }

  FakeClock clock;
  const vrrp::TimePoint t0;
  netio::FakeSegment segment;
  Node a;
  Node b;
};

}  // namespace havip::node::test
