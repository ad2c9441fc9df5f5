#include "notify/mail_queue.h"

#include <algorithm>
#include <utility>

#include "log/log.h"

namespace havip::notify {

namespace {

std::string joined(const std::vector<std::string>& list) {
  std::string s;
  for (const auto& item : list) s += (s.empty() ? "" : ", ") + item;
  return s;
}

std::string recipientsOf(const OutgoingMail& mail) { return joined(mail.envelope.recipients); }

}  // namespace

MailQueue::MailQueue(node::Clock& clock, node::TimerService& timers, Mailer& mailer, QueueOptions options,
                     WallClock wallClock)
    : clock_(clock), mailer_(mailer), options_(options), wallClock_(std::move(wallClock)) {
  if (options_.capacity == 0) options_.capacity = 1;
  if (options_.maxAttempts == 0) options_.maxAttempts = 1;
  timer_ = timers.create([this] { onTimer(); });
}

MailQueue::~MailQueue() {
  // The Mailer's callback captures `this`: cancelling guarantees it never runs.
  mailer_.cancel();
  const std::size_t lost = waiting_.size() + (current_ ? 1 : 0);
  if (lost > 0) log::smtp().warn("mail queue stopped with {} undelivered notification(s)", lost);
}

bool MailQueue::enqueue(OutgoingMail mail) {
  if (mail.envelope.recipients.empty()) {
    log::smtp().warn("notification \"{}\" has no recipient: not queued", mail.subject);
    return false;
  }
  const TimePoint now = clock_.now();
  Item item{nextId_++, std::move(mail), now, now, 0};
  log::smtp().debug("queued \"{}\" for {}", item.mail.subject, recipientsOf(item.mail));
  ++status_.enqueued;
  if (waiting_.size() >= options_.capacity) makeRoom();
  waiting_.push_back(std::move(item));  // newest id: the back keeps age order
  status_.waiting = waiting_.size();
  // O(1): the new mail is due now, so nothing waiting is due later than it.
  if (!current_) timer_->arm(now);
  return true;
}

std::optional<TimePoint> MailQueue::nextAttemptAt() const {
  if (current_ || waiting_.empty()) return std::nullopt;
  TimePoint best = waiting_.front().notBefore;
  for (const Item& i : waiting_) best = std::min(best, i.notBefore);
  return best;
}

Duration MailQueue::backoff(unsigned failedAttempts) const {
  Duration d = options_.firstRetry;
  for (unsigned i = 1; i < failedAttempts && d < options_.maxRetry; ++i) d *= 2;
  return std::min(d, options_.maxRetry);
}

void MailQueue::schedule() {
  // Deliveries start only from the timer, even when one is due now, so no
  // caller (a VRRP transition enqueuing) ever runs a delivery's first step.
  timer_->arm(nextAttemptAt());
}

void MailQueue::onTimer() {
  if (current_ || waiting_.empty()) return;
  const TimePoint now = clock_.now();
  auto due = std::find_if(waiting_.begin(), waiting_.end(), [&](const Item& i) { return i.notBefore <= now; });
  if (due == waiting_.end()) return schedule();
  current_ = std::move(*due);
  waiting_.erase(due);
  ++current_->attempts;
  ++status_.attempts;
  refreshCounts();
  log::smtp().debug("delivering \"{}\" to {} via {} (attempt {})", current_->mail.subject,
                    recipientsOf(current_->mail), current_->mail.server.describe(), current_->attempts);
  mailer_.deliver(current_->mail, [this](DeliveryResult r) { onDelivered(std::move(r)); });
}

void MailQueue::onDelivered(DeliveryResult result) {
  if (!current_) return;
  Item item = std::move(*current_);
  current_.reset();
  const WallTime wall = wallClock_();
  if (result) {
    ++status_.sent;
    status_.lastSentAt = wall;
    log::smtp().info("sent \"{}\" to {} via {}", item.mail.subject,
                     result->accepted.empty() ? recipientsOf(item.mail) : joined(result->accepted),
                     item.mail.server.describe());
    std::vector<std::string> again;
    for (const RecipientRefusal& r : result->refused) {
      if (r.kind == FailureKind::Temporary) {
        again.push_back(r.recipient);
        log::smtp().warn("\"{}\": {} refused for now ({}); will retry", item.mail.subject, r.recipient,
                         r.reply.describe());
      } else {
        ++status_.recipientsRefused;
        status_.lastError = "[" + item.mail.subject + "] RCPT TO " + r.recipient + ": " + r.reply.describe();
        status_.lastErrorAt = wall;
        log::smtp().error("\"{}\": {} refused ({}); not retried", item.mail.subject, r.recipient,
                          r.reply.describe());
      }
    }
    if (!again.empty()) {
      Item retry = item;
      retry.mail.envelope.recipients = std::move(again);
      retryOrGiveUp(std::move(retry), "recipient refused for now");
    }
  } else {
    ++status_.failedAttempts;
    status_.lastError = "[" + item.mail.subject + "] " + result.error().detail;
    status_.lastErrorAt = wall;
    if (result.error().kind == FailureKind::Permanent) {
      giveUp(item, result.error().detail + " (permanent)");
    } else {
      retryOrGiveUp(std::move(item), result.error().detail);
    }
  }
  refreshCounts();
  schedule();
}

void MailQueue::retryOrGiveUp(Item item, const std::string& error) {
  if (item.attempts >= options_.maxAttempts) {
    return giveUp(item, error + " (after " + std::to_string(item.attempts) + " attempts)");
  }
  const TimePoint next = clock_.now() + backoff(item.attempts);
  if (next - item.created > options_.maxAge) {
    return giveUp(item, error + " (too old to retry after " + std::to_string(item.attempts) + " attempts)");
  }
  item.notBefore = next;
  log::smtp().warn("\"{}\" via {}: {}; retry {} in {} ms", item.mail.subject, item.mail.server.describe(), error,
                   item.attempts + 1,
                   std::chrono::duration_cast<std::chrono::milliseconds>(next - clock_.now()).count());
  insertByAge(std::move(item));
}

void MailQueue::giveUp(const Item& item, const std::string& why) {
  ++status_.givenUp;
  status_.lastGivenUp = "[" + item.mail.subject + "] to " + recipientsOf(item.mail) + ": " + why;
  status_.lastGivenUpAt = wallClock_();
  log::smtp().error("gave up on \"{}\" to {} via {}: {}", item.mail.subject, recipientsOf(item.mail),
                    item.mail.server.describe(), why);
}

void MailQueue::insertByAge(Item item) {
  if (waiting_.size() >= options_.capacity) {
    // Full: the retried mail competes on age like any other.
    if (waiting_.front().id > item.id) {
      ++status_.dropped;
      log::smtp().error("mail queue full ({}): dropped \"{}\" to {}", options_.capacity, item.mail.subject,
                        recipientsOf(item.mail));
      return;
    }
    makeRoom();
  }
  auto at = std::upper_bound(waiting_.begin(), waiting_.end(), item.id,
                             [](std::uint64_t id, const Item& i) { return id < i.id; });
  waiting_.insert(at, std::move(item));
}

void MailQueue::makeRoom() {
  const Item& oldest = waiting_.front();
  ++status_.dropped;
  if (oldest.attempts > 0 && status_.retrying > 0) --status_.retrying;
  log::smtp().error("mail queue full ({}): dropped the oldest, \"{}\" to {}", options_.capacity,
                    oldest.mail.subject, recipientsOf(oldest.mail));
  waiting_.pop_front();
}

void MailQueue::refreshCounts() {
  status_.waiting = waiting_.size();
  status_.retrying = static_cast<std::size_t>(
      std::count_if(waiting_.begin(), waiting_.end(), [](const Item& i) { return i.attempts > 0; }));
  status_.delivering = current_.has_value();
}

}  // namespace havip::notify
