#include "netlink/fake_netlink.h"

#include <cerrno>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace havip::netlink {
namespace {

const net::Ipv4Prefix kVip = *net::Ipv4Prefix::parse("10.11.12.99/32");
const net::Ipv4Prefix kPrimary = *net::Ipv4Prefix::parse("10.11.12.1/24");

std::error_code errnoCode(int value) { return {value, std::generic_category()}; }

class FakeNetlinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    eth0_ = fake_.createLink("eth0", MacAddress({0x02, 0, 0x0a, 0x0b, 0x0c, 0x01}));
    fake_.externalAdd(eth0_, kPrimary);
    ASSERT_TRUE(fake_.start([this](const Event& e) { events_.push_back(e); }));
  }

  std::vector<Event> take() {
    fake_.deliverEvents();
    return std::exchange(events_, {});
  }

  FakeNetlink fake_;
  int eth0_ = 0;
  std::vector<Event> events_;
};

TEST_F(FakeNetlinkTest, AddIsIdempotentAndAnnouncedOnce) {
  ASSERT_TRUE(fake_.add(eth0_, kVip, ""));
  EXPECT_EQ(fake_.pendingNotifications(), 1u) << "queued, not delivered inside add()";
  EXPECT_TRUE(events_.empty());
  ASSERT_TRUE(fake_.add(eth0_, kVip, "")) << "EEXIST counts as success";
  EXPECT_EQ(fake_.requestCount(), 2u);

  const auto events = take();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0], Event(AddressEvent{true, AddressInfo{eth0_, kVip, "eth0", false}}));
  auto listed = fake_.list(eth0_);
  ASSERT_TRUE(listed);
  EXPECT_EQ(listed->size(), 2u);
}

TEST_F(FakeNetlinkTest, RemoveIsIdempotent) {
  ASSERT_TRUE(fake_.add(eth0_, kVip, "eth0:vip"));
  ASSERT_TRUE(fake_.remove(eth0_, kVip));
  ASSERT_TRUE(fake_.remove(eth0_, kVip)) << "EADDRNOTAVAIL counts as success";
  const auto events = take();
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1], Event(AddressEvent{false, AddressInfo{eth0_, kVip, "eth0:vip", false}}));
  EXPECT_EQ(fake_.list(eth0_)->size(), 1u);
}

TEST_F(FakeNetlinkTest, KernelErrors) {
  EXPECT_EQ(fake_.add(99, kVip, "").error(), errnoCode(ENODEV));
  EXPECT_EQ(fake_.remove(99, kVip).error(), errnoCode(ENODEV));
  EXPECT_EQ(fake_.add(eth0_, kVip, "sixteen-bytes-xx").error(), errnoCode(EINVAL));
  fake_.failNext(errnoCode(ENOBUFS));
  EXPECT_EQ(fake_.add(eth0_, kVip, "").error(), errnoCode(ENOBUFS));
  EXPECT_TRUE(fake_.list(eth0_)->size() == 1u) << "a failed add changes nothing";
  EXPECT_TRUE(fake_.add(eth0_, kVip, "")) << "only the next call fails";
}

TEST_F(FakeNetlinkTest, LinkLookup) {
  auto byName = fake_.byName("eth0");
  ASSERT_TRUE(byName);
  EXPECT_EQ(byName->ifindex, eth0_);
  EXPECT_EQ(byName->mac->toString(), "02:00:0a:0b:0c:01");
  EXPECT_TRUE(byName->usable());
  EXPECT_EQ(fake_.byName("eth9").error(), errnoCode(ENODEV));
  EXPECT_EQ(fake_.byIndex(eth0_)->name, "eth0");
  EXPECT_EQ(fake_.byIndex(1234).error(), errnoCode(ENODEV));
}

TEST_F(FakeNetlinkTest, PrimaryAddressIsTheFirstNonSecondary) {
  ASSERT_TRUE(fake_.add(eth0_, *net::Ipv4Prefix::parse("10.11.12.2/24"), ""));
  ASSERT_TRUE(fake_.add(eth0_, kVip, ""));
  auto listed = *fake_.list(eth0_);
  ASSERT_EQ(listed.size(), 3u);
  EXPECT_EQ(listed[0].prefix, kPrimary);
  EXPECT_EQ(listed[1].prefix, kVip) << "a /32 is its own subnet: primary";
  EXPECT_TRUE(listed[2].secondary) << "same /24 as 10.11.12.1";
  EXPECT_EQ(fake_.primaryAddress(eth0_), kPrimary.address);

  // Without promote_secondaries the primary takes its secondary with it.
  fake_.externalRemove(eth0_, kPrimary);
  EXPECT_EQ(fake_.primaryAddress(eth0_), kVip.address);
  EXPECT_EQ(fake_.list(eth0_)->size(), 1u);

  const int eth1 = fake_.createLink("eth1");
  EXPECT_EQ(fake_.primaryAddress(eth1).error(), errnoCode(EADDRNOTAVAIL));
  EXPECT_EQ(fake_.primaryAddress(777).error(), errnoCode(ENODEV));
}

