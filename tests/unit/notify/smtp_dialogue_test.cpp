// The SMTP client dialogue as bytes in, bytes out: whole golden dialogues,
// every failure class, replies in odd chunkings, and the DATA encoding.
#include "notify/smtp_dialogue.h"

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace havip::notify {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

Envelope seedEnvelope() { return {"director1", "root@director1", {"user1@test.local", "ops@test.local"}}; }

constexpr std::string_view kMessage = "Subject: hi\r\n\r\nline one\r\n";

// Feeds the server's chunks in order and returns every byte the client sent.
std::string play(SmtpDialogue& d, const std::vector<std::string>& serverChunks) {
  std::string sent;
  for (const auto& chunk : serverChunks) sent += d.onReceive(chunk);
  return sent;
}

TEST(SmtpDialogue, GoldenDeliveryWithMultiLineEhlo) {
  SmtpDialogue d(seedEnvelope(), kMessage);
  const std::string sent = play(d, {"220 mail.test.local ESMTP Postfix (Debian/GNU)\r\n",
                                    "250-mail.test.local\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250 8BITMIME\r\n",
                                    "250 2.1.0 Ok\r\n", "250 2.1.5 Ok\r\n", "250 2.1.5 Ok\r\n",
                                    "354 End data with <CR><LF>.<CR><LF>\r\n", "250 2.0.0 Ok: queued as 4F1A2\r\n",
                                    "221 2.0.0 Bye\r\n"});
  EXPECT_EQ(sent,
            "EHLO director1\r\n"
            "MAIL FROM:<root@director1>\r\n"
            "RCPT TO:<user1@test.local>\r\n"
            "RCPT TO:<ops@test.local>\r\n"
            "DATA\r\n"
            "Subject: hi\r\n\r\nline one\r\n.\r\n"
            "QUIT\r\n");
  EXPECT_TRUE(d.delivered());
  EXPECT_TRUE(d.finished());
  EXPECT_FALSE(d.failure());
  EXPECT_THAT(d.accepted(), ElementsAre("user1@test.local", "ops@test.local"));
  EXPECT_TRUE(d.refused().empty());
}

TEST(SmtpDialogue, NothingIsSentBeforeTheGreeting) {
  SmtpDialogue d(seedEnvelope(), kMessage);
  EXPECT_EQ(d.onReceive("220-mail.test.local first line of a long banner\r\n"), "");
  EXPECT_EQ(d.step(), SmtpDialogue::Step::Greeting);
  EXPECT_EQ(d.onReceive("220 ready\r\n"), "EHLO director1\r\n");
}

TEST(SmtpDialogue, EhloRefusedFallsBackToHelo) {
  SmtpDialogue d(seedEnvelope(), kMessage);
  const std::string sent = play(d, {"220 old.smtp\r\n", "502 5.5.2 Error: command not recognized\r\n",
                                    "250 old.smtp\r\n", "250 ok\r\n", "250 ok\r\n", "250 ok\r\n", "354 go\r\n",
                                    "250 queued\r\n", "221 bye\r\n"});
  EXPECT_EQ(sent,
            "EHLO director1\r\n"
            "HELO director1\r\n"
            "MAIL FROM:<root@director1>\r\n"
            "RCPT TO:<user1@test.local>\r\n"
            "RCPT TO:<ops@test.local>\r\n"
            "DATA\r\n"
            "Subject: hi\r\n\r\nline one\r\n.\r\n"
            "QUIT\r\n");
  EXPECT_TRUE(d.delivered());
}

TEST(SmtpDialogue, HeloRefusedTooIsPermanent) {
  SmtpDialogue d(seedEnvelope(), kMessage);
  const std::string sent = play(d, {"220 x\r\n", "500 no\r\n", "501 5.5.4 Syntax: HELO hostname\r\n"});
  EXPECT_EQ(sent, "EHLO director1\r\nHELO director1\r\nQUIT\r\n");
  ASSERT_TRUE(d.failure());
  EXPECT_EQ(d.failure()->kind, FailureKind::Permanent);
  EXPECT_EQ(d.failure()->step, "HELO");
  EXPECT_EQ(d.failure()->detail, "HELO: 501 5.5.4 Syntax: HELO hostname");
  EXPECT_TRUE(d.finished());
  EXPECT_FALSE(d.delivered());
}

TEST(SmtpDialogue, EhloTemporaryErrorIsNotAFallback) {
  SmtpDialogue d(seedEnvelope(), kMessage);
  EXPECT_EQ(play(d, {"220 x\r\n", "421 4.3.2 shutting down\r\n"}), "EHLO director1\r\nQUIT\r\n");
  ASSERT_TRUE(d.failure());
  EXPECT_EQ(d.failure()->kind, FailureKind::Temporary);
}

TEST(SmtpDialogue, GreetingRefusals) {
  SmtpDialogue busy(seedEnvelope(), kMessage);
  EXPECT_EQ(busy.onReceive("421 4.3.2 too busy\r\n"), "QUIT\r\n");
  ASSERT_TRUE(busy.failure());
  EXPECT_EQ(busy.failure()->kind, FailureKind::Temporary);
  EXPECT_EQ(busy.failure()->detail, "greeting: 421 4.3.2 too busy");

  SmtpDialogue denied(seedEnvelope(), kMessage);
  EXPECT_EQ(denied.onReceive("554 5.7.1 no service for you\r\n"), "QUIT\r\n");
  ASSERT_TRUE(denied.failure());
  EXPECT_EQ(denied.failure()->kind, FailureKind::Permanent);
  ASSERT_TRUE(denied.failure()->reply);
  EXPECT_EQ(denied.failure()->reply->code, 554);
}

TEST(SmtpDialogue, PartialRecipientAcceptanceStillDelivers) {
  SmtpDialogue d(seedEnvelope(), kMessage);
  const std::string sent =
      play(d, {"220 x\r\n", "250 x\r\n", "250 ok\r\n", "550 5.1.1 <user1@test.local>: Recipient address rejected\r\n",
               "250 ok\r\n", "354 go\r\n", "250 queued\r\n"});
  EXPECT_EQ(sent,
            "EHLO director1\r\n"
            "MAIL FROM:<root@director1>\r\n"
            "RCPT TO:<user1@test.local>\r\n"
            "RCPT TO:<ops@test.local>\r\n"
            "DATA\r\n"
            "Subject: hi\r\n\r\nline one\r\n.\r\n"
            "QUIT\r\n");
  EXPECT_TRUE(d.delivered());
  EXPECT_FALSE(d.finished());  // QUIT not answered yet
  EXPECT_THAT(d.accepted(), ElementsAre("ops@test.local"));
  ASSERT_EQ(d.refused().size(), 1u);
  EXPECT_EQ(d.refused()[0].recipient, "user1@test.local");
  EXPECT_EQ(d.refused()[0].kind, FailureKind::Permanent);
  EXPECT_EQ(d.refused()[0].reply.code, 550);
  d.onClosed("connection closed by the server");  // no 221: still delivered
  EXPECT_TRUE(d.finished());
  EXPECT_TRUE(d.delivered());
  EXPECT_FALSE(d.failure());
}

TEST(SmtpDialogue, EveryRecipientRefusedPermanentlyGivesUp) {
  SmtpDialogue d(seedEnvelope(), kMessage);
  const std::string sent = play(d, {"220 x\r\n", "250 x\r\n", "250 ok\r\n", "550 5.1.1 no such user\r\n",
                                    "553 5.1.3 bad address\r\n"});
  EXPECT_EQ(sent,
            "EHLO director1\r\nMAIL FROM:<root@director1>\r\nRCPT TO:<user1@test.local>\r\n"
            "RCPT TO:<ops@test.local>\r\nQUIT\r\n");
  ASSERT_TRUE(d.failure());
  EXPECT_EQ(d.failure()->kind, FailureKind::Permanent);
  EXPECT_EQ(d.failure()->detail,
            "RCPT TO: no recipient accepted (user1@test.local: 550 5.1.1 no such user; "
            "ops@test.local: 553 5.1.3 bad address)");
}

TEST(SmtpDialogue, EveryRecipientRefusedWithOneTemporaryIsRetried) {
  SmtpDialogue d(seedEnvelope(), kMessage);
  play(d, {"220 x\r\n", "250 x\r\n", "250 ok\r\n", "450 4.2.0 greylisted\r\n", "550 5.1.1 no such user\r\n"});
  ASSERT_TRUE(d.failure());
  EXPECT_EQ(d.failure()->kind, FailureKind::Temporary);
  ASSERT_EQ(d.refused().size(), 2u);
  EXPECT_EQ(d.refused()[0].kind, FailureKind::Temporary);
  EXPECT_EQ(d.refused()[1].kind, FailureKind::Permanent);
}

struct StepFailure {
  std::vector<std::string> replies;
  FailureKind kind;
  std::string step;
};

class SmtpDialogueStepFailure : public ::testing::TestWithParam<StepFailure> {};

TEST_P(SmtpDialogueStepFailure, IsClassifiedByItsCode) {
  SmtpDialogue d(Envelope{"h", "f@h", {"r@h"}}, kMessage);
  const std::string sent = play(d, GetParam().replies);
  EXPECT_THAT(sent, ::testing::EndsWith("QUIT\r\n"));
  ASSERT_TRUE(d.failure());
  EXPECT_EQ(d.failure()->kind, GetParam().kind);
  EXPECT_EQ(d.failure()->step, GetParam().step);
  EXPECT_FALSE(d.delivered());
  EXPECT_TRUE(d.finished());
}

INSTANTIATE_TEST_SUITE_P(
    Codes, SmtpDialogueStepFailure,
    ::testing::Values(StepFailure{{"220 x\r\n", "250 x\r\n", "451 4.3.0 try later\r\n"}, FailureKind::Temporary, "MAIL FROM"},
                      StepFailure{{"220 x\r\n", "250 x\r\n", "553 5.7.1 sender rejected\r\n"}, FailureKind::Permanent, "MAIL FROM"},
                      StepFailure{{"220 x\r\n", "250 x\r\n", "250 ok\r\n", "250 ok\r\n", "554 5.5.1 no valid recipients\r\n"},
                                  FailureKind::Permanent, "DATA"},
                      StepFailure{{"220 x\r\n", "250 x\r\n", "250 ok\r\n", "250 ok\r\n", "451 local error\r\n"},
                                  FailureKind::Temporary, "DATA"},
                      StepFailure{{"220 x\r\n", "250 x\r\n", "250 ok\r\n", "250 ok\r\n", "354 go\r\n", "452 4.3.1 full\r\n"},
                                  FailureKind::Temporary, "end of data"},
                      StepFailure{{"220 x\r\n", "250 x\r\n", "250 ok\r\n", "250 ok\r\n", "354 go\r\n", "554 5.6.0 spam\r\n"},
                                  FailureKind::Permanent, "end of data"},
                      // A code the step does not allow: a broken server, worth another try.
                      StepFailure{{"220 x\r\n", "250 x\r\n", "354 what\r\n"}, FailureKind::Temporary, "MAIL FROM"},
                      StepFailure{{"220 x\r\n", "250 x\r\n", "250 ok\r\n", "250 ok\r\n", "250 not 354\r\n"},
                                  FailureKind::Temporary, "DATA"}));

TEST(SmtpDialogue, ByteAtATimeGivesTheSameBytes) {
  const std::string server =
      "220 x\r\n250-x\r\n250 HELP\r\n250 ok\r\n250 ok\r\n250 ok\r\n354 go\r\n250 queued\r\n221 bye\r\n";
  SmtpDialogue whole(seedEnvelope(), kMessage);
  // Whole replies one per call, as a reference...
  std::string expected;
  for (const char* r : {"220 x\r\n", "250-x\r\n250 HELP\r\n", "250 ok\r\n", "250 ok\r\n", "250 ok\r\n",
                        "354 go\r\n", "250 queued\r\n", "221 bye\r\n"}) {
    expected += whole.onReceive(r);
  }
  // ...then the same stream one byte per call.
  SmtpDialogue bytes(seedEnvelope(), kMessage);
  std::string sent;
  for (char c : server) sent += bytes.onReceive(std::string_view(&c, 1));
  EXPECT_EQ(sent, expected);
  EXPECT_TRUE(bytes.finished());
  EXPECT_TRUE(bytes.delivered());
}

TEST(SmtpDialogue, AcceptsBareLineFeeds) {
  SmtpDialogue d(Envelope{"h", "f@h", {"r@h"}}, kMessage);
  play(d, {"220 x\n", "250 x\n", "250 ok\n", "250 ok\n", "354 go\n", "250 queued\n", "221 bye\n"});
  EXPECT_TRUE(d.delivered());
  EXPECT_TRUE(d.finished());
}

TEST(SmtpDialogue, GarbageIsATemporaryProtocolFailure) {
  SmtpDialogue d(seedEnvelope(), kMessage);
  EXPECT_EQ(d.onReceive("HTTP/1.1 400 Bad Request\r\n"), "QUIT\r\n");
  ASSERT_TRUE(d.failure());
  EXPECT_EQ(d.failure()->kind, FailureKind::Temporary);
  EXPECT_FALSE(d.failure()->reply);
  EXPECT_THAT(d.failure()->detail, HasSubstr("not an SMTP reply"));
  EXPECT_EQ(d.onReceive("220 too late\r\n"), "");
}

TEST(SmtpDialogue, EndlessLineIsRefused) {
  SmtpDialogue d(seedEnvelope(), kMessage);
  d.onReceive("220 " + std::string(5000, 'x'));
  ASSERT_TRUE(d.failure());
  EXPECT_THAT(d.failure()->detail, HasSubstr("longer than"));
}

TEST(SmtpDialogue, ClosedBeforeDeliveryIsTemporary) {
  SmtpDialogue d(seedEnvelope(), kMessage);
  play(d, {"220 x\r\n", "250 x\r\n"});
  d.onClosed("connection closed by the server");
  ASSERT_TRUE(d.failure());
  EXPECT_EQ(d.failure()->kind, FailureKind::Temporary);
  EXPECT_EQ(d.failure()->detail, "MAIL FROM: connection closed by the server");
}

TEST(SmtpDialogue, LineEndsInEnvelopeCannotInjectCommands) {
  SmtpDialogue d(Envelope{"evil\r\nRSET", "a@b\r\nRCPT TO:<x@y>", {"r@h\nDATA"}}, kMessage);
  const std::string sent = play(d, {"220 x\r\n", "250 x\r\n", "250 ok\r\n"});
  EXPECT_EQ(sent, "EHLO evil  RSET\r\nMAIL FROM:<a@b  RCPT TO:<x@y>>\r\nRCPT TO:<r@h DATA>\r\n");
}

TEST(SmtpDialogue, NoRecipientIsPermanent) {
  SmtpDialogue d(Envelope{"h", "f@h", {}}, kMessage);
  EXPECT_EQ(play(d, {"220 x\r\n", "250 x\r\n", "250 ok\r\n"}), "EHLO h\r\nMAIL FROM:<f@h>\r\nQUIT\r\n");
  ASSERT_TRUE(d.failure());
  EXPECT_EQ(d.failure()->kind, FailureKind::Permanent);
}

TEST(ReplyReader, JoinsMultiLineText) {
  ReplyReader r;
  auto replies = r.feed("250-mail.test.local\r\n250-PIPELINING\r\n250 8BITMIME\r\n354");
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0].code, 250);
  EXPECT_EQ(replies[0].text, "mail.test.local\nPIPELINING\n8BITMIME");
  EXPECT_EQ(replies[0].describe(), "250 mail.test.local PIPELINING 8BITMIME");
  replies = r.feed("\r\n");
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0].code, 354);
  EXPECT_EQ(replies[0].text, "");
}

TEST(EncodeData, NormalisesLineEndsAndStuffsDots) {
  EXPECT_EQ(encodeData("a\n.b\r\n..c\rd"), "a\r\n..b\r\n...c\r\nd\r\n.\r\n");
  EXPECT_EQ(encodeData(".\n"), "..\r\n.\r\n");  // a lone dot must not end the mail early
  EXPECT_EQ(encodeData("x\r\n"), "x\r\n.\r\n");
  EXPECT_EQ(encodeData("x"), "x\r\n.\r\n");
  EXPECT_EQ(encodeData(""), ".\r\n");
  EXPECT_EQ(encodeData("a.b\r\n\r\n.\r\n"), "a.b\r\n\r\n..\r\n.\r\n");
}

}  // namespace
}  // namespace havip::notify
