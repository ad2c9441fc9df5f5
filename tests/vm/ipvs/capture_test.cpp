// The kernel's own replies (tests/testdata/ipvs/kernel_*.rx.bin, captured by
// capture-in-vm.sh from ipvsadm talking to Linux 6.1's IPVS) through our parser,
// and through GenlIpvs end to end with a Transport that replays them. Runs on
// the host (label unit): the bytes are files, no kernel needed.
#include <algorithm>
#include <cstring>
#include <deque>
#include <fstream>
#include <iterator>
#include <string>

#include <gtest/gtest.h>
#include <linux/netlink.h>

#include "ipvs/codec.h"
#include "ipvs/genl_ipvs.h"

namespace havip::ipvs {
namespace {

const net::Ipv4Address kVip = *net::Ipv4Address::parse("10.11.12.99");
const net::Ipv4Address kNoeud1 = *net::Ipv4Address::parse("192.168.100.10");
const net::Ipv4Address kNoeud2 = *net::Ipv4Address::parse("192.168.100.20");
const ServiceKey kSeed = ServiceKey::inet(kVip, 80);

Bytes readFile(const std::string& name) {
  std::ifstream in(std::string(HAVIP_TESTDATA) + "/ipvs/" + name, std::ios::binary);
  EXPECT_TRUE(in.good()) << "missing tests/testdata/ipvs/" << name << " (run capture-in-vm.sh)";
  return Bytes(std::istreambuf_iterator<char>(in), {});
}
std::uint16_t familyOf(const Bytes& b) {
  std::uint16_t v = 0;
  if (b.size() >= 6) std::memcpy(&v, b.data() + 4, 2);
  return v;
}
// The family id the kernel assigned in the capture run, from a request ipvsadm sent.
std::uint16_t capturedFamily() { return familyOf(readFile("add_service.tx.bin")); }

std::vector<Message> parseAll(const std::string& file) {
  const Bytes bytes = readFile(file);
  auto parsed = parseMessages(bytes, capturedFamily());
  EXPECT_TRUE(parsed) << file << ": " << (parsed ? "" : parsed.error().toString());
  return parsed ? *parsed : std::vector<Message>{};
}

Destination masq(net::Ipv4Address a) { return Destination{a, 80, Forwarding::Masq, 1, 0, 0, {}}; }

TEST(KernelCapture, InfoReply) {
  const auto messages = parseAll("kernel_info.rx.bin");
  ASSERT_EQ(messages.size(), 1u);
  const auto* info = std::get_if<InfoMessage>(&messages[0].body);
  ASSERT_NE(info, nullptr);
  EXPECT_EQ(info->info.versionString(), "1.2.1");
  EXPECT_EQ(info->info.connectionTableSize, 4096u);  // CONFIG_IP_VS_TAB_BITS=12
  EXPECT_EQ(messages[0].command, static_cast<std::uint8_t>(Command::SetInfo));
}

TEST(KernelCapture, ServiceDumpOfTheSeedsService) {
  const auto messages = parseAll("kernel_service_dump.rx.bin");
  ASSERT_EQ(messages.size(), 1u) << "one service, NLMSG_DONE in the next datagram";
  EXPECT_NE(messages[0].header.flags & NLM_F_MULTI, 0);
  const auto* s = std::get_if<ServiceMessage>(&messages[0].body);
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->service, (Service{kSeed, "rr", 0, 0, kDefaultNetmask})) << s->service.toString();
  const auto done = parseAll("kernel_service_dump_done.rx.bin");
  ASSERT_EQ(done.size(), 1u);
  EXPECT_TRUE(std::holds_alternative<DoneMessage>(done[0].body));
}

TEST(KernelCapture, ServiceDumpOfPersistentFwmarkAndUdp) {
  const auto messages = parseAll("kernel_service_dump_mixed.rx.bin");
  std::vector<Service> services;
  for (const auto& m : messages) {
    const auto* s = std::get_if<ServiceMessage>(&m.body);
    ASSERT_NE(s, nullptr);
    services.push_back(s->service);
  }
  std::sort(services.begin(), services.end(), [](const Service& a, const Service& b) { return a.key < b.key; });
  const std::vector<Service> expected = {
      Service{ServiceKey::mark(7), "rr", 0, 0, kDefaultNetmask},
      Service{ServiceKey::inet(kVip, 53, Protocol::Udp), "rr", 0, 0, kDefaultNetmask},
      Service{ServiceKey::inet(kVip, 443), "wlc", kFlagPersistent, 300, kDefaultNetmask},
  };
  std::vector<Service> sortedExpected = expected;
  std::sort(sortedExpected.begin(), sortedExpected.end(),
            [](const Service& a, const Service& b) { return a.key < b.key; });
  EXPECT_EQ(services, sortedExpected);
}

TEST(KernelCapture, DestinationDumpNewestFirst) {
  const auto messages = parseAll("kernel_dest_dump.rx.bin");
  std::vector<Destination> dests;
  for (const auto& m : messages) {
    if (std::holds_alternative<DoneMessage>(m.body)) continue;
    const auto* d = std::get_if<DestinationMessage>(&m.body);
    ASSERT_NE(d, nullptr);
    EXPECT_FALSE(d->service) << "dump entries do not repeat the service";
    dests.push_back(d->destination);
  }
  // capture-in-vm.sh added .10 then .20: the kernel lists the newest first.
  ASSERT_EQ(dests.size(), 2u);
  EXPECT_EQ(dests[0], masq(kNoeud2)) << dests[0].toString();
  EXPECT_EQ(dests[1], masq(kNoeud1)) << dests[1].toString();
}

TEST(KernelCapture, AckAndErrors) {
  const auto ack = parseAll("kernel_ack.rx.bin");
  ASSERT_EQ(ack.size(), 1u);
  const auto* a = std::get_if<ErrorMessage>(&ack[0].body);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->error, 0);
  for (const auto& [file, errno_] : {std::pair{"kernel_eexist.rx.bin", EEXIST}, std::pair{"kernel_esrch.rx.bin", ESRCH}}) {
    const auto messages = parseAll(file);
    ASSERT_EQ(messages.size(), 1u) << file;
    const auto* e = std::get_if<ErrorMessage>(&messages[0].body);
    ASSERT_NE(e, nullptr) << file;
    EXPECT_EQ(e->error, errno_) << file;
    EXPECT_EQ(messages[0].header.flags & NLM_F_CAPPED, 0) << "ipvsadm's socket has no NETLINK_CAP_ACK: whole request echoed";
  }
}

