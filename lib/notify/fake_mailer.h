// A Mailer for tests: deliver() only records the mail; the test then finishes
// the delivery with succeed() or fail(), standing in for the event loop.
#pragma once

#include <optional>
#include <vector>

#include "notify/mailer.h"

namespace havip::notify {

class FakeMailer final : public Mailer {
 public:
  void deliver(OutgoingMail mail, DeliveryCallback done) override;
  void cancel() override;

  bool busy() const { return done_ != nullptr; }
  // Every mail deliver() was given, in order (attempts included).
  const std::vector<OutgoingMail>& attempts() const { return attempts_; }
  // Finish the running delivery (precondition, checked: one is running).
  void succeed(std::vector<RecipientRefusal> refused = {});
  void fail(FailureKind kind, std::string detail);

 private:
  void finish(DeliveryResult result);
  std::vector<OutgoingMail> attempts_;
  DeliveryCallback done_;
};

}  // namespace havip::notify
