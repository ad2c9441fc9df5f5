// The MailQueue on a fake clock with a fake mailer: nothing happens inside
// enqueue(), one delivery at a time, the backoff schedule, giving up, the
// bounded queue, per-recipient retries; and the Notifier composing the
// seed's mails from MailSettings.
#include "notify/mail_queue.h"

#include <chrono>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "node/fake_clock.h"
#include "notify/fake_mailer.h"
#include "notify/notifier.h"

namespace havip::notify {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

const WallTime kWall = std::chrono::sys_days{std::chrono::year{2024} / 5 / 14} + 7h + 5min + 3s;

OutgoingMail mail(std::string subject, std::vector<std::string> to = {"user1@test.local"}) {
  OutgoingMail m;
  m.server = {"mail.test.local", 25};
  m.envelope = {"director1", "root@director1", std::move(to)};
  m.message = "Subject: " + subject + "\r\n\r\nbody\r\n";
  m.subject = std::move(subject);
  return m;
}

class MailQueueTest : public ::testing::Test {
 protected:
  QueueOptions options() {
    QueueOptions o;
    o.capacity = 3;
    o.firstRetry = 5s;
    o.maxRetry = 20s;
    o.maxAttempts = 6;
    o.maxAge = 1h;
    return o;
  }
  node::FakeClock clock;
  FakeMailer mailer;
};

TEST_F(MailQueueTest, EnqueueNeverDeliversInline) {
  MailQueue q(clock, clock, mailer, options(), [] { return kWall; });
  EXPECT_TRUE(q.enqueue(mail("a")));
  EXPECT_TRUE(mailer.attempts().empty());  // not inside enqueue()
  EXPECT_EQ(q.status().waiting, 1u);
  EXPECT_EQ(clock.nextDeadline(), clock.now());
  clock.advance(0s);  // the event loop runs the armed timer
  ASSERT_EQ(mailer.attempts().size(), 1u);
  EXPECT_EQ(mailer.attempts()[0].subject, "a");
  EXPECT_TRUE(q.status().delivering);
  mailer.succeed();
  EXPECT_EQ(q.status().sent, 1u);
  EXPECT_EQ(q.status().lastSentAt, kWall);
  EXPECT_EQ(q.status().waiting, 0u);
  EXPECT_FALSE(q.status().delivering);
}

TEST_F(MailQueueTest, OneDeliveryAtATimeInOrder) {
  MailQueue q(clock, clock, mailer, options());
  q.enqueue(mail("first"));
  q.enqueue(mail("second"));
  clock.advance(0s);
  ASSERT_EQ(mailer.attempts().size(), 1u);
  clock.advance(10s);  // nothing more while the first is in flight
  EXPECT_EQ(mailer.attempts().size(), 1u);
  mailer.succeed();
  EXPECT_EQ(mailer.attempts().size(), 1u);  // the next one starts from the loop, not the callback
  clock.advance(0s);
  ASSERT_EQ(mailer.attempts().size(), 2u);
  EXPECT_EQ(mailer.attempts()[1].subject, "second");
}

TEST_F(MailQueueTest, ExponentialBackoffCappedThenGivenUp) {
  MailQueue q(clock, clock, mailer, options(), [] { return kWall; });
  q.enqueue(mail("flaky"));
  std::vector<TimePoint> attemptTimes;
  for (int i = 0; i < 10 && q.status().givenUp == 0; ++i) {
    const auto next = clock.nextDeadline();
    ASSERT_TRUE(next);
    clock.advanceTo(*next);
    ASSERT_TRUE(mailer.busy());
    attemptTimes.push_back(clock.now());
    mailer.fail(FailureKind::Temporary, "connect to mail.test.local:25: connection refused");
    if (q.status().givenUp == 0) {
      EXPECT_EQ(q.status().retrying, 1u);
      EXPECT_EQ(q.status().waiting, 1u);
    }
  }
  std::vector<Duration> gaps;
  for (std::size_t i = 1; i < attemptTimes.size(); ++i) gaps.push_back(attemptTimes[i] - attemptTimes[i - 1]);
  EXPECT_THAT(gaps, ElementsAre(5s, 10s, 20s, 20s, 20s));  // 6 attempts, then no more
  EXPECT_EQ(q.status().attempts, 6u);
  EXPECT_EQ(q.status().failedAttempts, 6u);
  EXPECT_EQ(q.status().givenUp, 1u);
  EXPECT_EQ(q.status().sent, 0u);
  EXPECT_EQ(q.status().retrying, 0u);
  EXPECT_EQ(q.status().waiting, 0u);
  ASSERT_TRUE(q.status().lastGivenUp);
  EXPECT_EQ(*q.status().lastGivenUp,
            "[flaky] to user1@test.local: connect to mail.test.local:25: connection refused (after 6 attempts)");
  EXPECT_EQ(q.status().lastGivenUpAt, kWall);
  EXPECT_EQ(q.status().lastError, "[flaky] connect to mail.test.local:25: connection refused");
  clock.advance(1h);
  EXPECT_EQ(mailer.attempts().size(), 6u);
}

TEST_F(MailQueueTest, RetrySucceedsAfterTheServerComesBack) {
  MailQueue q(clock, clock, mailer, options());
  q.enqueue(mail("queued while down"));
  clock.advance(0s);
  mailer.fail(FailureKind::Temporary, "connection refused");
  EXPECT_EQ(clock.nextDeadline(), clock.now() + 5s);
  clock.advance(5s);
  mailer.succeed();
  EXPECT_EQ(q.status().sent, 1u);
  EXPECT_EQ(q.status().givenUp, 0u);
  EXPECT_EQ(q.status().retrying, 0u);
  EXPECT_EQ(q.status().attempts, 2u);
}

TEST_F(MailQueueTest, PermanentFailureIsGivenUpAtOnce) {
  MailQueue q(clock, clock, mailer, options());
  q.enqueue(mail("refused"));
  clock.advance(0s);
  mailer.fail(FailureKind::Permanent, "MAIL FROM: 553 5.7.1 sender rejected");
  EXPECT_EQ(q.status().givenUp, 1u);
  EXPECT_THAT(*q.status().lastGivenUp, HasSubstr("553 5.7.1 sender rejected (permanent)"));
  EXPECT_FALSE(clock.nextDeadline());
  clock.advance(1h);
  EXPECT_EQ(mailer.attempts().size(), 1u);
}

TEST_F(MailQueueTest, FullQueueDropsTheOldestWaiting) {
  MailQueue q(clock, clock, mailer, options());  // capacity 3
  q.enqueue(mail("m1"));
  clock.advance(0s);  // m1 in flight: not counted against capacity
  for (const char* s : {"m2", "m3", "m4", "m5"}) q.enqueue(mail(s));
  EXPECT_EQ(q.status().dropped, 1u);
  EXPECT_EQ(q.status().waiting, 3u);
  EXPECT_EQ(q.status().enqueued, 5u);
  mailer.succeed();
  std::vector<std::string> order;
  while (true) {
    clock.advance(0s);
    if (!mailer.busy()) break;
    order.push_back(mailer.attempts().back().subject);
    mailer.succeed();
  }
  EXPECT_THAT(order, ElementsAre("m3", "m4", "m5"));  // m2, the oldest waiting, was dropped
  EXPECT_EQ(q.status().sent, 4u);
}

TEST_F(MailQueueTest, TemporarilyRefusedRecipientGetsItAloneLater) {
  MailQueue q(clock, clock, mailer, options());
  q.enqueue(mail("partial", {"a@test.local", "b@test.local", "c@test.local"}));
  clock.advance(0s);
  mailer.succeed({{"b@test.local", FailureKind::Temporary, {450, "4.2.0 greylisted"}},
                  {"c@test.local", FailureKind::Permanent, {550, "5.1.1 no such user"}}});
  EXPECT_EQ(q.status().sent, 1u);
  EXPECT_EQ(q.status().recipientsRefused, 1u);
  EXPECT_THAT(*q.status().lastError, HasSubstr("c@test.local: 550 5.1.1 no such user"));
  EXPECT_EQ(q.status().retrying, 1u);
  EXPECT_EQ(clock.nextDeadline(), clock.now() + 5s);
  clock.advance(5s);
  ASSERT_TRUE(mailer.busy());
  EXPECT_THAT(mailer.attempts().back().envelope.recipients, ElementsAre("b@test.local"));
  mailer.succeed();
  EXPECT_EQ(q.status().sent, 2u);
  EXPECT_EQ(q.status().waiting, 0u);
}

TEST_F(MailQueueTest, MaxAgeStopsRetries) {
  QueueOptions o = options();
  o.maxAttempts = 100;
  o.maxAge = 30s;
  MailQueue q(clock, clock, mailer, o);
  q.enqueue(mail("old"));
  int attempts = 0;
  while (auto next = clock.nextDeadline()) {
    clock.advanceTo(*next);
    ++attempts;
    mailer.fail(FailureKind::Temporary, "timed out");
  }
  // Attempts at 0, 5, 15 s; the next would start at 35 s, past the 30 s age.
  EXPECT_EQ(attempts, 3);
  EXPECT_EQ(q.status().givenUp, 1u);
  EXPECT_THAT(*q.status().lastGivenUp, HasSubstr("too old"));
}

TEST_F(MailQueueTest, MailWithoutRecipientIsRefused) {
  MailQueue q(clock, clock, mailer, options());
  EXPECT_FALSE(q.enqueue(mail("nobody", {})));
  EXPECT_EQ(q.status().enqueued, 0u);
  EXPECT_FALSE(clock.nextDeadline());
}

TEST_F(MailQueueTest, DestroyingTheQueueCancelsTheDelivery) {
  {
    MailQueue q(clock, clock, mailer, options());
    q.enqueue(mail("x"));
    clock.advance(0s);
    EXPECT_TRUE(mailer.busy());
  }
  EXPECT_FALSE(mailer.busy());  // its callback (holding the queue) is gone
}

// The seed's instance: notify_email { user1@test.local }, smtp_server
// mail.test.local, smtp_connect_timeout 30, router_id LVS_MASTER.
config::MailSettings seedSettings() {
  config::MailSettings s;
  s.enabled = true;
  s.recipients = {"user1@test.local"};
  s.server = config::SmtpServer{"mail.test.local", std::nullopt, 25, {}};
  s.connectTimeout = 30s;
  s.routerId = "LVS_MASTER";
  return s;
}

TEST_F(MailQueueTest, NotifierComposesTheSeedMail) {
  MailQueue q(clock, clock, mailer, options());
  Notifier n(q, HostIdentity{"director1", "root"}, [] { return kWall; }, [](WallTime) { return 2h; });
  const VrrpEvent ev{"VI_1", vrrp::State::Backup, vrrp::State::Master, "master down: no advert for 3.609 s",
                     100, 100, {"10.11.12.99/32"}};
  ASSERT_TRUE(n.vrrpTransition(seedSettings(), ev));
  clock.advance(0s);
  ASSERT_EQ(mailer.attempts().size(), 1u);
  const OutgoingMail& m = mailer.attempts()[0];
  EXPECT_EQ(m.subject, "[LVS_MASTER] VRRP Instance VI_1 - Entering MASTER state");
  EXPECT_EQ(m.server, (SmtpServerAddress{"mail.test.local", 25}));
  EXPECT_EQ(m.connectTimeout, 30s);
  EXPECT_EQ(m.dialogueTimeout, 30s);
  EXPECT_EQ(m.envelope, (Envelope{"director1", "root@director1", {"user1@test.local"}}));
  EXPECT_EQ(m.message,
            "Date: Tue, 14 May 2024 09:05:03 +0200\r\n"
            "From: root@director1\r\n"
            "To: user1@test.local\r\n"
            "Subject: [LVS_MASTER] VRRP Instance VI_1 - Entering MASTER state\r\n"
            "Message-ID: <1715670303000000.1.havip@director1>\r\n"
            "MIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=UTF-8\r\n"
            "Content-Transfer-Encoding: 8bit\r\n"
            "X-Mailer: havip\r\n"
            "\r\n"
            "=> VRRP Instance is now owning VRRP VIPs <=\r\n"
            "\r\n"
            "Instance:   VI_1\r\n"
            "Transition: BACKUP -> MASTER\r\n"
            "Reason:     master down: no advert for 3.609 s\r\n"
            "Priority:   base 100, effective 100\r\n"
            "VIPs:       10.11.12.99/32\r\n"
            "Host:       director1\r\n"
            "Time:       Tue, 14 May 2024 09:05:03 +0200\r\n");
}

TEST_F(MailQueueTest, NotifierDefaultsAndOffSwitch) {
  MailQueue q(clock, clock, mailer, options());
  Notifier n(q, HostIdentity{"director2", "havip"}, [] { return kWall; }, [](WallTime) { return 0s; },
             NotifierOptions{10s});
  config::MailSettings s = seedSettings();
  s.routerId.reset();
  s.from = "lb@test.local";
  s.heloName = "lb2.test.local";
  s.server->port = 2525;
  const RealServerEvent rs{"[192.168.100.10]:tcp:80", "[10.11.12.99]:tcp:80", false, "connection refused"};
  const auto m = n.composeRealServer(s, rs);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->subject, "[director2] Realserver [192.168.100.10]:tcp:80 of virtual server [10.11.12.99]:tcp:80 - DOWN");
  EXPECT_EQ(m->envelope.from, "lb@test.local");
  EXPECT_EQ(m->envelope.heloName, "lb2.test.local");
  EXPECT_EQ(m->server.port, 2525);
  EXPECT_EQ(m->dialogueTimeout, 10s);
  s.routerId.reset();
  s.from.reset();
  s.heloName.reset();
  const auto d = n.composeVrrp(s, VrrpEvent{"VI_1", vrrp::State::Master, vrrp::State::Backup, "x", 90, 90, {}});
  ASSERT_TRUE(d);
  EXPECT_EQ(d->subject, "[director2] VRRP Instance VI_1 - Entering BACKUP state");
  EXPECT_EQ(d->envelope.from, "havip@director2");
  EXPECT_EQ(d->envelope.heloName, "director2");

  config::MailSettings off = seedSettings();
  off.enabled = false;
  EXPECT_FALSE(n.vrrpTransition(off, VrrpEvent{}));
  config::MailSettings noServer = seedSettings();
  noServer.server.reset();
  EXPECT_FALSE(n.vrrpTransition(noServer, VrrpEvent{}));
  EXPECT_EQ(q.status().enqueued, 0u);
}

}  // namespace
}  // namespace havip::notify
