// The status, failover and reload models: JSON both ways and the text
// havipctl prints.
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "control/render.h"
#include "control/status.h"

namespace havip::control {
namespace {

using ::testing::HasSubstr;
using nlohmann::json;

std::string readFile(const std::string& name) {
  std::ifstream in(std::string(CONTROL_TESTDATA) + "/" + name);
  if (!in) ADD_FAILURE() << "cannot open fixture " << name;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

StatusSnapshot fullSnapshot() {
  StatusSnapshot s;
  s.daemon = {"0.1.0", 1234, 99.5, "/etc/havipd/havipd.conf",
              LastReload{{true, {}, {"VI_1: unchanged"}}, {30.0, "2024-05-01T12:00:00+02:00"}}};
  InstanceStatus in;
  in.name = "VI_1";
  in.state = "BACKUP";
  in.interface = "eth0";
  in.vrid = 51;
  in.basePriority = 90;
  in.effectivePriority = 0;
  in.priorityReasons = {"failover: handed over"};
  in.masterAddress = "10.11.12.1";
  in.vips = {{"10.11.12.99/32", "eth0", false}};
  in.advertIntervalMs = 1000;
  in.advertsSent = 18446744073709551615ULL;  // survives JSON as an unsigned 64-bit
  in.advertsReceived = 12;
  in.drops = {{"ttl", 3}, {"auth", 1}};
  in.lastTransition = Transition{"MASTER", "BACKUP", "failover requested", {1.5, "2024-05-01T12:00:01+02:00"}};
  in.adminOverride = AdminOverride{"handed-over", 58.4};
  in.trackers = {{"chk_service", "script", false, 2, 0, "exit 1"}};
  s.instances.push_back(in);
  VirtualServerStatus vs;
  vs.address = "10.11.12.99:80";
  vs.protocol = "tcp";
  vs.scheduler = "rr";
  vs.forwarding = "NAT";
  vs.inKernel = true;
  RealServerStatus rs;
  rs.address = "192.168.100.10:80";
  rs.weight = 1;
  rs.up = false;
  rs.kernelWeight = 0;
  rs.lastResult = "TCP connect to 192.168.100.10:80: connection refused (2 attempts)";
  rs.lastResultAt = Moment{2.5, "2024-05-01T12:00:02+02:00"};
  rs.activeConnections = 3;
  rs.inactiveConnections = 4000000000u;
  vs.realServers.push_back(rs);
  vs.realServers.push_back(RealServerStatus{"192.168.100.20:80", 1, true, 1, "", std::nullopt, 0, 0});
  s.virtualServers.push_back(vs);
  s.mail = MailStatus{5, 3, 2, 1, 0, 0, "[LVS_MASTER] VRRP Instance VI_1 - Entering MASTER state: connect: connection refused",
                      Moment{4.0, "2024-05-01T11:59:59+02:00"}, std::nullopt};
  s.ipvs = IpvsStatus{std::nullopt, "1.2.1", 7, 3, 1, {"add destination 192.168.100.10:80 masq weight 1 to TCP 10.11.12.99:80"},
                      Moment{9.0, "2024-05-01T11:59:55+02:00"}};
  return s;
}

TEST(StatusModel, RoundTripsThroughJson) {
  const StatusSnapshot s = fullSnapshot();
  const json j = toJson(s);
  // Through text too, as it travels.
  const auto back = statusFromJson(json::parse(j.dump()));
  ASSERT_TRUE(back) << back.error();
  EXPECT_EQ(*back, s);
}

TEST(StatusModel, JsonUsesSnakeCaseKeys) {
  const json j = toJson(fullSnapshot());
  const json& in = j["instances"][0];
  EXPECT_EQ(in["effective_priority"], 0);
  EXPECT_EQ(in["base_priority"], 90);
  EXPECT_EQ(in["master_address"], "10.11.12.1");
  EXPECT_EQ(in["vips"][0]["installed"], false);
  EXPECT_EQ(in["drops"]["ttl"], 3);
  EXPECT_EQ(in["last_transition"]["at"]["seconds_ago"], 1.5);
  EXPECT_EQ(j["daemon"]["config_path"], "/etc/havipd/havipd.conf");
}

TEST(StatusModel, AbsentOptionalsAreNullAndComeBackAbsent) {
  StatusSnapshot s = fullSnapshot();
  s.instances[0].masterAddress.reset();
  s.instances[0].lastTransition.reset();
  s.instances[0].adminOverride.reset();
  s.daemon.lastReload.reset();
  const json j = toJson(s);
  EXPECT_TRUE(j["instances"][0]["master_address"].is_null());
  EXPECT_TRUE(j["daemon"]["last_reload"].is_null());
  const auto back = statusFromJson(j);
  ASSERT_TRUE(back) << back.error();
  EXPECT_EQ(*back, s);
}

TEST(StatusModel, ErrorsNameTheOffendingKey) {
  json j = toJson(fullSnapshot());
  j["instances"][0]["vips"][0]["installed"] = "yes";
  EXPECT_EQ(statusFromJson(j).error(), "instances[0].vips[0].installed: expected boolean");

  j = toJson(fullSnapshot());
  j["instances"][0].erase("state");
  EXPECT_EQ(statusFromJson(j).error(), "instances[0].state: missing");

  j = toJson(fullSnapshot());
  j["instances"][0]["adverts_sent"] = -1;
  EXPECT_EQ(statusFromJson(j).error(), "instances[0].adverts_sent: must not be negative");

  j = toJson(fullSnapshot());
  j["instances"][0]["drops"]["ttl"] = "many";
  EXPECT_EQ(statusFromJson(j).error(), "instances[0].drops.ttl: expected integer");

  EXPECT_EQ(statusFromJson(json::array()).error(), "(top): expected object");
}

TEST(StatusModel, UnknownKeysAreIgnored) {
  json j = toJson(fullSnapshot());
  j["instances"][0]["something_new"] = {1, 2};
  j["future"] = true;
  const auto back = statusFromJson(j);
  ASSERT_TRUE(back) << back.error();
  EXPECT_EQ(*back, fullSnapshot());
}

TEST(StatusModel, FailoverAndReloadRoundTrip) {
  const FailoverResult f{{{"VI_1", "MASTER", "BACKUP", 0.42, "holding BACKUP for 60 s"}}};
  const auto fb = failoverFromJson(toJson(f));
  ASSERT_TRUE(fb) << fb.error();
  EXPECT_EQ(*fb, f);

  const ReloadResult r{false, {"a.conf:3:1: unknown keyword 'vrrp_instanc'"}, {}};
  const auto rb = reloadFromJson(toJson(r));
  ASSERT_TRUE(rb) << rb.error();
  EXPECT_EQ(*rb, r);
}

TEST(StatusModel, WallClockIsIso8601WithOffset) {
  const char* saved = std::getenv("TZ");
  const std::string savedTz = saved ? saved : "";
  const auto tp = std::chrono::system_clock::time_point(std::chrono::milliseconds(1714564800123));
  ::setenv("TZ", "UTC", 1);
  ::tzset();
  EXPECT_EQ(toIso8601(tp), "2024-05-01T12:00:00.123+00:00");
  ::setenv("TZ", "Europe/Paris", 1);  // CEST in May
  ::tzset();
  const std::string paris = toIso8601(tp);
  if (saved) {
    ::setenv("TZ", savedTz.c_str(), 1);
  } else {
    ::unsetenv("TZ");
  }
  ::tzset();
  EXPECT_EQ(paris, "2024-05-01T14:00:00.123+02:00") << "needs tzdata for Europe/Paris";
}

TEST(StatusRendering, FixtureRendersAsTheGoldenText) {
  const auto status = statusFromJson(json::parse(readFile("status.json")));
  ASSERT_TRUE(status) << status.error();
  EXPECT_EQ(renderStatus(*status), readFile("status.txt"));
}

TEST(StatusRendering, EveryInstanceFieldAppears) {
  const std::string text = renderStatus(fullSnapshot());
  for (const char* expected :
       {"VI_1  BACKUP", "eth0, VRID 51", "0 (base 90): failover: handed over", "master           10.11.12.1",
        "10.11.12.99/32 on eth0  not installed", "advert interval  1 s", "sent 18446744073709551615, received 12",
        "drops            4 (auth 1, ttl 3)", "MASTER -> BACKUP 1.5 s ago (2024-05-01T12:00:01+02:00)",
        "reason: failover requested", "handed-over, 58 s left", "chk_service (script): DOWN, weight +2 - exit 1",
        "virtual server tcp 10.11.12.99:80 rr NAT",
        "192.168.100.10:80 DOWN weight 1 (kernel weight 0), connections 3 active 4000000000 inactive",
        "connection refused (2 attempts), 2.5 s ago", "192.168.100.20:80 up weight 1 (kernel weight 1)",
        "IPVS             1.2.1, 7 reconciles, 3 changes applied, 1 failed",
        "mail             3 sent, 2 waiting (1 retrying), 0 given up, 0 dropped",
        "Entering MASTER state: connect: connection refused, 4.0 s ago",
        "last reload 30 s ago (2024-05-01T12:00:00+02:00): ok"}) {
    EXPECT_THAT(text, HasSubstr(expected));
  }
}

TEST(StatusRendering, BackupWithoutAKnownMasterSaysSo) {
  StatusSnapshot s = fullSnapshot();
  s.instances[0].masterAddress.reset();
  EXPECT_THAT(renderStatus(s), HasSubstr("master           unknown (no advert seen yet)"));
  s.instances[0].state = "FAULT";
  EXPECT_THAT(renderStatus(s), HasSubstr("master           -\n"));
}

TEST(StatusRendering, FailoverAndReload) {
  EXPECT_EQ(renderFailover({{{"VI_1", "MASTER", "BACKUP", 0.42, "until failover --clear"}}}),
            "VI_1: MASTER -> BACKUP in 0.4 ms (until failover --clear)\n");
  EXPECT_EQ(renderReload({true, {}, {"VI_1: unchanged"}}), "reload: ok\n  VI_1: unchanged\n");
  EXPECT_EQ(renderReload({false, {"x.conf:1:2: bad"}, {}}),
            "reload refused; the running configuration is kept:\n  x.conf:1:2: bad\n");
}

TEST(StatusRendering, Durations) {
  EXPECT_EQ(formatDuration(0.04), "0.0 s");
  EXPECT_EQ(formatDuration(3.649), "3.6 s");
  EXPECT_EQ(formatDuration(42.4), "42 s");
  EXPECT_EQ(formatDuration(605), "10m05s");
  EXPECT_EQ(formatDuration(3 * 3600 + 7 * 60 + 59), "3h07m");
  EXPECT_EQ(formatDuration(2 * 86400 + 5 * 3600), "2d05h");
  EXPECT_EQ(formatDuration(-1), "0.0 s");
}

}  // namespace
}  // namespace havip::control
