// vrrp_sync_group: what it parses into, and every error and warning with its
// FILE:LINE:COL, as keepalived 2.2.7 `keepalived -t` judges the same files.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "test_util.h"

namespace havip::config {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using test::errorsOf;
using test::render;
using test::warningsOf;

// Lines 1-18: VI_1 (vrid 51, eth0, weighted script and interface), VI_2, VI_3.
const std::string kInstances =
    "vrrp_script chk {\n"            // 1
    "    script \"/bin/true\"\n"     // 2
    "    weight 10\n"                // 3
    "}\n"                            // 4
    "vrrp_instance VI_1 {\n"         // 5
    "    interface eth0\n"           // 6
    "    virtual_router_id 51\n"     // 7
    "    track_script {\n"           // 8
    "        chk\n"                  // 9
    "    }\n"                        // 10
    "    track_interface {\n"        // 11
    "        eth1 weight 5\n"        // 12
    "    }\n"                        // 13
    "    virtual_ipaddress {\n"      // 14
    "        10.11.12.99\n"          // 15
    "    }\n"                        // 16
    "}\n"                            // 17
    "vrrp_instance VI_2 {\n"         // 18
    "    interface eth1\n"           // 19
    "    virtual_router_id 52\n"     // 20
    "    virtual_ipaddress {\n"      // 21
    "        192.168.100.254\n"      // 22
    "    }\n"                        // 23
    "}\n"                            // 24
    "vrrp_instance VI_3 {\n"         // 25
    "    interface eth1\n"           // 26
    "    virtual_router_id 53\n"     // 27
    "    virtual_ipaddress {\n"      // 28
    "        192.168.100.253\n"      // 29
    "    }\n"                        // 30
    "}\n";                           // 31

// A group starting at line 32.
std::string withGroup(const std::string& group) { return kInstances + group; }

TEST(SyncGroup, ParsesMembersAndGroupTrackers) {
  auto r = parseString(withGroup("vrrp_sync_group G {\n"
                                 "    group {\n"
                                 "        VI_1\n"
                                 "        VI_2\n"
                                 "    }\n"
                                 "    track_script {\n"
                                 "        chk weight -20\n"
                                 "    }\n"
                                 "    track_interface {\n"
                                 "        eth2\n"
                                 "    }\n"
                                 "}\n"),
                       "t.conf");
  ASSERT_TRUE(r) << r.error().errors.front().toString();
  const Config& c = *r->config;
  ASSERT_EQ(c.syncGroups.size(), 1u);
  EXPECT_EQ(c.syncGroups[0].name, "G");
  EXPECT_THAT(c.syncGroups[0].members, ElementsAre("VI_1", "VI_2"));
  EXPECT_FALSE(c.syncGroups[0].trackingWeight);
  EXPECT_EQ(c.syncGroupOf("VI_2"), &c.syncGroups[0]);
  EXPECT_EQ(c.syncGroupOf("VI_3"), nullptr);
  // keepalived drops VI_1's weighted script and zeroes its interface weight;
  // the group's trackers apply to every member with their weights.
  auto refs = c.trackersOf(*c.findInstance("VI_1"));
  ASSERT_EQ(refs.size(), 3u);
  EXPECT_EQ(refs[0].kind, TrackerRef::Kind::Interface);
  EXPECT_EQ(refs[0].name, "eth1");
  EXPECT_EQ(refs[0].weight, 0);
  EXPECT_EQ(refs[1].name, "chk");
  EXPECT_EQ(refs[1].weight, -20);
  EXPECT_EQ(refs[2].name, "eth2");
  auto refs2 = c.trackersOf(*c.findInstance("VI_2"));
  ASSERT_EQ(refs2.size(), 2u);
  EXPECT_EQ(refs2[0].name, "chk");
  EXPECT_THAT(c.trackersOf(*c.findInstance("VI_3")), IsEmpty());
  EXPECT_THAT(render(r->warnings),
              ElementsAre("t.conf:9:9: warning: vrrp_instance 'VI_1' is in vrrp_sync_group 'G': track_script "
                          "'chk' (weight 10) is ignored, as keepalived does; set sync_group_tracking_weight in "
                          "the group to keep it",
                          "t.conf:12:9: warning: vrrp_instance 'VI_1' is in vrrp_sync_group 'G': the weight of "
                          "track_interface 'eth1' is ignored, as keepalived does: the instance goes FAULT while "
                          "it is down; set sync_group_tracking_weight in the group to keep the weight"));
}

TEST(SyncGroup, TrackingWeightKeepsMemberWeights) {
  auto r = parseString(withGroup("vrrp_sync_group G {\n    group {\n        VI_1 VI_2\n    }\n"
                                 "    sync_group_tracking_weight\n}\n"),
                       "t.conf");
  ASSERT_TRUE(r);
  EXPECT_THAT(r->warnings, IsEmpty());
  EXPECT_THAT(r->config->syncGroups[0].members, ElementsAre("VI_1", "VI_2"));  // two on a line
  auto refs = r->config->trackersOf(*r->config->findInstance("VI_1"));
  ASSERT_EQ(refs.size(), 2u);
  EXPECT_EQ(refs[0].weight, 10);
  EXPECT_EQ(refs[1].weight, 5);
}

TEST(SyncGroup, GroupMayComeBeforeItsInstances) {
  auto r = parseString("vrrp_sync_group G {\n    group {\n        VI_2\n        VI_3\n    }\n}\n" + kInstances,
                       "t.conf");
  ASSERT_TRUE(r);
  EXPECT_THAT(r->config->syncGroups[0].members, ElementsAre("VI_2", "VI_3"));
}

TEST(SyncGroup, GlobalTrackingIsDeprecatedButHonoured) {
  auto text = withGroup("vrrp_sync_group G {\n    group {\n        VI_1\n        VI_2\n    }\n    global_tracking\n}\n");
  auto r = parseString(text, "t.conf");
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->config->syncGroups[0].trackingWeight);
  EXPECT_THAT(warningsOf(text),
              ElementsAre("t.conf:37:5: warning: global_tracking is deprecated (keepalived says so too): read as "
                          "sync_group_tracking_weight; track_script/track_interface on the group are the "
                          "replacement"));
}

