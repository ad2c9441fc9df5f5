// Time as the shell sees it: a steady clock to read and one-shot timers to arm.
// The real pair runs on Boost.Asio (asio_clock.h); the fake (fake_clock.h) lets
// tests step time by hand, so whole instances run deterministically.
#pragma once

#include <functional>
#include <memory>
#include <optional>

#include "vrrp/router.h"

namespace havip::node {

using vrrp::Duration;
using vrrp::TimePoint;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint now() const = 0;
};

// A one-shot timer. arm() replaces any earlier deadline; nullopt disarms.
// The callback runs on the event loop, never inside arm().
class Timer {
 public:
  virtual ~Timer() = default;
  virtual void arm(std::optional<TimePoint> at) = 0;
};

class TimerService {
 public:
  virtual ~TimerService() = default;
  virtual std::unique_ptr<Timer> create(std::function<void()> onFire) = 0;
};

}  // namespace havip::node
