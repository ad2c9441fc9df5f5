// The mail queue between the daemon and its Mailer, built so that mail can
// never slow VRRP: enqueue() is O(1) and returns at once (no I/O, no callback
// inside it); deliveries run one at a time from a timer on the event loop;
// a temporary failure is retried with exponential backoff (firstRetry,
// doubling, capped at maxRetry) until maxAttempts or maxAge; a permanent one
// is given up at once. When `capacity` mails are waiting, the oldest waiting
// one is dropped (counted and logged). A recipient refused temporarily while
// others accepted gets the mail again later, alone.
//
// Threading: everything on the event loop that runs the TimerService.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "node/clock.h"
#include "notify/mailer.h"
#include "notify/message.h"

namespace havip::notify {

struct QueueOptions {
  std::size_t capacity = 100;  // mails waiting (the one being delivered not counted)
  Duration firstRetry = std::chrono::seconds(5);
  Duration maxRetry = std::chrono::minutes(5);
  unsigned maxAttempts = 12;
  Duration maxAge = std::chrono::hours(1);  // no retry starts later than this after enqueue
};

struct MailStatus {
  std::size_t waiting = 0;   // queued, not being delivered (retries included)
  std::size_t retrying = 0;  // of those, mails that already failed at least once
  bool delivering = false;
  std::uint64_t enqueued = 0;
  std::uint64_t sent = 0;
  std::uint64_t givenUp = 0;
  std::uint64_t dropped = 0;  // pushed out of a full queue
  std::uint64_t attempts = 0;
  std::uint64_t failedAttempts = 0;
  std::uint64_t recipientsRefused = 0;  // refused for good while the mail went to others
  std::optional<std::string> lastError;  // "[subject] MAIL FROM: 451 ..."
  std::optional<WallTime> lastErrorAt;
  std::optional<std::string> lastGivenUp;  // what was lost, and why
  std::optional<WallTime> lastGivenUpAt;
  std::optional<WallTime> lastSentAt;
};

using WallClock = std::function<WallTime()>;

class MailQueue {
 public:
  // All references must outlive the queue. `wallClock` only stamps status.
  MailQueue(node::Clock& clock, node::TimerService& timers, Mailer& mailer, QueueOptions options = {},
            WallClock wallClock = [] { return std::chrono::system_clock::now(); });
  ~MailQueue();
  MailQueue(const MailQueue&) = delete;
  MailQueue& operator=(const MailQueue&) = delete;

  // Queues `mail` (ignored, and false, when it has no recipient).
  bool enqueue(OutgoingMail mail);
  const MailStatus& status() const { return status_; }
  const QueueOptions& options() const { return options_; }
  // When the next delivery is due (nullopt: nothing waiting or one running).
  std::optional<TimePoint> nextAttemptAt() const;
  // The wait after the n-th failed attempt (n >= 1).
  Duration backoff(unsigned failedAttempts) const;

 private:
  struct Item {
    std::uint64_t id = 0;
    OutgoingMail mail;
    TimePoint created;
    TimePoint notBefore;
    unsigned attempts = 0;
  };

  void schedule();
  void onTimer();
  void onDelivered(DeliveryResult result);
  void retryOrGiveUp(Item item, const std::string& error);
  void giveUp(const Item& item, const std::string& why);
  void insertByAge(Item item);
  void makeRoom();
  void refreshCounts();

  node::Clock& clock_;
  Mailer& mailer_;
  QueueOptions options_;
  WallClock wallClock_;
  std::unique_ptr<node::Timer> timer_;
  std::deque<Item> waiting_;  // oldest (lowest id) first
  std::optional<Item> current_;
  std::uint64_t nextId_ = 1;
  MailStatus status_;
};

}  // namespace havip::notify
