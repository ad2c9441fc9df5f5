// What every supported keyword puts into the model, defaults included, and the
// seed's own configuration.
#include "config/parser.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/summary.h"
#include "test_util.h"

namespace havip::config {
namespace {

using ::testing::ElementsAre;
using namespace std::chrono_literals;
using test::errorsOf;
using test::instanceWith;

std::shared_ptr<const Config> parseOk(std::string_view text) {
  auto r = parseString(text, "t.conf");
  if (!r) {
    for (const auto& e : r.error().errors) ADD_FAILURE() << e.toString();
    return nullptr;
  }
  return r->config;
}

net::Ipv4Address ip(const char* s) { return *net::Ipv4Address::parse(s); }

TEST(Parser, GlobalDefsEveryKeyword) {
  auto c = parseOk(R"(
global_defs {
    router_id LVS_DEVEL
    notification_email {
        a@test.local
        b@test.local
    }
    notification_email_from "keepalived@test.local"
    smtp_server 20.21.22.10 2525
    smtp_connect_timeout 12
    smtp_helo_name director1
    smtp_alert off
}
)");
  ASSERT_TRUE(c);
  const auto& g = c->globalDefs;
  EXPECT_EQ(g.routerId, "LVS_DEVEL");
  EXPECT_THAT(g.notificationEmail, ElementsAre("a@test.local", "b@test.local"));
  EXPECT_EQ(g.notificationEmailFrom, "keepalived@test.local");
  ASSERT_TRUE(g.smtpServer);
  EXPECT_EQ(g.smtpServer->host, "20.21.22.10");
  EXPECT_EQ(g.smtpServer->address, ip("20.21.22.10"));
  EXPECT_EQ(g.smtpServer->port, 2525);
  EXPECT_EQ(g.smtpServer->where, (SourceLocation{"t.conf", 9, 5}));
  EXPECT_EQ(g.smtpConnectTimeout, 12s);
  EXPECT_EQ(g.smtpHeloName, "director1");
  EXPECT_EQ(g.smtpAlert, false);
  EXPECT_EQ(g.where, (SourceLocation{"t.conf", 2, 1}));
}

TEST(Parser, GlobalDefsDefaults) {
  auto c = parseOk("global_defs {\n}\n");
  ASSERT_TRUE(c);
  EXPECT_FALSE(c->globalDefs.routerId);
  EXPECT_FALSE(c->globalDefs.smtpServer);
  EXPECT_EQ(c->globalDefs.smtpConnectTimeout, 30s);
  EXPECT_FALSE(c->globalDefs.smtpAlert);
}

TEST(Parser, SmtpServerByNameKeepsNameAndDefaultPort) {
  auto c = parseOk("global_defs {\n smtp_server mail.test.local\n}\n");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->globalDefs.smtpServer->host, "mail.test.local");
  EXPECT_FALSE(c->globalDefs.smtpServer->address);
  EXPECT_EQ(c->globalDefs.smtpServer->port, 25);
}

TEST(Parser, VrrpInstanceEveryKeyword) {
  auto c = parseOk(R"(vrrp_instance VI_9 {
    state BACKUP
    interface eth1
    virtual_router_id 200
    priority 254
    advert_int 3
    authentication {
        auth_type PASS
        auth_pass 12345678
    }
    virtual_ipaddress {
        10.0.0.1/24 dev eth2 label eth2:vip
        10.0.0.2
    }
    nopreempt
    preempt
    preempt_delay 4.25
    garp_master_delay 10
    garp_master_repeat 2
    track_script {
        chk_a
        chk_b weight -20 reverse
    }
    track_interface {
        eth3
        eth4 weight 5
    }
    smtp_alert
    notification_email {
        ops@test.local
    }
    notification_email_from vrrp@test.local
    smtp_server 127.0.0.1
    smtp_connect_timeout 5
    smtp_helo_name me
    router_id R9
    version 2
}
vrrp_script chk_a {
    script /bin/true
}
vrrp_script chk_b {
    script /bin/false
    weight 7
}
)");
  ASSERT_TRUE(c);
  ASSERT_EQ(c->vrrpInstances.size(), 1u);
  const auto& in = c->vrrpInstances[0];
  EXPECT_EQ(in.name, "VI_9");
  EXPECT_EQ(in.where, (SourceLocation{"t.conf", 1, 1}));
  EXPECT_EQ(in.initialState, InitialState::Backup);
  EXPECT_EQ(in.interface, "eth1");
  EXPECT_EQ(in.virtualRouterId, 200);
  EXPECT_EQ(in.priority, 254);
  EXPECT_EQ(in.advertInterval, 3s);
  ASSERT_TRUE(in.authentication);
  EXPECT_EQ(in.authentication->password, "12345678");
  ASSERT_EQ(in.virtualIps.size(), 2u);
  EXPECT_EQ(in.virtualIps[0].prefix.toString(), "10.0.0.1/24");
  EXPECT_EQ(in.virtualIps[0].device, "eth2");
  EXPECT_EQ(in.virtualIps[0].label, "eth2:vip");
  EXPECT_EQ(in.virtualIps[0].where, (SourceLocation{"t.conf", 12, 9}));
  EXPECT_EQ(in.virtualIps[1].prefix.toString(), "10.0.0.2/32");
  EXPECT_FALSE(in.virtualIps[1].device);
  EXPECT_TRUE(in.nopreempt);
  EXPECT_EQ(in.preemptDelay, 4250ms);
  EXPECT_EQ(in.garpMasterDelay, 10s);
  EXPECT_EQ(in.garpMasterRepeat, 2u);
  ASSERT_EQ(in.trackScripts.size(), 2u);
  EXPECT_EQ(in.trackScripts[0].name, "chk_a");
  EXPECT_FALSE(in.trackScripts[0].weight);
  EXPECT_EQ(in.trackScripts[1].weight, -20);
  EXPECT_TRUE(in.trackScripts[1].reverse);
  EXPECT_EQ(c->effectiveWeight(in.trackScripts[0]), 0);
  EXPECT_EQ(c->effectiveWeight(in.trackScripts[1]), -20);
  ASSERT_EQ(in.trackInterfaces.size(), 2u);
  EXPECT_EQ(in.trackInterfaces[0].name, "eth3");
  EXPECT_EQ(in.trackInterfaces[0].weight, 0);
  EXPECT_EQ(in.trackInterfaces[1].weight, 5);
  EXPECT_EQ(in.smtpAlert, true);
  EXPECT_THAT(in.mail.notificationEmail, ElementsAre("ops@test.local"));
  EXPECT_EQ(in.mail.notificationEmailFrom, "vrrp@test.local");
  EXPECT_EQ(in.mail.smtpServer->host, "127.0.0.1");
  EXPECT_EQ(in.mail.smtpConnectTimeout, 5s);
  EXPECT_EQ(in.mail.smtpHeloName, "me");
  EXPECT_EQ(in.mail.routerId, "R9");
}

