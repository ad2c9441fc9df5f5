// vrrp::SyncGroup (pure) and the Router's sync gate: keepalived's
// vrrp_sync.c rules, driven by hand-made member views and a fake time line.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "vrrp/router.h"
#include "vrrp/sync_group.h"

namespace havip::vrrp {
namespace {

using Kind = SyncOrder::Kind;
using namespace std::chrono_literals;

SyncMemberView view(std::string name, State s, bool wants = false, std::optional<std::string> fault = {}) {
  return {std::move(name), s, wants, std::move(fault)};
}

std::vector<std::pair<std::string, Kind>> kinds(const std::vector<SyncOrder>& orders) {
  std::vector<std::pair<std::string, Kind>> out;
  for (const auto& o : orders) out.emplace_back(o.member, o.kind);
  return out;
}

TEST(SyncGroup, OneMemberFaultHoldsTheOthersAndAllLeaveTogether) {
  SyncGroup g("G", {"VI_1", "VI_2", "VI_3"});
  EXPECT_TRUE(g.update({view("VI_1", State::Master), view("VI_2", State::Master), view("VI_3", State::Master)})
                  .empty());
  auto orders = g.update({view("VI_1", State::Master), view("VI_2", State::Fault, false, "eth1 down"),
                          view("VI_3", State::Master)});
  EXPECT_THAT(kinds(orders), ::testing::ElementsAre(std::pair{std::string("VI_1"), Kind::HoldFault},
                                                    std::pair{std::string("VI_3"), Kind::HoldFault}));
  EXPECT_EQ(orders[0].reason, "sync group G: VI_2 is in FAULT (eth1 down)");
  EXPECT_EQ(g.state(), State::Fault);
  EXPECT_TRUE(g.holding("VI_1"));
  EXPECT_FALSE(g.holding("VI_2"));
  // Carried out: no more orders while the fault lasts.
  EXPECT_TRUE(g.update({view("VI_1", State::Fault), view("VI_2", State::Fault, false, "eth1 down"),
                        view("VI_3", State::Fault)})
                  .empty());
  // Cleared: every held member is released, all go BACKUP and elect afresh.
  orders = g.update({view("VI_1", State::Fault), view("VI_2", State::Backup), view("VI_3", State::Fault)});
  EXPECT_THAT(kinds(orders), ::testing::ElementsAre(std::pair{std::string("VI_1"), Kind::ReleaseFault},
                                                    std::pair{std::string("VI_3"), Kind::ReleaseFault}));
  EXPECT_TRUE(g.update({view("VI_1", State::Backup), view("VI_2", State::Backup), view("VI_3", State::Backup)})
                  .empty());
  EXPECT_EQ(g.state(), State::Backup);
}

TEST(SyncGroup, TwoOwnFaultsHoldEachOtherUntilBothClear) {
  SyncGroup g("G", {"A", "B"});
  g.update({view("A", State::Fault, false, "a down"), view("B", State::Backup)});
  auto orders = g.update({view("A", State::Fault, false, "a down"), view("B", State::Fault, false, "b down")});
  EXPECT_THAT(kinds(orders), ::testing::ElementsAre(std::pair{std::string("A"), Kind::HoldFault}));
  // A's own cause clears; B's still holds A. B, the only faulty one, is no
  // longer held by the group (its own cause keeps it in FAULT).
  orders = g.update({view("A", State::Fault), view("B", State::Fault, false, "b down")});
  EXPECT_THAT(kinds(orders), ::testing::ElementsAre(std::pair{std::string("B"), Kind::ReleaseFault}));
  EXPECT_TRUE(g.holding("A"));
  orders = g.update({view("A", State::Fault), view("B", State::Fault)});
  EXPECT_THAT(kinds(orders), ::testing::ElementsAre(std::pair{std::string("A"), Kind::ReleaseFault}));
}

TEST(SyncGroup, MasterOnlyWhenEveryMemberWantsIt) {
  SyncGroup g("G", {"VI_1", "VI_2"});
  EXPECT_TRUE(g.update({view("VI_1", State::Backup), view("VI_2", State::Backup)}).empty());
  // VI_1's down timer expired, VI_2 still hears its master: nobody moves.
  EXPECT_TRUE(g.update({view("VI_1", State::Backup, true), view("VI_2", State::Backup)}).empty());
  auto orders = g.update({view("VI_1", State::Backup, true), view("VI_2", State::Backup, true)});
  EXPECT_THAT(kinds(orders), ::testing::ElementsAre(std::pair{std::string("VI_1"), Kind::Promote},
                                                    std::pair{std::string("VI_2"), Kind::Promote}));
  EXPECT_EQ(orders[0].reason, "sync group G: every member wants MASTER");
  EXPECT_EQ(g.state(), State::Master);
}

TEST(SyncGroup, AMasterPullsTheOthersAndABackupPushesThem) {
  SyncGroup g("G", {"VI_1", "VI_2"});
  g.update({view("VI_1", State::Backup), view("VI_2", State::Backup)});
  // An owner or an admin take-over made VI_2 MASTER: VI_1 follows.
  auto orders = g.update({view("VI_1", State::Backup), view("VI_2", State::Master)});
  EXPECT_THAT(kinds(orders), ::testing::ElementsAre(std::pair{std::string("VI_1"), Kind::Promote}));
  EXPECT_EQ(orders[0].reason, "sync group G: VI_2 is MASTER");
  g.update({view("VI_1", State::Master), view("VI_2", State::Master)});
  // VI_1 hears a higher priority: it goes BACKUP, VI_2 is sent there too.
  orders = g.update({view("VI_1", State::Backup), view("VI_2", State::Master)});
  EXPECT_THAT(kinds(orders), ::testing::ElementsAre(std::pair{std::string("VI_2"), Kind::Demote}));
  EXPECT_EQ(orders[0].reason, "sync group G: VI_1 went BACKUP");
  EXPECT_TRUE(g.update({view("VI_1", State::Backup), view("VI_2", State::Backup)}).empty());
  EXPECT_EQ(g.state(), State::Backup);
}

TEST(SyncGroup, NoPromotionWhileAMemberIsFaulty) {
  SyncGroup g("G", {"VI_1", "VI_2"});
  auto orders = g.update({view("VI_1", State::Backup, true), view("VI_2", State::Fault, false, "down")});
  EXPECT_THAT(kinds(orders), ::testing::ElementsAre(std::pair{std::string("VI_1"), Kind::HoldFault}));
}

RouterConfig routerConfig() {
  RouterConfig c;
  c.name = "VI_1";
  c.vrid = 51;
  c.priority = 100;
  c.primaryAddress = *net::Ipv4Address::parse("10.11.12.2");
  c.vips = {*net::Ipv4Address::parse("10.11.12.99")};
  return c;
}

bool changedTo(const Actions& actions, State s) {
  for (const auto& a : actions)
    if (const auto* c = std::get_if<StateChanged>(&a); c && c->to == s) return true;
  return false;
}

TEST(RouterSyncGate, GatedBackupOnlyWantsMasterAndWaitsAgain) {
  Router r(routerConfig());
  r.setSyncGated(true);
  const TimePoint t0{};
  r.start(t0);
  const auto mdi = r.masterDownInterval();  // 3 s + skew (0.609 s)
  auto acts = r.onTimer(t0 + mdi);
  EXPECT_FALSE(changedTo(acts, State::Master));
  EXPECT_EQ(r.state(), State::Backup);
  EXPECT_TRUE(r.wantsMaster());
  EXPECT_EQ(r.nextDeadline(), t0 + mdi + mdi);
  // An accepted advert: wants BACKUP again (keepalived vrrp_state_backup).
  Advert a;
  a.vrid = 51;
  a.priority = 150;
  a.advertIntervalSec = 1;
  a.addresses = routerConfig().vips;
  r.onAdvert(a, *net::Ipv4Address::parse("10.11.12.3"), t0 + mdi + 1s);
  EXPECT_FALSE(r.wantsMaster());
}

TEST(RouterSyncGate, PromoteAndDemote) {
  Router r(routerConfig());
  r.setSyncGated(true);
  const TimePoint t0{};
  r.start(t0);
  r.onTimer(t0 + r.masterDownInterval());
  auto acts = r.promote(t0 + 4s, "sync group G: every member wants MASTER");
  EXPECT_TRUE(changedTo(acts, State::Master));
  const auto* changed = std::get_if<StateChanged>(&acts.front());
  ASSERT_NE(changed, nullptr);
  EXPECT_EQ(changed->reason, "sync group G: every member wants MASTER; master down: no advert for 4.000 s");
  EXPECT_FALSE(r.wantsMaster());
  acts = r.demote(t0 + 5s, "sync group G: VI_2 went BACKUP");
  EXPECT_TRUE(changedTo(acts, State::Backup));
  for (const auto& a : acts) {  // vrrp_sync_backup sends no priority 0
    if (const auto* s = std::get_if<SendAdvert>(&a)) {
      EXPECT_NE(s->advert.priority, 0);
    }
  }
  EXPECT_TRUE(r.promote(t0 + 6s, "x").size() > 0);
  EXPECT_TRUE(r.promote(t0 + 6s, "again").empty());  // already Master
}

TEST(RouterSyncGate, UngatedBehavesAsBefore) {
  Router r(routerConfig());
  const TimePoint t0{};
  r.start(t0);
  EXPECT_TRUE(changedTo(r.onTimer(t0 + r.masterDownInterval()), State::Master));
}

}  // namespace
}  // namespace havip::vrrp
