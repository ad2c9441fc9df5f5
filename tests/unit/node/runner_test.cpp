// InstanceRunner beyond the election: addresses removed behind its back,
// reloads, faults, what it records about transitions, and kernel refusals.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>

#include <cerrno>
#include <memory>
#include <sstream>
#include <system_error>

#include "log/log.h"
#include "node_lab.h"

namespace havip::node::test {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using vrrp::State;

constexpr auto kTick = std::chrono::nanoseconds(1);

// Everything logged while it lives, at debug and above.
class LogCapture {
 public:
  LogCapture() {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(stream_);
    log::setupLogging(log::Level::debug, false, sink);
  }
  ~LogCapture() { log::setupLogging(log::Level::info, false); }
  std::string text() const { return stream_.str(); }

 private:
  std::ostringstream stream_;
};

vrrp::TimePoint electA(Lab& lab) {
  lab.startBoth();
  lab.runUntil(lab.t0 + masterDownFor(100));
  EXPECT_EQ(lab.a.state(), State::Master);
  return lab.t0 + masterDownFor(100);
}

config::VrrpInstance withVips(config::VrrpInstance vi, std::initializer_list<const char*> vips) {
  vi.virtualIps.clear();
  for (const char* text : vips) {
    config::VirtualIp v;
    v.prefix = prefix(text);
    vi.virtualIps.push_back(v);
  }
  return vi;
}

void reconfigure(Node& n, const config::VrrpInstance& settings) {
  auto vips = bindVips(settings, n.kernel);
  ASSERT_TRUE(vips.has_value()) << vips.error();
  n.runner->reconfigure(routerConfigFor(settings, n.primary), std::move(*vips));
}

// ---- addresses removed by someone else -------------------------------------

TEST(AddressRemoved, WhileMasterTheVipIsPutBack) {
  Lab lab;
  electA(lab);
  lab.runFor(500ms);
  const auto transitions = lab.a.transitions.size();

  lab.a.kernel.externalRemove(lab.a.eth0, kVip);  // ip addr del 10.11.12.99/32 dev eth0
  EXPECT_FALSE(lab.a.hasVip());
  lab.settle();  // the netlink notification reaches the runner
  EXPECT_TRUE(lab.a.hasVip());
  EXPECT_TRUE(lab.a.runner->installed(0));
  EXPECT_EQ(lab.a.state(), State::Master);
  EXPECT_EQ(lab.a.transitions.size(), transitions);

  // Removing some other address changes nothing.
  const auto requests = lab.a.kernel.requestCount();
  lab.a.kernel.externalAdd(lab.a.eth0, prefix("10.11.12.50/32"));
  lab.a.kernel.externalRemove(lab.a.eth0, prefix("10.11.12.50/32"));
  lab.settle();
  EXPECT_EQ(lab.a.kernel.requestCount(), requests);
}

TEST(AddressRemoved, WhileBackupNothingHappens) {
  Lab lab;
  electA(lab);
  // Someone puts the VIP on the backup by hand, then takes it away again.
  lab.b.kernel.externalAdd(lab.b.eth0, kVip);
  lab.settle();
  const auto requests = lab.b.kernel.requestCount();
  lab.b.kernel.externalRemove(lab.b.eth0, kVip);
  lab.settle();
  EXPECT_FALSE(lab.b.hasVip());
  EXPECT_FALSE(lab.b.runner->installed(0));
  EXPECT_EQ(lab.b.kernel.requestCount(), requests);
  EXPECT_EQ(lab.b.state(), State::Backup);
}

TEST(AddressRemoved, OurOwnRemovalOnLeavingMasterIsNotUndone) {
  Lab lab;
  electA(lab);
  lab.a.runner->setFault(true, "eth0 down");
  lab.settle();  // the removal comes back as a notification
  EXPECT_FALSE(lab.a.hasVip());
  EXPECT_EQ(lab.a.state(), State::Fault);
}

// ---- reconfigure ---------------------------------------------------------------

TEST(Reconfigure, UnchangedMasterKeepsItsStateAndItsVip) {
  Lab lab;
  electA(lab);
  lab.runFor(1500ms);
  const auto transitions = lab.a.transitions.size();
  const auto requests = lab.a.kernel.requestCount();

  reconfigure(lab.a, seedInstance(100));
  lab.runFor(10s);
  EXPECT_EQ(lab.a.state(), State::Master);
  EXPECT_EQ(lab.a.transitions.size(), transitions);
  EXPECT_EQ(lab.a.kernel.requestCount(), requests);  // nothing removed, nothing re-added
  EXPECT_TRUE(lab.a.hasVip());
  EXPECT_TRUE(lab.a.runner->installed(0));
  EXPECT_EQ(lab.b.state(), State::Backup);
}

TEST(Reconfigure, UnchangedBackupKeepsItsTimer) {
  Lab lab;
  electA(lab);
  lab.runFor(1500ms);
  const auto deadline = lab.b.runner->router().nextDeadline();
  const auto transitions = lab.b.transitions.size();
  const auto requests = lab.b.kernel.requestCount();

  reconfigure(lab.b, seedInstance(90));
  EXPECT_EQ(lab.b.runner->router().nextDeadline(), deadline);
  EXPECT_EQ(lab.b.transitions.size(), transitions);
  EXPECT_EQ(lab.b.kernel.requestCount(), requests);
  EXPECT_EQ(lab.b.state(), State::Backup);
}

TEST(Reconfigure, AVipAddedWhileMasterIsInstalledWithoutATransition) {
  Lab lab;
  electA(lab);
  lab.runFor(1500ms);
  const auto transitions = lab.a.transitions.size();

  // The whole cluster reloads at once.
  reconfigure(lab.a, withVips(seedInstance(100), {"10.11.12.99/32", "10.11.12.98/32"}));
  reconfigure(lab.b, withVips(seedInstance(90), {"10.11.12.99/32", "10.11.12.98/32"}));
  EXPECT_TRUE(lab.a.hasAddress(prefix("10.11.12.98/32")));
  EXPECT_TRUE(lab.a.hasVip());
  EXPECT_TRUE(lab.a.runner->installed(0));
  EXPECT_TRUE(lab.a.runner->installed(1));
  EXPECT_EQ(lab.a.state(), State::Master);
  EXPECT_EQ(lab.a.transitions.size(), transitions);
  EXPECT_FALSE(lab.b.hasAddress(prefix("10.11.12.98/32")));

  // The new list is announced at once and the backup accepts it.
  lab.settle();
  const auto wire = decodeAll(lab.segment, lab.a.primary);
  ASSERT_FALSE(wire.empty());
  EXPECT_EQ(wire.back().received.advert.addresses,
            (std::vector<net::Ipv4Address>{ip("10.11.12.99"), ip("10.11.12.98")}));
  lab.runFor(10s);
  EXPECT_EQ(lab.b.state(), State::Backup);
  for (auto n : lab.b.runner->drops()) EXPECT_EQ(n, 0u);
}

TEST(Reconfigure, AVipAddedWhileBackupIsNotInstalled) {
  Lab lab;
  electA(lab);
  reconfigure(lab.b, withVips(seedInstance(90), {"10.11.12.99/32", "10.11.12.98/32"}));
  EXPECT_FALSE(lab.b.hasAddress(prefix("10.11.12.98/32")));
  EXPECT_FALSE(lab.b.runner->installed(1));
}

TEST(Reconfigure, AVipRemovedWhileMasterLeavesTheKernel) {
  const auto two = {"10.11.12.99/32", "10.11.12.98/32"};
  Lab lab(withVips(seedInstance(100), two), withVips(seedInstance(90), two));
  electA(lab);
  ASSERT_TRUE(lab.a.hasAddress(prefix("10.11.12.98/32")));
  const auto transitions = lab.a.transitions.size();

  reconfigure(lab.a, seedInstance(100));
  EXPECT_FALSE(lab.a.hasAddress(prefix("10.11.12.98/32")));
  EXPECT_TRUE(lab.a.hasVip());
  EXPECT_TRUE(lab.a.runner->installed(0));
  EXPECT_EQ(lab.a.runner->vips().size(), 1u);
  EXPECT_EQ(lab.a.state(), State::Master);
  EXPECT_EQ(lab.a.transitions.size(), transitions);
  lab.settle();  // the removal notification must not bring it back
  EXPECT_FALSE(lab.a.hasAddress(prefix("10.11.12.98/32")));
}

TEST(Reconfigure, PriorityRaisedOnTheBackupAboveTheMasterPreempts) {
  Lab lab;
  const auto takeover = electA(lab);
  lab.runUntil(takeover + 2500ms);
  const auto lastAccepted = takeover + 2s;

  reconfigure(lab.b, seedInstance(110));
  EXPECT_EQ(lab.b.runner->router().effectivePriority(), 110);
  // a's priority-100 adverts are now discarded; b takes over one interval after the last accepted
  // one.
  lab.runUntil(lastAccepted + masterDownFor(110) - kTick);
  EXPECT_EQ(lab.b.state(), State::Backup);
  lab.runUntil(lastAccepted + masterDownFor(110));
  EXPECT_EQ(lab.b.state(), State::Master);
  EXPECT_THAT(lab.b.transitions.back().reason,
              HasSubstr("preempting lower priority master 10.11.12.1 (priority 100 < 110)"));
  EXPECT_TRUE(lab.b.hasVip());
  // a heard 110 at the same instant and stepped down.
  EXPECT_EQ(lab.a.state(), State::Backup);
  EXPECT_FALSE(lab.a.hasVip());
  EXPECT_FALSE(lab.a.runner->installed(0));
}

// ---- faults ------------------------------------------------------------------------

TEST(Fault, AsMasterReleasesTheVipWithPriorityZeroAndComesBackLater) {
  Lab lab;
  const auto takeover = electA(lab);
  lab.runUntil(takeover + 1500ms);
  lab.segment.clearSent();

  const auto faultAt = lab.now();
  lab.a.runner->setFault(true, "eth0 down");
  EXPECT_EQ(lab.a.state(), State::Fault);
  EXPECT_EQ(lab.a.transitions.back().reason, "eth0 down");
  EXPECT_FALSE(lab.a.hasVip());
  const auto wire = decodeAll(lab.segment);
  ASSERT_EQ(wire.size(), 1u);
  EXPECT_EQ(wire[0].received.advert.priority, 0);
  EXPECT_EQ(wire[0].received.source, lab.a.primary);

  lab.runUntil(faultAt + skewFor(90));
  EXPECT_EQ(lab.b.state(), State::Master);
  EXPECT_TRUE(lab.b.hasVip());
  // In Fault a sends nothing and ignores b's adverts.
  lab.segment.clearSent();
  lab.runFor(20s);
  EXPECT_TRUE(decodeAll(lab.segment, lab.a.primary).empty());
  EXPECT_EQ(lab.a.state(), State::Fault);
  EXPECT_EQ(lab.a.runner->router().nextDeadline(), std::nullopt);

  const auto upAt = lab.now();
  lab.a.runner->setFault(false, "eth0 up");
  EXPECT_EQ(lab.a.state(), State::Backup);
  EXPECT_FALSE(lab.a.hasVip());
  lab.runUntil(upAt + masterDownFor(100) - kTick);
  EXPECT_EQ(lab.a.state(), State::Backup);
  lab.runUntil(upAt + masterDownFor(100));
  EXPECT_EQ(lab.a.state(), State::Master);
  EXPECT_TRUE(lab.a.hasVip());
  EXPECT_EQ(lab.b.state(), State::Backup);
  EXPECT_FALSE(lab.b.hasVip());
}

TEST(Fault, AsBackupSendsNothingAndTouchesNoAddress) {
  Lab lab;
  electA(lab);
  lab.segment.clearSent();
  const auto requests = lab.b.kernel.requestCount();
  lab.b.runner->setFault(true, "eth0 down");
  EXPECT_EQ(lab.b.state(), State::Fault);
  EXPECT_TRUE(decodeAll(lab.segment, lab.b.primary).empty());
  EXPECT_EQ(lab.b.kernel.requestCount(), requests);
  lab.runFor(30s);
  EXPECT_EQ(lab.b.state(), State::Fault);  // a master down would not pull it out of Fault
}

TEST(Fault, BeforeStartAStaleVipIsClearedToo) {
  // havipd starts while eth0 is down (the daemon then calls setFault instead
  // of start): a VIP a crashed previous run left behind must still go.
  Lab lab;
  lab.b.kernel.externalAdd(lab.b.eth0, kVip);
  lab.b.runner->setFault(true, "eth0 is down");
  EXPECT_EQ(lab.b.state(), State::Fault);
  EXPECT_FALSE(lab.b.hasVip());
  lab.b.runner->setFault(false, "eth0 up");
  EXPECT_EQ(lab.b.state(), State::Backup);
  EXPECT_FALSE(lab.b.hasVip());
}

TEST(Start, AStaleVipIsRemovedButOtherAddressesStay) {
  Lab lab;
  lab.b.kernel.externalAdd(lab.b.eth0, kVip);
  lab.b.kernel.externalAdd(lab.b.eth0, prefix("10.11.12.99/24"));  // same address, other length
  lab.b.kernel.externalAdd(lab.b.eth0, prefix("10.11.12.50/32"));
  lab.b.runner->start();
  EXPECT_FALSE(lab.b.hasVip());
  EXPECT_FALSE(lab.b.hasAddress(prefix("10.11.12.99/24")));
  EXPECT_TRUE(lab.b.hasAddress(prefix("10.11.12.50/32")));
  EXPECT_TRUE(lab.b.hasAddress(prefix("10.11.12.2/24")));
}

// ---- what the runner records --------------------------------------------------

TEST(Records, LastTransitionCarriesTheReasonAndTheInjectedWallClock) {
  Lab lab;
  EXPECT_FALSE(lab.a.runner->lastTransition().has_value());
  const auto takeover = electA(lab);
  const auto& t = lab.a.runner->lastTransition();
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->from, State::Backup);
  EXPECT_EQ(t->to, State::Master);
  EXPECT_EQ(t->reason, "master down: no advert for 3.609 s");
  EXPECT_EQ(t->at, takeover);
  EXPECT_EQ(t->wallClock, std::chrono::system_clock::time_point(std::chrono::hours(24)));
  // onTransition saw the same record, after the actions were carried out.
  ASSERT_FALSE(lab.a.transitions.empty());
  EXPECT_EQ(lab.a.transitions.back().reason, t->reason);
  EXPECT_EQ(lab.a.transitions.back().at, t->at);
  ASSERT_TRUE(lab.a.runner->lastTakeover().has_value());
  EXPECT_FALSE(lab.b.runner->lastTakeover().has_value());
}