TEST(Parser, VrrpInstanceDefaults) {
  auto c = parseOk(instanceWith(""));
  ASSERT_TRUE(c);
  const auto& in = c->vrrpInstances[0];
  EXPECT_EQ(in.initialState, InitialState::Backup);
  EXPECT_EQ(in.priority, 100);
  EXPECT_EQ(in.advertInterval, 1s);
  EXPECT_FALSE(in.authentication);
  EXPECT_FALSE(in.nopreempt);
  EXPECT_EQ(in.preemptDelay, 0ms);
  EXPECT_EQ(in.garpMasterDelay, 5s);
  EXPECT_EQ(in.garpMasterRepeat, 5u);
  EXPECT_FALSE(c->mailFor(in).enabled);
}

// keepalived's global vrrp_garp_master_delay / _repeat are the defaults of
// every instance that sets its own neither; global_defs may come last.
TEST(Parser, GlobalGarpDefaultsApplyWhereAnInstanceSetsNone) {
  auto c = parseOk(R"(
vrrp_instance A {
    interface eth0
    virtual_router_id 1
    virtual_ipaddress { 10.0.0.1 }
    garp_master_delay 2
}
vrrp_instance B {
    interface eth0
    virtual_router_id 2
    virtual_ipaddress { 10.0.0.2 }
    garp_master_repeat 3
}
global_defs {
    vrrp_garp_master_delay 1
    vrrp_garp_master_repeat 7
}
)");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->vrrpInstances[0].garpMasterDelay, 2s);  // its own
  EXPECT_EQ(c->vrrpInstances[0].garpMasterRepeat, 7u);  // global
  EXPECT_EQ(c->vrrpInstances[1].garpMasterDelay, 1s);  // global
  EXPECT_EQ(c->vrrpInstances[1].garpMasterRepeat, 3u);  // its own
}

