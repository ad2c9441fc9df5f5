// reconcile(): desired (config) against actual (dump) -> the minimal ordered
// operations, checked by applying them to FakeIpvs and reading the table back.
#include "ipvs/reconcile.h"

#include <chrono>
#include <cstdio>

#include <gtest/gtest.h>

#include "ipvs/fake_ipvs.h"

namespace havip::ipvs {
namespace {

using Kind = Operation::Kind;
const net::Ipv4Address kVip = *net::Ipv4Address::parse("10.11.12.99");
const net::Ipv4Address kNoeud1 = *net::Ipv4Address::parse("192.168.100.10");
const net::Ipv4Address kNoeud2 = *net::Ipv4Address::parse("192.168.100.20");
const ServiceKey kSeedKey = ServiceKey::inet(kVip, 80);

config::RealServer realServer(net::Ipv4Address a, std::uint16_t port = 80, unsigned weight = 1) {
  config::RealServer rs;
  rs.address = a;
  rs.port = port;
  rs.weight = weight;
  return rs;
}

// The seed's virtual_server 10.11.12.99 80 { lb_algo rr; lb_kind NAT; two real servers }.
config::VirtualServer seedVirtualServer() {
  config::VirtualServer vs;
  vs.address = kVip;
  vs.port = 80;
  vs.scheduler = "rr";
  vs.forwarding = config::ForwardingMethod::Nat;
  vs.realServers = {realServer(kNoeud1), realServer(kNoeud2)};
  return vs;
}

Table actualOf(FakeIpvs& ipvs) {
  auto t = readTable(ipvs, nullptr);
  EXPECT_TRUE(t);
  return *t;
}

// Applies ops and requires every one to succeed.
void applyAll(FakeIpvs& ipvs, const std::vector<Operation>& ops) {
  auto results = ipvs.apply(ops);
  ASSERT_TRUE(results);
  for (std::size_t i = 0; i < ops.size(); ++i) EXPECT_FALSE((*results)[i]) << ops[i].toString();
}

std::vector<Operation> sync(FakeIpvs& ipvs, const Table& desired, const std::set<ServiceKey>& owned = {}) {
  auto ops = reconcile(desired, actualOf(ipvs), owned);
  applyAll(ipvs, ops);
  return ops;
}

TEST(DesiredTable, SeedVirtualServer) {
  const auto vs = seedVirtualServer();
  const Table t = desiredTable(std::span(&vs, 1));
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].service, (Service{kSeedKey, "rr", 0, 0, kDefaultNetmask}));
  ASSERT_EQ(t[0].destinations.size(), 2u);
  EXPECT_EQ(t[0].destinations[0], (Destination{kNoeud1, 80, Forwarding::Masq, 1, 0, 0, {}}));
}

TEST(DesiredTable, PersistenceFwmarkPortlessRealServerAndThresholds) {
  config::VirtualServer vs = seedVirtualServer();
  vs.persistenceTimeout = std::chrono::seconds(600);
  vs.forwarding = config::ForwardingMethod::DirectRouting;
  vs.realServers = {realServer(kNoeud1, 0, 7)};
  vs.realServers[0].upperThreshold = 100;
  vs.realServers[0].lowerThreshold = 10;
  config::VirtualServer fw;
  fw.fwmark = 5;
  fw.protocol = config::Protocol::Udp;
  fw.scheduler = "sh";
  const std::vector<config::VirtualServer> all{vs, fw};
  const Table t = desiredTable(all);
  EXPECT_EQ(t[0].service, (Service{kSeedKey, "rr", kFlagPersistent, 600, kDefaultNetmask}));
  EXPECT_EQ(t[0].destinations[0], (Destination{kNoeud1, 80, Forwarding::DirectRoute, 7, 100, 10, {}}));
  EXPECT_EQ(t[1].service.key, ServiceKey::mark(5));
}

TEST(Reconcile, ColdStartIsServiceThenDestinations) {
  FakeIpvs ipvs;
  const auto vs = seedVirtualServer();
  const auto ops = sync(ipvs, desiredTable(std::span(&vs, 1)));
  ASSERT_EQ(ops.size(), 3u);
  EXPECT_EQ(ops[0].kind, Kind::AddService);
  EXPECT_EQ(ops[1].kind, Kind::AddDestination);
  EXPECT_EQ(ops[2].kind, Kind::AddDestination);
  EXPECT_EQ(ops[0].toString(), "add service TCP 10.11.12.99:80 rr");
  EXPECT_EQ(ops[1].toString(), "add destination 192.168.100.10:80 masq weight 1 in TCP 10.11.12.99:80");
  EXPECT_EQ(actualOf(ipvs)[0].destinations.size(), 2u);
}

