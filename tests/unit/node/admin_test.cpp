// havipctl failover as the runner carries it out: hand-over (with and without
// a hold), take-over and clear, seen on both directors and their kernels.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "node_lab.h"

namespace havip::node::test {
namespace {

using ::testing::HasSubstr;
using vrrp::AdminMode;
using vrrp::State;

constexpr auto kTick = std::chrono::nanoseconds(1);

vrrp::TimePoint electA(Lab& lab) {
  lab.startBoth();
  lab.runUntil(lab.t0 + masterDownFor(100));
  EXPECT_EQ(lab.a.state(), State::Master);
  return lab.t0 + masterDownFor(100);
}

void expectVipOn(Node& holder, Node& other) {
  EXPECT_TRUE(holder.hasVip()) << holder.name << " should hold the VIP";
  EXPECT_FALSE(other.hasVip()) << other.name << " should not hold the VIP";
}

TEST(Admin, HandOverWithAHoldMovesTheVipAndTakesItBackWhenTheHoldEnds) {
  Lab lab;
  const auto takeover = electA(lab);
  lab.runUntil(takeover + 1500ms);
  lab.segment.clearSent();

  const auto handAt = lab.now();
  lab.a.runner->handOver(10s);
  EXPECT_EQ(lab.a.state(), State::Backup);
  EXPECT_EQ(lab.a.runner->holdUntil(), handAt + 10s);
  EXPECT_EQ(lab.a.runner->router().adminMode(), AdminMode::HandOver);
  EXPECT_THAT(lab.a.transitions.back().reason,
              HasSubstr("admin hand-over, holding back for 10.000 s"));
  EXPECT_FALSE(lab.a.hasVip());
  const auto wire = decodeAll(lab.segment, lab.a.primary);
  ASSERT_EQ(wire.size(), 1u);
  EXPECT_EQ(wire[0].received.advert.priority, 0);

  // b answers the priority-0 advert after Skew_Time.
  lab.runUntil(handAt + skewFor(90));
  EXPECT_EQ(lab.b.state(), State::Master);
  expectVipOn(lab.b, lab.a);

  // During the hold a accepts b's lower-priority adverts and stays Backup.
  lab.runUntil(handAt + 10s - kTick);
  EXPECT_EQ(lab.a.state(), State::Backup);
  expectVipOn(lab.b, lab.a);

  // b advertises at handAt + skew + k s; the last one inside the hold is the
  // last a accepts, and a takes back one Master_Down_Interval after it.
  const auto lastAccepted = handAt + skewFor(90) + 9s;
  lab.runUntil(lastAccepted + masterDownFor(100) - kTick);
  EXPECT_EQ(lab.a.state(), State::Backup);
  lab.runUntil(lastAccepted + masterDownFor(100));
  EXPECT_EQ(lab.a.state(), State::Master);
  EXPECT_THAT(lab.a.transitions.back().reason, HasSubstr("preempting lower priority master"));
  EXPECT_EQ(lab.b.state(), State::Backup);
  expectVipOn(lab.a, lab.b);
}

TEST(Admin, HandOverWithoutHoldLastsUntilClearAdmin) {
  Lab lab;
  const auto takeover = electA(lab);
  lab.runUntil(takeover + 1500ms);
  const auto handAt = lab.now();
  lab.a.runner->handOver(std::nullopt);
  EXPECT_EQ(lab.a.runner->holdUntil(), std::nullopt);
  lab.runUntil(handAt + skewFor(90));
  ASSERT_EQ(lab.b.state(), State::Master);

  lab.runFor(120s);
  EXPECT_EQ(lab.a.state(), State::Backup);
  EXPECT_EQ(lab.b.state(), State::Master);
  expectVipOn(lab.b, lab.a);

  // clearAdmin sends nothing; a preempts from the next advert of b it discards.
  const auto clearAt = lab.now();
  lab.a.runner->clearAdmin();
  EXPECT_EQ(lab.a.runner->router().adminMode(), AdminMode::None);
  EXPECT_EQ(lab.a.state(), State::Backup);
  // b's adverts fall on handAt + skew + k s: find the last one a accepted.
  const auto sinceFirst = clearAt - (handAt + skewFor(90));
  const auto lastAccepted =
      handAt + skewFor(90) + std::chrono::duration_cast<std::chrono::seconds>(sinceFirst);
  lab.runUntil(lastAccepted + masterDownFor(100) - kTick);
  EXPECT_EQ(lab.a.state(), State::Backup);
  lab.runUntil(lastAccepted + masterDownFor(100));
  EXPECT_EQ(lab.a.state(), State::Master);
  expectVipOn(lab.a, lab.b);
}

TEST(Admin, TakeOverOnTheBackupWinsAtOnceWithPriority254UntilCleared) {
  Lab lab;
  const auto takeover = electA(lab);
  lab.runUntil(takeover + 1500ms);
  lab.segment.clearSent();
  lab.b.announcer.clearSent();

  const auto takeAt = lab.now();
  lab.b.runner->takeOver();
  EXPECT_EQ(lab.b.state(), State::Master);
  EXPECT_EQ(lab.b.transitions.back().at, takeAt);
  EXPECT_EQ(lab.b.transitions.back().reason, "admin take-over (advertising priority 254)");
  EXPECT_TRUE(lab.b.hasVip());
  EXPECT_EQ(lab.b.announcer.sent().size(), 5u);
  ASSERT_TRUE(lab.b.runner->lastTakeover().has_value());
  lab.settle();
  // a heard 254 at the same instant and released the VIP.
  EXPECT_EQ(lab.a.state(), State::Backup);
  expectVipOn(lab.b, lab.a);
  const auto fromB = decodeAll(lab.segment, lab.b.primary);
  ASSERT_FALSE(fromB.empty());
  EXPECT_EQ(fromB.front().received.advert.priority, 254);

  // The boost holds: a (100) does not preempt it.
  lab.runFor(60s);
  EXPECT_EQ(lab.b.state(), State::Master);
  expectVipOn(lab.b, lab.a);

  // Cleared: b advertises 90 again and a takes back.
  const auto clearAt = lab.now();
  lab.b.runner->clearAdmin();
  EXPECT_EQ(lab.b.runner->router().effectivePriority(), 90);
  const auto lastAccepted =
      takeAt + std::chrono::duration_cast<std::chrono::seconds>(clearAt - takeAt);
  lab.runUntil(lastAccepted + masterDownFor(100));
  EXPECT_EQ(lab.a.state(), State::Master);
  EXPECT_EQ(lab.b.state(), State::Backup);
  expectVipOn(lab.a, lab.b);
  EXPECT_EQ(decodeAll(lab.segment, lab.b.primary).back().received.advert.priority, 90);
}

TEST(Admin, TakeOverOnTheMasterReadvertisesAtOnceWithoutATransition) {
  Lab lab;
  const auto takeover = electA(lab);
  lab.runUntil(takeover + 1500ms);
  lab.segment.clearSent();
  const auto transitions = lab.a.transitions.size();
  lab.a.runner->takeOver();
  EXPECT_EQ(lab.a.transitions.size(), transitions);
  const auto wire = decodeAll(lab.segment, lab.a.primary);
  ASSERT_EQ(wire.size(), 1u);
  EXPECT_EQ(wire[0].received.advert.priority, 254);
  EXPECT_TRUE(lab.a.hasVip());
}

TEST(Admin, HandOverIsIgnoredUnlessMasterAndTakeOverIgnoredInFault) {
  Lab lab;
  electA(lab);
  lab.b.runner->handOver(5s);
  EXPECT_EQ(lab.b.state(), State::Backup);
  EXPECT_EQ(lab.b.runner->router().adminMode(), AdminMode::None);
  EXPECT_EQ(lab.b.runner->holdUntil(), std::nullopt);  // no hold was taken

  lab.b.runner->setFault(true, "eth0 down");
  lab.b.runner->takeOver();
  EXPECT_EQ(lab.b.state(), State::Fault);
  EXPECT_FALSE(lab.b.hasVip());
}

TEST(Admin, ARefusedTakeOverInFaultKeepsTheHandOverHold) {
  Lab lab;
  electA(lab);
  const auto handAt = lab.now();
  lab.a.runner->handOver(30s);
  lab.a.runner->setFault(true, "eth0 down");
  lab.a.runner->takeOver();  // refused: nothing to take over from Fault
  EXPECT_EQ(lab.a.state(), State::Fault);
  EXPECT_EQ(lab.a.runner->router().adminMode(), AdminMode::HandOver);
  EXPECT_EQ(lab.a.runner->holdUntil(), handAt + 30s);
}

}  // namespace
}  // namespace havip::node::test
