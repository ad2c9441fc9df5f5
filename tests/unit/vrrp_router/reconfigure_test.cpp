// Router::reconfigure: a reload keeps the router's state (no flap) and applies
// the new settings at once.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "test_support.h"

namespace havip::vrrp {
namespace {

using namespace std::chrono_literals;
using test::describe;
using test::ip;
using test::seedConfig;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

const TimePoint t0{std::chrono::hours(1)};

Router masterAt(TimePoint& now) {
  Router r(seedConfig(100, "10.11.12.1"));
  r.start(now);
  now += r.masterDownInterval();
  r.onTimer(now);
  EXPECT_EQ(r.state(), State::Master);
  return r;
}

TEST(RouterReconfigure, UnchangedMasterStaysMasterAndReasserts) {
  TimePoint now = t0;
  Router r = masterAt(now);
  now += 300ms;
  auto acts = r.reconfigure(seedConfig(100, "10.11.12.1"), now);
  EXPECT_EQ(r.state(), State::Master);
  // No StateChanged, no VIP removal: only the advert and the re-timed advert timer.
  EXPECT_THAT(describe(acts, now), ElementsAre("Advert(100)", "Arm(+1000000us)"));
}

TEST(RouterReconfigure, MasterAdvertisesNewPriorityAndInterval) {
  TimePoint now = t0;
  Router r = masterAt(now);
  auto c = seedConfig(120, "10.11.12.1");
  c.advertInterval = 2s;
  auto acts = r.reconfigure(c, now);
  EXPECT_THAT(describe(acts, now), ElementsAre("Advert(120)", "Arm(+2000000us)"));
  EXPECT_EQ(r.effectivePriority(), 120);
  EXPECT_EQ(r.basePriority(), 120);
}

TEST(RouterReconfigure, BackupRetimesDownTimerFromLastAdvert) {
  Router r(seedConfig(90, "10.11.12.2"));
  r.start(t0);
  const auto heard = t0 + 500ms;
  r.onAdvert(test::advertFrom(seedConfig(100, "10.11.12.1"), 100), ip("10.11.12.1"), heard);
  auto c = seedConfig(90, "10.11.12.2");
  c.advertInterval = 3s;
  r.reconfigure(c, heard + 100ms);
  EXPECT_EQ(r.state(), State::Backup);
  // 3 x 3 s + (256 - 90)/256 s after the advert.
  EXPECT_EQ(r.nextDeadline(), heard + 9s + 648'437'500ns);
}

TEST(RouterReconfigure, BackupBecomingOwnerTakesOverAtOnce) {
  Router r(seedConfig(90, "10.11.12.2"));
  r.start(t0);
  auto acts = r.reconfigure(seedConfig(255, "10.11.12.2"), t0 + 1s);
  EXPECT_EQ(r.state(), State::Master);
  EXPECT_EQ(test::count<InstallVips>(acts), 1u);
  EXPECT_EQ(test::the<SendAdvert>(acts).advert.priority, 255);
}

TEST(RouterReconfigure, FaultStaysFault) {
  Router r(seedConfig(90, "10.11.12.2"));
  r.start(t0);
  r.setFault(true, "eth0 down", t0);
  EXPECT_THAT(r.reconfigure(seedConfig(95, "10.11.12.2"), t0 + 1s), IsEmpty());
  EXPECT_EQ(r.state(), State::Fault);
}

TEST(RouterReconfigureDeathTest, AnotherVridIsABug) {
  Router r(seedConfig(90, "10.11.12.2"));
  auto c = seedConfig(90, "10.11.12.2");
  c.vrid = 52;
  EXPECT_DEATH(r.reconfigure(c, t0), "");
}

}  // namespace
}  // namespace havip::vrrp