TEST(Parser, GlobalGarpDefaultsAreCheckedLikeTheInstanceKeywords) {
  EXPECT_THAT(errorsOf("global_defs {\n    vrrp_garp_master_repeat 0\n}\n"),
              ElementsAre("t.conf:2:29: vrrp_garp_master_repeat must be an integer 1..100, got '0'"));
}

// keepalived's notify scripts, split as vrrp_script's `script` is.
TEST(Parser, NotifyScriptsOfAnInstance) {
  auto c = parseOk(instanceWith("    notify_master \"/etc/ha/to-master.sh --now\"\n"
                                "    notify_backup /etc/ha/to-backup.sh\n"
                                "    notify /etc/ha/any.sh 'two words'\n"));
  ASSERT_TRUE(c);
  const auto& n = c->vrrpInstances[0].notify;
  ASSERT_TRUE(n.master);
  EXPECT_THAT(n.master->argv, ElementsAre("/etc/ha/to-master.sh", "--now"));
  ASSERT_TRUE(n.backup);
  EXPECT_THAT(n.backup->argv, ElementsAre("/etc/ha/to-backup.sh"));
  EXPECT_FALSE(n.fault);
  EXPECT_FALSE(n.stop);
  ASSERT_TRUE(n.any);
  EXPECT_THAT(n.any->argv, ElementsAre("/etc/ha/any.sh", "two words"));
}

TEST(Parser, AdvertIntWrittenWithAZeroFractionIsWholeSeconds) {
  auto c = parseOk(instanceWith("    advert_int 2.0"));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->vrrpInstances[0].advertInterval, 2s);
}

TEST(Parser, VrrpScriptEveryKeywordAndDefaults) {
  auto c = parseOk(R"(vrrp_script full {
    script "/usr/bin/check 'two words' x"
    interval 5
    timeout 3
    weight -10 reverse
    rise 2
    fall 4
    user nobody nogroup
    init_fail
}
vrrp_script bare {
    script /bin/true
}
)");
  ASSERT_TRUE(c);
  ASSERT_EQ(c->vrrpScripts.size(), 2u);
  const auto& s = c->vrrpScripts[0];
  EXPECT_EQ(s.name, "full");
  EXPECT_EQ(s.command, "/usr/bin/check 'two words' x");
  EXPECT_THAT(s.argv, ElementsAre("/usr/bin/check", "two words", "x"));
  EXPECT_EQ(s.interval, 5s);
  EXPECT_EQ(s.effectiveTimeout(), 3s);
  EXPECT_EQ(s.weight, -10);
  EXPECT_TRUE(s.weightReverse);
  EXPECT_EQ(s.rise, 2u);
  EXPECT_EQ(s.fall, 4u);
  EXPECT_EQ(s.user, "nobody");
  EXPECT_EQ(s.group, "nogroup");
  EXPECT_TRUE(s.initFail);
  const auto& b = c->vrrpScripts[1];
  EXPECT_THAT(b.argv, ElementsAre("/bin/true"));
  EXPECT_EQ(b.interval, 1s);
  EXPECT_FALSE(b.timeout);
  EXPECT_EQ(b.effectiveTimeout(), 1s);  // keepalived: no timeout means the interval
  EXPECT_EQ(b.weight, 0);
  EXPECT_EQ(b.rise, 1u);
  EXPECT_EQ(b.fall, 1u);
  EXPECT_FALSE(b.initFail);
}

