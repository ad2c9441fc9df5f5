// Reads the captures under tests/testdata/netlink (see its README.md).
#pragma once

#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace havip::netlink::testing {

inline std::vector<std::uint8_t> golden(const std::string& name) {
  std::ifstream in(std::string(HAVIP_TESTDATA) + "/netlink/" + name, std::ios::binary);
  if (!in) return {};
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline std::uint32_t load32(const std::vector<std::uint8_t>& bytes, std::size_t at) {
  std::uint32_t v = 0;
  std::memcpy(&v, bytes.data() + at, sizeof v);
  return v;
}

inline void store32(std::vector<std::uint8_t>& bytes, std::size_t at, std::uint32_t v) {
  std::memcpy(bytes.data() + at, &v, sizeof v);
}

}  // namespace havip::netlink::testing
