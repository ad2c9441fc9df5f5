// Every error and warning the parser reports, with its exact FILE:LINE:COL.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/keywords.h"
#include "test_util.h"

namespace havip::config {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using test::errorsOf;
using test::instanceWith;
using test::warningsOf;

struct Case {
  const char* name;
  std::string text;
  std::vector<std::string> errors;
};

std::ostream& operator<<(std::ostream& os, const Case& c) { return os << c.name; }

class Errors : public ::testing::TestWithParam<Case> {};

std::string caseName(const ::testing::TestParamInfo<Case>& param) { return param.param.name; }

TEST_P(Errors, ReportedAtTheirLocation) {
  EXPECT_EQ(errorsOf(GetParam().text), GetParam().errors) << GetParam().text;
}

// Line 7, column 5 of instanceWith() is the statement under test.
const Case kInstanceCases[] = {
    {"UnknownKeywordAt7_5", instanceWith("    advert_intervall 1"),
     {"t.conf:7:5: unknown keyword 'advert_intervall' in vrrp_instance"}},
    {"UnsupportedNotifyDeleted", instanceWith("    notify_deleted /bin/true"),
     {"t.conf:7:5: unsupported: notify_deleted"}},
    {"NotifyMasterWithABadQuote", instanceWith("    notify_master \"/bin/true 'x\""),
     {"t.conf:7:19: notify_master: missing closing '"}},
    {"UnsupportedBlockIsSkippedWhole", instanceWith("    unicast_peer {\n        10.0.0.2\n    }"),
     {"t.conf:7:5: unsupported: unicast_peer (havip sends adverts by multicast only; your peers would never hear this "
      "router)"}},
    {"UnsupportedVrrpStrictInInstance", instanceWith("    vrrp_strict"),
     {"t.conf:7:5: unsupported: vrrp_strict (keepalived then also blocks all traffic to the VIPs with iptables/nftables "
      "and refuses authentication; havip does neither: remove it, and add a firewall rule if you relied on it)"}},
    {"PriorityZero", instanceWith("    priority 0"), {"t.conf:7:14: priority must be an integer 1..255, got '0'"}},
    {"Priority256", instanceWith("    priority 256"), {"t.conf:7:14: priority must be an integer 1..255, got '256'"}},
    {"PriorityNotANumber", instanceWith("    priority high"),
     {"t.conf:7:14: priority must be an integer 1..255, got 'high'"}},
    {"PriorityMissingValue", instanceWith("    priority"), {"t.conf:7:5: 'priority' takes 1 argument, got 0"}},
    {"PriorityTooManyValues", instanceWith("    priority 100 200"),
     {"t.conf:7:18: 'priority' takes 1 argument, got 2"}},
    {"PriorityWithABlock", instanceWith("    priority 100 {\n    }"),
     {"t.conf:7:18: 'priority' does not take a block"}},
    {"BadState", instanceWith("    state MASTR"), {"t.conf:7:11: state must be MASTER or BACKUP, got 'MASTR'"}},
    {"FractionalAdvertInt", instanceWith("    advert_int 1.5"),
     {"t.conf:7:16: advert_int must be whole seconds: VRRPv2 adverts carry an 8-bit count of seconds, got '1.5'"}},
    {"AdvertIntBelowOneSecond", instanceWith("    advert_int 0.5"),
     {"t.conf:7:16: advert_int must be 1s..255s, got '0.5'"}},
    {"AdvertIntTooLarge", instanceWith("    advert_int 256"), {"t.conf:7:16: advert_int must be 1s..255s, got '256'"}},
    {"AdvertIntTooPrecise", instanceWith("    advert_int 1.0001"),
     {"t.conf:7:16: advert_int must be a number of seconds (like 3 or 0.5, at most 3 decimals), got '1.0001'"}},
    {"VridGivenTwice", instanceWith("    virtual_router_id 0"), {"t.conf:7:5: duplicate 'virtual_router_id' (first given at t.conf:3:5)"}},
    {"DuplicateInterface", instanceWith("    interface eth1"),
     {"t.conf:7:5: duplicate 'interface' (first given at t.conf:2:5)"}},
    {"PreemptDelayTooLong", instanceWith("    preempt_delay 1001"),
     {"t.conf:7:19: preempt_delay must be 0s..1000s, got '1001'"}},
    {"GarpRepeatZero", instanceWith("    garp_master_repeat 0"),
     {"t.conf:7:24: garp_master_repeat must be an integer 1..100, got '0'"}},
    {"GarpDelayNegative", instanceWith("    garp_master_delay -1"),
     {"t.conf:7:23: garp_master_delay must be an integer 0..1000, got '-1'"}},
    {"SmtpAlertNotABool", instanceWith("    smtp_alert maybe"),
     {"t.conf:7:16: 'smtp_alert' takes on|off|true|false|yes|no, got 'maybe'"}},
    {"NopreemptWithArgument", instanceWith("    nopreempt now"), {"t.conf:7:15: 'nopreempt' takes 0 arguments, got 1"}},
    {"Version3", instanceWith("    version 3"), {"t.conf:7:13: unsupported: version 3 (havip speaks VRRPv2 only)"}},
    {"AuthAh", instanceWith("    authentication {\n        auth_type AH\n        auth_pass 1111\n    }"),
     {"t.conf:8:19: unsupported: auth_type AH (IPsec AH, RFC 2402): use PASS, or remove the "
      "authentication block (RFC 3768 dropped authentication)"}},
    {"AuthBadType", instanceWith("    authentication {\n        auth_type pass\n        auth_pass 1111\n    }"),
     {"t.conf:8:19: auth_type must be PASS or AH, got 'pass'"}},
    {"AuthPassNineBytes", instanceWith("    authentication {\n        auth_type PASS\n        auth_pass 123456789\n    }"),
     {"t.conf:9:19: auth_pass is 9 bytes; VRRPv2 carries at most 8 (keepalived would silently use only the first 8)"}},
    {"AuthPassQuotedNineBytes",
     instanceWith("    authentication {\n        auth_type PASS\n        auth_pass \"1234 6789\"\n    }"),
     {"t.conf:9:19: auth_pass is 9 bytes; VRRPv2 carries at most 8 (keepalived would silently use only the first 8)"}},
    {"AuthNoPass", instanceWith("    authentication {\n        auth_type PASS\n    }"),
     {"t.conf:7:5: authentication block has no auth_pass"}},
    {"AuthNoType", instanceWith("    authentication {\n        auth_pass 1111\n    }"),
     {"t.conf:7:5: authentication block has no auth_type"}},
    {"AuthUnknownKeyword", instanceWith("    authentication {\n        auth_type PASS\n        auth_pass 1\n        auth_key x\n    }"),
     {"t.conf:10:9: unknown keyword 'auth_key' in vrrp_instance"}},
    {"TrackScriptUndefined", instanceWith("    track_script {\n        chk_nope\n    }"),
     {"t.conf:8:9: track_script 'chk_nope' names no vrrp_script or track_memory"}},
    {"TrackScriptWeightOutOfRange", instanceWith("    track_script {\n        chk weight 254\n    }"),
     {"t.conf:8:20: weight must be an integer -253..253, got '254'"}},
    {"TrackScriptMisspelledWeight", instanceWith("    track_script {\n        chk wieght 2\n    }"),
     {"t.conf:8:13: expected 'weight W' after 'chk', got 'wieght'"}},
    {"TrackScriptBadReverse", instanceWith("    track_script {\n        chk weight 2 backwards\n    }"),
     {"t.conf:8:22: expected reverse or noreverse, got 'backwards'"}},
    {"TrackScriptTwice", instanceWith("    track_script {\n        chk\n        chk\n    }"),
     {"t.conf:9:9: duplicate track_script 'chk'"}},
    {"TrackInterfaceWeightOutOfRange", instanceWith("    track_interface {\n        eth1 weight -254\n    }"),
     {"t.conf:8:21: weight must be an integer -253..253, got '-254'"}},
    {"NotifyEmailNotAnAddress", instanceWith("    notify_email {\n        user1@a@b\n    }"),
     {"t.conf:8:9: 'user1@a@b' is not an e-mail address"}},
    {"InstanceSmtpServerBadPort", instanceWith("    smtp_server mail.test.local 0"),
     {"t.conf:7:33: smtp_server port must be an integer 1..65535, got '0'"}},
    {"InstanceSmtpServerIpv6", instanceWith("    smtp_server ::1"),
     {"t.conf:7:17: unsupported: IPv6 smtp_server '::1' (havip is IPv4 only)"}},
    {"RefusedLineIsTheOnlyErrorOfItsInstance",
     "vrrp_instance V {\n@main interface eth0\n virtual_router_id 1\n virtual_ipaddress {\n  10.0.0.1\n }\n}\n",
     {"t.conf:2:1: unsupported: conditional configuration (@main)"}},
    {"RefusedLineIsTheOnlyErrorOfItsScript", "vrrp_script chk {\n@main script /bin/true\n}\n",
     {"t.conf:2:1: unsupported: conditional configuration (@main)"}},
    {"ParameterSubstitution", instanceWith("    $PRIO=100"), {"t.conf:7:5: unsupported: parameter substitution ($PRIO=100)"}},
    {"ConditionalConfiguration", instanceWith("    @main priority 200"),
     {"t.conf:7:5: unsupported: conditional configuration (@main)"}},
    {"StrayOpenBrace", instanceWith("    {\n    }"), {"t.conf:7:5: unexpected '{' (a block needs a keyword before it)"}},
};
INSTANTIATE_TEST_SUITE_P(Instance, Errors, ::testing::ValuesIn(kInstanceCases),
                         caseName);

const Case kStructureCases[] = {
    {"MissingInterface", "vrrp_instance VI_1 {\n    virtual_router_id 51\n    virtual_ipaddress {\n        10.0.0.1\n    }\n}\n",
     {"t.conf:1:1: vrrp_instance 'VI_1' has no 'interface'"}},
    {"MissingVrid", "vrrp_instance VI_1 {\n    interface eth0\n    virtual_ipaddress {\n        10.0.0.1\n    }\n}\n",
     {"t.conf:1:1: vrrp_instance 'VI_1' has no 'virtual_router_id'"}},
    {"MissingVip", "vrrp_instance VI_1 {\n    interface eth0\n    virtual_router_id 51\n}\n",
     {"t.conf:1:1: vrrp_instance 'VI_1' has no 'virtual_ipaddress'"}},
    {"EmptyVipBlock", "vrrp_instance VI_1 {\n    interface eth0\n    virtual_router_id 51\n    virtual_ipaddress {\n    }\n}\n",
     {"t.conf:4:5: vrrp_instance 'VI_1': virtual_ipaddress lists no address"}},
    {"VridZero", "vrrp_instance V {\n interface eth0\n virtual_router_id 0\n virtual_ipaddress { 10.0.0.1 }\n}\n",
     {"t.conf:3:20: virtual_router_id must be an integer 1..255, got '0'"}},
    {"InstanceWithoutName", "vrrp_instance {\n}\n", {"t.conf:1:1: 'vrrp_instance' takes 1 argument, got 0"}},
    {"InterfaceNameTooLong",
     "vrrp_instance V {\n interface a_very_long_interface\n virtual_router_id 1\n virtual_ipaddress { 10.0.0.1 }\n}\n",
     {"t.conf:2:12: interface 'a_very_long_interface' is not a valid interface name (at most 15 bytes, no '/')"}},
    {"VipBadAddress", "vrrp_instance V {\n interface eth0\n virtual_router_id 1\n virtual_ipaddress {\n  10.0.0.256\n }\n}\n",
     {"t.conf:5:3: virtual_ipaddress: expected ADDR or ADDR/LEN, got '10.0.0.256'"}},
    {"VipBadLength", "vrrp_instance V {\n interface eth0\n virtual_router_id 1\n virtual_ipaddress {\n  10.0.0.1/33\n }\n}\n",
     {"t.conf:5:3: virtual_ipaddress: expected ADDR or ADDR/LEN, got '10.0.0.1/33'"}},
    {"VipIpv6", "vrrp_instance V {\n interface eth0\n virtual_router_id 1\n virtual_ipaddress {\n  fe80::1\n }\n}\n",
     {"t.conf:5:3: unsupported: IPv6 address 'fe80::1' (VRRPv2 is IPv4 only)"}},
    {"VipMulticast", "vrrp_instance V {\n interface eth0\n virtual_router_id 1\n virtual_ipaddress {\n  224.0.0.18\n  10.0.0.1\n }\n}\n",
     {"t.conf:5:3: virtual_ipaddress: 224.0.0.18 cannot be a virtual address"}},
    {"VipUnsupportedOption", "vrrp_instance V {\n interface eth0\n virtual_router_id 1\n virtual_ipaddress {\n  10.0.0.1/24 brd 10.0.0.255\n }\n}\n",
     {"t.conf:5:15: unsupported: brd"}},
    {"VipUnknownOption", "vrrp_instance V {\n interface eth0\n virtual_router_id 1\n virtual_ipaddress {\n  10.0.0.1 device eth0\n }\n}\n",
     {"t.conf:5:12: unknown virtual_ipaddress option 'device' (havip knows dev and label)"}},
    {"VipDevWithoutValue", "vrrp_instance V {\n interface eth0\n virtual_router_id 1\n virtual_ipaddress {\n  10.0.0.1 dev\n }\n}\n",
     {"t.conf:5:12: 'dev' needs a value"}},
    {"VipLabelNotOnDevice", "vrrp_instance V {\n interface eth0\n virtual_router_id 1\n virtual_ipaddress {\n  10.0.0.1 label eth1:0\n }\n}\n",
     {"t.conf:5:3: label 'eth1:0' must start with the device name 'eth0' (the kernel refuses it otherwise)"}},
    {"DuplicateVridOnOneInterface",
     "vrrp_instance A {\n interface eth0\n virtual_router_id 51\n virtual_ipaddress { 10.0.0.1 }\n}\n"
     "vrrp_instance B {\n interface eth0\n virtual_router_id 51\n virtual_ipaddress { 10.0.0.2 }\n}\n",
     {"t.conf:8:2: virtual_router_id 51 is already used on eth0 by vrrp_instance 'A' (t.conf:1:1)"}},
    {"DuplicateInstanceName",
     "vrrp_instance A {\n interface eth0\n virtual_router_id 1\n virtual_ipaddress { 10.0.0.1 }\n}\n"
     "vrrp_instance A {\n interface eth1\n virtual_router_id 2\n virtual_ipaddress { 10.0.0.2 }\n}\n",
     {"t.conf:6:1: duplicate vrrp_instance 'A' (first at t.conf:1:1)"}},
    {"VipInTwoInstances",
     "vrrp_instance A {\n interface eth0\n virtual_router_id 1\n virtual_ipaddress { 10.0.0.1 }\n}\n"
     "vrrp_instance B {\n interface eth0\n virtual_router_id 2\n virtual_ipaddress { 10.0.0.1 }\n}\n",
     {"t.conf:9:22: virtual address 10.0.0.1 is also in vrrp_instance 'A'"}},
    {"UnknownTopLevel", "vrrp_instanc VI_1 {\n    state MASTER\n}\n",
     {"t.conf:1:1: unknown keyword 'vrrp_instanc' in top level"}},
    {"UnsupportedBlockIsSkipped", "garp_group {\n    interface eth0\n    garp_interval 1\n}\n",
     {"t.conf:1:1: unsupported: garp_group"}},
    {"UnsupportedBlockWithBraceOnNextLine", "static_ipaddress\n{\n    10.0.0.1/24 dev eth0\n}\n",
     {"t.conf:1:1: unsupported: static_ipaddress"}},
    {"EmptyQuotedKeyword", "\"\" 1\n", {"t.conf:1:1: empty keyword (\"\")"}},
    {"StrayCloseBrace", "}\n", {"t.conf:1:1: unexpected '}' (no block is open)"}},
    {"UnclosedBlock", "global_defs {\n    router_id x\n", {"t.conf:1:13: 'global_defs' block is never closed: missing '}'"}},
    {"UnclosedUnknownBlock", "foo {\n", {"t.conf:1:1: unknown keyword 'foo' in top level",
                                          "t.conf:1:5: block is never closed: missing '}'"}},
    {"BlockKeywordWithoutBlock", "global_defs\nrouter_id x\n", {"t.conf:1:1: 'global_defs' needs a block { ... }",
                                                               "t.conf:2:1: unknown keyword 'router_id' in top level"}},
    {"UnterminatedQuote", "global_defs {\n    router_id \"abc\n}\n",
     {"t.conf:2:15: unterminated quoted string (a quote must close on its own line)"}},
    {"GlobalUnknown", "global_defs {\n    router_ip x\n}\n", {"t.conf:2:5: unknown keyword 'router_ip' in global_defs"}},
    {"GlobalUnsupportedLvsSyncDaemon", "global_defs {\n    lvs_sync_daemon eth0 VI_1\n}\n",
     {"t.conf:2:5: unsupported: lvs_sync_daemon (havip runs no IPVS connection sync daemon: connections would not "
      "survive a failover)"}},
    {"GlobalUnsupportedScriptSecurity", "global_defs {\n    enable_script_security\n}\n",
     {"t.conf:2:5: unsupported: enable_script_security (havip does not check that scripts are writable by root only: "
      "ignoring it would run scripts keepalived refuses)"}},
    {"GlobalScriptUserNotRoot", "global_defs {\n    script_user nobody\n}\n",
     {"t.conf:2:5: unsupported: script_user nobody (havip runs scripts as havipd's own user, root; only script_user "
      "root is accepted)"}},
    {"GlobalGarpIntervalNonZero", "global_defs {\n    vrrp_garp_interval 0.5\n}\n",
     {"t.conf:2:5: unsupported: vrrp_garp_interval 0.5 (havip sends gratuitous ARPs back to back; only 0, "
      "keepalived's default, is accepted)"}},
    {"GlobalGnaIntervalNotANumber", "global_defs {\n    vrrp_gna_interval fast\n}\n",
     {"t.conf:2:23: vrrp_gna_interval must be a number of seconds (up to 6 decimals), got 'fast'"}},
    {"GlobalVrrpPriorityOutOfRange", "global_defs {\n    vrrp_priority -21\n}\n",
     {"t.conf:2:19: vrrp_priority must be an integer -20..19, got '-21'"}},
    {"GlobalSkipCheckTwice", "global_defs {\n    vrrp_skip_check_adv_addr\n    vrrp_skip_check_adv_addr\n}\n",
     {"t.conf:3:5: duplicate 'vrrp_skip_check_adv_addr' (first given at t.conf:2:5)"}},
    {"GlobalRouterIdTwoWords", "global_defs {\n    router_id a b\n}\n", {"t.conf:2:17: 'router_id' takes 1 argument, got 2"}},
    {"GlobalSmtpServerBadIp", "global_defs {\n    smtp_server 10.0.0.300\n}\n",
     {"t.conf:2:17: smtp_server: bad IPv4 address '10.0.0.300'"}},
    {"GlobalSmtpServerBadName", "global_defs {\n    smtp_server mail/test\n}\n",
     {"t.conf:2:17: smtp_server: 'mail/test' is neither a host name nor an IPv4 address"}},
    {"GlobalSmtpTimeoutZero", "global_defs {\n    smtp_connect_timeout 0\n}\n",
     {"t.conf:2:26: smtp_connect_timeout must be an integer 1..3600, got '0'"}},
    {"GlobalEmailFromNotAnAddress", "global_defs {\n    notification_email_from <keepalived>\n}\n",
     {"t.conf:2:29: '<keepalived>' is not an e-mail address"}},
    {"RefusedRecipientIsOneError",
     "global_defs {\n    notification_email {\n        @nowhere\n    }\n    smtp_server 10.0.0.1\n}\n" +
         instanceWith("    smtp_alert"),
     {"t.conf:3:9: '@nowhere' is not an e-mail address"}},
    {"RefusedSmtpServerIsOneError",
     "global_defs {\n    notification_email {\n        a@b\n    }\n    smtp_server mail/x\n}\n" +
         instanceWith("    smtp_alert"),
     {"t.conf:5:17: smtp_server: 'mail/x' is neither a host name nor an IPv4 address"}},
    {"GlobalTwoBlocksDuplicateKey", "global_defs {\n    router_id a\n}\nglobal_defs {\n    router_id b\n}\n",
     {"t.conf:5:5: duplicate 'router_id' (first given at t.conf:2:5)"}},
    {"ScriptWithoutScript", "vrrp_script s {\n    interval 2\n}\n", {"t.conf:1:1: vrrp_script 's' has no 'script'"}},
    {"ScriptIntervalZero", "vrrp_script s {\n    script /bin/true\n    interval 0\n}\n",
     {"t.conf:3:14: interval must be an integer 1..86400, got '0'"}},
    {"ScriptWeightOutOfRange", "vrrp_script s {\n    script /bin/true\n    weight 254\n}\n",
     {"t.conf:3:12: weight must be an integer -253..253, got '254'"}},
    {"ScriptWeightBadFlag", "vrrp_script s {\n    script /bin/true\n    weight 2 invert\n}\n",
     {"t.conf:3:14: expected 'reverse' after the weight, got 'invert'"}},
    {"ScriptRiseZero", "vrrp_script s {\n    script /bin/true\n    rise 0\n}\n",
     {"t.conf:3:10: rise must be an integer 1..1000, got '0'"}},
    {"ScriptUnbalancedQuote", "vrrp_script s {\n    script \"/bin/x 'a\"\n}\n",
     {"t.conf:2:12: script: missing closing '"}},
    {"ScriptUnknownKeyword", "vrrp_script s {\n    script /bin/true\n    intervall 2\n}\n",
     {"t.conf:3:5: unknown keyword 'intervall' in vrrp_script"}},
    {"DuplicateScript", "vrrp_script s {\n    script /bin/true\n}\nvrrp_script s {\n    script /bin/false\n}\n",
     {"t.conf:4:1: duplicate vrrp_script 's' (first at t.conf:1:1)"}},
    {"IncludeWithoutPattern", "include\n", {"t.conf:1:1: 'include' takes 1 argument (a file name or glob pattern)"}},
};
INSTANTIATE_TEST_SUITE_P(Structure, Errors, ::testing::ValuesIn(kStructureCases),
                         caseName);

TEST(Errors, IncludeDisabledNeedsTheOption) {
  ParseOptions off;
  off.allowIncludes = false;
  EXPECT_THAT(errorsOf("include other.conf\n", off), ElementsAre("t.conf:1:1: include is disabled here"));
}

std::string vs(std::string_view body, std::string_view header = "virtual_server 10.11.12.99 80 {") {
  return std::string(header) + "\n    lb_algo rr\n" + std::string(body) + "\n}\n";
}

// Line 3 of vs() is the statement under test.
const Case kVirtualServerCases[] = {
    {"NoProtocol", "virtual_server 10.11.12.99 80 {\n    lb_algo rr\n}\n",
     {"t.conf:1:1: virtual_server 10.11.12.99:80 has no 'protocol' (keepalived would silently use UDP): add protocol "
      "TCP or protocol UDP"}},
    {"ProtocolSctp", vs("    protocol SCTP"), {"t.conf:3:14: unsupported: protocol SCTP"}},
    {"BadScheduler", "virtual_server 10.11.12.99 80 {\n    lb_algo round_robin\n    protocol TCP\n}\n",
     {"t.conf:2:13: unknown scheduler 'round_robin' (rr wrr lc wlc lblc sh mh dh fo ovf lblcr sed nq twos)"}},
    {"SchedulerTwice", vs("    protocol TCP\n    lvs_sched wrr"),
     {"t.conf:4:5: scheduler given twice (lb_algo and lvs_sched are the same setting)"}},
    {"BadLbKind", vs("    protocol TCP\n    lb_kind MASQ"), {"t.conf:4:13: lb_kind must be NAT, DR or TUN, got 'MASQ'"}},
    {"TunnelTypeUnsupported", vs("    protocol TCP\n    lvs_method TUN type gue"),
     {"t.conf:4:20: 'lvs_method' takes 1 argument, got 3"}},
    {"PortZeroWithoutPersistence", vs("    protocol TCP", "virtual_server 10.11.12.99 0 {"),
     {"t.conf:1:1: virtual_server 10.11.12.99:0 TCP: port 0 is only valid with persistence_timeout"}},
    {"PersistenceBeyondWhatIpvsKeeps", vs("    protocol TCP\n    persistence_timeout 2678401"),
     {"t.conf:4:25: persistence_timeout must be an integer 1..2678400, got '2678401'"}},
    {"VirtualServerGroup", "virtual_server group G {\n}\n", {"t.conf:1:16: unsupported: virtual_server group"}},
    {"VirtualServerIpv6", "virtual_server 2001:db8::1 80 {\n}\n", {"t.conf:1:16: unsupported: IPv6 address '2001:db8::1' (havip is IPv4 only)"}},
    {"VirtualServerBadPort", "virtual_server 10.0.0.1 65536 {\n}\n",
     {"t.conf:1:25: virtual_server port must be an integer 0..65535, got '65536'"}},
    {"UnsupportedSorryServer", vs("    protocol TCP\n    sorry_server 10.0.0.9 80"),
     {"t.conf:4:5: unsupported: sorry_server (havip does not add a fallback server when every real server is down)"}},
    {"UnknownInVirtualServer", vs("    protocol TCP\n    lb_algorithm rr"),
     {"t.conf:4:5: unknown keyword 'lb_algorithm' in virtual_server"}},
    {"DelayLoopZero", vs("    protocol TCP\n    delay_loop 0"), {"t.conf:4:16: delay_loop must be 0.001s..86400s, got '0'"}},
    {"RealServerPortDiffersUnderDr", vs("    protocol TCP\n    lb_kind DR\n    real_server 10.0.0.2 8080 {\n    }"),
     {"t.conf:5:5: real_server port 8080 differs from the service port 80: only NAT can change ports"}},
    {"DuplicateRealServer", vs("    protocol TCP\n    real_server 10.0.0.2 80 {\n    }\n    real_server 10.0.0.2 {\n    }"),
     {"t.conf:6:5: duplicate real_server 10.0.0.2:80 (first at t.conf:4:5)"}},
    {"RealServerWeightTooBig", vs("    protocol TCP\n    real_server 10.0.0.2 80 {\n        weight 65536\n    }"),
     {"t.conf:5:16: weight must be an integer 0..65535, got '65536'"}},
    {"RealServerUnsupportedMiscCheck",
     vs("    protocol TCP\n    real_server 10.0.0.2 80 {\n        MISC_CHECK {\n            misc_path /bin/true\n        }\n    }"),
     {"t.conf:5:9: unsupported: MISC_CHECK"}},
    {"RealServerUnsupportedLvsMethod", vs("    protocol TCP\n    real_server 10.0.0.2 80 {\n        lvs_method DR\n    }"),
     {"t.conf:5:9: unsupported: lvs_method"}},
    {"HttpGetWithoutUrl", vs("    protocol TCP\n    real_server 10.0.0.2 80 {\n        HTTP_GET {\n        }\n    }"),
     {"t.conf:5:9: HTTP_GET has no url { path ... }"}},
    {"UrlWithoutPath",
     vs("    protocol TCP\n    real_server 10.0.0.2 80 {\n        HTTP_GET {\n            url {\n                status_code 200\n            }\n        }\n    }"),
     {"t.conf:6:13: url has no path", "t.conf:5:9: HTTP_GET has no url { path ... }"}},
    {"UrlBadDigest",
     vs("    protocol TCP\n    real_server 10.0.0.2 80 {\n        HTTP_GET {\n            url {\n                path /\n                digest xyz\n            }\n        }\n    }"),
     {"t.conf:8:24: digest must be 32 hex digits (an MD5 sum, as genhash prints), got 'xyz'"}},
    {"UrlBadStatusCode",
     vs("    protocol TCP\n    real_server 10.0.0.2 80 {\n        HTTP_GET {\n            url {\n                path /\n                status_code 200 299-200\n            }\n        }\n    }"),
     {"t.conf:8:33: status_code must be a code or range within 100..599 (like 200 or 200-299), got '299-200'"}},
    {"UrlUnsupportedRegex",
     vs("    protocol TCP\n    real_server 10.0.0.2 80 {\n        HTTP_GET {\n            url {\n                path /\n                regex ok\n            }\n        }\n    }"),
     {"t.conf:8:17: unsupported: regex"}},
    {"UrlInTcpCheck",
     vs("    protocol TCP\n    real_server 10.0.0.2 80 {\n        TCP_CHECK {\n            url {\n                path /\n            }\n        }\n    }"),
     {"t.conf:6:13: 'url' belongs in HTTP_GET, not TCP_CHECK"}},
    {"CheckerRetryTwice",
     vs("    protocol TCP\n    real_server 10.0.0.2 80 {\n        TCP_CHECK {\n            retry 2\n            nb_get_retry 3\n        }\n    }"),
     {"t.conf:7:13: retry given twice (retry and nb_get_retry are the same setting)"}},
    {"CheckerUnsupportedBindto",
     vs("    protocol TCP\n    real_server 10.0.0.2 80 {\n        TCP_CHECK {\n            bindto 10.0.0.1\n        }\n    }"),
     {"t.conf:6:13: unsupported: bindto"}},
    {"CheckerConnectPortZero",
     vs("    protocol TCP\n    real_server 10.0.0.2 80 {\n        TCP_CHECK {\n            connect_port 0\n        }\n    }"),
     {"t.conf:6:26: connect_port must be an integer 1..65535, got '0'"}},
    {"DuplicateVirtualServer", vs("    protocol TCP") + vs("    protocol TCP"),
     {"t.conf:5:1: duplicate virtual_server 10.11.12.99:80 TCP"}},
};
INSTANTIATE_TEST_SUITE_P(VirtualServer, Errors, ::testing::ValuesIn(kVirtualServerCases),
                         caseName);

TEST(Errors, AllErrorsAreReportedInOneRunNotJustTheFirst) {
  const std::string text =
      "global_defs {\n"             // 1
      "    router_id\n"             // 2: missing value
      "    smtp_server 1.2.3\n"     // 3: bad address
      "}\n"                         // 4
      "vrrp_instance VI_1 {\n"      // 5
      "    state MASTR\n"           // 6: bad state
      "    interface eth0\n"        // 7
      "    advert_intervall 1\n"    // 8: unknown keyword
      "    priority 300\n"          // 9: out of range
      "    virtual_router_id 51\n"  // 10
      "    virtual_ipaddress {\n"   // 11
      "        10.11.12.99\n"       // 12
      "    }\n"                     // 13
      "    track_script {\n"        // 14
      "        chk_missing\n"       // 15: undefined script (found after parsing)
      "    }\n"                     // 16
      "}\n";                        // 17
  EXPECT_THAT(errorsOf(text), ElementsAre("t.conf:2:5: 'router_id' takes 1 argument, got 0",
                                          "t.conf:3:17: smtp_server: bad IPv4 address '1.2.3'",
                                          "t.conf:6:11: state must be MASTER or BACKUP, got 'MASTR'",
                                          "t.conf:8:5: unknown keyword 'advert_intervall' in vrrp_instance",
                                          "t.conf:9:14: priority must be an integer 1..255, got '300'",
                                          "t.conf:15:9: track_script 'chk_missing' names no vrrp_script or track_memory"));
}

TEST(Errors, RecoveryAfterABadBlockKeepsParsingTheNextOnes) {
  const std::string text =
      "bogus_block {\n"
      "    { nested }\n"
      "}\n"
      "vrrp_instance VI_1 {\n"
      "    interface eth0\n"
      "    virtual_router_id 300\n"
      "    virtual_ipaddress { 10.0.0.1 }\n"
      "}\n";
  EXPECT_THAT(errorsOf(text), ElementsAre("t.conf:1:1: unknown keyword 'bogus_block' in top level",
                                          "t.conf:6:23: virtual_router_id must be an integer 1..255, got '300'"));
}

TEST(Warnings, MasterWithNopreemptOrPreemptDelay) {
  EXPECT_THAT(warningsOf(instanceWith("    state MASTER\n    nopreempt")),
              ElementsAre("t.conf:1:1: warning: vrrp_instance 'VI_1': nopreempt has no effect with state MASTER "
                          "(keepalived clears it too); use state BACKUP on every router"));
  EXPECT_THAT(warningsOf(instanceWith("    state MASTER\n    preempt_delay 10")),
              ElementsAre("t.conf:1:1: warning: vrrp_instance 'VI_1': preempt_delay has no effect with state MASTER "
                          "(keepalived clears it too)"));
  EXPECT_THAT(warningsOf(instanceWith("    state BACKUP\n    nopreempt\n    preempt_delay 10")), IsEmpty());
}

TEST(Warnings, ComeWithErrorsToo) {
  auto r = parseString(instanceWith("    state MASTER\n    nopreempt\n    priority 0"), "t.conf");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().errors.size(), 1u);
  EXPECT_EQ(r.error().warnings.size(), 1u);
}