// Kernel calls that take time: each add() costs 2 ms, each ARP 1 ms, as seen
// by a clock that is the fake one plus the time spent so far.
struct LaggingClock final : Clock {
  explicit LaggingClock(const FakeClock& b) : base(b) {}
  TimePoint now() const override { return base.now() + lag; }
  const FakeClock& base;
  vrrp::Duration lag{};
};

struct SlowAddresses final : netlink::AddressTable {
  SlowAddresses(netlink::FakeNetlink& k, LaggingClock& c) : kernel(k), clock(c) {}
  netlink::Status add(int ifindex, const net::Ipv4Prefix& p, std::string_view label) override {
    clock.lag += 2ms;
    return kernel.add(ifindex, p, label);
  }
  netlink::Status remove(int ifindex, const net::Ipv4Prefix& p) override {
    clock.lag += 2ms;
    return kernel.remove(ifindex, p);
  }
  tl::expected<std::vector<netlink::AddressInfo>, std::error_code> list(int ifindex) override {
    return kernel.list(ifindex);
  }
  netlink::FakeNetlink& kernel;
  LaggingClock& clock;
};

struct SlowAnnouncer final : netio::Announcer {
  SlowAnnouncer(netio::FakeAnnouncer& f, LaggingClock& c) : fake(f), clock(c) {}
  tl::expected<void, std::error_code> sendGratuitousArp(int ifindex, const net::MacAddress& mac,
                                                        net::Ipv4Address vip) override {
    clock.lag += 1ms;
    return fake.sendGratuitousArp(ifindex, mac, vip);
  }
  netio::FakeAnnouncer& fake;
  LaggingClock& clock;
};

