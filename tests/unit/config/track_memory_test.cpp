// track_memory blocks: what they put into the model, their errors, the
// namespace they share with vrrp_script in track_script { }, and how a
// track_script entry's reverse is resolved.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/parser.h"
#include "config/summary.h"
#include "test_util.h"

namespace havip::config {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using namespace std::chrono_literals;
using test::errorsOf;

// An instance tracking TRACKED, followed by DEFINITIONS (so every reference is
// a forward one, as in the seed). The entry is at line 6, column 20.
std::string withTracker(std::string_view tracked, std::string_view definitions) {
  return "vrrp_instance VI_1 {\n"
         "    interface eth0\n"
         "    virtual_router_id 51\n"
         "    virtual_ipaddress { 10.11.12.99 }\n"
         "    track_script {\n"
         "                   " +
         std::string(tracked) +
         "\n"
         "    }\n"
         "}\n" +
         std::string(definitions);
}

std::shared_ptr<const Config> parseOk(const std::string& text) {
  auto r = parseString(text, "t.conf");
  if (!r) {
    for (const auto& e : r.error().errors) ADD_FAILURE() << e.toString();
    return nullptr;
  }
  return r->config;
}

TEST(TrackMemory, EveryKeyword) {
  auto c = parseOk(withTracker("chk_mem",
                               "track_memory chk_mem {\n"
                               "    metric free\n"
                               "    min_percent 12.375\n"
                               "    interval 0.5\n"
                               "    weight -20 reverse\n"
                               "    rise 3\n"
                               "    fall 4\n"
                               "}\n"));
  ASSERT_TRUE(c);
  ASSERT_EQ(c->trackMemories.size(), 1u);
  const TrackMemory& m = c->trackMemories[0];
  EXPECT_EQ(m.name, "chk_mem");
  EXPECT_EQ(m.metric, MemoryMetric::Free);
  EXPECT_DOUBLE_EQ(m.minPercent, 12.375);
  EXPECT_EQ(m.interval, 500ms);
  EXPECT_EQ(m.weight, -20);
  EXPECT_TRUE(m.weightReverse);
  EXPECT_EQ(m.rise, 3u);
  EXPECT_EQ(m.fall, 4u);
  EXPECT_EQ(m.where, (SourceLocation{"t.conf", 9, 1}));
  EXPECT_EQ(c->findMemory("chk_mem"), &m);
  EXPECT_EQ(c->findScript("chk_mem"), nullptr);
}

TEST(TrackMemory, DefaultsAreKeepalivedLike) {
  auto c = parseOk(withTracker("chk_mem", "track_memory chk_mem {\n    metric available\n    min_percent 50\n}\n"));
  ASSERT_TRUE(c);
  const TrackMemory& m = c->trackMemories.at(0);
  EXPECT_EQ(m.metric, MemoryMetric::Available);
  EXPECT_DOUBLE_EQ(m.minPercent, 50.0);
  EXPECT_EQ(m.interval, 1s);
  EXPECT_EQ(m.weight, 0);
  EXPECT_FALSE(m.weightReverse);
  EXPECT_EQ(m.rise, 1u);
  EXPECT_EQ(m.fall, 1u);
}

TEST(TrackMemory, NamedInTrackScriptLikeAScript) {
  auto c = parseOk(withTracker("chk_mem weight 7",
                               "track_memory chk_mem {\n    metric free\n    min_percent 50\n    weight 2\n}\n"
                               "vrrp_script chk_web {\n    script /bin/true\n}\n"));
  ASSERT_TRUE(c);
  const auto& in = c->vrrpInstances.at(0);
  ASSERT_EQ(in.trackScripts.size(), 1u);
  EXPECT_EQ(c->effectiveWeight(in.trackScripts[0]), 7);
  auto trackers = c->trackersOf(in);
  ASSERT_EQ(trackers.size(), 1u);
  EXPECT_EQ(trackers[0].kind, TrackerRef::Kind::Memory);
  EXPECT_EQ(trackers[0].weight, 7);
  EXPECT_EQ(trackers[0].where, (SourceLocation{"t.conf", 6, 20}));
}

TEST(TrackMemory, WeightDefaultsToTheBlocksOwn) {
  auto c = parseOk(withTracker("chk_mem", "track_memory chk_mem {\n    metric free\n    min_percent 50\n    weight -30\n}\n"));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->effectiveWeight(c->vrrpInstances[0].trackScripts[0]), -30);
}

TEST(TrackMemory, SummaryLineShowsTheCheck) {
  auto c = parseOk(withTracker("chk_mem",
                               "track_memory chk_mem {\n    metric free\n    min_percent 12.5\n    weight -20\n}\n"));
  ASSERT_TRUE(c);
  EXPECT_THAT(summarize(*c, c->vrrpInstances[0]),
              HasSubstr(" track_script chk_mem(memory free > 12.5% weight -20) "));
}