// Where keepalived accepts and the meaning is clear: a warning, and the config loads.
TEST(Warnings, LocalPartOnlyAddressIsSentAsWritten) {
  auto r = parseString("global_defs {\n    notification_email {\n        acassen\n    }\n"
                       "    notification_email_from root\n    smtp_server 10.0.0.1\n}\n" +
                           instanceWith("    smtp_alert"),
                       "t.conf");
  ASSERT_TRUE(r) << test::render(r.error().errors).front();
  EXPECT_THAT(test::render(r->warnings),
              ElementsAre("t.conf:3:9: warning: 'acassen' has no @domain: sent as <acassen> as keepalived does; the "
                          "mail server decides its domain",
                          "t.conf:5:29: warning: 'root' has no @domain: sent as <root> as keepalived does; the mail "
                          "server decides its domain"));
  EXPECT_THAT(r->config->globalDefs.notificationEmail, ElementsAre("acassen"));
  EXPECT_EQ(r->config->globalDefs.notificationEmailFrom, "root");
}

TEST(Warnings, DuplicateVipKeepsTheFirst) {
  auto r = parseString(
      "vrrp_instance V {\n interface eth0\n virtual_router_id 1\n virtual_ipaddress {\n  10.0.0.1\n"
      "  10.0.0.1/24 label eth0:1\n  10.0.0.2\n }\n}\n",
      "t.conf");
  ASSERT_TRUE(r);
  EXPECT_THAT(test::render(r->warnings),
              ElementsAre("t.conf:6:3: warning: duplicate virtual address 10.0.0.1 ignored: the first (t.conf:5:3) "
                          "is kept, as keepalived does"));
  const auto& vips = r->config->vrrpInstances.at(0).virtualIps;
  ASSERT_EQ(vips.size(), 2u);
  EXPECT_EQ(vips[0].prefix.length, 32);
  EXPECT_FALSE(vips[0].label);
  EXPECT_EQ(vips[1].prefix.address.toString(), "10.0.0.2");
}