TEST(Reconcile, IdenticalTablesNeedNothingEvenWithTrafficCounters) {
  FakeIpvs ipvs;
  const auto vs = seedVirtualServer();
  const Table desired = desiredTable(std::span(&vs, 1));
  sync(ipvs, desired);
  ASSERT_TRUE(ipvs.setConnections(kSeedKey, kNoeud1, 80, 12, 40));
  EXPECT_TRUE(reconcile(desired, actualOf(ipvs), keysOf(desired)).empty());
}

TEST(Reconcile, DriftOneDestinationDeletedByHandIsPutBack) {
  FakeIpvs ipvs;
  const auto vs = seedVirtualServer();
  const Table desired = desiredTable(std::span(&vs, 1));
  sync(ipvs, desired);
  ASSERT_TRUE(ipvs.deleteDestination(kSeedKey, desired[0].destinations[1]));  // ipvsadm -d by hand
  const auto ops = sync(ipvs, desired);
  ASSERT_EQ(ops.size(), 1u);
  EXPECT_EQ(ops[0], Operation::addDestination(kSeedKey, desired[0].destinations[1]));
  EXPECT_TRUE(reconcile(desired, actualOf(ipvs)).empty());
}

TEST(Reconcile, OneWeightChangedIsOneEdit) {
  FakeIpvs ipvs;
  auto vs = seedVirtualServer();
  sync(ipvs, desiredTable(std::span(&vs, 1)));
  vs.realServers[1].weight = 3;
  const auto ops = sync(ipvs, desiredTable(std::span(&vs, 1)));
  ASSERT_EQ(ops.size(), 1u);
  EXPECT_EQ(ops[0].kind, Kind::EditDestination);
  EXPECT_EQ(ops[0].destination.weight, 3u);
  EXPECT_EQ(actualOf(ipvs)[0].destinations[0].weight, 3u);  // newest first: noeud2
}

TEST(Reconcile, SchedulerChangedIsOneServiceEdit) {
  FakeIpvs ipvs;
  auto vs = seedVirtualServer();
  sync(ipvs, desiredTable(std::span(&vs, 1)));
  vs.scheduler = "wlc";
  const auto ops = sync(ipvs, desiredTable(std::span(&vs, 1)));
  ASSERT_EQ(ops.size(), 1u);
  EXPECT_EQ(ops[0].kind, Kind::EditService);
  EXPECT_EQ(actualOf(ipvs)[0].service.scheduler, "wlc");
}

TEST(Reconcile, ServiceRemovedFromConfigGoesWithItsDestinations) {
  FakeIpvs ipvs;
  auto seed = seedVirtualServer();
  auto other = seedVirtualServer();
  other.port = 8080;
  const std::vector<config::VirtualServer> before{seed, other};
  const Table old = desiredTable(before);
  sync(ipvs, old);
  const Table now = desiredTable(std::span(&seed, 1));
  const auto ops = sync(ipvs, now, keysOf(old));
  ASSERT_EQ(ops.size(), 1u);
  EXPECT_EQ(ops[0], Operation::deleteService(ServiceKey::inet(kVip, 8080)));
  const Table after = actualOf(ipvs);
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0].service.key, kSeedKey);
  EXPECT_TRUE(ipvs.destinations(ServiceKey::inet(kVip, 8080))->empty());
}

TEST(Reconcile, ForeignServicesAndTheirDestinationsAreNeverTouched) {
  FakeIpvs ipvs;
  const Service foreign{ServiceKey::inet(*net::Ipv4Address::parse("10.0.0.1"), 53, Protocol::Udp), "wrr", 0, 0,
                        kDefaultNetmask};
  ASSERT_TRUE(ipvs.addService(foreign));
  ASSERT_TRUE(ipvs.addDestination(foreign.key, Destination{kNoeud1, 53, Forwarding::DirectRoute, 9, 0, 0, {}}));
  const auto vs = seedVirtualServer();
  const auto ops = sync(ipvs, desiredTable(std::span(&vs, 1)));
  for (const auto& op : ops) EXPECT_NE(op.service.key, foreign.key) << op.toString();
  EXPECT_EQ(ops.size(), 3u);
  // Even with an empty configuration.
  EXPECT_TRUE(reconcile({}, actualOf(ipvs), {kSeedKey}).size() == 1u);
  EXPECT_EQ(reconcile({}, actualOf(ipvs), {kSeedKey})[0], Operation::deleteService(kSeedKey));
}

