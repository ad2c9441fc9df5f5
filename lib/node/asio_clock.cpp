#include "node/asio_clock.h"

#include <memory>

#include <boost/asio/steady_timer.hpp>

namespace havip::node {

namespace {

class AsioTimer final : public Timer {
 public:
  AsioTimer(boost::asio::io_context& io, std::function<void()> onFire)
      : timer_(io), state_(std::make_shared<State>(State{std::move(onFire), 0})) {}

  void arm(std::optional<TimePoint> at) override {
    // cancel() completes a pending wait with operation_aborted, but a
    // completion the loop has already queued still runs with success: the
    // generation check drops it when we were re-armed or disarmed since.
    ++state_->generation;
    timer_.cancel();
    if (!at) return;
    timer_.expires_at(*at);
    // The handler holds the state weakly, never `this`: a timer destroyed
    // while its completion is queued (another handler of the same pass freed
    // it) leaves an expired pointer, not a dangling one.
    timer_.async_wait([weak = std::weak_ptr<State>(state_), generation = state_->generation](
                          const boost::system::error_code& ec) {
      if (ec) return;
      const auto state = weak.lock();
      if (!state || generation != state->generation) return;
      state->onFire();  // `state` keeps the callback alive even if it destroys this timer
    });
  }

 private:
  struct State {
    std::function<void()> onFire;
    std::uint64_t generation;
  };
  boost::asio::steady_timer timer_;
  std::shared_ptr<State> state_;
};

}  // namespace

std::unique_ptr<Timer> AsioTimerService::create(std::function<void()> onFire) {
  return std::make_unique<AsioTimer>(io_, std::move(onFire));
}

}  // namespace havip::node
