// Two directors of the seed lab elect, hand over on stop() and survive the
// loss of the master, with every kernel effect read back from the fakes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cerrno>
#include <system_error>

#include "netio/arp_frame.h"
#include "node_lab.h"

namespace havip::node::test {
namespace {

using ::testing::HasSubstr;
using vrrp::State;

constexpr auto kTick = std::chrono::nanoseconds(1);

// Runs the lab until a is elected; returns the instant it became Master.
vrrp::TimePoint electA(Lab& lab) {
  lab.startBoth();
  lab.runUntil(lab.t0 + masterDownFor(100));
  EXPECT_EQ(lab.a.state(), State::Master);
  EXPECT_EQ(lab.b.state(), State::Backup);
  return lab.t0 + masterDownFor(100);
}

TEST(Election, BothStartAsBackupAndNothingIsSentBeforeTheFirstMasterDownInterval) {
  Lab lab;
  lab.startBoth();
  EXPECT_EQ(lab.a.state(), State::Backup);
  EXPECT_EQ(lab.b.state(), State::Backup);
  ASSERT_FALSE(lab.a.transitions.empty());
  EXPECT_EQ(lab.a.transitions.back().from, State::Init);
  EXPECT_THAT(lab.a.transitions.back().reason, HasSubstr("waiting 3.609 s"));

  lab.runUntil(lab.t0 + masterDownFor(100) - kTick);
  EXPECT_EQ(lab.a.state(), State::Backup);
  EXPECT_EQ(lab.b.state(), State::Backup);
  EXPECT_TRUE(lab.segment.sent().empty());
  EXPECT_FALSE(lab.a.hasVip());
  EXPECT_FALSE(lab.b.hasVip());
  EXPECT_TRUE(lab.a.announcer.sent().empty());
}

TEST(Election, Priority100BecomesMasterAtItsMasterDownIntervalAndHoldsTheVip) {
  Lab lab;
  const auto takeover = electA(lab);
  EXPECT_EQ(takeover - lab.t0, std::chrono::nanoseconds(3'609'375'000));

  const auto& last = lab.a.transitions.back();
  EXPECT_EQ(last.from, State::Backup);
  EXPECT_EQ(last.to, State::Master);
  EXPECT_EQ(last.at, takeover);
  EXPECT_EQ(last.reason, "master down: no advert for 3.609 s");

  EXPECT_TRUE(lab.a.hasVip());
  EXPECT_TRUE(lab.a.runner->installed(0));
  EXPECT_FALSE(lab.b.hasVip());
  EXPECT_FALSE(lab.b.runner->installed(0));
  // The VIP went where the binding said: eth0, /32, with the interface's own label.
  auto addresses = lab.a.kernel.list(lab.a.eth0);
  ASSERT_TRUE(addresses.has_value());
  ASSERT_EQ(addresses->size(), 2u);
  EXPECT_EQ(addresses->at(1).prefix, kVip);
  EXPECT_EQ(addresses->at(1).label, "eth0");
  // The 10.11.12.1/24 primary is untouched.
  EXPECT_TRUE(lab.a.hasAddress(prefix("10.11.12.1/24")));

  // b heard a at the same instant and now waits its own interval from there.
  EXPECT_EQ(lab.b.runner->router().currentMaster(), ip("10.11.12.1"));
  EXPECT_EQ(lab.b.runner->router().nextDeadline(), takeover + masterDownFor(90));
}

TEST(Election, MasterSendsGarpMasterRepeatArpsAtOnceAndAgainGarpMasterDelayLater) {
  Lab lab;
  const auto takeover = electA(lab);

  const auto& garps = lab.a.announcer.sent();
  ASSERT_EQ(garps.size(), 5u);
  for (const auto& g : garps) {
    EXPECT_EQ(g.vip, kVip.address);
    EXPECT_EQ(g.ifindex, lab.a.eth0);
    EXPECT_EQ(g.mac, lab.a.mac);
    EXPECT_EQ(g.frame, netio::buildGratuitousArp(lab.a.mac, kVip.address));
  }
  EXPECT_TRUE(lab.b.announcer.sent().empty());

  lab.runUntil(takeover + 5s - kTick);
  EXPECT_EQ(lab.a.announcer.sent().size(), 5u);
  lab.runUntil(takeover + 5s);
  EXPECT_EQ(lab.a.announcer.sent().size(), 10u);
  for (const auto& g : lab.a.announcer.sent()) EXPECT_EQ(g.vip, kVip.address);

  // Two bursts only: nothing more while it stays Master.
  lab.runUntil(takeover + 60s);
  EXPECT_EQ(lab.a.announcer.sent().size(), 10u);
  EXPECT_TRUE(lab.b.announcer.sent().empty());
}

TEST(Election, AdvertsOnTheWireDecodeToVrid51Priority100WithIdsCountingUp) {
  Lab lab;
  const auto takeover = electA(lab);
  lab.runUntil(takeover + 10s);

  const auto adverts = decodeAll(lab.segment);
  ASSERT_EQ(adverts.size(), 11u);  // at the takeover, then one a second
  std::uint16_t expectedId = 1;
  for (const auto& packet : adverts) {
    const auto& r = packet.received;
    EXPECT_EQ(r.source, ip("10.11.12.1"));
    EXPECT_EQ(r.destination, net::kVrrpGroup);
    EXPECT_EQ(r.ttl, 255);
    EXPECT_EQ(r.advert.vrid, 51);
    EXPECT_EQ(r.advert.priority, 100);
    EXPECT_EQ(r.advert.advertIntervalSec, 1);
    EXPECT_EQ(r.advert.authType, vrrp::AuthType::SimpleText);
    EXPECT_EQ(r.advert.authData, (vrrp::AuthData{'1', '1', '1', '1', 0, 0, 0, 0}));
    EXPECT_EQ(r.advert.addresses, std::vector<net::Ipv4Address>{kVip.address});
    EXPECT_EQ(packet.ipId, expectedId++);
  }
  // Exactly one a second: the 12th is due at takeover + 11 s, not earlier.
  lab.runUntil(takeover + 11s - kTick);
  EXPECT_EQ(decodeAll(lab.segment).size(), 11u);
  lab.runUntil(takeover + 11s);
  EXPECT_EQ(decodeAll(lab.segment).size(), 12u);

  // b took every one of them and dropped none.
  EXPECT_EQ(lab.b.runner->router().stats().advertsReceived, 12u);
  for (auto n : lab.b.runner->drops()) EXPECT_EQ(n, 0u);
  for (auto n : lab.b.hub->unattributedDrops()) EXPECT_EQ(n, 0u);
  EXPECT_EQ(lab.b.hub->transportCounters().received, 12u);
  EXPECT_EQ(lab.a.hub->transportCounters().sent, 12u);
  EXPECT_EQ(lab.b.state(), State::Backup);
}

TEST(Election, StopSendsPriorityZeroRemovesTheVipAndTheBackupTakesOverAfterSkewTime) {
  Lab lab;
  const auto takeover = electA(lab);
  lab.runUntil(takeover + 2500ms);
  lab.segment.clearSent();
  lab.a.announcer.clearSent();

  const auto stopAt = lab.now();
  lab.a.runner->stop();
  const auto wire = decodeAll(lab.segment);
  ASSERT_EQ(wire.size(), 1u);
  EXPECT_EQ(wire[0].received.source, ip("10.11.12.1"));
  EXPECT_EQ(wire[0].received.advert.priority, 0);
  EXPECT_EQ(wire[0].received.advert.vrid, 51);
  EXPECT_FALSE(lab.a.hasVip());
  EXPECT_FALSE(lab.a.runner->installed(0));
  EXPECT_EQ(lab.a.state(), State::Init);
  EXPECT_EQ(lab.a.transitions.back().reason, "shutdown");

  lab.runUntil(stopAt + skewFor(90) - kTick);
  EXPECT_EQ(lab.b.state(), State::Backup);
  EXPECT_FALSE(lab.b.hasVip());
  lab.runUntil(stopAt + skewFor(90));
  EXPECT_EQ(skewFor(90), std::chrono::nanoseconds(648'437'500));
  EXPECT_EQ(lab.b.state(), State::Master);
  EXPECT_EQ(lab.b.transitions.back().at, stopAt + skewFor(90));
  EXPECT_THAT(lab.b.transitions.back().reason, HasSubstr("10.11.12.1 resigned"));
  EXPECT_TRUE(lab.b.hasVip());
  EXPECT_EQ(lab.b.announcer.sent().size(), 5u);

  // The stopped node stays quiet and holds nothing.
  lab.runFor(30s);
  EXPECT_TRUE(decodeAll(lab.segment, ip("10.11.12.1")).size() == 1u);
  EXPECT_FALSE(lab.a.hasVip());
  EXPECT_TRUE(lab.a.announcer.sent().empty());
  EXPECT_EQ(lab.b.state(), State::Master);
}

TEST(Election, MasterWhoseAdvertsStopBeingHeardIsReplacedAtMasterDownInterval) {
  Lab lab;
  const auto takeover = electA(lab);
  lab.runUntil(takeover + 2500ms);  // last advert heard: takeover + 2 s
  const auto lastAdvert = takeover + 2s;
  lab.a.transport->failSendsWith(std::make_error_code(std::errc::network_down));

  lab.runUntil(lastAdvert + masterDownFor(90) - kTick);
  EXPECT_EQ(lab.b.state(), State::Backup);
  lab.runUntil(lastAdvert + masterDownFor(90));
  EXPECT_EQ(lab.b.state(), State::Master);
  EXPECT_EQ(lab.b.transitions.back().at, lastAdvert + masterDownFor(90));
  EXPECT_EQ(lab.b.transitions.back().reason, "master down: no advert for 3.648 s");
  EXPECT_TRUE(lab.b.hasVip());
  // a failed to send but carried on: its errors were counted, not fatal.
  EXPECT_GT(lab.a.hub->transportCounters().sendErrors, 0u);
  EXPECT_EQ(lab.a.state(), State::Master);
}

TEST(Election, MasterThatCrashesIsReplacedAtMasterDownIntervalAfterItsLastAdvert) {
  Lab lab;
  const auto takeover = electA(lab);
  lab.runUntil(takeover + 2500ms);
  const auto lastAdvert = takeover + 2s;
  lab.a.crash();
  EXPECT_TRUE(lab.a.hasVip());  // kill -9 leaves the address behind

  lab.runUntil(lastAdvert + masterDownFor(90) - kTick);
  EXPECT_EQ(lab.b.state(), State::Backup);
  lab.runUntil(lastAdvert + masterDownFor(90));
  EXPECT_EQ(lab.b.state(), State::Master);
  EXPECT_TRUE(lab.b.hasVip());
  // b's adverts now reach a hub with no instance for VRID 51.
  lab.runFor(3s);
  EXPECT_GT(
      lab.a.hub->unattributedDrops()[static_cast<std::size_t>(vrrp::DropReason::VridMismatch)], 0u);
}

TEST(Election, RestartAfterACrashClearsTheStaleVipAndPreemptsTheLowerPriorityMaster) {
  Lab lab;
  const auto takeover = electA(lab);
  lab.runUntil(takeover + 2500ms);
  lab.a.crash();
  lab.runUntil(takeover + 2s + masterDownFor(90));
  ASSERT_EQ(lab.b.state(), State::Master);
  ASSERT_TRUE(lab.a.hasVip());

  lab.runFor(300ms);
  const auto restartAt = lab.now();
  lab.a.rebuild(seedInstance(100), lab.clock, lab.clock);
  lab.a.runner->start();
  EXPECT_FALSE(lab.a.hasVip());  // a Backup must not answer for the VIP
  EXPECT_EQ(lab.a.state(), State::Backup);

  // b's priority-90 adverts do not hold a (100) back: it preempts after its own interval.
  lab.runUntil(restartAt + masterDownFor(100) - kTick);
  EXPECT_EQ(lab.a.state(), State::Backup);
  lab.runUntil(restartAt + masterDownFor(100));
  EXPECT_EQ(lab.a.state(), State::Master);
  EXPECT_THAT(lab.a.transitions.back().reason,
              HasSubstr("preempting lower priority master 10.11.12.2"));
  EXPECT_EQ(lab.b.state(), State::Backup);
  EXPECT_THAT(lab.b.transitions.back().reason, HasSubstr("higher priority advert from 10.11.12.1"));
  EXPECT_TRUE(lab.a.hasVip());
  EXPECT_FALSE(lab.b.hasVip());
}

}  // namespace
}  // namespace havip::node::test
