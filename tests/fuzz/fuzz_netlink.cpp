// Feeds arbitrary bytes to the rtnetlink reply parser as a netlink socket would
// deliver them: every outcome must be a value or a ParseError, never a read
// past the buffer (ASan) or undefined behaviour (UBSan).
#include <cstdint>
#include <span>

#include "netlink/codec.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::span<const std::uint8_t> bytes(data, size);
  auto all = havip::netlink::parseMessages(bytes);
  auto first = havip::netlink::parseMessage(bytes);
  // A buffer that parses as a whole parses message by message too.
  if (all && !all->empty() && !first) __builtin_trap();
  return 0;
}
