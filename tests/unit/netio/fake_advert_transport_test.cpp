#include "netio/fake_advert_transport.h"

#include <gtest/gtest.h>

#include <vector>

namespace havip::netio {
namespace {

using Bytes = std::vector<std::uint8_t>;

// Any IPv4 packet will do: the transport moves bytes and does not decode VRRP.
// The last byte tells packets apart.
Bytes ipPacket(std::uint8_t tag, std::size_t size = 40) {
  Bytes p(size, 0);
  p[0] = 0x45;
  p[8] = 255;  // TTL
  p[9] = 112;  // protocol
  p[16] = 224;
  p[19] = 18;
  p.back() = tag;
  return p;
}

struct Arrival {
  Bytes bytes;
  int ifindex;
};

// Records what a transport's handler is given.
struct Recorder {
  std::vector<Arrival> arrivals;
  void attachTo(AdvertTransport& t) {
    t.setReceiveHandler([this](std::span<const std::uint8_t> p, int ifindex) {
      arrivals.push_back({Bytes(p.begin(), p.end()), ifindex});
    });
  }
};

TEST(FakeAdvertTransport, SentPacketsReachOtherMembersOnlyAfterDelivery) {
  FakeSegment segment;
  auto a = segment.attach(2, "eth0");
  auto b = segment.attach(3, "eth0");
  Recorder ra, rb;
  ra.attachTo(*a);
  rb.attachTo(*b);

  ASSERT_TRUE(a->send(ipPacket(1)));
  EXPECT_TRUE(rb.arrivals.empty()) << "delivered inside send()";
  EXPECT_EQ(segment.pendingCount(), 1u);

  EXPECT_EQ(segment.deliverPending(), 1u);
  ASSERT_EQ(rb.arrivals.size(), 1u);
  EXPECT_EQ(rb.arrivals[0].bytes, ipPacket(1));
  EXPECT_EQ(rb.arrivals[0].ifindex, 3) << "arrives on the receiver's own interface";
  EXPECT_TRUE(ra.arrivals.empty()) << "multicast loopback is off: no copy to the sender";

  EXPECT_EQ(a->counters().sent, 1u);
  EXPECT_EQ(b->counters().received, 1u);
  EXPECT_EQ(a->counters().received, 0u);
}

TEST(FakeAdvertTransport, SegmentRecordsEverySendWithItsSender) {
  FakeSegment segment;
  auto a = segment.attach(2, "eth0");
  auto b = segment.attach(5, "bond0");
  ASSERT_TRUE(a->send(ipPacket(1)));
  ASSERT_TRUE(b->send(ipPacket(2)));
  ASSERT_EQ(segment.sent().size(), 2u);
  EXPECT_EQ(segment.sent()[0].ifindex, 2);
  EXPECT_EQ(segment.sent()[0].interfaceName, "eth0");
  EXPECT_EQ(segment.sent()[0].bytes, ipPacket(1));
  EXPECT_EQ(segment.sent()[1].interfaceName, "bond0");
  EXPECT_EQ(segment.sent()[1].bytes, ipPacket(2));
  segment.clearSent();
  EXPECT_TRUE(segment.sent().empty());
}

TEST(FakeAdvertTransport, InjectedPacketFromAnotherInterfaceIsDroppedAndCounted) {
  FakeSegment segment;
  auto t = segment.attach(2, "eth0");
  Recorder r;
  r.attachTo(*t);
  t->inject(ipPacket(1), 3);
  EXPECT_TRUE(r.arrivals.empty());
  EXPECT_EQ(t->counters().wrongInterface, 1u);
  t->inject(ipPacket(2));
  ASSERT_EQ(r.arrivals.size(), 1u);
  EXPECT_EQ(r.arrivals[0].ifindex, 2);
  EXPECT_EQ(t->counters().received, 1u);
}

TEST(FakeAdvertTransport, OversizedPacketIsCountedAsTruncated) {
  FakeSegment segment;
  auto t = segment.attach(2, "eth0");
  Recorder r;
  r.attachTo(*t);
  t->inject(ipPacket(1, kMaxReceivedPacketSize + 1));
  t->inject(ipPacket(2, kMaxReceivedPacketSize));
  ASSERT_EQ(r.arrivals.size(), 1u);
  EXPECT_EQ(r.arrivals[0].bytes.back(), 2);
  EXPECT_EQ(t->counters().truncated, 1u);
}

TEST(FakeAdvertTransport, PacketWithoutHandlerIsCountedAsUnhandled) {
  FakeSegment segment;
  auto t = segment.attach(2, "eth0");
  t->inject(ipPacket(1));
  EXPECT_EQ(t->counters().unhandled, 1u);
  Recorder r;
  r.attachTo(*t);
  t->setReceiveHandler({});
  t->inject(ipPacket(2));
  EXPECT_EQ(t->counters().unhandled, 2u);
  EXPECT_TRUE(r.arrivals.empty());
}

TEST(FakeAdvertTransport, RejectsBytesThatAreNotIpv4) {
  FakeSegment segment;
  auto t = segment.attach(2, "eth0");
  Bytes ipv6 = ipPacket(1);
  ipv6[0] = 0x60;
  for (const Bytes& bad : {Bytes{}, Bytes(19, 0x45), ipv6}) {
    auto r = t->send(bad);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error(), std::errc::invalid_argument);
  }
  EXPECT_EQ(t->counters().sendErrors, 3u);
  EXPECT_EQ(t->counters().sent, 0u);
  EXPECT_TRUE(segment.sent().empty());
}

TEST(FakeAdvertTransport, InjectedSendFailureIsReturnedNotRecorded) {
  FakeSegment segment;
  auto t = segment.attach(2, "eth0");
  t->failSendsWith(std::make_error_code(std::errc::network_down));
  auto r = t->send(ipPacket(1));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), std::errc::network_down);
  EXPECT_TRUE(segment.sent().empty());
  EXPECT_EQ(t->counters().sendErrors, 1u);
  t->clearSendFailure();
  EXPECT_TRUE(t->send(ipPacket(2)));
  EXPECT_EQ(segment.sent().size(), 1u);
}