// Hands GenlIpvs the captured datagrams, each renumbered to the request it answers.
class Replay final : public Transport {
 public:
  explicit Replay(std::deque<Bytes> replies) : replies_(std::move(replies)) {}
  Status send(std::span<const std::uint8_t> bytes) override {
    std::memcpy(&seq_, bytes.data() + 8, 4);
    ++sends_;
    return {};
  }
  tl::expected<Bytes, std::error_code> receive() override {
    if (replies_.empty()) return tl::make_unexpected(std::make_error_code(std::errc::timed_out));
    Bytes b = std::move(replies_.front());
    replies_.pop_front();
    for (std::size_t at = 0; at + 16 <= b.size();) {  // every message of the datagram
      std::uint32_t length = 0;
      std::memcpy(&length, b.data() + at, 4);
      std::memcpy(b.data() + at + 8, &seq_, 4);
      if (length < 16) break;
      at += NLMSG_ALIGN(length);
    }
    return b;
  }
  std::size_t sends() const { return sends_; }

 private:
  std::deque<Bytes> replies_;
  std::uint32_t seq_ = 0;
  std::size_t sends_ = 0;
};

TEST(KernelCapture, GenlIpvsReadsTheKernelsRepliesEndToEnd) {
  // What the kernel sends for info(), services(), destinations(), an add and a
  // duplicate add: GET_INFO's answer is followed by an ACK (NLM_F_ACK), and a
  // dump ends with NLMSG_DONE in a datagram of its own.
  const Bytes ack = readFile("kernel_ack.rx.bin");
  const Bytes done = readFile("kernel_service_dump_done.rx.bin");
  auto transport = std::make_unique<Replay>(std::deque<Bytes>{
      readFile("kernel_info.rx.bin"), ack, readFile("kernel_service_dump.rx.bin"), done,
      readFile("kernel_dest_dump.rx.bin"), done, ack, readFile("kernel_eexist.rx.bin")});
  GenlIpvs ipvs(std::move(transport), capturedFamily());
  auto info = ipvs.info();
  ASSERT_TRUE(info) << info.error().message();
  EXPECT_EQ(info->version, 0x010201u);
  auto services = ipvs.services();
  ASSERT_TRUE(services) << services.error().message();
  ASSERT_EQ(services->size(), 1u);
  EXPECT_EQ((*services)[0].scheduler, "rr");
  auto dests = ipvs.destinations(kSeed);
  ASSERT_TRUE(dests) << dests.error().message();
  EXPECT_EQ(dests->size(), 2u);
  EXPECT_TRUE(ipvs.addDestination(kSeed, masq(kNoeud2)));
  auto duplicate = ipvs.addService(Service{kSeed, "rr", 0, 0, kDefaultNetmask});
  ASSERT_FALSE(duplicate);
  EXPECT_EQ(duplicate.error(), std::errc::file_exists);
}

}  // namespace
}  // namespace havip::ipvs
