// A manual clock and its timers for tests: time moves only when the test says,
// and advanceTo() fires every timer that falls due, earliest first, at its own
// deadline.
#pragma once

#include <cstdint>
#include <map>

#include "node/clock.h"

namespace havip::node {

class FakeClock final : public Clock, public TimerService {
 public:
  explicit FakeClock(TimePoint start = TimePoint(std::chrono::hours(1))) : now_(start) {}

  TimePoint now() const override { return now_; }
  std::unique_ptr<Timer> create(std::function<void()> onFire) override;

  // Moves time to `to`, firing due timers in deadline order on the way.
  void advanceTo(TimePoint to);
  void advance(Duration by) { advanceTo(now_ + by); }
  std::optional<TimePoint> nextDeadline() const;

 private:
  class FakeTimer;
  friend class FakeTimer;
  struct Entry {
    std::optional<TimePoint> at;
    std::function<void()> onFire;
  };
  TimePoint now_;
  std::uint64_t nextId_ = 0;
  std::map<std::uint64_t, Entry> timers_;
};

}  // namespace havip::node
