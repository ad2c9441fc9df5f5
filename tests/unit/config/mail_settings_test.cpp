// Which mail settings a real server's health change uses, and when it mails at
// all: the real server's smtp_alert, else its virtual server's, else global_defs'.
#include <gtest/gtest.h>

#include "config/parser.h"

namespace havip::config {
namespace {

std::shared_ptr<const Config> parse(const std::string& text) {
  auto r = parseString(text, "t.conf");
  if (!r) {
    ADD_FAILURE() << r.error().errors.front().toString();
    return nullptr;
  }
  return r->config;
}

const std::string kGlobal = R"(
global_defs {
    router_id LVS_MASTER
    notification_email {
        user1@test.local
    }
    smtp_server mail.test.local
    smtp_connect_timeout 30
    SMTP_ALERT
}
)";

std::string service(const std::string& vsLine, const std::string& rsLine) {
  return "virtual_server 10.11.12.99 80 {\n    lb_algo rr\n    lb_kind NAT\n    protocol TCP\n" + vsLine +
         "    real_server 192.168.100.10 80 {\n        weight 1\n" + rsLine +
         "        TCP_CHECK {\n            connect_timeout 3\n        }\n    }\n}\n";
}

std::string withGlobalAlert(const std::string& alert) {
  auto g = kGlobal;
  g.replace(g.find("SMTP_ALERT"), 10, alert);
  return g;
}

TEST(RealServerMail, OffUnlessSomeoneAsks) {
  auto c = parse(withGlobalAlert("") + service("", ""));
  ASSERT_TRUE(c);
  const auto& vs = c->virtualServers.at(0);
  EXPECT_FALSE(c->mailFor(vs, vs.realServers.at(0)).enabled);
}

TEST(RealServerMail, RealServerOverVirtualServerOverGlobal) {
  auto byGlobal = parse(withGlobalAlert("smtp_alert") + service("", ""));
  auto vsOff = parse(withGlobalAlert("smtp_alert") + service("    smtp_alert false\n", ""));
  auto rsOn = parse(withGlobalAlert("smtp_alert false") + service("    smtp_alert false\n", "        smtp_alert\n"));
  ASSERT_TRUE(byGlobal && vsOff && rsOn);
  auto enabled = [](const Config& c) {
    const auto& vs = c.virtualServers.at(0);
    return c.mailFor(vs, vs.realServers.at(0)).enabled;
  };
  EXPECT_TRUE(enabled(*byGlobal));
  EXPECT_FALSE(enabled(*vsOff));
  EXPECT_TRUE(enabled(*rsOn));
  const auto& vs = byGlobal->virtualServers.at(0);
  const auto m = byGlobal->mailFor(vs, vs.realServers.at(0));
  EXPECT_EQ(m.recipients, std::vector<std::string>{"user1@test.local"});
  ASSERT_TRUE(m.server);
  EXPECT_EQ(m.server->host, "mail.test.local");
  EXPECT_EQ(m.routerId, "LVS_MASTER");
}

TEST(RealServerMail, NoRecipientsOrServerMeansNoMail) {
  auto c = parse(service("", "        smtp_alert\n"));
  ASSERT_TRUE(c);
  const auto& vs = c->virtualServers.at(0);
  EXPECT_FALSE(c->mailFor(vs, vs.realServers.at(0)).enabled);
}

}  // namespace
}  // namespace havip::config
