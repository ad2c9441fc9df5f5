#include "netlink/kernel_netlink.h"

#include <array>
#include <cerrno>
#include <span>
#include <utility>

#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>
#include <poll.h>
#include <sys/socket.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

#include "log/log.h"
#include "netlink/codec.h"
#include "netlink/state_mirror.h"

namespace havip::netlink {
namespace {

// One recv of a dump part: the kernel fills at most what we offer, and uses up
// to 32 KiB per part on large links; 64 KiB leaves room.
constexpr std::size_t kReceiveBufferSize = 64 * 1024;
// Dumps that the kernel marks NLM_F_DUMP_INTR (the table changed meanwhile) are retried.
constexpr int kDumpAttempts = 3;

std::error_code errnoCode(int value) { return {value, std::generic_category()}; }
std::error_code lastError() { return errnoCode(errno); }
bool isErrno(const std::error_code& code, int value) {
  return code.category() == std::generic_category() && code.value() == value;
}

struct MnlSocketCloser {
  void operator()(mnl_socket* socket) const { mnl_socket_close(socket); }
};
using MnlSocket = std::unique_ptr<mnl_socket, MnlSocketCloser>;

// Default-initialised (not zeroed) wherever it is a member: the kernel writes
// what recv() returns and only that is read, so the 64 kB stay untouched, and
// not resident, until a reply that large arrives.
using ReceiveBuffer = std::array<char, kReceiveBufferSize>;

std::span<const std::uint8_t> bytesOf(const nlmsghdr* nlh) {
  return {reinterpret_cast<const std::uint8_t*>(nlh), nlh->nlmsg_len};
}

void enableOption(mnl_socket* socket, int option) {
  int one = 1;
  // Extended ACK and capped ACK only improve the answers; old kernels lack them.
  (void)mnl_socket_setsockopt(socket, option, &one, sizeof(one));
}

}  // namespace

// --- RequestChannel ----------------------------------------------------------

class RequestChannel {
 public:
  static tl::expected<std::unique_ptr<RequestChannel>, std::error_code> open(std::chrono::milliseconds timeout) {
    MnlSocket socket(mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC));
    if (!socket) return tl::make_unexpected(lastError());
    enableOption(socket.get(), NETLINK_EXT_ACK);
    enableOption(socket.get(), NETLINK_CAP_ACK);
    if (mnl_socket_bind(socket.get(), 0, MNL_SOCKET_AUTOPID) < 0) return tl::make_unexpected(lastError());
    return std::unique_ptr<RequestChannel>(new RequestChannel(std::move(socket), timeout));
  }

  std::uint32_t nextSeq() { return ++seq_; }

  // Sends request (built with sequence number seq) and returns the data
  // messages of its answer once the ACK or NLMSG_DONE arrives. A kernel error
  // comes back as its errno; no answer within the timeout as ETIMEDOUT.
  tl::expected<std::vector<Message>, std::error_code> transact(std::uint32_t seq, const Bytes& request) {
    if (mnl_socket_sendto(socket_.get(), request.data(), request.size()) < 0) {
      return tl::make_unexpected(lastError());
    }
    Answer answer;
    const auto deadline = std::chrono::steady_clock::now() + timeout_;
    for (;;) {
      const auto left =
          std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return tl::make_unexpected(errnoCode(ETIMEDOUT));
      pollfd pfd{mnl_socket_get_fd(socket_.get()), POLLIN, 0};
      const int ready = ::poll(&pfd, 1, static_cast<int>(left.count()));
      if (ready < 0 && errno == EINTR) continue;
      if (ready < 0) return tl::make_unexpected(lastError());
      if (ready == 0) return tl::make_unexpected(errnoCode(ETIMEDOUT));

      const ssize_t got = mnl_socket_recvfrom(socket_.get(), buffer_.data(), buffer_.size());
      if (got < 0) return tl::make_unexpected(lastError());
      if (static_cast<std::size_t>(got) >= sizeof(nlmsghdr) &&
          reinterpret_cast<const nlmsghdr*>(buffer_.data())->nlmsg_seq != seq) {
        log::netlink().debug("discarding a late answer to request {}",
                             reinterpret_cast<const nlmsghdr*>(buffer_.data())->nlmsg_seq);
        continue;
      }
      std::array<mnl_cb_t, NLMSG_MIN_TYPE> control{};
      control[NLMSG_ERROR] = &RequestChannel::onError;
      control[NLMSG_DONE] = [](const nlmsghdr*, void*) { return MNL_CB_STOP; };
      const int result = mnl_cb_run2(buffer_.data(), static_cast<std::size_t>(got), seq, portId_,
                                     &RequestChannel::onData, &answer, control.data(), control.size());
      if (result == MNL_CB_ERROR) {
        if (answer.kernelError) {
          if (!answer.extAck.empty()) log::netlink().debug("kernel: {}", answer.extAck);
          return tl::make_unexpected(errnoCode(*answer.kernelError));
        }
        return tl::make_unexpected(lastError());
      }
      if (result == MNL_CB_STOP) {
        if (answer.interrupted) return tl::make_unexpected(errnoCode(EINTR));
        return std::move(answer.messages);
      }
    }
  }

