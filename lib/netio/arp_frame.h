// The gratuitous ARP frame, as keepalived 2.2.7 puts it on the wire (captured in
// tests/testdata/netio/): an ARP request broadcast from our MAC, sender and
// target IP both the VIP, target MAC ff:ff:ff:ff:ff:ff. Pure function over bytes.
#pragma once

#include <array>
#include <cstdint>

#include "net/ipv4.h"
#include "net/mac_address.h"

namespace havip::netio {

inline constexpr std::uint16_t kEtherTypeArp = 0x0806;
inline constexpr std::uint16_t kEtherTypeIpv4 = 0x0800;
inline constexpr std::uint16_t kArpHardwareEthernet = 1;
inline constexpr std::uint16_t kArpOpRequest = 1;

// 14-byte Ethernet header + 28-byte ARP body. No padding to 60: the NIC pads,
// and keepalived sends 42 bytes too.
inline constexpr std::size_t kGarpFrameSize = 42;
using GarpFrame = std::array<std::uint8_t, kGarpFrameSize>;

GarpFrame buildGratuitousArp(const net::MacAddress& ourMac, net::Ipv4Address vip);

}  // namespace havip::netio
