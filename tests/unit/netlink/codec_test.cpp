#include "netlink/codec.h"

#include <cerrno>
#include <random>

#include <gtest/gtest.h>

#include "golden.h"
#include "netlink/interfaces.h"

namespace havip::netlink {
namespace {

using testing::golden;
using testing::load32;
using testing::store32;

constexpr std::size_t kSeqOffset = 8;
// In the capture namespace lo is ifindex 1 and eth0 ifindex 2.
constexpr int kCapturedEth0 = 2;
const net::Ipv4Prefix kVip = *net::Ipv4Prefix::parse("10.11.12.99/32");

template <typename T>
const T& bodyAs(const Message& message) {
  const T* body = std::get_if<T>(&message.body);
  EXPECT_NE(body, nullptr) << "unexpected body kind " << message.body.index();
  static const T empty{};
  return body != nullptr ? *body : empty;
}

// --- Builders against iproute2's bytes ------------------------------------------

TEST(CodecGolden, AddMatchesIproute2ExceptSequence) {
  const auto expected = golden("ip_addr_add_vip.tx.bin");
  ASSERT_EQ(expected.size(), 40u) << "capture missing or changed; see tests/testdata/netlink/README.md";
  // nlmsg_seq is the only field that differs: iproute2 seeds it with time(NULL).
  auto built = buildAddAddress(load32(expected, kSeqOffset), kCapturedEth0, kVip);
  ASSERT_TRUE(built.has_value());
  EXPECT_EQ(*built, expected);
}

TEST(CodecGolden, AddWithLabelMatchesIproute2ExceptSequence) {
  const auto expected = golden("ip_addr_add_vip_label.tx.bin");
  ASSERT_EQ(expected.size(), 56u);
  auto built = buildAddAddress(load32(expected, kSeqOffset), kCapturedEth0, kVip, "eth0:vip");
  ASSERT_TRUE(built.has_value());
  EXPECT_EQ(*built, expected);
}

TEST(CodecGolden, RemoveMatchesIproute2ExceptSequence) {
  const auto expected = golden("ip_addr_del_vip.tx.bin");
  ASSERT_EQ(expected.size(), 40u);
  auto built = buildRemoveAddress(load32(expected, kSeqOffset), kCapturedEth0, kVip);
  ASSERT_TRUE(built.has_value());
  EXPECT_EQ(*built, expected);
}

TEST(CodecGolden, DifferentSequenceChangesOnlyTheSequenceBytes) {
  const auto a = *buildAddAddress(1, kCapturedEth0, kVip);
  const auto b = *buildAddAddress(0x01020304, kCapturedEth0, kVip);
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (i >= kSeqOffset && i < kSeqOffset + 4) continue;
    EXPECT_EQ(a[i], b[i]) << "byte " << i;
  }
  EXPECT_EQ(load32(b, kSeqOffset), 0x01020304u);
}

TEST(CodecGolden, AddressDumpIsIproute2sMessageWithoutItsPadding) {
  const auto sent = golden("ip_getaddr_dump.tx.bin");
  ASSERT_GE(sent.size(), 24u);
  const auto length = load32(sent, 0);
  ASSERT_EQ(length, 24u);
  // iproute2 passes its whole request struct to sendto(); the bytes past
  // nlmsg_len are zeros the kernel never reads.
  for (std::size_t i = length; i < sent.size(); ++i) ASSERT_EQ(sent[i], 0) << "byte " << i;
  const std::vector<std::uint8_t> message(sent.begin(), sent.begin() + length);
  EXPECT_EQ(buildAddressDump(load32(sent, kSeqOffset)), message);
}

TEST(CodecGolden, LinkDumpDiffersFromIproute2OnlyInFamilyAndExtMask) {
  auto expected = golden("ip_getlink_dump.tx.bin");
  ASSERT_EQ(expected.size(), 40u);
  // `ip link show` asks with ifi_family AF_PACKET and IFLA_EXT_MASK =
  // RTEXT_FILTER_VF; we ask with AF_UNSPEC and RTEXT_FILTER_SKIP_STATS.
  ASSERT_EQ(expected[16], 17) << "AF_PACKET";
  ASSERT_EQ(load32(expected, 36), 1u) << "RTEXT_FILTER_VF";
  expected[16] = 0;
  store32(expected, 36, 8);
  EXPECT_EQ(buildLinkDump(load32(expected, kSeqOffset)), expected);
}

TEST(CodecBuild, RejectsWhatTheKernelWould) {
  EXPECT_EQ(buildAddAddress(1, 0, kVip).error(), std::errc::invalid_argument);
  EXPECT_EQ(buildAddAddress(1, -3, kVip).error(), std::errc::invalid_argument);
  EXPECT_EQ(buildAddAddress(1, 2, net::Ipv4Prefix{kVip.address, 33}).error(), std::errc::invalid_argument);
  EXPECT_EQ(buildAddAddress(1, 2, kVip, "a-label-of-16-by").error(), std::errc::invalid_argument);
  EXPECT_TRUE(buildAddAddress(1, 2, kVip, "label-of-15-byt").has_value());
  EXPECT_EQ(buildRemoveAddress(1, 0, kVip).error(), std::errc::invalid_argument);
}

TEST(CodecBuild, OwnRequestsParseBackAsTheirAddress) {
  const auto bytes = *buildAddAddress(9, 7, *net::Ipv4Prefix::parse("192.0.2.1/24"), "eth1:x");
  auto parsed = parseMessage(bytes);
  ASSERT_TRUE(parsed.has_value()) << parsed.error().toString();
  const auto& address = bodyAs<AddressMessage>(*parsed);
  EXPECT_FALSE(address.deleted);
  EXPECT_EQ(address.address.ifindex, 7);
  EXPECT_EQ(address.address.prefix.toString(), "192.0.2.1/24");
  EXPECT_EQ(address.address.label, "eth1:x");
  EXPECT_EQ(parsed->header.seq, 9u);
}

// --- Parsers on the kernel's own replies ------------------------------------------

TEST(CodecParse, AckFromKernel) {
  const auto bytes = golden("ack.rx.bin");
  ASSERT_FALSE(bytes.empty());
  auto parsed = parseMessages(bytes);
  ASSERT_TRUE(parsed.has_value()) << parsed.error().toString();
  ASSERT_EQ(parsed->size(), 1u);
  EXPECT_EQ(bodyAs<ErrorMessage>(parsed->front()).error, 0);
  // The ACK answers the add request captured in the same run.
  EXPECT_EQ(parsed->front().header.seq, load32(golden("ip_addr_add_vip.tx.bin"), kSeqOffset));
}

TEST(CodecParse, EexistWithExtendedAck) {
  auto parsed = parseMessage(golden("error_eexist.rx.bin"));
  ASSERT_TRUE(parsed.has_value()) << parsed.error().toString();
  const auto& error = bodyAs<ErrorMessage>(*parsed);
  EXPECT_EQ(error.error, EEXIST);
  EXPECT_EQ(error.extAck, "ipv4: Address already assigned");
}

TEST(CodecParse, EaddrnotavailWithExtendedAck) {
  auto parsed = parseMessage(golden("error_eaddrnotavail.rx.bin"));
  ASSERT_TRUE(parsed.has_value()) << parsed.error().toString();
  const auto& error = bodyAs<ErrorMessage>(*parsed);
  EXPECT_EQ(error.error, EADDRNOTAVAIL);
  EXPECT_EQ(error.extAck, "ipv4: Address not found");
}

TEST(CodecParse, AddressDumpFromKernel) {
  const auto bytes = golden("newaddr_dump.rx.bin");
  auto parsed = parseMessages(bytes);
  ASSERT_TRUE(parsed.has_value()) << parsed.error().toString();
  std::vector<AddressInfo> addresses;
  for (const auto& message : *parsed) {
    EXPECT_EQ(message.header.flags & 0x2, 0x2) << "NLM_F_MULTI";
    addresses.push_back(bodyAs<AddressMessage>(message).address);
  }
  ASSERT_EQ(addresses.size(), 4u);
  EXPECT_EQ(addresses[0], (AddressInfo{1, *net::Ipv4Prefix::parse("127.0.0.1/8"), "lo", false}));
  EXPECT_EQ(addresses[1], (AddressInfo{2, *net::Ipv4Prefix::parse("10.11.12.1/24"), "eth0", false}));
  EXPECT_EQ(addresses[2], (AddressInfo{2, *net::Ipv4Prefix::parse("10.11.12.99/32"), "eth0:vip", false}));
  EXPECT_EQ(addresses[3], (AddressInfo{2, *net::Ipv4Prefix::parse("10.11.12.2/24"), "eth0", true}));
  // VRRP's source address on eth0: the first primary, not the VIP, not the secondary.
  EXPECT_EQ(choosePrimary(addresses, 2), net::Ipv4Address::parse("10.11.12.1"));
  EXPECT_EQ(choosePrimary(addresses, 1), net::Ipv4Address::parse("127.0.0.1"));
  EXPECT_EQ(choosePrimary(addresses, 3), std::nullopt);
}

TEST(CodecParse, LinkDumpFromKernel) {
  auto parsed = parseMessages(golden("newlink_dump.rx.bin"));
  ASSERT_TRUE(parsed.has_value()) << parsed.error().toString();
  ASSERT_EQ(parsed->size(), 2u);
  const auto& lo = bodyAs<LinkMessage>((*parsed)[0]).link;
  EXPECT_EQ(lo.ifindex, 1);
  EXPECT_EQ(lo.name, "lo");
  EXPECT_TRUE(lo.up && lo.running && lo.lowerUp);
  EXPECT_EQ(lo.operState, OperState::Unknown);
  ASSERT_TRUE(lo.mac.has_value());
  EXPECT_EQ(lo.mac->toString(), "00:00:00:00:00:00");

  const auto& eth0 = bodyAs<LinkMessage>((*parsed)[1]).link;
  EXPECT_EQ(eth0.ifindex, 2);
  EXPECT_EQ(eth0.name, "eth0");
  EXPECT_TRUE(eth0.usable());
  EXPECT_TRUE(eth0.lowerUp);
  EXPECT_EQ(eth0.operState, OperState::Up);
  ASSERT_TRUE(eth0.mac.has_value());
  EXPECT_EQ(eth0.mac->toString(), "02:00:0a:0b:0c:01");
}

TEST(CodecParse, LinkDownAndUpNotifications) {
  auto down = parseMessage(golden("event_link_down.rx.bin"));
  ASSERT_TRUE(down.has_value()) << down.error().toString();
  const auto& d = bodyAs<LinkMessage>(*down);
  EXPECT_FALSE(d.deleted);
  EXPECT_EQ(d.link.name, "eth0");
  EXPECT_FALSE(d.link.up);
  EXPECT_FALSE(d.link.usable());
  EXPECT_EQ(d.link.operState, OperState::Down);

  auto up = parseMessage(golden("event_link_up.rx.bin"));
  ASSERT_TRUE(up.has_value()) << up.error().toString();
  const auto& u = bodyAs<LinkMessage>(*up);
  EXPECT_TRUE(u.link.up);
  EXPECT_TRUE(u.link.lowerUp);
  // The first notification after `up` comes before the kernel declares the carrier (RUNNING).
  EXPECT_FALSE(u.link.running);
}

TEST(CodecParse, AddressRemovedByHandNotification) {
  auto parsed = parseMessage(golden("event_deladdr.rx.bin"));
  ASSERT_TRUE(parsed.has_value()) << parsed.error().toString();
  const auto& a = bodyAs<AddressMessage>(*parsed);
  EXPECT_TRUE(a.deleted);
  EXPECT_EQ(a.address, (AddressInfo{2, kVip, "eth0:vip", false}));
}

TEST(CodecParse, LinkDeletedNotification) {
  auto parsed = parseMessage(golden("event_dellink.rx.bin"));
  ASSERT_TRUE(parsed.has_value()) << parsed.error().toString();
  const auto& l = bodyAs<LinkMessage>(*parsed);
  EXPECT_TRUE(l.deleted);
  EXPECT_EQ(l.link.ifindex, 2);
  EXPECT_EQ(l.link.name, "eth0");
}

TEST(CodecParse, DoneAndUnknownTypes) {
  std::vector<std::uint8_t> done(20, 0);
  store32(done, 0, 20);
  done[4] = 3;  // NLMSG_DONE
  auto parsed = parseMessage(done);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_TRUE(std::holds_alternative<DoneMessage>(parsed->body));

  std::vector<std::uint8_t> noop(16, 0);
  store32(noop, 0, 16);
  noop[4] = 1;  // NLMSG_NOOP
  parsed = parseMessage(noop);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_TRUE(std::holds_alternative<IgnoredMessage>(parsed->body));
}

TEST(CodecParse, Ipv6AddressesAreIgnored) {
  auto bytes = *buildAddAddress(1, 2, kVip);
  bytes[16] = 10;  // AF_INET6
  auto parsed = parseMessage(bytes);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_TRUE(std::holds_alternative<IgnoredMessage>(parsed->body));
}

// --- Malformed input -----------------------------------------------------------

std::vector<std::string> allReplies() {
  return {"ack.rx.bin",          "error_eexist.rx.bin",   "error_eaddrnotavail.rx.bin", "newaddr_dump.rx.bin",
          "newlink_dump.rx.bin", "event_link_down.rx.bin", "event_link_up.rx.bin",     "event_deladdr.rx.bin",
          "event_dellink.rx.bin"};
}

TEST(CodecMalformed, EveryTruncationOfEveryReplyIsAnErrorNotACrash) {
  for (const auto& name : allReplies()) {
    const auto bytes = golden(name);
    ASSERT_FALSE(bytes.empty()) << name;
    const std::size_t first = load32(bytes, 0);
    for (std::size_t cut = 0; cut < first; ++cut) {
      const std::span<const std::uint8_t> head(bytes.data(), cut);
      EXPECT_FALSE(parseMessage(head).has_value()) << name << " cut at " << cut;
      EXPECT_FALSE(parseMessages(head).has_value()) << name << " cut at " << cut;
    }
  }
}

TEST(CodecMalformed, ShrunkLengthFieldNeverReadsPastIt) {
  // nlmsg_len consistent with the buffer, but cutting the body anywhere: the
  // parser sees a short body and must judge it from the bytes it has.
  for (const auto& name : allReplies()) {
    const auto bytes = golden(name);
    const std::size_t first = load32(bytes, 0);
    for (std::size_t cut = 16; cut < first; ++cut) {
      std::vector<std::uint8_t> shrunk(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(cut));
      store32(shrunk, 0, static_cast<std::uint32_t>(cut));
      auto parsed = parseMessage(shrunk);
      if (!parsed) {
        EXPECT_FALSE(parsed.error().reason.empty());
      }
    }
  }
}

TEST(CodecMalformed, SpecificDefectsAreNamed) {
  const auto add = *buildAddAddress(1, 2, kVip, "eth0:vip");  // LOCAL at 24, LABEL at 32, ADDRESS at 48

  auto tooShortLength = add;
  store32(tooShortLength, 0, 15);
  EXPECT_FALSE(parseMessage(tooShortLength).has_value());

  auto tooLongLength = add;
  store32(tooLongLength, 0, static_cast<std::uint32_t>(add.size() + 4));
  EXPECT_FALSE(parseMessage(tooLongLength).has_value());

  auto attrTooShort = add;
  attrTooShort[24] = 3;  // nla_len < 4
  auto r = parseMessage(attrTooShort);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().offset, 24u);

