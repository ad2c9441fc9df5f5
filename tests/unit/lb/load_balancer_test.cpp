// LoadBalancer against an in-memory kernel (FakeIpvs), fake probers and a
// FakeClock: the seed's virtual server programmed from parsed configuration
// text, drift repaired by the periodic reconcile, real servers leaving and
// rejoining with their health checks, reloads, IPVS missing or failing, and
// what status() reports. Time moves only through the FakeClock.
#include "lb/load_balancer.h"

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "check/fake_prober.h"
#include "config/parser.h"
#include "ipvs/fake_ipvs.h"
#include "node/fake_clock.h"

namespace havip::lb {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

constexpr auto kPeriod = 5s;
// Every check's first probe runs within 1 s + delay_loop (6 s) of configure().
constexpr auto kFirstProbesDone = 7s + 1ms;

const auto kVip = *net::Ipv4Address::parse("10.11.12.99");
const auto kNoeud1 = *net::Ipv4Address::parse("192.168.100.10");
const auto kNoeud2 = *net::Ipv4Address::parse("192.168.100.20");
const auto kWeb = ipvs::ServiceKey::inet(kVip, 80);
const auto kHttps = ipvs::ServiceKey::inet(kVip, 443);
const std::string kCheck1 = "TCP_CHECK 192.168.100.10:80";

// The seed's VRRP side, which every configuration below carries.
const std::string kVrrp = R"(
vrrp_instance VI_1 {
    state MASTER
    interface eth0
    virtual_router_id 51
    priority 100
    advert_int 1
    virtual_ipaddress {
        10.11.12.99
    }
    authentication {
        auth_type PASS
        auth_pass 1111
    }
    track_script {
        chk_service
    }
}
vrrp_script chk_service {
    script "/etc/keepalived/check_memory.sh"
    interval 2
    weight 2
}
)";

std::string realServerBlock(const std::string& address, unsigned port, unsigned weight, bool inhibit) {
  return "    real_server " + address + " " + std::to_string(port) + " {\n" +
         "        weight " + std::to_string(weight) + "\n" + (inhibit ? "        inhibit_on_failure\n" : "") +
         "        TCP_CHECK {\n"
         "            connect_timeout 3\n"
         "        }\n"
         "    }\n";
}

struct Seed {
  unsigned weight1 = 1;
  unsigned weight2 = 1;
  bool inhibit1 = false;
};

// conf/master.conf's virtual_server: the seed's `ipvsadm -A -t 10.11.12.99:80 -s rr`
// and its two `-r ... -m` real servers, each with a TCP_CHECK.
std::string seedService(Seed s = {}) {
  return "virtual_server 10.11.12.99 80 {\n"
         "    lb_algo rr\n"
         "    lb_kind NAT\n"
         "    protocol TCP\n"
         "    delay_loop 6\n" +
         realServerBlock("192.168.100.10", 80, s.weight1, s.inhibit1) +
         realServerBlock("192.168.100.20", 80, s.weight2, false) + "}\n";
}

std::string httpsService() {
  return "virtual_server 10.11.12.99 443 {\n"
         "    lb_algo wrr\n"
         "    lb_kind NAT\n"
         "    protocol TCP\n"
         "    delay_loop 6\n" +
         realServerBlock("192.168.100.10", 443, 1, false) + realServerBlock("192.168.100.20", 443, 1, false) + "}\n";
}

ipvs::Destination masq(net::Ipv4Address address, std::uint16_t port, std::uint32_t weight) {
  ipvs::Destination d;
  d.address = address;
  d.port = port;
  d.forwarding = ipvs::Forwarding::Masq;
  d.weight = weight;
  return d;
}

// What the opener hands the LoadBalancer, which owns it: a view of the test's
// FakeIpvs, so the kernel's table survives the LoadBalancer dropping and
// reopening its handle. It can also fail apply() as a whole, as a dead netlink
// channel would (FakeIpvs fails single operations only).
class KernelView final : public ipvs::Ipvs {
 public:
  KernelView(ipvs::FakeIpvs& kernel, const std::optional<std::error_code>& channelError)
      : kernel_(kernel), channelError_(channelError) {}

