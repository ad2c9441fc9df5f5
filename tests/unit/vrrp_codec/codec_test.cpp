// VRRPv2 codec: golden bytes from a real keepalived 2.2.7 (tests/testdata/vrrp,
// see its README), one test per DropReason, round trips.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <vector>

#include "vrrp/advert.h"

namespace havip::vrrp {
namespace {

using Bytes = std::vector<std::uint8_t>;
using net::Ipv4Address;

Ipv4Address ip(const char* text) { return *Ipv4Address::parse(text); }

// Fails the calling test with the reason when the golden file is missing.
Bytes readFile(const std::string& relative) {
  const std::string path = std::string(HAVIP_TESTDATA) + "/" + relative;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    ADD_FAILURE() << "cannot read golden file " << path
                  << " (regenerate with tests/testdata/vrrp/capture-keepalived.sh)";
    return {};
  }
  return Bytes(std::istreambuf_iterator<char>(in), {});
}

// The seed's vrrp_instance VI_1, written out field by field from the seed
// document (not from decoding anything).
Advert seedAdvert(std::uint8_t priority) {
  Advert advert;
  advert.vrid = 51;
  advert.priority = priority;
  advert.authType = AuthType::SimpleText;
  advert.advertIntervalSec = 1;
  advert.addresses = {ip("10.11.12.99")};
  advert.authData = {'1', '1', '1', '1', 0, 0, 0, 0};
  return advert;
}

Expectation seedExpectation() {
  Expectation e;
  e.vrid = 51;
  e.authType = AuthType::SimpleText;
  e.authData = authDataFromPassword("1111");
  e.advertIntervalSec = 1;
  e.addresses = {ip("10.11.12.99")};
  return e;
}

// RFC 1071, written again here so tests that craft packets do not lean on
// the checksum code under test. Checked against keepalived's bytes below.
std::uint16_t referenceChecksum(const Bytes& bytes, std::size_t from, std::size_t to) {
  std::uint32_t sum = 0;
  for (std::size_t i = from; i < to; i += 2) {
    std::uint32_t word = std::uint32_t{bytes[i]} << 8;
    if (i + 1 < to) word |= bytes[i + 1];
    sum += word;
  }
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum & 0xffff);
}

// Rewrites the VRRP checksum of a packet with a 20-byte IP header after a test
// has edited its VRRP fields, so the edit, not the checksum, is what is tested.
void refreshVrrpChecksum(Bytes& packet, std::size_t ipHeaderSize = 20) {
  packet[ipHeaderSize + 6] = 0;
  packet[ipHeaderSize + 7] = 0;
  const auto sum = referenceChecksum(packet, ipHeaderSize, packet.size());
  packet[ipHeaderSize + 6] = static_cast<std::uint8_t>(sum >> 8);
  packet[ipHeaderSize + 7] = static_cast<std::uint8_t>(sum);
}

Bytes masterGolden() { return readFile("vrrp/keepalived-master-advert.bin"); }
Bytes stopGolden() { return readFile("vrrp/keepalived-stop-advert.bin"); }

// ---------------------------------------------------------------- golden bytes

TEST(KeepalivedGolden, FilesHaveTheExpectedShape) {
  for (const auto& golden : {masterGolden(), stopGolden()}) {
    ASSERT_EQ(golden.size(), 40u);  // 20 IP + 8 VRRP + 4 address + 8 auth
    EXPECT_EQ(referenceChecksum(golden, 0, 20), 0) << "IP header checksum";
    EXPECT_EQ(referenceChecksum(golden, 20, golden.size()), 0) << "VRRP checksum";
  }
}

