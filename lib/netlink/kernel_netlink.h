// The real AddressTable, LinkTable and EventStream: rtnetlink through libmnl.
// Only daemon/ (and the netns tests) construct these; everything else takes the interfaces.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <system_error>

#include <tl/expected.hpp>

#include "netlink/interfaces.h"

namespace boost::asio {
class io_context;
}

namespace havip::netlink {

struct KernelOptions {
  // Bound on one request's whole answer (an ACK, or every part of a dump).
  // The kernel answers in well under a millisecond; this only stops a stuck
  // kernel or a lost reply from stalling the loop for good.
  std::chrono::milliseconds replyTimeout{1000};
  // SO_RCVBUF of the notification socket. Bigger means ENOBUFS (and a resync)
  // only under heavier bursts.
  int eventReceiveBuffer = 1 << 20;
};

class RequestChannel;  // one NETLINK_ROUTE socket doing request/answer; kernel_netlink.cpp

// AddressTable and LinkTable over one socket. Each call is synchronous: it
// sends one request and waits at most replyTimeout for the answer, so it blocks
// the event loop for the kernel's sub-millisecond reply and never longer than
// that bound (ETIMEDOUT). A late reply to a timed-out request is discarded by
// sequence number.
class KernelNetlink final : public AddressTable, public LinkTable {
 public:
  static tl::expected<std::unique_ptr<KernelNetlink>, std::error_code> open(KernelOptions options = {});
  ~KernelNetlink() override;

  Status add(int ifindex, const net::Ipv4Prefix& prefix, std::string_view label) override;
  Status remove(int ifindex, const net::Ipv4Prefix& prefix) override;
  tl::expected<std::vector<AddressInfo>, std::error_code> list(int ifindex) override;

  tl::expected<LinkInfo, std::error_code> byName(std::string_view name) override;
  tl::expected<LinkInfo, std::error_code> byIndex(int ifindex) override;
  tl::expected<net::Ipv4Address, std::error_code> primaryAddress(int ifindex) override;

  // Every link / every IPv4 address, one dump each.
  tl::expected<std::vector<LinkInfo>, std::error_code> dumpLinks();
  tl::expected<std::vector<AddressInfo>, std::error_code> dumpAddresses();

 private:
  explicit KernelNetlink(std::unique_ptr<RequestChannel> channel);
  std::unique_ptr<RequestChannel> channel_;
};

// Notifications from RTNLGRP_LINK and RTNLGRP_IPV4_IFADDR, read asynchronously
// with an asio stream_descriptor on the libmnl socket; the handler runs inside
// io_context::run(). start() takes a dump as the baseline (no events for what
// already exists). On ENOBUFS it dumps again, delivers the differences and a
// ResyncEvent, and carries on.
class KernelEventStream final : public EventStream {
 public:
  explicit KernelEventStream(boost::asio::io_context& io, KernelOptions options = {});
  ~KernelEventStream() override;
  KernelEventStream(const KernelEventStream&) = delete;
  KernelEventStream& operator=(const KernelEventStream&) = delete;

  // Opens and subscribes the socket on the first call; errors are the socket's.
  Status start(Handler handler) override;
  void stop() override;

  std::uint64_t resyncCount() const;  // times ENOBUFS forced a resync

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;  // shared with pending asio handlers, which hold it weakly
};

}  // namespace havip::netlink
