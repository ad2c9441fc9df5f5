#include "notify/smtp_dialogue.h"

#include <algorithm>
#include <utility>

namespace havip::notify {

namespace {

// A server that sends endless text without a line end, or an endless
// multi-line reply, is broken; these bounds keep it from growing our memory.
constexpr std::size_t kMaxLine = 4096;
constexpr std::size_t kMaxReply = 64 * 1024;

bool isDigit(char c) { return c >= '0' && c <= '9'; }

// A command argument never carries a line end: a CR or LF in a configured
// address would otherwise start a second command.
std::string oneLine(std::string s) {
  std::replace_if(s.begin(), s.end(), [](char c) { return c == '\r' || c == '\n'; }, ' ');
  return s;
}

std::string_view stepName(SmtpDialogue::Step step) {
  using Step = SmtpDialogue::Step;
  switch (step) {
    case Step::Greeting: return "greeting";
    case Step::Ehlo: return "EHLO";
    case Step::Helo: return "HELO";
    case Step::MailFrom: return "MAIL FROM";
    case Step::RcptTo: return "RCPT TO";
    case Step::Data: return "DATA";
    case Step::Body: return "end of data";
    case Step::Quit: return "QUIT";
    case Step::Done: return "done";
  }
  return "?";
}

}  // namespace

std::string_view toString(FailureKind kind) {
  return kind == FailureKind::Temporary ? "temporary" : "permanent";
}

std::string Reply::describe() const {
  std::string flat = text;
  std::replace(flat.begin(), flat.end(), '\n', ' ');
  return flat.empty() ? std::to_string(code) : std::to_string(code) + " " + flat;
}

std::vector<Reply> ReplyReader::feed(std::string_view bytes) {
  std::vector<Reply> done;
  if (error_) return done;
  partial_.append(bytes);
  std::size_t start = 0;
  while (true) {
    const auto eol = partial_.find('\n', start);
    if (eol == std::string::npos) break;
    std::string_view line(partial_.data() + start, eol - start);
    start = eol + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const bool wellFormed = line.size() >= 3 && isDigit(line[0]) && isDigit(line[1]) && isDigit(line[2]) &&
                            (line.size() == 3 || line[3] == ' ' || line[3] == '-');
    if (!wellFormed) {
      error_ = "not an SMTP reply: \"" + std::string(line.substr(0, 80)) + "\"";
      partial_.clear();
      return done;
    }
    const int code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
    const std::string_view text = line.size() > 4 ? line.substr(4) : std::string_view();
    const bool more = line.size() > 3 && line[3] == '-';
    if (building_) {
      building_->text += '\n';
    } else {
      building_ = Reply{code, std::string()};
    }
    building_->code = code;  // RFC 5321 4.2.1: every line carries the same code; trust the last
    building_->text.append(text);
    if (building_->text.size() > kMaxReply) {
      error_ = "reply longer than " + std::to_string(kMaxReply) + " bytes";
      partial_.clear();
      return done;
    }
    if (!more) {
      done.push_back(std::move(*building_));
      building_.reset();
    }
  }
  partial_.erase(0, start);
  if (partial_.size() > kMaxLine) {
    error_ = "reply line longer than " + std::to_string(kMaxLine) + " bytes";
    partial_.clear();
  }
  return done;
}

std::string encodeData(std::string_view message) {
  std::string out;
  out.reserve(message.size() + message.size() / 32 + 8);
  bool atLineStart = true;
  for (std::size_t i = 0; i < message.size(); ++i) {
    const char c = message[i];
    if (c == '\r' || c == '\n') {
      out += "\r\n";
      if (c == '\r' && i + 1 < message.size() && message[i + 1] == '\n') ++i;
      atLineStart = true;
      continue;
    }
    if (atLineStart && c == '.') out += '.';
    out += c;
    atLineStart = false;
  }
  if (!atLineStart) out += "\r\n";
  out += ".\r\n";
  return out;
}

SmtpDialogue::SmtpDialogue(Envelope envelope, std::string_view message) : data_(encodeData(message)) {
  envelope_.heloName = oneLine(std::move(envelope.heloName));
  envelope_.from = oneLine(std::move(envelope.from));
  for (auto& r : envelope.recipients) envelope_.recipients.push_back(oneLine(std::move(r)));
}

std::string SmtpDialogue::onReceive(std::string_view bytes) {
  std::string out;
  if (step_ == Step::Done) return out;
  for (const Reply& reply : reader_.feed(bytes)) {
    out += onReply(reply);
    if (step_ == Step::Done) return out;
  }
  if (reader_.error()) {
    if (delivered_) {
      step_ = Step::Done;
      return out;
    }
    out += fail(FailureKind::Temporary, std::string(stepName(step_)), std::nullopt,
                std::string(stepName(step_)) + ": " + *reader_.error());
  }
  return out;
}

void SmtpDialogue::onClosed(std::string why) {
  if (step_ == Step::Done) return;
  if (delivered_) {
    step_ = Step::Done;
    return;
  }
  (void)fail(FailureKind::Temporary, std::string(stepName(step_)), std::nullopt,
             std::string(stepName(step_)) + ": " + why);
}

std::string SmtpDialogue::onReply(const Reply& reply) {
  const int code = reply.code;
  switch (step_) {
    case Step::Greeting:
      if (code != 220) return failOnCode("greeting", reply);
      step_ = Step::Ehlo;
      return "EHLO " + envelope_.heloName + "\r\n";
    case Step::Ehlo:
      if (code / 100 == 5) {  // an old server that knows only HELO (RFC 5321 3.2)
        step_ = Step::Helo;
        return "HELO " + envelope_.heloName + "\r\n";
      }
      [[fallthrough]];
    case Step::Helo:
      if (code != 250) return failOnCode(std::string(stepName(step_)), reply);
      step_ = Step::MailFrom;
      return "MAIL FROM:<" + envelope_.from + ">\r\n";
    case Step::MailFrom:
      if (code != 250) return failOnCode("MAIL FROM", reply);
      if (envelope_.recipients.empty()) {
        return fail(FailureKind::Permanent, "RCPT TO", std::nullopt, "RCPT TO: no recipient to send to");
      }
      step_ = Step::RcptTo;
      return "RCPT TO:<" + envelope_.recipients[nextRecipient_++] + ">\r\n";
    case Step::RcptTo: {
      const std::string& rcpt = envelope_.recipients[nextRecipient_ - 1];
      if (code == 250 || code == 251) {
        accepted_.push_back(rcpt);
      } else if (code / 100 == 4 || code / 100 == 5) {
        refused_.push_back({rcpt, code / 100 == 4 ? FailureKind::Temporary : FailureKind::Permanent, reply});
      } else {
        return failOnCode("RCPT TO", reply);
      }
      return nextRecipientOrData();
    }
    case Step::Data:
      if (code != 354) return failOnCode("DATA", reply);
      step_ = Step::Body;
      return data_;
    case Step::Body:
      if (code != 250) return failOnCode("end of data", reply);
      delivered_ = true;
      step_ = Step::Quit;
      return "QUIT\r\n";
    case Step::Quit:
      step_ = Step::Done;
      return {};
    case Step::Done:
      return {};
  }
  return {};
}

std::string SmtpDialogue::nextRecipientOrData() {
  if (nextRecipient_ < envelope_.recipients.size()) {
    return "RCPT TO:<" + envelope_.recipients[nextRecipient_++] + ">\r\n";
  }
  if (accepted_.empty()) {
    // Worth retrying if any refusal was temporary: that recipient may yet accept.
    const bool anyTemporary = std::any_of(refused_.begin(), refused_.end(),
                                          [](const auto& r) { return r.kind == FailureKind::Temporary; });
    std::string detail = "RCPT TO: no recipient accepted (";
    for (std::size_t i = 0; i < refused_.size(); ++i) {
      if (i) detail += "; ";
      detail += refused_[i].recipient + ": " + refused_[i].reply.describe();
    }
    detail += ")";
    return fail(anyTemporary ? FailureKind::Temporary : FailureKind::Permanent, "RCPT TO", refused_.back().reply,
                std::move(detail));
  }
  step_ = Step::Data;
  return "DATA\r\n";
}

std::string SmtpDialogue::failOnCode(std::string step, const Reply& reply) {
  const int cls = reply.code / 100;
  if (cls == 4 || cls == 5) {
    std::string detail = step + ": " + reply.describe();
    return fail(cls == 4 ? FailureKind::Temporary : FailureKind::Permanent, std::move(step), reply,
                std::move(detail));
  }
  std::string detail = step + ": unexpected reply " + reply.describe();
  return fail(FailureKind::Temporary, std::move(step), reply, std::move(detail));
}

std::string SmtpDialogue::fail(FailureKind kind, std::string step, std::optional<Reply> reply, std::string detail) {
  failure_ = SmtpFailure{kind, std::move(step), std::move(reply), std::move(detail)};
  step_ = Step::Done;
  return "QUIT\r\n";  // polite even after a failure; the transport closes right after
}

}  // namespace havip::notify
