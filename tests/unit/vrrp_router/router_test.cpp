// One Router driven by hand: RFC 3768 section 6 timers and every transition of
// 6.3/6.4, plus keepalived's meanings (see router.h).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "test_support.h"

namespace havip::vrrp {
namespace {

using namespace std::chrono_literals;
using test::advertFrom;
using test::describe;
using test::ip;
using test::seedConfig;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

const TimePoint t0 = TimePoint{} + 1000s;

// ---- RFC 3768 6.1 timers ----

struct TimerCase {
  std::uint8_t priority;
  int advertIntervalSec;
  std::chrono::nanoseconds skew;
  std::chrono::nanoseconds masterDown;
};

class RouterTimers : public ::testing::TestWithParam<TimerCase> {};

TEST_P(RouterTimers, SkewAndMasterDownIntervalAreExact) {
  const auto& tc = GetParam();
  auto c = seedConfig(tc.priority, "10.11.12.2");
  c.advertInterval = std::chrono::seconds(tc.advertIntervalSec);
  Router r(c);
  EXPECT_EQ(r.skewTime(), tc.skew);
  EXPECT_EQ(r.masterDownInterval(), tc.masterDown);
  // And the Backup really arms its timer with it.
  r.start(t0);
  ASSERT_TRUE(r.nextDeadline());
  if (tc.priority == kOwnerPriority) {
    EXPECT_EQ(*r.nextDeadline(), t0 + std::chrono::seconds(tc.advertIntervalSec));
  } else {
    EXPECT_EQ(*r.nextDeadline(), t0 + tc.masterDown);
  }
}

// Skew = (256 - p)/256 s; e.g. 100 -> 156/256 s = 609.375 ms.
INSTANTIATE_TEST_SUITE_P(
    Rfc3768, RouterTimers,
    ::testing::Values(TimerCase{100, 1, 609'375'000ns, 3'609'375'000ns},
                      TimerCase{100, 3, 609'375'000ns, 9'609'375'000ns},
                      TimerCase{90, 1, 648'437'500ns, 3'648'437'500ns},
                      TimerCase{90, 3, 648'437'500ns, 9'648'437'500ns},
                      TimerCase{254, 1, 7'812'500ns, 3'007'812'500ns},
                      TimerCase{254, 3, 7'812'500ns, 9'007'812'500ns},
                      TimerCase{1, 1, 996'093'750ns, 3'996'093'750ns},
                      TimerCase{1, 3, 996'093'750ns, 9'996'093'750ns},
                      TimerCase{255, 1, 3'906'250ns, 3'003'906'250ns}));

TEST(RouterNames, StateNames) {
  EXPECT_EQ(toString(State::Init), "INIT");
  EXPECT_EQ(toString(State::Backup), "BACKUP");
  EXPECT_EQ(toString(State::Master), "MASTER");
  EXPECT_EQ(toString(State::Fault), "FAULT");
}

// ---- 6.4.1 Initialize ----

TEST(RouterInit, NonOwnerGoesBackupWithMasterDownTimer) {
  Router r(seedConfig(90, "10.11.12.2"));
  EXPECT_EQ(r.state(), State::Init);
  EXPECT_FALSE(r.nextDeadline());
  auto acts = r.start(t0);
  EXPECT_THAT(describe(acts, t0), ElementsAre("StateChanged(INIT->BACKUP)", "Arm(+3648437us)"));
  EXPECT_EQ(r.state(), State::Backup);
  EXPECT_EQ(r.nextDeadline(), t0 + 3'648'437'500ns);
  EXPECT_THAT(test::the<StateChanged>(acts).reason, HasSubstr("3.648 s"));
  EXPECT_FALSE(r.currentMaster());
  // start() is for Init only.
  EXPECT_THAT(r.start(t0 + 1s), IsEmpty());
}

TEST(RouterInit, OwnerBecomesMasterAtOnce) {
  auto c = seedConfig(255, "10.11.12.1");
  c.initialMaster = false;  // keepalived treats an owner as state MASTER anyway
  c.preempt = false;        // and refuses nopreempt for it
  Router r(c);
  EXPECT_TRUE(r.config().initialMaster);
  EXPECT_TRUE(r.config().preempt);
  auto acts = r.start(t0);
  EXPECT_THAT(describe(acts, t0), ElementsAre("StateChanged(INIT->MASTER)", "InstallVips", "Garp(5)",
                                              "Advert(255)", "Arm(+1000000us)"));
  EXPECT_EQ(r.state(), State::Master);
  EXPECT_EQ(r.currentMaster(), ip("10.11.12.1"));
  EXPECT_THAT(test::the<StateChanged>(acts).reason, HasSubstr("owner"));
  // The advert is the one RFC 3768 section 5 describes for this instance.
  const auto& adv = test::the<SendAdvert>(acts).advert;
  EXPECT_EQ(adv.vrid, 51);
  EXPECT_EQ(adv.advertIntervalSec, 1);
  EXPECT_EQ(adv.authType, AuthType::SimpleText);
  EXPECT_EQ(adv.authData, c.authData);
  EXPECT_THAT(adv.addresses, ElementsAre(ip("10.11.12.99")));
}

// keepalived 2.2.7 vrrp_init_state: "state MASTER" below 255 starts BACKUP and
// waits the full Master_Down_Interval; nopreempt/preempt_delay are cleared.
TEST(RouterInit, StateMasterBelow255WaitsLikeABackup) {
  auto c = seedConfig(100, "10.11.12.1");
  c.initialMaster = true;
  c.preempt = false;
  c.preemptDelay = 30s;
  Router r(c);
  EXPECT_TRUE(r.config().preempt);
  EXPECT_EQ(r.config().preemptDelay, Duration::zero());
  auto acts = r.start(t0);
  EXPECT_THAT(describe(acts, t0), ElementsAre("StateChanged(INIT->BACKUP)", "Arm(+3609375us)"));
  EXPECT_THAT(r.onTimer(t0 + 3609ms), IsEmpty());  // early: nothing
  acts = r.onTimer(t0 + 3'609'375us);
  EXPECT_THAT(describe(acts, t0), ElementsAre("StateChanged(BACKUP->MASTER)", "InstallVips", "Garp(5)",
                                              "Advert(100)", "Arm(+4609375us)"));
  EXPECT_EQ(test::the<StateChanged>(acts).reason, "master down: no advert for 3.609 s");
}

TEST(RouterInit, NopreemptDropsPreemptDelay) {
  auto c = seedConfig(100, "10.11.12.1");
  c.preempt = false;
  c.preemptDelay = 10s;
  Router r(c);
  EXPECT_FALSE(r.config().preempt);
  EXPECT_EQ(r.config().preemptDelay, Duration::zero());
}

// ---- 6.4.2 Backup ----

class RouterBackup : public ::testing::Test {
 protected:
  RouterBackup() : cfg(seedConfig(100, "10.11.12.2")), r(cfg) { r.start(t0); }
  RouterConfig cfg;
  Router r;
  const net::Ipv4Address peer = ip("10.11.12.1");
};

TEST_F(RouterBackup, HigherPriorityAdvertResetsMasterDownTimer) {
  auto acts = r.onAdvert(advertFrom(cfg, 150), peer, t0 + 2s);
  EXPECT_THAT(describe(acts, t0), ElementsAre("Arm(+5609375us)"));
  EXPECT_EQ(r.state(), State::Backup);
  EXPECT_EQ(r.currentMaster(), peer);
  EXPECT_EQ(r.stats().advertsReceived, 1u);
}

TEST_F(RouterBackup, EqualPriorityAdvertResetsEvenFromALowerAddress) {
  // The address tie break is for Masters only (6.4.3); a Backup resets (6.4.2).
  auto acts = r.onAdvert(advertFrom(cfg, 100), ip("10.11.12.1"), t0 + 1s);
  EXPECT_THAT(describe(acts, t0), ElementsAre("Arm(+4609375us)"));
}

TEST_F(RouterBackup, LowerPriorityAdvertIsDiscardedAndWeTakeOver) {
  auto acts = r.onAdvert(advertFrom(cfg, 90), peer, t0 + 1s);
  EXPECT_THAT(acts, IsEmpty());
  EXPECT_EQ(r.nextDeadline(), t0 + 3'609'375us);
  acts = r.onTimer(t0 + 3'609'375us);
  ASSERT_EQ(r.state(), State::Master);
  EXPECT_EQ(test::the<StateChanged>(acts).reason,
            "preempting lower priority master 10.11.12.1 (priority 90 < 100), no accepted advert for "
            "3.609 s");
}

TEST_F(RouterBackup, PriorityZeroArmsSkewTime) {
  auto acts = r.onAdvert(advertFrom(cfg, 150), peer, t0 + 1s);
  acts = r.onAdvert(advertFrom(cfg, 0), peer, t0 + 2s);
  EXPECT_THAT(describe(acts, t0), ElementsAre("Arm(+2609375us)"));
  EXPECT_EQ(r.stats().priorityZeroReceived, 1u);
  EXPECT_FALSE(r.currentMaster());
  acts = r.onTimer(t0 + 2'609'375us);
  EXPECT_THAT(describe(acts, t0), ElementsAre("StateChanged(BACKUP->MASTER)", "InstallVips", "Garp(5)",
                                              "Advert(100)", "Arm(+3609375us)"));
  EXPECT_EQ(test::the<StateChanged>(acts).reason,
            "master 10.11.12.1 resigned (priority 0 advert), waited skew 0.609 s");
}

TEST_F(RouterBackup, NopreemptResetsOnLowerPriority) {
  auto c = seedConfig(100, "10.11.12.2");
  c.preempt = false;
  Router np(c);
  np.start(t0);
  auto acts = np.onAdvert(advertFrom(c, 90), peer, t0 + 3s);
  EXPECT_THAT(describe(acts, t0), ElementsAre("Arm(+6609375us)"));
  EXPECT_EQ(np.currentMaster(), peer);
}

TEST_F(RouterBackup, AdvertForAnotherVridIsIgnored) {
  auto other = advertFrom(cfg, 200);
  other.vrid = 52;
  EXPECT_THAT(r.onAdvert(other, peer, t0 + 1s), IsEmpty());
  EXPECT_EQ(r.stats().advertsReceived, 0u);
  EXPECT_EQ(r.nextDeadline(), t0 + 3'609'375us);
}

TEST_F(RouterBackup, ShutdownCancelsTimer) {
  auto acts = r.shutdown(t0 + 1s);
  EXPECT_THAT(describe(acts, t0), ElementsAre("StateChanged(BACKUP->INIT)", "Arm(off)"));
  EXPECT_EQ(r.state(), State::Init);
  EXPECT_EQ(r.stats().advertsSent, 0u);  // a Backup never advertises
}

// keepalived's preempt_delay: delay counted from the first lower advert.
TEST(RouterPreemptDelay, LowerAdvertsKeepResettingUntilTheDelayRunsOut) {
  auto c = seedConfig(100, "10.11.12.2");
  c.preemptDelay = 10s;
  Router r(c);
  r.start(t0);
  const auto peer = ip("10.11.12.1");
  const auto first = t0 + 500ms;
  for (int k = 0; k < 10; ++k) {  // delay runs from `first` to first + 10 s
    auto acts = r.onAdvert(advertFrom(c, 90), peer, first + k * 1s);
    ASSERT_THAT(describe(acts, t0), ElementsAre("Arm(+" + std::to_string(500'000 + k * 1'000'000 + 3'609'375) + "us)"))
        << "advert " << k;
  }
  // At exactly first + 10 s the delay is over: discarded.
  EXPECT_THAT(r.onAdvert(advertFrom(c, 90), peer, first + 10s), IsEmpty());
  EXPECT_EQ(r.nextDeadline(), first + 9s + 3'609'375us);
  EXPECT_THAT(r.onAdvert(advertFrom(c, 90), peer, first + 11s), IsEmpty());
  auto acts = r.onTimer(first + 9s + 3'609'375us);
  EXPECT_EQ(r.state(), State::Master);
  EXPECT_THAT(test::the<StateChanged>(acts).reason, HasSubstr("preempting lower priority master"));
}

TEST(RouterPreemptDelay, HigherAdvertCancelsTheDelay) {
  auto c = seedConfig(100, "10.11.12.2");
  c.preemptDelay = 10s;
  Router r(c);
  r.start(t0);
  const auto peer = ip("10.11.12.1");
  r.onAdvert(advertFrom(c, 90), peer, t0 + 1s);  // delay until t0 + 11 s
  r.onAdvert(advertFrom(c, 90), peer, t0 + 2s);
  r.onAdvert(advertFrom(c, 120), peer, t0 + 3s);  // cancels it
  // A new delay starts at the next lower advert: t0 + 4 s -> t0 + 14 s.
  for (int k = 4; k <= 13; ++k) {
    auto acts = r.onAdvert(advertFrom(c, 90), peer, t0 + k * 1s);
    ASSERT_FALSE(acts.empty()) << "still delaying at +" << k << " s";
  }
  EXPECT_THAT(r.onAdvert(advertFrom(c, 90), peer, t0 + 14s), IsEmpty());
}

TEST(RouterPreemptDelay, NoDelayWithoutAMaster) {
  auto c = seedConfig(100, "10.11.12.2");
  c.preemptDelay = 10s;
  Router r(c);
  r.start(t0);
  r.onTimer(t0 + 3'609'375us);
  EXPECT_EQ(r.state(), State::Master);
}

// ---- 6.4.3 Master ----

class RouterMaster : public ::testing::Test {
 protected:
  RouterMaster() : cfg(seedConfig(100, "10.11.12.2")), r(cfg) {
    r.start(t0);
    r.onTimer(t0 + 3'609'375us);
  }
  const TimePoint tm = t0 + 3'609'375us;  // when it became Master
  RouterConfig cfg;
  Router r;
};

TEST_F(RouterMaster, AdvertTimerSendsEveryIntervalAndSecondGarpBurst) {
  ASSERT_EQ(r.state(), State::Master);
  EXPECT_EQ(r.nextDeadline(), tm + 1s);
  for (int k = 1; k <= 4; ++k) {
    auto acts = r.onTimer(tm + k * 1s);
    EXPECT_THAT(describe(acts, tm), ElementsAre("Advert(100)", "Arm(+" + std::to_string((k + 1) * 1'000'000) + "us)"));
  }
  // garp_master_delay 5 s: the advert and the second burst fall due together.
  auto acts = r.onTimer(tm + 5s);
  EXPECT_THAT(describe(acts, tm), ElementsAre("Advert(100)", "Garp(5)", "Arm(+6000000us)"));
  acts = r.onTimer(tm + 6s);
  EXPECT_THAT(describe(acts, tm), ElementsAre("Advert(100)", "Arm(+7000000us)"));
  EXPECT_EQ(r.stats().advertsSent, 7u);
  EXPECT_EQ(r.stats().becameMaster, 1u);
}

TEST(RouterGarp, DelayNotOnAnAdvertBoundaryAndRepeatCount) {
  auto c = seedConfig(255, "10.11.12.1");
  c.garpMasterDelay = 2500ms;
  c.garpMasterRepeat = 3;
  Router r(c);
  auto acts = r.start(t0);
  EXPECT_THAT(describe(acts, t0), ElementsAre("StateChanged(INIT->MASTER)", "InstallVips", "Garp(3)",
                                              "Advert(255)", "Arm(+1000000us)"));
  EXPECT_THAT(describe(r.onTimer(t0 + 1s), t0), ElementsAre("Advert(255)", "Arm(+2000000us)"));
  EXPECT_THAT(describe(r.onTimer(t0 + 2s), t0), ElementsAre("Advert(255)", "Arm(+2500000us)"));
  EXPECT_THAT(describe(r.onTimer(t0 + 2500ms), t0), ElementsAre("Garp(3)", "Arm(+3000000us)"));
}

TEST(RouterGarp, ZeroDelayMeansNoSecondBurst) {
  auto c = seedConfig(255, "10.11.12.1");
  c.garpMasterDelay = 0s;
  Router r(c);
  r.start(t0);
  for (int k = 1; k <= 10; ++k) {
    EXPECT_EQ(test::count<SendGratuitousArp>(r.onTimer(t0 + k * 1s)), 0u);
  }
}

TEST_F(RouterMaster, PriorityZeroAdvertTriggersAnAdvertAndResetsTimer) {
  auto acts = r.onAdvert(advertFrom(cfg, 0), ip("10.11.12.1"), tm + 300ms);
  EXPECT_THAT(describe(acts, tm), ElementsAre("Advert(100)", "Arm(+1300000us)"));
  EXPECT_EQ(r.state(), State::Master);
}

TEST_F(RouterMaster, HigherPriorityAdvertMakesUsBackup) {
  auto acts = r.onAdvert(advertFrom(cfg, 101), ip("10.11.12.1"), tm + 300ms);
  EXPECT_THAT(describe(acts, tm), ElementsAre("StateChanged(MASTER->BACKUP)", "RemoveVips", "Arm(+3909375us)"));
  EXPECT_EQ(r.state(), State::Backup);
  EXPECT_EQ(r.currentMaster(), ip("10.11.12.1"));
  EXPECT_EQ(test::the<StateChanged>(acts).reason,
            "higher priority advert from 10.11.12.1 (priority 101 > 100)");
  EXPECT_EQ(r.stats().releasedMaster, 1u);
  // The second GARP burst is cancelled with the advert timer.
  EXPECT_EQ(r.nextDeadline(), tm + 300ms + 3'609'375us);
}

TEST_F(RouterMaster, EqualPriorityFromHigherAddressWins) {
  auto acts = r.onAdvert(advertFrom(cfg, 100), ip("10.11.12.3"), tm + 100ms);
  EXPECT_EQ(r.state(), State::Backup);
  EXPECT_EQ(test::the<StateChanged>(acts).reason, "equal priority 100 advert from higher address 10.11.12.3");
}

TEST_F(RouterMaster, EqualPriorityTieBreakComparesAddressesUnsigned) {
  // 200.0.0.1 is above 10.11.12.2 as an unsigned number (negative as int32).
  r.onAdvert(advertFrom(cfg, 100), ip("200.0.0.1"), tm + 100ms);
  EXPECT_EQ(r.state(), State::Backup);
}

TEST_F(RouterMaster, EqualPriorityFromLowerAddressIsAnsweredAndIgnored) {
  auto acts = r.onAdvert(advertFrom(cfg, 100), ip("10.11.12.1"), tm + 100ms);
  EXPECT_THAT(describe(acts, tm), ElementsAre("Advert(100)", "Garp(5)", "Arm(+1100000us)"));
  EXPECT_EQ(r.state(), State::Master);
}

TEST_F(RouterMaster, LowerPriorityAdvertIsAnsweredAtOnce) {
  auto acts = r.onAdvert(advertFrom(cfg, 90), ip("10.11.12.9"), tm + 400ms);
  EXPECT_THAT(describe(acts, tm), ElementsAre("Advert(100)", "Garp(5)", "Arm(+1400000us)"));
  EXPECT_EQ(r.state(), State::Master);
}

// After a partition heals, the hosts' ARP caches may point at the other
// router: the answer refreshes them now and once more garp_master_delay later.
TEST_F(RouterMaster, LowerPriorityAdvertRefreshesArpCachesTwice) {
  r.onAdvert(advertFrom(cfg, 90), ip("10.11.12.9"), tm + 400ms);
  EXPECT_THAT(describe(r.onTimer(tm + 1400ms), tm), ElementsAre("Advert(100)", "Arm(+2400000us)"));
  r.onTimer(tm + 2400ms);
  r.onTimer(tm + 3400ms);
  r.onTimer(tm + 4400ms);
  EXPECT_THAT(describe(r.onTimer(tm + 5400ms), tm), ElementsAre("Advert(100)", "Garp(5)", "Arm(+6400000us)"));
}

// A stream of lower-priority adverts (a flood, or a peer stuck as Master) is
// answered at most once per half advert interval: no advert or ARP storm.
TEST_F(RouterMaster, LowerPriorityFloodIsAnsweredAtMostTwicePerInterval) {
  std::size_t adverts = 0, garps = 0;
  for (int i = 0; i < 1000; ++i) {
    auto acts = r.onAdvert(advertFrom(cfg, 90), ip("10.11.12.9"), tm + 100ms + i * 1ms);
    adverts += test::count<SendAdvert>(acts);
    garps += test::count<SendGratuitousArp>(acts);
  }
  EXPECT_EQ(adverts, 2u);  // at +100 ms and +600 ms
  EXPECT_EQ(garps, 2u);
  EXPECT_EQ(r.state(), State::Master);
}

TEST_F(RouterMaster, OwnAddressAtOurPriorityIsIgnored) {
  EXPECT_THAT(r.onAdvert(advertFrom(cfg, 100), cfg.primaryAddress, tm + 400ms), IsEmpty());
}

TEST_F(RouterMaster, ShutdownSendsPriorityZeroThenRemovesVips) {
  auto acts = r.shutdown(tm + 200ms);
  EXPECT_THAT(describe(acts, tm), ElementsAre("StateChanged(MASTER->INIT)", "Advert(0)", "RemoveVips", "Arm(off)"));
  EXPECT_EQ(r.state(), State::Init);
  EXPECT_EQ(r.stats().priorityZeroSent, 1u);
  EXPECT_FALSE(r.nextDeadline());
  // Restartable.
  acts = r.start(tm + 10s);
  EXPECT_EQ(r.state(), State::Backup);
}

TEST_F(RouterMaster, EarlyTimerCallDoesNothing) {
  EXPECT_THAT(r.onTimer(tm + 999ms), IsEmpty());
}

// ---- Fault ----

TEST_F(RouterMaster, FaultSendsPriorityZeroRemovesVipsAndStopsTimers) {
  auto acts = r.setFault(true, "interface eth0 down", tm + 200ms);
  EXPECT_THAT(describe(acts, tm), ElementsAre("StateChanged(MASTER->FAULT)", "Advert(0)", "RemoveVips", "Arm(off)"));
  EXPECT_EQ(test::the<StateChanged>(acts).reason, "interface eth0 down");
  EXPECT_EQ(r.state(), State::Fault);
  // Idempotent; adverts and timers are ignored in Fault.
  EXPECT_THAT(r.setFault(true, "again", tm + 300ms), IsEmpty());
  EXPECT_THAT(r.onAdvert(advertFrom(cfg, 0), ip("10.11.12.1"), tm + 400ms), IsEmpty());
  EXPECT_THAT(r.onTimer(tm + 100s), IsEmpty());
  EXPECT_THAT(r.takeOver(tm + 100s), IsEmpty());
  // Recovery: Backup with a fresh down timer.
  acts = r.setFault(false, "interface eth0 up", tm + 10s);
  EXPECT_THAT(describe(acts, tm), ElementsAre("StateChanged(FAULT->BACKUP)", "Arm(+13609375us)"));
  EXPECT_THAT(r.setFault(false, "again", tm + 11s), IsEmpty());
}

TEST(RouterFault, BackupEntersAndLeavesFault) {
  Router r(seedConfig(90, "10.11.12.2"));
  r.start(t0);
  auto acts = r.setFault(true, "chk_service failed", t0 + 1s);
  EXPECT_THAT(describe(acts, t0), ElementsAre("StateChanged(BACKUP->FAULT)", "Arm(off)"));
  EXPECT_EQ(r.stats().advertsSent, 0u);
  acts = r.setFault(false, "chk_service ok", t0 + 5s);
  EXPECT_THAT(describe(acts, t0), ElementsAre("StateChanged(FAULT->BACKUP)", "Arm(+8648437us)"));
}

TEST(RouterFault, BeforeStartThenRecoveryStarts) {
  Router r(seedConfig(90, "10.11.12.2"));
  auto acts = r.setFault(true, "no IPv4 address on eth0", t0);
  EXPECT_THAT(describe(acts, t0), ElementsAre("StateChanged(INIT->FAULT)"));
  EXPECT_THAT(r.start(t0), IsEmpty());  // stays in Fault, as keepalived's init does
  acts = r.setFault(false, "address back", t0 + 2s);
  EXPECT_THAT(describe(acts, t0), ElementsAre("StateChanged(FAULT->BACKUP)", "Arm(+5648437us)"));
}

TEST(RouterFault, OwnerLeavesFaultStraightToMaster) {
  Router r(seedConfig(255, "10.11.12.1"));
  r.start(t0);
  r.setFault(true, "link down", t0 + 1s);
  auto acts = r.setFault(false, "link up", t0 + 2s);
  EXPECT_THAT(describe(acts, t0), ElementsAre("StateChanged(FAULT->MASTER)", "InstallVips", "Garp(5)",
                                              "Advert(255)", "Arm(+3000000us)"));
}

// ---- Effective priority ----

TEST(RouterPriority, OwnerIgnoresTracking) {
  Router r(seedConfig(255, "10.11.12.1"));
  r.start(t0);
  EXPECT_THAT(r.setEffectivePriority(10, t0), IsEmpty());
  EXPECT_EQ(r.effectivePriority(), 255);
  EXPECT_EQ(test::the<SendAdvert>(r.onTimer(t0 + 1s)).advert.priority, 255);
}

TEST(RouterPriority, ClampedTo1Through254) {
  Router r(seedConfig(100, "10.11.12.2"));
  r.setEffectivePriority(0, t0);
  EXPECT_EQ(r.effectivePriority(), 1);
  r.setEffectivePriority(255, t0);
  EXPECT_EQ(r.effectivePriority(), 254);
  EXPECT_EQ(r.basePriority(), 100);
}

TEST(RouterPriority, RisingAsBackupPullsTheDownTimerIn) {
  Router r(seedConfig(90, "10.11.12.2"));
  r.start(t0);  // deadline t0 + 3.6484375 s
  // 90 -> 100: skew 648.4375 ms -> 609.375 ms, 39.0625 ms earlier.
  auto acts = r.setEffectivePriority(100, t0 + 1s);
  EXPECT_THAT(describe(acts, t0), ElementsAre("Arm(+3609375us)"));
  EXPECT_EQ(r.masterDownInterval(), 3'609'375us);
  // Falling leaves the pending deadline alone (keepalived).
  EXPECT_THAT(r.setEffectivePriority(80, t0 + 2s), IsEmpty());
  EXPECT_EQ(r.nextDeadline(), t0 + 3'609'375us);
  // The next reset uses the new interval.
  acts = r.onAdvert(advertFrom(r.config(), 120), test::ip("10.11.12.1"), t0 + 3s);
  EXPECT_EQ(r.nextDeadline(), t0 + 3s + 3'687'500us);
}

TEST(RouterPriority, MasterAdvertisesTheNewPriority) {
  Router r(seedConfig(100, "10.11.12.2"));
  r.start(t0);
  r.onTimer(t0 + 3'609'375us);
  ASSERT_EQ(r.state(), State::Master);
  EXPECT_THAT(r.setEffectivePriority(102, t0 + 4s), IsEmpty());
  EXPECT_EQ(test::the<SendAdvert>(r.onTimer(t0 + 4'609'375us)).advert.priority, 102);
}

// ---- Admin ----

TEST(RouterAdmin, HandOverOnlyFromMaster) {
  Router r(seedConfig(100, "10.11.12.2"));
  r.start(t0);
  EXPECT_THAT(r.handOver(t0 + 1s, std::nullopt), IsEmpty());
  EXPECT_EQ(r.adminMode(), AdminMode::None);
}

TEST_F(RouterMaster, HandOverResignsAndHoldsBackPreemption) {
  auto acts = r.handOver(tm + 200ms, std::nullopt);
  EXPECT_THAT(describe(acts, tm), ElementsAre("StateChanged(MASTER->BACKUP)", "Advert(0)", "RemoveVips",
                                              "Arm(+3809375us)"));
  EXPECT_EQ(test::the<StateChanged>(acts).reason, "admin hand-over");
  EXPECT_EQ(r.adminMode(), AdminMode::HandOver);
  EXPECT_EQ(r.stats().priorityZeroSent, 1u);
  // A lower-priority master now keeps us Backup.
  acts = r.onAdvert(advertFrom(cfg, 90), ip("10.11.12.1"), tm + 1s);
  EXPECT_THAT(describe(acts, tm), ElementsAre("Arm(+4609375us)"));
  // Availability first: if it goes silent, we still take over.
  acts = r.onTimer(tm + 4'609'375us);
  EXPECT_EQ(r.state(), State::Master);
  EXPECT_EQ(test::the<StateChanged>(acts).reason, "master down: no advert for 3.609 s");
}

TEST_F(RouterMaster, HandOverHoldEndsAtHoldUntil) {
  r.handOver(tm, tm + 5s);
  const auto peer = ip("10.11.12.1");
  EXPECT_FALSE(r.onAdvert(advertFrom(cfg, 90), peer, tm + 3s).empty());  // held: reset
  EXPECT_THAT(r.onAdvert(advertFrom(cfg, 90), peer, tm + 5s), IsEmpty());  // hold over: discard
}

TEST_F(RouterMaster, ClearAdminEndsHold) {
  r.handOver(tm, std::nullopt);
  const auto peer = ip("10.11.12.1");
  EXPECT_FALSE(r.onAdvert(advertFrom(cfg, 90), peer, tm + 1s).empty());
  EXPECT_THAT(r.clearAdmin(tm + 1500ms), IsEmpty());
  EXPECT_EQ(r.adminMode(), AdminMode::None);
  EXPECT_THAT(r.onAdvert(advertFrom(cfg, 90), peer, tm + 2s), IsEmpty());
}

TEST(RouterAdmin, TakeOverFromBackupAdvertises254UntilCleared) {
  auto c = seedConfig(90, "10.11.12.2");
  Router r(c);
  r.start(t0);
  r.onAdvert(advertFrom(c, 100), ip("10.11.12.1"), t0 + 1s);
  auto acts = r.takeOver(t0 + 1500ms);
  EXPECT_THAT(describe(acts, t0), ElementsAre("StateChanged(BACKUP->MASTER)", "InstallVips", "Garp(5)",
                                              "Advert(254)", "Arm(+2500000us)"));
  EXPECT_THAT(test::the<StateChanged>(acts).reason, HasSubstr("admin take-over"));
  EXPECT_EQ(r.adminMode(), AdminMode::TakeOver);
  // The old master's 100 is now lower: we answer it instead of yielding.
  acts = r.onAdvert(advertFrom(c, 100), ip("10.11.12.1"), t0 + 1600ms);
  EXPECT_THAT(describe(acts, t0), ElementsAre("Advert(254)", "Garp(5)", "Arm(+2600000us)"));
  r.clearAdmin(t0 + 2s);
  EXPECT_EQ(r.effectivePriority(), 90);
  EXPECT_EQ(test::the<SendAdvert>(r.onTimer(t0 + 2600ms)).advert.priority, 90);
  // Now the 100 wins again.
  r.onAdvert(advertFrom(c, 100), ip("10.11.12.1"), t0 + 2700ms);
  EXPECT_EQ(r.state(), State::Backup);
}

TEST_F(RouterMaster, TakeOverAsMasterReadvertisesAtOnce) {
  auto acts = r.takeOver(tm + 300ms);
  EXPECT_THAT(describe(acts, tm), ElementsAre("Advert(254)", "Arm(+1300000us)"));
}

TEST(RouterAdmin, TakeOverDoesNothingInInit) {
  Router r(seedConfig(90, "10.11.12.2"));
  EXPECT_THAT(r.takeOver(t0), IsEmpty());
  EXPECT_EQ(r.adminMode(), AdminMode::None);
}

TEST(RouterAdmin, OwnerKeeps255UnderTakeOver) {
  Router r(seedConfig(255, "10.11.12.1"));
  r.start(t0);
  auto acts = r.takeOver(t0 + 100ms);
  EXPECT_EQ(test::the<SendAdvert>(acts).advert.priority, 255);
}

// ---- Stats ----

TEST(RouterCounters, CountWhatHappened) {
  auto c = seedConfig(100, "10.11.12.2");
  Router r(c);
  r.start(t0);
  r.onAdvert(advertFrom(c, 120), ip("10.11.12.1"), t0 + 1s);
  r.onAdvert(advertFrom(c, 0), ip("10.11.12.1"), t0 + 2s);
  r.onTimer(t0 + 2'609'375us);              // Master: 1 advert
  r.onTimer(t0 + 3'609'375us);              // 1 advert
  r.onAdvert(advertFrom(c, 0), ip("10.11.12.1"), t0 + 3'700'000us);  // answered: 1 advert
  r.shutdown(t0 + 4s);                      // priority 0
  const auto& s = r.stats();
  EXPECT_EQ(s.advertsReceived, 3u);
  EXPECT_EQ(s.priorityZeroReceived, 2u);
  EXPECT_EQ(s.advertsSent, 4u);
  EXPECT_EQ(s.priorityZeroSent, 1u);
  EXPECT_EQ(s.becameMaster, 1u);
  EXPECT_EQ(s.releasedMaster, 1u);
}

}  // namespace
}  // namespace havip::vrrp
