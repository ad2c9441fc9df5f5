// The real clock and timers: std::chrono::steady_clock and asio::steady_timer,
// so a wall-clock step never moves a VRRP timer.
#pragma once

#include <boost/asio/io_context.hpp>

#include "node/clock.h"

namespace havip::node {

class SteadyClock final : public Clock {
 public:
  TimePoint now() const override { return vrrp::Clock::now(); }
};

class AsioTimerService final : public TimerService {
 public:
  explicit AsioTimerService(boost::asio::io_context& io) : io_(io) {}
  std::unique_ptr<Timer> create(std::function<void()> onFire) override;

 private:
  boost::asio::io_context& io_;
};

}  // namespace havip::node
