#include "net/mac_address.h"

namespace havip::net {

namespace {

std::optional<std::uint8_t> hexDigit(char c) {
  if (c >= '0' && c <= '9') return static_cast<std::uint8_t>(c - '0');
  if (c >= 'a' && c <= 'f') return static_cast<std::uint8_t>(c - 'a' + 10);
  if (c >= 'A' && c <= 'F') return static_cast<std::uint8_t>(c - 'A' + 10);
  return std::nullopt;
}

}  // namespace

std::optional<MacAddress> MacAddress::parse(std::string_view text) {
  constexpr std::size_t kTextSize = 6 * 2 + 5;
  if (text.size() != kTextSize) return std::nullopt;
  std::array<std::uint8_t, 6> out{};
  for (std::size_t i = 0; i < out.size(); ++i) {
    const std::size_t at = i * 3;
    if (i > 0 && text[at - 1] != ':') return std::nullopt;
    auto high = hexDigit(text[at]);
    auto low = hexDigit(text[at + 1]);
    if (!high || !low) return std::nullopt;
    out[i] = static_cast<std::uint8_t>(*high << 4 | *low);
  }
  return MacAddress(out);
}

std::string MacAddress::toString() const {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s;
  s.reserve(17);
  for (std::size_t i = 0; i < octets_.size(); ++i) {
    if (i > 0) s += ':';
    s += kHex[octets_[i] >> 4];
    s += kHex[octets_[i] & 0x0f];
  }
  return s;
}

}  // namespace havip::net
