// Moves VRRP packets (whole IPv4 packets, IP header included) to and from one
// interface. It neither builds nor checks VRRP: lib/vrrp does. One transport per
// interface, shared by every VRRP instance on it; the owner of the receive
// handler demultiplexes by VRID. Single-threaded: call it from the event loop.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <system_error>

#include <tl/expected.hpp>

namespace havip::netio {

// A legal VRRPv2 packet is at most 60 + 8 + 255 * 4 + 8 = 1096 bytes. Anything
// received that is larger is not VRRPv2: it is dropped and counted as truncated.
inline constexpr std::size_t kMaxReceivedPacketSize = 2048;

struct TransportCounters {
  std::uint64_t sent = 0;            // send() calls that succeeded
  std::uint64_t sendErrors = 0;      // send() calls that returned an error
  std::uint64_t received = 0;        // packets handed to the receive handler
  std::uint64_t wrongInterface = 0;  // arrived on another interface: dropped
  std::uint64_t truncated = 0;       // larger than kMaxReceivedPacketSize: dropped
  std::uint64_t unhandled = 0;       // arrived while no handler was set: dropped
  std::uint64_t receiveErrors = 0;   // recvmsg() failures other than "nothing queued"
  bool operator==(const TransportCounters&) const = default;
};

class AdvertTransport {
 public:
  // Called once per packet on the event loop. The bytes are valid only during
  // the call. The handler may call send(); it must not destroy the transport.
  using ReceiveHandler =
      std::function<void(std::span<const std::uint8_t> ipPacket, int arrivalIfindex)>;

  virtual ~AdvertTransport() = default;

  virtual int ifindex() const = 0;
  virtual const std::string& interfaceName() const = 0;

  // Sends one complete IPv4 packet as given (the caller sets TTL 255, TOS,
  // source and destination). The kernel fills in the IP checksum and total
  // length, and the identification when it is 0. Errors such as ENETDOWN,
  // ENXIO, EMSGSIZE or EAGAIN are returned, never thrown; EINVAL when the bytes
  // are not an IPv4 packet.
  virtual tl::expected<void, std::error_code> send(std::span<const std::uint8_t> ipPacket) = 0;

  // Replaces the handler; an empty one stops delivery (packets are then counted
  // as unhandled).
  virtual void setReceiveHandler(ReceiveHandler handler) = 0;

  virtual TransportCounters counters() const = 0;
};

}  // namespace havip::netio
