#include "node/asio_clock.h"

#include <boost/asio/steady_timer.hpp>

namespace havip::node {

namespace {

class AsioTimer final : public Timer {
 public:
  AsioTimer(boost::asio::io_context& io, std::function<void()> onFire)
      : timer_(io), onFire_(std::move(onFire)) {}

  void arm(std::optional<TimePoint> at) override {
    // cancel() completes a pending wait with operation_aborted; the generation
    // check also covers a completion already queued before the cancel.
    ++generation_;
    timer_.cancel();
    if (!at) return;
    timer_.expires_at(*at);
    timer_.async_wait([this, generation = generation_](const boost::system::error_code& ec) {
      if (ec || generation != generation_) return;
      onFire_();
    });
  }

 private:
  boost::asio::steady_timer timer_;
  std::function<void()> onFire_;
  std::uint64_t generation_ = 0;
};

}  // namespace

std::unique_ptr<Timer> AsioTimerService::create(std::function<void()> onFire) {
  return std::make_unique<AsioTimer>(io_, std::move(onFire));
}

}  // namespace havip::node
