#include "node_lab.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <variant>

namespace havip::node::test {

net::Ipv4Address ip(const char* text) {
  auto parsed = net::Ipv4Address::parse(text);
  if (!parsed) std::abort();  // a typo in a test
  return *parsed;
}

net::Ipv4Prefix prefix(const char* text) {
  auto parsed = net::Ipv4Prefix::parse(text);
  if (!parsed) std::abort();
  return *parsed;
}

config::VrrpInstance seedInstance(std::uint8_t priority) {
  config::VrrpInstance vi;
  vi.name = "VI_1";
  vi.initialState = priority == 100 ? config::InitialState::Master : config::InitialState::Backup;
  vi.interface = "eth0";
  vi.virtualRouterId = 51;
  vi.priority = priority;
  vi.advertInterval = std::chrono::seconds(1);
  vi.authentication = config::Authentication{config::AuthType::Pass, "1111", {}};
  config::VirtualIp vip;
  vip.prefix = kVip;
  vi.virtualIps.push_back(vip);
  return vi;
}

Node::Node(std::string nodeName, const config::VrrpInstance& settings, const char* primaryText,
           net::MacAddress nodeMac, netio::FakeSegment& segment, Clock& clock, TimerService& timers)
    : name(std::move(nodeName)), primary(ip(primaryText)), mac(nodeMac) {
  eth0 = kernel.createLink("eth0", mac);
  kernel.externalAdd(eth0, net::Ipv4Prefix{primary, 24});
  // As the daemon does: an address someone removed goes to the runners.
  kernel.start([this](const netlink::Event& event) {
    const auto* address = std::get_if<netlink::AddressEvent>(&event);
    if (address && !address->added && runner) {
      runner->onAddressRemoved(address->address.ifindex, address->address.prefix);
    }
  });

  auto sourceAddress = kernel.primaryAddress(eth0);
  EXPECT_TRUE(sourceAddress.has_value());
  auto owned = segment.attach(eth0, "eth0");
  transport = owned.get();
  hub = std::make_unique<InterfaceHub>(InterfaceIdentity{"eth0", eth0, mac, *sourceAddress},
                                       std::move(owned));
  rebuild(settings, clock, timers);
}

void Node::rebuild(const config::VrrpInstance& settings, Clock& clock, TimerService& timers) {
  runner.reset();  // first: the old runner detaches its VRID from the hub
  auto vips = bindVips(settings, kernel);
  EXPECT_TRUE(vips.has_value()) << vips.error();
  RunnerServices services{
      kernel, announcer, clock, timers,
      [this](const std::string&, const Transition& t) { transitions.push_back(t); }};
  // A fixed wall clock: transition records must not depend on when the test ran.
  services.wallClock = [] { return std::chrono::system_clock::time_point(std::chrono::hours(24)); };
  runner = std::make_unique<InstanceRunner>(routerConfigFor(settings, hub->identity().primary),
                                            std::move(*vips), *hub, std::move(services));
}

bool Node::hasAddress(const net::Ipv4Prefix& p) {
  auto present = kernel.list(eth0);
  if (!present) return false;
  for (const auto& a : *present) {
    if (a.prefix == p) return true;
  }
  return false;
}

std::vector<WirePacket> decodeAll(const netio::FakeSegment& segment,
                                  std::optional<net::Ipv4Address> from) {
  std::vector<WirePacket> out;
  for (const auto& sent : segment.sent()) {
    auto decoded = vrrp::decodePacket(sent.bytes);
    EXPECT_TRUE(decoded.has_value())
        << "undecodable packet on the segment: " << vrrp::toString(decoded.error());
    if (!decoded) continue;
    if (from && decoded->source != *from) continue;
    const auto id = static_cast<std::uint16_t>((sent.bytes.at(4) << 8) | sent.bytes.at(5));
    out.push_back(WirePacket{*decoded, id});
  }
  return out;
}

Lab::Lab() : Lab(seedInstance(100), seedInstance(90)) {}

Lab::Lab(const config::VrrpInstance& settingsA, const config::VrrpInstance& settingsB)
    : t0(clock.now()),
      a("a", settingsA, "10.11.12.1", net::MacAddress({0x52, 0x54, 0, 0, 0, 0x01}), segment, clock,
        clock),
      b("b", settingsB, "10.11.12.2", net::MacAddress({0x52, 0x54, 0, 0, 0, 0x02}), segment, clock,
        clock) {}

void Lab::startBoth() {
  a.runner->start();
  b.runner->start();
  settle();
}

void Lab::settle() {
  // Packets and netlink events may cause each other (a re-installed VIP, an
  // advert answered at once): repeat until both are quiet.
  for (int round = 0; round < 1000; ++round) {
    std::size_t moved = segment.deliverPending();
    moved += a.kernel.deliverEvents();
    moved += b.kernel.deliverEvents();
    if (moved == 0 && segment.pendingCount() == 0 && a.kernel.pendingNotifications() == 0 &&
        b.kernel.pendingNotifications() == 0) {
      return;
    }
  }
  ADD_FAILURE() << "the lab does not settle: packets or events keep causing each other";
}

void Lab::runUntil(vrrp::TimePoint to) {
  settle();
  for (int step = 0; step < 1'000'000; ++step) {
    const auto next = clock.nextDeadline();
    if (!next || *next > to) {
      clock.advanceTo(to);
      settle();
      return;
    }
    clock.advanceTo(*next);
    settle();
  }
  ADD_FAILURE() << "timers keep firing without time moving on";
}

}  // namespace havip::node::test
