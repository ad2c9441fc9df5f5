// keepalived's rise/fall counter (vrrp_script_child_thread, vrrp_init_script).
#include <gtest/gtest.h>

#include "track/tracker.h"

namespace havip::track {
namespace {

TEST(RiseFall, FirstResultDecidesEitherWay) {
  RiseFall a(3, 3);
  EXPECT_EQ(a.state(), TrackerState::Pending);
  EXPECT_TRUE(a.record(true));
  EXPECT_EQ(a.state(), TrackerState::Ok);
  RiseFall b(3, 3);
  EXPECT_TRUE(b.record(false));
  EXPECT_EQ(b.state(), TrackerState::Failing);
}

TEST(RiseFall, TakesFallConsecutiveFailuresToFail) {
  RiseFall c(2, 3);
  c.record(true);  // OK, counter at rise + fall - 1 = 4
  EXPECT_EQ(c.counter(), 4u);
  EXPECT_FALSE(c.record(false));
  EXPECT_FALSE(c.record(false));
  EXPECT_EQ(c.state(), TrackerState::Ok);
  EXPECT_TRUE(c.record(false));
  EXPECT_EQ(c.state(), TrackerState::Failing);
  EXPECT_EQ(c.counter(), 0u);
}

TEST(RiseFall, ASuccessResetsAPartialFall) {
  RiseFall c(1, 3);
  c.record(true);
  c.record(false);
  c.record(false);
  EXPECT_FALSE(c.record(true));  // back to the top
  c.record(false);
  c.record(false);
  EXPECT_EQ(c.state(), TrackerState::Ok);
  EXPECT_TRUE(c.record(false));
}

TEST(RiseFall, TakesRiseConsecutiveSuccessesToRecover) {
  RiseFall c(3, 1);
  c.record(false);
  EXPECT_FALSE(c.record(true));
  EXPECT_FALSE(c.record(true));
  EXPECT_FALSE(c.record(false));  // resets to 0
  EXPECT_FALSE(c.record(true));
  EXPECT_FALSE(c.record(true));
  EXPECT_TRUE(c.record(true));
  EXPECT_EQ(c.state(), TrackerState::Ok);
}

TEST(RiseFall, InitFailStartsFailingAndNeedsRiseSuccesses) {
  RiseFall c(2, 1, /*initFailed=*/true);
  EXPECT_EQ(c.state(), TrackerState::Failing);
  EXPECT_FALSE(c.record(true));
  EXPECT_TRUE(c.record(true));
}

TEST(RiseFall, OneOneFlipsEveryTime) {
  RiseFall c(1, 1);
  for (int i = 0; i < 6; ++i) {
    EXPECT_TRUE(c.record(i % 2 == 0));
    EXPECT_EQ(c.state(), i % 2 == 0 ? TrackerState::Ok : TrackerState::Failing);
  }
}

}  // namespace
}  // namespace havip::track
