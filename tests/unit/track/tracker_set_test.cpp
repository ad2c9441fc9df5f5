// TrackerSet built from a parsed config (the seed's vrrp_script plus an
// interface and a native memory tracker), driven by fakes: the handler sees
// every change of effective priority and fault, status() says why.
#include "track/tracker_set.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "config/parser.h"
#include "node/fake_clock.h"
#include "track/fake_process_runner.h"
#include "track/interface_tracker.h"
#include "test_support.h"

namespace havip::track {
namespace {

using namespace std::chrono_literals;
using ::testing::ElementsAre;
using Kind = ProcessOutcome::Kind;

constexpr const char* kConfig = R"(
vrrp_script chk_service {
    script "{script} --verbose"
    interval 2
    weight 2
}
vrrp_script chk_gate {
    script "{script}"
    interval 1
    weight -30
    rise 2
}
vrrp_instance VI_1 {
    state MASTER
    interface eth0
    virtual_router_id 51
    priority 100
    advert_int 1
    virtual_ipaddress {
        10.11.12.99
    }
    track_script {
        chk_service
        chk_gate weight -40
    }
    track_interface {
        eth1
    }
}
)";

class TrackerSetTest : public ::testing::Test {
 protected:
  test::TempDir dir;
  node::FakeClock clock;
  FakeProcessRunner runner;
  std::string script = dir.write("check_memory.sh", "#!/bin/sh\nexit 0\n", true);
  std::vector<PriorityResult> reports;

  std::shared_ptr<const config::Config> parse() {
    auto text = std::string(kConfig);
    for (auto pos = text.find("{script}"); pos != std::string::npos; pos = text.find("{script}"))
      text.replace(pos, 8, script);
    auto r = config::parseString(text, "t.conf");
    if (!r) {
      ADD_FAILURE() << "config does not parse: " << r.error().errors.front().toString();
      return nullptr;
    }
    return r->config;
  }

  std::string meminfoPath;  // empty: /proc/meminfo

  std::unique_ptr<TrackerSet> build(const config::Config& cfg, std::optional<netlink::LinkInfo> eth1) {
    TrackerServices services{clock, clock, runner,
                             [eth1](const std::string& name) -> std::optional<netlink::LinkInfo> {
                               if (eth1 && name == eth1->name) return eth1;
                               return std::nullopt;
                             },
                             MissingScript::Disable, meminfoPath};
    std::vector<std::string> unresolved;
    auto trackers = makeTrackers(cfg, cfg.vrrpInstances.at(0), services, &unresolved);
    EXPECT_THAT(unresolved, ::testing::IsEmpty());
    return std::make_unique<TrackerSet>("VI_1", 100, std::move(trackers),
                                        [this](const PriorityResult& r) { reports.push_back(r); });
  }

  static netlink::LinkInfo eth1(bool usable) {
    netlink::LinkInfo l;
    l.ifindex = 3;
    l.name = "eth1";
    l.up = true;
    l.running = usable;
    return l;
  }
};

TEST_F(TrackerSetTest, BuildsWhatTheInstanceTracks) {
  const auto cfg = parse();
  ASSERT_TRUE(cfg);
  auto set = build(*cfg, eth1(true));
  ASSERT_EQ(set->trackers().size(), 3u);
  EXPECT_EQ(set->trackers()[0]->identity().weight, 2);
  EXPECT_EQ(set->trackers()[1]->identity().weight, -40);  // the track_script entry's override
  EXPECT_EQ(set->trackers()[2]->kind(), TrackerKind::Interface);
  set->start();
  ASSERT_EQ(runner.started(), 2u);
  EXPECT_EQ(runner.at(0).argv, (std::vector<std::string>{script, "--verbose"}));
  EXPECT_EQ(runner.at(0).timeout, 2s);  // timeout unset: the interval
}

TEST_F(TrackerSetTest, ReportsEveryChange) {
  const auto cfg = parse();
  ASSERT_TRUE(cfg);
  auto set = build(*cfg, eth1(true));
  set->start();
  // Scripts pending, eth1 up with weight 0: no effect yet, one report.
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports.back().effectivePriority, 100);
  EXPECT_FALSE(reports.back().fault);

  runner.finish(0, {Kind::Exited, 0});  // chk_service OK: +2
  ASSERT_EQ(reports.size(), 2u);
  EXPECT_EQ(reports.back().effectivePriority, 102);
  runner.finish(1, {Kind::Exited, 1});  // chk_gate failing: -40
  ASSERT_EQ(reports.size(), 3u);
  EXPECT_EQ(reports.back().effectivePriority, 62);
  EXPECT_THAT(reports.back().reasons, ElementsAre("chk_service: OK, +2", "chk_gate: failing, -40",
                                                  "eth1: up, no effect (weight 0: FAULT while down)"));