TEST(TrackMemory, Errors) {
  struct Case {
    const char* name;
    std::string text;
    std::vector<std::string> errors;
  };
  const std::string ok = "    metric free\n    min_percent 50\n";
  const Case cases[] = {
      {"NoMetric", withTracker("m", "track_memory m {\n    min_percent 50\n}\n"),
       {"t.conf:9:1: track_memory 'm' has no 'metric' (free or available)"}},
      {"NoMinPercent", withTracker("m", "track_memory m {\n    metric free\n}\n"),
       {"t.conf:9:1: track_memory 'm' has no 'min_percent'"}},
      {"BadMetric", withTracker("m", "track_memory m {\n    metric used\n    min_percent 50\n}\n"),
       {"t.conf:10:12: metric must be free or available, got 'used'"}},
      {"PercentAbove100", withTracker("m", "track_memory m {\n    metric free\n    min_percent 100.001\n}\n"),
       {"t.conf:11:17: min_percent must be a percentage 0..100 (up to 3 decimals), got '100.001'"}},
      {"PercentFourDecimals", withTracker("m", "track_memory m {\n    metric free\n    min_percent 50.0001\n}\n"),
       {"t.conf:11:17: min_percent must be a percentage 0..100 (up to 3 decimals), got '50.0001'"}},
      {"PercentNegative", withTracker("m", "track_memory m {\n    metric free\n    min_percent -1\n}\n"),
       {"t.conf:11:17: min_percent must be a percentage 0..100 (up to 3 decimals), got '-1'"}},
      {"WeightOutOfRange", withTracker("m", "track_memory m {\n" + ok + "    weight 254\n}\n"),
       {"t.conf:12:12: weight must be an integer -253..253, got '254'"}},
      {"WeightBadSuffix", withTracker("m", "track_memory m {\n" + ok + "    weight 2 backwards\n}\n"),
       {"t.conf:12:14: expected 'reverse' after the weight, got 'backwards'"}},
      {"IntervalTooShort", withTracker("m", "track_memory m {\n" + ok + "    interval 0.05\n}\n"),
       {"t.conf:12:14: interval must be 0.1s..86400s, got '0.05'"}},
      {"RiseZero", withTracker("m", "track_memory m {\n" + ok + "    rise 0\n}\n"),
       {"t.conf:12:10: rise must be an integer 1..1000, got '0'"}},
      {"Script", withTracker("m", "track_memory m {\n" + ok + "    script /bin/true\n}\n"),
       {"t.conf:12:5: unknown keyword 'script' in track_memory"}},
      {"DuplicateKeyword", withTracker("m", "track_memory m {\n" + ok + "    metric available\n}\n"),
       {"t.conf:12:5: duplicate 'metric' (first given at t.conf:10:5)"}},
      {"DuplicateBlock", withTracker("m", "track_memory m {\n" + ok + "}\ntrack_memory m {\n" + ok + "}\n"),
       {"t.conf:13:1: duplicate track_memory 'm' (first at t.conf:9:1)"}},
      {"SameNameAsAScript",
       withTracker("m", "vrrp_script m {\n    script /bin/true\n}\ntrack_memory m {\n" + ok + "}\n"),
       {"t.conf:12:1: track_memory 'm' has the name of a vrrp_script (t.conf:9:1): track_script could not tell "
        "them apart"}},
      {"UnknownReference", withTracker("mem", "track_memory m {\n" + ok + "}\n"),
       {"t.conf:6:20: track_script 'mem' names no vrrp_script or track_memory"}},
  };
  for (const auto& c : cases) EXPECT_EQ(errorsOf(c.text), c.errors) << c.name;
}

// keepalived: a track_script entry keeps the tracker's own reverse unless it
// writes reverse or noreverse after its weight.
TEST(TrackScriptReverse, ResolvedFromTheTrackerUnlessWritten) {
  auto c = parseOk(
      "vrrp_instance VI_1 {\n"
      "    interface eth0\n"
      "    virtual_router_id 51\n"
      "    virtual_ipaddress { 10.11.12.99 }\n"
      "    track_script {\n"
      "        s_rev\n"
      "        m_rev\n"
      "        s_rev2 weight 5\n"
      "        m_rev2 weight 5 noreverse\n"
      "        s_plain weight 5 reverse\n"
      "    }\n"
      "}\n"
      "vrrp_script s_rev {\n    script /bin/true\n    weight 2 reverse\n}\n"
      "vrrp_script s_rev2 {\n    script /bin/true\n    weight 2 reverse\n}\n"
      "vrrp_script s_plain {\n    script /bin/true\n    weight 2\n}\n"
      "track_memory m_rev {\n    metric free\n    min_percent 50\n    weight 2 reverse\n}\n"
      "track_memory m_rev2 {\n    metric free\n    min_percent 50\n    weight 2 reverse\n}\n");
  ASSERT_TRUE(c);
  std::vector<bool> reverse;
  for (const auto& t : c->vrrpInstances[0].trackScripts) reverse.push_back(t.reverse);
  EXPECT_THAT(reverse, ElementsAre(true, true, true, false, true));
}

}  // namespace
}  // namespace havip::config