TEST(KeepalivedGolden, MasterAdvertDecodesToTheSeedInstance) {
  const auto golden = masterGolden();
  auto received = decodePacket(golden);
  ASSERT_TRUE(received) << toString(received.error());
  EXPECT_EQ(received->source, ip("10.11.12.1"));
  EXPECT_EQ(received->destination, ip("224.0.0.18"));
  EXPECT_EQ(received->ttl, 255);
  const Advert& a = received->advert;
  EXPECT_EQ(a.vrid, 51);
  EXPECT_EQ(a.priority, 100);
  EXPECT_EQ(a.authType, AuthType::SimpleText);
  EXPECT_EQ(std::string(a.authData.begin(), a.authData.begin() + 4), "1111");
  EXPECT_EQ(a.authData, authDataFromPassword("1111"));
  EXPECT_EQ(a.advertIntervalSec, 1);
  EXPECT_THAT(a.addresses, ::testing::ElementsAre(ip("10.11.12.99")));
  EXPECT_EQ(validate(a, seedExpectation()), std::nullopt);
}

TEST(KeepalivedGolden, StopAdvertDecodesWithPriorityZero) {
  auto received = decodePacket(stopGolden());
  ASSERT_TRUE(received) << toString(received.error());
  EXPECT_EQ(received->source, ip("10.11.12.1"));
  EXPECT_EQ(received->advert, seedAdvert(0));
  EXPECT_EQ(validate(received->advert, seedExpectation()), std::nullopt);
}

TEST(KeepalivedGolden, EncodeEqualsKeepalivedVrrpBytesExactly) {
  const auto master = masterGolden();
  const auto stop = stopGolden();
  ASSERT_EQ(master.size(), 40u);
  ASSERT_EQ(stop.size(), 40u);
  EXPECT_EQ(encode(seedAdvert(100)), Bytes(master.begin() + 20, master.end()));
  EXPECT_EQ(encode(seedAdvert(0)), Bytes(stop.begin() + 20, stop.end()));
}

// The only bytes of a whole packet that may differ from keepalived's are the
// IP identification (bytes 4-5: keepalived counts its own adverts from 1 per
// instance, havip's caller picks the id) and, because it covers them, the IP
// header checksum (bytes 10-11). Everything else — TOS 0xc0, DF clear, TTL
// 255, protocol 112, addresses, the whole VRRP message — is byte-identical.
void expectSameAsKeepalived(const Bytes& golden, std::uint8_t priority) {
  ASSERT_EQ(golden.size(), 40u);
  const std::uint16_t keepalivedId = static_cast<std::uint16_t>((golden[4] << 8) | golden[5]);

  // Same identification: the whole packet, IP checksum included, is identical.
  EXPECT_EQ(encodePacket(seedAdvert(priority), ip("10.11.12.1"), keepalivedId), golden);

  // Another identification: exactly bytes 4, 5, 10, 11 may differ.
  const std::uint16_t otherId = static_cast<std::uint16_t>(keepalivedId ^ 0x5a5a);
  const auto ours = encodePacket(seedAdvert(priority), ip("10.11.12.1"), otherId);
  ASSERT_EQ(ours.size(), golden.size());
  std::set<std::size_t> differing;
  for (std::size_t i = 0; i < ours.size(); ++i)
    if (ours[i] != golden[i]) differing.insert(i);
  const std::set<std::size_t> allowed{4, 5, 10, 11};
  EXPECT_TRUE(std::includes(allowed.begin(), allowed.end(), differing.begin(), differing.end()))
      << "bytes outside the IP id and IP checksum differ";
  EXPECT_EQ(referenceChecksum(ours, 0, 20), 0) << "our IP header checksum is wrong";
}

TEST(KeepalivedGolden, EncodePacketMatchesMasterAdvertButForIpIdAndIpChecksum) {
  expectSameAsKeepalived(masterGolden(), 100);
}

TEST(KeepalivedGolden, EncodePacketMatchesStopAdvertButForIpIdAndIpChecksum) {
  expectSameAsKeepalived(stopGolden(), 0);
}

