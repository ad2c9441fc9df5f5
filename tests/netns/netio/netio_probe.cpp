// A command-line driver for lib/netio's real implementations, run inside the
// namespaces that tests/netns/netio/run.sh builds. It prints what it saw; the
// script (and tshark) judge.
//
//   netio_probe listen DURATION_MS IF[,IF...] [--send-own SRC VRID]
//       Opens one transport per interface, prints "ready", optionally sends one
//       advert of its own on the first interface, runs the loop, then prints
//       one "rx ..." line per packet and one "counters ..." line per interface.
//   netio_probe send IF SRC VRID [--ttl N] [--size N] [--bad-checksum 1]
//       Sends one VRRPv2 advert (priority 100, PASS "1111", VIP 10.11.12.99),
//       padded to --size bytes if given, its VRRP checksum spoiled on request.
//       Prints "sent" or "error <errno name>".
//   netio_probe garp IF MAC VIP
//       Sends one gratuitous ARP. Prints "sent" or "error <errno name>".
#include <net/if.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "net/ipv4.h"
#include "netio/packet_announcer.h"
#include "netio/raw_advert_transport.h"

namespace {

using havip::net::Ipv4Address;
using Bytes = std::vector<std::uint8_t>;

std::uint16_t internetChecksum(const std::uint8_t* data, std::size_t size) {
  std::uint32_t sum = 0;
  for (std::size_t i = 0; i + 1 < size; i += 2) sum += std::uint32_t{data[i]} << 8 | data[i + 1];
  if (size % 2) sum += std::uint32_t{data[size - 1]} << 8;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum);
}

void putU16(Bytes& b, std::size_t at, std::uint16_t v) {
  b[at] = static_cast<std::uint8_t>(v >> 8);
  b[at + 1] = static_cast<std::uint8_t>(v);
}

// A VRRPv2 advertisement (RFC 3768 section 5.1) in an IPv4 header, written out
// by hand so this test does not lean on lib/vrrp's codec.
Bytes vrrpPacket(Ipv4Address src, std::uint8_t vrid, std::uint8_t ttl, std::size_t padTo) {
  constexpr std::size_t kIp = 20;
  constexpr std::size_t kVrrp = 8 + 4 + 8;  // header, one address, auth data
  Bytes p(std::max(kIp + kVrrp, padTo), 0);
  p[0] = 0x45;
  p[1] = 0xc0;  // DSCP CS6, as keepalived sends
  putU16(p, 2, static_cast<std::uint16_t>(p.size()));
  putU16(p, 4, 0x1234);
  p[8] = ttl;
  p[9] = 112;
  std::memcpy(&p[12], src.octets().data(), 4);
  std::memcpy(&p[16], havip::net::kVrrpGroup.octets().data(), 4);
  putU16(p, 10, internetChecksum(p.data(), kIp));

  std::uint8_t* v = &p[kIp];
  v[0] = 0x21;  // version 2, type 1 (advertisement)
  v[1] = vrid;
  v[2] = 100;  // priority
  v[3] = 1;    // one address
  v[4] = 1;    // simple text password
  v[5] = 1;    // advert interval, seconds
  const auto vip = *Ipv4Address::parse("10.11.12.99");
  std::memcpy(v + 8, vip.octets().data(), 4);
  std::memcpy(v + 12, "1111", 4);
  putU16(p, kIp + 6, internetChecksum(v, kVrrp));
  return p;
}

std::string errnoName(const std::error_code& ec) {
  const char* name = strerrorname_np(ec.value());
  return name ? name : std::to_string(ec.value());
}

int ifindexOf(const std::string& name) {
  const unsigned index = if_nametoindex(name.c_str());
  if (index == 0) {
    std::cerr << "no interface " << name << "\n";
    std::exit(2);
  }
  return static_cast<int>(index);
}

Ipv4Address addressArg(const char* text) {
  auto a = Ipv4Address::parse(text);
  if (!a) {
    std::cerr << "bad address " << text << "\n";
    std::exit(2);
  }
  return *a;
}