TEST(SyncGroup, OneMemberIsAWarning) {
  // keepalived keeps it ("this probably isn't what you want").
  auto text = withGroup("vrrp_sync_group G {\n    group {\n        VI_3\n    }\n}\n");
  EXPECT_THAT(errorsOf(text), IsEmpty());
  EXPECT_THAT(warningsOf(text),
              ElementsAre("t.conf:33:5: warning: vrrp_sync_group 'G' has only one instance (VI_3): it has "
                          "nothing to sync with"));
}

struct Case {
  const char* name;
  std::string group;
  std::vector<std::string> errors;
};
std::ostream& operator<<(std::ostream& os, const Case& c) { return os << c.name; }
class SyncGroupErrors : public ::testing::TestWithParam<Case> {};

TEST_P(SyncGroupErrors, ReportedAtTheirLocation) {
  EXPECT_EQ(errorsOf(withGroup(GetParam().group)), GetParam().errors);
}

const Case kCases[] = {
    {"UnknownMember", "vrrp_sync_group G {\n    group {\n        VI_1\n        VI_9\n    }\n}\n",
     {"t.conf:35:9: vrrp_sync_group 'G': no vrrp_instance 'VI_9'"}},
    {"MemberOfTwoGroups",
     "vrrp_sync_group G {\n    group {\n        VI_1\n        VI_2\n    }\n}\n"
     "vrrp_sync_group H {\n    group {\n        VI_2\n        VI_3\n    }\n}\n",
     {"t.conf:40:9: vrrp_instance 'VI_2' is already in vrrp_sync_group 'G' (t.conf:35:9): an instance belongs "
      "to one sync group at most"}},
    {"TwiceInOneGroup", "vrrp_sync_group G {\n    group {\n        VI_1\n        VI_2\n        VI_1\n    }\n}\n",
     {"t.conf:36:9: vrrp_instance 'VI_1' is already in vrrp_sync_group 'G' (t.conf:34:9): an instance belongs "
      "to one sync group at most"}},
    {"DuplicateName",
     "vrrp_sync_group G {\n    group {\n        VI_1\n        VI_2\n    }\n}\n"
     "vrrp_sync_group G {\n    group {\n        VI_3\n    }\n}\n",
     {"t.conf:38:1: duplicate vrrp_sync_group 'G' (first at t.conf:32:1)"}},
    {"NoName", "vrrp_sync_group {\n    group {\n        VI_1\n    }\n}\n",
     {"t.conf:32:1: 'vrrp_sync_group' takes 1 argument, got 0"}},
    {"NoGroupBlock", "vrrp_sync_group G {\n    sync_group_tracking_weight\n}\n",
     {"t.conf:32:1: vrrp_sync_group 'G' has no group { } block naming its instances"}},
    {"EmptyGroupBlock", "vrrp_sync_group G {\n    group {\n    }\n}\n",
     {"t.conf:33:5: vrrp_sync_group 'G': group { } lists no instance"}},
    {"GroupGivenTwice", "vrrp_sync_group G {\n    group {\n        VI_1\n    }\n    group {\n        VI_2\n    }\n}\n",
     {"t.conf:36:5: duplicate 'group' (first given at t.conf:33:5)"}},
    {"NotifyScriptsUnsupported",
     "vrrp_sync_group G {\n    group {\n        VI_1\n        VI_2\n    }\n    notify_master /bin/true\n}\n",
     {"t.conf:37:5: unsupported: notify_master (havip runs notify scripts per vrrp_instance: write them in the "
      "member instances)"}},
    {"SmtpAlertUnsupported", "vrrp_sync_group G {\n    group {\n        VI_1\n        VI_2\n    }\n    smtp_alert\n}\n",
     {"t.conf:37:5: unsupported: smtp_alert"}},
    {"TrackFileUnsupported",
     "vrrp_sync_group G {\n    group {\n        VI_1\n        VI_2\n    }\n    track_file {\n        f\n    }\n}\n",
     {"t.conf:37:5: unsupported: track_file"}},
    {"UnknownKeyword", "vrrp_sync_group G {\n    group {\n        VI_1\n        VI_2\n    }\n    notify_deleted\n}\n",
     {"t.conf:37:5: unknown keyword 'notify_deleted' in vrrp_sync_group"}},
    {"GroupTrackScriptUnknown",
     "vrrp_sync_group G {\n    group {\n        VI_1\n        VI_2\n    }\n    track_script {\n        nope\n    }\n}\n",
     {"t.conf:38:9: track_script 'nope' names no vrrp_script or track_memory"}},
};

std::string caseName(const ::testing::TestParamInfo<Case>& param) { return param.param.name; }
INSTANTIATE_TEST_SUITE_P(Cases, SyncGroupErrors, ::testing::ValuesIn(kCases), caseName);

}  // namespace
}  // namespace havip::config
