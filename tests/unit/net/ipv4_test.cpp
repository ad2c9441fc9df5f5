#include "net/ipv4.h"

#include <gtest/gtest.h>

namespace havip::net {
namespace {

TEST(Ipv4Address, ParsesDottedQuad) {
  auto a = Ipv4Address::parse("10.11.12.99");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->toHostOrder(), 0x0a0b0c63u);
  EXPECT_EQ(a->toString(), "10.11.12.99");
  EXPECT_EQ(Ipv4Address::parse("255.255.255.255")->toHostOrder(), 0xffffffffu);
  EXPECT_EQ(Ipv4Address::parse("0.0.0.0")->toHostOrder(), 0u);
}

TEST(Ipv4Address, RejectsAnythingElse) {
  for (const char* bad : {"", "10.11.12", "10.11.12.99.1", "10.11.12.256", "10.11.12.-1", "10..12.99",
                          " 10.11.12.99", "10.11.12.99 ", "+1.2.3.4", "1.2.3.4/24", "0001.2.3.4", "a.b.c.d",
                          "10.11.12.99."}) {
    EXPECT_FALSE(Ipv4Address::parse(bad)) << '"' << bad << '"';
  }
}

TEST(Ipv4Address, OrdersAsUnsignedIntegers) {
  // RFC 3768's tie break compares primary addresses as unsigned numbers.
  EXPECT_LT(*Ipv4Address::parse("10.11.12.1"), *Ipv4Address::parse("10.11.12.2"));
  EXPECT_LT(*Ipv4Address::parse("127.255.255.255"), *Ipv4Address::parse("128.0.0.0"));
  EXPECT_TRUE(Ipv4Address::parse("224.0.0.18")->isMulticast());
  EXPECT_EQ(kVrrpGroup.toString(), "224.0.0.18");
}

TEST(Ipv4Prefix, DefaultsToHostRoute) {
  auto p = Ipv4Prefix::parse("10.11.12.99");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->length, 32);
  EXPECT_EQ(p->toString(), "10.11.12.99/32");
  auto q = Ipv4Prefix::parse("10.11.12.99/24");
  ASSERT_TRUE(q);
  EXPECT_EQ(q->length, 24);
  EXPECT_EQ(Ipv4Prefix::parse("0.0.0.0/0")->length, 0);
}

TEST(Ipv4Prefix, RejectsBadLengths) {
  for (const char* bad : {"10.11.12.99/", "10.11.12.99/33", "10.11.12.99/-1", "10.11.12.99/2a", "10.11.12.99/024",
                          "10.11.12.99//24", "/24"}) {
    EXPECT_FALSE(Ipv4Prefix::parse(bad)) << '"' << bad << '"';
  }
}

}  // namespace
}  // namespace havip::net