// Every VRRP packet in keepalived's capture (Master, its stop advert, then the
// Backup taking over at 90 and stopping) decodes and passes validation.
TEST(KeepalivedGolden, EveryPacketOfTheCaptureDecodes) {
  const auto pcap = readFile("vrrp/keepalived-seed.pcap");
  ASSERT_GE(pcap.size(), 24u);
  auto le32 = [&](std::size_t at) {
    return std::uint32_t{pcap[at]} | std::uint32_t{pcap[at + 1]} << 8 |
           std::uint32_t{pcap[at + 2]} << 16 | std::uint32_t{pcap[at + 3]} << 24;
  };
  ASSERT_EQ(le32(0), 0xa1b2c3d4u) << "expected a little-endian classic pcap from tcpdump";
  ASSERT_EQ(le32(20), 1u) << "expected Ethernet link type";
  std::vector<std::uint8_t> priorities;
  std::set<std::string> sources;
  for (std::size_t at = 24; at + 16 <= pcap.size();) {
    const std::size_t captured = le32(at + 8);
    ASSERT_LE(at + 16 + captured, pcap.size());
    ASSERT_GT(captured, 14u);
    const Bytes frame(pcap.begin() + static_cast<std::ptrdiff_t>(at + 16 + 14),
                      pcap.begin() + static_cast<std::ptrdiff_t>(at + 16 + captured));
    auto received = decodePacket(frame);
    ASSERT_TRUE(received) << toString(received.error());
    EXPECT_EQ(validate(received->advert, seedExpectation()), std::nullopt);
    priorities.push_back(received->advert.priority);
    sources.insert(received->source.toString());
    at += 16 + captured;
  }
  EXPECT_THAT(priorities, ::testing::Contains(100));
  EXPECT_THAT(priorities, ::testing::Contains(90));
  EXPECT_THAT(priorities, ::testing::Contains(0));
  EXPECT_EQ(sources, (std::set<std::string>{"10.11.12.1", "10.11.12.2"}));
}

// ------------------------------------------------------- encodePacket header

TEST(EncodePacket, IpHeaderIsWhatKeepalivedSends) {
  const auto p = encodePacket(seedAdvert(100), ip("10.11.12.1"), 0x1234);
  ASSERT_EQ(p.size(), 40u);
  EXPECT_EQ(p[0], 0x45);                  // IPv4, IHL 5
  EXPECT_EQ(p[1], 0xc0);                  // TOS internetwork control
  EXPECT_EQ((p[2] << 8) | p[3], 40);      // total length
  EXPECT_EQ((p[4] << 8) | p[5], 0x1234);  // the caller's id
  EXPECT_EQ((p[6] << 8) | p[7], 0);       // DF clear, no fragment
  EXPECT_EQ(p[8], 255);
  EXPECT_EQ(p[9], 112);
  EXPECT_EQ(Bytes(p.begin() + 12, p.begin() + 16), (Bytes{10, 11, 12, 1}));
  EXPECT_EQ(Bytes(p.begin() + 16, p.begin() + 20), (Bytes{224, 0, 0, 18}));
  EXPECT_EQ(referenceChecksum(p, 0, 20), 0);
  EXPECT_EQ(referenceChecksum(p, 20, p.size()), 0);
}

// ------------------------------------------------------------- drop reasons

TEST(DropReasonNames, AreStableDistinctSnakeCase) {
  const std::vector<std::pair<DropReason, std::string_view>> names{
      {DropReason::TooShort, "too_short"},
      {DropReason::BadIpHeader, "bad_ip_header"},
      {DropReason::TtlNot255, "ttl_not_255"},
      {DropReason::VersionNot2, "version_not_2"},
      {DropReason::TypeNot1, "type_not_1"},
      {DropReason::LengthMismatch, "length_mismatch"},
      {DropReason::BadChecksum, "bad_checksum"},
      {DropReason::VridMismatch, "vrid_mismatch"},
      {DropReason::AuthTypeMismatch, "auth_type_mismatch"},
      {DropReason::PasswordMismatch, "password_mismatch"},
      {DropReason::IntervalMismatch, "interval_mismatch"},
      {DropReason::AddressMismatch, "address_mismatch"},
      {DropReason::OwnerConflict, "owner_conflict"},
  };
  ASSERT_EQ(names.size(), kDropReasonCount);
  std::set<std::string_view> seen;
  for (std::size_t i = 0; i < kDropReasonCount; ++i) {
    const auto name = toString(static_cast<DropReason>(i));
    EXPECT_TRUE(seen.insert(name).second) << name << " used twice";
    EXPECT_TRUE(std::all_of(name.begin(), name.end(),
                            [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; }))
        << name;
  }
  for (const auto& [reason, name] : names) EXPECT_EQ(toString(reason), name);
}

