// InterfaceTracker fed LinkEvents: usable() is OK, anything else failing.
#include "track/interface_tracker.h"

#include <gtest/gtest.h>

#include "node/fake_clock.h"

namespace havip::track {
namespace {

using netlink::LinkChange;
using netlink::LinkEvent;
using netlink::LinkInfo;

LinkInfo link(int ifindex, std::string name, bool up, bool running) {
  LinkInfo l;
  l.ifindex = ifindex;
  l.name = std::move(name);
  l.up = up;
  l.running = running;
  l.lowerUp = running;
  return l;
}

class InterfaceTrackerTest : public ::testing::Test {
 protected:
  node::FakeClock clock;
  int flips = 0;
  std::unique_ptr<InterfaceTracker> make(std::optional<LinkInfo> current, int weight = 10) {
    auto t = std::make_unique<InterfaceTracker>(InterfaceTrackerParams{"eth1", weight, false}, clock,
                                                std::move(current));
    t->setListener([this] { ++flips; });
    return t;
  }
};

TEST_F(InterfaceTrackerTest, InitialStateFromTheMirror) {
  auto up = make(link(3, "eth1", true, true));
  EXPECT_EQ(up->state(), TrackerState::Pending);
  up->start();
  EXPECT_EQ(up->state(), TrackerState::Ok);
  EXPECT_EQ(up->lastResult(), "eth1 up");
  auto absent = make(std::nullopt);
  absent->start();
  EXPECT_EQ(absent->state(), TrackerState::Failing);
  EXPECT_EQ(absent->lastResult(), "eth1 does not exist");
}

TEST_F(InterfaceTrackerTest, FollowsUpAndDownEvents) {
  auto t = make(link(3, "eth1", true, true));
  t->start();
  clock.advance(std::chrono::seconds(5));
  t->onLinkEvent({LinkChange::Down, link(3, "eth1", true, false)});
  EXPECT_EQ(t->state(), TrackerState::Failing);
  EXPECT_EQ(t->lastResult(), "eth1 down (no carrier)");
  EXPECT_EQ(t->lastResultAt(), clock.now());
  t->onLinkEvent({LinkChange::Down, link(3, "eth1", false, false)});
  EXPECT_EQ(t->lastResult(), "eth1 down (administratively)");
  t->onLinkEvent({LinkChange::Up, link(3, "eth1", true, true)});
  EXPECT_EQ(t->state(), TrackerState::Ok);
  EXPECT_EQ(flips, 3);  // pending -> up, up -> down, down -> up
}

TEST_F(InterfaceTrackerTest, IgnoresOtherInterfaces) {
  auto t = make(link(3, "eth1", true, true));
  t->start();
  t->onLinkEvent({LinkChange::Down, link(4, "eth2", true, false)});
  EXPECT_EQ(t->state(), TrackerState::Ok);
  EXPECT_EQ(t->lastResult(), "eth1 up");
}

TEST_F(InterfaceTrackerTest, DeletedThenRecreatedWithANewIndex) {
  auto t = make(link(3, "eth1", true, true));
  t->start();
  t->onLinkEvent({LinkChange::Deleted, link(3, "eth1", true, true)});
  EXPECT_EQ(t->state(), TrackerState::Failing);
  EXPECT_EQ(t->lastResult(), "eth1 does not exist");
  t->onLinkEvent({LinkChange::Created, link(9, "eth1", true, true)});
  EXPECT_EQ(t->state(), TrackerState::Ok);
}

TEST_F(InterfaceTrackerTest, RenamedAwayIsGone) {
  auto t = make(link(3, "eth1", true, true));
  t->start();
  t->onLinkEvent({LinkChange::Changed, link(3, "eth1old", true, true)});
  EXPECT_EQ(t->state(), TrackerState::Failing);
}

TEST_F(InterfaceTrackerTest, EventsBeforeStartOnlyUpdateTheSnapshot) {
  auto t = make(link(3, "eth1", true, true));
  t->onLinkEvent({LinkChange::Down, link(3, "eth1", true, false)});
  EXPECT_EQ(flips, 0);
  t->start();
  EXPECT_EQ(t->state(), TrackerState::Failing);
}

}  // namespace
}  // namespace havip::track
