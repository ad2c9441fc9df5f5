// Feeds arbitrary bytes to the IPVS generic netlink reply parser as a socket
// would deliver them: every outcome must be a value or a ParseError, never a
// read past the buffer (ASan) or undefined behaviour (UBSan). Seeds: the
// *.rx.bin and *.tx.bin files of tests/testdata/ipvs/.
#include <cstdint>
#include <span>

#include "ipvs/codec.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> bytes(data, size);
  // 0x1c is the family id in the seeds; the first two bytes of the input also
  // choose one, so messages of "another family" are exercised too.
  const std::uint16_t family = size >= 6 ? static_cast<std::uint16_t>(data[4] | (data[5] << 8)) : 0x1c;
  auto all = havip::ipvs::parseMessages(bytes, family);
  auto first = havip::ipvs::parseMessage(bytes, family);
  // A buffer that parses as a whole parses message by message too.
  if (all && !all->empty() && !first) __builtin_trap();
  (void)havip::ipvs::parseMessages(bytes, 0x1c);
  return 0;
}
