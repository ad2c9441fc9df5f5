#include "netio/fake_announcer.h"

#include <gtest/gtest.h>

namespace havip::netio {
namespace {

const net::MacAddress kMac({0x02, 0x11, 0x12, 0, 0, 1});
const net::Ipv4Address kVip = *net::Ipv4Address::parse("10.11.12.99");

TEST(FakeAnnouncer, RecordsTheFrameItWouldSend) {
  FakeAnnouncer announcer;
  ASSERT_TRUE(announcer.sendGratuitousArp(7, kMac, kVip));
  ASSERT_EQ(announcer.sent().size(), 1u);
  EXPECT_EQ(announcer.sent()[0].ifindex, 7);
  EXPECT_EQ(announcer.sent()[0].mac, kMac);
  EXPECT_EQ(announcer.sent()[0].vip, kVip);
  EXPECT_EQ(announcer.sent()[0].frame, buildGratuitousArp(kMac, kVip));
}

TEST(FakeAnnouncer, FailureIsReturnedAndNotRecorded) {
  FakeAnnouncer announcer;
  announcer.failWith(std::make_error_code(std::errc::network_down));
  auto r = announcer.sendGratuitousArp(7, kMac, kVip);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), std::errc::network_down);
  EXPECT_TRUE(announcer.sent().empty());
  announcer.clearFailure();
  EXPECT_TRUE(announcer.sendGratuitousArp(7, kMac, kVip));
  EXPECT_EQ(announcer.sent().size(), 1u);
}

}  // namespace
}  // namespace havip::netio