TEST(Records, LastTakeoverMeasuresVipInstallAndFirstArpFromTheDecision) {
  FakeClock clock;
  LaggingClock lagging(clock);
  netio::FakeSegment segment;
  netlink::FakeNetlink kernel;
  netio::FakeAnnouncer announcer;
  const int eth0 = kernel.createLink("eth0", net::MacAddress({2, 0, 0, 0, 0, 1}));
  SlowAddresses addresses(kernel, lagging);
  SlowAnnouncer slowAnnouncer(announcer, lagging);
  InterfaceHub hub({"eth0", eth0, net::MacAddress({2, 0, 0, 0, 0, 1}), ip("10.11.12.1")},
                   segment.attach(eth0, "eth0"));
  const auto settings = withVips(seedInstance(100), {"10.11.12.99/32", "10.11.12.98/32"});
  auto vips = bindVips(settings, kernel);
  ASSERT_TRUE(vips.has_value());
  InstanceRunner runner(routerConfigFor(settings, ip("10.11.12.1")), std::move(*vips), hub,
                        RunnerServices{addresses, slowAnnouncer, lagging, clock, {}});
  runner.start();
  clock.advance(masterDownFor(100));
  ASSERT_EQ(runner.router().state(), State::Master);

  const auto& timing = runner.lastTakeover();
  ASSERT_TRUE(timing.has_value());
  EXPECT_EQ(timing->vipsInstalled, 4ms);  // two adds
  EXPECT_EQ(timing->firstArp, 5ms);       // and the first ARP after them
  EXPECT_TRUE(timing->arpSent);
  EXPECT_EQ(announcer.sent().size(), 10u);  // 5 rounds over 2 VIPs

  // The second burst is not a takeover: the record stays as it was.
  clock.advance(5s);
  EXPECT_EQ(announcer.sent().size(), 20u);
  EXPECT_EQ(runner.lastTakeover()->firstArp, 5ms);
}

