#include "net/mac_address.h"

#include <gtest/gtest.h>

namespace havip::net {
namespace {

TEST(MacAddress, ParsesAndPrintsBothCases) {
  auto mac = MacAddress::parse("02:11:12:aB:Cd:ef");
  ASSERT_TRUE(mac);
  EXPECT_EQ(mac->octets(), (std::array<std::uint8_t, 6>{0x02, 0x11, 0x12, 0xab, 0xcd, 0xef}));
  EXPECT_EQ(mac->toString(), "02:11:12:ab:cd:ef");
}

TEST(MacAddress, RejectsMalformedText) {
  for (const char* bad : {"", "02:11:12:00:00", "02:11:12:00:00:01:", "02-11-12-00-00-01",
                          "02:11:12:00:00:0g", "2:11:12:00:00:001", " 02:11:12:00:00:01"}) {
    EXPECT_FALSE(MacAddress::parse(bad)) << bad;
  }
}

TEST(MacAddress, BroadcastIsAllOnes) { EXPECT_EQ(kBroadcastMac.toString(), "ff:ff:ff:ff:ff:ff"); }

}  // namespace
}  // namespace havip::net
