#include "netio/raw_advert_transport.h"

#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include <boost/asio/error.hpp>

#include "net/ipv4.h"

namespace havip::netio {

namespace {

constexpr int kVrrpProtocol = 112;
// A flood must not starve the event loop: after this many datagrams we yield
// and re-arm, which fires again at once if more are queued.
constexpr int kMaxDatagramsPerWakeup = 256;

std::error_code lastError() { return {errno, std::system_category()}; }

// Closes the descriptor unless ownership is released.
class FdGuard {
 public:
  explicit FdGuard(int fd) : fd_(fd) {}
  ~FdGuard() {
    if (fd_ >= 0) ::close(fd_);
  }
  FdGuard(const FdGuard&) = delete;
  FdGuard& operator=(const FdGuard&) = delete;
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

template <typename T>
std::error_code setOption(int fd, int level, int name, const T& value) {
  if (::setsockopt(fd, level, name, &value, sizeof value) < 0) return lastError();
  return {};
}

in_addr toInAddr(net::Ipv4Address a) {
  in_addr out{};
  std::memcpy(&out.s_addr, a.octets().data(), 4);
  return out;
}

std::error_code configureSocket(int fd, int ifindex, const std::string& name) {
  const int on = 1;
  const int off = 0;
  if (auto ec = setOption(fd, IPPROTO_IP, IP_HDRINCL, on)) return ec;
  // Binding to the device keeps packets from other interfaces out of our queue
  // altogether; the IP_PKTINFO check on receive remains as a second line.
  if (name.size() >= IFNAMSIZ) return std::make_error_code(std::errc::invalid_argument);
  if (::setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, name.c_str(),
                   static_cast<socklen_t>(name.size())) < 0)
    return lastError();
  // Without this, Linux hands the socket every 224.0.0.18 packet that any other
  // socket joined on any interface (IP_MULTICAST_ALL defaults to on).
  if (auto ec = setOption(fd, IPPROTO_IP, IP_MULTICAST_ALL, off)) return ec;
  ip_mreqn membership{};
  membership.imr_multiaddr = toInAddr(net::kVrrpGroup);
  membership.imr_ifindex = ifindex;
  if (auto ec = setOption(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, membership)) return ec;
  ip_mreqn outgoing{};
  outgoing.imr_ifindex = ifindex;
  if (auto ec = setOption(fd, IPPROTO_IP, IP_MULTICAST_IF, outgoing)) return ec;
  if (auto ec = setOption(fd, IPPROTO_IP, IP_MULTICAST_LOOP, off)) return ec;
  if (auto ec = setOption(fd, IPPROTO_IP, IP_PKTINFO, on)) return ec;
  return {};
}

}  // namespace

tl::expected<std::unique_ptr<RawAdvertTransport>, std::error_code> RawAdvertTransport::open(
    boost::asio::io_context& io, int ifindex, std::string interfaceName) {
  if (ifindex <= 0) return tl::unexpected(std::make_error_code(std::errc::invalid_argument));
  FdGuard fd(::socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, kVrrpProtocol));
  if (fd.get() < 0) return tl::unexpected(lastError());
  if (auto ec = configureSocket(fd.get(), ifindex, interfaceName)) return tl::unexpected(ec);

  std::unique_ptr<RawAdvertTransport> transport(
      new RawAdvertTransport(io, ifindex, std::move(interfaceName)));
  boost::system::error_code assignError;
  transport->socket_.assign(fd.get(), assignError);
  if (assignError) return tl::unexpected(std::error_code(assignError));
  fd.release();  // the stream_descriptor owns it now
  transport->waitReadable();
  return transport;
}

RawAdvertTransport::RawAdvertTransport(boost::asio::io_context& io, int ifindex,
                                       std::string name)
    : socket_(io), ifindex_(ifindex), name_(std::move(name)), buffer_(kMaxReceivedPacketSize) {}

RawAdvertTransport::~RawAdvertTransport() {
  // Closing cancels the pending wait; its handler then runs with
  // operation_aborted and does not touch this object.
  boost::system::error_code ignored;
  socket_.close(ignored);
}

tl::expected<void, std::error_code> RawAdvertTransport::send(
    std::span<const std::uint8_t> ipPacket) {
  constexpr std::size_t kIpv4HeaderSize = 20;
  if (ipPacket.size() < kIpv4HeaderSize || (ipPacket[0] >> 4) != 4) {
    ++counters_.sendErrors;
    return tl::unexpected(std::make_error_code(std::errc::invalid_argument));
  }
  // With IP_HDRINCL the kernel routes on the sendto address and sends the
  // header as given, so the two must agree: take it from the header.
  sockaddr_in to{};
  to.sin_family = AF_INET;
  std::memcpy(&to.sin_addr.s_addr, ipPacket.data() + 16, 4);
  const ssize_t n = ::sendto(socket_.native_handle(), ipPacket.data(), ipPacket.size(), 0,
                             reinterpret_cast<const sockaddr*>(&to), sizeof to);
  if (n < 0) {
    ++counters_.sendErrors;
    return tl::unexpected(lastError());
  }
  ++counters_.sent;
  return {};
}

void RawAdvertTransport::waitReadable() {
  socket_.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                     [this](const boost::system::error_code& ec) {
                       if (ec == boost::asio::error::operation_aborted) return;
                       if (ec) ++counters_.receiveErrors;
                       else drainSocket();
                       waitReadable();
                     });
}

void RawAdvertTransport::drainSocket() {
  for (int i = 0; i < kMaxDatagramsPerWakeup; ++i) {
    iovec iov{buffer_.data(), buffer_.size()};
    alignas(cmsghdr) unsigned char control[CMSG_SPACE(sizeof(in_pktinfo))];
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    const ssize_t n = ::recvmsg(socket_.native_handle(), &msg, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) ++counters_.receiveErrors;
      return;
    }
    if (msg.msg_flags & MSG_TRUNC) {
      ++counters_.truncated;
      continue;
    }
    int arrival = 0;
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
        in_pktinfo info{};
        std::memcpy(&info, CMSG_DATA(c), sizeof info);
        arrival = info.ipi_ifindex;
      }
    }
    if (arrival != ifindex_) {
      ++counters_.wrongInterface;
      continue;
    }
    if (!handler_) {
      ++counters_.unhandled;
      continue;
    }
    ++counters_.received;
    // A copy, so that the handler may replace itself while it runs.
    const ReceiveHandler handler = handler_;
    handler(std::span<const std::uint8_t>(buffer_.data(), static_cast<std::size_t>(n)), arrival);
  }
}

}  // namespace havip::netio