  tl::expected<ipvs::Info, std::error_code> info() override { return kernel_.info(); }
  tl::expected<std::vector<ipvs::Service>, std::error_code> services() override { return kernel_.services(); }
  tl::expected<std::vector<ipvs::Destination>, std::error_code> destinations(const ipvs::ServiceKey& k) override {
    return kernel_.destinations(k);
  }
  tl::expected<ipvs::OperationResults, std::error_code> apply(std::span<const ipvs::Operation> ops) override {
    if (channelError_) return tl::make_unexpected(*channelError_);
    return kernel_.apply(ops);
  }

 private:
  ipvs::FakeIpvs& kernel_;
  const std::optional<std::error_code>& channelError_;
};

class LoadBalancerTest : public ::testing::Test {
 protected:
  std::shared_ptr<const config::Config> parse(const std::string& virtualServers) {
    auto loaded = config::parseString(kVrrp + virtualServers, "lb.conf");
    if (!loaded) {
      std::string all;
      for (const auto& e : loaded.error().errors) all += e.toString() + "\n";
      ADD_FAILURE() << "configuration does not parse:\n" << all;
      return nullptr;
    }
    return loaded->config;
  }

  // Parses and configures; false (with a test failure) when the text is bad.
  bool configure(const std::string& virtualServers) {
    auto config = parse(virtualServers);
    if (!config) return false;
    lb_.configure(std::move(config));
    return true;
  }

  std::optional<ipvs::Service> service(const ipvs::ServiceKey& key) const {
    for (const auto& [s, ds] : kernel_.table()) {
      if (s.key == key) return s;
    }
    return std::nullopt;
  }

  std::vector<ipvs::Destination> destinations(const ipvs::ServiceKey& key) const {
    for (const auto& [s, ds] : kernel_.table()) {
      if (s.key == key) return ds;
    }
    return {};
  }

  std::optional<ipvs::Destination> destination(const ipvs::ServiceKey& key, net::Ipv4Address a) const {
    for (const auto& d : destinations(key)) {
      if (d.address == a) return d;
    }
    return std::nullopt;
  }

  std::size_t operations() const { return kernel_.counters().operations; }

  std::size_t probesOf(const std::string& target) const {
    std::size_t n = 0;
    for (const auto& p : probers_.probes()) n += p.target == target ? 1 : 0;
    return n;
  }

  // Fires timers one deadline at a time until `target` has been probed
  // `count` times; the fake probers answer at the probe's own instant.
  ::testing::AssertionResult runUntilProbed(const std::string& target, std::size_t count) {
    for (int step = 0; step < 1000 && probesOf(target) < count; ++step) {
      const auto next = clock_.nextDeadline();
      if (!next) return ::testing::AssertionFailure() << "no timer armed";
      clock_.advanceTo(*next);
    }
    if (probesOf(target) != count) {
      return ::testing::AssertionFailure() << target << " probed " << probesOf(target) << " times, wanted " << count;
    }
    return ::testing::AssertionSuccess();
  }

  static const RealServerView& realServer(const Status& s, std::size_t vs, std::size_t rs) {
    return s.virtualServers.at(vs).realServers.at(rs);
  }

  tl::expected<std::unique_ptr<ipvs::Ipvs>, std::error_code> open() {
    ++opens_;
    if (openError_) return tl::make_unexpected(*openError_);
    return std::make_unique<KernelView>(kernel_, applyChannelError_);
  }

  node::FakeClock clock_;
  check::FakeProberFactory probers_{clock_, clock_};
  ipvs::FakeIpvs kernel_;
  std::optional<std::error_code> openError_;           // the opener's answer while set
  std::optional<std::error_code> applyChannelError_;  // apply()'s outer error while set
  int opens_ = 0;
  LoadBalancer lb_{[this] { return open(); }, clock_, clock_, probers_, Options{kPeriod}};
};