// keepalived accepts mail asked for without a server or a recipient and sends none.
TEST(Warnings, MailWithoutServerOrRecipientSendsNone) {
  auto noServer = parseString(instanceWith("    notify_email {\n        a@test.local\n    }"), "t.conf");
  ASSERT_TRUE(noServer);
  EXPECT_THAT(test::render(noServer->warnings),
              ElementsAre("t.conf:1:1: warning: vrrp_instance 'VI_1' sends no mail: smtp_alert is on but no "
                          "smtp_server is set (global_defs or instance)"));
  EXPECT_FALSE(noServer->config->mailFor(noServer->config->vrrpInstances.at(0)).enabled);
  auto noRecipient = parseString(instanceWith("    smtp_alert\n    smtp_server 10.0.0.1"), "t.conf");
  ASSERT_TRUE(noRecipient);
  EXPECT_THAT(test::render(noRecipient->warnings),
              ElementsAre("t.conf:1:1: warning: vrrp_instance 'VI_1' sends no mail: smtp_alert is on but no "
                          "notification_email lists a recipient"));
  EXPECT_FALSE(noRecipient->config->mailFor(noRecipient->config->vrrpInstances.at(0)).enabled);
}

TEST(Warnings, ProtocolOnFwmarkIsIgnored) {
  auto r = parseString("virtual_server fwmark 3 {\n    lb_algo rr\n    protocol UDP\n}\n", "t.conf");
  ASSERT_TRUE(r);
  EXPECT_THAT(test::render(r->warnings),
              ElementsAre("t.conf:3:5: warning: virtual_server fwmark 3: protocol is ignored for a fwmark service "
                          "(keepalived ignores it too)"));
}

