// The real runner on a real io_context with tiny scripts in a temp dir: exit
// codes, a hanging script killed with its process group at the timeout while
// the loop keeps servicing a timer, a missing script, abandoned runs, and no
// zombie child of this process left behind (scanned in /proc).
#include "track/spawn_runner.h"

#include <sys/wait.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>

#include <boost/asio/steady_timer.hpp>

#include "node/asio_clock.h"
#include "track/script_tracker.h"
#include "test_support.h"

namespace havip::track {
namespace {

using namespace std::chrono_literals;
using Kind = ProcessOutcome::Kind;
using SteadyTime = std::chrono::steady_clock;

struct ProcStat {
  char state = '?';
  pid_t ppid = 0;
};

std::optional<ProcStat> procStat(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(in, line)) return std::nullopt;
  // "pid (comm) S ppid ...": comm may hold spaces and parentheses; the last ')' ends it.
  const auto close = line.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream rest(line.substr(close + 1));
  ProcStat s;
  rest >> s.state >> s.ppid;
  return s;
}

// Zombie children of this test process, from /proc/*/stat.
std::vector<pid_t> zombieChildren() {
  std::vector<pid_t> out;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const auto name = entry.path().filename().string();
    if (name.empty() || !std::all_of(name.begin(), name.end(), ::isdigit)) continue;
    const pid_t pid = std::stoi(name);
    const auto s = procStat(pid);
    if (s && s->ppid == ::getpid() && s->state == 'Z') out.push_back(pid);
  }
  return out;
}

// Running, sleeping or stopped: anything but gone or dead.
bool alive(pid_t pid) {
  const auto s = procStat(pid);
  return s && s->state != 'Z' && s->state != 'X';
}

class SpawnRunnerTest : public ::testing::Test {
 protected:
  test::TempDir dir;
  boost::asio::io_context io;

  // Runs the loop until `done` or `limit`; false on timeout.
  template <typename Pred>
  bool runUntil(Pred done, std::chrono::milliseconds limit = 5000ms) {
    const auto end = SteadyTime::now() + limit;
    while (!done()) {
      if (SteadyTime::now() >= end) return false;
      io.restart();
      io.run_one_for(10ms);
    }
    return true;
  }

  std::string script(const std::string& name, const std::string& body) {
    return dir.write(name, "#!/bin/sh\n" + body + "\n", /*executable=*/true);
  }

  void TearDown() override { EXPECT_THAT(zombieChildren(), ::testing::IsEmpty()); }
};

// The zombie scan every test ends with must be able to see one.
TEST(ZombieScan, SeesAnUnreapedChild) {
  const pid_t pid = ::fork();
  if (pid == 0) ::_exit(0);
  ASSERT_GT(pid, 0);
  const auto end = SteadyTime::now() + 5s;
  while (SteadyTime::now() < end && procStat(pid) && procStat(pid)->state != 'Z')
    std::this_thread::sleep_for(1ms);
  EXPECT_THAT(zombieChildren(), ::testing::Contains(pid));
  ::waitpid(pid, nullptr, 0);
  EXPECT_THAT(zombieChildren(), ::testing::IsEmpty());
}

TEST_F(SpawnRunnerTest, ExitCodesComeBackOnTheLoop) {
  SpawnRunner runner(io);
  std::optional<ProcessOutcome> ok, fail;
  auto h1 = runner.run({script("ok.sh", "exit 0")}, 5s, [&](ProcessOutcome o) { ok = o; });
  auto h2 = runner.run({script("fail.sh", "exit 3")}, 5s, [&](ProcessOutcome o) { fail = o; });
  EXPECT_FALSE(ok);  // never inside run()
  ASSERT_TRUE(runUntil([&] { return ok && fail; }));
  EXPECT_EQ(ok->kind, Kind::Exited);
  EXPECT_EQ(ok->code, 0);
  EXPECT_TRUE(ok->success());
  EXPECT_EQ(fail->kind, Kind::Exited);
  EXPECT_EQ(fail->code, 3);
  EXPECT_EQ(runner.unreaped(), 0u);
}

TEST_F(SpawnRunnerTest, ArgumentsArePassedWithoutAShell) {
  SpawnRunner runner(io);
  const auto out = dir.file("args");
  const auto s = script("args.sh", "printf '%s|' \"$@\" > \"$1\"");
  std::optional<ProcessOutcome> r;
  auto h = runner.run({s, out, "two words", "$HOME", "*"}, 5s, [&](ProcessOutcome o) { r = o; });
  ASSERT_TRUE(runUntil([&] { return r.has_value(); }));
  std::ifstream in(out);
  std::string got;
  std::getline(in, got);
  EXPECT_EQ(got, out + "|two words|$HOME|*|");
}