TEST(Parser, ScriptWrittenAsSeveralWordsKeepsThemAsArguments) {
  auto c = parseOk("vrrp_script s {\n    script /bin/test -f \"/tmp/a b\"\n}\n");
  ASSERT_TRUE(c);
  EXPECT_THAT(c->vrrpScripts[0].argv, ElementsAre("/bin/test", "-f", "/tmp/a b"));
  EXPECT_EQ(c->vrrpScripts[0].command, "/bin/test -f \"/tmp/a b\"");
}

TEST(Parser, VirtualServerEveryKeywordAndInheritance) {
  auto c = parseOk(R"(virtual_server 10.11.12.99 443 {
    lvs_sched wrr
    lvs_method DR
    protocol tcp
    delay_loop 10
    persistence_timeout 600
    connect_timeout 7
    retry 4
    delay_before_retry 2
    inhibit_on_failure
    smtp_alert on
    real_server 192.168.100.10 443 {
        weight 3
        uthreshold 100
        lthreshold 10
        smtp_alert off
        connect_timeout 6
        HTTP_GET {
            url {
                path /health
                digest 9B3A0C85A887A256D6939DA88AABD8CD
                status_code 200 301-302
            }
            url {
                path /
            }
            connect_port 8443
            connect_ip 192.168.100.11
            nb_get_retry 2
        }
        TCP_CHECK {
            delay_loop 0.5
        }
    }
    real_server 192.168.100.20 {
        inhibit_on_failure off
    }
}
virtual_server fwmark 7 {
    lb_algo sh
    lb_kind TUN
    real_server 10.0.0.5 {
    }
}
)");
  ASSERT_TRUE(c);
  ASSERT_EQ(c->virtualServers.size(), 2u);
  const auto& vs = c->virtualServers[0];
  EXPECT_EQ(vs.address, ip("10.11.12.99"));
  EXPECT_EQ(vs.port, 443);
  EXPECT_EQ(vs.name(), "10.11.12.99:443 TCP");
  EXPECT_EQ(vs.scheduler, "wrr");
  EXPECT_EQ(vs.forwarding, ForwardingMethod::DirectRouting);
  EXPECT_EQ(vs.protocol, Protocol::Tcp);
  EXPECT_EQ(vs.delayLoop, 10s);
  EXPECT_EQ(vs.persistenceTimeout, 600s);
  EXPECT_EQ(vs.smtpAlert, true);
  ASSERT_EQ(vs.realServers.size(), 2u);
  const auto& rs = vs.realServers[0];
  EXPECT_EQ(rs.address, ip("192.168.100.10"));
  EXPECT_EQ(rs.port, 443);
  EXPECT_EQ(rs.weight, 3u);
  EXPECT_TRUE(rs.inhibitOnFailure);  // from the virtual server
  EXPECT_EQ(rs.upperThreshold, 100u);
  EXPECT_EQ(rs.lowerThreshold, 10u);
  EXPECT_EQ(rs.smtpAlert, false);
  EXPECT_EQ(rs.where, (SourceLocation{"t.conf", 12, 5}));
  ASSERT_EQ(rs.checks.size(), 2u);
  const auto& http = rs.checks[0];
  EXPECT_EQ(http.type, CheckType::Http);
  EXPECT_EQ(http.connectPort, 8443);
  EXPECT_EQ(http.connectIp, ip("192.168.100.11"));
  EXPECT_EQ(http.connectTimeout, 6s);  // real server's
  EXPECT_EQ(http.retry, 2u);           // its own (nb_get_retry)
  EXPECT_EQ(http.delayBeforeRetry, 2s);  // virtual server's
  EXPECT_EQ(http.delayLoop, 10s);        // virtual server's
  ASSERT_EQ(http.urls.size(), 2u);
  EXPECT_EQ(http.urls[0].path, "/health");
  EXPECT_EQ(http.urls[0].digest, "9b3a0c85a887a256d6939da88aabd8cd");
  EXPECT_THAT(http.urls[0].statusCodes, ElementsAre(StatusCodeRange{200, 200}, StatusCodeRange{301, 302}));
  EXPECT_THAT(http.urls[1].statusCodes, ElementsAre(StatusCodeRange{200, 299}));
  const auto& tcp = rs.checks[1];
  EXPECT_EQ(tcp.type, CheckType::Tcp);
  EXPECT_EQ(tcp.delayLoop, 500ms);
  EXPECT_EQ(tcp.retry, 4u);
  const auto& rs2 = vs.realServers[1];
  EXPECT_EQ(rs2.port, 443);  // no port: the service's
  EXPECT_FALSE(rs2.inhibitOnFailure);
  EXPECT_EQ(rs2.weight, 1u);

  const auto& fw = c->virtualServers[1];
  EXPECT_EQ(fw.fwmark, 7u);
  EXPECT_FALSE(fw.address);
  EXPECT_EQ(fw.name(), "fwmark 7");
  EXPECT_EQ(fw.forwarding, ForwardingMethod::Tunnel);
  EXPECT_EQ(fw.realServers[0].port, 0);
}