TEST_F(LoadBalancerTest, ConfigureProgramsTheSeedServiceWithThreeOperations) {
  ASSERT_TRUE(configure(seedService()));

  const auto table = kernel_.table();
  ASSERT_EQ(table.size(), 1u);
  const ipvs::Service& svc = table[0].first;
  EXPECT_EQ(svc.key, kWeb);
  EXPECT_EQ(svc.scheduler, "rr");
  EXPECT_EQ(svc.flags, 0u);
  EXPECT_EQ(svc.timeout, 0u);
  EXPECT_THAT(table[0].second, UnorderedElementsAre(masq(kNoeud1, 80, 1), masq(kNoeud2, 80, 1)));

  EXPECT_EQ(operations(), 3u);
  EXPECT_EQ(kernel_.counters().failed, 0u);
  EXPECT_EQ(opens_, 1);

  const Status s = lb_.status();
  EXPECT_EQ(s.ipvsError, std::nullopt);
  EXPECT_EQ(s.ipvsVersion, "1.2.1");
  EXPECT_EQ(s.reconciles, 1u);
  EXPECT_EQ(s.operationsApplied, 3u);
  EXPECT_EQ(s.operationsFailed, 0u);
  ASSERT_EQ(s.lastChanges.size(), 3u);
  EXPECT_THAT(s.lastChanges[0], HasSubstr("add service"));
  EXPECT_EQ(s.lastChangeAt, clock_.now());
  ASSERT_EQ(s.virtualServers.size(), 1u);
  EXPECT_EQ(s.virtualServers[0].name, "10.11.12.99:80 TCP");
  EXPECT_EQ(s.virtualServers[0].scheduler, "rr");
  EXPECT_EQ(s.virtualServers[0].forwarding, "NAT");
  EXPECT_TRUE(s.virtualServers[0].inKernel);
  ASSERT_EQ(s.virtualServers[0].realServers.size(), 2u);
  EXPECT_EQ(realServer(s, 0, 0).address, "192.168.100.10:80");
  EXPECT_EQ(realServer(s, 0, 1).address, "192.168.100.20:80");
  for (const auto& rs : s.virtualServers[0].realServers) {
    EXPECT_EQ(rs.configuredWeight, 1u);
    EXPECT_EQ(rs.kernelWeight, 1u);
    EXPECT_TRUE(rs.up);
  }
}

TEST_F(LoadBalancerTest, SecondConfigureOfTheSameConfigurationChangesNothing) {
  ASSERT_TRUE(configure(seedService()));
  const auto before = kernel_.table();
  kernel_.resetCounters();

  ASSERT_TRUE(configure(seedService()));

  EXPECT_EQ(operations(), 0u);
  EXPECT_EQ(kernel_.counters().applyCalls, 0u);
  EXPECT_EQ(kernel_.table(), before);
  EXPECT_EQ(lb_.status().operationsApplied, 3u);
}

TEST_F(LoadBalancerTest, PeriodicReconcileRestoresADestinationDeletedByHand) {
  ASSERT_TRUE(configure(seedService()));
  ASSERT_TRUE(kernel_.deleteDestination(kWeb, masq(kNoeud1, 80, 1)));
  kernel_.resetCounters();

  clock_.advance(kPeriod - 1ms);
  EXPECT_EQ(destination(kWeb, kNoeud1), std::nullopt) << "repaired before the period";
  EXPECT_EQ(operations(), 0u);

  clock_.advance(1ms);
  EXPECT_EQ(destination(kWeb, kNoeud1), masq(kNoeud1, 80, 1));
  EXPECT_EQ(operations(), 1u);
  const Status s = lb_.status();
  EXPECT_EQ(s.reconciles, 2u);
  ASSERT_EQ(s.lastChanges.size(), 1u);
  EXPECT_THAT(s.lastChanges[0], HasSubstr("add destination 192.168.100.10:80"));

  // And the period keeps running: nothing more to do.
  clock_.advance(kPeriod);
  EXPECT_EQ(operations(), 1u);
  EXPECT_EQ(lb_.status().reconciles, 3u);
}

TEST_F(LoadBalancerTest, PeriodicReconcileRepairsAWeightAndRemovesADestinationAddedByHand) {
  ASSERT_TRUE(configure(seedService()));
  ASSERT_TRUE(kernel_.editDestination(kWeb, masq(kNoeud2, 80, 9)));
  ASSERT_TRUE(kernel_.addDestination(kWeb, masq(*net::Ipv4Address::parse("192.168.100.30"), 80, 1)));
  kernel_.resetCounters();

  clock_.advance(kPeriod);

  EXPECT_THAT(destinations(kWeb), UnorderedElementsAre(masq(kNoeud1, 80, 1), masq(kNoeud2, 80, 1)));
  EXPECT_EQ(operations(), 2u);
}

