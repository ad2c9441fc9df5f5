#include "check/checker_state.h"

#include <algorithm>
#include <cassert>

namespace havip::check {

std::string_view toString(Health h) { return h == Health::Up ? "UP" : "DOWN"; }

CheckerParams CheckerParams::from(const config::HealthCheck& check, bool alpha) {
  CheckerParams p;
  p.type = check.type;
  p.retry = check.retry;
  p.delayBeforeRetry = check.delayBeforeRetry;
  p.delayLoop = check.delayLoop;
  p.urlCount = check.type == config::CheckType::Http ? std::max<std::size_t>(1, check.urls.size()) : 1;
  p.alpha = alpha;
  return p;
}

CheckerState::CheckerState(CheckerParams params)
    : params_(params),
      health_(params.alpha ? Health::Down : Health::Up),
      // keepalived (check_data.c) presets retry_it to retry at startup so that
      // the first verdict needs a single failure.
      retryIt_(params.retry) {
  assert(params_.urlCount >= 1);
}

TimePoint CheckerState::firstProbeAt(TimePoint start, Duration warmup) const {
  return start + kBootstrapDelay + std::clamp(warmup, Duration::zero(), params_.delayLoop);
}

Verdict CheckerState::onProbe(bool ok, std::string_view detail, TimePoint now) {
  consecutiveFailures_ = ok ? 0 : consecutiveFailures_ + 1;
  lastResult_ = std::string(detail);
  lastResultAt_ = now;
  Verdict v;
  const Duration delay = params_.type == config::CheckType::Http ? onHttp(ok, v.transition, detail)
                                                                 : onTcp(ok, v.transition, detail);
  v.nextProbeAt = now + delay;
  return v;
}

void CheckerState::become(Health to, std::string_view detail, std::optional<Transition>& transition) {
  if (health_ == to) return;  // keepalived logs the first verdict even when it changes nothing
  health_ = to;
  std::string reason(detail);
  if (to == Health::Down) {
    reason += " (" + std::to_string(consecutiveFailures_) +
              (consecutiveFailures_ == 1 ? " attempt)" : " attempts)");
  }
  transition = Transition{to, std::move(reason)};
}

// check_tcp.c tcp_epilog.
Duration CheckerState::onTcp(bool ok, std::optional<Transition>& transition, std::string_view detail) {
  Duration delay;
  if (ok || retryIt_ >= params_.retry) {
    delay = params_.delayLoop;
    retryIt_ = 0;
    if (ok && (health_ == Health::Down || !hasRun_)) {
      become(Health::Up, detail, transition);
    } else if (!ok && (health_ == Health::Up || !hasRun_)) {
      become(Health::Down, detail, transition);
    }
  } else {
    delay = params_.delayBeforeRetry;
    ++retryIt_;
  }
  hasRun_ = true;
  return delay;
}

// check_http.c epilog (REGISTER_CHECKER_NEW on success; RETRY through
// timeout_epilog while UP or before the first verdict; FAILED otherwise).
Duration CheckerState::onHttp(bool ok, std::optional<Transition>& transition, std::string_view detail) {
  if (ok) {
    const std::size_t next = urlIt_ + 1;
    retryIt_ = 0;
    if (next >= params_.urlCount && !failedUrl_) {
      if (health_ == Health::Down || !hasRun_) {
        become(Health::Up, detail, transition);
        hasRun_ = true;
      }
      urlIt_ = 0;
    } else if (failedUrl_) {
      // The url that failed passes again: every url is checked anew first.
      failedUrl_.reset();
      urlIt_ = 0;
    } else {
      urlIt_ = next;
    }
    if (!hasRun_) retryIt_ = params_.retry;
    return params_.delayLoop;
  }

  if (health_ == Health::Up || !hasRun_) {
    hasRun_ = true;
    ++retryIt_;
    if (retryIt_ > params_.retry) {
      become(Health::Down, detail, transition);
      failedUrl_ = urlIt_;
    }
  }
  return failedUrl_ ? std::max(params_.delayBeforeRetry, params_.delayLoop) : params_.delayBeforeRetry;
}

}  // namespace havip::check
