// The mastership analysis: keepalived's priority arithmetic, the single-file
// warnings (havipd --check-config) and the pair check (havipctl lint), on the
// seed's own pair (which has the trap) and on a fixed pair.
#include "config/lint.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/parser.h"
#include "test_util.h"

namespace havip::config {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

const std::string kConf = HAVIP_TESTDATA "/../../conf/";
const std::string kLint = HAVIP_TESTDATA "/config/lint/";

std::shared_ptr<const Config> load(const std::string& path) {
  auto r = loadFile(path);
  if (!r) {
    for (const auto& e : r.error().errors) ADD_FAILURE() << e.toString();
    return nullptr;
  }
  return r->config;
}

std::shared_ptr<const Config> parse(const std::string& text, const std::string& name) {
  auto r = parseString(text, name);
  if (!r) {
    for (const auto& e : r.error().errors) ADD_FAILURE() << e.toString();
    return nullptr;
  }
  return r->config;
}

struct Router {
  std::string state = "BACKUP";
  int priority = 100;
  std::string tracks;       // lines inside track_script { }
  std::string extra;        // more lines inside the instance
  std::string definitions;  // top-level blocks after the instance
  std::string vrid = "51";
  std::string interface = "eth0";
};

// The track_script entry (if any) is at line 6.
std::string text(const Router& r) {
  return "vrrp_instance VI_1 {\n"
         "    state " + r.state + "\n"
         "    interface " + r.interface + "\n"
         "    virtual_router_id " + r.vrid + "\n"
         "    track_script {\n" +
         r.tracks + (r.tracks.empty() ? "" : "\n") +
         "    }\n"
         "    priority " + std::to_string(r.priority) + "\n"
         "    virtual_ipaddress { 10.11.12.99 }\n" +
         r.extra + "}\n" + r.definitions;
}

const std::string kChk2 = "vrrp_script chk {\n    script /bin/true\n    weight 2\n}\n";

std::vector<std::string> render(const std::vector<LintFinding>& fs) {
  std::vector<std::string> out;
  for (const auto& f : fs) out.push_back(f.toString());
  return out;
}

std::vector<std::string> problems(const PairReport& r) {
  std::vector<std::string> out;
  for (const auto& f : r.findings)
    if (f.kind == LintFinding::Kind::Problem) out.push_back(f.toString());
  return out;
}

PairReport lint(const Router& a, const Router& b) {
  auto ca = parse(text(a), "a.conf");
  auto cb = parse(text(b), "b.conf");
  if (!ca || !cb) return {};
  return lintPair(*ca, *cb);
}

// ---- keepalived's arithmetic ----

TrackerRef tracker(int weight, bool reverse = false) {
  return {TrackerRef::Kind::Script, "t", weight, reverse, {}};
}

TEST(EffectivePriority, KeepalivedWeightSemantics) {
  const std::vector<TrackerRef> plus{tracker(2)}, minus{tracker(-20)}, zero{tracker(0)};
  EXPECT_EQ(effectivePriority(100, plus, {true}), 102);  // positive: added while OK
  EXPECT_EQ(effectivePriority(100, plus, {false}), 100);
  EXPECT_EQ(effectivePriority(100, minus, {true}), 100);  // negative: subtracted while failing
  EXPECT_EQ(effectivePriority(100, minus, {false}), 80);
  EXPECT_EQ(effectivePriority(100, zero, {true}), 100);  // zero: FAULT while failing
  EXPECT_EQ(effectivePriority(100, zero, {false}), std::nullopt);
}

TEST(EffectivePriority, ReverseNegatesTheAdjustment) {
  const std::vector<TrackerRef> plus{tracker(2, true)}, minus{tracker(-20, true)}, zero{tracker(0, true)};
  EXPECT_EQ(effectivePriority(100, plus, {true}), 98);
  EXPECT_EQ(effectivePriority(100, plus, {false}), 100);
  EXPECT_EQ(effectivePriority(100, minus, {true}), 100);
  EXPECT_EQ(effectivePriority(100, minus, {false}), 120);
  EXPECT_EQ(effectivePriority(100, zero, {true}), std::nullopt);  // FAULT while OK
  EXPECT_EQ(effectivePriority(100, zero, {false}), 100);
}

TEST(EffectivePriority, ClampedTo1Through254AndOwnerNeverAdjusted) {
  const std::vector<TrackerRef> both{tracker(200), tracker(-253)};
  EXPECT_EQ(effectivePriority(100, both, {true, true}), 254);
  EXPECT_EQ(effectivePriority(100, both, {false, false}), 1);
  EXPECT_EQ(effectivePriority(255, both, {false, false}), 255);
}

// ---- one file: havipd --check-config ----

TEST(LintMastership, SeedMasterShowsTheTrap) {
  auto c = load(kConf + "master.conf");
  ASSERT_TRUE(c);
  auto ws = test::render(lintMastership(*c));
  ASSERT_THAT(ws, SizeIs(1));
  EXPECT_THAT(ws[0], HasSubstr(kConf + "master.conf:32:9: warning: vrrp_instance VI_1: track_script chk_service "
                               "(weight 2) moves this router's priority between 100 and 102 only"));
  EXPECT_THAT(ws[0], HasSubstr("differ by less than 2 (peer at 99..100)"));
  EXPECT_THAT(ws[0], HasSubstr("havipctl lint"));
}

TEST(LintMastership, SeedBackupToo) {
  auto c = load(kConf + "backup.conf");
  ASSERT_TRUE(c);
  auto ws = test::render(lintMastership(*c));
  ASSERT_THAT(ws, SizeIs(1));
  EXPECT_THAT(ws[0], HasSubstr("between 90 and 92 only"));
  EXPECT_THAT(ws[0], HasSubstr("(peer at 90..91); a peer 10 above"));
}

TEST(LintMastership, QuietWhenTheWeightCanBridgeTheUsualGap) {
  auto c = load(kLint + "fixed-master.conf");
  ASSERT_TRUE(c);
  EXPECT_THAT(lintMastership(*c), IsEmpty());
  // weight 0 (FAULT) always moves mastership; weight 11 bridges a gap of 10.
  for (const char* w : {"0", "11", "-11"}) {
    Router r;
    r.tracks = "        chk weight " + std::string(w);
    r.definitions = kChk2;
    auto cw = parse(text(r), "t.conf");
    ASSERT_TRUE(cw);
    EXPECT_THAT(lintMastership(*cw), IsEmpty()) << "weight " << w;
  }
}

TEST(LintMastership, WeightOfExactlyTheGapStillWarns) {
  // 100 -> 90 when failing only ties a backup at 90, and a Backup does not
  // preempt an equal priority.
  Router r;
  r.state = "MASTER";
  r.tracks = "        chk weight -10";
  r.definitions = kChk2;
  auto c = parse(text(r), "t.conf");
  ASSERT_TRUE(c);
  auto ws = test::render(lintMastership(*c));
  ASSERT_THAT(ws, SizeIs(1));
  EXPECT_THAT(ws[0], HasSubstr("t.conf:6:9: warning: vrrp_instance VI_1: track_script chk (weight -10) moves this "
                               "router's priority between 90 and 100 only"));
}

TEST(LintMastership, OwnerPriorityAndClampingHaveNoEffect) {
  Router owner;
  owner.state = "MASTER";
  owner.priority = 255;
  owner.tracks = "        chk weight -50";
  owner.definitions = kChk2;
  auto c = parse(text(owner), "t.conf");
  ASSERT_TRUE(c);
  EXPECT_THAT(test::render(lintMastership(*c)),
              ::testing::ElementsAre("t.conf:6:9: warning: vrrp_instance VI_1: track_script chk (weight -50) has no "
                                     "effect: priority 255 (address owner) is never adjusted; use a priority below "
                                     "255, or weight 0 to go FAULT"));
  Router top;
  top.priority = 254;
  top.tracks = "        chk weight 20";
  top.definitions = kChk2;
  c = parse(text(top), "t.conf");
  ASSERT_TRUE(c);
  EXPECT_THAT(test::render(lintMastership(*c)),
              ::testing::ElementsAre("t.conf:6:9: warning: vrrp_instance VI_1: track_script chk (weight 20) has no "
                                     "effect: the priority stays 254 (clamped to 1..254)"));
}

TEST(LintMastership, NopreemptBackupWithWeightedTrackers) {
  Router r;
  r.tracks = "        chk weight -50";
  r.extra = "    nopreempt\n";
  r.definitions = kChk2;
  auto c = parse(text(r), "t.conf");
  ASSERT_TRUE(c);
  auto ws = test::render(lintMastership(*c));
  ASSERT_THAT(ws, SizeIs(1));
  EXPECT_THAT(ws[0], HasSubstr("t.conf:1:1: warning: vrrp_instance VI_1: nopreempt: this router never takes over "
                               "from a live master by priority, so its weighted trackers (chk)"));
}

// ---- the pair: havipctl lint ----

TEST(LintPair, SeedPairHasTheTrap) {
  auto m = load(kConf + "master.conf");
  auto b = load(kConf + "backup.conf");
  ASSERT_TRUE(m && b);
  PairReport r = lintPair(*m, *b);
  EXPECT_FALSE(r.clean());
  auto ps = problems(r);
  ASSERT_THAT(ps, SizeIs(1));
  EXPECT_THAT(ps[0], AllOf(HasSubstr(kConf + "master.conf:32:9: problem: VI_1 (vrid 51): track_script chk_service "
                                     "never moves mastership (checked in all 4 combinations of tracker states): "
                                     "the master (" + kConf + "master.conf, priority 100) is at 102 with "
                                     "chk_service OK and 100 when it fails, still above the backup (" + kConf +
                                     "backup.conf, priority 90) at 92 with chk_service OK there"),
                           HasSubstr("a weight of 2 cannot bridge a priority gap of 10"),
                           HasSubstr("Use weight -20 on both (a failing master drops to 80, below the backup's 90)"),
                           HasSubstr("or weight 20 on both (a failing master falls back to 100, below the "
                                     "backup's 110 with it OK)"),
                           HasSubstr("or weight 0 (FAULT while failing).")));
  // The rest of the pair is right, and says so.
  EXPECT_THAT(render(r.findings)[0], HasSubstr("note: VI_1 (vrid 51): " + kConf + "master.conf is elected master "
                                               "(state MASTER, priority 100 over 90 in " + kConf + "backup.conf)"));
}

TEST(LintPair, ArgumentOrderDoesNotChangeTheRoles) {
  auto m = load(kConf + "master.conf");
  auto b = load(kConf + "backup.conf");
  ASSERT_TRUE(m && b);
  auto ps = problems(lintPair(*b, *m));
  ASSERT_THAT(ps, SizeIs(1));
  EXPECT_THAT(ps[0], HasSubstr("the master (" + kConf + "master.conf, priority 100) is at 102"));
}

TEST(LintPair, FixedPairIsClean) {
  auto m = load(kLint + "fixed-master.conf");
  auto b = load(kLint + "fixed-backup.conf");
  ASSERT_TRUE(m && b);
  PairReport r = lintPair(*m, *b);
  EXPECT_TRUE(r.clean()) << ::testing::PrintToString(render(r.findings));
  auto all = render(r.findings);
  ASSERT_THAT(all, SizeIs(2));
  EXPECT_THAT(all[1], HasSubstr("note: VI_1 (vrid 51): track_script chk_memory [track_memory] moves mastership: "
                                "when it fails on the master (" + kLint + "fixed-master.conf) its priority drops "
                                "from 100 to 80, below the backup's 90, and the backup takes over"));
}

TEST(LintPair, SuggestedWeightsReallyMoveMastership) {
  // Both suggestions for the seed's pair, applied, lint clean.
  for (const char* w : {"-20", "20"}) {
    Router m, b;
    m.state = "MASTER";
    b.priority = 90;
    m.tracks = b.tracks = "        chk weight " + std::string(w);
    m.definitions = b.definitions = kChk2;
    PairReport r = lint(m, b);
    EXPECT_TRUE(r.clean()) << w << ": " << ::testing::PrintToString(render(r.findings));
  }
}

TEST(LintPair, WeightZeroMovesMastership) {
  Router m, b;
  m.state = "MASTER";
  b.priority = 90;
  m.tracks = b.tracks = "        chk weight 0";
  m.definitions = b.definitions = kChk2;
  PairReport r = lint(m, b);
  EXPECT_TRUE(r.clean());
  EXPECT_THAT(render(r.findings)[1], HasSubstr("a.conf:6:9: note: VI_1 (vrid 51): track_script chk has weight 0 "
                                               "on both routers: it moves mastership (a router where it fails goes "
                                               "FAULT and the other takes over)"));
}

TEST(LintPair, TrackerOnlyOnTheBackup) {
  Router m, b;
  m.state = "MASTER";
  b.priority = 90;
  b.tracks = "        chk weight 2";
  b.definitions = kChk2;
  auto ps = problems(lint(m, b));
  ASSERT_THAT(ps, SizeIs(1));
  EXPECT_THAT(ps[0], HasSubstr("b.conf:6:9: problem: VI_1 (vrid 51): track_script chk never moves mastership "
                               "(checked in all 2 combinations of tracker states): it moves the backup (b.conf) "
                               "between 90 and 92 only, while the master (a.conf) is at 100. chk is not tracked on "
                               "the master."));
}

TEST(LintPair, MovesOnlyInCombination) {
  // chk (-5) alone leaves the master at 95 > 90; with big (-8) failing too it
  // drops to 87 < 90.
  Router m, b;
  m.state = "MASTER";
  b.priority = 90;
  m.tracks = "        chk weight -5\n        big weight -8";
  m.definitions = kChk2 + "vrrp_script big {\n    script /bin/true\n}\n";
  PairReport r = lint(m, b);
  auto all = render(r.findings);
  EXPECT_THAT(all, ::testing::Contains(HasSubstr(
                       "track_script chk moves mastership only together with other trackers' states (for example "
                       "with big on a.conf failing), not on its own from the intended master")));
}

TEST(LintPair, NopreemptBackupNeverTakesOverByPriority) {
  Router m, b;
  m.state = "MASTER";
  b.priority = 90;
  b.extra = "    nopreempt\n";
  m.tracks = "        chk weight -50";
  m.definitions = kChk2;
  auto ps = problems(lint(m, b));
  ASSERT_THAT(ps, SizeIs(1));
  EXPECT_THAT(ps[0], HasSubstr("which has nopreempt and never takes over from a live master by priority"));
}

TEST(LintPair, ElectionProblems) {
  Router m, b;
  m.state = "MASTER";
  m.priority = 90;
  b.priority = 100;
  EXPECT_THAT(problems(lint(m, b)),
              ::testing::ElementsAre("a.conf:1:1: problem: VI_1 (vrid 51): a.conf says state MASTER with priority "
                                     "90, but b.conf has the higher priority 100: that router wins the election "
                                     "(state only sets where a router starts); give the MASTER the higher priority"));
  m.priority = 100;
  auto ps = problems(lint(m, b));
  ASSERT_THAT(ps, SizeIs(1));
  EXPECT_THAT(ps[0], HasSubstr("equal priorities 100: when both are master at once, the higher primary IP address "
                               "on eth0 wins (RFC 3768 6.4.3)"));
  // Both BACKUP and equal: intended for peers, a note only.
  m.state = "BACKUP";
  PairReport r = lint(m, b);
  EXPECT_TRUE(r.clean());
  EXPECT_THAT(render(r.findings)[0], HasSubstr("note: VI_1 (vrid 51): equal priorities 100"));
  m.state = b.state = "MASTER";
  b.priority = 90;
  EXPECT_THAT(problems(lint(m, b)),
              ::testing::ElementsAre(HasSubstr("both a.conf and b.conf say state MASTER")));
}

TEST(LintPair, SettingsThatMustMatch) {
  Router m, b;
  m.state = "MASTER";
  b.priority = 90;
  m.extra = "    advert_int 1\n    authentication {\n        auth_type PASS\n        auth_pass 1111\n    }\n";
  b.extra = "    advert_int 2\n    authentication {\n        auth_type PASS\n        auth_pass 2222\n    }\n";
  b.interface = "eth1";
  auto ps = problems(lint(m, b));
  EXPECT_THAT(ps, ::testing::ElementsAre(
                      HasSubstr("a.conf:1:1: problem: VI_1 (vrid 51): interface eth0 in a.conf but eth1 in b.conf"),
                      HasSubstr("a.conf:10:5: problem: VI_1 (vrid 51): auth_pass differs between a.conf and b.conf"),
                      HasSubstr("a.conf:1:1: problem: VI_1 (vrid 51): advert_int 1s in a.conf but 2s in b.conf")));
}

TEST(LintPair, VipSetsAndMissingInstances) {
  auto a = parse(text({"MASTER", 100, "", "", "", "51", "eth0"}), "a.conf");
  auto b = parse(
      "vrrp_instance VI_1 {\n    interface eth0\n    virtual_router_id 51\n    priority 90\n"
      "    virtual_ipaddress {\n        10.11.12.99\n        10.11.12.98/24\n    }\n}\n"
      "vrrp_instance VI_2 {\n    interface eth0\n    virtual_router_id 52\n    virtual_ipaddress { 10.0.0.1 }\n}\n",
      "b.conf");
  ASSERT_TRUE(a && b);
  EXPECT_THAT(problems(lintPair(*a, *b)),
              ::testing::ElementsAre("a.conf:1:1: problem: VI_1 (vrid 51): virtual_ipaddress differs: only in "
                                     "b.conf: 10.11.12.98/24. A failover would move a different set of addresses",
                                     "b.conf:10:1: problem: VI_2 (vrid 52): only in b.conf: the other router has no "
                                     "instance with this virtual_router_id, so nothing backs it up"));
}

}  // namespace
}  // namespace havip::config