// ---- kernel refusals ----------------------------------------------------------------

TEST(KernelErrors, AFailedVipInstallIsLoggedNotInstalledAndTheRunnerCarriesOn) {
  LogCapture logs;
  Lab lab;
  lab.startBoth();
  lab.a.kernel.failNext(std::make_error_code(std::errc::operation_not_permitted));
  const auto takeover = lab.t0 + masterDownFor(100);
  lab.runUntil(takeover);

  EXPECT_EQ(lab.a.state(), State::Master);
  EXPECT_FALSE(lab.a.runner->installed(0));
  EXPECT_FALSE(lab.a.hasVip());
  EXPECT_THAT(logs.text(),
              HasSubstr("VI_1: adding VIP 10.11.12.99/32 on eth0: Operation not permitted (havipd needs CAP_NET_ADMIN)"));
  // No ARP for an address we do not hold, and no claim that the VIP is in.
  EXPECT_TRUE(lab.a.announcer.sent().empty());
  EXPECT_THAT(logs.text(), HasSubstr("VI_1: 0 of 1 VIPs installed"));

  // Still advertising, so b stays Backup; the timer keeps running.
  lab.runFor(10s);
  EXPECT_EQ(decodeAll(lab.segment, lab.a.primary).size(), 11u);
  EXPECT_EQ(lab.b.state(), State::Backup);
  EXPECT_EQ(lab.a.state(), State::Master);
}

