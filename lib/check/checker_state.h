// One health check of one real server as a pure state machine: it is told
// what each probe returned and when, and answers when to probe next, which
// HTTP url to fetch, and whether the check's health flipped (with the reason).
// No I/O, no clock reads; single-threaded like everything on the event loop.
//
// The rules are keepalived 2.2's (keepalived/check/check_tcp.c tcp_epilog,
// check_http.c epilog/timeout_epilog, check_data.c, check_api.c):
//   - A check starts UP unless `alpha` is set (then DOWN), and its first probe
//     runs 1 s (BOOTSTRAP_DELAY) plus a warmup in [0, delay_loop] after start.
//   - Before the first verdict a single failure is enough (retry_it starts at
//     `retry`): a non-alpha check whose first probe fails goes DOWN at once.
//   - Afterwards a failing UP check is retried `retry` more times, waiting
//     delay_before_retry between attempts; when they all fail it goes DOWN.
//     Any success resets the count. After a verdict the next round waits
//     delay_loop.
//   - TCP_CHECK: a DOWN check that succeeds once is UP again; a DOWN check
//     that fails keeps cycling retries then delay_loop.
//   - HTTP_GET: one url per probe, urls delay_loop apart, all must pass for UP.
//     The url that took the check DOWN is re-fetched every
//     max(delay_before_retry, delay_loop) without retry counting; once it
//     passes, every url is checked again from the first, and only then UP.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "config/model.h"

namespace havip::check {

using Clock = std::chrono::steady_clock;  // the type only: nothing here reads it
using TimePoint = Clock::time_point;
using Duration = Clock::duration;

// keepalived's BOOTSTRAP_DELAY (TIMER_HZ): the wait before any first probe.
inline constexpr Duration kBootstrapDelay = std::chrono::seconds(1);

enum class Health : std::uint8_t { Up, Down };
std::string_view toString(Health);  // "UP", "DOWN"

struct CheckerParams {
  config::CheckType type = config::CheckType::Tcp;
  unsigned retry = 1;
  Duration delayBeforeRetry = std::chrono::seconds(1);
  Duration delayLoop = std::chrono::seconds(60);
  std::size_t urlCount = 1;  // HTTP_GET: how many urls (at least 1); TCP_CHECK: 1
  bool alpha = false;        // start DOWN until the first probe passes

  // alpha is not in the config model (the parser ignores the keyword).
  static CheckerParams from(const config::HealthCheck& check, bool alpha = false);
  bool operator==(const CheckerParams&) const = default;
};

struct Transition {
  Health to = Health::Up;
  std::string reason;  // "TCP connect to 192.168.100.10:80: connection refused (2 attempts)"
};

struct Verdict {
  TimePoint nextProbeAt;
  std::optional<Transition> transition;  // set only when health actually changed
};

class CheckerState {
 public:
  explicit CheckerState(CheckerParams params);

  // When the first probe runs: start + kBootstrapDelay + warmup, where the
  // caller draws warmup from [0, delay_loop] (keepalived: random()).
  TimePoint firstProbeAt(TimePoint start, Duration warmup) const;

  // A probe finished at `now`. `detail` says what happened, for logs, the
  // transition reason and status ("TCP connect to 10.0.0.1:80: connected").
  Verdict onProbe(bool ok, std::string_view detail, TimePoint now);

  Health health() const { return health_; }
  bool hasRun() const { return hasRun_; }
  std::size_t nextUrl() const { return urlIt_; }  // HTTP_GET: index into the check's urls
  unsigned consecutiveFailures() const { return consecutiveFailures_; }
  const std::string& lastResult() const { return lastResult_; }  // empty before the first probe
  std::optional<TimePoint> lastResultAt() const { return lastResultAt_; }
  const CheckerParams& params() const { return params_; }

 private:
  Duration onTcp(bool ok, std::optional<Transition>& transition, std::string_view detail);
  Duration onHttp(bool ok, std::optional<Transition>& transition, std::string_view detail);
  void become(Health to, std::string_view detail, std::optional<Transition>& transition);

  CheckerParams params_;
  Health health_;
  bool hasRun_ = false;
  unsigned retryIt_;                       // keepalived's retry_it
  std::size_t urlIt_ = 0;                  // keepalived's url_it, as an index
  std::optional<std::size_t> failedUrl_;   // keepalived's failed_url
  unsigned consecutiveFailures_ = 0;
  std::string lastResult_;
  std::optional<TimePoint> lastResultAt_;
};

}  // namespace havip::check
