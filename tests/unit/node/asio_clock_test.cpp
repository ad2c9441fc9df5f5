// The real timers (AsioTimerService) under the same contract as the fake one.
// Deadlines are in the past, so io_context::poll() runs what is due at once:
// no sleeps, nothing that depends on how fast the machine is.
#include "node/asio_clock.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace havip::node {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;

class AsioTimers : public ::testing::Test {
 protected:
  boost::asio::io_context io;
  AsioTimerService timers{io};
  SteadyClock clock;
  TimePoint past() const { return clock.now() - 1h; }
};

TEST_F(AsioTimers, ADueTimerFiresOnTheLoopNeverInsideArm) {
  int fires = 0;
  auto t = timers.create([&] { ++fires; });
  t->arm(past());
  EXPECT_EQ(fires, 0);
  io.poll();
  EXPECT_EQ(fires, 1);
  io.restart();
  io.poll();
  EXPECT_EQ(fires, 1);  // one-shot
}

TEST_F(AsioTimers, ArmReplacesAndNulloptDisarms) {
  int fires = 0;
  auto t = timers.create([&] { ++fires; });
  t->arm(past());
  t->arm(clock.now() + 1h);  // replaced before the loop ran
  io.poll();
  EXPECT_EQ(fires, 0);
  t->arm(past());
  t->arm(std::nullopt);
  io.restart();
  io.poll();
  EXPECT_EQ(fires, 0);
}

TEST_F(AsioTimers, ReArmingInsideTheCallbackWorks) {
  int fires = 0;
  std::unique_ptr<Timer> t;
  t = timers.create([&] {
    if (++fires < 3) t->arm(past());
  });
  t->arm(past());
  for (int i = 0; i < 5; ++i) {
    io.restart();
    io.poll();
  }
  EXPECT_EQ(fires, 3);
}

TEST_F(AsioTimers, DestroyingATimerInsideItsOwnCallbackIsSafe) {
  int fires = 0;
  std::unique_ptr<Timer> t;
  t = timers.create([&] {
    ++fires;
    t.reset();
  });
  t->arm(past());
  io.poll();
  EXPECT_EQ(fires, 1);
  EXPECT_FALSE(t);
}

// Both expire in the same pass of the loop; whichever runs first destroys the
// other, whose completion is then already queued. It must not run (nor touch
// the destroyed timer: the sanitizer build catches that).
TEST_F(AsioTimers, ATimerDestroyedWithItsCompletionQueuedDoesNotFire) {
  std::vector<std::string> fired;
  std::unique_ptr<Timer> x;
  std::unique_ptr<Timer> y;
  x = timers.create([&] {
    fired.push_back("x");
    y.reset();
  });
  y = timers.create([&] {
    fired.push_back("y");
    x.reset();
  });
  x->arm(past());
  y->arm(past());
  io.poll();
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_TRUE(!x != !y) << "exactly one timer was destroyed, by the one that fired";
}

// The same with a timer re-armed for later while its old completion is queued.
TEST_F(AsioTimers, ATimerReArmedWithItsCompletionQueuedWaitsForTheNewDeadline) {
  std::vector<std::string> fired;
  std::unique_ptr<Timer> x;
  std::unique_ptr<Timer> y;
  x = timers.create([&] {
    fired.push_back("x");
    y->arm(clock.now() + 1h);
  });
  y = timers.create([&] {
    fired.push_back("y");
    x->arm(clock.now() + 1h);
  });
  x->arm(past());
  y->arm(past());
  io.poll();
  EXPECT_EQ(fired.size(), 1u);
}

}  // namespace
}  // namespace havip::node
