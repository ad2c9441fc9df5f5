// ScriptTracker's schedule and counting on a FakeProcessRunner and FakeClock:
// runs at start and every interval, skips while a run is in flight, rise/fall,
// a command that cannot be executed, keepalived's startup check.
#include "track/script_tracker.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <csignal>

#include "node/fake_clock.h"
#include "track/fake_process_runner.h"
#include "test_support.h"

namespace havip::track {
namespace {

using namespace std::chrono_literals;
using Kind = ProcessOutcome::Kind;

const ProcessOutcome kOk{Kind::Exited, 0};
const ProcessOutcome kFail{Kind::Exited, 1};

class ScriptTrackerTest : public ::testing::Test {
 protected:
  test::TempDir dir;
  node::FakeClock clock;
  FakeProcessRunner runner;
  std::string script = dir.write("check.sh", "#!/bin/sh\nexit 0\n", /*executable=*/true);
  std::vector<TrackerState> seen;

  std::unique_ptr<ScriptTracker> make(ScriptTrackerParams p) {
    auto t = std::make_unique<ScriptTracker>(std::move(p), clock, clock, runner);
    t->setListener([this, raw = t.get()] { seen.push_back(raw->state()); });
    return t;
  }
  ScriptTrackerParams params(unsigned rise = 1, unsigned fall = 1) {
    ScriptTrackerParams p;
    p.name = "chk_service";
    p.argv = {script, "arg one"};
    p.interval = 2s;
    p.timeout = 1s;
    p.weight = 2;
    p.rise = rise;
    p.fall = fall;
    return p;
  }
};

TEST_F(ScriptTrackerTest, RunsAtStartThenEveryInterval) {
  auto t = make(params());
  t->start();
  ASSERT_EQ(runner.started(), 1u);
  EXPECT_EQ(runner.at(0).argv, (std::vector<std::string>{script, "arg one"}));
  EXPECT_EQ(runner.at(0).timeout, 1s);
  EXPECT_EQ(t->state(), TrackerState::Pending);
  runner.finishLast(kOk);
  EXPECT_EQ(t->state(), TrackerState::Ok);
  EXPECT_EQ(t->lastResult(), "exit 0");
  clock.advance(1999ms);
  EXPECT_EQ(runner.started(), 1u);
  clock.advance(1ms);
  EXPECT_EQ(runner.started(), 2u);
  runner.finishLast(kFail);
  EXPECT_EQ(t->state(), TrackerState::Failing);
  EXPECT_EQ(t->lastResult(), "exit 1");
  EXPECT_EQ(t->lastResultAt(), clock.now());
  EXPECT_THAT(seen, ::testing::ElementsAre(TrackerState::Ok, TrackerState::Failing));
}

TEST_F(ScriptTrackerTest, SkipsAnIntervalWhileARunIsInFlight) {
  auto t = make(params());
  t->start();
  clock.advance(2s);
  EXPECT_EQ(runner.started(), 1u);  // still running: skipped
  EXPECT_TRUE(t->running());
  runner.finishLast(kOk);
  clock.advance(2s);
  EXPECT_EQ(runner.started(), 2u);
}

TEST_F(ScriptTrackerTest, TimeoutAndSignalsAreFailures) {
  auto t = make(params());
  t->start();
  runner.finishLast({Kind::TimedOut, SIGKILL});
  EXPECT_EQ(t->state(), TrackerState::Failing);
  EXPECT_EQ(t->lastResult(), "timed out after 1 s, process group killed");
  clock.advance(2s);
  runner.finishLast({Kind::Signaled, SIGSEGV});
  EXPECT_EQ(t->lastResult(), "killed by signal 11 (Segmentation fault)");
  EXPECT_EQ(t->state(), TrackerState::Failing);
}

TEST_F(ScriptTrackerTest, RiseAndFallCountRuns) {
  auto t = make(params(/*rise=*/2, /*fall=*/2));
  t->start();
  runner.finishLast(kOk);  // the first result decides
  EXPECT_EQ(t->state(), TrackerState::Ok);
  clock.advance(2s);
  runner.finishLast(kFail);
  EXPECT_EQ(t->state(), TrackerState::Ok);
  clock.advance(2s);
  runner.finishLast(kFail);
  EXPECT_EQ(t->state(), TrackerState::Failing);
  clock.advance(2s);
  runner.finishLast(kOk);
  EXPECT_EQ(t->state(), TrackerState::Failing);
  clock.advance(2s);
  runner.finishLast(kOk);
  EXPECT_EQ(t->state(), TrackerState::Ok);
}

TEST_F(ScriptTrackerTest, InitFailStartsFailing) {
  auto p = params(2, 1);
  p.initFail = true;
  auto t = make(p);
  EXPECT_EQ(t->state(), TrackerState::Failing);
  t->start();
  runner.finishLast(kOk);
  EXPECT_EQ(t->state(), TrackerState::Failing);
  clock.advance(2s);
  runner.finishLast(kOk);
  EXPECT_EQ(t->state(), TrackerState::Ok);
}

TEST_F(ScriptTrackerTest, CannotExecuteAtRunTimeCountsAsFailing) {
  auto t = make(params());
  t->start();
  runner.finishLast(kOk);
  clock.advance(2s);
  runner.finishLast({Kind::NotStarted, ENOENT});
  EXPECT_EQ(t->state(), TrackerState::Failing);
  EXPECT_EQ(t->lastResult(), "cannot execute " + script + ": No such file or directory");
  clock.advance(2s);
  runner.finishLast({Kind::NotStarted, EACCES});
  EXPECT_EQ(t->lastResult(), "cannot execute " + script + ": Permission denied");
}

TEST_F(ScriptTrackerTest, MissingAtStartupIsDisabledAsKeepalivedDoes) {
  auto p = params();
  p.argv = {dir.file("absent.sh")};
  auto t = make(p);
  t->start();
  EXPECT_EQ(t->state(), TrackerState::Disabled);
  EXPECT_EQ(runner.started(), 0u);
  EXPECT_THAT(t->lastResult(), ::testing::HasSubstr("absent.sh: No such file or directory"));
  clock.advance(10s);
  EXPECT_EQ(runner.started(), 0u);  // never runs until a reload
}

TEST_F(ScriptTrackerTest, NotExecutableAtStartupIsDisabledToo) {
  auto p = params();
  p.argv = {dir.write("plain.sh", "#!/bin/sh\nexit 0\n", /*executable=*/false)};
  auto t = make(p);
  t->start();
  EXPECT_EQ(t->state(), TrackerState::Disabled);
  EXPECT_THAT(t->lastResult(), ::testing::HasSubstr("not executable"));
}

TEST_F(ScriptTrackerTest, MissingAtStartupWithFailPolicyRunsAndFails) {
  auto p = params();
  p.argv = {dir.file("absent.sh")};
  p.missingAtStart = MissingScript::Fail;
  auto t = make(p);
  t->start();
  ASSERT_EQ(runner.started(), 1u);
  runner.finishLast({Kind::NotStarted, ENOENT});
  EXPECT_EQ(t->state(), TrackerState::Failing);
}

TEST(ScriptProblem, SearchesPathForBareNames) {
  EXPECT_EQ(scriptProblem("sh"), std::nullopt);
  EXPECT_EQ(scriptProblem("/bin/sh"), std::nullopt);
  EXPECT_EQ(*scriptProblem("havip-no-such-program"), "havip-no-such-program: not found in PATH");
  EXPECT_EQ(*scriptProblem("/etc"), "/etc: not a regular file");
}

TEST(ScriptParams, FromConfig) {
  config::VrrpScript s;
  s.name = "chk_service";
  s.argv = {"/etc/keepalived/check_memory.sh"};
  s.interval = std::chrono::seconds(2);
  s.weight = 2;
  s.rise = 3;
  s.fall = 4;
  const auto p = ScriptTrackerParams::from(s, 5, true);
  EXPECT_EQ(p.timeout, 2s);  // unset: the interval, as keepalived
  EXPECT_EQ(p.interval, 2s);
  EXPECT_EQ(p.weight, 5);
  EXPECT_TRUE(p.reverse);
  EXPECT_EQ(p.rise, 3u);
  EXPECT_EQ(p.fall, 4u);
}

}  // namespace
}  // namespace havip::track