class CraftedPacket : public ::testing::Test {
 protected:
  Bytes good = encodePacket(seedAdvert(100), ip("10.11.12.1"), 7);

  DropReason decodeError(const Bytes& packet) {
    auto r = decodePacket(packet);
    EXPECT_FALSE(r) << "decoded a packet that should have been dropped";
    return r ? DropReason{} : r.error();
  }
};

TEST_F(CraftedPacket, TheUneditedPacketDecodes) { EXPECT_TRUE(decodePacket(good)); }

TEST_F(CraftedPacket, TooShort) {
  EXPECT_EQ(decodeError(Bytes(good.begin(), good.begin() + 35)), DropReason::TooShort);
  EXPECT_EQ(decodeError({}), DropReason::TooShort);
  // Long enough in bytes, but the IP total length leaves less than 16 for VRRP.
  Bytes p = good;
  p.resize(60, 0);
  p[3] = 35;
  EXPECT_EQ(decodeError(p), DropReason::TooShort);
  EXPECT_EQ(decode(Bytes(good.begin() + 20, good.begin() + 35)).error(), DropReason::TooShort);
}

TEST_F(CraftedPacket, BadIpHeader) {
  Bytes notV4 = good;
  notV4[0] = 0x65;
  EXPECT_EQ(decodeError(notV4), DropReason::BadIpHeader);

  Bytes ihlTooSmall = good;
  ihlTooSmall[0] = 0x44;
  EXPECT_EQ(decodeError(ihlTooSmall), DropReason::BadIpHeader);

  Bytes ihlBeyondLength = good;
  ihlBeyondLength[0] = 0x4f;  // 60-byte header in a 40-byte packet
  EXPECT_EQ(decodeError(ihlBeyondLength), DropReason::BadIpHeader);

  Bytes totalBeyondBuffer = good;
  totalBeyondBuffer[3] = 41;
  EXPECT_EQ(decodeError(totalBeyondBuffer), DropReason::BadIpHeader);

  Bytes udp = good;
  udp[9] = 17;
  EXPECT_EQ(decodeError(udp), DropReason::BadIpHeader);

  Bytes fragment = good;
  fragment[6] = 0x20;  // more fragments
  EXPECT_EQ(decodeError(fragment), DropReason::BadIpHeader);
}

TEST_F(CraftedPacket, TtlNot255) {
  Bytes p = good;
  p[8] = 254;
  EXPECT_EQ(decodeError(p), DropReason::TtlNot255);
  p[8] = 1;
  EXPECT_EQ(decodeError(p), DropReason::TtlNot255);
}

TEST_F(CraftedPacket, VersionNot2) {
  Bytes p = good;
  p[20] = 0x31;  // a VRRPv3 advert
  refreshVrrpChecksum(p);
  EXPECT_EQ(decodeError(p), DropReason::VersionNot2);
}

TEST_F(CraftedPacket, TypeNot1) {
  Bytes p = good;
  p[20] = 0x22;
  refreshVrrpChecksum(p);
  EXPECT_EQ(decodeError(p), DropReason::TypeNot1);
}

TEST_F(CraftedPacket, LengthMismatch) {
  Bytes countTooHigh = good;
  countTooHigh[23] = 2;  // says two addresses, carries one
  refreshVrrpChecksum(countTooHigh);
  EXPECT_EQ(decodeError(countTooHigh), DropReason::LengthMismatch);

  Bytes countTooLow = good;
  countTooLow[23] = 0;  // says none, carries one
  refreshVrrpChecksum(countTooLow);
  EXPECT_EQ(decodeError(countTooLow), DropReason::LengthMismatch);
}

