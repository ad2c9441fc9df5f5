// Helpers shared by the suites' raw-packet senders (failover/vrrp_inject,
// abuse/vrrp_flood): dying with a message, the raw VRRP sending socket, an
// interface's IPv4 address, the Internet checksum, and big-endian stores into
// a packet being built.
#pragma once

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "net/ipv4.h"
#include "vrrp/advert.h"

namespace havip::testing {

[[noreturn]] inline void die(const std::string& message) {
  std::fprintf(stderr, "error: %s\n", message.c_str());
  std::exit(1);
}

// A raw socket that sends whole IPv4 packets (IP_HDRINCL, protocol 112) out of
// `interface`, bound to the device so the multicast leaves where asked,
// whatever the routes say. Dies with the failing call's errno.
inline int openVrrpSender(const std::string& interface) {
  const unsigned ifindex = if_nametoindex(interface.c_str());
  if (ifindex == 0) die("no interface " + interface);
  const int fd = socket(AF_INET, SOCK_RAW, vrrp::kIpProtocol);
  if (fd < 0) die(std::string("socket: ") + std::strerror(errno));
  const int on = 1;
  if (setsockopt(fd, IPPROTO_IP, IP_HDRINCL, &on, sizeof on) != 0)
    die(std::string("IP_HDRINCL: ") + std::strerror(errno));
  if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, interface.c_str(),
                 static_cast<socklen_t>(interface.size())) != 0)
    die(std::string("SO_BINDTODEVICE: ") + std::strerror(errno));
  ip_mreqn multicastIf{};
  multicastIf.imr_ifindex = static_cast<int>(ifindex);
  if (setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &multicastIf, sizeof multicastIf) != 0)
    die(std::string("IP_MULTICAST_IF: ") + std::strerror(errno));
  return fd;
}

// 224.0.0.18, where every advert goes.
inline sockaddr_in vrrpGroup() {
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_addr.s_addr = htonl(net::kVrrpGroup.toHostOrder());
  return to;
}

// The first IPv4 address of `interface`, as getifaddrs lists it.
inline std::optional<net::Ipv4Address> primaryAddress(const std::string& interface) {
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0) return std::nullopt;
  std::optional<net::Ipv4Address> found;
  for (const ifaddrs* it = list; it != nullptr && !found; it = it->ifa_next) {
    if (it->ifa_addr == nullptr || it->ifa_addr->sa_family != AF_INET) continue;
    if (interface != it->ifa_name) continue;
    sockaddr_in in{};
    std::memcpy(&in, it->ifa_addr, sizeof in);
    found = net::Ipv4Address::fromHostOrder(ntohl(in.sin_addr.s_addr));
  }
  freeifaddrs(list);
  return found;
}

// RFC 1071 one's-complement sum over `size` bytes.
inline std::uint16_t checksum(const std::uint8_t* data, std::size_t size) {
  std::uint32_t sum = 0;
  for (std::size_t i = 0; i + 1 < size; i += 2) sum += std::uint32_t{data[i]} << 8 | data[i + 1];
  if (size % 2) sum += std::uint32_t{data[size - 1]} << 8;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum);
}

inline void store16(std::vector<std::uint8_t>& bytes, std::size_t at, std::uint16_t value) {
  bytes[at] = static_cast<std::uint8_t>(value >> 8);
  bytes[at + 1] = static_cast<std::uint8_t>(value);
}

}  // namespace havip::testing