 private:
  struct Answer {
    std::vector<Message> messages;
    std::optional<int> kernelError;
    std::string extAck;
    bool interrupted = false;
  };

  RequestChannel(MnlSocket socket, std::chrono::milliseconds timeout)
      : socket_(std::move(socket)), portId_(mnl_socket_get_portid(socket_.get())), timeout_(timeout) {}

  static int onData(const nlmsghdr* nlh, void* data) {
    auto* answer = static_cast<Answer*>(data);
    auto message = parseMessage(bytesOf(nlh));
    if (!message) {
      log::netlink().warn("malformed answer from the kernel: {}", message.error().toString());
      errno = EBADMSG;
      return MNL_CB_ERROR;
    }
    if ((nlh->nlmsg_flags & NLM_F_DUMP_INTR) != 0) answer->interrupted = true;
    answer->messages.push_back(std::move(*message));
    return MNL_CB_OK;
  }

  static int onError(const nlmsghdr* nlh, void* data) {
    auto* answer = static_cast<Answer*>(data);
    auto message = parseMessage(bytesOf(nlh));
    if (!message) {
      errno = EBADMSG;
      return MNL_CB_ERROR;
    }
    const auto& error = std::get<ErrorMessage>(message->body);
    if (error.error == 0) return MNL_CB_STOP;  // the ACK
    answer->kernelError = error.error;
    answer->extAck = error.extAck;
    errno = error.error;
    return MNL_CB_ERROR;
  }

  MnlSocket socket_;
  std::uint32_t portId_;
  std::chrono::milliseconds timeout_;
  std::uint32_t seq_ = 0;
  alignas(nlmsghdr) ReceiveBuffer buffer_;
};

// --- KernelNetlink -------------------------------------------------------------

tl::expected<std::unique_ptr<KernelNetlink>, std::error_code> KernelNetlink::open(KernelOptions options) {
  auto channel = RequestChannel::open(options.replyTimeout);
  if (!channel) return tl::make_unexpected(channel.error());
  return std::unique_ptr<KernelNetlink>(new KernelNetlink(std::move(*channel)));
}

KernelNetlink::KernelNetlink(std::unique_ptr<RequestChannel> channel) : channel_(std::move(channel)) {}
KernelNetlink::~KernelNetlink() = default;

Status KernelNetlink::add(int ifindex, const net::Ipv4Prefix& prefix, std::string_view label) {
  const auto seq = channel_->nextSeq();
  auto request = buildAddAddress(seq, ifindex, prefix, label);
  if (!request) return tl::make_unexpected(request.error());
  auto answer = channel_->transact(seq, *request);
  if (!answer && isErrno(answer.error(), EEXIST)) {
    log::netlink().debug("RTM_NEWADDR {} ifindex {}: already there", prefix.toString(), ifindex);
    return {};
  }
  if (!answer) return tl::make_unexpected(answer.error());
  log::netlink().debug("RTM_NEWADDR {} ifindex {}: added", prefix.toString(), ifindex);
  return {};
}

Status KernelNetlink::remove(int ifindex, const net::Ipv4Prefix& prefix) {
  const auto seq = channel_->nextSeq();
  auto request = buildRemoveAddress(seq, ifindex, prefix);
  if (!request) return tl::make_unexpected(request.error());
  auto answer = channel_->transact(seq, *request);
  if (!answer && isErrno(answer.error(), EADDRNOTAVAIL)) {
    log::netlink().debug("RTM_DELADDR {} ifindex {}: was not there", prefix.toString(), ifindex);
    return {};
  }
  if (!answer) return tl::make_unexpected(answer.error());
  log::netlink().debug("RTM_DELADDR {} ifindex {}: removed", prefix.toString(), ifindex);
  return {};
}

