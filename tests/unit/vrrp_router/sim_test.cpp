// Several Routers on one simulated segment (sim_bus.h): elections, failures,
// partitions, admin commands. Every expected instant is derived from RFC 3768
// timers and the bus's own record of when adverts arrived.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "sim_bus.h"
#include "test_support.h"

namespace havip::vrrp {
namespace {

using namespace std::chrono_literals;
using sim::SimBus;
using test::seedConfig;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

const TimePoint t0 = TimePoint{} + 5000s;
constexpr Duration kWire = 100us;  // one-way delay on every link
// RFC 3768 Master_Down_Interval with advert_int 1.
constexpr Duration kMdi100 = 3'609'375us;
constexpr Duration kMdi90 = 3'648'437'500ns;
constexpr Duration kSkew90 = 648'437'500ns;
constexpr Duration kSkew80 = 687'500us;

class VrrpSim : public ::testing::Test {
 protected:
  VrrpSim() { bus.setDelayAll(kWire); }
  ~VrrpSim() override { EXPECT_THAT(bus.violations(), IsEmpty()); }

  // The seed's directors: 10.11.12.1 "state MASTER" priority 100, and
  // 10.11.12.2 "state BACKUP" priority 90.
  std::size_t seedMaster() {
    auto c = seedConfig(100, "10.11.12.1");
    c.initialMaster = true;
    return bus.add(c);
  }
  std::size_t seedBackup() { return bus.add(seedConfig(90, "10.11.12.2")); }

  // Seed pair started together at t0; the 100 is Master from t0 + MDI(100).
  void electSeedPair() {
    seedMaster();
    seedBackup();
    bus.start(0);
    bus.start(1);
    bus.runUntil(t0 + 10s);
    ASSERT_THAT(bus.masters(), ElementsAre(0u));
  }

  TimePoint firstDeliveryAfter(std::size_t from, std::size_t to, TimePoint after) const {
    for (const auto& d : bus.deliveries()) {
      if (d.from == from && d.to == to && d.at >= after) return d.at;
    }
    ADD_FAILURE() << "no delivery " << from << "->" << to;
    return after;
  }

