#include "track/tracker.h"

#include <cstdlib>

#include "log/log.h"

namespace havip::track {

RiseFall::RiseFall(unsigned rise, unsigned fall, bool initFailed)
    : rise_(rise), fall_(fall), result_(initFailed ? 0 : rise - 1), pending_(!initFailed) {
  if (rise < 1 || fall < 1) std::abort();
}

TrackerState RiseFall::state() const {
  if (pending_) return TrackerState::Pending;
  return result_ >= rise_ ? TrackerState::Ok : TrackerState::Failing;
}

bool RiseFall::record(bool success) {
  const auto before = state();
  if (success) {
    if (result_ < rise_ - 1)
      ++result_;
    else
      result_ = rise_ + fall_ - 1;
  } else {
    if (result_ > rise_)
      --result_;
    else
      result_ = 0;
  }
  pending_ = false;
  return state() != before;
}

void Tracker::noteResult(std::string text, TimePoint at) {
  lastResult_ = std::move(text);
  lastResultAt_ = at;
}

void Tracker::setState(TrackerState next, const std::string& why) {
  if (next == state_) return;
  log::track().info("{} {} {} -> {} ({})", toString(id_.kind), id_.name,
                    stateWord(id_.kind, state_), stateWord(id_.kind, next), why);
  state_ = next;
  if (listener_) listener_();
}

}  // namespace havip::track