TEST(KernelErrors, AFailedRemovalIsLoggedAndTheVipStaysMarkedInstalled) {
  LogCapture logs;
  Lab lab;
  electA(lab);
  lab.a.kernel.failNext(std::make_error_code(std::errc::operation_not_permitted));
  lab.a.runner->stop();
  EXPECT_EQ(lab.a.state(), State::Init);
  EXPECT_TRUE(lab.a.hasVip());
  EXPECT_TRUE(lab.a.runner->installed(0));
  EXPECT_THAT(logs.text(),
              HasSubstr("VI_1: removing VIP 10.11.12.99/32 from eth0: Operation not permitted (havipd needs CAP_NET_ADMIN)"));
}

TEST(KernelErrors, FailedArpsAreLoggedAndDoNotStopTheTakeover) {
  LogCapture logs;
  Lab lab;
  lab.startBoth();
  lab.a.announcer.failWith(std::make_error_code(std::errc::network_down));
  lab.runUntil(lab.t0 + masterDownFor(100));
  EXPECT_EQ(lab.a.state(), State::Master);
  EXPECT_TRUE(lab.a.hasVip());
  EXPECT_THAT(logs.text(), HasSubstr("gratuitous ARP for 10.11.12.99 on eth0: Network is down"));
  EXPECT_EQ(decodeAll(lab.segment, lab.a.primary).size(), 1u);
  // The takeover record does not claim an ARP that never left.
  ASSERT_TRUE(lab.a.runner->lastTakeover().has_value());
  EXPECT_FALSE(lab.a.runner->lastTakeover()->arpSent);
  EXPECT_THAT(logs.text(), HasSubstr("VI_1: 1 of 1 VIPs installed 0.000 ms after the decision; "
                                     "no gratuitous ARP sent"));
  EXPECT_THAT(logs.text(), Not(HasSubstr("first gratuitous ARP sent")));
}

}  // namespace
}  // namespace havip::node::test