TEST_F(FakeNetlinkTest, LinkDownUpAndHandRemovalAreEvents) {
  fake_.setCarrier(eth0_, false);
  fake_.setCarrier(eth0_, true);
  fake_.setAdminUp(eth0_, false);
  ASSERT_TRUE(fake_.add(eth0_, kVip, ""));
  fake_.externalRemove(eth0_, kVip);

  const auto events = take();
  ASSERT_EQ(events.size(), 5u);
  EXPECT_EQ(std::get<LinkEvent>(events[0]).change, LinkChange::Down);
  EXPECT_EQ(std::get<LinkEvent>(events[1]).change, LinkChange::Up);
  EXPECT_EQ(std::get<LinkEvent>(events[2]).change, LinkChange::Down);
  EXPECT_FALSE(std::get<LinkEvent>(events[2]).link.up);
  EXPECT_TRUE(std::get<AddressEvent>(events[3]).added);
  EXPECT_FALSE(std::get<AddressEvent>(events[4]).added);
  EXPECT_EQ(std::get<AddressEvent>(events[4]).address.prefix, kVip);
}

TEST_F(FakeNetlinkTest, RecreatedLinkHasANewIndex) {
  ASSERT_TRUE(fake_.add(eth0_, kVip, ""));
  take();
  fake_.deleteLink(eth0_);
  const int again = fake_.createLink("eth0");
  EXPECT_NE(again, eth0_);

  const auto events = take();
  ASSERT_EQ(events.size(), 4u);
  EXPECT_FALSE(std::get<AddressEvent>(events[0]).added);
  EXPECT_FALSE(std::get<AddressEvent>(events[1]).added);
  EXPECT_EQ(std::get<LinkEvent>(events[2]), (LinkEvent{LinkChange::Deleted, std::get<LinkEvent>(events[2]).link}));
  EXPECT_EQ(std::get<LinkEvent>(events[2]).link.ifindex, eth0_);
  EXPECT_EQ(std::get<LinkEvent>(events[3]).change, LinkChange::Created);
  EXPECT_EQ(std::get<LinkEvent>(events[3]).link.ifindex, again);
  EXPECT_EQ(fake_.add(eth0_, kVip, "").error(), errnoCode(ENODEV)) << "the old ifindex is gone for good";
}

TEST_F(FakeNetlinkTest, LostNotificationsAreResynced) {
  ASSERT_TRUE(fake_.add(eth0_, kVip, ""));
  fake_.setCarrier(eth0_, false);
  fake_.loseNotifications();
  EXPECT_EQ(fake_.pendingNotifications(), 0u);
  const auto events = take();
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(std::get<LinkEvent>(events[0]).change, LinkChange::Down);
  EXPECT_EQ(std::get<AddressEvent>(events[1]).address.prefix, kVip);
  EXPECT_TRUE(std::holds_alternative<ResyncEvent>(events[2]));
}

TEST_F(FakeNetlinkTest, StopFromInsideTheHandlerStopsDelivery) {
  int calls = 0;
  fake_.start([&](const Event&) {
    ++calls;
    fake_.stop();
  });
  fake_.setCarrier(eth0_, false);
  fake_.setCarrier(eth0_, true);
  EXPECT_EQ(fake_.deliverEvents(), 1u);
  EXPECT_EQ(calls, 1);
}

TEST(FakeNetlink, StartTakesExistingStateAsBaseline) {
  FakeNetlink fake;
  const int eth0 = fake.createLink("eth0");
  fake.externalAdd(eth0, kPrimary);
  std::vector<Event> events;
  ASSERT_TRUE(fake.start([&](const Event& e) { events.push_back(e); }));
  EXPECT_EQ(fake.deliverEvents(), 0u);
  EXPECT_TRUE(events.empty());
}

}  // namespace
}  // namespace havip::netlink
