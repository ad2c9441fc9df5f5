// Packets the kernel would hand us but VRRP must refuse: each is counted under
// its own reason, on the instance it was aimed at when its VRID can be read and
// is ours, else on the hub, and none of them moves the state machine.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "node_lab.h"

namespace havip::node::test {
namespace {

using vrrp::DropReason;
using vrrp::State;

std::size_t at(DropReason r) { return static_cast<std::size_t>(r); }

// An advert a third router could send for VI_1: priority 254, so that if any
// of the broken variants below were accepted the Master would give way.
vrrp::Advert intruderAdvert(std::uint8_t priority = 254) {
  vrrp::Advert a;
  a.vrid = 51;
  a.priority = priority;
  a.authType = vrrp::AuthType::SimpleText;
  a.authData = vrrp::authDataFromPassword("1111");
  a.advertIntervalSec = 1;
  a.addresses = {kVip.address};
  return a;
}

std::vector<std::uint8_t> packet(const vrrp::Advert& a) {
  return vrrp::encodePacket(a, ip("10.11.12.3"), 7);
}

struct BadPacket {
  std::string what;
  std::vector<std::uint8_t> bytes;
  DropReason reason;
  bool chargedToInstance;  // else to the hub, unattributed
};

std::vector<BadPacket> badPackets(std::uint8_t priority) {
  std::vector<BadPacket> out;
  const auto good = packet(intruderAdvert(priority));

  auto ttl64 = good;
  ttl64[8] = 64;  // routed here from another subnet
  out.push_back({"TTL 64", ttl64, DropReason::TtlNot255, true});

  auto badSum = good;
  badSum[20 + 6] ^= 0x5a;  // the VRRP checksum
  out.push_back({"bad checksum", badSum, DropReason::BadChecksum, true});

  auto wrongPassword = intruderAdvert(priority);
  wrongPassword.authData = vrrp::authDataFromPassword("2222");
  out.push_back({"wrong password", packet(wrongPassword), DropReason::PasswordMismatch, true});

  auto noAuth = intruderAdvert(priority);
  noAuth.authType = vrrp::AuthType::None;
  noAuth.authData = {};
  out.push_back({"no authentication", packet(noAuth), DropReason::AuthTypeMismatch, true});

  auto wrongInterval = intruderAdvert(priority);
  wrongInterval.advertIntervalSec = 2;
  out.push_back({"advert_int 2", packet(wrongInterval), DropReason::IntervalMismatch, true});

  auto otherVips = intruderAdvert(priority);
  otherVips.addresses = {ip("10.11.12.98")};
  out.push_back({"other VIPs", packet(otherVips), DropReason::AddressMismatch, true});

  out.push_back(
      {"truncated to 30 bytes", {good.begin(), good.begin() + 30}, DropReason::TooShort, true});

  auto wrongVrid = intruderAdvert(priority);
  wrongVrid.vrid = 52;
  const auto vrid52 = packet(wrongVrid);
  out.push_back({"VRID 52", vrid52, DropReason::VridMismatch, false});
  out.push_back(
      {"VRID 52 truncated", {vrid52.begin(), vrid52.begin() + 30}, DropReason::TooShort, false});
  out.push_back({"truncated before the VRID",
                 {good.begin(), good.begin() + 21},
                 DropReason::TooShort,
                 false});

  auto notIpv4 = good;
  notIpv4[0] = 0x60;
  out.push_back({"not IPv4", notIpv4, DropReason::BadIpHeader, false});
  return out;
}

struct Snapshot {
  State state;
  std::optional<vrrp::TimePoint> deadline;
  std::uint64_t advertsReceived;
  std::size_t transitions;
  bool vip;
};

Snapshot snapshot(Node& n) {
  return {n.state(), n.runner->router().nextDeadline(), n.runner->router().stats().advertsReceived,
          n.transitions.size(), n.hasVip()};
}

void expectUnchanged(const Snapshot& before, Node& n) {
  const auto after = snapshot(n);
  EXPECT_EQ(after.state, before.state);
  EXPECT_EQ(after.deadline, before.deadline);
  EXPECT_EQ(after.advertsReceived, before.advertsReceived);
  EXPECT_EQ(after.transitions, before.transitions);
  EXPECT_EQ(after.vip, before.vip);
}

// Injects each bad packet into `target` and checks exactly one counter moved.
void injectAll(Lab& lab, Node& target, std::uint8_t priority) {
  for (const auto& bad : badPackets(priority)) {
    SCOPED_TRACE(bad.what);
    const DropCounts instanceBefore = target.runner->drops();
    const DropCounts hubBefore = target.hub->unattributedDrops();
    const auto before = snapshot(target);

    target.transport->inject(bad.bytes);
    lab.settle();

    DropCounts instanceExpected = instanceBefore;
    DropCounts hubExpected = hubBefore;
    ++(bad.chargedToInstance ? instanceExpected : hubExpected)[at(bad.reason)];
    EXPECT_EQ(target.runner->drops(), instanceExpected);
    EXPECT_EQ(target.hub->unattributedDrops(), hubExpected);
    expectUnchanged(before, target);
  }
}

TEST(Drops, BadPacketsAtTheMasterAreCountedByReasonAndChangeNothing) {
  Lab lab;
  lab.startBoth();
  lab.runUntil(lab.t0 + masterDownFor(100) + 500ms);
  ASSERT_EQ(lab.a.state(), State::Master);
  const DropCounts peerDrops = lab.b.runner->drops();

  injectAll(lab, lab.a, 254);

  // All of them, and each reason once per packet built for it.
  std::uint64_t total = 0;
  for (auto n : lab.a.runner->drops()) total += n;
  for (auto n : lab.a.hub->unattributedDrops()) total += n;
  EXPECT_EQ(total, badPackets(254).size());
  EXPECT_EQ(lab.a.runner->drops()[at(DropReason::TooShort)], 1u);
  EXPECT_EQ(lab.a.hub->unattributedDrops()[at(DropReason::TooShort)], 2u);
  EXPECT_EQ(lab.a.hub->unattributedDrops()[at(DropReason::VridMismatch)], 1u);
  EXPECT_EQ(lab.a.runner->drops()[at(DropReason::VridMismatch)], 0u);
  // Injected at a only: b saw none of it.
  EXPECT_EQ(lab.b.runner->drops(), peerDrops);

  // The control: the same advert intact is obeyed, so the drops above were the filters' doing.
  lab.a.transport->inject(packet(intruderAdvert(254)));
  lab.settle();
  EXPECT_EQ(lab.a.state(), State::Backup);
  EXPECT_EQ(lab.a.transitions.back().reason,
            "higher priority advert from 10.11.12.3 (priority 254 > 100)");
  EXPECT_FALSE(lab.a.hasVip());
}

TEST(Drops, BadPriorityZeroPacketsAtTheBackupDoNotShortenItsTimer) {
  Lab lab;
  lab.startBoth();
  lab.runUntil(lab.t0 + masterDownFor(100) + 500ms);
  ASSERT_EQ(lab.b.state(), State::Backup);

  injectAll(lab, lab.b, 0);
  EXPECT_EQ(lab.b.runner->router().nextDeadline(), lab.t0 + masterDownFor(100) + masterDownFor(90));

  // The control: an intact priority-0 advert does pull b's timer in to Skew_Time.
  const auto now = lab.now();
  lab.b.transport->inject(packet(intruderAdvert(0)));
  lab.settle();
  EXPECT_EQ(lab.b.runner->router().nextDeadline(), now + skewFor(90));
}

TEST(Drops, OversizedAndWrongInterfacePacketsStopAtTheTransport) {
  Lab lab;
  lab.startBoth();
  auto big = packet(intruderAdvert());
  big.resize(netio::kMaxReceivedPacketSize + 1, 0);
  lab.a.transport->inject(big);
  lab.a.transport->inject(packet(intruderAdvert()), lab.a.eth0 + 1);
  const auto counters = lab.a.hub->transportCounters();
  EXPECT_EQ(counters.truncated, 1u);
  EXPECT_EQ(counters.wrongInterface, 1u);
  EXPECT_EQ(counters.received, 0u);
  EXPECT_EQ(lab.a.runner->drops(), DropCounts{});
  EXPECT_EQ(lab.a.hub->unattributedDrops(), DropCounts{});
  EXPECT_EQ(lab.a.runner->router().stats().advertsReceived, 0u);
}

}  // namespace
}  // namespace havip::node::test