  auto attrOverruns = add;
  attrOverruns[48] = 200;
  r = parseMessage(attrOverruns);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().offset, 48u);

  auto labelUnterminated = add;
  for (std::size_t i = 36; i < 48; ++i) labelUnterminated[i] = 'x';
  EXPECT_FALSE(parseMessage(labelUnterminated).has_value());

  auto badPrefix = add;
  badPrefix[17] = 33;
  EXPECT_FALSE(parseMessage(badPrefix).has_value());

  auto zeroIndex = add;
  store32(zeroIndex, 20, 0);
  EXPECT_FALSE(parseMessage(zeroIndex).has_value());

  auto shortAddress = add;
  shortAddress[24] = 7;  // IFA_LOCAL of 3 bytes
  EXPECT_FALSE(parseMessage(shortAddress).has_value());

  // No IFA_LOCAL and no IFA_ADDRESS: rename both types to IFA_LABEL's neighbour IFA_BROADCAST (4).
  auto noAddress = *buildAddAddress(1, 2, kVip);
  noAddress[26] = 4;
  noAddress[34] = 4;
  EXPECT_FALSE(parseMessage(noAddress).has_value());
}

TEST(CodecMalformed, BadErrorMessages) {
  auto eexist = golden("error_eexist.rx.bin");
  ASSERT_FALSE(eexist.empty());

  auto positive = eexist;
  store32(positive, 16, 17);
  EXPECT_FALSE(parseMessage(positive).has_value());

  auto echoedTooLong = eexist;
  store32(echoedTooLong, 20, 4000);
  EXPECT_FALSE(parseMessage(echoedTooLong).has_value());

  auto echoedTooShort = eexist;
  store32(echoedTooShort, 20, 8);
  EXPECT_FALSE(parseMessage(echoedTooShort).has_value());

  std::vector<std::uint8_t> truncatedBody(24, 0);
  store32(truncatedBody, 0, 24);
  truncatedBody[4] = 2;  // NLMSG_ERROR with 8 of 20 body bytes
  EXPECT_FALSE(parseMessage(truncatedBody).has_value());
}

