// Feeds arbitrary bytes to the control socket's frame decoder, in the chunk
// sizes a hostile client might choose, then decodes every completed frame as a
// request and as a response. Nothing may crash, hang or allocate past the cap.
#include <cstdint>
#include <string_view>

#include "control/protocol.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  // The first byte chooses the chunk size, so splits across frames are explored.
  const std::size_t chunk = 1 + data[0] % 32;
  std::string_view input(reinterpret_cast<const char*>(data + 1), size - 1);
  havip::control::FrameDecoder decoder;
  for (std::size_t off = 0; off < input.size(); off += chunk) {
    auto frames = decoder.feed(input.substr(off, chunk));
    if (!frames) return 0;
    for (const auto& body : *frames) {
      (void)havip::control::decodeRequest(body);
      (void)havip::control::decodeResponse(body);
    }
  }
  return 0;
}
