// IPv4 address value types shared by the config model, the VRRP core and the
// kernel adapters. Pure: no socket headers leak out of here.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace havip::net {

// An IPv4 address kept in network byte order, as it travels in packets.
class Ipv4Address {
 public:
  constexpr Ipv4Address() = default;
  constexpr explicit Ipv4Address(std::array<std::uint8_t, 4> octets) : octets_(octets) {}

  // From a host-order integer (0x0a0b0c63 is 10.11.12.99).
  static constexpr Ipv4Address fromHostOrder(std::uint32_t v) {
    return Ipv4Address({static_cast<std::uint8_t>(v >> 24), static_cast<std::uint8_t>(v >> 16),
                        static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)});
  }
  // Strict dotted quad: four decimal octets 0..255, no leading '+', no spaces.
  static std::optional<Ipv4Address> parse(std::string_view text);

  constexpr std::uint32_t toHostOrder() const {
    return (std::uint32_t{octets_[0]} << 24) | (std::uint32_t{octets_[1]} << 16) |
           (std::uint32_t{octets_[2]} << 8) | std::uint32_t{octets_[3]};
  }
  constexpr const std::array<std::uint8_t, 4>& octets() const { return octets_; }
  constexpr bool isMulticast() const { return (octets_[0] & 0xf0) == 0xe0; }
  constexpr bool isUnspecified() const { return toHostOrder() == 0; }
  std::string toString() const;

  // Ordered as unsigned integers, which is what RFC 3768's tie break compares.
  constexpr auto operator<=>(const Ipv4Address& o) const { return toHostOrder() <=> o.toHostOrder(); }
  constexpr bool operator==(const Ipv4Address& o) const = default;

 private:
  std::array<std::uint8_t, 4> octets_{};
};

// ADDR/LEN. keepalived's default prefix for a VIP given without one is /32.
struct Ipv4Prefix {
  Ipv4Address address;
  std::uint8_t length = 32;

  // "10.11.12.99" or "10.11.12.99/24"; length 0..32.
  static std::optional<Ipv4Prefix> parse(std::string_view text);
  std::string toString() const;
  bool operator==(const Ipv4Prefix&) const = default;
};

// 224.0.0.18, the VRRP group (RFC 3768 section 5.2.2).
inline constexpr Ipv4Address kVrrpGroup = Ipv4Address::fromHostOrder(0xe0000012);

}  // namespace havip::net