TEST_F(SpawnRunnerTest, StdinStdoutAndStderrAreDevNull) {
  SpawnRunner runner(io);
  const auto out = dir.file("fds");
  // $$ is the script's shell; $(...) runs readlink in a subshell, so the
  // shell's own descriptors are read before any redirection touches them.
  const auto s = script("fds.sh",
                        "fds=$(readlink /proc/$$/fd/0 /proc/$$/fd/1 /proc/$$/fd/2)\n"
                        "printf '%s\\n' \"$fds\" > \"$1\"");
  std::optional<ProcessOutcome> r;
  auto h = runner.run({s, out}, 5s, [&](ProcessOutcome o) { r = o; });
  ASSERT_TRUE(runUntil([&] { return r.has_value(); }));
  std::ifstream in(out);
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  EXPECT_THAT(lines, ::testing::ElementsAre("/dev/null", "/dev/null", "/dev/null"));
}

TEST_F(SpawnRunnerTest, AHangingScriptIsKilledWithItsGroupWhileTheLoopRuns) {
  SpawnRunner runner(io);
  const auto pidFile = dir.file("grandchild");
  // The script's own child would survive a kill of the script alone.
  const auto s = script("hang.sh", "sleep 60 & echo $! > \"$1\"; wait");

  // A 20 ms ticker on the same loop: it must keep ticking while the script hangs.
  boost::asio::steady_timer ticker(io);
  std::vector<SteadyTime::time_point> ticks;
  std::function<void()> tick = [&] {
    ticker.expires_after(20ms);
    ticker.async_wait([&](const boost::system::error_code& ec) {
      if (ec) return;
      ticks.push_back(SteadyTime::now());
      tick();
    });
  };
  tick();

  const auto t0 = SteadyTime::now();
  std::optional<ProcessOutcome> r;
  auto h = runner.run({s, pidFile}, 600ms, [&](ProcessOutcome o) { r = o; });
  ASSERT_TRUE(runUntil([&] { return r.has_value(); }));
  const auto took = SteadyTime::now() - t0;
  ticker.cancel();

  EXPECT_EQ(r->kind, Kind::TimedOut);
  EXPECT_EQ(r->code, SIGKILL);
  EXPECT_GE(took, 600ms);
  EXPECT_LT(took, 3s);
  // About 30 ticks in 600 ms; the loop was never blocked for long.
  ASSERT_GE(ticks.size(), 10u);
  SteadyTime::duration worstGap{};
  for (std::size_t i = 1; i < ticks.size(); ++i) worstGap = std::max(worstGap, ticks[i] - ticks[i - 1]);
  EXPECT_LT(worstGap, 300ms);

  std::ifstream in(pidFile);
  pid_t grandchild = 0;
  in >> grandchild;
  ASSERT_GT(grandchild, 0);
  // SIGKILL went to the whole group; the orphan is reaped by init, or at least dead.
  EXPECT_TRUE(runUntil([&] { return !alive(grandchild); }, 2000ms)) << "sleep " << grandchild << " survived";
  EXPECT_EQ(runner.unreaped(), 0u);
}

TEST_F(SpawnRunnerTest, AMissingOrNonExecutableScriptIsNotStarted) {
  SpawnRunner runner(io);
  std::optional<ProcessOutcome> missing, plain, bare;
  auto h1 = runner.run({dir.file("absent.sh")}, 5s, [&](ProcessOutcome o) { missing = o; });
  auto h2 = runner.run({dir.write("plain.sh", "#!/bin/sh\nexit 0\n", false)}, 5s,
                       [&](ProcessOutcome o) { plain = o; });
  auto h3 = runner.run({"havip-no-such-program"}, 5s, [&](ProcessOutcome o) { bare = o; });
  EXPECT_FALSE(missing);  // posted, never inside run()
  ASSERT_TRUE(runUntil([&] { return missing && plain && bare; }));
  EXPECT_EQ(missing->kind, Kind::NotStarted);
  EXPECT_EQ(missing->code, ENOENT);
  EXPECT_EQ(missing->describe(), "cannot execute: No such file or directory");
  EXPECT_EQ(plain->kind, Kind::NotStarted);
  EXPECT_EQ(plain->code, EACCES);
  EXPECT_EQ(bare->kind, Kind::NotStarted);
  EXPECT_EQ(bare->code, ENOENT);
}