  set->onLinkEvent({netlink::LinkChange::Down, eth1(false)});
  ASSERT_EQ(reports.size(), 4u);
  EXPECT_TRUE(reports.back().fault);
  EXPECT_THAT(reports.back().faultedBy, ElementsAre("eth1"));
  EXPECT_EQ(TrackerSet::faultReason(reports.back()), "tracker failing: eth1");

  // A result that changes no state reports nothing.
  clock.advance(2s);
  runner.finishLast({Kind::Exited, 0});
  EXPECT_EQ(reports.size(), 4u);
}

TEST_F(TrackerSetTest, StatusSaysWhatEachTrackerDoes) {
  const auto cfg = parse();
  ASSERT_TRUE(cfg);
  auto set = build(*cfg, std::nullopt);
  set->start();
  runner.finish(0, {Kind::Exited, 0});
  const auto st = set->status();
  ASSERT_EQ(st.size(), 3u);
  EXPECT_EQ(st[0].name, "chk_service");
  EXPECT_EQ(st[0].state, TrackerState::Ok);
  EXPECT_EQ(st[0].lastResult, "exit 0");
  EXPECT_EQ(st[0].lastResultAt, clock.now());
  EXPECT_EQ(st[0].priorityDelta, 2);
  EXPECT_EQ(st[0].effect, "chk_service: OK, +2");
  EXPECT_EQ(st[1].state, TrackerState::Pending);
  EXPECT_EQ(st[1].lastResult, "");
  EXPECT_FALSE(st[1].lastResultAt);
  EXPECT_EQ(st[2].name, "eth1");
  EXPECT_EQ(st[2].lastResult, "eth1 does not exist");
  EXPECT_TRUE(st[2].causesFault);
}

TEST_F(TrackerSetTest, MemoryTrackerMovesPriorityByItsWeight) {
  const auto meminfo = dir.write("meminfo", "MemTotal: 1000 kB\nMemFree: 800 kB\nMemAvailable: 900 kB\n");
  MemoryTrackerParams p;
  p.name = "mem";
  p.metric = MemoryMetric::Free;
  p.minPercent = 50;
  p.interval = 2s;
  p.weight = -15;
  p.meminfoPath = meminfo;
  std::vector<std::unique_ptr<Tracker>> trackers;
  trackers.push_back(std::make_unique<MemoryTracker>(p, clock, clock));
  TrackerSet set("VI_1", 100, std::move(trackers), [this](const PriorityResult& r) { reports.push_back(r); });
  set.start();
  ASSERT_EQ(reports.size(), 1u);  // one report at start, though the tracker flipped inside it
  EXPECT_EQ(reports.back().effectivePriority, 100);
  dir.write("meminfo", "MemTotal: 1000 kB\nMemFree: 100 kB\nMemAvailable: 900 kB\n");
  clock.advance(2s);
  ASSERT_EQ(reports.size(), 2u);
  EXPECT_EQ(reports.back().effectivePriority, 85);
  EXPECT_THAT(reports.back().reasons, ElementsAre("mem: failing, -15"));
}

// track_memory from the config, through makeTrackers: the seed's check done
// natively, with the entry's weight overriding the block's.
TEST_F(TrackerSetTest, TrackMemoryFromTheConfigUsesTheEntrysWeight) {
  meminfoPath = dir.write("meminfo", "MemTotal: 1000 kB\nMemFree: 600 kB\nMemAvailable: 900 kB\n");
  auto cfg = config::parseString(R"(
track_memory chk_mem {
    metric free
    min_percent 50
    interval 2
    weight 2
}
vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 51
    priority 100
    virtual_ipaddress {
        10.11.12.99
    }
    track_script {
        chk_mem weight -20
    }
}
)", "t.conf");
  ASSERT_TRUE(cfg) << cfg.error().errors.front().toString();
  auto set = build(*cfg->config, std::nullopt);
  set->start();
  EXPECT_EQ(set->current().effectivePriority, 100);  // 60 % free > 50 %: OK, a negative weight does nothing
  dir.write("meminfo", "MemTotal: 1000 kB\nMemFree: 400 kB\nMemAvailable: 900 kB\n");
  clock.advance(2s);
  EXPECT_EQ(set->current().effectivePriority, 80);
  EXPECT_EQ(set->status().at(0).kind, TrackerKind::Memory);
}

TEST_F(TrackerSetTest, AMissingSeedScriptIsDisabledAndHarmless) {
  script = "/nonexistent/etc/keepalived/check_memory.sh";
  const auto cfg = parse();
  ASSERT_TRUE(cfg);
  auto set = build(*cfg, eth1(true));
  set->start();
  EXPECT_EQ(runner.started(), 0u);
  EXPECT_EQ(set->current().effectivePriority, 100);
  EXPECT_FALSE(set->current().fault);
  EXPECT_EQ(set->status()[0].state, TrackerState::Disabled);
}


}  // namespace
}  // namespace havip::track
