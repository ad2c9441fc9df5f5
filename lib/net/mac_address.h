// An Ethernet (EUI-48) address value. Pure: no socket headers.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace havip::net {

class MacAddress {
 public:
  constexpr MacAddress() = default;
  constexpr explicit MacAddress(std::array<std::uint8_t, 6> octets) : octets_(octets) {}

  // "02:11:12:00:00:01": six two-digit hex octets separated by ':', either case.
  static std::optional<MacAddress> parse(std::string_view text);

  constexpr const std::array<std::uint8_t, 6>& octets() const { return octets_; }
  std::string toString() const;  // lower case, ':'-separated
  constexpr bool operator==(const MacAddress&) const = default;

 private:
  std::array<std::uint8_t, 6> octets_{};
};

inline constexpr MacAddress kBroadcastMac({0xff, 0xff, 0xff, 0xff, 0xff, 0xff});

}  // namespace havip::net