TEST_F(SpawnRunnerTest, BareNamesAreLookedUpInPath) {
  SpawnRunner runner(io);
  std::optional<ProcessOutcome> r;
  auto h = runner.run({"true"}, 5s, [&](ProcessOutcome o) { r = o; });
  ASSERT_TRUE(runUntil([&] { return r.has_value(); }));
  EXPECT_TRUE(r->success()) << r->describe();
}

TEST_F(SpawnRunnerTest, DroppingTheHandleKillsAndStillReaps) {
  SpawnRunner runner(io);
  bool called = false;
  auto h = runner.run({script("hang.sh", "exec sleep 60")}, 60s, [&](ProcessOutcome) { called = true; });
  EXPECT_EQ(runner.unreaped(), 1u);
  h.reset();
  ASSERT_TRUE(runUntil([&] { return runner.unreaped() == 0; }));
  EXPECT_FALSE(called);
}

TEST_F(SpawnRunnerTest, DroppingAnEarlyFailureCancelsItsCallback) {
  SpawnRunner runner(io);
  bool called = false;
  auto h = runner.run({dir.file("absent.sh")}, 5s, [&](ProcessOutcome) { called = true; });
  h.reset();
  io.poll();
  EXPECT_FALSE(called);
}

TEST_F(SpawnRunnerTest, DestroyingTheRunnerReapsWhatStillRuns) {
  {
    SpawnRunner runner(io);
    auto h = runner.run({script("hang.sh", "exec sleep 60")}, 60s, [](ProcessOutcome) {});
    ASSERT_EQ(runner.unreaped(), 1u);
  }
  EXPECT_THAT(zombieChildren(), ::testing::IsEmpty());
  io.restart();
  io.poll();  // the cancelled waits complete harmlessly
}

TEST_F(SpawnRunnerTest, IgnoredSignalsAreNotInherited) {
  // The daemon may ignore signals (SIGPIPE, say); the script gets the defaults back.
  auto* old = std::signal(SIGTERM, SIG_IGN);
  SpawnRunner runner(io);
  std::optional<ProcessOutcome> r;
  auto h = runner.run({script("term.sh", "kill -TERM $$; sleep 5")}, 10s, [&](ProcessOutcome o) { r = o; });
  ASSERT_TRUE(runUntil([&] { return r.has_value(); }));
  std::signal(SIGTERM, old);
  EXPECT_EQ(r->kind, Kind::Signaled);
  EXPECT_EQ(r->code, SIGTERM);
}

// The ScriptTracker on the real runner, clock and timers.
TEST_F(SpawnRunnerTest, ScriptTrackerEndToEnd) {
  SpawnRunner runner(io);
  node::SteadyClock clock;
  node::AsioTimerService timers(io);
  const auto flag = dir.file("healthy");
  ScriptTrackerParams p;
  p.name = "chk_file";
  p.argv = {"test", "-e", flag};  // bare name: PATH lookup, no shell
  p.interval = 100ms;
  p.timeout = 1s;
  p.weight = -10;
  ScriptTracker t(p, clock, timers, runner);
  t.start();
  ASSERT_TRUE(runUntil([&] { return t.state() == TrackerState::Failing; }));
  EXPECT_EQ(t.lastResult(), "exit 1");
  dir.write("healthy", "");
  ASSERT_TRUE(runUntil([&] { return t.state() == TrackerState::Ok; }));
  EXPECT_EQ(t.lastResult(), "exit 0");
}

TEST_F(SpawnRunnerTest, ScriptTrackerTimesOutAHangingScript) {
  SpawnRunner runner(io);
  node::SteadyClock clock;
  node::AsioTimerService timers(io);
  ScriptTrackerParams p;
  p.name = "chk_hang";
  p.argv = {script("hang.sh", "exec sleep 60")};
  p.interval = 2s;
  p.timeout = 300ms;
  ScriptTracker t(p, clock, timers, runner);
  t.start();
  ASSERT_TRUE(runUntil([&] { return t.state() == TrackerState::Failing; }));
  EXPECT_EQ(t.lastResult(), "timed out after 0.3 s, process group killed");
  EXPECT_FALSE(t.running());
  EXPECT_EQ(runner.unreaped(), 0u);
}

}  // namespace
}  // namespace havip::track