TEST_F(LoadBalancerTest, FailingRealServerLeavesAfterItsRetriesAndReturnsWhenItRecovers) {
  ASSERT_TRUE(configure(seedService()));
  clock_.advance(kFirstProbesDone);  // first verdicts: both UP
  ASSERT_EQ(probesOf(kCheck1), 1u);
  kernel_.resetCounters();

  probers_.script(kCheck1, {false, "connection refused", 0ms});
  ASSERT_TRUE(runUntilProbed(kCheck1, 2));
  const auto firstFailure = clock_.now();
  // One failure out of retry + 1 = 2 attempts: still in the pool.
  EXPECT_EQ(destination(kWeb, kNoeud1), masq(kNoeud1, 80, 1));
  EXPECT_TRUE(realServer(lb_.status(), 0, 0).up);
  EXPECT_EQ(operations(), 0u);

  ASSERT_TRUE(runUntilProbed(kCheck1, 3));
  EXPECT_EQ(clock_.now() - firstFailure, 1s) << "delay_before_retry";
  EXPECT_EQ(destination(kWeb, kNoeud1), std::nullopt);
  EXPECT_EQ(destination(kWeb, kNoeud2), masq(kNoeud2, 80, 1));
  EXPECT_EQ(operations(), 1u);
  Status s = lb_.status();
  EXPECT_FALSE(realServer(s, 0, 0).up);
  EXPECT_THAT(realServer(s, 0, 0).lastResult, HasSubstr("192.168.100.10:80: connection refused"));
  EXPECT_EQ(realServer(s, 0, 0).lastResultAt, clock_.now());
  EXPECT_EQ(realServer(s, 0, 0).kernelWeight, std::nullopt);
  EXPECT_TRUE(realServer(s, 0, 1).up);
  ASSERT_EQ(s.lastChanges.size(), 1u);
  EXPECT_THAT(s.lastChanges[0], HasSubstr("delete destination 192.168.100.10:80"));

  // Held out across periodic reconciles while it keeps failing.
  clock_.advance(3 * kPeriod);
  EXPECT_EQ(destination(kWeb, kNoeud1), std::nullopt);
  EXPECT_EQ(operations(), 1u);

  probers_.script(kCheck1, {true, "connected", 0ms});
  ASSERT_TRUE(runUntilProbed(kCheck1, probesOf(kCheck1) + 1));
  EXPECT_EQ(destination(kWeb, kNoeud1), masq(kNoeud1, 80, 1));
  EXPECT_EQ(operations(), 2u);
  s = lb_.status();
  EXPECT_TRUE(realServer(s, 0, 0).up);
  EXPECT_THAT(realServer(s, 0, 0).lastResult, HasSubstr("connected"));
  EXPECT_EQ(realServer(s, 0, 0).kernelWeight, 1u);
}

TEST_F(LoadBalancerTest, ReloadKeepsADownRealServerOutOfTheTable) {
  ASSERT_TRUE(configure(seedService()));
  clock_.advance(kFirstProbesDone);
  probers_.script(kCheck1, {false, "connection refused", 0ms});
  ASSERT_TRUE(runUntilProbed(kCheck1, 3));  // fails, retry fails: DOWN, deleted
  ASSERT_EQ(destination(kWeb, kNoeud1), std::nullopt);
  kernel_.resetCounters();

  ASSERT_TRUE(configure(seedService()));  // SIGHUP with the same file
  EXPECT_EQ(destination(kWeb, kNoeud1), std::nullopt) << "a DOWN real server must not come back on reload";
  EXPECT_EQ(operations(), 0u);
  EXPECT_FALSE(realServer(lb_.status(), 0, 0).up);

  probers_.script(kCheck1, {true, "connected", 0ms});
  ASSERT_TRUE(runUntilProbed(kCheck1, probesOf(kCheck1) + 1));
  EXPECT_EQ(destination(kWeb, kNoeud1), masq(kNoeud1, 80, 1)) << "and it returns when its check passes";
  EXPECT_EQ(operations(), 1u);
}

