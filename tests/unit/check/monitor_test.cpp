// HealthMonitor on a FakeClock with fake probers: the seed's two real servers,
// probes at the times keepalived would run them, real-server health as the
// AND of its checks, status for havipctl, and teardown with probes in flight.
#include "check/health_monitor.h"

#include <map>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "check/fake_prober.h"
#include "node/fake_clock.h"

namespace havip::check {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

const auto kVip = *net::Ipv4Address::parse("10.11.12.99");
const auto kNoeud1 = *net::Ipv4Address::parse("192.168.100.10");
const auto kNoeud2 = *net::Ipv4Address::parse("192.168.100.20");
const auto kNoeud3 = *net::Ipv4Address::parse("192.168.100.30");

config::HealthCheck tcpCheck() {
  config::HealthCheck c;
  c.type = config::CheckType::Tcp;
  c.connectTimeout = 3000ms;
  c.retry = 1;
  c.delayBeforeRetry = 1000ms;
  c.delayLoop = 6000ms;
  return c;
}

config::HealthCheck httpCheck(std::vector<std::string> paths) {
  config::HealthCheck c = tcpCheck();
  c.type = config::CheckType::Http;
  c.delayBeforeRetry = 3000ms;
  c.connectPort = 8080;
  for (auto& p : paths) c.urls.push_back(config::HttpUrl{p, std::nullopt, {}, {}});
  return c;
}

config::RealServer real(net::Ipv4Address a, std::vector<config::HealthCheck> checks) {
  config::RealServer r;
  r.address = a;
  r.port = 80;
  r.weight = 1;
  r.checks = std::move(checks);
  return r;
}

// The seed's service, plus a second check on Noeud2 and a check-less server.
std::vector<config::VirtualServer> services() {
  config::VirtualServer vs;
  vs.address = kVip;
  vs.port = 80;
  vs.scheduler = "rr";
  vs.realServers = {real(kNoeud1, {tcpCheck()}), real(kNoeud2, {tcpCheck(), httpCheck({"/health"})}),
                    real(kNoeud3, {})};
  vs.realServers[2].inhibitOnFailure = true;
  return {vs};
}

RealServerId idOf(net::Ipv4Address a) { return RealServerId{"10.11.12.99:80 TCP", a, 80}; }

const std::string kTcp1 = "TCP_CHECK 192.168.100.10:80";
const std::string kTcp2 = "TCP_CHECK 192.168.100.20:80";
const std::string kHttp2 = "HTTP_GET 192.168.100.20:8080";

struct Change {
  std::string server;
  Health health;
  Duration at;
  bool operator==(const Change&) const = default;
};

class MonitorTest : public ::testing::Test {
 protected:
  HealthMonitor::Options noWarmup(bool alpha = false) {
    HealthMonitor::Options o;
    o.alpha = alpha;
    o.warmup = [](Duration) { return Duration::zero(); };
    return o;
  }

  std::unique_ptr<HealthMonitor> make(HealthMonitor::Options options,
                                      const std::vector<config::VirtualServer>& configured = services()) {
    return std::make_unique<HealthMonitor>(
        configured, clock, clock, probers,
        [this](const HealthChange& c) {
          changes.push_back(Change{c.server.address.toString(), c.health, c.at - t0});
          reasons.push_back(c.reason);
        },
        std::move(options));
  }

  void at(Duration d) { clock.advanceTo(t0 + d); }
  void fail(const std::string& target, Duration latency = 0s) {
    probers.script(target, {false, "connection refused", latency});
  }
  void pass(const std::string& target, Duration latency = 0s) { probers.script(target, {true, "ok", latency}); }

  std::vector<Duration> probeTimes(const std::string& target) const {
    std::vector<Duration> out;
    for (const auto& p : probers.probes()) {
      if (p.target == target) out.push_back(p.at - t0);
    }
    return out;
  }