// One's complement arithmetic has two zeros: where the checksum computes to
// 0x0000, a sender that writes 0xffff is equally right (RFC 1071) and is kept.
TEST_F(CraftedPacket, ChecksumOfAllOnesIsTheOtherZero) {
  Advert a = seedAdvert(100);
  Bytes message;
  for (unsigned w = 0; w <= 0xffff; ++w) {
    a.authData[6] = static_cast<std::uint8_t>(w >> 8);
    a.authData[7] = static_cast<std::uint8_t>(w);
    message = encode(a);
    if (message[6] == 0 && message[7] == 0) break;
  }
  ASSERT_EQ(message[6], 0);
  ASSERT_EQ(message[7], 0);
  message[6] = 0xff;
  message[7] = 0xff;
  auto back = decode(message);
  ASSERT_TRUE(back) << toString(back.error());
  EXPECT_EQ(*back, a);
}

TEST_F(CraftedPacket, BadChecksum) {
  for (std::size_t i = 20; i < good.size(); ++i) {
    Bytes p = good;
    p[i] ^= 0x10;
    const auto error = decodeError(p);
    // Flipping the version/type or count byte trips an earlier check instead.
    if (i != 20 && i != 23) {
      EXPECT_EQ(error, DropReason::BadChecksum) << "byte " << i;
    }
  }
}

TEST(Validate, SeedAdvertIsAccepted) { EXPECT_EQ(validate(seedAdvert(100), seedExpectation()), std::nullopt); }

TEST(Validate, VridMismatch) {
  auto a = seedAdvert(100);
  a.vrid = 52;
  EXPECT_EQ(validate(a, seedExpectation()), DropReason::VridMismatch);
}

TEST(Validate, OwnerConflictWhenWeOwnTheAddresses) {
  auto e = seedExpectation();
  e.localIsOwner = true;
  EXPECT_EQ(validate(seedAdvert(100), e), DropReason::OwnerConflict);
  EXPECT_EQ(validate(seedAdvert(255), e), DropReason::OwnerConflict);
  EXPECT_EQ(validate(seedAdvert(0), e), DropReason::OwnerConflict);
}

TEST(Validate, AuthTypeMismatch) {
  auto a = seedAdvert(100);
  a.authType = AuthType::None;
  EXPECT_EQ(validate(a, seedExpectation()), DropReason::AuthTypeMismatch);
  a.authType = static_cast<AuthType>(7);
  EXPECT_EQ(validate(a, seedExpectation()), DropReason::AuthTypeMismatch);
}

TEST(Validate, PasswordMismatch) {
  for (const char* wrong : {"1112", "111", "11111", "", "2111"}) {
    auto a = seedAdvert(100);
    a.authData = authDataFromPassword(wrong);
    EXPECT_EQ(validate(a, seedExpectation()), DropReason::PasswordMismatch) << wrong;
  }
  auto a = seedAdvert(100);
  a.authData[7] = 'x';  // a difference in the padding counts too
  EXPECT_EQ(validate(a, seedExpectation()), DropReason::PasswordMismatch);
}

TEST(Validate, NoAuthenticationIgnoresTheAuthData) {
  auto a = seedAdvert(100);
  a.authType = AuthType::None;
  a.authData = authDataFromPassword("junk");
  auto e = seedExpectation();
  e.authType = AuthType::None;
  e.authData = {};
  EXPECT_EQ(validate(a, e), std::nullopt);
}

TEST(Validate, IntervalMismatch) {
  auto a = seedAdvert(100);
  a.advertIntervalSec = 2;
  EXPECT_EQ(validate(a, seedExpectation()), DropReason::IntervalMismatch);
}

TEST(Validate, AddressMismatchFromANonOwnerIsDropped) {
  auto other = seedAdvert(100);
  other.addresses = {ip("10.11.12.98")};
  EXPECT_EQ(validate(other, seedExpectation()), DropReason::AddressMismatch);

  auto extra = seedAdvert(100);
  extra.addresses.push_back(ip("10.11.12.98"));
  EXPECT_EQ(validate(extra, seedExpectation()), DropReason::AddressMismatch);

  auto none = seedAdvert(0);  // a stop advert is no exception (only 255 is)
  none.addresses.clear();
  EXPECT_EQ(validate(none, seedExpectation()), DropReason::AddressMismatch);
}