TEST_F(LoadBalancerTest, InhibitOnFailureKeepsAFailingRealServerWithWeightZero) {
  ASSERT_TRUE(configure(seedService({.weight1 = 4, .weight2 = 1, .inhibit1 = true})));
  EXPECT_EQ(destination(kWeb, kNoeud1), masq(kNoeud1, 80, 4));
  clock_.advance(kFirstProbesDone);
  kernel_.resetCounters();

  probers_.script(kCheck1, {false, "connection refused", 0ms});
  ASSERT_TRUE(runUntilProbed(kCheck1, 3));  // the failure and its retry

  EXPECT_EQ(destination(kWeb, kNoeud1), masq(kNoeud1, 80, 0));
  EXPECT_EQ(operations(), 1u);
  Status s = lb_.status();
  EXPECT_FALSE(realServer(s, 0, 0).up);
  EXPECT_EQ(realServer(s, 0, 0).configuredWeight, 4u);
  EXPECT_EQ(realServer(s, 0, 0).kernelWeight, 0u);
  EXPECT_THAT(realServer(s, 0, 0).lastResult, HasSubstr("connection refused"));

  probers_.script(kCheck1, {true, "connected", 0ms});
  ASSERT_TRUE(runUntilProbed(kCheck1, 4));
  EXPECT_EQ(destination(kWeb, kNoeud1), masq(kNoeud1, 80, 4));
  EXPECT_EQ(operations(), 2u);
  s = lb_.status();
  EXPECT_TRUE(realServer(s, 0, 0).up);
  EXPECT_EQ(realServer(s, 0, 0).kernelWeight, 4u);
}

TEST_F(LoadBalancerTest, ReloadDroppingAVirtualServerDeletesItAndLeavesForeignServicesAlone) {
  // Someone else's service, present before havip starts.
  const auto foreignKey = ipvs::ServiceKey::inet(*net::Ipv4Address::parse("10.11.12.50"), 8080);
  ipvs::Service foreign{foreignKey, "wlc", 0, 0, ipvs::kDefaultNetmask};
  ipvs::Destination foreignDest = masq(*net::Ipv4Address::parse("192.168.100.30"), 8080, 3);
  foreignDest.forwarding = ipvs::Forwarding::DirectRoute;
  ASSERT_TRUE(kernel_.addService(foreign));
  ASSERT_TRUE(kernel_.addDestination(foreignKey, foreignDest));

  ASSERT_TRUE(configure(seedService() + httpsService()));
  ASSERT_EQ(kernel_.table().size(), 3u);
  EXPECT_EQ(service(kHttps)->scheduler, "wrr");
  EXPECT_THAT(destinations(kHttps), UnorderedElementsAre(masq(kNoeud1, 443, 1), masq(kNoeud2, 443, 1)));
  kernel_.resetCounters();

  ASSERT_TRUE(configure(seedService()));

  EXPECT_EQ(service(kHttps), std::nullopt);
  EXPECT_THAT(destinations(kHttps), IsEmpty());
  EXPECT_EQ(operations(), 1u) << "the kernel deletes a service's destinations with it";
  EXPECT_THAT(lb_.status().lastChanges, ElementsAre(HasSubstr("delete service TCP 10.11.12.99:443")));
  EXPECT_THAT(destinations(kWeb), UnorderedElementsAre(masq(kNoeud1, 80, 1), masq(kNoeud2, 80, 1)));
  EXPECT_EQ(service(foreignKey), foreign);
  EXPECT_THAT(destinations(foreignKey), ElementsAre(foreignDest));

  // Later reconciles leave the foreign service alone too, even edited by its owner.
  ASSERT_TRUE(kernel_.editDestination(foreignKey, masq(*net::Ipv4Address::parse("192.168.100.30"), 8080, 7)));
  kernel_.resetCounters();
  clock_.advance(2 * kPeriod);
  EXPECT_EQ(operations(), 0u);
  EXPECT_EQ(destinations(foreignKey).at(0).weight, 7u);
  EXPECT_EQ(lb_.status().virtualServers.size(), 1u);
}