  node::FakeClock clock;
  const TimePoint t0 = clock.now();
  FakeProberFactory probers{clock, clock};
  std::vector<Change> changes;
  std::vector<std::string> reasons;
};

TEST_F(MonitorTest, EverythingStartsUpAndNothingRunsBeforeStart) {
  auto m = make(noWarmup());
  const auto st = m->status();
  ASSERT_EQ(st.size(), 3u);
  for (const auto& s : st) EXPECT_EQ(s.health, Health::Up) << s.id.toString();
  EXPECT_EQ(clock.nextDeadline(), std::nullopt);
  at(30s);
  EXPECT_TRUE(probers.probes().empty());
  EXPECT_EQ(m->health(idOf(kNoeud1)), Health::Up);
  EXPECT_EQ(m->health(RealServerId{"10.11.12.99:80 TCP", kNoeud1, 81}), std::nullopt);
}

TEST_F(MonitorTest, FirstProbesOneSecondAfterStartThenEveryDelayLoop) {
  auto m = make(noWarmup());
  m->start();
  m->start();  // only the first call counts
  at(20s);
  EXPECT_THAT(probeTimes(kTcp1), ElementsAre(1s, 7s, 13s, 19s));
  EXPECT_THAT(probeTimes(kHttp2), ElementsAre(1s, 7s, 13s, 19s));
  EXPECT_TRUE(changes.empty());
}

TEST_F(MonitorTest, StoppedServerGoesDownAfterRetriesAndComesBack) {
  auto m = make(noWarmup());
  m->start();
  at(10s);  // passed at 1 s and 7 s
  fail(kTcp1);
  at(30s);
  // 13 s fails, retry 1 s later fails: DOWN at 14 s; still failing at 20 s,
  // 21 s, 27 s, 28 s.
  EXPECT_THAT(probeTimes(kTcp1), ElementsAre(1s, 7s, 13s, 14s, 20s, 21s, 27s, 28s));
  ASSERT_THAT(changes, ElementsAre(Change{"192.168.100.10", Health::Down, 14s}));
  EXPECT_EQ(reasons[0], "TCP_CHECK 192.168.100.10:80: connection refused (2 attempts)");
  EXPECT_EQ(m->health(idOf(kNoeud1)), Health::Down);
  EXPECT_EQ(m->health(idOf(kNoeud2)), Health::Up);

  pass(kTcp1);
  at(40s);  // next probe at 34 s passes
  EXPECT_THAT(changes, ElementsAre(Change{"192.168.100.10", Health::Down, 14s},
                                   Change{"192.168.100.10", Health::Up, 34s}));
}

TEST_F(MonitorTest, ProbeTimeIsCountedFromItsCompletion) {
  fail(kTcp1, 3s);  // every probe hangs for its 3 s timeout
  auto m = make(noWarmup());
  m->start();
  at(30s);
  // 1 s -> fails at 4 s: first verdict DOWN, next at 10 s -> 13 s, retry at
  // 14 s -> 17 s, next round at 23 s -> 26 s, ...
  EXPECT_THAT(probeTimes(kTcp1), ElementsAre(1s, 10s, 14s, 23s, 27s));
  ASSERT_THAT(changes, ElementsAre(Change{"192.168.100.10", Health::Down, 4s}));
  EXPECT_EQ(reasons[0], "TCP_CHECK 192.168.100.10:80: connection refused (1 attempt)");
}

TEST_F(MonitorTest, ARealServerIsUpOnlyWhenAllItsChecksAre) {
  auto m = make(noWarmup());
  m->start();
  at(2s);
  fail(kHttp2);
  at(12s);  // HTTP fails at 7 s, retry at 10 s fails: DOWN at 10 s
  ASSERT_THAT(changes, ElementsAre(Change{"192.168.100.20", Health::Down, 10s}));
  EXPECT_THAT(reasons[0], HasSubstr("HTTP_GET 192.168.100.20:8080"));

  fail(kTcp2);
  at(30s);  // the TCP check goes down too: the server was down already
  EXPECT_EQ(changes.size(), 1u);
  pass(kHttp2);
  at(60s);  // HTTP recovers, TCP is still down
  EXPECT_EQ(changes.size(), 1u);
  const auto st = m->status();
  ASSERT_EQ(st[1].checks.size(), 2u);
  EXPECT_EQ(st[1].checks[0].health, Health::Down);
  EXPECT_EQ(st[1].checks[1].health, Health::Up);
  EXPECT_EQ(st[1].health, Health::Down);

  pass(kTcp2);
  at(80s);
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(changes[1].server, "192.168.100.20");
  EXPECT_EQ(changes[1].health, Health::Up);
}

TEST_F(MonitorTest, HttpUrlsAreProbedInTurn) {
  config::VirtualServer vs;
  vs.address = kVip;
  vs.port = 80;
  vs.realServers = {real(kNoeud1, {httpCheck({"/a", "/b"})})};
  HealthMonitor m({vs}, clock, clock, probers, nullptr, noWarmup());
  m.start();
  at(20s);
  std::vector<std::size_t> urls;
  for (const auto& p : probers.probes()) urls.push_back(p.url);
  EXPECT_THAT(urls, ElementsAre(0u, 1u, 0u, 1u));
}

TEST_F(MonitorTest, StatusShowsLastResultItsTimeAndFailures) {
  auto m = make(noWarmup());
  m->start();
  at(10s);
  fail(kTcp1);
  at(13s);
  auto st = m->status();
  ASSERT_EQ(st.size(), 3u);
  EXPECT_EQ(st[0].id, idOf(kNoeud1));
  EXPECT_EQ(st[0].weight, 1u);
  EXPECT_EQ(st[0].health, Health::Up);  // one failure: retrying
  EXPECT_EQ(st[0].lastResult, "TCP_CHECK 192.168.100.10:80: connection refused");
  EXPECT_EQ(st[0].lastResultAt, t0 + 13s);
  EXPECT_EQ(st[0].consecutiveFailures, 1u);
  ASSERT_EQ(st[0].checks.size(), 1u);
  EXPECT_EQ(st[0].checks[0].target, kTcp1);

  EXPECT_EQ(st[1].lastResultAt, t0 + 13s);  // its checks ran at 13 s too
  EXPECT_EQ(st[1].consecutiveFailures, 0u);

  EXPECT_TRUE(st[2].checks.empty());
  EXPECT_EQ(st[2].health, Health::Up);
  EXPECT_TRUE(st[2].inhibitOnFailure);
  EXPECT_EQ(st[2].lastResult, "no health check configured");
  at(14s);
  EXPECT_EQ(m->status()[0].consecutiveFailures, 2u);
  EXPECT_EQ(m->status()[0].health, Health::Down);
}

TEST_F(MonitorTest, AlphaStartsDownAndComesUpOnPassingChecks) {
  fail(kTcp2);
  auto m = make(noWarmup(true));
  for (const auto& s : m->status()) {
    EXPECT_EQ(s.health, s.checks.empty() ? Health::Up : Health::Down) << s.id.toString();
  }
  m->start();
  at(2s);
  // Noeud1 passes; Noeud2's HTTP passes but its TCP check fails: still down.
  EXPECT_THAT(changes, ElementsAre(Change{"192.168.100.10", Health::Up, 1s}));
}

TEST_F(MonitorTest, DefaultWarmupSpreadsFirstProbesWithinDelayLoop) {
  HealthMonitor::Options o;  // keepalived's random warmup
  auto m = make(o);
  m->start();
  at(7s);
  std::map<std::string, Duration> first;
  for (const auto& p : probers.probes()) first.emplace(p.target, p.at - t0);
  ASSERT_EQ(first.size(), 3u);  // every check has run once by 1 s + delay_loop
  for (const auto& [target, when] : first) {
    EXPECT_GE(when, 1s) << target;
    EXPECT_LE(when, 7s) << target;
  }
}

TEST_F(MonitorTest, DestroyingWithProbesInFlightCancelsEverything) {
  fail(kTcp1, 3s);
  pass(kTcp2, 3s);
  pass(kHttp2, 3s);
  auto m = make(noWarmup());
  m->start();
  at(2s);
  EXPECT_EQ(probers.inFlight(), 3u);
  m.reset();
  EXPECT_EQ(probers.inFlight(), 0u);
  EXPECT_EQ(clock.nextDeadline(), std::nullopt);
  at(60s);
  EXPECT_TRUE(changes.empty());
  EXPECT_EQ(probers.probes().size(), 3u);
}

TEST_F(MonitorTest, AReloadKeepsTheStateOfUnchangedChecks) {
  auto before = make(noWarmup());
  before->start();
  at(10s);
  fail(kTcp1);
  at(15s);  // 13 s and 14 s fail: Noeud1 DOWN at 14 s
  ASSERT_THAT(changes, ElementsAre(Change{"192.168.100.10", Health::Down, 14s}));

  auto after = make(noWarmup());
  EXPECT_EQ(after->inherit(*before), 3u) << "Noeud1's TCP check, Noeud2's TCP and HTTP checks";
  before.reset();
  EXPECT_EQ(after->health(idOf(kNoeud1)), Health::Down);
  EXPECT_EQ(after->health(idOf(kNoeud2)), Health::Up);
  const auto st = after->status();
  EXPECT_EQ(st[0].consecutiveFailures, 2u);
  EXPECT_THAT(st[0].lastResult, HasSubstr("connection refused"));
  EXPECT_EQ(changes.size(), 1u) << "carrying a state over is not a change";

  // The kept DOWN ends the normal way: a passing probe of the new monitor.
  after->start();
  pass(kTcp1);
  at(17s);
  EXPECT_THAT(changes, ElementsAre(Change{"192.168.100.10", Health::Down, 14s},
                                   Change{"192.168.100.10", Health::Up, 16s}));
}

TEST_F(MonitorTest, AReloadStartsAChangedCheckAfresh) {
  auto before = make(noWarmup());
  before->start();
  at(10s);
  fail(kTcp1);
  at(15s);
  ASSERT_EQ(before->health(idOf(kNoeud1)), Health::Down);

  auto changed = services();
  changed[0].realServers[0].checks[0].connectTimeout = 4000ms;  // Noeud1's only check
  auto after = make(noWarmup(), changed);
  EXPECT_EQ(after->inherit(*before), 2u) << "only Noeud2's two checks are unchanged";
  EXPECT_EQ(after->health(idOf(kNoeud1)), Health::Up) << "a new check starts UP, as at start-up";
  EXPECT_TRUE(after->status()[0].lastResult.empty());
}

}  // namespace
}  // namespace havip::check
