// MemoryTracker on a temp meminfo file rewritten between steps, time from a
// FakeClock: the seed's "free" arithmetic, MemAvailable, rise/fall, bad files.
#include "track/memory_tracker.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "node/fake_clock.h"
#include "test_support.h"

namespace havip::track {
namespace {

using namespace std::chrono_literals;

std::string meminfo(std::uint64_t total, std::uint64_t free, std::uint64_t available) {
  // The shape of a real /proc/meminfo (Linux 6.x), trimmed.
  return fmt::format(
      "MemTotal:       {:>8} kB\n"
      "MemFree:        {:>8} kB\n"
      "MemAvailable:   {:>8} kB\n"
      "Buffers:            4196 kB\n"
      "Cached:          1196796 kB\n"
      "SwapCached:            0 kB\n",
      total, free, available);
}

TEST(Meminfo, ParsesTheFieldsWeUse) {
  const auto info = parseMeminfo(meminfo(24684084, 21298728, 22349036));
  ASSERT_TRUE(info);
  EXPECT_EQ(info->totalKib, 24684084u);
  EXPECT_EQ(info->freeKib, 21298728u);
  EXPECT_EQ(info->availableKib, 22349036u);
}

TEST(Meminfo, NamesWhatIsMissing) {
  EXPECT_EQ(parseMeminfo("MemFree: 1 kB\n").error(), "no MemTotal line");
  EXPECT_EQ(parseMeminfo("MemTotal: 10 kB\nMemFreeX: 1 kB\n").error(), "no MemFree line");
  const auto old = parseMeminfo("MemTotal: 10 kB\nMemFree: 1 kB\n");
  ASSERT_TRUE(old);
  EXPECT_FALSE(old->availableKib);
  EXPECT_EQ(memoryPercent(*old, MemoryMetric::Available).error(), "no MemAvailable line (Linux < 3.14)");
  EXPECT_EQ(memoryPercent(MemInfo{0, 0, 0}, MemoryMetric::Free).error(), "MemTotal is 0");
}

TEST(Meminfo, FreeIsTheSeedsAwkValue) {
  // awk '{print 21298728/24684084 * 100.0}' prints 86.2853 (OFMT %.6g).
  const auto pct = memoryPercent(MemInfo{24684084, 21298728, 22349036}, MemoryMetric::Free);
  ASSERT_TRUE(pct);
  EXPECT_DOUBLE_EQ(*pct, 86.2853);
  // 50.0000004 % prints as 50, and bc says 50 > 50.0 is false: so do we.
  const auto edge = memoryPercent(MemInfo{1000000000, 500000004, 0}, MemoryMetric::Free);
  EXPECT_DOUBLE_EQ(*edge, 50.0);
}

TEST(Meminfo, ReadsTheRealProcMeminfo) {
  const auto text = readSmallFile(kProcMeminfo);
  ASSERT_TRUE(text) << text.error().message();
  const auto info = parseMeminfo(*text);
  ASSERT_TRUE(info) << info.error();
  EXPECT_GT(info->totalKib, 0u);
  EXPECT_LE(info->freeKib, info->totalKib);
}

class MemoryTrackerTest : public ::testing::Test {
 protected:
  test::TempDir dir;
  node::FakeClock clock;
  std::string path = dir.file("meminfo");
  int flips = 0;

  std::unique_ptr<MemoryTracker> make(MemoryMetric metric, unsigned rise = 1, unsigned fall = 1) {
    MemoryTrackerParams p;
    p.name = "mem";
    p.metric = metric;
    p.minPercent = 50;
    p.interval = 2s;
    p.weight = 2;
    p.rise = rise;
    p.fall = fall;
    p.meminfoPath = path;
    auto t = std::make_unique<MemoryTracker>(p, clock, clock);
    t->setListener([this] { ++flips; });
    return t;
  }
  void setFreePercent(int freePct, int availablePct = 90) {
    dir.write("meminfo", meminfo(1000000, 10000u * freePct, 10000u * availablePct));
  }
};

TEST_F(MemoryTrackerTest, ReadsAtStartThenEveryInterval) {
  setFreePercent(80);
  auto t = make(MemoryMetric::Free);
  t->start();
  EXPECT_EQ(t->state(), TrackerState::Ok);
  EXPECT_EQ(t->lastResult(), "MemFree 80 % of MemTotal, is > 50 %");
  EXPECT_EQ(t->lastResultAt(), clock.now());
  const auto t0 = clock.now();

  setFreePercent(30);
  clock.advance(1999ms);
  EXPECT_EQ(t->state(), TrackerState::Ok);  // not read yet
  clock.advance(1ms);
  EXPECT_EQ(t->state(), TrackerState::Failing);
  EXPECT_EQ(t->lastResult(), "MemFree 30 % of MemTotal, is not > 50 %");
  EXPECT_EQ(*t->lastResultAt(), t0 + 2s);
  EXPECT_EQ(flips, 2);  // pending -> OK, OK -> failing
}

TEST_F(MemoryTrackerTest, ExactlyTheMinimumIsNotEnough) {
  setFreePercent(50);
  auto t = make(MemoryMetric::Free);
  t->start();
  EXPECT_EQ(t->state(), TrackerState::Failing);
}

TEST_F(MemoryTrackerTest, AvailableIgnoresALowFree) {
  setFreePercent(5, 70);  // page cache holds the rest: healthy
  auto t = make(MemoryMetric::Available);
  t->start();
  EXPECT_EQ(t->state(), TrackerState::Ok);
  EXPECT_EQ(t->lastResult(), "MemAvailable 70 % of MemTotal, is > 50 %");
  setFreePercent(5, 20);
  clock.advance(2s);
  EXPECT_EQ(t->state(), TrackerState::Failing);
}

TEST_F(MemoryTrackerTest, RiseAndFall) {
  setFreePercent(80);
  auto t = make(MemoryMetric::Free, /*rise=*/2, /*fall=*/3);
  t->start();
  ASSERT_EQ(t->state(), TrackerState::Ok);
  setFreePercent(10);
  clock.advance(2s);
  clock.advance(2s);
  EXPECT_EQ(t->state(), TrackerState::Ok);
  clock.advance(2s);
  EXPECT_EQ(t->state(), TrackerState::Failing);
  setFreePercent(90);
  clock.advance(2s);
  EXPECT_EQ(t->state(), TrackerState::Failing);
  clock.advance(2s);
  EXPECT_EQ(t->state(), TrackerState::Ok);
}

TEST_F(MemoryTrackerTest, AMissingOrBrokenFileIsAFailure) {
  auto t = make(MemoryMetric::Free);
  t->start();
  EXPECT_EQ(t->state(), TrackerState::Failing);
  EXPECT_EQ(t->lastResult(), fmt::format("cannot read {}: No such file or directory", path));
  dir.write("meminfo", "garbage\n");
  clock.advance(2s);
  EXPECT_EQ(t->lastResult(), fmt::format("{}: no MemTotal line", path));
  setFreePercent(70);
  clock.advance(2s);
  EXPECT_EQ(t->state(), TrackerState::Ok);
}

}  // namespace
}  // namespace havip::track