TEST(Validate, AddressMismatchFromTheOwnerContinues) {
  auto a = seedAdvert(255);
  a.addresses = {ip("10.11.12.98")};
  EXPECT_EQ(validate(a, seedExpectation()), std::nullopt);
  a.advertIntervalSec = 3;  // "continue processing": later checks still apply
  EXPECT_EQ(validate(a, seedExpectation()), DropReason::IntervalMismatch);
}

TEST(Validate, AddressOrderDoesNotMatter) {
  auto e = seedExpectation();
  e.addresses = {ip("10.0.0.1"), ip("10.0.0.2"), ip("10.0.0.3")};
  auto a = seedAdvert(100);
  a.addresses = {ip("10.0.0.3"), ip("10.0.0.1"), ip("10.0.0.2")};
  EXPECT_EQ(validate(a, e), std::nullopt);
  a.addresses = {ip("10.0.0.3"), ip("10.0.0.1"), ip("10.0.0.1")};  // same size, not the same set
  EXPECT_EQ(validate(a, e), DropReason::AddressMismatch);
}

TEST(Validate, ChecksFollowTheRfcOrder) {
  auto a = seedAdvert(100);
  a.vrid = 9;
  a.authType = AuthType::None;
  a.advertIntervalSec = 5;
  EXPECT_EQ(validate(a, seedExpectation()), DropReason::VridMismatch);
  a.vrid = 51;
  EXPECT_EQ(validate(a, seedExpectation()), DropReason::AuthTypeMismatch);
  a.authType = AuthType::SimpleText;
  a.addresses.clear();
  EXPECT_EQ(validate(a, seedExpectation()), DropReason::AddressMismatch);
}

// ---------------------------------------------------------------- round trips

Advert withAddresses(std::size_t count) {
  Advert a = seedAdvert(200);
  a.addresses.clear();
  for (std::size_t i = 0; i < count; ++i)
    a.addresses.push_back(Ipv4Address::fromHostOrder(0x0a000000u + static_cast<std::uint32_t>(i)));
  return a;
}

TEST(RoundTrip, ZeroAddresses) {
  const auto a = withAddresses(0);
  const auto bytes = encode(a);
  EXPECT_EQ(bytes.size(), 16u);
  EXPECT_EQ(bytes[3], 0);
  auto back = decode(bytes);
  ASSERT_TRUE(back) << toString(back.error());
  EXPECT_EQ(*back, a);
}

TEST(RoundTrip, ManyAddressesUpTo255) {
  for (std::size_t n : {1u, 2u, 20u, 255u}) {
    const auto a = withAddresses(n);
    const auto packet = encodePacket(a, ip("192.0.2.7"), 99);
    EXPECT_EQ(packet.size(), 20 + 16 + 4 * n);
    EXPECT_EQ(referenceChecksum(packet, 20, packet.size()), 0) << n;
    auto back = decodePacket(packet);
    ASSERT_TRUE(back) << n << ": " << toString(back.error());
    EXPECT_EQ(back->advert, a) << n;
    EXPECT_EQ(back->source, ip("192.0.2.7"));
  }
}

TEST(RoundTrip, EveryFieldSurvives) {
  Advert a;
  a.vrid = 255;
  a.priority = 254;
  a.authType = AuthType::None;
  a.advertIntervalSec = 255;
  a.addresses = {ip("255.255.255.255"), ip("0.0.0.0"), ip("1.2.3.4")};
  a.authData = {1, 2, 3, 4, 5, 6, 7, 8};
  auto back = decode(encode(a));
  ASSERT_TRUE(back);
  EXPECT_EQ(*back, a);  // address order is kept, not sorted
}

Bytes withIpOptions(const Bytes& packet, const Bytes& options) {
  Bytes out(packet.begin(), packet.begin() + 20);
  out.insert(out.end(), options.begin(), options.end());
  out.insert(out.end(), packet.begin() + 20, packet.end());
  out[0] = static_cast<std::uint8_t>(0x40 | (out.size() - packet.size() + 20) / 4);
  out[2] = static_cast<std::uint8_t>(out.size() >> 8);
  out[3] = static_cast<std::uint8_t>(out.size());
  return out;
}

