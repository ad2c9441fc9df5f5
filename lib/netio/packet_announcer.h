// The real Announcer: one AF_PACKET/SOCK_RAW socket for all interfaces, opened
// with protocol 0 so the kernel queues nothing to it (it only ever sends).
// Needs CAP_NET_RAW. A send is a single non-blocking sendto of 42 bytes, so
// unlike the transport there is nothing to wait for and no io_context to take.
#pragma once

#include <memory>

#include "netio/announcer.h"

namespace havip::netio {

class PacketAnnouncer final : public Announcer {
 public:
  static tl::expected<std::unique_ptr<PacketAnnouncer>, std::error_code> open();
  ~PacketAnnouncer() override;
  PacketAnnouncer(const PacketAnnouncer&) = delete;
  PacketAnnouncer& operator=(const PacketAnnouncer&) = delete;

  tl::expected<void, std::error_code> sendGratuitousArp(int ifindex, const net::MacAddress& ourMac,
                                                        net::Ipv4Address vip) override;

 private:
  explicit PacketAnnouncer(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace havip::netio
