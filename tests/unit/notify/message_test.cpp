// The notification mails: keepalived 2.2.7's subjects, RFC 5322 dates and
// headers, the bodies, and the defaults keepalived derives from the host.
#include "notify/message.h"

#include <pwd.h>
#include <unistd.h>

#include <chrono>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace havip::notify {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::Not;

// 2024-05-14 07:05:03 UTC.
const WallTime kWhen = std::chrono::sys_days{std::chrono::year{2024} / 5 / 14} + 7h + 5min + 3s;

TEST(FormatDate, Rfc5322InTheGivenZone) {
  EXPECT_EQ(formatDate(kWhen, 2h), "Tue, 14 May 2024 09:05:03 +0200");
  EXPECT_EQ(formatDate(kWhen, 0s), "Tue, 14 May 2024 07:05:03 +0000");
  // West of UTC, across midnight, with a half-hour zone.
  EXPECT_EQ(formatDate(kWhen, -(9h + 30min)), "Mon, 13 May 2024 21:35:03 -0930");
  EXPECT_EQ(formatDate(WallTime{}, 0s), "Thu, 01 Jan 1970 00:00:00 +0000");
  EXPECT_EQ(formatDate(kWhen + 400ms, 0s), "Tue, 14 May 2024 07:05:03 +0000");
}

TEST(Subjects, VrrpExactlyAsKeepalived) {
  EXPECT_EQ(vrrpSubject("LVS_MASTER", "VI_1", vrrp::State::Master),
            "[LVS_MASTER] VRRP Instance VI_1 - Entering MASTER state");
  EXPECT_EQ(vrrpSubject("LVS_MASTER", "VI_1", vrrp::State::Backup),
            "[LVS_MASTER] VRRP Instance VI_1 - Entering BACKUP state");
  EXPECT_EQ(vrrpSubject("LVS_MASTER", "VI_1", vrrp::State::Fault),
            "[LVS_MASTER] VRRP Instance VI_1 - Entering FAULT state");
  EXPECT_EQ(vrrpSubject("LVS_BACKUP", "VI_1", vrrp::State::Init), "[LVS_BACKUP] VRRP Instance VI_1 - Stopping");
}

TEST(Subjects, RealServerExactlyAsKeepalived) {
  config::VirtualServer vs;
  vs.address = net::Ipv4Address::parse("10.11.12.99");
  vs.port = 80;
  RealServerEvent ev{keepalivedEndpoint(*net::Ipv4Address::parse("192.168.100.10"), config::Protocol::Tcp, 80),
                     keepalivedVirtualServer(vs), false, "TCP connect to 192.168.100.10:80: connection refused"};
  EXPECT_EQ(realServerSubject("LVS_MASTER", ev),
            "[LVS_MASTER] Realserver [192.168.100.10]:tcp:80 of virtual server [10.11.12.99]:tcp:80 - DOWN");
  ev.up = true;
  EXPECT_THAT(realServerSubject("LVS_MASTER", ev), ::testing::EndsWith(" - UP"));

  config::VirtualServer fw;
  fw.fwmark = 7;
  EXPECT_EQ(keepalivedVirtualServer(fw), "FWM 7");
  EXPECT_EQ(keepalivedEndpoint(*net::Ipv4Address::parse("10.0.0.5"), config::Protocol::Udp, 53), "[10.0.0.5]:udp:53");
}

TEST(Defaults, AsKeepalivedDerivesThem) {
  const HostIdentity id{"director1", "root"};
  EXPECT_EQ(defaultFrom(id), "root@director1");
  EXPECT_EQ(defaultRouterId(id), "director1");
  EXPECT_EQ(defaultHeloName(id), "director1");
}

