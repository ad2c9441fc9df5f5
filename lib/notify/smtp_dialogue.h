// The client side of one SMTP transaction (RFC 5321), as a pure state machine:
// feed it the bytes the server sent, it returns the bytes to send next. No
// socket, no clock: the transport (asio_mailer.h) owns both, and the deadline.
//
//   220 greeting -> EHLO (HELO when EHLO gets a 5xx) -> MAIL FROM -> RCPT TO per
//   recipient -> DATA (354) -> the message, dot-stuffed, CRLF, ending CRLF.CRLF
//   -> 250 -> QUIT.
//
// Replies may be multi-line ("250-...") and may arrive in any chunking. A
// recipient refused while another is accepted is recorded and the mail still
// goes to the others. Every 4xx is a Temporary failure (retry later), every 5xx
// a Permanent one (give up on that message or recipient); a reply that is not
// SMTP, or a code the step does not allow, is a Temporary protocol failure.
// After a failure the machine says QUIT once and is finished.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace havip::notify {

enum class FailureKind : std::uint8_t { Temporary, Permanent };
std::string_view toString(FailureKind);  // "temporary", "permanent"

// What one SMTP transaction carries besides the message itself.
struct Envelope {
  std::string heloName;  // EHLO/HELO argument
  std::string from;      // MAIL FROM:<from>
  std::vector<std::string> recipients;  // RCPT TO:<r> for each, in order

  bool operator==(const Envelope&) const = default;
};

// A server reply: its code and its text lines (without the code), joined by
// "\n" for a multi-line reply.
struct Reply {
  int code = 0;
  std::string text;
  std::string describe() const;  // "550 5.1.1 no such user"
};

struct RecipientRefusal {
  std::string recipient;
  FailureKind kind = FailureKind::Permanent;
  Reply reply;
};

struct SmtpFailure {
  FailureKind kind = FailureKind::Temporary;
  std::string step;  // "greeting", "EHLO", "HELO", "MAIL FROM", "RCPT TO", "DATA", "end of data"
  std::optional<Reply> reply;  // unset for protocol errors
  std::string detail;          // "MAIL FROM: 451 4.3.0 try later"
};

// Splits a byte stream into complete replies. Tolerates bare LF line ends.
class ReplyReader {
 public:
  // Appends bytes; returns the replies they complete, in order. A line that is
  // not "DDD text" / "DDD-text" / "DDD" sets error() and stops the reader.
  std::vector<Reply> feed(std::string_view bytes);
  const std::optional<std::string>& error() const { return error_; }

 private:
  std::string partial_;
  std::optional<Reply> building_;  // a multi-line reply so far
  std::optional<std::string> error_;
};

class SmtpDialogue {
 public:
  enum class Step : std::uint8_t { Greeting, Ehlo, Helo, MailFrom, RcptTo, Data, Body, Quit, Done };

  // `message` is the whole RFC 5322 message (headers, blank line, body); LF or
  // CRLF line ends, dot-stuffing is done here. No recipient at all is a
  // Permanent failure once MAIL FROM is accepted.
  SmtpDialogue(Envelope envelope, std::string_view message);

  // Bytes the server sent; returns what to send now (may be empty).
  std::string onReceive(std::string_view bytes);
  // The connection closed (EOF or error) before the dialogue finished.
  void onClosed(std::string why);

  Step step() const { return step_; }
  // Past the final 250: the mail is the server's responsibility now. QUIT may
  // still be waiting for its 221, which changes nothing.
  bool delivered() const { return delivered_; }
  // Nothing more to send or wait for: delivered and QUIT answered, or failed.
  bool finished() const { return step_ == Step::Done; }
  const std::optional<SmtpFailure>& failure() const { return failure_; }
  const std::vector<std::string>& accepted() const { return accepted_; }
  const std::vector<RecipientRefusal>& refused() const { return refused_; }
  const Envelope& envelope() const { return envelope_; }

 private:
  std::string onReply(const Reply& reply);
  std::string fail(FailureKind kind, std::string step, std::optional<Reply> reply, std::string detail);
  std::string failOnCode(std::string step, const Reply& reply);
  std::string nextRecipientOrData();

  Envelope envelope_;
  std::string data_;  // dot-stuffed, CRLF, ending with CRLF.CRLF
  Step step_ = Step::Greeting;
  ReplyReader reader_;
  std::size_t nextRecipient_ = 0;
  bool delivered_ = false;
  std::optional<SmtpFailure> failure_;
  std::vector<std::string> accepted_;
  std::vector<RecipientRefusal> refused_;
};

// The DATA payload for `message`: every line ending made CRLF, a '.' doubled
// at the start of any line (RFC 5321 4.5.2), then "CRLF.CRLF" (a final line
// end is added when the message lacks one).
std::string encodeData(std::string_view message);

}  // namespace havip::notify