TEST(Parser, CheckerDefaultsAreKeepalivedsWhenNothingIsSet) {
  auto c = parseOk(R"(virtual_server 10.0.0.1 80 {
    lb_algo rr
    protocol UDP
    real_server 10.0.0.2 80 {
        TCP_CHECK {
        }
        HTTP_GET {
            url {
                path /
            }
        }
    }
}
)");
  ASSERT_TRUE(c);
  const auto& vs = c->virtualServers[0];
  EXPECT_EQ(vs.protocol, Protocol::Udp);
  EXPECT_EQ(vs.forwarding, ForwardingMethod::Nat);
  EXPECT_EQ(vs.delayLoop, 60s);
  const auto& tcp = vs.realServers[0].checks[0];
  EXPECT_EQ(tcp.connectTimeout, 5s);
  EXPECT_EQ(tcp.retry, 1u);
  EXPECT_EQ(tcp.delayBeforeRetry, 1s);
  EXPECT_EQ(tcp.delayLoop, 60s);
  EXPECT_EQ(vs.realServers[0].checks[1].delayBeforeRetry, 3s);  // HTTP_GET
}

TEST(Parser, VirtualServerDefaultWeightAndPersistenceWithoutValue) {
  auto c = parseOk(R"(virtual_server 10.0.0.1 0 {
    lb_algo rr
    protocol TCP
    persistence_timeout
    weight 4
    real_server 10.0.0.2 {
    }
    real_server 10.0.0.3 {
        weight 9
    }
}
)");
  ASSERT_TRUE(c);
  const auto& vs = c->virtualServers[0];
  EXPECT_EQ(vs.persistenceTimeout, 360s);
  EXPECT_EQ(vs.realServers[0].weight, 4u);
  EXPECT_EQ(vs.realServers[1].weight, 9u);
}

TEST(Parser, MissingSchedulerWarnsAndUsesWlc) {
  auto r = parseString("virtual_server 10.0.0.1 80 {\n    protocol TCP\n}\n", "t.conf");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->config->virtualServers[0].scheduler, "wlc");
  EXPECT_THAT(test::render(r->warnings),
              ElementsAre("t.conf:1:1: warning: virtual_server 10.0.0.1:80 TCP has no lb_algo/lvs_sched: using wlc, "
                          "keepalived's default"));
}

TEST(Parser, ForwardReferenceToALaterVrrpScriptResolves) {
  auto c = parseOk(R"(vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 1
    virtual_ipaddress {
        10.0.0.1
    }
    track_script {
        later
    }
}
vrrp_script later {
    script /bin/true
    weight 3
}
)");
  ASSERT_TRUE(c);
  ASSERT_NE(c->findScript("later"), nullptr);
  EXPECT_EQ(c->effectiveWeight(c->vrrpInstances[0].trackScripts[0]), 3);
}

TEST(Parser, OneLineBlocksAndBracesOnTheirOwnLine) {
  auto c = parseOk(R"(vrrp_instance VI_1
{
    interface eth0
    virtual_router_id 1
    virtual_ipaddress {10.11.12.99}
    track_interface { eth1 weight 2 }
}
)");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->vrrpInstances[0].virtualIps[0].prefix.toString(), "10.11.12.99/32");
  EXPECT_EQ(c->vrrpInstances[0].virtualIps[0].where, (SourceLocation{"t.conf", 5, 24}));
  EXPECT_EQ(c->vrrpInstances[0].trackInterfaces[0].weight, 2);
}