TEST(IpOptions, RouterAlertOptionIsSkipped) {
  const auto plain = encodePacket(seedAdvert(100), ip("10.11.12.1"), 1);
  const auto p = withIpOptions(plain, {0x94, 0x04, 0x00, 0x00});
  ASSERT_EQ(p[0], 0x46);
  auto r = decodePacket(p);
  ASSERT_TRUE(r) << toString(r.error());
  EXPECT_EQ(r->advert, seedAdvert(100));
}

TEST(IpOptions, LargestHeaderIsSkipped) {
  const auto plain = encodePacket(seedAdvert(100), ip("10.11.12.1"), 1);
  const auto p = withIpOptions(plain, Bytes(40, 0x01));  // 40 NOPs: IHL 15
  ASSERT_EQ(p[0], 0x4f);
  auto r = decodePacket(p);
  ASSERT_TRUE(r) << toString(r.error());
  EXPECT_EQ(r->advert, seedAdvert(100));
}

TEST(IpOptions, OptionsDoNotHideATtlOrChecksumProblem) {
  const auto plain = encodePacket(seedAdvert(100), ip("10.11.12.1"), 1);
  auto p = withIpOptions(plain, {0x94, 0x04, 0x00, 0x00});
  p.back() ^= 0xff;
  EXPECT_EQ(decodePacket(p).error(), DropReason::BadChecksum);
  p = withIpOptions(plain, {0x94, 0x04, 0x00, 0x00});
  p[8] = 64;
  EXPECT_EQ(decodePacket(p).error(), DropReason::TtlNot255);
}

TEST(Padding, BytesBeyondTheIpTotalLengthAreIgnored) {
  auto p = encodePacket(seedAdvert(100), ip("10.11.12.1"), 1);
  p.resize(46, 0);  // Ethernet minimum-payload padding
  auto r = decodePacket(p);
  ASSERT_TRUE(r) << toString(r.error());
  EXPECT_EQ(r->advert, seedAdvert(100));
}

// ----------------------------------------------------------------- helpers

TEST(AuthDataFromPassword, PadsWithNul) {
  EXPECT_EQ(authDataFromPassword("1111"), (AuthData{'1', '1', '1', '1', 0, 0, 0, 0}));
  EXPECT_EQ(authDataFromPassword(""), AuthData{});
  EXPECT_EQ(authDataFromPassword("12345678"), (AuthData{'1', '2', '3', '4', '5', '6', '7', '8'}));
}

TEST(CodecDeathTest, BrokenPreconditionsAbortLoudly) {
  EXPECT_DEATH(authDataFromPassword("123456789"), "password longer than 8 bytes");
  EXPECT_DEATH(encode(withAddresses(256)), "more than 255 addresses");
}


TEST(PeekVrid, ReadsTheVridOfKeepalivedsAdvertAndOfBrokenPackets) {
  auto packet = readFile("vrrp/keepalived-master-advert.bin");
  ASSERT_FALSE(packet.empty());
  EXPECT_EQ(peekVrid(packet), 51);
  // Still readable when the rest is garbage: a bad checksum is charged to VRID 51.
  packet[20 + 6] ^= 0xff;
  EXPECT_EQ(peekVrid(packet), 51);
  // Truncated to the IP header plus two bytes: still there.
  EXPECT_EQ(peekVrid(std::span(packet).first(22)), 51);
}

TEST(PeekVrid, NothingWhenTheByteIsMissingOrNotIpv4) {
  auto packet = readFile("vrrp/keepalived-master-advert.bin");
  ASSERT_FALSE(packet.empty());
  EXPECT_FALSE(peekVrid(std::span(packet).first(21)));
  EXPECT_FALSE(peekVrid({}));
  packet[0] = 0x65;  // IPv6 version nibble
  EXPECT_FALSE(peekVrid(packet));
  packet[0] = 0x44;  // IHL 4: shorter than an IPv4 header
  EXPECT_FALSE(peekVrid(packet));
}

}  // namespace
}  // namespace havip::vrrp