TEST(Reconcile, DestinationAddedByHandToOurServiceIsRemovedFirst) {
  FakeIpvs ipvs;
  auto vs = seedVirtualServer();
  const Table desired = desiredTable(std::span(&vs, 1));
  sync(ipvs, desired);
  ASSERT_TRUE(ipvs.addDestination(kSeedKey, Destination{*net::Ipv4Address::parse("192.168.100.30"), 80,
                                                          Forwarding::Masq, 1, 0, 0, {}}));
  vs.realServers[0].weight = 2;
  const auto ops = reconcile(desiredTable(std::span(&vs, 1)), actualOf(ipvs));
  ASSERT_EQ(ops.size(), 2u);
  EXPECT_EQ(ops[0].kind, Kind::DeleteDestination);
  EXPECT_EQ(ops[1].kind, Kind::EditDestination);
}

TEST(Reconcile, HealthDownRemovesOrInhibits) {
  FakeIpvs ipvs;
  auto vs = seedVirtualServer();
  vs.realServers[1].inhibitOnFailure = true;
  sync(ipvs, desiredTable(std::span(&vs, 1)));
  const std::set<RealServerId> down{{kSeedKey, kNoeud1, 80}, {kSeedKey, kNoeud2, 80}};
  const auto ops = sync(ipvs, desiredTable(std::span(&vs, 1), down));
  ASSERT_EQ(ops.size(), 2u);
  EXPECT_EQ(ops[0], Operation::deleteDestination(kSeedKey, Destination{kNoeud1, 80, Forwarding::Masq, 1, 0, 0, {}}));
  EXPECT_EQ(ops[1].kind, Kind::EditDestination);
  EXPECT_EQ(ops[1].destination.weight, 0u);
  // Back up: both return, each with one operation.
  const auto back = sync(ipvs, desiredTable(std::span(&vs, 1)));
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[0].kind, Kind::AddDestination);
  EXPECT_EQ(back[1].kind, Kind::EditDestination);
  EXPECT_EQ(back[1].destination.weight, 1u);
}

TEST(Reconcile, TenThousandServicesTimesTen) {
  std::vector<config::VirtualServer> config;
  config.reserve(10000);
  for (std::uint32_t i = 0; i < 10000; ++i) {
    config::VirtualServer vs;
    vs.address = net::Ipv4Address::fromHostOrder(0x0a000000u + i);
    vs.port = 80;
    vs.scheduler = "wlc";
    for (std::uint32_t j = 0; j < 10; ++j) {
      vs.realServers.push_back(realServer(net::Ipv4Address::fromHostOrder(0xc0a80000u + j + 1)));
    }
    config.push_back(std::move(vs));
  }
  const auto t0 = std::chrono::steady_clock::now();
  const Table desired = desiredTable(config);
  const auto cold = reconcile(desired, {});
  const auto t1 = std::chrono::steady_clock::now();
  ASSERT_EQ(cold.size(), 110000u);
  EXPECT_EQ(cold[0].kind, Kind::AddService);
  EXPECT_EQ(cold[11].kind, Kind::AddService);

  FakeIpvs ipvs;
  applyAll(ipvs, cold);
  const Table actual = actualOf(ipvs);
  const auto t2 = std::chrono::steady_clock::now();
  EXPECT_TRUE(reconcile(desired, actual, keysOf(desired)).empty());
  const auto t3 = std::chrono::steady_clock::now();
  config[4242].realServers[3].weight = 5;
  const auto reload = reconcile(desiredTable(config), actual, keysOf(desired));
  const auto t4 = std::chrono::steady_clock::now();
  ASSERT_EQ(reload.size(), 1u);
  EXPECT_EQ(reload[0].kind, Kind::EditDestination);
  using ms = std::chrono::duration<double, std::milli>;
  std::printf("[ timing ] 10000x10: desired+cold reconcile %.1f ms, idempotent reconcile %.1f ms, "
              "one-change reload (desired+reconcile) %.1f ms\n",
              ms(t1 - t0).count(), ms(t3 - t2).count(), ms(t4 - t3).count());
}

}  // namespace
}  // namespace havip::ipvs