// RHEL's default global_defs minus vrrp_strict, and tutorials' process tuning.
TEST(Warnings, CommonGlobalDefsLoad) {
  auto r = parseString("global_defs {\n    router_id LVS_DEVEL\n    vrrp_skip_check_adv_addr\n"
                       "    vrrp_garp_interval 0\n    vrrp_gna_interval 0\n    script_user root\n"
                       "    vrrp_no_swap\n    vrrp_priority -10\n    lvs_id LVS_1\n}\n" +
                           instanceWith("    skip_check_adv_addr on"),
                       "t.conf");
  ASSERT_TRUE(r) << test::render(r.error().errors).front();
  EXPECT_THAT(test::render(r->warnings),
              ElementsAre("t.conf:7:5: warning: vrrp_no_swap is ignored: havipd does not lock its memory; "
                          "MemorySwapMax=0 in havipd.service keeps it out of swap",
                          "t.conf:8:5: warning: vrrp_priority is ignored: havipd runs as one process at the nice "
                          "value it was started with; set Nice= in havipd.service instead",
                          "t.conf:9:5: warning: lvs_id is ignored: it is keepalived 1.x's name for router_id, and "
                          "keepalived 2.2.7 ignores it too; use router_id"));
  EXPECT_EQ(r->config->globalDefs.routerId, "LVS_DEVEL");
}