tl::expected<std::vector<LinkInfo>, std::error_code> KernelNetlink::dumpLinks() {
  tl::expected<std::vector<Message>, std::error_code> answer;
  for (int attempt = 0; attempt < kDumpAttempts; ++attempt) {
    const auto seq = channel_->nextSeq();
    answer = channel_->transact(seq, buildLinkDump(seq));
    if (answer || !isErrno(answer.error(), EINTR)) break;
  }
  if (!answer) return tl::make_unexpected(answer.error());
  std::vector<LinkInfo> links;
  for (auto& message : *answer) {
    if (auto* link = std::get_if<LinkMessage>(&message.body); link != nullptr && !link->deleted) {
      links.push_back(std::move(link->link));
    }
  }
  return links;
}

tl::expected<std::vector<AddressInfo>, std::error_code> KernelNetlink::dumpAddresses() {
  tl::expected<std::vector<Message>, std::error_code> answer;
  for (int attempt = 0; attempt < kDumpAttempts; ++attempt) {
    const auto seq = channel_->nextSeq();
    answer = channel_->transact(seq, buildAddressDump(seq));
    if (answer || !isErrno(answer.error(), EINTR)) break;
  }
  if (!answer) return tl::make_unexpected(answer.error());
  std::vector<AddressInfo> addresses;
  for (auto& message : *answer) {
    if (auto* address = std::get_if<AddressMessage>(&message.body); address != nullptr && !address->deleted) {
      addresses.push_back(std::move(address->address));
    }
  }
  return addresses;
}

tl::expected<std::vector<AddressInfo>, std::error_code> KernelNetlink::list(int ifindex) {
  auto all = dumpAddresses();
  if (!all) return tl::make_unexpected(all.error());
  std::erase_if(*all, [ifindex](const AddressInfo& a) { return a.ifindex != ifindex; });
  return all;
}

tl::expected<LinkInfo, std::error_code> KernelNetlink::byName(std::string_view name) {
  auto links = dumpLinks();
  if (!links) return tl::make_unexpected(links.error());
  for (auto& link : *links) {
    if (link.name == name) return std::move(link);
  }
  return tl::make_unexpected(errnoCode(ENODEV));
}

tl::expected<LinkInfo, std::error_code> KernelNetlink::byIndex(int ifindex) {
  auto links = dumpLinks();
  if (!links) return tl::make_unexpected(links.error());
  for (auto& link : *links) {
    if (link.ifindex == ifindex) return std::move(link);
  }
  return tl::make_unexpected(errnoCode(ENODEV));
}

tl::expected<net::Ipv4Address, std::error_code> KernelNetlink::primaryAddress(int ifindex) {
  auto addresses = list(ifindex);
  if (!addresses) return tl::make_unexpected(addresses.error());
  if (auto primary = choosePrimary(*addresses, ifindex)) return *primary;
  auto link = byIndex(ifindex);
  if (!link) return tl::make_unexpected(link.error());
  return tl::make_unexpected(errnoCode(EADDRNOTAVAIL));
}

// --- KernelEventStream ---------------------------------------------------------

struct KernelEventStream::Impl : std::enable_shared_from_this<Impl> {
  Impl(boost::asio::io_context& io, KernelOptions opts) : options(opts), descriptor(io) {}

  KernelOptions options;
  MnlSocket socket;
  boost::asio::posix::stream_descriptor descriptor;
  std::unique_ptr<KernelNetlink> dumper;  // its own socket, so dumps never mix with notifications
  StateMirror mirror;
  Handler handler;
  std::uint64_t resyncs = 0;
  alignas(nlmsghdr) ReceiveBuffer buffer;