TEST_F(LoadBalancerTest, ReloadDroppingARealServerDeletesOnlyItsDestination) {
  ASSERT_TRUE(configure(seedService()));
  kernel_.resetCounters();

  const std::string oneNode =
      "virtual_server 10.11.12.99 80 {\n    lb_algo rr\n    lb_kind NAT\n    protocol TCP\n    delay_loop 6\n" +
      realServerBlock("192.168.100.20", 80, 1, false) + "}\n";
  ASSERT_TRUE(configure(oneNode));

  EXPECT_THAT(destinations(kWeb), ElementsAre(masq(kNoeud2, 80, 1)));
  EXPECT_EQ(operations(), 1u);
}

TEST_F(LoadBalancerTest, ReloadChangingOneWeightIsExactlyOneOperation) {
  ASSERT_TRUE(configure(seedService()));
  kernel_.resetCounters();

  ASSERT_TRUE(configure(seedService({.weight1 = 1, .weight2 = 3})));

  EXPECT_EQ(operations(), 1u);
  EXPECT_THAT(lb_.status().lastChanges, ElementsAre(HasSubstr("edit destination 192.168.100.20:80")));
  EXPECT_THAT(destinations(kWeb), UnorderedElementsAre(masq(kNoeud1, 80, 1), masq(kNoeud2, 80, 3)));
  EXPECT_EQ(realServer(lb_.status(), 0, 1).kernelWeight, 3u);
}

TEST_F(LoadBalancerTest, IpvsUnavailableIsReportedAndTheTableProgrammedOnceItOpens) {
  openError_ = make_error_code(ipvs::IpvsError::FamilyNotFound);
  ASSERT_TRUE(configure(seedService()));

  EXPECT_EQ(opens_, 1);
  EXPECT_THAT(kernel_.table(), IsEmpty());
  Status s = lb_.status();
  EXPECT_EQ(s.ipvsError, make_error_code(ipvs::IpvsError::FamilyNotFound).message());
  EXPECT_EQ(s.ipvsVersion, std::nullopt);
  EXPECT_EQ(s.reconciles, 0u);
  ASSERT_EQ(s.virtualServers.size(), 1u);
  EXPECT_FALSE(s.virtualServers[0].inKernel);
  EXPECT_EQ(realServer(s, 0, 0).kernelWeight, std::nullopt);

  clock_.advance(kPeriod);
  EXPECT_EQ(opens_, 2) << "retried each period";
  EXPECT_TRUE(lb_.status().ipvsError.has_value());

  openError_.reset();
  clock_.advance(kPeriod - 1ms);
  EXPECT_THAT(kernel_.table(), IsEmpty()) << "programmed before the period";
  clock_.advance(1ms);
  EXPECT_EQ(opens_, 3);
  EXPECT_THAT(destinations(kWeb), UnorderedElementsAre(masq(kNoeud1, 80, 1), masq(kNoeud2, 80, 1)));
  EXPECT_EQ(operations(), 3u);
  s = lb_.status();
  EXPECT_EQ(s.ipvsError, std::nullopt);
  EXPECT_EQ(s.ipvsVersion, "1.2.1");
  EXPECT_TRUE(s.virtualServers[0].inKernel);

  // Opened once for good.
  clock_.advance(2 * kPeriod);
  EXPECT_EQ(opens_, 3);
}

TEST_F(LoadBalancerTest, HealthChangesWhileIpvsIsUnavailableApplyOnceItOpens) {
  openError_ = make_error_code(ipvs::IpvsError::FamilyNotFound);
  probers_.script(kCheck1, {false, "connection refused", 0ms});
  ASSERT_TRUE(configure(seedService()));
  clock_.advance(kFirstProbesDone + 1s);  // first probe, and its retry if any
  ASSERT_FALSE(realServer(lb_.status(), 0, 0).up);

  openError_.reset();
  clock_.advance(kPeriod);

  EXPECT_THAT(destinations(kWeb), ElementsAre(masq(kNoeud2, 80, 1)));
  EXPECT_EQ(operations(), 2u);
}