TEST(Parser, TwoInstancesMaySharAVridOnDifferentInterfaces) {
  auto c = parseOk(R"(vrrp_instance A {
    interface eth0
    virtual_router_id 9
    virtual_ipaddress { 10.0.0.1 }
}
vrrp_instance B {
    interface eth1
    virtual_router_id 9
    virtual_ipaddress { 10.0.1.1 }
}
)");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->vrrpInstances.size(), 2u);
  EXPECT_EQ(c->findInstance("B")->interface, "eth1");
}

TEST(Parser, MailFollowsInstanceOverridesThenGlobalDefs) {
  auto c = parseOk(R"(global_defs {
    router_id GLOBAL
    notification_email {
        global@test.local
    }
    smtp_server 10.0.0.25
    smtp_connect_timeout 20
}
vrrp_instance OWN {
    interface eth0
    virtual_router_id 1
    virtual_ipaddress { 10.0.0.1 }
    notify_email { own@test.local }
    smtp_server mail.test.local 587
    router_id LOCAL
}
vrrp_instance INHERIT {
    interface eth0
    virtual_router_id 2
    virtual_ipaddress { 10.0.0.2 }
    smtp_alert
}
vrrp_instance SILENT {
    interface eth0
    virtual_router_id 3
    virtual_ipaddress { 10.0.0.3 }
}
)");
  ASSERT_TRUE(c);
  auto own = c->mailFor(*c->findInstance("OWN"));
  EXPECT_TRUE(own.enabled);  // its own recipients turn mail on (the seed's intent)
  EXPECT_THAT(own.recipients, ElementsAre("own@test.local"));
  EXPECT_EQ(own.server->host, "mail.test.local");
  EXPECT_EQ(own.server->port, 587);
  EXPECT_EQ(own.connectTimeout, 20s);
  EXPECT_EQ(own.routerId, "LOCAL");
  auto inherit = c->mailFor(*c->findInstance("INHERIT"));
  EXPECT_TRUE(inherit.enabled);
  EXPECT_THAT(inherit.recipients, ElementsAre("global@test.local"));
  EXPECT_EQ(inherit.server->host, "10.0.0.25");
  EXPECT_EQ(inherit.routerId, "GLOBAL");
  EXPECT_FALSE(c->mailFor(*c->findInstance("SILENT")).enabled);  // keepalived's default: no mail
}

TEST(Parser, NotificationEmailIsASynonymOfNotifyEmailInAnInstance) {
  auto c = parseOk(instanceWith("    notification_email {\n        x@test.local\n    }\n    smtp_server 10.0.0.1"));
  ASSERT_TRUE(c);
  EXPECT_THAT(c->vrrpInstances[0].mail.notificationEmail, ElementsAre("x@test.local"));
}

// The seed's instance block, copied byte for byte from the lab guide
// (indented as in its markdown): keepalived 2.2.7 drops parts of it; havip
// must take every line.
TEST(Seed, VerbatimInstanceBlockParses) {
  auto r = loadFile(HAVIP_TESTDATA "/config/seed-verbatim.conf");
  ASSERT_TRUE(r) << (r ? "" : r.error().errors[0].toString());
  EXPECT_TRUE(r->warnings.empty());
  const Config& c = *r->config;
  ASSERT_EQ(c.vrrpInstances.size(), 1u);
  const auto& in = c.vrrpInstances[0];
  EXPECT_EQ(in.name, "VI_1");
  EXPECT_EQ(in.where.line, 1u);
  EXPECT_EQ(in.where.column, 6u);  // the markdown's indentation
  EXPECT_EQ(in.initialState, InitialState::Master);
  EXPECT_EQ(in.interface, "eth0");
  EXPECT_EQ(in.virtualRouterId, 51);
  EXPECT_EQ(in.priority, 100);
  EXPECT_EQ(in.advertInterval, 1s);
  EXPECT_EQ(in.virtualIps[0].prefix.toString(), "10.11.12.99/32");
  EXPECT_EQ(in.authentication->password, "1111");
  ASSERT_EQ(in.trackScripts.size(), 1u);
  EXPECT_EQ(in.trackScripts[0].name, "chk_service");
  EXPECT_EQ(c.effectiveWeight(in.trackScripts[0]), 2);
  auto mail = c.mailFor(in);
  EXPECT_TRUE(mail.enabled);
  EXPECT_THAT(mail.recipients, ElementsAre("user1@test.local"));
  EXPECT_EQ(mail.server->host, "mail.test.local");
  EXPECT_EQ(mail.connectTimeout, 30s);
  EXPECT_EQ(mail.routerId, "LVS_MASTER");
  const auto& s = c.vrrpScripts.at(0);
  EXPECT_EQ(s.name, "chk_service");
  EXPECT_THAT(s.argv, ElementsAre("/etc/keepalived/check_memory.sh"));
  EXPECT_EQ(s.interval, 2s);
  EXPECT_EQ(s.weight, 2);
}

