#include "notify/fake_mailer.h"

#include <algorithm>
#include <cstdlib>
#include <utility>

namespace havip::notify {

void FakeMailer::deliver(OutgoingMail mail, DeliveryCallback done) {
  attempts_.push_back(std::move(mail));
  done_ = std::move(done);
}

void FakeMailer::cancel() { done_ = nullptr; }

void FakeMailer::succeed(std::vector<RecipientRefusal> refused) {
  if (!done_) std::abort();
  DeliveryReport report;
  for (const auto& r : attempts_.back().envelope.recipients) {
    const bool wasRefused =
        std::any_of(refused.begin(), refused.end(), [&](const RecipientRefusal& x) { return x.recipient == r; });
    if (!wasRefused) report.accepted.push_back(r);
  }
  report.refused = std::move(refused);
  finish(std::move(report));
}

void FakeMailer::fail(FailureKind kind, std::string detail) {
  if (!done_) std::abort();
  finish(tl::make_unexpected(DeliveryError{kind, std::move(detail), {}}));
}

void FakeMailer::finish(DeliveryResult result) {
  auto done = std::move(done_);  // the callback may deliver() again
  done_ = nullptr;
  done(std::move(result));
}

}  // namespace havip::notify
