// Floods one interface with a mix of malformed VRRP packets, for the abuse
// suite's flood test: a third namespace plays a hostile or broken peer at
// about 10^5 packets/s. Each variant starts as lib/vrrp's encodePacket()
// output for the seed's master advert (VRID 51, priority 100, PASS "1111",
// from IF's own address, which wins a priority tie against 10.11.12.1 were
// any of them accepted) and is spoiled in one field.
//
//   vrrp_flood IF RATE SECONDS
//
// Sends with sendmmsg(2) in batches, paced to RATE packets/s. Prints one line
// per variant, "sent VARIANT N", then "sent total N in S s (R/s)".
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "net/ipv4.h"
#include "vrrp/advert.h"
#include "raw_packet.h"

namespace {

using havip::net::Ipv4Address;
namespace vrrp = havip::vrrp;
using Clock = std::chrono::steady_clock;

constexpr std::size_t kIpHeader = 20;  // encodePacket writes IHL 5
constexpr unsigned kBatch = 64;

using havip::testing::die;

using havip::testing::checksum;
using havip::testing::primaryAddress;
using havip::testing::store16;

void fixVrrpChecksum(std::vector<std::uint8_t>& p) {
  store16(p, kIpHeader + 6, 0);
  store16(p, kIpHeader + 6, checksum(&p[kIpHeader], p.size() - kIpHeader));
}

void fixIpHeader(std::vector<std::uint8_t>& p) {
  store16(p, 2, static_cast<std::uint16_t>(p.size()));
  store16(p, 10, 0);
  store16(p, 10, checksum(p.data(), kIpHeader));
}

std::vector<std::uint8_t> good(Ipv4Address source, std::uint8_t vrid, const char* password) {
  vrrp::Advert a;
  a.vrid = vrid;
  a.priority = 100;
  a.authType = vrrp::AuthType::SimpleText;
  a.authData = vrrp::authDataFromPassword(password);
  a.advertIntervalSec = 1;
  a.addresses.push_back(*Ipv4Address::parse("10.11.12.99"));
  return vrrp::encodePacket(a, source, 4242);
}

struct Variant {
  std::string name;
  std::vector<std::uint8_t> packet;
};

std::vector<Variant> variants(Ipv4Address src) {
  std::vector<Variant> out;
  auto add = [&](std::string name, std::vector<std::uint8_t> p) {
    fixIpHeader(p);
    out.push_back({std::move(name), std::move(p)});
  };
  auto p = good(src, 51, "1111");
  p[8] = 64;
  add("ttl_64", p);
  p = good(src, 51, "1111");
  p[kIpHeader + 7] ^= 0x5a;
  add("bad_checksum", p);
  p = good(src, 51, "1111");
  p[kIpHeader] = static_cast<std::uint8_t>(0x30 | (p[kIpHeader] & 0x0f));
  fixVrrpChecksum(p);
  add("version_3", p);
  p = good(src, 51, "1111");
  p[kIpHeader] = static_cast<std::uint8_t>((p[kIpHeader] & 0xf0) | 2);
  fixVrrpChecksum(p);
  add("type_2", p);
  add("vrid51_bad_auth", good(src, 51, "2222"));
  p = good(src, 51, "1111");
  p.resize(30);
  add("truncated_30", p);
  p = good(src, 51, "1111");
  p[kIpHeader + 3] = 5;  // count IP addrs 5, one present
  fixVrrpChecksum(p);
  add("count_mismatch", p);
  p = good(src, 52, "1111");
  add("other_vrid_52", p);
  p = good(src, 200, "1111");
  add("other_vrid_200", p);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) die("usage: vrrp_flood IF RATE SECONDS");
  const std::string interface = argv[1];
  const double rate = std::atof(argv[2]);
  const double seconds = std::atof(argv[3]);
  if (rate <= 0 || seconds <= 0) die("RATE and SECONDS must be positive");
  const int fd = havip::testing::openVrrpSender(interface);
  const auto source = primaryAddress(interface);
  if (!source) die(interface + " has no IPv4 address");
  const auto mix = variants(*source);

  sockaddr_in to = havip::testing::vrrpGroup();

  // One batch holds kBatch packets cycling through the mix; the cycle
  // continues across batches (next tells where).
  std::array<mmsghdr, kBatch> msgs{};
  std::array<iovec, kBatch> iovs{};
  std::array<std::size_t, kBatch> which{};
  std::vector<std::uint64_t> sent(mix.size(), 0);
  std::uint64_t total = 0;
  std::uint64_t errors = 0;
  std::size_t next = 0;

  const auto start = Clock::now();
  const auto end = start + std::chrono::duration_cast<Clock::duration>(
                               std::chrono::duration<double>(seconds));
  for (auto now = start; now < end; now = Clock::now()) {
    const double due = std::chrono::duration<double>(now - start).count() * rate;
    if (static_cast<double>(total) >= due) {
      std::this_thread::sleep_for(std::chrono::microseconds(200));
      continue;
    }
    for (unsigned i = 0; i < kBatch; ++i) {
      const std::size_t v = (next + i) % mix.size();
      which[i] = v;
      iovs[i] = {const_cast<std::uint8_t*>(mix[v].packet.data()), mix[v].packet.size()};
      msgs[i].msg_hdr = {};
      msgs[i].msg_hdr.msg_name = &to;
      msgs[i].msg_hdr.msg_namelen = sizeof to;
      msgs[i].msg_hdr.msg_iov = &iovs[i];
      msgs[i].msg_hdr.msg_iovlen = 1;
    }
    const int n = sendmmsg(fd, msgs.data(), kBatch, 0);
    if (n < 0) {
      if (errno != ENOBUFS && errno != EAGAIN && errno != EINTR)
        die(std::string("sendmmsg: ") + std::strerror(errno));
      ++errors;
      continue;
    }
    for (int i = 0; i < n; ++i) ++sent[which[i]];
    total += static_cast<std::uint64_t>(n);
    next = (next + static_cast<std::size_t>(n)) % mix.size();
  }
  const double took = std::chrono::duration<double>(Clock::now() - start).count();
  close(fd);
  for (std::size_t v = 0; v < mix.size(); ++v)
    std::printf("sent %s %llu\n", mix[v].name.c_str(), static_cast<unsigned long long>(sent[v]));
  std::printf("sent total %llu in %.3f s (%.0f/s), %llu send errors\n",
              static_cast<unsigned long long>(total), took, static_cast<double>(total) / took,
              static_cast<unsigned long long>(errors));
  return 0;
}