  Status open() {
    MnlSocket s(mnl_socket_open2(NETLINK_ROUTE, SOCK_NONBLOCK | SOCK_CLOEXEC));
    if (!s) return tl::make_unexpected(lastError());
    const int fd = mnl_socket_get_fd(s.get());
    int size = options.eventReceiveBuffer;
    // SO_RCVBUFFORCE passes net.core.rmem_max when we have CAP_NET_ADMIN, which havipd does.
    if (::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0 &&
        ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size)) < 0) {
      return tl::make_unexpected(lastError());
    }
    if (mnl_socket_bind(s.get(), 0, MNL_SOCKET_AUTOPID) < 0) return tl::make_unexpected(lastError());
    for (int group : {RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR}) {
      if (mnl_socket_setsockopt(s.get(), NETLINK_ADD_MEMBERSHIP, &group, sizeof(group)) < 0) {
        return tl::make_unexpected(lastError());
      }
    }
    auto kernel = KernelNetlink::open(options);
    if (!kernel) return tl::make_unexpected(kernel.error());
    // Subscribed first, dumped second: a change in between shows up twice at
    // worst, and the mirror drops the repeat.
    auto links = (*kernel)->dumpLinks();
    if (!links) return tl::make_unexpected(links.error());
    auto addresses = (*kernel)->dumpAddresses();
    if (!addresses) return tl::make_unexpected(addresses.error());
    mirror.reset(*links, *addresses);

    boost::system::error_code ec;
    descriptor.assign(fd, ec);
    if (ec) return tl::make_unexpected(std::error_code(ec.value(), std::generic_category()));
    socket = std::move(s);
    dumper = std::move(*kernel);
    arm();
    return {};
  }

  void close() {
    handler = nullptr;
    if (!socket) return;
    // The descriptor must not close the fd: libmnl owns it.
    descriptor.release();
    socket.reset();
    dumper.reset();
  }

  void arm() {
    descriptor.async_wait(boost::asio::posix::descriptor_base::wait_read,
                          [weak = weak_from_this()](const boost::system::error_code& ec) {
                            auto self = weak.lock();
                            if (!self || ec || !self->socket) return;
                            self->drain();
                          });
  }

  void drain() {
    for (;;) {
      const ssize_t got = mnl_socket_recvfrom(socket.get(), buffer.data(), buffer.size());
      if (got < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) break;
        if (errno == EINTR) continue;
        if (errno == ENOBUFS) {
          resync();
          if (!socket) return;
          continue;
        }
        log::netlink().error("notification socket: {}", lastError().message());
        break;
      }
      std::vector<Event> events;
      Collector collector{this, &events};
      // Notifications carry sequence number and port 0: no matching to do.
      if (mnl_cb_run(buffer.data(), static_cast<std::size_t>(got), 0, 0, &Impl::onNotification, &collector) ==
          MNL_CB_ERROR) {
        log::netlink().warn("notification buffer rejected: {}", lastError().message());
      }
      deliver(events);
      if (!socket) return;  // the handler stopped us
    }
    arm();
  }

  void resync() {
    ++resyncs;
    log::netlink().warn("netlink notifications lost (ENOBUFS): resyncing from a dump");
    auto links = dumper->dumpLinks();
    auto addresses = links ? dumper->dumpAddresses() : tl::expected<std::vector<AddressInfo>, std::error_code>{};
    std::vector<Event> events;
    if (links && addresses) {
      events = mirror.resync(*links, *addresses);
    } else {
      log::netlink().error("resync dump failed: {}",
                           (links ? addresses.error() : links.error()).message());
      events.emplace_back(ResyncEvent{});
    }
    deliver(events);
  }

  void deliver(const std::vector<Event>& events) {
    for (const auto& event : events) {
      if (!handler) return;
      log::netlink().debug("event: {}", toString(event));
      const Handler current = handler;  // the handler may stop() and clear ours
      current(event);
    }
  }

  struct Collector {
    Impl* impl;
    std::vector<Event>* events;
  };

  static int onNotification(const nlmsghdr* nlh, void* data) {
    auto* collector = static_cast<Collector*>(data);
    auto message = parseMessage(bytesOf(nlh));
    if (!message) {
      log::netlink().warn("malformed notification skipped: {}", message.error().toString());
      return MNL_CB_OK;
    }
    std::optional<Event> event;
    if (const auto* link = std::get_if<LinkMessage>(&message->body)) {
      event = collector->impl->mirror.apply(*link);
    } else if (const auto* address = std::get_if<AddressMessage>(&message->body)) {
      event = collector->impl->mirror.apply(*address);
    }
    if (event) collector->events->push_back(std::move(*event));
    return MNL_CB_OK;
  }
};

KernelEventStream::KernelEventStream(boost::asio::io_context& io, KernelOptions options)
    : impl_(std::make_shared<Impl>(io, options)) {}

KernelEventStream::~KernelEventStream() { impl_->close(); }

Status KernelEventStream::start(Handler handler) {
  if (!impl_->socket) {
    if (auto opened = impl_->open(); !opened) return opened;
  }
  impl_->handler = std::move(handler);
  return {};
}

void KernelEventStream::stop() { impl_->close(); }

std::uint64_t KernelEventStream::resyncCount() const { return impl_->resyncs; }

}  // namespace havip::netlink
