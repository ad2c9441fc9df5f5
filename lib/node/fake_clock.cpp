#include "node/fake_clock.h"

namespace havip::node {

class FakeClock::FakeTimer final : public Timer {
 public:
  FakeTimer(FakeClock& clock, std::uint64_t id) : clock_(clock), id_(id) {}
  ~FakeTimer() override { clock_.timers_.erase(id_); }
  void arm(std::optional<TimePoint> at) override { clock_.timers_[id_].at = at; }

 private:
  FakeClock& clock_;
  std::uint64_t id_;
};

std::unique_ptr<Timer> FakeClock::create(std::function<void()> onFire) {
  const auto id = nextId_++;
  timers_[id] = Entry{std::nullopt, std::move(onFire)};
  return std::make_unique<FakeTimer>(*this, id);
}

std::optional<TimePoint> FakeClock::nextDeadline() const {
  std::optional<TimePoint> best;
  for (const auto& [id, e] : timers_) {
    if (e.at && (!best || *e.at < *best)) best = e.at;
  }
  return best;
}

void FakeClock::advanceTo(TimePoint to) {
  while (true) {
    std::optional<std::uint64_t> due;
    for (const auto& [id, e] : timers_) {
      if (e.at && *e.at <= to && (!due || *e.at < *timers_.at(*due).at)) due = id;
    }
    if (!due) break;
    auto& entry = timers_.at(*due);
    if (*entry.at > now_) now_ = *entry.at;
    entry.at.reset();
    auto fire = entry.onFire;  // the callback may destroy or re-arm its timer
    fire();
  }
  if (to > now_) now_ = to;
}

}  // namespace havip::node