TEST(Keywords, UnsupportedTablesNameKeepalivedKeywordsNotOurs) {
  for (auto block : {Block::Top, Block::GlobalDefs, Block::VrrpInstance, Block::VirtualServer, Block::RealServer,
                     Block::Checker, Block::Url})
    EXPECT_FALSE(unsupportedKeywords(block).empty()) << toString(block);
  // Implemented keywords must never be answered "unsupported".
  for (auto kw : {"state", "interface", "priority", "track_script", "smtp_server", "notify_email"})
    EXPECT_FALSE(isUnsupported(Block::VrrpInstance, kw)) << kw;
  for (auto kw : {"router_id", "smtp_server", "notification_email", "smtp_alert"})
    EXPECT_FALSE(isUnsupported(Block::GlobalDefs, kw)) << kw;
  // Accepted (docs/config.md, "keepalived keywords"), so not in the tables.
  for (auto kw : {"vrrp_skip_check_adv_addr", "vrrp_garp_interval", "vrrp_gna_interval", "vrrp_no_swap",
                  "vrrp_priority", "lvs_id", "script_user"})
    EXPECT_FALSE(isUnsupported(Block::GlobalDefs, kw)) << kw;
  EXPECT_FALSE(isUnsupported(Block::VrrpInstance, "skip_check_adv_addr"));
  EXPECT_TRUE(isUnsupported(Block::GlobalDefs, "vrrp_strict"));
  EXPECT_TRUE(isUnsupported(Block::VrrpInstance, "unicast_peer"));
  EXPECT_TRUE(isUnsupported(Block::VrrpInstance, "virtual_routes"));
  EXPECT_FALSE(isUnsupported(Block::Top, "vrrp_sync_group"));  // implemented
  EXPECT_TRUE(isUnsupported(Block::SyncGroup, "notify_master"));
  EXPECT_TRUE(isUnsupported(Block::GlobalDefs, "lvs_sync_daemon"));
  EXPECT_TRUE(isUnsupported(Block::RealServer, "SSL_GET"));
}

}  // namespace
}  // namespace havip::config