TEST(Defaults, LocalIdentityIsThisHostAndUser) {
  const HostIdentity id = localIdentity();
  char host[256] = {};
  ASSERT_EQ(gethostname(host, sizeof host - 1), 0);
  EXPECT_EQ(id.hostName, host);
  const passwd* pw = getpwuid(getuid());
  ASSERT_NE(pw, nullptr) << "this test needs a passwd entry for uid " << getuid();
  EXPECT_EQ(id.userName, pw->pw_name);
}

TEST(MessageId, UniquePerSequenceAndBracketed) {
  const auto a = makeMessageId(kWhen, 1, "director1");
  const auto b = makeMessageId(kWhen, 2, "director1");
  EXPECT_EQ(a, "<1715670303000000.1.havip@director1>");
  EXPECT_NE(a, b);
}

TEST(VrrpBody, SaysWhatChangedAndWhy) {
  VrrpEvent ev{"VI_1", vrrp::State::Backup, vrrp::State::Master, "master down: no advert for 3.609 s", 90, 92,
               {"10.11.12.99/32"}};
  const std::string body = vrrpBody(ev, "director2", "Tue, 14 May 2024 09:05:03 +0200");
  EXPECT_EQ(body,
            "=> VRRP Instance is now owning VRRP VIPs <=\n"
            "\n"
            "Instance:   VI_1\n"
            "Transition: BACKUP -> MASTER\n"
            "Reason:     master down: no advert for 3.609 s\n"
            "Priority:   base 90, effective 92\n"
            "VIPs:       10.11.12.99/32\n"
            "Host:       director2\n"
            "Time:       Tue, 14 May 2024 09:05:03 +0200\n");
  ev.to = vrrp::State::Fault;
  EXPECT_THAT(vrrpBody(ev, "d", "t"), ::testing::StartsWith("=> VRRP Instance is no longer owning VRRP VIPs <="));
}

TEST(RenderMessage, HeadersBlankLineBodyInCrlf) {
  MessageHeaders h{"Tue, 14 May 2024 09:05:03 +0200", "root@director1", {"user1@test.local"},
                   "[LVS_MASTER] VRRP Instance VI_1 - Entering MASTER state", "<1.1.havip@director1>"};
  EXPECT_EQ(renderMessage(h, "line 1\nline 2\n"),
            "Date: Tue, 14 May 2024 09:05:03 +0200\r\n"
            "From: root@director1\r\n"
            "To: user1@test.local\r\n"
            "Subject: [LVS_MASTER] VRRP Instance VI_1 - Entering MASTER state\r\n"
            "Message-ID: <1.1.havip@director1>\r\n"
            "MIME-Version: 1.0\r\n"
            "Content-Type: text/plain; charset=UTF-8\r\n"
            "Content-Transfer-Encoding: 8bit\r\n"
            "X-Mailer: havip\r\n"
            "\r\n"
            "line 1\r\nline 2\r\n");
}

TEST(RenderMessage, NoHeaderInjectionAndLongToIsFolded) {
  std::vector<std::string> to;
  for (int i = 0; i < 6; ++i) to.push_back("operator" + std::to_string(i) + "@example.test");
  MessageHeaders h{"d", "f@h", to, "[X] evil\r\nBcc: victim@example.test", "<id@h>"};
  const std::string m = renderMessage(h, "b");
  EXPECT_THAT(m, HasSubstr("Subject: [X] evil  Bcc: victim@example.test\r\n"));
  EXPECT_THAT(m, Not(HasSubstr("\r\nBcc:")));
  EXPECT_THAT(m, HasSubstr("To: operator0@example.test, operator1@example.test, operator2@example.test,\r\n"
                           " operator3@example.test, operator4@example.test, operator5@example.test\r\n"));
  // Every header line stays under RFC 5322's 78-character recommendation.
  std::size_t start = 0;
  while (true) {
    const auto eol = m.find("\r\n", start);
    if (eol == std::string::npos || eol == start) break;
    EXPECT_LE(eol - start, 78u) << m.substr(start, eol - start);
    start = eol + 2;
  }
}

}  // namespace
}  // namespace havip::notify
