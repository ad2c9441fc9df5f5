// Helpers shared by the suites' raw-packet senders (failover/vrrp_inject,
// abuse/vrrp_flood): an interface's IPv4 address, the Internet checksum, and
// big-endian stores into a packet being built.
#pragma once

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "net/ipv4.h"

namespace havip::testing {

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