TEST(FakeAdvertTransport, RepliesSentFromHandlersAreDeliveredInTheSamePass) {
  FakeSegment segment;
  auto a = segment.attach(2, "eth0");
  auto b = segment.attach(2, "eth0");
  Recorder ra;
  ra.attachTo(*a);
  // b answers each packet once, like a master answering a lower-priority advert.
  b->setReceiveHandler([&b](std::span<const std::uint8_t> p, int) {
    if (p.back() == 1) {
      ASSERT_TRUE(b->send(ipPacket(2)));
    }
  });
  ASSERT_TRUE(a->send(ipPacket(1)));
  EXPECT_EQ(segment.deliverPending(), 2u);
  ASSERT_EQ(ra.arrivals.size(), 1u);
  EXPECT_EQ(ra.arrivals[0].bytes.back(), 2);
}

TEST(FakeAdvertTransport, OneTransportServesSeveralInstancesThroughOneHandler) {
  // Two VRIDs on one interface: the daemon owns the handler and dispatches.
  FakeSegment segment;
  auto peer = segment.attach(2, "eth0");
  auto ours = segment.attach(2, "eth0");
  std::vector<int> vrid51, vrid52;
  ours->setReceiveHandler([&](std::span<const std::uint8_t> p, int) {
    const std::uint8_t vrid = p[20 + 1];
    (vrid == 51 ? vrid51 : vrid52).push_back(p.back());
  });
  Bytes for51 = ipPacket(1), for52 = ipPacket(2);
  for51[21] = 51;
  for52[21] = 52;
  ASSERT_TRUE(peer->send(for51));
  ASSERT_TRUE(peer->send(for52));
  segment.deliverPending();
  EXPECT_EQ(vrid51, std::vector<int>{1});
  EXPECT_EQ(vrid52, std::vector<int>{2});
}

TEST(FakeAdvertTransport, DetachedMemberReceivesNothingAndDeadSegmentMeansNetworkDown) {
  auto segment = std::make_unique<FakeSegment>();
  auto a = segment->attach(2, "eth0");
  auto b = segment->attach(3, "eth0");
  ASSERT_TRUE(a->send(ipPacket(1)));
  b.reset();
  EXPECT_EQ(segment->deliverPending(), 1u);  // nobody left to receive it: no crash

  segment.reset();
  auto r = a->send(ipPacket(2));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), std::errc::network_down);
}

}  // namespace
}  // namespace havip::netio
