// Feeds arbitrary bytes to decodePacket() as a raw socket would deliver them,
// validates what decodes against the seed instance, and checks that encoding
// a decoded advert gives back the bytes it came from.
#include <cstdint>
#include <cstdlib>
#include <span>

#include "vrrp/advert.h"

namespace {

using namespace havip;

void require(bool ok) {
  if (!ok) std::abort();  // libFuzzer reports the input that got here
}

const vrrp::Expectation& seedExpectation() {
  static const vrrp::Expectation e = [] {
    vrrp::Expectation x;
    x.vrid = 51;
    x.authType = vrrp::AuthType::SimpleText;
    x.authData = vrrp::authDataFromPassword("1111");
    x.advertIntervalSec = 1;
    x.addresses = {net::Ipv4Address::fromHostOrder(0x0a0b0c63)};
    return x;
  }();
  return e;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> packet(data, size);
  auto received = vrrp::decodePacket(packet);
  if (!received) {
    require(vrrp::toString(received.error()) != "unknown");
    return 0;
  }
  const auto verdict = vrrp::validate(received->advert, seedExpectation());
  if (verdict) require(vrrp::toString(*verdict) != "unknown");

  // Round trip. decodePacket() accepted, so the VRRP message is exactly
  // bytes [IHL*4, total length) and its checksum verified.
  const std::size_t headerSize = std::size_t{data[0] & 0x0fu} * 4;
  const std::size_t totalLength = std::size_t{data[2]} << 8 | data[3];
  const auto message = packet.subspan(headerSize, totalLength - headerSize);
  const auto reencoded = vrrp::encode(received->advert);
  require(reencoded.size() == message.size());
  for (std::size_t i = 0; i < message.size(); ++i) {
    if (i == 6 || i == 7) continue;
    require(reencoded[i] == message[i]);
  }
  // One's complement has two zeros: a received checksum of 0xffff verifies
  // wherever encode() computes 0x0000, and the two are equally valid.
  const unsigned theirs = unsigned{message[6]} << 8 | message[7];
  const unsigned ours = unsigned{reencoded[6]} << 8 | reencoded[7];
  require(theirs == ours || (theirs == 0xffff && ours == 0x0000));

  auto again = vrrp::decodePacket(vrrp::encodePacket(received->advert, received->source, 1));
  require(again && again->advert == received->advert && again->source == received->source);
  return 0;
}