TEST(CodecMalformed, LinkDefects) {
  auto link = golden("event_link_down.rx.bin");
  ASSERT_FALSE(link.empty());

  auto noName = link;
  ASSERT_EQ(noName[34], 3);  // IFLA_IFNAME is the first attribute, at 32
  noName[34] = 0x7f;         // an attribute type nobody knows
  EXPECT_FALSE(parseMessage(noName).has_value());

  auto unterminated = link;
  for (std::size_t i = 36; i < 41; ++i) unterminated[i] = 'e';  // "eth0\0" -> "eeeee"
  EXPECT_FALSE(parseMessage(unterminated).has_value());

  auto negativeIndex = link;
  store32(negativeIndex, 20, 0xffffffffu);
  EXPECT_FALSE(parseMessage(negativeIndex).has_value());
}

TEST(CodecMalformed, BufferLevelDefects) {
  EXPECT_FALSE(parseMessages({}).has_value());
  auto two = golden("newaddr_dump.rx.bin");
  two.push_back(0);  // one stray byte after the last message
  auto r = parseMessages(two);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().offset, two.size() - 1);
}

TEST(CodecMalformed, RandomMutationsNeverCrash) {
  // Not a fuzzer (see the report), but a deterministic sweep the unit suite runs every time.
  std::mt19937 rng(20240501);
  std::size_t accepted = 0;
  std::size_t rejected = 0;
  for (const auto& name : allReplies()) {
    const auto original = golden(name);
    for (int round = 0; round < 2000; ++round) {
      auto bytes = original;
      const int flips = 1 + static_cast<int>(rng() % 4);
      for (int f = 0; f < flips; ++f) bytes[rng() % bytes.size()] = static_cast<std::uint8_t>(rng());
      if (auto r = parseMessages(bytes)) {
        ++accepted;
      } else {
        ++rejected;
      }
    }
  }
  EXPECT_GT(rejected, 0u);
  EXPECT_GT(accepted, 0u);
}

}  // namespace
}  // namespace havip::netlink