  SimBus bus{t0};
};

TEST_F(VrrpSim, InitialElectionSeedPair) {
  seedMaster();
  seedBackup();
  bus.start(0);
  bus.start(1);
  bus.runUntil(t0 + 60s);
  EXPECT_THAT(bus.masters(), ElementsAre(0u));
  EXPECT_THAT(bus.vipHolders(), ElementsAre(0u));
  EXPECT_EQ(bus.firstEntry(0, State::Master, t0), t0 + kMdi100);
  // The backup heard the first advert 100 us later, well before its own
  // MDI(90): it never left BACKUP.
  ASSERT_EQ(bus.transitions(1).size(), 1u);
  EXPECT_EQ(bus.transitions(1)[0].to, State::Backup);
  EXPECT_EQ(bus.router(1).currentMaster(), test::ip("10.11.12.1"));
  // One advert a second, all from the master.
  for (const auto& w : bus.wire()) EXPECT_EQ(w.from, 0u);
  EXPECT_EQ(bus.wire().size(), 57u);  // at 3.609375 s, then every second up to 59.609375 s
  EXPECT_EQ(bus.garpBursts(0), 2u);   // at takeover and garp_master_delay 5 s later
}

TEST_F(VrrpSim, MasterLossTakeoverAfterExactlyMasterDownInterval) {
  electSeedPair();
  const TimePoint crashAt = t0 + 20s + 300ms;
  bus.runUntil(crashAt);
  bus.crash(0);
  bus.runUntil(t0 + 40s);
  const auto last = bus.lastDelivery(0, 1, crashAt);
  ASSERT_TRUE(last);
  EXPECT_EQ(last->at, t0 + kMdi100 + 16s + kWire);
  EXPECT_EQ(bus.firstEntry(1, State::Master, t0), last->at + kMdi90);
  EXPECT_EQ(bus.transitions(1).back().reason, "master down: no advert for 3.648 s");
  EXPECT_THAT(bus.masters(), ElementsAre(1u));
  EXPECT_THAT(bus.vipHolders(), ElementsAre(1u));
}

TEST_F(VrrpSim, GracefulResignBackupTakesOverAfterSkewTime) {
  electSeedPair();
  const TimePoint stopAt = t0 + 20s + 200ms;
  bus.runUntil(stopAt);
  bus.apply(0, bus.router(0).shutdown(bus.now()));
  bus.runUntil(t0 + 30s);
  EXPECT_EQ(bus.state(0), State::Init);
  EXPECT_FALSE(bus.vipsInstalled(0));
  EXPECT_EQ(bus.firstEntry(1, State::Master, t0), stopAt + kWire + kSkew90);
  EXPECT_THAT(bus.transitions(1).back().reason, HasSubstr("resigned"));
  EXPECT_THAT(bus.vipHolders(), ElementsAre(1u));
}

TEST_F(VrrpSim, HigherPriorityPreemptsARunningMaster) {
  seedMaster();
  seedBackup();
  bus.start(1);  // the 90 alone first
  bus.runUntil(t0 + 10s);
  ASSERT_THAT(bus.masters(), ElementsAre(1u));
  EXPECT_EQ(bus.firstEntry(1, State::Master, t0), t0 + kMdi90);
  bus.start(0);  // keepalived: state MASTER 100 waits a full MDI, discarding the 90's adverts
  bus.runUntil(t0 + 30s);
  EXPECT_EQ(bus.firstEntry(0, State::Master, t0), t0 + 10s + kMdi100);
  EXPECT_THAT(bus.transitions(0).back().reason, HasSubstr("preempting lower priority master 10.11.12.2"));
  EXPECT_EQ(bus.firstEntry(1, State::Backup, t0 + 10s), t0 + 10s + kMdi100 + kWire);
  EXPECT_THAT(bus.masters(), ElementsAre(0u));
  EXPECT_THAT(bus.vipHolders(), ElementsAre(0u));
}

TEST_F(VrrpSim, NopreemptLeavesTheLowerMasterInPlace) {
  auto c = seedConfig(100, "10.11.12.1");
  c.preempt = false;  // nopreempt needs initial state BACKUP
  bus.add(c);
  seedBackup();
  bus.start(1);
  bus.runUntil(t0 + 10s);
  bus.start(0);
  bus.runUntil(t0 + 120s);
  EXPECT_THAT(bus.masters(), ElementsAre(1u));
  EXPECT_FALSE(bus.firstEntry(0, State::Master, t0));
  // It still covers for a dead master.
  bus.crash(1);
  bus.runUntil(t0 + 130s);
  const auto last = bus.lastDelivery(1, 0, t0 + 120s);
  ASSERT_TRUE(last);
  EXPECT_EQ(bus.firstEntry(0, State::Master, t0), last->at + kMdi100);
}

TEST_F(VrrpSim, PreemptDelayPostponesPreemption) {
  auto c = seedConfig(100, "10.11.12.1");
  c.preemptDelay = 10s;
  bus.add(c);
  seedBackup();
  bus.start(1);
  bus.runUntil(t0 + 10s);
  bus.start(0);
  bus.runUntil(t0 + 60s);
  // The delay starts at the first advert heard; the adverts inside it still
  // reset the down timer; the one arriving as it ends (first + 10 s) is
  // discarded, so takeover comes MDI after the advert at first + 9 s.
  const TimePoint first = firstDeliveryAfter(1, 0, t0 + 10s);
  EXPECT_EQ(first, t0 + kMdi90 + 7s + kWire);
  EXPECT_EQ(bus.firstEntry(0, State::Master, t0), first + 9s + kMdi100);
  EXPECT_THAT(bus.masters(), ElementsAre(0u));
}

TEST_F(VrrpSim, EqualPriorityTieBrokenByHigherAddress) {
  bus.add(seedConfig(100, "10.0.0.1"));
  bus.add(seedConfig(100, "10.0.0.2"));
  bus.start(0);
  bus.start(1);
  bus.runUntil(t0 + 30s);
  // Same priority, same start: both time out at once, then the higher address
  // keeps it as soon as the adverts cross.
  EXPECT_EQ(bus.firstEntry(0, State::Master, t0), t0 + kMdi100);
  EXPECT_EQ(bus.firstEntry(1, State::Master, t0), t0 + kMdi100);
  EXPECT_EQ(bus.firstEntry(0, State::Backup, t0 + kMdi100), t0 + kMdi100 + kWire);
  EXPECT_THAT(bus.transitions(0).back().reason, HasSubstr("higher address 10.0.0.2"));
  EXPECT_THAT(bus.masters(), ElementsAre(1u));
  EXPECT_THAT(bus.vipHolders(), ElementsAre(1u));
}

TEST_F(VrrpSim, SplitBrainDuringPartitionHealsToOneMaster) {
  electSeedPair();
  bus.runUntil(t0 + 20s);
  bus.partition({{0}, {1}});
  bus.runUntil(t0 + 40s);
  EXPECT_THAT(bus.masters(), ElementsAre(0u, 1u));
  EXPECT_THAT(bus.vipHolders(), ElementsAre(0u, 1u));
  bus.heal();
  bus.runUntil(t0 + 45s);
  EXPECT_THAT(bus.masters(), ElementsAre(0u));
  EXPECT_THAT(bus.vipHolders(), ElementsAre(0u));
  // Healed at 40 s. Whichever advert crosses first ends it: here the 90's
  // (its schedule runs from its takeover at 23.258 s), which the 100 answers
  // at once, so the 90 steps down two wire delays after sending it.
  TimePoint first90 = t0 + 1000s;
  for (const auto& w : bus.wire()) {
    if (w.from == 1 && w.at >= t0 + 40s) {
      first90 = w.at;
      break;
    }
  }
  const TimePoint first100 = t0 + 40s + kMdi100 - 3s;  // the 100's schedule
  ASSERT_LT(first90, first100);
  EXPECT_EQ(bus.firstEntry(1, State::Backup, t0 + 40s), first90 + 2 * kWire);
}

TEST_F(VrrpSim, OwnerIsMasterAtOnceAndReclaimsOnReturn) {
  bus.add(seedConfig(255, "10.11.12.1"));
  bus.add(seedConfig(100, "10.11.12.2"));
  bus.start(0);
  bus.start(1);
  bus.runUntil(t0 + 10s + 500ms);
  EXPECT_EQ(bus.firstEntry(0, State::Master, t0), t0);
  EXPECT_FALSE(bus.firstEntry(1, State::Master, t0));
  bus.crash(0);
  bus.runUntil(t0 + 30s);
  const auto last = bus.lastDelivery(0, 1, t0 + 10s + 500ms);
  ASSERT_TRUE(last);
  EXPECT_EQ(bus.firstEntry(1, State::Master, t0), last->at + kMdi100);
  bus.restart(0);
  bus.runUntil(t0 + 40s);
  EXPECT_EQ(bus.firstEntry(0, State::Master, t0 + 30s), t0 + 30s);
  EXPECT_EQ(bus.firstEntry(1, State::Backup, t0 + 30s), t0 + 30s + kWire);
  EXPECT_THAT(bus.masters(), ElementsAre(0u));
  EXPECT_THAT(bus.vipHolders(), ElementsAre(0u));
}

TEST_F(VrrpSim, ThreeRouters) {
  bus.add(seedConfig(100, "10.11.12.1"));
  bus.add(seedConfig(90, "10.11.12.2"));
  bus.add(seedConfig(80, "10.11.12.3"));
  for (std::size_t i = 0; i < 3; ++i) bus.start(i);
  bus.runUntil(t0 + 10s + 300ms);
  EXPECT_THAT(bus.masters(), ElementsAre(0u));
  // The 100 dies: the 90 has the shorter skew and wins; the 80 hears it in time.
  bus.crash(0);
  bus.runUntil(t0 + 20s + 200ms);
  const auto last = bus.lastDelivery(0, 1, t0 + 10s + 300ms);
  ASSERT_TRUE(last);
  EXPECT_EQ(bus.firstEntry(1, State::Master, t0), last->at + kMdi90);
  EXPECT_FALSE(bus.firstEntry(2, State::Master, t0));
  EXPECT_THAT(bus.masters(), ElementsAre(1u));
  // The 90 resigns: the 80 takes over after its skew.
  bus.apply(1, bus.router(1).shutdown(bus.now()));
  bus.runUntil(t0 + 30s);
  EXPECT_EQ(bus.firstEntry(2, State::Master, t0), t0 + 20s + 200ms + kWire + kSkew80);
  EXPECT_THAT(bus.masters(), ElementsAre(2u));
  // The 100 comes back and preempts the 80; then a partition isolates the 80
  // (Master again on its own), and healing leaves the 100 alone.
  bus.restart(0);
  bus.runUntil(t0 + 40s);
  EXPECT_EQ(bus.firstEntry(0, State::Master, t0 + 30s), t0 + 30s + kMdi100);
  EXPECT_THAT(bus.masters(), ElementsAre(0u));
  bus.partition({{0, 1}, {2}});
  bus.runUntil(t0 + 50s);
  EXPECT_THAT(bus.masters(), ElementsAre(0u, 2u));
  bus.heal();
  bus.runUntil(t0 + 55s);
  EXPECT_THAT(bus.masters(), ElementsAre(0u));
  EXPECT_THAT(bus.vipHolders(), ElementsAre(0u));
}

TEST_F(VrrpSim, AdminHandOverTakeOverAndClear) {
  electSeedPair();
  // Hand-over: the 90 takes over after its skew; the 100 holds back.
  const TimePoint handAt = t0 + 10s + 200ms;
  bus.runUntil(handAt);
  bus.apply(0, bus.router(0).handOver(bus.now(), std::nullopt));
  bus.runUntil(t0 + 60s);
  EXPECT_EQ(bus.firstEntry(1, State::Master, t0), handAt + kWire + kSkew90);
  EXPECT_THAT(bus.masters(), ElementsAre(1u));
  EXPECT_EQ(bus.router(0).adminMode(), AdminMode::HandOver);
  // Clear: the 100 preempts MDI after the last advert it accepted.
  bus.apply(0, bus.router(0).clearAdmin(bus.now()));
  const auto accepted = bus.lastDelivery(1, 0, t0 + 60s);
  ASSERT_TRUE(accepted);
  bus.runUntil(t0 + 80s);
  EXPECT_EQ(bus.firstEntry(0, State::Master, t0 + 60s), accepted->at + kMdi100);
  EXPECT_THAT(bus.masters(), ElementsAre(0u));
  // Take-over by the 90: Master at once, advertising 254; the 100 yields on arrival.
  bus.apply(1, bus.router(1).takeOver(bus.now()));
  EXPECT_EQ(bus.wire().back().advert.priority, 254);
  bus.runUntil(t0 + 100s);
  EXPECT_EQ(bus.firstEntry(1, State::Master, t0 + 80s), t0 + 80s);
  EXPECT_EQ(bus.firstEntry(0, State::Backup, t0 + 80s), t0 + 80s + kWire);
  EXPECT_THAT(bus.masters(), ElementsAre(1u));
  // Clear the boost (between two adverts): the 90 advertises 90 again and the
  // 100 preempts.
  bus.runUntil(t0 + 100s + 500ms);
  bus.apply(1, bus.router(1).clearAdmin(bus.now()));
  const auto boosted = bus.lastDelivery(1, 0, bus.now());
  ASSERT_TRUE(boosted);
  EXPECT_EQ(boosted->priority, 254);
  bus.runUntil(t0 + 110s);
  EXPECT_EQ(bus.firstEntry(0, State::Master, t0 + 100s), boosted->at + kMdi100);
  EXPECT_THAT(bus.masters(), ElementsAre(0u));
}

TEST_F(VrrpSim, HandOverHoldYieldsToAvailability) {
  electSeedPair();
  bus.apply(0, bus.router(0).handOver(bus.now(), t0 + 1000s));
  bus.runUntil(t0 + 20s + 500ms);
  ASSERT_THAT(bus.masters(), ElementsAre(1u));
  bus.crash(1);
  bus.runUntil(t0 + 30s);
  const auto last = bus.lastDelivery(1, 0, t0 + 20s + 500ms);
  ASSERT_TRUE(last);
  EXPECT_EQ(bus.firstEntry(0, State::Master, t0 + 11s), last->at + kMdi100);
}

TEST_F(VrrpSim, HandOverHoldExpires) {
  electSeedPair();
  const TimePoint holdUntil = t0 + 30s;
  bus.apply(0, bus.router(0).handOver(bus.now(), holdUntil));
  bus.runUntil(t0 + 60s);
  // The first advert arriving at or after holdUntil is discarded.
  const auto accepted = bus.lastDelivery(1, 0, holdUntil - 1ns);
  ASSERT_TRUE(accepted);
  EXPECT_EQ(bus.firstEntry(0, State::Master, t0 + 11s), accepted->at + kMdi100);
  EXPECT_THAT(bus.masters(), ElementsAre(0u));
}

TEST_F(VrrpSim, EffectivePriorityChangesMoveMastership) {
  electSeedPair();
  // A failing track script drops the 100 to 80 (between two adverts).
  bus.runUntil(t0 + 10s + 300ms);
  bus.apply(0, bus.router(0).setEffectivePriority(80, bus.now()));
  bus.runUntil(t0 + 20s);
  // Its 80 adverts are discarded by the 90, which takes over MDI(90) after the
  // last 100 it accepted; the 80 yields when that advert lands.
  const auto last100 = bus.lastDelivery(0, 1, t0 + 10s + 300ms);
  ASSERT_TRUE(last100);
  const auto takeover = bus.firstEntry(1, State::Master, t0);
  ASSERT_TRUE(takeover);
  EXPECT_EQ(*takeover, last100->at + kMdi90);
  // The 90's advert arrives, or the 80's answer-advert provokes one: either way
  // the 80 is Backup within a wire delay.
  EXPECT_EQ(bus.firstEntry(0, State::Backup, t0 + 10s), *takeover + kWire);
  EXPECT_THAT(bus.masters(), ElementsAre(1u));
  // The script recovers: back to 100 as Backup; it preempts MDI(100) after the
  // last 90 it accepted as an 80.
  bus.apply(0, bus.router(0).setEffectivePriority(100, bus.now()));
  const auto accepted = bus.lastDelivery(1, 0, t0 + 20s);
  ASSERT_TRUE(accepted);
  bus.runUntil(t0 + 40s);
  EXPECT_EQ(bus.firstEntry(0, State::Master, t0 + 20s), accepted->at + kMdi100);
  EXPECT_THAT(bus.masters(), ElementsAre(0u));
}

TEST_F(VrrpSim, FaultAndRecovery) {
  electSeedPair();
  const TimePoint faultAt = t0 + 10s + 200ms;
  bus.runUntil(faultAt);
  bus.apply(0, bus.router(0).setFault(true, "interface eth0 down", bus.now()));
  EXPECT_EQ(bus.wire().back().advert.priority, 0);
  EXPECT_FALSE(bus.vipsInstalled(0));
  bus.runUntil(t0 + 20s);
  EXPECT_EQ(bus.firstEntry(1, State::Master, t0), faultAt + kWire + kSkew90);
  EXPECT_EQ(bus.state(0), State::Fault);
  // No advert from the faulted router after its priority 0.
  for (const auto& w : bus.wire()) {
    if (w.from == 0) {
      EXPECT_LE(w.at, faultAt);
    }
  }
  bus.apply(0, bus.router(0).setFault(false, "interface eth0 up", bus.now()));
  bus.runUntil(t0 + 30s);
  // Fresh down timer, the 90's adverts discarded: Master after exactly MDI.
  EXPECT_EQ(bus.firstEntry(0, State::Master, t0 + 20s), t0 + 20s + kMdi100);
  EXPECT_THAT(bus.masters(), ElementsAre(0u));
  EXPECT_THAT(bus.vipHolders(), ElementsAre(0u));
}

TEST_F(VrrpSim, LossOfTwoAdvertsIsToleratedThreeIsNot) {
  electSeedPair();
  bus.dropNext(0, 1, 2);
  bus.runUntil(t0 + 20s);
  EXPECT_THAT(bus.transitions(1), ::testing::SizeIs(1));  // never left BACKUP
  bus.dropNext(0, 1, 3);
  bus.runUntil(t0 + 30s);
  const auto last = bus.lastDelivery(0, 1, t0 + 23s);
  ASSERT_TRUE(last);
  EXPECT_EQ(last->at, t0 + kMdi100 + 16s + kWire);
  const auto masterAt = bus.firstEntry(1, State::Master, t0);
  ASSERT_TRUE(masterAt);
  EXPECT_EQ(*masterAt, last->at + kMdi90);
  // The real master answers the 90's advert at once (keepalived), so the
  // split lasts two wire delays, not until its next scheduled advert.
  EXPECT_EQ(bus.firstEntry(1, State::Backup, *masterAt), *masterAt + 2 * kWire);
  EXPECT_THAT(bus.masters(), ElementsAre(0u));
}

TEST_F(VrrpSim, RandomLossNeverLeavesVipsWithoutMastershipAndConverges) {
  bus.add(seedConfig(100, "10.11.12.1"));
  bus.add(seedConfig(90, "10.11.12.2"));
  bus.add(seedConfig(80, "10.11.12.3"));
  for (std::size_t from = 0; from < 3; ++from) {
    for (std::size_t to = 0; to < 3; ++to) {
      if (from != to) bus.setLoss(from, to, 0.4);
    }
  }
  for (std::size_t i = 0; i < 3; ++i) bus.start(i);
  std::size_t flaps = 0;
  while (bus.step(t0 + 600s)) {
    // The shell holds the VIPs exactly while the router is Master.
    ASSERT_EQ(bus.vipHolders(), bus.masters()) << "at " << (bus.now() - t0).count();
  }
  for (std::size_t i = 1; i < 3; ++i) {
    for (const auto& t : bus.transitions(i)) flaps += t.to == State::Master;
  }
  EXPECT_GT(flaps, 0u);  // 40 % loss does cause takeovers
  for (std::size_t from = 0; from < 3; ++from) {
    for (std::size_t to = 0; to < 3; ++to) {
      if (from != to) bus.setLoss(from, to, 0.0);
    }
  }
  bus.runUntil(t0 + 610s);
  EXPECT_THAT(bus.masters(), ElementsAre(0u));
  EXPECT_THAT(bus.vipHolders(), ElementsAre(0u));
}

TEST_F(VrrpSim, LongAndAsymmetricDelaysStillElectOneMaster) {
  seedMaster();
  seedBackup();
  bus.setDelay(0, 1, 900ms);
  bus.setDelay(1, 0, 5ms);
  bus.start(0);
  bus.start(1);
  bus.runUntil(t0 + 60s);
  EXPECT_THAT(bus.masters(), ElementsAre(0u));
  // 900 ms of delay exceeds the 39 ms between the two down timers, so the 90
  // times out once at startup before the first advert lands, then yields.
  std::size_t masterEntries = 0;
  for (const auto& t : bus.transitions(1)) masterEntries += t.to == State::Master;
  EXPECT_EQ(masterEntries, 1u);
  EXPECT_EQ(bus.firstEntry(1, State::Master, t0), t0 + kMdi90);
}

}  // namespace
}  // namespace havip::vrrp
