#include "netio/arp_frame.h"

#include <algorithm>

namespace havip::netio {

namespace {

class FrameWriter {
 public:
  explicit FrameWriter(GarpFrame& frame) : frame_(frame) {}
  template <std::size_t N>
  void bytes(const std::array<std::uint8_t, N>& b) {
    std::copy(b.begin(), b.end(), frame_.begin() + static_cast<std::ptrdiff_t>(at_));
    at_ += N;
  }
  void u8(std::uint8_t v) { frame_[at_++] = v; }
  void u16(std::uint16_t v) {
    u8(static_cast<std::uint8_t>(v >> 8));
    u8(static_cast<std::uint8_t>(v));
  }

 private:
  GarpFrame& frame_;
  std::size_t at_ = 0;
};

}  // namespace

GarpFrame buildGratuitousArp(const net::MacAddress& ourMac, net::Ipv4Address vip) {
  GarpFrame frame{};
  FrameWriter w(frame);
  // Ethernet II header.
  w.bytes(net::kBroadcastMac.octets());
  w.bytes(ourMac.octets());
  w.u16(kEtherTypeArp);
  // ARP body (RFC 826). A request rather than a reply: some hosts only update
  // their cache from requests, and it is what keepalived sends.
  w.u16(kArpHardwareEthernet);
  w.u16(kEtherTypeIpv4);
  w.u8(6);  // hardware address length
  w.u8(4);  // protocol address length
  w.u16(kArpOpRequest);
  w.bytes(ourMac.octets());
  w.bytes(vip.octets());
  w.bytes(net::kBroadcastMac.octets());
  w.bytes(vip.octets());
  return frame;
}

}  // namespace havip::netio
