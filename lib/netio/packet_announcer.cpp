#include "netio/packet_announcer.h"

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "netio/arp_frame.h"

namespace havip::netio {

namespace {

std::error_code lastError() { return {errno, std::system_category()}; }

}  // namespace

tl::expected<std::unique_ptr<PacketAnnouncer>, std::error_code> PacketAnnouncer::open() {
  int fd = ::socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return tl::unexpected(lastError());
  return std::unique_ptr<PacketAnnouncer>(new PacketAnnouncer(fd));
}

PacketAnnouncer::~PacketAnnouncer() { ::close(fd_); }

tl::expected<void, std::error_code> PacketAnnouncer::sendGratuitousArp(int ifindex,
                                                                       const net::MacAddress& ourMac,
                                                                       net::Ipv4Address vip) {
  const GarpFrame frame = buildGratuitousArp(ourMac, vip);
  sockaddr_ll to{};
  to.sll_family = AF_PACKET;
  to.sll_protocol = htons(ETH_P_ARP);
  to.sll_ifindex = ifindex;
  to.sll_halen = ETH_ALEN;
  std::copy(net::kBroadcastMac.octets().begin(), net::kBroadcastMac.octets().end(), to.sll_addr);
  const ssize_t n = ::sendto(fd_, frame.data(), frame.size(), 0,
                             reinterpret_cast<const sockaddr*>(&to), sizeof to);
  if (n < 0) return tl::unexpected(lastError());
  if (static_cast<std::size_t>(n) != frame.size())
    return tl::unexpected(std::make_error_code(std::errc::message_size));
  return {};
}

}  // namespace havip::netio
