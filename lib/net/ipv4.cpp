#include "net/ipv4.h"

#include <charconv>

namespace havip::net {

std::optional<Ipv4Address> Ipv4Address::parse(std::string_view text) {
  std::array<std::uint8_t, 4> out{};
  const char* p = text.data();
  const char* end = text.data() + text.size();
  for (std::size_t i = 0; i < 4; ++i) {
    if (p == end || *p < '0' || *p > '9') return std::nullopt;
    unsigned value = 0;
    const char* start = p;
    auto [next, ec] = std::from_chars(p, end, value);
    if (ec != std::errc{} || value > 255 || next - start > 3) return std::nullopt;
    out[i] = static_cast<std::uint8_t>(value);
    p = next;
    if (i < 3) {
      if (p == end || *p != '.') return std::nullopt;
      ++p;
    }
  }
  if (p != end) return std::nullopt;
  return Ipv4Address(out);
}

std::string Ipv4Address::toString() const {
  std::string s;
  s.reserve(15);
  for (std::size_t i = 0; i < 4; ++i) {
    if (i) s += '.';
    s += std::to_string(octets_[i]);
  }
  return s;
}

std::optional<Ipv4Prefix> Ipv4Prefix::parse(std::string_view text) {
  auto slash = text.find('/');
  auto addr = Ipv4Address::parse(text.substr(0, slash));
  if (!addr) return std::nullopt;
  if (slash == std::string_view::npos) return Ipv4Prefix{*addr, 32};
  auto lenText = text.substr(slash + 1);
  unsigned len = 0;
  auto [next, ec] = std::from_chars(lenText.data(), lenText.data() + lenText.size(), len);
  if (lenText.empty() || lenText.size() > 2 || ec != std::errc{} ||
      next != lenText.data() + lenText.size() || len > 32)
    return std::nullopt;
  return Ipv4Prefix{*addr, static_cast<std::uint8_t>(len)};
}

std::string Ipv4Prefix::toString() const {
  return address.toString() + "/" + std::to_string(length);
}

}  // namespace havip::net
