// How a mail reaches an SMTP server: one Mailer, one delivery at a time. The
// real one speaks SMTP over Boost.Asio (asio_mailer.h); the fake
// (fake_mailer.h) lets a test decide each outcome.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <system_error>
#include <vector>

#include <tl/expected.hpp>

#include "node/clock.h"
#include "notify/smtp_dialogue.h"

namespace havip::notify {

using node::Duration;
using node::TimePoint;

struct SmtpServerAddress {
  std::string host;  // a name (resolved asynchronously) or an IPv4 literal
  std::uint16_t port = 25;
  std::string describe() const;  // "mail.test.local:25"
  bool operator==(const SmtpServerAddress&) const = default;
};

struct OutgoingMail {
  SmtpServerAddress server;
  Duration connectTimeout = std::chrono::seconds(30);   // resolve + TCP connect
  Duration dialogueTimeout = std::chrono::seconds(30);  // greeting to the final reply
  Envelope envelope;
  std::string message;  // renderMessage(): headers, blank line, body
  std::string subject;  // for logs and status only
};

struct DeliveryReport {
  std::vector<std::string> accepted;
  std::vector<RecipientRefusal> refused;  // the mail went to the others
};

struct DeliveryError {
  FailureKind kind = FailureKind::Temporary;
  // One line: "connect to 127.0.0.1:2525: connection refused",
  // "MAIL FROM: 451 4.3.0 try later", "timed out after 30 s (SMTP dialogue)".
  std::string detail;
  std::error_code system;  // the socket error, when there was one
};

using DeliveryResult = tl::expected<DeliveryReport, DeliveryError>;
using DeliveryCallback = std::function<void(DeliveryResult)>;

// Contract for every implementation:
//  - deliver() starts one delivery and returns at once; `done` runs exactly
//    once, on the event loop, never inside deliver(), unless cancelled first.
//  - A new deliver() while one runs cancels the old one; cancel() and the
//    destructor do too. A cancelled delivery never calls `done`, so `done`
//    may capture the caller's `this`.
//  - No exceptions: every failure is a DeliveryError.
class Mailer {
 public:
  virtual ~Mailer() = default;
  virtual void deliver(OutgoingMail mail, DeliveryCallback done) = 0;
  virtual void cancel() = 0;
};

}  // namespace havip::notify
