// The codec against ipvsadm 1.31's own bytes (tests/testdata/ipvs), against
// replies written byte by byte from linux/ip_vs.h, and against every
// truncation and corruption of them.
#include "ipvs/codec.h"

#include <cstring>
#include <fstream>
#include <iterator>
#include <string>

#include <gtest/gtest.h>
#include <linux/ip_vs.h>
#include <linux/netlink.h>

#include "kernel_sim.h"

namespace havip::ipvs {
namespace {

using test::NlBuilder;

const net::Ipv4Address kVip = *net::Ipv4Address::parse("10.11.12.99");
const net::Ipv4Address kNoeud1 = *net::Ipv4Address::parse("192.168.100.10");
const net::Ipv4Address kNoeud2 = *net::Ipv4Address::parse("192.168.100.20");
constexpr std::uint16_t kFamily = 0x1c;

Bytes readFile(const std::string& name) {
  std::ifstream in(std::string(HAVIP_TESTDATA) + "/ipvs/" + name, std::ios::binary);
  EXPECT_TRUE(in.good()) << "missing golden file tests/testdata/ipvs/" << name;
  return Bytes(std::istreambuf_iterator<char>(in), {});
}

std::uint16_t familyOf(const Bytes& b) {
  std::uint16_t v = 0;
  std::memcpy(&v, b.data() + 4, 2);
  return v;
}
std::uint32_t seqOf(const Bytes& b) {
  std::uint32_t v = 0;
  std::memcpy(&v, b.data() + 8, 4);
  return v;
}

std::string hex(const Bytes& b) {
  std::string out;
  for (std::size_t i = 0; i < b.size(); ++i) {
    char buf[4];
    std::snprintf(buf, sizeof buf, "%02x", b[i]);
    out += buf;
    out += (i % 16 == 15) ? '\n' : ' ';
  }
  return out;
}

// Every byte equal except nlmsg_pid (12..15): libnl writes its port there, we write 0.
void expectSameAsIpvsadm(const Bytes& ours, const Bytes& theirs) {
  ASSERT_GE(theirs.size(), 16u);
  ASSERT_EQ(ours.size(), theirs.size()) << "ours:\n" << hex(ours) << "\nipvsadm:\n" << hex(theirs);
  for (std::size_t i = 12; i < 16; ++i) EXPECT_EQ(ours[i], 0) << "our nlmsg_pid must be 0";
  Bytes masked = theirs;
  std::fill(masked.begin() + 12, masked.begin() + 16, 0);
  EXPECT_EQ(ours, masked) << "ours:\n" << hex(ours) << "\nipvsadm:\n" << hex(masked);
}

Service seedService() { return Service{ServiceKey::inet(kVip, 80), "rr", 0, 0, kDefaultNetmask}; }
Destination masq(net::Ipv4Address a, std::uint32_t weight = 1) {
  return Destination{a, 80, Forwarding::Masq, weight, 0, 0, {}};
}

struct GoldenCase {
  const char* file;
  Operation op;
};

void PrintTo(const GoldenCase& c, std::ostream* os) { *os << c.file; }

class Golden : public ::testing::TestWithParam<GoldenCase> {};

TEST_P(Golden, OperationBytesEqualIpvsadms) {
  const Bytes theirs = readFile(GetParam().file);
  ASSERT_FALSE(theirs.empty());
  auto ours = buildOperation(familyOf(theirs), seqOf(theirs), GetParam().op);
  ASSERT_TRUE(ours) << ours.error().message();
  expectSameAsIpvsadm(*ours, theirs);
}

INSTANTIATE_TEST_SUITE_P(
    Ipvsadm131, Golden,
    ::testing::Values(
        // ipvsadm -A -t 10.11.12.99:80 -s rr
        GoldenCase{"add_service.tx.bin", Operation::addService(seedService())},
        // ipvsadm -a -t 10.11.12.99:80 -r 192.168.100.10:80 -m -w 1
        GoldenCase{"add_dest.tx.bin", Operation::addDestination(seedService().key, masq(kNoeud1))},
        // ipvsadm -a -t 10.11.12.99:80 -r 192.168.100.20:80 -i -w 5 -x 100 -y 10
        GoldenCase{"add_dest_tunnel.tx.bin",
                   Operation::addDestination(seedService().key,
                                             Destination{kNoeud2, 80, Forwarding::Tunnel, 5, 100, 10, {}})},
        // ipvsadm -E -t 10.11.12.99:80 -s wlc
        GoldenCase{"edit_service.tx.bin",
                   Operation::editService(Service{ServiceKey::inet(kVip, 80), "wlc", 0, 0, kDefaultNetmask})},
        // ipvsadm -e -t 10.11.12.99:80 -r 192.168.100.10:80 -m -w 0
        GoldenCase{"edit_dest.tx.bin", Operation::editDestination(seedService().key, masq(kNoeud1, 0))},
        // ipvsadm -d -t 10.11.12.99:80 -r 192.168.100.10:80: ipvsadm fills in its
        // defaults (-g, weight 1); the kernel reads only address and port.
        GoldenCase{"del_dest.tx.bin",
                   Operation::deleteDestination(seedService().key,
                                                Destination{kNoeud1, 80, Forwarding::DirectRoute, 1, 0, 0, {}})},
        // ipvsadm -D -t 10.11.12.99:80
        GoldenCase{"del_service.tx.bin", Operation::deleteService(seedService().key)},
        // ipvsadm -A -t 10.11.12.99:443 -s wlc -p 300
        GoldenCase{"add_service_persistent.tx.bin",
                   Operation::addService(Service{ServiceKey::inet(kVip, 443), "wlc", kFlagPersistent, 300,
                                                 kDefaultNetmask})},
        // ipvsadm -A -f 7 -s rr
        GoldenCase{"add_service_fwmark.tx.bin",
                   Operation::addService(Service{ServiceKey::mark(7), "rr", 0, 0, kDefaultNetmask})},
        // ipvsadm -A -u 10.11.12.99:53 -s rr
        GoldenCase{"add_service_udp.tx.bin",
                   Operation::addService(Service{ServiceKey::inet(kVip, 53, Protocol::Udp), "rr", 0, 0,
                                                 kDefaultNetmask})}),
    [](const auto& param) {
      std::string name = param.param.file;
      return name.substr(0, name.find('.'));
    });

TEST(GoldenDumps, RequestsEqualIpvsadms) {
  const Bytes info = readFile("get_info.tx.bin");
  ASSERT_FALSE(info.empty());
  expectSameAsIpvsadm(buildInfoRequest(familyOf(info), seqOf(info)), info);
  const Bytes services = readFile("service_dump.tx.bin");
  ASSERT_FALSE(services.empty());
  expectSameAsIpvsadm(buildServiceDump(familyOf(services), seqOf(services)), services);
  const Bytes dests = readFile("dest_dump.tx.bin");
  ASSERT_FALSE(dests.empty());
  expectSameAsIpvsadm(buildDestinationDump(familyOf(dests), seqOf(dests), ServiceKey::inet(kVip, 80)), dests);
}

// The derivation in tests/testdata/ipvs/README.md, as bytes: if the golden files
// are replaced by captures from another ipvsadm, this says which field moved.
TEST(GoldenDumps, AddServiceLayoutAsDerivedFromLibipvs) {
  auto ours = buildOperation(0x1c, 0x01020304, Operation::addService(seedService()));
  ASSERT_TRUE(ours);
  const Bytes expected = {
      0x68, 0x00, 0x00, 0x00, 0x1c, 0x00, 0x05, 0x00, 0x04, 0x03, 0x02, 0x01, 0x00, 0x00, 0x00, 0x00,  // nlmsghdr
      0x01, 0x01, 0x00, 0x00,                                                                          // NEW_SERVICE v1
      0x54, 0x00, 0x01, 0x80,                                                                          // SERVICE nest
      0x06, 0x00, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00,                                                  // AF_INET
      0x06, 0x00, 0x02, 0x00, 0x06, 0x00, 0x00, 0x00,                                                  // TCP
      0x14, 0x00, 0x03, 0x00, 0x0a, 0x0b, 0x0c, 0x63, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,              // ADDR[16]
      0x06, 0x00, 0x04, 0x00, 0x00, 0x50, 0x00, 0x00,                                                  // PORT be16
      0x07, 0x00, 0x06, 0x00, 'r', 'r', 0x00, 0x00,                                                    // "rr\0"
      0x0c, 0x00, 0x07, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff,                          // flags/mask
      0x08, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00,                                                  // timeout
      0x08, 0x00, 0x09, 0x00, 0xff, 0xff, 0xff, 0xff};                                                 // netmask
  EXPECT_EQ(*ours, expected) << hex(*ours);
}

TEST(Builders, RefuseWhatTheKernelWouldRefuse) {
  Service s = seedService();
  s.scheduler = "";
  EXPECT_EQ(buildOperation(kFamily, 1, Operation::addService(s)).error(), std::errc::invalid_argument);
  s.scheduler = "sixteen-chars-xx";
  EXPECT_EQ(buildOperation(kFamily, 1, Operation::editService(s)).error(), std::errc::invalid_argument);
  s.scheduler = std::string("r\0r", 3);
  EXPECT_EQ(buildOperation(kFamily, 1, Operation::addService(s)).error(), std::errc::invalid_argument);
  s.scheduler = "fifteen-chars-x";
  EXPECT_TRUE(buildOperation(kFamily, 1, Operation::addService(s)));
  EXPECT_EQ(buildOperation(kFamily, 1, Operation::addDestination(s.key, masq(kNoeud1, 0x80000000u))).error(),
            std::errc::invalid_argument);
  // The scheduler is irrelevant to a delete: the kernel reads only the key.
  EXPECT_TRUE(buildOperation(kFamily, 1, Operation::deleteService(s.key)));
}

// --- parsing replies -------------------------------------------------------------

// One service dump entry exactly as ip_vs_genl_dump_service writes it
// (linux/ip_vs.h attribute numbers; nests without NLA_F_NESTED; x86-64 puts
// u64 values without IPVS_STATS_ATTR_PAD).
Bytes handMadeServiceEntry() {
  Bytes b = {
      0x00, 0x00, 0x00, 0x00, 0x1c, 0x00, 0x02, 0x00, 0x07, 0x00, 0x00, 0x00, 0x92, 0x10, 0x00, 0x00,  // MULTI, seq 7
      0x01, 0x01, 0x00, 0x00,                                                                          // NEW_SERVICE
      0x00, 0x00, 0x01, 0x00,                                                                          // SERVICE (len later)
      0x06, 0x00, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00,                                                  // AF_INET
      0x06, 0x00, 0x02, 0x00, 0x06, 0x00, 0x00, 0x00,                                                  // TCP
      0x14, 0x00, 0x03, 0x00, 0x0a, 0x0b, 0x0c, 0x63, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,              // 10.11.12.99
      0x06, 0x00, 0x04, 0x00, 0x00, 0x50, 0x00, 0x00,                                                  // port 80
      0x07, 0x00, 0x06, 0x00, 'r', 'r', 0x00, 0x00,                                                    // rr
      0x0c, 0x00, 0x07, 0x00, 0x03, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff,                          // PERSISTENT|HASHED
      0x08, 0x00, 0x08, 0x00, 0x2c, 0x01, 0x00, 0x00,                                                  // timeout 300
      0x08, 0x00, 0x09, 0x00, 0xff, 0xff, 0xff, 0x00,                                                  // 255.255.255.0
      0x18, 0x00, 0x0a, 0x00,                                                                          // STATS (part of)
      0x08, 0x00, 0x01, 0x00, 0x05, 0x00, 0x00, 0x00,                                                  //   conns 5
      0x0c, 0x00, 0x04, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,                          //   inbytes u64
  };
  const auto nestLen = static_cast<std::uint16_t>(b.size() - 20);
  std::memcpy(&b[20], &nestLen, 2);
  const auto len = static_cast<std::uint32_t>(b.size());
  std::memcpy(&b[0], &len, 4);
  return b;
}

// One destination dump entry as ip_vs_genl_dump_dest writes it.
Bytes handMadeDestinationEntry() {
  Bytes b = {
      0x00, 0x00, 0x00, 0x00, 0x1c, 0x00, 0x02, 0x00, 0x08, 0x00, 0x00, 0x00, 0x92, 0x10, 0x00, 0x00,  // MULTI, seq 8
      0x05, 0x01, 0x00, 0x00,                                                                          // NEW_DEST
      0x00, 0x00, 0x02, 0x00,                                                                          // DEST nest
      0x14, 0x00, 0x01, 0x00, 0xc0, 0xa8, 0x64, 0x0a, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,              // 192.168.100.10
      0x06, 0x00, 0x02, 0x00, 0x1f, 0x90, 0x00, 0x00,                                                  // port 8080
      0x08, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00,                                                  // masq
      0x08, 0x00, 0x04, 0x00, 0x03, 0x00, 0x00, 0x00,                                                  // weight 3
      0x05, 0x00, 0x0d, 0x00, 0x00, 0x00, 0x00, 0x00,                                                  // tun type
      0x06, 0x00, 0x0e, 0x00, 0x00, 0x00, 0x00, 0x00,                                                  // tun port
      0x06, 0x00, 0x0f, 0x00, 0x00, 0x00, 0x00, 0x00,                                                  // tun flags
      0x08, 0x00, 0x05, 0x00, 0xc8, 0x00, 0x00, 0x00,                                                  // upper 200
      0x08, 0x00, 0x06, 0x00, 0x14, 0x00, 0x00, 0x00,                                                  // lower 20
      0x08, 0x00, 0x07, 0x00, 0x0b, 0x00, 0x00, 0x00,                                                  // active 11
      0x08, 0x00, 0x08, 0x00, 0x16, 0x00, 0x00, 0x00,                                                  // inactive 22
      0x08, 0x00, 0x09, 0x00, 0x01, 0x00, 0x00, 0x00,                                                  // persistent 1
      0x06, 0x00, 0x0b, 0x00, 0x02, 0x00, 0x00, 0x00,                                                  // AF_INET
  };
  const auto nestLen = static_cast<std::uint16_t>(b.size() - 20);
  std::memcpy(&b[20], &nestLen, 2);
  const auto len = static_cast<std::uint32_t>(b.size());
  std::memcpy(&b[0], &len, 4);
  return b;
}

TEST(Parse, HandMadeServiceEntry) {
  auto m = parseMessage(handMadeServiceEntry(), kFamily);
  ASSERT_TRUE(m) << m.error().toString();
  EXPECT_EQ(m->header.seq, 7u);
  EXPECT_EQ(m->header.flags, NLM_F_MULTI);
  const auto* s = std::get_if<ServiceMessage>(&m->body);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->service, (Service{ServiceKey::inet(kVip, 80), "rr", kFlagPersistent, 300, 0xffffff00}));
}

TEST(Parse, HandMadeDestinationEntry) {
  auto m = parseMessage(handMadeDestinationEntry(), kFamily);
  ASSERT_TRUE(m) << m.error().toString();
  const auto* d = std::get_if<DestinationMessage>(&m->body);
  ASSERT_NE(d, nullptr);
  EXPECT_FALSE(d->service.has_value());
  EXPECT_EQ(d->destination, (Destination{kNoeud1, 8080, Forwarding::Masq, 3, 200, 20, {11, 22, 1}}));
}

TEST(Parse, ShimRepliesThatIpvsadmAccepted) {
  // Replies the capture shim made with libnl for ipvsadm, which printed them
  // as "TCP 10.11.12.99:80 rr / 192.168.100.10:80 Masq 1 3 7" (README).
  auto info = parseMessage(readFile("shim_info.rx.bin"), 0x1c);
  ASSERT_TRUE(info) << info.error().toString();
  EXPECT_EQ(std::get<InfoMessage>(info->body).info, (Info{0x010201, 4096}));
  EXPECT_EQ(std::get<InfoMessage>(info->body).info.versionString(), "1.2.1");
  auto svc = parseMessage(readFile("shim_service_dump.rx.bin"), 0x1c);
  ASSERT_TRUE(svc) << svc.error().toString();
  EXPECT_EQ(std::get<ServiceMessage>(svc->body).service, seedService());
  auto dst = parseMessage(readFile("shim_dest_dump.rx.bin"), 0x1c);
  ASSERT_TRUE(dst) << dst.error().toString();
  EXPECT_EQ(std::get<DestinationMessage>(dst->body).destination,
            (Destination{kNoeud1, 80, Forwarding::Masq, 1, 0, 0, {3, 7, 0}}));
}

TEST(Parse, WholeDumpDatagramWithDone) {
  Bytes datagram;
  const Service fw{ServiceKey::mark(7), "wlc", 0, 0, kDefaultNetmask};
  for (const Bytes& m : {test::kernelService(kFamily, 9, seedService()), test::kernelService(kFamily, 9, fw),
                         test::kernelDone(9)}) {
    datagram.insert(datagram.end(), m.begin(), m.end());
  }
  auto all = parseMessages(datagram, kFamily);
  ASSERT_TRUE(all) << all.error().toString();
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ(std::get<ServiceMessage>((*all)[0].body).service, seedService());
  EXPECT_EQ(std::get<ServiceMessage>((*all)[1].body).service, fw);
  EXPECT_TRUE(std::holds_alternative<DoneMessage>((*all)[2].body));
}

TEST(Parse, AckAndErrors) {
  auto ack = parseMessage(test::kernelAck(5, 0, kFamily), kFamily);
  ASSERT_TRUE(ack);
  EXPECT_EQ(std::get<ErrorMessage>(ack->body).error, 0);
  auto eexist = parseMessage(test::kernelAck(6, EEXIST, kFamily), kFamily);
  ASSERT_TRUE(eexist);
  EXPECT_EQ(std::get<ErrorMessage>(eexist->body).error, EEXIST);
  EXPECT_EQ(eexist->header.seq, 6u);

  // Not capped: the whole request is echoed, then the extended ACK text.
  const Bytes request = *buildOperation(kFamily, 3, Operation::addService(seedService()));
  NlBuilder b(NLMSG_ERROR, NLM_F_ACK_TLVS, 3);
  Bytes body(4);
  const std::int32_t e = -ESRCH;
  std::memcpy(body.data(), &e, 4);
  body.insert(body.end(), request.begin(), request.end());
  b.raw(body).str(NLMSGERR_ATTR_MSG, "no such service");
  auto full = parseMessage(b.bytes(), kFamily);
  ASSERT_TRUE(full) << full.error().toString();
  EXPECT_EQ(std::get<ErrorMessage>(full->body).error, ESRCH);
  EXPECT_EQ(std::get<ErrorMessage>(full->body).extAck, "no such service");
}

TEST(Parse, ForeignEntriesAreIgnoredNotErrors) {
  auto v6 = NlBuilder(kFamily, NLM_F_MULTI, 1).genl(IPVS_CMD_NEW_SERVICE).begin(IPVS_CMD_ATTR_SERVICE)
                .u16(IPVS_SVC_ATTR_AF, 10).u16(IPVS_SVC_ATTR_PROTOCOL, 6).attr(IPVS_SVC_ATTR_ADDR, Bytes(16, 1))
                .be16(IPVS_SVC_ATTR_PORT, 80).end().bytes();
  auto m = parseMessage(v6, kFamily);
  ASSERT_TRUE(m) << m.error().toString();
  EXPECT_TRUE(std::holds_alternative<IgnoredMessage>(m->body));
  auto other = parseMessage(NlBuilder(0x33, 0, 1).genl(1).bytes(), kFamily);
  ASSERT_TRUE(other);
  EXPECT_TRUE(std::holds_alternative<IgnoredMessage>(other->body));
  auto sctp = NlBuilder(kFamily, NLM_F_MULTI, 1).genl(IPVS_CMD_NEW_SERVICE).begin(IPVS_CMD_ATTR_SERVICE)
                  .u16(IPVS_SVC_ATTR_AF, 2).u16(IPVS_SVC_ATTR_PROTOCOL, 132).attr(IPVS_SVC_ATTR_ADDR, Bytes(16, 1))
                  .be16(IPVS_SVC_ATTR_PORT, 80).str(IPVS_SVC_ATTR_SCHED_NAME, "rr").end().bytes();
  auto s = parseMessage(sctp, kFamily);
  ASSERT_TRUE(s);
  EXPECT_TRUE(std::holds_alternative<IgnoredMessage>(s->body));
}

// --- our own requests through the parser -----------------------------------------

TEST(RoundTrip, RequestsParseBackToWhatWasAsked) {
  const Service persistent{ServiceKey::inet(kVip, 443, Protocol::Udp), "sh", kFlagPersistent, 900, 0xffffff00};
  for (const Service& s : {seedService(), persistent, Service{ServiceKey::mark(99), "mh", 0, 0, kDefaultNetmask}}) {
    auto bytes = buildOperation(kFamily, 1, Operation::addService(s));
    ASSERT_TRUE(bytes);
    auto m = parseMessage(*bytes, kFamily);
    ASSERT_TRUE(m) << m.error().toString();
    EXPECT_EQ(m->command, static_cast<std::uint8_t>(Command::NewService));
    EXPECT_EQ(std::get<ServiceMessage>(m->body).service, s);
  }
  const Destination dr{kNoeud2, 8080, Forwarding::DirectRoute, 65535, 1000, 100, {}};
  auto bytes = buildOperation(kFamily, 2, Operation::editDestination(persistent.key, dr));
  ASSERT_TRUE(bytes);
  auto m = parseMessage(*bytes, kFamily);
  ASSERT_TRUE(m) << m.error().toString();
  EXPECT_EQ(m->command, static_cast<std::uint8_t>(Command::SetDest));
  EXPECT_EQ(std::get<DestinationMessage>(m->body).service, persistent.key);
  EXPECT_EQ(std::get<DestinationMessage>(m->body).destination, dr);
  auto dump = parseMessage(buildDestinationDump(kFamily, 3, persistent.key), kFamily);
  ASSERT_TRUE(dump);
  EXPECT_EQ(std::get<GetRequestMessage>(dump->body).service, persistent.key);
}

// --- malformed input -----------------------------------------------------------------

std::vector<Bytes> validSamples() {
  return {handMadeServiceEntry(),
          handMadeDestinationEntry(),
          test::kernelInfo(kFamily, 1, Info{0x010201, 4096}),
          test::kernelAck(4, EEXIST, kFamily),
          test::kernelDone(4),
          *buildOperation(kFamily, 1, Operation::addDestination(seedService().key, masq(kNoeud1)))};
}

TEST(Malformed, EveryTruncationIsAnErrorOrAShorterValidMessage) {
  for (const Bytes& full : validSamples()) {
    ASSERT_TRUE(parseMessage(full, kFamily));
    for (std::size_t n = 0; n < full.size(); ++n) {
      Bytes cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
      // nlmsg_len still says the full size: never a valid message.
      EXPECT_FALSE(parseMessage(cut, kFamily)) << "cut at " << n;
      EXPECT_FALSE(parseMessages(cut, kFamily)) << "cut at " << n;
      // The same prefix with nlmsg_len shrunk to fit: an error or a value, never a crash.
      if (n >= 16) {
        const auto len = static_cast<std::uint32_t>(n);
        std::memcpy(cut.data(), &len, 4);
        auto shrunk = parseMessage(cut, kFamily);
        if (shrunk) {
          EXPECT_EQ(shrunk->header.length, n);
        }
      }
    }
  }
}

TEST(Malformed, SpecificDefectsAreReported) {
  EXPECT_FALSE(parseMessages({}, kFamily));
  Bytes entry = handMadeServiceEntry();
  Bytes badNest = entry;
  badNest[20] = 0xff;  // SERVICE nest longer than the message
  EXPECT_FALSE(parseMessage(badNest, kFamily));
  Bytes badAttr = entry;
  badAttr[24] = 2;  // AF attribute with a length below its header
  EXPECT_FALSE(parseMessage(badAttr, kFamily));
  Bytes shortPort = NlBuilder(kFamily, NLM_F_MULTI, 1).genl(IPVS_CMD_NEW_SERVICE).begin(IPVS_CMD_ATTR_SERVICE)
                        .u16(IPVS_SVC_ATTR_AF, 2).u16(IPVS_SVC_ATTR_PROTOCOL, 6).attr(IPVS_SVC_ATTR_ADDR, Bytes(16, 1))
                        .u8(IPVS_SVC_ATTR_PORT, 80).str(IPVS_SVC_ATTR_SCHED_NAME, "rr").end().bytes();
  auto e = parseMessage(shortPort, kFamily);
  ASSERT_FALSE(e);
  EXPECT_NE(e.error().reason.find("IPVS_SVC_ATTR_PORT"), std::string::npos) << e.error().toString();
  Bytes noNul = NlBuilder(kFamily, NLM_F_MULTI, 1).genl(IPVS_CMD_NEW_SERVICE).begin(IPVS_CMD_ATTR_SERVICE)
                    .u16(IPVS_SVC_ATTR_AF, 2).u32(IPVS_SVC_ATTR_FWMARK, 3).attr(IPVS_SVC_ATTR_SCHED_NAME, {'r', 'r'})
                    .attr(IPVS_SVC_ATTR_FLAGS, Bytes(8, 0)).u32(IPVS_SVC_ATTR_TIMEOUT, 0)
                    .u32(IPVS_SVC_ATTR_NETMASK, 0).end().bytes();
  EXPECT_FALSE(parseMessage(noNul, kFamily));
  Bytes noDest = NlBuilder(kFamily, NLM_F_MULTI, 1).genl(IPVS_CMD_NEW_DEST).bytes();
  EXPECT_FALSE(parseMessage(noDest, kFamily));
  Bytes badFwd = handMadeDestinationEntry();
  badFwd[56] = 4;  // IP_VS_CONN_F_BYPASS is no forwarding method a dump reports
  EXPECT_FALSE(parseMessage(badFwd, kFamily));
  Bytes noGenl = NlBuilder(kFamily, 0, 1).bytes();
  EXPECT_FALSE(parseMessage(noGenl, kFamily));
  Bytes positiveError = test::kernelAck(1, 0, kFamily);
  const std::int32_t positive = 5;
  std::memcpy(positiveError.data() + 16, &positive, 4);
  EXPECT_FALSE(parseMessage(positiveError, kFamily));
  Bytes shortError = NlBuilder(NLMSG_ERROR, 0, 1).raw({0, 0, 0, 0}).bytes();
  EXPECT_FALSE(parseMessage(shortError, kFamily));
  // Trailing bytes that are not a whole message.
  Bytes trailing = test::kernelDone(1);
  trailing.insert(trailing.end(), {1, 2, 3});
  EXPECT_FALSE(parseMessages(trailing, kFamily));
}

TEST(Malformed, EverySingleByteCorruptionIsHandled) {
  // Not a proof, but each corrupted byte exercises a different length or type path.
  for (const Bytes& full : validSamples()) {
    for (std::size_t i = 0; i < full.size(); ++i) {
      for (std::uint8_t v : {std::uint8_t{0x00}, std::uint8_t{0xff}, std::uint8_t{0x07}}) {
        Bytes bad = full;
        bad[i] = v;
        auto parsed = parseMessages(bad, kFamily);
        if (!parsed) continue;
        std::size_t total = 0;
        for (const auto& m : *parsed) total += NLMSG_ALIGN(m.header.length);
        EXPECT_GE(total, bad.size()) << "byte " << i << ": messages must cover the whole buffer";
      }
    }
  }
}

}  // namespace
}  // namespace havip::ipvs
