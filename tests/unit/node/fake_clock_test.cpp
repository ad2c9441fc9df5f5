// FakeClock is what every other test here trusts to be the event loop's timer
// queue: order, re-arming and destruction from inside a callback.
#include "node/fake_clock.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace havip::node {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;

struct Fired {
  std::string name;
  TimePoint at;
  bool operator==(const Fired&) const = default;
};

TEST(FakeClock, StartsWhereToldAndMovesOnlyWhenAdvanced) {
  const TimePoint start(std::chrono::hours(7));
  FakeClock clock(start);
  EXPECT_EQ(clock.now(), start);
  EXPECT_EQ(clock.nextDeadline(), std::nullopt);
  clock.advance(1500ms);
  EXPECT_EQ(clock.now(), start + 1500ms);
  clock.advanceTo(start);  // never backwards: steady time
  EXPECT_EQ(clock.now(), start + 1500ms);
}

TEST(FakeClock, FiresDueTimersInDeadlineOrderEachAtItsOwnDeadline) {
  FakeClock clock;
  const auto t0 = clock.now();
  std::vector<Fired> fired;
  auto record = [&](std::string name) {
    return [&fired, &clock, name] { fired.push_back({name, clock.now()}); };
  };
  // Created in an order unlike their deadlines.
  auto late = clock.create(record("late"));
  auto early = clock.create(record("early"));
  auto middle = clock.create(record("middle"));
  auto never = clock.create(record("never"));
  late->arm(t0 + 3s);
  early->arm(t0 + 1s);
  middle->arm(t0 + 2s);
  never->arm(t0 + 10s);
  EXPECT_EQ(clock.nextDeadline(), t0 + 1s);

  clock.advanceTo(t0 + 5s);
  EXPECT_THAT(fired, ElementsAre(Fired{"early", t0 + 1s}, Fired{"middle", t0 + 2s},
                                 Fired{"late", t0 + 3s}));
  EXPECT_EQ(clock.now(), t0 + 5s);
  EXPECT_EQ(clock.nextDeadline(), t0 + 10s);

  // One-shot: nothing fires twice.
  fired.clear();
  clock.advanceTo(t0 + 9s);
  EXPECT_TRUE(fired.empty());
}

TEST(FakeClock, ArmReplacesTheDeadlineAndNulloptDisarms) {
  FakeClock clock;
  const auto t0 = clock.now();
  int fires = 0;
  auto timer = clock.create([&] { ++fires; });
  timer->arm(t0 + 1s);
  timer->arm(t0 + 4s);
  clock.advanceTo(t0 + 3s);
  EXPECT_EQ(fires, 0);
  clock.advanceTo(t0 + 4s);
  EXPECT_EQ(fires, 1);

  timer->arm(t0 + 6s);
  timer->arm(std::nullopt);
  EXPECT_EQ(clock.nextDeadline(), std::nullopt);
  clock.advanceTo(t0 + 60s);
  EXPECT_EQ(fires, 1);
}

TEST(FakeClock, ArmNeverCallsBackInsideArmEvenForAPastDeadline) {
  FakeClock clock;
  const auto t0 = clock.now();
  int fires = 0;
  auto timer = clock.create([&] { ++fires; });
  timer->arm(t0 - 1s);
  EXPECT_EQ(fires, 0);
  clock.advanceTo(t0);
  EXPECT_EQ(fires, 1);
  EXPECT_EQ(clock.now(), t0);  // time does not go back to the stale deadline
}

TEST(FakeClock, ReArmingInsideTheCallbackWorks) {
  FakeClock clock;
  const auto t0 = clock.now();
  std::vector<TimePoint> ticks;
  std::unique_ptr<Timer> timer;
  timer = clock.create([&] {
    ticks.push_back(clock.now());
    if (ticks.size() < 4) timer->arm(clock.now() + 1s);
  });
  timer->arm(t0 + 1s);
  clock.advanceTo(t0 + 10s);
  EXPECT_THAT(ticks, ElementsAre(t0 + 1s, t0 + 2s, t0 + 3s, t0 + 4s));
  EXPECT_EQ(clock.nextDeadline(), std::nullopt);
}

TEST(FakeClock, ACallbackMayArmAnotherTimerThatFallsDueWithinTheSameAdvance) {
  FakeClock clock;
  const auto t0 = clock.now();
  std::vector<Fired> fired;
  std::unique_ptr<Timer> second = clock.create([&] { fired.push_back({"second", clock.now()}); });
  std::unique_ptr<Timer> first = clock.create([&] {
    fired.push_back({"first", clock.now()});
    second->arm(clock.now() + 500ms);
  });
  first->arm(t0 + 1s);
  clock.advanceTo(t0 + 2s);
  EXPECT_THAT(fired, ElementsAre(Fired{"first", t0 + 1s}, Fired{"second", t0 + 1500ms}));
}

TEST(FakeClock, DestroyingATimerInsideItsOwnCallbackIsSafe) {
  FakeClock clock;
  const auto t0 = clock.now();
  int fires = 0;
  std::unique_ptr<Timer> timer;
  timer = clock.create([&] {
    ++fires;
    timer.reset();  // destroys the callback's own timer, and the lambda's owner entry
  });
  auto other = clock.create([&] { fires += 10; });
  timer->arm(t0 + 1s);
  other->arm(t0 + 2s);
  clock.advanceTo(t0 + 3s);
  EXPECT_EQ(fires, 11);
  EXPECT_EQ(timer, nullptr);
  EXPECT_EQ(clock.nextDeadline(), std::nullopt);
}

TEST(FakeClock, DestroyingAnotherDueTimerInsideACallbackKeepsItFromFiring) {
  FakeClock clock;
  const auto t0 = clock.now();
  std::vector<std::string> fired;
  std::unique_ptr<Timer> victim = clock.create([&] { fired.push_back("victim"); });
  std::unique_ptr<Timer> killer = clock.create([&] {
    fired.push_back("killer");
    victim.reset();
  });
  killer->arm(t0 + 1s);
  victim->arm(t0 + 2s);
  clock.advanceTo(t0 + 5s);
  EXPECT_THAT(fired, ElementsAre("killer"));
}

TEST(FakeClock, TimersDueAtTheSameInstantAllFire) {
  FakeClock clock;
  const auto t0 = clock.now();
  int fires = 0;
  auto x = clock.create([&] { ++fires; });
  auto y = clock.create([&] { ++fires; });
  x->arm(t0 + 1s);
  y->arm(t0 + 1s);
  clock.advanceTo(t0 + 1s);
  EXPECT_EQ(fires, 2);
}

}  // namespace
}  // namespace havip::node