int listen(int argc, char** argv) {
  if (argc < 4) return 2;
  const auto duration = std::chrono::milliseconds(std::stoi(argv[2]));
  std::vector<std::string> names;
  std::stringstream list(argv[3]);
  for (std::string n; std::getline(list, n, ',');) names.push_back(n);

  boost::asio::io_context io;
  std::vector<std::unique_ptr<havip::netio::RawAdvertTransport>> transports;
  std::vector<std::string> lines;
  for (const auto& name : names) {
    auto t = havip::netio::RawAdvertTransport::open(io, ifindexOf(name), name);
    if (!t) {
      std::cout << "error open " << name << " " << errnoName(t.error()) << std::endl;
      return 1;
    }
    (*t)->setReceiveHandler([&lines, name](std::span<const std::uint8_t> p, int arrival) {
      std::ostringstream line;
      const std::size_t ihl = (p[0] & 0x0f) * 4u;
      line << "rx if=" << name << " arrival=" << arrival << " len=" << p.size()
           << " ttl=" << int{p[8]} << " src=" << int{p[12]} << '.' << int{p[13]} << '.'
           << int{p[14]} << '.' << int{p[15]};
      if (p.size() > ihl + 1) line << " vrid=" << int{p[ihl + 1]};
      lines.push_back(line.str());
    });
    transports.push_back(std::move(*t));
  }
  std::cout << "ready" << std::endl;
  if (argc >= 7 && std::string(argv[4]) == "--send-own") {
    const Bytes own = vrrpPacket(addressArg(argv[5]), static_cast<std::uint8_t>(std::stoi(argv[6])),
                                 255, 0);
    auto r = transports.front()->send(own);
    std::cout << (r ? "sent own" : "error own " + errnoName(r.error())) << std::endl;
  }
  io.run_for(duration);
  for (const auto& l : lines) std::cout << l << "\n";
  for (const auto& t : transports) {
    const auto c = t->counters();
    std::cout << "counters if=" << t->interfaceName() << " ifindex=" << t->ifindex()
              << " sent=" << c.sent << " received=" << c.received
              << " wrong_interface=" << c.wrongInterface << " truncated=" << c.truncated
              << " unhandled=" << c.unhandled << " receive_errors=" << c.receiveErrors << "\n";
  }
  return 0;
}

int send(int argc, char** argv) {
  if (argc < 5) return 2;
  std::uint8_t ttl = 255;
  std::size_t size = 0;
  bool badChecksum = false;
  for (int i = 5; i + 1 < argc; i += 2) {
    if (std::string(argv[i]) == "--ttl") ttl = static_cast<std::uint8_t>(std::stoi(argv[i + 1]));
    if (std::string(argv[i]) == "--size") size = std::stoul(argv[i + 1]);
    if (std::string(argv[i]) == "--bad-checksum") badChecksum = std::string(argv[i + 1]) == "1";
  }
  boost::asio::io_context io;
  auto t = havip::netio::RawAdvertTransport::open(io, ifindexOf(argv[2]), argv[2]);
  if (!t) {
    std::cout << "error open " << errnoName(t.error()) << std::endl;
    return 1;
  }
  Bytes packet =
      vrrpPacket(addressArg(argv[3]), static_cast<std::uint8_t>(std::stoi(argv[4])), ttl, size);
  if (badChecksum) packet[20 + 7] ^= 0xff;
  auto r = (*t)->send(packet);
  std::cout << (r ? "sent" : "error " + errnoName(r.error())) << std::endl;
  return r ? 0 : 1;
}

int garp(int argc, char** argv) {
  if (argc < 5) return 2;
  auto mac = havip::net::MacAddress::parse(argv[3]);
  if (!mac) return 2;
  auto announcer = havip::netio::PacketAnnouncer::open();
  if (!announcer) {
    std::cout << "error open " << errnoName(announcer.error()) << std::endl;
    return 1;
  }
  auto r = (*announcer)->sendGratuitousArp(ifindexOf(argv[2]), *mac, addressArg(argv[4]));
  std::cout << (r ? "sent" : "error " + errnoName(r.error())) << std::endl;
  return r ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  int rc = 2;
  if (mode == "listen") rc = listen(argc, argv);
  else if (mode == "send") rc = send(argc, argv);
  else if (mode == "garp") rc = garp(argc, argv);
  if (rc == 2) std::cerr << "usage: see the comment at the top of netio_probe.cpp\n";
  return rc;
}
