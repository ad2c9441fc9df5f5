// Sends one crafted VRRPv2 packet out of one interface, for the failover
// suite's "bad input" test: a third namespace plays a confused or hostile
// peer. The packet starts as lib/vrrp's encodePacket() output (a good advert)
// and is then spoiled as asked, so every variant differs from a good advert in
// exactly the field under test.
//
//   vrrp_inject IF [--src A] [--ttl N] [--version N] [--type N] [--vrid N]
//               [--priority N] [--auth-type N] [--password S] [--interval N]
//               [--address A]... [--bad-checksum] [--truncate N] [--count N]
//
// Defaults are the seed's master advert: VRID 51, priority 100, PASS "1111",
// interval 1, address 10.11.12.99, source = IF's primary IPv4, TTL 255.
// Prints "sent N bytes" per packet, or "error: ..." and exits 1.
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/ipv4.h"
#include "vrrp/advert.h"
#include "raw_packet.h"

namespace {

using havip::net::Ipv4Address;
namespace vrrp = havip::vrrp;

constexpr std::size_t kIpHeader = 20;  // encodePacket writes IHL 5

struct Options {
  std::string interface;
  std::optional<Ipv4Address> source;
  std::optional<int> ttl;
  std::optional<int> version;
  std::optional<int> type;
  int vrid = 51;
  int priority = 100;
  int authType = 1;
  std::string password = "1111";
  int interval = 1;
  std::vector<Ipv4Address> addresses;
  bool badChecksum = false;
  std::optional<std::size_t> truncateTo;
  int count = 1;
};

using havip::testing::die;

int toInt(std::string_view text, int low, int high, const char* what) {
  int value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || value < low || value > high)
    die(std::string(what) + " must be " + std::to_string(low) + ".." + std::to_string(high));
  return value;
}

Ipv4Address toAddress(std::string_view text) {
  const auto address = Ipv4Address::parse(text);
  if (!address) die("not an IPv4 address: " + std::string(text));
  return *address;
}

Options parse(int argc, char** argv) {
  if (argc < 2) die("usage: vrrp_inject IF [options] (see the source's header)");
  Options o;
  o.interface = argv[1];
  for (int i = 2; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--bad-checksum") {
      o.badChecksum = true;
      continue;
    }
    if (i + 1 >= argc) die(std::string(arg) + " needs a value");
    const std::string_view value = argv[++i];
    if (arg == "--src") o.source = toAddress(value);
    else if (arg == "--ttl") o.ttl = toInt(value, 0, 255, "--ttl");
    else if (arg == "--version") o.version = toInt(value, 0, 15, "--version");
    else if (arg == "--type") o.type = toInt(value, 0, 15, "--type");
    else if (arg == "--vrid") o.vrid = toInt(value, 0, 255, "--vrid");
    else if (arg == "--priority") o.priority = toInt(value, 0, 255, "--priority");
    else if (arg == "--auth-type") o.authType = toInt(value, 0, 255, "--auth-type");
    else if (arg == "--password") o.password = value;
    else if (arg == "--interval") o.interval = toInt(value, 0, 255, "--interval");
    else if (arg == "--address") o.addresses.push_back(toAddress(value));
    else if (arg == "--truncate") o.truncateTo = static_cast<std::size_t>(toInt(value, 1, 65535, "--truncate"));
    else if (arg == "--count") o.count = toInt(value, 1, 1000, "--count");
    else die("unknown option " + std::string(arg));
  }
  if (o.password.size() > vrrp::kAuthDataSize) die("--password is at most 8 bytes");
  if (o.addresses.empty()) o.addresses.push_back(toAddress("10.11.12.99"));
  return o;
}

using havip::testing::checksum;
using havip::testing::primaryAddress;
using havip::testing::store16;

// Builds the good advert, then applies each requested change and repairs the
// checksums the change broke, so only the asked-for fault reaches the wire.
std::vector<std::uint8_t> craft(const Options& o, Ipv4Address source) {
  vrrp::Advert advert;
  advert.vrid = static_cast<std::uint8_t>(o.vrid);
  advert.priority = static_cast<std::uint8_t>(o.priority);
  advert.authType = static_cast<vrrp::AuthType>(o.authType);
  advert.advertIntervalSec = static_cast<std::uint8_t>(o.interval);
  advert.addresses = o.addresses;
  if (o.authType == static_cast<int>(vrrp::AuthType::SimpleText))
    advert.authData = vrrp::authDataFromPassword(o.password);
  auto packet = vrrp::encodePacket(advert, source, static_cast<std::uint16_t>(getpid()));

  const std::size_t vrrpSize = packet.size() - kIpHeader;
  bool vrrpChanged = false;
  if (o.version) {
    packet[kIpHeader] = static_cast<std::uint8_t>((*o.version << 4) | (packet[kIpHeader] & 0x0f));
    vrrpChanged = true;
  }
  if (o.type) {
    packet[kIpHeader] = static_cast<std::uint8_t>((packet[kIpHeader] & 0xf0) | *o.type);
    vrrpChanged = true;
  }
  if (vrrpChanged) {
    store16(packet, kIpHeader + 6, 0);
    store16(packet, kIpHeader + 6, checksum(&packet[kIpHeader], vrrpSize));
  }
  if (o.badChecksum) packet[kIpHeader + 7] ^= 0x5a;
  if (o.ttl) packet[8] = static_cast<std::uint8_t>(*o.ttl);
  if (o.truncateTo && *o.truncateTo < packet.size()) {
    // The IP header claims what is really sent, so the kernel delivers it
    // and the receiver meets a short VRRP message rather than a bad IP header.
    packet.resize(*o.truncateTo);
    store16(packet, 2, static_cast<std::uint16_t>(packet.size()));
  }
  store16(packet, 10, 0);
  store16(packet, 10, checksum(packet.data(), kIpHeader));
  return packet;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  const int fd = havip::testing::openVrrpSender(o.interface);
  const auto source = o.source ? o.source : primaryAddress(o.interface);
  if (!source) die(o.interface + " has no IPv4 address; pass --src");
  const auto packet = craft(o, *source);
  if (packet.size() < kIpHeader) die("--truncate below the IPv4 header is not sendable");

  const sockaddr_in to = havip::testing::vrrpGroup();
  for (int i = 0; i < o.count; ++i) {
    const auto sent = sendto(fd, packet.data(), packet.size(), 0, reinterpret_cast<const sockaddr*>(&to),
                             sizeof to);
    if (sent < 0) die(std::string("sendto: ") + std::strerror(errno));
    std::printf("sent %zd bytes\n", sent);
  }
  close(fd);
  return 0;
}
