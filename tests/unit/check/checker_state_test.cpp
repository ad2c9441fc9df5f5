// The checker state machine against keepalived 2.2's rules (check_tcp.c
// tcp_epilog, check_http.c epilog/timeout_epilog, check_data.c's startup
// preset of retry_it): every delay and every transition, with explicit time.
#include "check/checker_state.h"

#include <string>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>

namespace havip::check {
namespace {

using namespace std::chrono_literals;
using config::CheckType;

const TimePoint kStart(std::chrono::hours(1));

CheckerParams tcp(unsigned retry, Duration dbr = 1s, Duration loop = 6s) {
  CheckerParams p;
  p.type = CheckType::Tcp;
  p.retry = retry;
  p.delayBeforeRetry = dbr;
  p.delayLoop = loop;
  return p;
}

CheckerParams http(unsigned retry, std::size_t urls, Duration dbr = 3s, Duration loop = 6s) {
  CheckerParams p = tcp(retry, dbr, loop);
  p.type = CheckType::Http;
  p.urlCount = urls;
  return p;
}

// Feeds one result at `now` and returns the verdict.
struct Driver {
  CheckerState state;
  TimePoint now = kStart;

  Verdict ok(Duration after = 0s) { return step(true, after); }
  Verdict fail(Duration after = 0s) { return step(false, after); }
  Verdict step(bool good, Duration after) {
    now += after;
    return state.onProbe(good, good ? "probe: ok" : "probe: connection refused", now);
  }
};

TEST(CheckerParams, ComeFromTheResolvedConfig) {
  config::HealthCheck hc;
  hc.type = CheckType::Http;
  hc.retry = 4;
  hc.delayBeforeRetry = 3000ms;
  hc.delayLoop = 10000ms;
  hc.urls.resize(2);
  const auto p = CheckerParams::from(hc);
  EXPECT_EQ(p.type, CheckType::Http);
  EXPECT_EQ(p.retry, 4u);
  EXPECT_EQ(p.delayBeforeRetry, 3s);
  EXPECT_EQ(p.delayLoop, 10s);
  EXPECT_EQ(p.urlCount, 2u);
  EXPECT_FALSE(p.alpha);
  hc.type = CheckType::Tcp;
  EXPECT_EQ(CheckerParams::from(hc, true).urlCount, 1u);
  EXPECT_TRUE(CheckerParams::from(hc, true).alpha);
}

TEST(CheckerState, StartsUpWithoutAlphaAndDownWithIt) {
  CheckerState plain(tcp(1));
  EXPECT_EQ(plain.health(), Health::Up);
  EXPECT_FALSE(plain.hasRun());
  EXPECT_EQ(plain.consecutiveFailures(), 0u);
  EXPECT_TRUE(plain.lastResult().empty());
  EXPECT_EQ(plain.lastResultAt(), std::nullopt);

  auto p = tcp(1);
  p.alpha = true;
  EXPECT_EQ(CheckerState(p).health(), Health::Down);
}

TEST(CheckerState, FirstProbeAfterBootstrapDelayPlusWarmupBoundedByDelayLoop) {
  CheckerState s(tcp(1, 1s, 6s));
  EXPECT_EQ(s.firstProbeAt(kStart, 0s), kStart + 1s);
  EXPECT_EQ(s.firstProbeAt(kStart, 2500ms), kStart + 3500ms);
  EXPECT_EQ(s.firstProbeAt(kStart, 60s), kStart + 7s);   // warmup never beyond delay_loop
  EXPECT_EQ(s.firstProbeAt(kStart, -5s), kStart + 1s);
}

TEST(CheckerStateTcp, FirstFailureIsEnoughBeforeTheFirstVerdict) {
  Driver d{CheckerState(tcp(3))};
  const auto v = d.fail();
  ASSERT_TRUE(v.transition);
  EXPECT_EQ(v.transition->to, Health::Down);
  EXPECT_EQ(v.transition->reason, "probe: connection refused (1 attempt)");
  EXPECT_EQ(v.nextProbeAt, d.now + 6s);
  EXPECT_EQ(d.state.health(), Health::Down);
  EXPECT_TRUE(d.state.hasRun());
}

TEST(CheckerStateTcp, FirstSuccessKeepsUpSilently) {
  Driver d{CheckerState(tcp(3))};
  const auto v = d.ok();
  EXPECT_FALSE(v.transition);
  EXPECT_EQ(v.nextProbeAt, d.now + 6s);
  EXPECT_EQ(d.state.health(), Health::Up);
  EXPECT_EQ(d.state.lastResult(), "probe: ok");
  EXPECT_EQ(d.state.lastResultAt(), d.now);
}

// For every retry count: an UP check survives `retry` failures spaced by
// delay_before_retry and goes DOWN on failure retry+1, then waits delay_loop.
class TcpRetries : public ::testing::TestWithParam<unsigned> {};

TEST_P(TcpRetries, UpGoesDownAfterRetryPlusOneFailures) {
  const unsigned retry = GetParam();
  Driver d{CheckerState(tcp(retry, 2s, 10s))};
  ASSERT_FALSE(d.ok().transition);  // the first verdict: UP
  for (unsigned attempt = 1; attempt <= retry; ++attempt) {
    const auto v = d.fail(attempt == 1 ? 10s : 2s);
    EXPECT_FALSE(v.transition) << "attempt " << attempt;
    EXPECT_EQ(v.nextProbeAt, d.now + 2s) << "attempt " << attempt;
    EXPECT_EQ(d.state.consecutiveFailures(), attempt);
    EXPECT_EQ(d.state.health(), Health::Up);
  }
  const auto v = d.fail(retry == 0 ? 10s : 2s);
  ASSERT_TRUE(v.transition);
  EXPECT_EQ(v.transition->to, Health::Down);
  const unsigned attempts = retry + 1;
  EXPECT_EQ(v.transition->reason, "probe: connection refused (" + std::to_string(attempts) +
                                      (attempts == 1 ? " attempt)" : " attempts)"));
  EXPECT_EQ(v.nextProbeAt, d.now + 10s);
  EXPECT_EQ(d.state.consecutiveFailures(), attempts);
}

TEST_P(TcpRetries, ASuccessBetweenRetriesStartsTheCountAgain) {
  const unsigned retry = GetParam();
  Driver d{CheckerState(tcp(retry, 2s, 10s))};
  d.ok();
  for (int round = 0; round < 3; ++round) {
    for (unsigned i = 0; i < retry; ++i) EXPECT_FALSE(d.fail().transition);
    const auto v = d.ok();
    EXPECT_FALSE(v.transition);
    EXPECT_EQ(v.nextProbeAt, d.now + 10s);
    EXPECT_EQ(d.state.consecutiveFailures(), 0u);
  }
  EXPECT_EQ(d.state.health(), Health::Up);
}

TEST_P(TcpRetries, DownComesBackUpOnOneSuccess) {
  const unsigned retry = GetParam();
  Driver d{CheckerState(tcp(retry, 2s, 10s))};
  d.fail();  // first verdict: DOWN
  ASSERT_EQ(d.state.health(), Health::Down);
  const auto v = d.ok(10s);
  ASSERT_TRUE(v.transition);
  EXPECT_EQ(v.transition->to, Health::Up);
  EXPECT_EQ(v.transition->reason, "probe: ok");
  EXPECT_EQ(v.nextProbeAt, d.now + 10s);
}

TEST_P(TcpRetries, DownKeepsCyclingRetriesThenDelayLoopWithoutTransitions) {
  const unsigned retry = GetParam();
  Driver d{CheckerState(tcp(retry, 2s, 10s))};
  d.fail();
  for (int round = 0; round < 3; ++round) {
    for (unsigned i = 0; i < retry; ++i) {
      const auto v = d.fail();
      EXPECT_FALSE(v.transition);
      EXPECT_EQ(v.nextProbeAt, d.now + 2s);
    }
    const auto v = d.fail();
    EXPECT_FALSE(v.transition);
    EXPECT_EQ(v.nextProbeAt, d.now + 10s);
  }
  EXPECT_EQ(d.state.health(), Health::Down);
}

INSTANTIATE_TEST_SUITE_P(Retry, TcpRetries, ::testing::Values(0u, 1u, 2u, 3u, 7u));

TEST(CheckerStateTcp, AlphaStartsDownAndComesUpOnTheFirstSuccess) {
  auto p = tcp(2);
  p.alpha = true;
  Driver d{CheckerState(p)};
  const auto v = d.ok();
  ASSERT_TRUE(v.transition);
  EXPECT_EQ(v.transition->to, Health::Up);
  EXPECT_EQ(v.nextProbeAt, d.now + 6s);
}

TEST(CheckerStateTcp, AlphaFirstFailureStaysDownWithoutATransition) {
  auto p = tcp(2);
  p.alpha = true;
  Driver d{CheckerState(p)};
  const auto v = d.fail();
  EXPECT_FALSE(v.transition);
  EXPECT_EQ(v.nextProbeAt, d.now + 6s);  // a verdict (retry_it preset): no retries
  EXPECT_EQ(d.state.health(), Health::Down);
  EXPECT_TRUE(d.state.hasRun());
}

// The whole timeline a director sees for one real server with keepalived's
// TCP_CHECK defaults (retry 1, delay_before_retry 1 s) and delay_loop 6 s,
// each probe run when the previous verdict said.
TEST(CheckerStateTcp, UpDownUpTimeline) {
  CheckerState s(tcp(1, 1s, 6s));
  TimePoint t = s.firstProbeAt(kStart, 0s);
  EXPECT_EQ(t, kStart + 1s);
  std::vector<std::tuple<Duration, Health>> flips;
  auto run = [&](bool ok) {
    const auto v = s.onProbe(ok, ok ? "up" : "down", t);
    if (v.transition) flips.emplace_back(t - kStart, v.transition->to);
    t = v.nextProbeAt;
  };
  run(true);   // 1 s
  run(true);   // 7 s
  run(false);  // 13 s: first failure, retry in 1 s
  EXPECT_EQ(t, kStart + 14s);
  run(false);  // 14 s: second failure: DOWN, next round at 20 s
  EXPECT_EQ(t, kStart + 20s);
  run(false);  // 20 s: still down, retry at 21 s
  EXPECT_EQ(t, kStart + 21s);
  run(true);   // 21 s: UP
  EXPECT_EQ(t, kStart + 27s);
  EXPECT_EQ(flips, (std::vector<std::tuple<Duration, Health>>{{14s, Health::Down}, {21s, Health::Up}}));
}

TEST(CheckerStateHttp, SingleUrlUpGoesDownAfterRetriesThenWaitsTheLongerDelay) {
  Driver d{CheckerState(http(2, 1, 3s, 6s))};
  d.ok();
  EXPECT_EQ(d.state.nextUrl(), 0u);
  auto v = d.fail(6s);
  EXPECT_FALSE(v.transition);
  EXPECT_EQ(v.nextProbeAt, d.now + 3s);
  v = d.fail(3s);
  EXPECT_FALSE(v.transition);
  EXPECT_EQ(v.nextProbeAt, d.now + 3s);
  v = d.fail(3s);
  ASSERT_TRUE(v.transition);
  EXPECT_EQ(v.transition->to, Health::Down);
  EXPECT_EQ(v.transition->reason, "probe: connection refused (3 attempts)");
  EXPECT_EQ(v.nextProbeAt, d.now + 6s);  // max(delay_before_retry, delay_loop)
}

TEST(CheckerStateHttp, DownRefetchesTheFailedUrlWithoutCountingRetries) {
  Driver d{CheckerState(http(1, 1, 10s, 6s))};
  d.fail();  // first verdict: DOWN
  ASSERT_EQ(d.state.health(), Health::Down);
  for (int i = 0; i < 4; ++i) {
    const auto v = d.fail();
    EXPECT_FALSE(v.transition);
    EXPECT_EQ(v.nextProbeAt, d.now + 10s);  // delay_before_retry is the larger here
    EXPECT_EQ(d.state.nextUrl(), 0u);
  }
}

// keepalived 2.2: after the failed url passes, every url is fetched again
// before the server is UP; with one url that is two successes in a row.
TEST(CheckerStateHttp, DownNeedsTheFailedUrlThenAFullPassToComeUp) {
  Driver d{CheckerState(http(1, 1, 3s, 6s))};
  d.fail();
  ASSERT_EQ(d.state.health(), Health::Down);
  auto v = d.ok(6s);
  EXPECT_FALSE(v.transition);
  EXPECT_EQ(v.nextProbeAt, d.now + 6s);
  EXPECT_EQ(d.state.health(), Health::Down);
  v = d.ok(6s);
  ASSERT_TRUE(v.transition);
  EXPECT_EQ(v.transition->to, Health::Up);
  EXPECT_EQ(v.nextProbeAt, d.now + 6s);
}

TEST(CheckerStateHttp, UrlsAreFetchedOneProbeEachDelayLoopApart) {
  Driver d{CheckerState(http(1, 3, 3s, 6s))};
  std::vector<std::size_t> fetched;
  for (int i = 0; i < 7; ++i) {
    fetched.push_back(d.state.nextUrl());
    const auto v = d.ok();
    EXPECT_FALSE(v.transition);
    EXPECT_EQ(v.nextProbeAt, d.now + 6s);
    d.now = v.nextProbeAt;
  }
  EXPECT_EQ(fetched, (std::vector<std::size_t>{0, 1, 2, 0, 1, 2, 0}));
}

TEST(CheckerStateHttp, FirstRunFailureOfALaterUrlIsEnough) {
  Driver d{CheckerState(http(3, 2, 3s, 6s))};
  EXPECT_FALSE(d.ok().transition);
  EXPECT_EQ(d.state.nextUrl(), 1u);
  const auto v = d.fail(6s);
  ASSERT_TRUE(v.transition);
  EXPECT_EQ(v.transition->to, Health::Down);
  EXPECT_EQ(v.transition->reason, "probe: connection refused (1 attempt)");
}

TEST(CheckerStateHttp, DownWithSeveralUrlsRetestsAllFromTheFirst) {
  Driver d{CheckerState(http(1, 3, 3s, 6s))};
  for (int i = 0; i < 3; ++i) d.ok();  // a full pass: UP, back at url 0
  EXPECT_FALSE(d.ok().transition);      // url 0
  ASSERT_EQ(d.state.nextUrl(), 1u);
  EXPECT_FALSE(d.fail().transition);    // url 1, retry
  EXPECT_EQ(d.state.nextUrl(), 1u);
  const auto down = d.fail();
  ASSERT_TRUE(down.transition);
  EXPECT_EQ(down.transition->to, Health::Down);
  EXPECT_EQ(d.state.nextUrl(), 1u);  // the failed url is what a DOWN check fetches
  EXPECT_FALSE(d.fail().transition);
  EXPECT_EQ(d.state.nextUrl(), 1u);
  EXPECT_FALSE(d.ok().transition);  // url 1 passes: start over
  EXPECT_EQ(d.state.nextUrl(), 0u);
  EXPECT_FALSE(d.ok().transition);  // url 0
  EXPECT_FALSE(d.ok().transition);  // url 1
  const auto up = d.ok();           // url 2: all passed
  ASSERT_TRUE(up.transition);
  EXPECT_EQ(up.transition->to, Health::Up);
  EXPECT_EQ(d.state.nextUrl(), 0u);
}

TEST(CheckerStateHttp, AlphaComesUpWhenAllUrlsPass) {
  auto p = http(1, 2);
  p.alpha = true;
  Driver d{CheckerState(p)};
  EXPECT_FALSE(d.ok().transition);
  const auto v = d.ok();
  ASSERT_TRUE(v.transition);
  EXPECT_EQ(v.transition->to, Health::Up);
}

TEST(CheckerStateHttp, ConsecutiveFailuresCountEveryFailedProbe) {
  Driver d{CheckerState(http(1, 1, 3s, 6s))};
  d.fail();
  d.fail();
  d.fail();
  EXPECT_EQ(d.state.consecutiveFailures(), 3u);
  d.ok();
  EXPECT_EQ(d.state.consecutiveFailures(), 0u);
}

}  // namespace
}  // namespace havip::check
