// GenlIpvs over a simulated kernel (kernel_sim.h): batching, ACK matching,
// dumps split over datagrams, errors; and open() on this machine's kernel.
#include "ipvs/genl_ipvs.h"

#include <gtest/gtest.h>

#include "ipvs/reconcile.h"
#include "kernel_sim.h"

namespace havip::ipvs {
namespace {

constexpr std::uint16_t kFamily = 0x1c;
const net::Ipv4Address kVip = *net::Ipv4Address::parse("10.11.12.99");
const ServiceKey kKey = ServiceKey::inet(kVip, 80);

struct Rig {
  explicit Rig(GenlOptions options = {}, std::size_t perDatagram = 50) {
    auto sim = std::make_unique<test::SimulatedKernel>(table, kFamily, perDatagram);
    kernel = sim.get();
    ipvs = std::make_unique<GenlIpvs>(std::move(sim), kFamily, options);
  }
  FakeIpvs table;
  test::SimulatedKernel* kernel = nullptr;
  std::unique_ptr<GenlIpvs> ipvs;
};

Destination dest(std::uint32_t i) {
  return {net::Ipv4Address::fromHostOrder(0xc0a86400u + i), 80, Forwarding::Masq, 1, 0, 0, {}};
}

TEST(GenlIpvs, InfoServicesAndDestinationsThroughTheWire) {
  Rig rig;
  auto info = rig.ipvs->info();
  ASSERT_TRUE(info) << info.error().message();
  EXPECT_EQ(info->versionString(), "1.2.1");
  ASSERT_TRUE(rig.ipvs->addService(Service{kKey, "rr", 0, 0, kDefaultNetmask}));
  for (std::uint32_t i = 1; i <= 120; ++i) ASSERT_TRUE(rig.ipvs->addDestination(kKey, dest(i)));
  auto services = rig.ipvs->services();
  ASSERT_TRUE(services);
  ASSERT_EQ(services->size(), 1u);
  EXPECT_EQ((*services)[0].scheduler, "rr");
  auto dests = rig.ipvs->destinations(kKey);  // 120 entries over 3 datagrams
  ASSERT_TRUE(dests);
  EXPECT_EQ(dests->size(), 120u);
  auto none = rig.ipvs->destinations(ServiceKey::mark(9));
  ASSERT_TRUE(none);
  EXPECT_TRUE(none->empty());
}

TEST(GenlIpvs, ApplyBatchesAndReportsEachError) {
  GenlOptions options;
  options.batchMessages = 100;
  Rig rig(options);
  std::vector<Operation> ops{Operation::addService(Service{kKey, "rr", 0, 0, kDefaultNetmask})};
  for (std::uint32_t i = 1; i <= 249; ++i) ops.push_back(Operation::addDestination(kKey, dest(i)));
  ops.push_back(Operation::addDestination(kKey, dest(7)));                    // EEXIST
  ops.push_back(Operation::editDestination(ServiceKey::mark(3), dest(1)));    // ESRCH
  Service tooLong{kKey, "a-scheduler-name-too-long", 0, 0, kDefaultNetmask};
  ops.push_back(Operation::editService(tooLong));                             // EINVAL, never sent
  auto results = rig.ipvs->apply(ops);
  ASSERT_TRUE(results) << results.error().message();
  ASSERT_EQ(results->size(), ops.size());
  for (std::size_t i = 0; i < 250; ++i) EXPECT_FALSE((*results)[i]) << i;
  EXPECT_EQ((*results)[250], std::errc::file_exists);
  EXPECT_EQ((*results)[251], std::errc::no_such_process);
  EXPECT_EQ((*results)[252], std::errc::invalid_argument);
  EXPECT_EQ(rig.kernel->requests, 252u);
  EXPECT_EQ(rig.kernel->sendCalls, 3u) << "252 requests, at most 100 per sendmsg";
  EXPECT_EQ(rig.ipvs->counters().messagesSent, 252u);
  EXPECT_EQ(rig.table.destinations(kKey)->size(), 249u);
}

TEST(GenlIpvs, BatchesAlsoBoundedByBytes) {
  GenlOptions options;
  options.batchBytes = 1000;  // 200-byte destination requests: 5 a batch
  Rig rig(options);
  ASSERT_TRUE(rig.ipvs->addService(Service{kKey, "rr", 0, 0, kDefaultNetmask}));
  std::vector<Operation> ops;
  for (std::uint32_t i = 1; i <= 12; ++i) ops.push_back(Operation::addDestination(kKey, dest(i)));
  auto results = rig.ipvs->apply(ops);
  ASSERT_TRUE(results);
  EXPECT_EQ(rig.kernel->sendCalls, 1u + 3u);
  EXPECT_EQ(rig.table.destinations(kKey)->size(), 12u);
}

TEST(GenlIpvs, ColdStartOfTheSeedThenReconcileIsEmpty) {
  Rig rig;
  const Table desired{{Service{kKey, "rr", 0, 0, kDefaultNetmask}, {dest(10), dest(20)}}};
  auto actual = readTable(*rig.ipvs, nullptr);
  ASSERT_TRUE(actual);
  auto ops = reconcile(desired, *actual);
  ASSERT_EQ(ops.size(), 3u);
  auto results = rig.ipvs->apply(ops);
  ASSERT_TRUE(results);
  EXPECT_EQ(rig.ipvs->counters().sendCalls, 2u) << "one dump request + one batch";
  auto again = readTable(*rig.ipvs, nullptr);
  ASSERT_TRUE(again);
  EXPECT_TRUE(reconcile(desired, *again).empty());
}

TEST(GenlIpvs, KernelErrorsAndSilenceAndGarbage) {
  Rig rig;
  EXPECT_EQ(rig.ipvs->deleteService(kKey).error(), std::errc::no_such_process);
  rig.kernel->dropReplies = true;
  EXPECT_EQ(rig.ipvs->services().error(), std::errc::timed_out);
  EXPECT_EQ(rig.ipvs->addService(Service{kKey, "rr", 0, 0, kDefaultNetmask}).error(), std::errc::timed_out);
  rig.kernel->dropReplies = false;
  rig.kernel->garbleReplies = true;
  auto garbled = rig.ipvs->info();
  ASSERT_FALSE(garbled);
  EXPECT_EQ(garbled.error(), IpvsError::BadReply);
}

// This machine's kernel: with IPVS, open() and info() must work; without it
// (as on the build host), open() must say so clearly instead of failing oddly.
TEST(GenlIpvsOnThisKernel, OpenEitherWorksOrSaysIpvsIsMissing) {
  auto opened = GenlIpvs::open();
  if (opened) {
    auto info = (*opened)->info();
    ASSERT_TRUE(info) << info.error().message();
    EXPECT_GE(info->version, 0x010200u);
    std::printf("[ kernel ] IPVS %s, table size %u\n", info->versionString().c_str(), info->connectionTableSize);
  } else {
    EXPECT_EQ(opened.error(), IpvsError::FamilyNotFound) << opened.error().message();
    EXPECT_EQ(opened.error(), std::errc::protocol_not_supported);
    std::printf("[ kernel ] %s\n", opened.error().message().c_str());
  }
}

}  // namespace
}  // namespace havip::ipvs
