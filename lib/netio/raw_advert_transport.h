// The real AdvertTransport: a raw IPv4 socket for protocol 112 with IP_HDRINCL,
// bound to one interface (SO_BINDTODEVICE), member of 224.0.0.18 on that
// interface only, IP_MULTICAST_ALL and multicast loopback off: our own adverts
// and other interfaces' never reach the handler. Needs CAP_NET_RAW. Reading
// runs on the given io_context from open() on, every queued datagram per
// wakeup (at most 256 before yielding to the loop).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

#include "netio/advert_transport.h"

namespace havip::netio {

class RawAdvertTransport final : public AdvertTransport {
 public:
  static tl::expected<std::unique_ptr<RawAdvertTransport>, std::error_code> open(
      boost::asio::io_context& io, int ifindex, std::string interfaceName);
  ~RawAdvertTransport() override;
  RawAdvertTransport(const RawAdvertTransport&) = delete;
  RawAdvertTransport& operator=(const RawAdvertTransport&) = delete;

  int ifindex() const override { return ifindex_; }
  const std::string& interfaceName() const override { return name_; }
  tl::expected<void, std::error_code> send(std::span<const std::uint8_t> ipPacket) override;
  void setReceiveHandler(ReceiveHandler handler) override { handler_ = std::move(handler); }
  TransportCounters counters() const override { return counters_; }

 private:
  RawAdvertTransport(boost::asio::io_context& io, int ifindex, std::string name);
  void waitReadable();
  void drainSocket();

  boost::asio::posix::stream_descriptor socket_;
  int ifindex_;
  std::string name_;
  ReceiveHandler handler_;
  TransportCounters counters_;
  std::vector<std::uint8_t> buffer_;
};

}  // namespace havip::netio