TEST_F(LoadBalancerTest, VrrpOnlyConfigurationNeverOpensIpvs) {
  openError_ = make_error_code(ipvs::IpvsError::FamilyNotFound);
  ASSERT_TRUE(configure(""));
  clock_.advance(10 * kPeriod);
  lb_.reconcile("test");
  const Status s = lb_.status();

  EXPECT_EQ(opens_, 0);
  EXPECT_EQ(s.ipvsError, std::nullopt);
  EXPECT_THAT(s.virtualServers, IsEmpty());
  EXPECT_EQ(kernel_.counters().dumps, 0u);
}

TEST_F(LoadBalancerTest, ReloadToVrrpOnlyDeletesWhatHavipCreated) {
  ASSERT_TRUE(configure(seedService()));
  kernel_.resetCounters();

  ASSERT_TRUE(configure(""));

  EXPECT_THAT(kernel_.table(), IsEmpty());
  EXPECT_EQ(operations(), 1u);
  // Nothing owned any more: later periods leave IPVS alone.
  kernel_.resetCounters();
  clock_.advance(3 * kPeriod);
  EXPECT_EQ(kernel_.counters().dumps, 0u);
}

TEST_F(LoadBalancerTest, FailedOperationIsCountedAndRetriedAtTheNextPeriod) {
  ASSERT_TRUE(configure(seedService()));
  ASSERT_TRUE(kernel_.deleteDestination(kWeb, masq(kNoeud1, 80, 1)));
  const auto refused = std::make_error_code(std::errc::operation_not_permitted);
  kernel_.failNext(refused);

  clock_.advance(kPeriod);
  Status s = lb_.status();
  EXPECT_EQ(s.operationsFailed, 1u);
  EXPECT_EQ(s.operationsApplied, 3u);
  EXPECT_THAT(s.lastChanges, ElementsAre(HasSubstr(refused.message())));
  EXPECT_THAT(s.lastChanges[0], HasSubstr("add destination 192.168.100.10:80"));
  EXPECT_EQ(destination(kWeb, kNoeud1), std::nullopt);
  EXPECT_EQ(s.ipvsError, std::nullopt) << "one refused operation is not IPVS missing";

  clock_.advance(kPeriod);
  s = lb_.status();
  EXPECT_EQ(destination(kWeb, kNoeud1), masq(kNoeud1, 80, 1));
  EXPECT_EQ(s.operationsFailed, 1u);
  EXPECT_EQ(s.operationsApplied, 4u);
  EXPECT_EQ(opens_, 1);
}

TEST_F(LoadBalancerTest, FailedFirstProgrammingIsRetriedWhole) {
  // The service add is refused, so both destination adds find no service (ESRCH).
  kernel_.failNext(std::make_error_code(std::errc::operation_not_permitted));
  ASSERT_TRUE(configure(seedService()));

  Status s = lb_.status();
  EXPECT_EQ(s.operationsFailed, 3u);
  EXPECT_EQ(s.operationsApplied, 0u);
  EXPECT_THAT(kernel_.table(), IsEmpty());
  EXPECT_FALSE(s.virtualServers[0].inKernel);

  clock_.advance(kPeriod);
  s = lb_.status();
  EXPECT_EQ(s.operationsApplied, 3u);
  EXPECT_EQ(s.operationsFailed, 3u);
  EXPECT_THAT(destinations(kWeb), UnorderedElementsAre(masq(kNoeud1, 80, 1), masq(kNoeud2, 80, 1)));
}

TEST_F(LoadBalancerTest, ApplyChannelFailureIsReportedAndRecovered) {
  applyChannelError_ = std::make_error_code(std::errc::timed_out);
  ASSERT_TRUE(configure(seedService()));

  EXPECT_THAT(kernel_.table(), IsEmpty());
  Status s = lb_.status();
  ASSERT_TRUE(s.ipvsError.has_value()) << "IPVS could not be programmed: status must say so";
  EXPECT_THAT(*s.ipvsError, HasSubstr(std::make_error_code(std::errc::timed_out).message()));

  applyChannelError_.reset();
  clock_.advance(kPeriod);
  EXPECT_EQ(opens_, 2) << "the channel is reopened";
  EXPECT_THAT(destinations(kWeb), UnorderedElementsAre(masq(kNoeud1, 80, 1), masq(kNoeud2, 80, 1)));
  EXPECT_EQ(lb_.status().ipvsError, std::nullopt);
}

