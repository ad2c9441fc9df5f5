// Golden test: our gratuitous ARP against the frame keepalived 2.2.7 sent in
// tests/testdata/netio/keepalived_takeover.pcap (see the README there).
#include "netio/arp_frame.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

namespace havip::netio {
namespace {

std::vector<std::uint8_t> readHexFile(const std::string& path) {
  std::ifstream in(path);
  std::string text;
  std::getline(in, text);
  std::vector<std::uint8_t> bytes;
  for (std::size_t i = 0; i + 1 < text.size(); i += 2)
    bytes.push_back(static_cast<std::uint8_t>(std::stoul(text.substr(i, 2), nullptr, 16)));
  return bytes;
}

const std::vector<std::uint8_t>& keepalivedGarp() {
  static const std::vector<std::uint8_t> frame =
      readHexFile(std::string(HAVIP_TESTDATA) + "/netio/keepalived_garp.hex");
  return frame;
}

constexpr net::Ipv4Address kVip = net::Ipv4Address::fromHostOrder(0x0a0b0c63);  // 10.11.12.99

net::MacAddress macAt(const std::vector<std::uint8_t>& frame, std::size_t offset) {
  std::array<std::uint8_t, 6> octets{};
  std::copy_n(frame.begin() + static_cast<std::ptrdiff_t>(offset), 6, octets.begin());
  return net::MacAddress(octets);
}

TEST(GratuitousArp, GoldenFileIsKeepalivedsCapture) {
  // The capture script pins the backup's MAC; a different value means the hex
  // file is not the one its README describes.
  ASSERT_EQ(keepalivedGarp().size(), kGarpFrameSize);
  EXPECT_EQ(macAt(keepalivedGarp(), 6).toString(), "02:11:12:00:00:02");
}

TEST(GratuitousArp, MatchesKeepalivedByteForByte) {
  ASSERT_EQ(keepalivedGarp().size(), kGarpFrameSize);
  const net::MacAddress keepalivedMac = macAt(keepalivedGarp(), 6);
  const GarpFrame ours = buildGratuitousArp(keepalivedMac, kVip);
  EXPECT_EQ(std::vector<std::uint8_t>(ours.begin(), ours.end()), keepalivedGarp());
}

TEST(GratuitousArp, OnlyTheMacFieldsCarryOurMac) {
  ASSERT_EQ(keepalivedGarp().size(), kGarpFrameSize);
  const net::MacAddress ourMac({0x52, 0x54, 0x00, 0xaa, 0xbb, 0xcc});
  const GarpFrame ours = buildGratuitousArp(ourMac, kVip);
  // Ethernet source (6..11) and ARP sender hardware address (22..27).
  for (std::size_t i = 0; i < kGarpFrameSize; ++i) {
    const bool macField = (i >= 6 && i < 12) || (i >= 22 && i < 28);
    if (macField)
      EXPECT_EQ(ours[i], ourMac.octets()[i < 12 ? i - 6 : i - 22]) << "byte " << i;
    else
      EXPECT_EQ(ours[i], keepalivedGarp()[i]) << "byte " << i;
  }
}

TEST(GratuitousArp, VipFillsSenderAndTargetProtocolAddress) {
  const net::MacAddress mac({0x02, 0, 0, 0, 0, 1});
  const auto vip = *net::Ipv4Address::parse("192.0.2.7");
  const GarpFrame frame = buildGratuitousArp(mac, vip);
  const std::array<std::uint8_t, 4> expected{192, 0, 2, 7};
  EXPECT_TRUE(std::equal(expected.begin(), expected.end(), frame.begin() + 28));
  EXPECT_TRUE(std::equal(expected.begin(), expected.end(), frame.begin() + 38));
  EXPECT_EQ(frame[12], 0x08);  // ethertype ARP
  EXPECT_EQ(frame[13], 0x06);
  EXPECT_EQ(frame[21], kArpOpRequest);
}

}  // namespace
}  // namespace havip::netio