TEST(Seed, ShippedConfigsParseWithTheSeedsService) {
  for (const char* name : {"master", "backup"}) {
    auto r = loadFile(std::string(HAVIP_TESTDATA "/../../conf/") + name + ".conf");
    ASSERT_TRUE(r) << name << ": " << (r ? "" : r.error().errors[0].toString());
    EXPECT_TRUE(r->warnings.empty()) << name;
    const Config& c = *r->config;
    ASSERT_EQ(c.virtualServers.size(), 1u);
    const auto& vs = c.virtualServers[0];
    EXPECT_EQ(vs.name(), "10.11.12.99:80 TCP");
    EXPECT_EQ(vs.scheduler, "rr");
    EXPECT_EQ(vs.forwarding, ForwardingMethod::Nat);
    ASSERT_EQ(vs.realServers.size(), 2u);
    EXPECT_EQ(vs.realServers[0].address, ip("192.168.100.10"));
    EXPECT_EQ(vs.realServers[1].address, ip("192.168.100.20"));
    for (const auto& rs : vs.realServers) {
      EXPECT_EQ(rs.port, 80);
      EXPECT_EQ(rs.weight, 1u);
      ASSERT_EQ(rs.checks.size(), 1u);
      EXPECT_EQ(rs.checks[0].type, CheckType::Tcp);
      EXPECT_EQ(rs.checks[0].connectTimeout, 3s);
    }
    const auto& in = c.vrrpInstances.at(0);
    EXPECT_EQ(in.priority, std::string(name) == "master" ? 100 : 90);
    EXPECT_EQ(in.initialState, std::string(name) == "master" ? InitialState::Master : InitialState::Backup);
  }
}

TEST(Summary, LinesForTheMasterConfig) {
  auto r = loadFile(HAVIP_TESTDATA "/../../conf/master.conf");
  ASSERT_TRUE(r);
  EXPECT_THAT(summaryLines(*r->config),
              ElementsAre("vrrp_instance VI_1: eth0 vrid 51 prio 100 MASTER advert 1s auth PASS vips 10.11.12.99/32 "
                          "track_script chk_service(weight 2) mail user1@test.local via mail.test.local:25 "
                          "router_id LVS_MASTER",
                          "virtual_server 10.11.12.99:80 TCP: rr NAT delay_loop 6s real_servers "
                          "192.168.100.10:80(weight 1 TCP_CHECK) 192.168.100.20:80(weight 1 TCP_CHECK)"));
}

TEST(Summary, DurationsPrintWithoutTrailingZeros) {
  EXPECT_EQ(formatDuration(1000ms), "1s");
  EXPECT_EQ(formatDuration(500ms), "0.5s");
  EXPECT_EQ(formatDuration(2125ms), "2.125s");
  EXPECT_EQ(formatDuration(2050ms), "2.05s");
}

TEST(Loader, UnreadableFileIsOneErrorNamingIt) {
  auto r = loadFile("/nonexistent/havip.conf");
  ASSERT_FALSE(r);
  EXPECT_THAT(test::render(r.error().errors),
              ElementsAre("/nonexistent/havip.conf: cannot read: No such file or directory"));
}

}  // namespace
}  // namespace havip::config