TEST_F(LoadBalancerTest, IpvsVanishingAfterProgrammingIsReportedWithoutStaleCounters) {
  ASSERT_TRUE(configure(seedService()));
  ASSERT_TRUE(kernel_.setConnections(kWeb, kNoeud1, 80, 5, 6));
  kernel_.setUnavailable(make_error_code(ipvs::IpvsError::FamilyNotFound));

  clock_.advance(kPeriod);
  Status s = lb_.status();
  ASSERT_TRUE(s.ipvsError.has_value());
  EXPECT_THAT(*s.ipvsError, HasSubstr(make_error_code(ipvs::IpvsError::FamilyNotFound).message()));
  EXPECT_FALSE(s.virtualServers[0].inKernel) << "nothing is known of the kernel's table now";
  EXPECT_EQ(realServer(s, 0, 0).kernelWeight, std::nullopt);
  EXPECT_EQ(realServer(s, 0, 0).activeConnections, 0u);

  kernel_.setUnavailable({});
  kernel_.resetCounters();
  clock_.advance(kPeriod);
  s = lb_.status();
  EXPECT_EQ(s.ipvsError, std::nullopt);
  EXPECT_TRUE(s.virtualServers[0].inKernel);
  EXPECT_EQ(realServer(s, 0, 0).activeConnections, 5u);
  EXPECT_EQ(operations(), 0u) << "the table survived: nothing to redo";
}

TEST_F(LoadBalancerTest, StatusNoticesIpvsVanishingBetweenPeriods) {
  ASSERT_TRUE(configure(seedService()));
  ASSERT_TRUE(lb_.status().virtualServers[0].inKernel);
  kernel_.setUnavailable(make_error_code(ipvs::IpvsError::FamilyNotFound));

  const Status s = lb_.status();
  ASSERT_TRUE(s.ipvsError.has_value());
  EXPECT_FALSE(s.virtualServers[0].inKernel);
  EXPECT_EQ(realServer(s, 0, 1).kernelWeight, std::nullopt);

  kernel_.setUnavailable({});
  clock_.advance(kPeriod);
  EXPECT_EQ(lb_.status().ipvsError, std::nullopt);
  EXPECT_EQ(opens_, 2);
}

TEST_F(LoadBalancerTest, StatusReportsTheKernelsWeightAndConnectionCounters) {
  ASSERT_TRUE(configure(seedService({.weight1 = 2, .weight2 = 1})));
  ASSERT_TRUE(kernel_.setConnections(kWeb, kNoeud1, 80, 7, 12));
  ASSERT_TRUE(kernel_.setConnections(kWeb, kNoeud2, 80, 1, 0));
  // A hand edit between two periods shows in status: it reads the kernel.
  ASSERT_TRUE(kernel_.editDestination(kWeb, masq(kNoeud2, 80, 5)));

  Status s = lb_.status();
  EXPECT_EQ(realServer(s, 0, 0).configuredWeight, 2u);
  EXPECT_EQ(realServer(s, 0, 0).kernelWeight, 2u);
  EXPECT_EQ(realServer(s, 0, 0).activeConnections, 7u);
  EXPECT_EQ(realServer(s, 0, 0).inactiveConnections, 12u);
  EXPECT_EQ(realServer(s, 0, 1).configuredWeight, 1u);
  EXPECT_EQ(realServer(s, 0, 1).kernelWeight, 5u);
  EXPECT_EQ(realServer(s, 0, 1).activeConnections, 1u);
  EXPECT_EQ(realServer(s, 0, 1).inactiveConnections, 0u);

  ASSERT_TRUE(kernel_.setConnections(kWeb, kNoeud1, 80, 8, 13));
  clock_.advance(kPeriod);  // repairs the weight; the counters are the kernel's
  s = lb_.status();
  EXPECT_EQ(realServer(s, 0, 1).kernelWeight, 1u);
  EXPECT_EQ(realServer(s, 0, 1).activeConnections, 1u);
  EXPECT_EQ(realServer(s, 0, 0).activeConnections, 8u);
  EXPECT_EQ(realServer(s, 0, 0).inactiveConnections, 13u);
}

}  // namespace
}  // namespace havip::lb
