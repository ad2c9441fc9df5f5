// InterfaceHub with more than one instance on an interface: dispatch by VRID,
// drops charged to the instance they were aimed at, one IP identification
// sequence per interface, and a transport swapped underneath.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "node_lab.h"

namespace havip::node::test {
namespace {

using vrrp::DropReason;
using vrrp::State;

std::size_t at(DropReason r) { return static_cast<std::size_t>(r); }

config::VrrpInstance secondInstance(std::uint8_t priority) {
  auto vi = seedInstance(priority);
  vi.name = "VI_2";
  vi.virtualRouterId = 52;
  vi.virtualIps.front().prefix = prefix("10.11.12.98/32");
  return vi;
}

// VI_2 on one node's hub, kernel and announcer, beside its VI_1.
std::unique_ptr<InstanceRunner> addSecond(Node& n, std::uint8_t priority, Lab& lab) {
  const auto settings = secondInstance(priority);
  auto vips = bindVips(settings, n.kernel);
  EXPECT_TRUE(vips.has_value());
  return std::make_unique<InstanceRunner>(
      routerConfigFor(settings, n.primary), std::move(*vips), *n.hub,
      RunnerServices{n.kernel, n.announcer, lab.clock, lab.clock, {}});
}

vrrp::Advert advertFor(std::uint8_t vrid, const char* vip, std::uint8_t priority) {
  vrrp::Advert a;
  a.vrid = vrid;
  a.priority = priority;
  a.authType = vrrp::AuthType::SimpleText;
  a.authData = vrrp::authDataFromPassword("1111");
  a.addresses = {ip(vip)};
  return a;
}

TEST(Hub, TwoInstancesOnOneInterfaceEachGetTheirOwnVridAndShareTheIpIds) {
  Lab lab;
  auto a2 = addSecond(lab.a, 80, lab);  // b is Master for VI_2
  auto b2 = addSecond(lab.b, 120, lab);
  lab.startBoth();
  a2->start();
  b2->start();
  lab.runFor(10s);

  EXPECT_EQ(lab.a.state(), State::Master);
  EXPECT_EQ(lab.b.state(), State::Backup);
  EXPECT_EQ(a2->router().state(), State::Backup);
  EXPECT_EQ(b2->router().state(), State::Master);
  EXPECT_TRUE(lab.a.hasVip());
  EXPECT_FALSE(lab.a.hasAddress(prefix("10.11.12.98/32")));
  EXPECT_TRUE(lab.b.hasAddress(prefix("10.11.12.98/32")));
  EXPECT_FALSE(lab.b.hasVip());
  EXPECT_EQ(a2->router().currentMaster(), ip("10.11.12.2"));
  for (auto n : lab.a.runner->drops()) EXPECT_EQ(n, 0u);
  for (auto n : a2->drops()) EXPECT_EQ(n, 0u);

  // b sends for both instances through one hub: one identification sequence.
  std::uint16_t expected = 1;
  bool sawVrid51 = false;
  for (const auto& p : decodeAll(lab.segment, lab.b.primary)) {
    EXPECT_EQ(p.ipId, expected++);
    sawVrid51 |= p.received.advert.vrid == 51;
  }
  EXPECT_FALSE(sawVrid51);  // b is Backup for VI_1: it sends only VI_2's adverts
}

TEST(Hub, ADropIsChargedToTheInstanceWhoseVridItCarries) {
  Lab lab;
  auto a2 = addSecond(lab.a, 80, lab);
  lab.startBoth();
  a2->start();

  auto ttl64 = vrrp::encodePacket(advertFor(52, "10.11.12.98", 200), ip("10.11.12.3"), 1);
  ttl64[8] = 64;
  lab.a.transport->inject(ttl64);
  auto wrongPassword = advertFor(51, "10.11.12.99", 200);
  wrongPassword.authData = vrrp::authDataFromPassword("x");
  lab.a.transport->inject(vrrp::encodePacket(wrongPassword, ip("10.11.12.3"), 2));

  EXPECT_EQ(a2->drops()[at(DropReason::TtlNot255)], 1u);
  EXPECT_EQ(lab.a.runner->drops()[at(DropReason::TtlNot255)], 0u);
  EXPECT_EQ(lab.a.runner->drops()[at(DropReason::PasswordMismatch)], 1u);
  EXPECT_EQ(a2->drops()[at(DropReason::PasswordMismatch)], 0u);
  EXPECT_EQ(lab.a.hub->unattributedDrops(), DropCounts{});

  // Once VI_2 is gone its VRID is unknown here: drops fall to the hub.
  a2.reset();
  lab.a.transport->inject(ttl64);
  EXPECT_EQ(lab.a.hub->unattributedDrops()[at(DropReason::TtlNot255)], 1u);
  EXPECT_EQ(lab.a.runner->drops()[at(DropReason::TtlNot255)], 0u);
}

TEST(Hub, AnAddressOwnerIsMasterAtStartAndRefusesOthersAdvertsForItsVrid) {
  Lab lab(seedInstance(255), seedInstance(90));
  lab.startBoth();
  EXPECT_EQ(lab.a.state(), State::Master);
  EXPECT_EQ(lab.a.transitions.back().at, lab.t0);
  EXPECT_TRUE(lab.a.hasVip());
  EXPECT_EQ(lab.a.announcer.sent().size(), 5u);
  EXPECT_EQ(lab.b.state(), State::Backup);

  lab.a.transport->inject(
      vrrp::encodePacket(advertFor(51, "10.11.12.99", 254), ip("10.11.12.3"), 1));
  EXPECT_EQ(lab.a.runner->drops()[at(DropReason::OwnerConflict)], 1u);
  EXPECT_EQ(lab.a.state(), State::Master);
  lab.runFor(10s);
  EXPECT_EQ(lab.b.state(), State::Backup);
  EXPECT_EQ(decodeAll(lab.segment, lab.a.primary).back().received.advert.priority, 255);
}

TEST(Hub, RebindMovesReceptionAndSendingToTheNewTransport) {
  Lab lab;
  lab.startBoth();
  lab.runFor(masterDownFor(100));
  ASSERT_EQ(lab.a.state(), State::Master);

  // eth0 came back as a new socket with another primary address.
  netio::FakeSegment other;
  auto fresh = other.attach(lab.a.eth0, "eth0");
  auto* freshRaw = fresh.get();
  lab.a.hub->rebind({"eth0", lab.a.eth0, lab.a.mac, ip("10.11.12.11")}, std::move(fresh));
  lab.a.transport = freshRaw;
  EXPECT_EQ(lab.a.hub->identity().primary, ip("10.11.12.11"));

  lab.runFor(1s);
  ASSERT_FALSE(other.sent().empty());
  auto decoded = vrrp::decodePacket(other.sent().back().bytes);
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(decoded->source, ip("10.11.12.11"));
  // A packet arriving on the new transport reaches the instance.
  auto bad = vrrp::encodePacket(advertFor(51, "10.11.12.99", 200), ip("10.11.12.3"), 1);
  bad[8] = 1;
  freshRaw->inject(bad);
  EXPECT_EQ(lab.a.runner->drops()[at(DropReason::TtlNot255)], 1u);
}

}  // namespace
}  // namespace havip::node::test
