// keepalived's weight arithmetic (vrrp_track.c), checked against an
// independent table-driven model over every weight, reverse and state.
#include "track/priority.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <vector>

namespace havip::track {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TrackerInput script(std::string name, TrackerState s, int weight, bool reverse = false) {
  return {std::move(name), TrackerKind::Script, s, weight, reverse};
}

TEST(Priority, NoTrackersIsTheBase) {
  const auto r = computePriority(100, {});
  EXPECT_EQ(r.effectivePriority, 100);
  EXPECT_FALSE(r.fault);
  EXPECT_THAT(r.reasons, IsEmpty());
}

TEST(Priority, SeedScriptAddsTwoWhileOk) {
  const std::vector in{script("chk_service", TrackerState::Ok, 2)};
  const auto r = computePriority(100, in);
  EXPECT_EQ(r.effectivePriority, 102);
  EXPECT_THAT(r.reasons, ElementsAre("chk_service: OK, +2"));
}

TEST(Priority, SeedScriptFailingAddsNothing) {
  const std::vector in{script("chk_service", TrackerState::Failing, 2)};
  const auto r = computePriority(100, in);
  EXPECT_EQ(r.effectivePriority, 100);
  EXPECT_THAT(r.reasons, ElementsAre("chk_service: failing, no effect (+2 only while OK)"));
}

TEST(Priority, NegativeWeightSubtractsWhileFailing) {
  const std::vector failing{script("chk", TrackerState::Failing, -20)};
  const std::vector ok{script("chk", TrackerState::Ok, -20)};
  EXPECT_EQ(computePriority(100, failing).effectivePriority, 80);
  EXPECT_THAT(computePriority(100, failing).reasons, ElementsAre("chk: failing, -20"));
  EXPECT_EQ(computePriority(100, ok).effectivePriority, 100);
  EXPECT_THAT(computePriority(100, ok).reasons, ElementsAre("chk: OK, no effect (-20 only while failing)"));
}

TEST(Priority, ReverseFlipsTheSign) {
  // weight > 0 reverse: subtracted while OK; weight < 0 reverse: added while failing.
  EXPECT_EQ(computePriority(100, std::vector{script("a", TrackerState::Ok, 5, true)}).effectivePriority, 95);
  EXPECT_EQ(computePriority(100, std::vector{script("a", TrackerState::Failing, 5, true)}).effectivePriority, 100);
  EXPECT_EQ(computePriority(100, std::vector{script("a", TrackerState::Failing, -5, true)}).effectivePriority, 105);
  EXPECT_EQ(computePriority(100, std::vector{script("a", TrackerState::Ok, -5, true)}).effectivePriority, 100);
}

TEST(Priority, WeightZeroFaultsWhileFailingAndNamesTheTracker) {
  const std::vector in{script("chk_a", TrackerState::Ok, 0), script("chk_b", TrackerState::Failing, 0),
                       TrackerInput{"eth1", TrackerKind::Interface, TrackerState::Failing, 0, false}};
  const auto r = computePriority(100, in);
  EXPECT_TRUE(r.fault);
  EXPECT_THAT(r.faultedBy, ElementsAre("chk_b", "eth1"));
  EXPECT_EQ(r.effectivePriority, 100);
  EXPECT_THAT(r.reasons, ElementsAre("chk_a: OK, no effect (weight 0: FAULT while failing)",
                                     "chk_b: failing, FAULT (weight 0)", "eth1: down, FAULT (weight 0)"));
}

TEST(Priority, WeightZeroReverseFaultsWhileOk) {
  EXPECT_TRUE(computePriority(100, std::vector{script("a", TrackerState::Ok, 0, true)}).fault);
  EXPECT_FALSE(computePriority(100, std::vector{script("a", TrackerState::Failing, 0, true)}).fault);
}

TEST(Priority, ClampedTo1And254) {
  const std::vector low{script("a", TrackerState::Failing, -253), script("b", TrackerState::Failing, -100)};
  auto r = computePriority(100, low);
  EXPECT_EQ(r.total, 100 - 353);
  EXPECT_EQ(r.effectivePriority, 1);
  EXPECT_EQ(r.reasons.back(), "total -253 clamped to 1");
  const std::vector high{script("a", TrackerState::Ok, 253)};
  r = computePriority(100, high);
  EXPECT_EQ(r.effectivePriority, 254);
  EXPECT_EQ(r.reasons.back(), "total 353 clamped to 254");
  // Exactly 255 is clamped too (keepalived: total >= VRRP_PRIO_OWNER).
  EXPECT_EQ(computePriority(250, std::vector{script("a", TrackerState::Ok, 5)}).effectivePriority, 254);
  EXPECT_EQ(computePriority(250, std::vector{script("a", TrackerState::Ok, 4)}).effectivePriority, 254);
  EXPECT_EQ(computePriority(2, std::vector{script("a", TrackerState::Failing, -1)}).effectivePriority, 1);
  EXPECT_EQ(computePriority(2, std::vector{script("a", TrackerState::Failing, -2)}).effectivePriority, 1);
}

TEST(Priority, OwnerIsNeverAdjustedButCanFault) {
  const std::vector in{script("a", TrackerState::Failing, -50), script("b", TrackerState::Ok, 10),
                       script("c", TrackerState::Failing, 0)};
  const auto r = computePriority(255, in);
  EXPECT_EQ(r.effectivePriority, 255);
  EXPECT_TRUE(r.fault);
  EXPECT_THAT(r.faultedBy, ElementsAre("c"));
  EXPECT_EQ(r.reasons[0], "a: failing, no effect (priority 255 is never adjusted)");
}

TEST(Priority, PendingAddsNothingAndWeightZeroHolds) {
  const std::vector in{script("a", TrackerState::Pending, 10), script("b", TrackerState::Pending, -10),
                       script("c", TrackerState::Pending, 0)};
  const auto r = computePriority(100, in);
  EXPECT_EQ(r.effectivePriority, 100);
  EXPECT_FALSE(r.fault);
  EXPECT_THAT(r.holdingBy, ElementsAre("c"));
  EXPECT_EQ(r.reasons[2], "c: no result yet, instance waits (weight 0)");
}

TEST(Priority, DisabledCountsForNothing) {
  const std::vector in{script("a", TrackerState::Disabled, 0), script("b", TrackerState::Disabled, -10)};
  const auto r = computePriority(100, in);
  EXPECT_EQ(r.effectivePriority, 100);
  EXPECT_FALSE(r.fault);
  EXPECT_THAT(r.holdingBy, IsEmpty());
  EXPECT_THAT(r.reasons, ElementsAre("a: disabled, no effect", "b: disabled, no effect"));
}

// The rule written as keepalived's incremental updates
// (process_script_update_priority): start from the initial contribution, then
// apply "ok: += |w|*m, failing: -= |w|*m" for each flip, and compare with the
// closed form computePriority uses, for every weight, reverse and path.
TEST(Priority, ClosedFormMatchesKeepalivedsIncrementalUpdates) {
  for (int w = -253; w <= 253; ++w) {
    if (w == 0) continue;
    for (bool reverse : {false, true}) {
      const int m = reverse ? -1 : 1;
      for (bool startOk : {false, true}) {
        // initialise_track_script_state
        int total = 100;
        if (startOk && w > 0) total += w * m;
        if (!startOk && w < 0) total += w * m;
        bool ok = startOk;
        for (int flip = 0; flip < 4; ++flip) {
          const auto expected = total;
          const auto got = computePriority(100, std::vector{script("x", ok ? TrackerState::Ok : TrackerState::Failing, w, reverse)});
          ASSERT_EQ(got.total, expected) << "w=" << w << " reverse=" << reverse << " ok=" << ok;
          ASSERT_EQ(got.effectivePriority, std::clamp(expected, 1, 254));
          ok = !ok;
          total += (ok ? 1 : -1) * std::abs(w) * m;
        }
      }
    }
  }
}

TEST(Priority, InterfacesSayUpAndDown) {
  const std::vector in{TrackerInput{"eth1", TrackerKind::Interface, TrackerState::Ok, 10, false},
                       TrackerInput{"eth2", TrackerKind::Interface, TrackerState::Failing, 10, false}};
  EXPECT_THAT(computePriority(100, in).reasons,
              ElementsAre("eth1: up, +10", "eth2: down, no effect (+10 only while up)"));
}

TEST(Priority, SeedPairCannotMoveMastership) {
  // Master 100 failing (+0) still beats Backup 90 OK (+2): the trap the issue describes.
  const auto master = computePriority(100, std::vector{script("chk_service", TrackerState::Failing, 2)});
  const auto backup = computePriority(90, std::vector{script("chk_service", TrackerState::Ok, 2)});
  EXPECT_GT(master.effectivePriority, backup.effectivePriority);
}

}  // namespace
}  // namespace havip::track
