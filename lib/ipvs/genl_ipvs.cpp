#include "ipvs/genl_ipvs.h"

#include <cerrno>
#include <memory>
#include <unordered_map>
#include <utility>

#include <linux/genetlink.h>
#include <linux/ip_vs.h>
#include <linux/netlink.h>
#include <netlink/errno.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>
#include <netlink/socket.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "log/log.h"

namespace havip::ipvs {
namespace {

// Dump datagrams are at most 32 KiB (netlink_dump caps its allocation); twice that
// leaves room and MSG_TRUNC still catches anything bigger.
constexpr std::size_t kReceiveSize = 64 * 1024;

std::error_code errnoCode(int e) { return {e, std::generic_category()}; }

// libnl reports its own error numbers; the few that matter here, as errnos.
std::error_code fromLibnl(int nlError) {
  switch (nlError < 0 ? -nlError : nlError) {
    case NLE_OBJ_NOTFOUND: return make_error_code(IpvsError::FamilyNotFound);
    case NLE_PERM: return errnoCode(EPERM);
    case NLE_NOACCESS: return errnoCode(EACCES);
    case NLE_NOMEM: return errnoCode(ENOMEM);
    case NLE_AGAIN: return errnoCode(EAGAIN);
    case NLE_PROTO_MISMATCH: return errnoCode(EPROTONOSUPPORT);
    default: return errnoCode(EIO);
  }
}

class LibnlTransport final : public Transport {
 public:
  // The buffer is not zeroed: only what recv() wrote is read, and untouched
  // pages of it stay out of the daemon's resident memory.
  explicit LibnlTransport(nl_sock* sock)
      : sock_(sock), buffer_(std::make_unique_for_overwrite<std::uint8_t[]>(kReceiveSize)) {}
  ~LibnlTransport() override { nl_socket_free(sock_); }
  LibnlTransport(const LibnlTransport&) = delete;
  LibnlTransport& operator=(const LibnlTransport&) = delete;

  Status send(std::span<const std::uint8_t> bytes) override {
    sockaddr_nl kernel{};
    kernel.nl_family = AF_NETLINK;
    for (;;) {
      const ssize_t n = ::sendto(nl_socket_get_fd(sock_), bytes.data(), bytes.size(), 0,
                                 reinterpret_cast<const sockaddr*>(&kernel), sizeof(kernel));
      if (n >= 0) return {};
      if (errno != EINTR) return tl::make_unexpected(errnoCode(errno));
    }
  }

  tl::expected<Bytes, std::error_code> receive() override {
    for (;;) {
      const ssize_t n = ::recv(nl_socket_get_fd(sock_), buffer_.get(), kReceiveSize, MSG_TRUNC);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) return tl::make_unexpected(errnoCode(ETIMEDOUT));
        return tl::make_unexpected(errnoCode(errno));
      }
      if (static_cast<std::size_t>(n) > kReceiveSize) return tl::make_unexpected(make_error_code(IpvsError::Truncated));
      return Bytes(buffer_.get(), buffer_.get() + n);
    }
  }

 private:
  nl_sock* sock_;
  std::unique_ptr<std::uint8_t[]> buffer_;
};

}  // namespace

tl::expected<std::unique_ptr<GenlIpvs>, std::error_code> GenlIpvs::open(GenlOptions options) {
  nl_sock* sock = nl_socket_alloc();
  if (sock == nullptr) return tl::make_unexpected(errnoCode(ENOMEM));
  auto transport = std::make_unique<LibnlTransport>(sock);  // owns sock from here
  if (const int rc = genl_connect(sock); rc < 0) return tl::make_unexpected(fromLibnl(rc));
  const int family = genl_ctrl_resolve(sock, IPVS_GENL_NAME);
  if (family < 0) {
    // Not logged here: the caller retries and logs a change of reason once.
    return tl::make_unexpected(fromLibnl(family));
  }
  if (const int rc = nl_socket_set_buffer_size(sock, options.receiveBuffer, options.sendBuffer); rc < 0) {
    return tl::make_unexpected(fromLibnl(rc));
  }
  const int fd = nl_socket_get_fd(sock);
  const int on = 1;
  // Error answers echo only the request's header, and carry the kernel's message text.
  ::setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &on, sizeof(on));
  ::setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &on, sizeof(on));
  const auto usec = std::chrono::duration_cast<std::chrono::microseconds>(options.replyTimeout).count();
  timeval tv{static_cast<time_t>(usec / 1000000), static_cast<suseconds_t>(usec % 1000000)};
  if (::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0) return tl::make_unexpected(errnoCode(errno));
  return std::make_unique<GenlIpvs>(std::move(transport), static_cast<std::uint16_t>(family), options);
}

GenlIpvs::GenlIpvs(std::unique_ptr<Transport> transport, std::uint16_t familyId, GenlOptions options)
    : transport_(std::move(transport)), familyId_(familyId), options_(options) {}

GenlIpvs::~GenlIpvs() = default;

Status GenlIpvs::sendOne(const Bytes& request) {
  ++counters_.sendCalls;
  ++counters_.messagesSent;
  return transport_->send(request);
}

template <typename OnMessage>
Status GenlIpvs::collect(std::uint32_t seq, bool dump, OnMessage&& onMessage) {
  for (;;) {
    auto datagram = transport_->receive();
    if (!datagram) return tl::make_unexpected(datagram.error());
    ++counters_.datagramsReceived;
    auto messages = parseMessages(*datagram, familyId_);
    if (!messages) {
      log::logger(log::Component::Ipvs).warn("unparsable IPVS reply: {}", messages.error().toString());
      return tl::make_unexpected(make_error_code(IpvsError::BadReply));
    }
    for (auto& m : *messages) {
      if (m.header.seq != seq) continue;  // a late answer to an earlier, timed-out request
      if (auto* e = std::get_if<ErrorMessage>(&m.body)) {
        if (e->error != 0) return tl::make_unexpected(errnoCode(e->error));
        if (!dump) return {};
        continue;
      }
      if (std::holds_alternative<DoneMessage>(m.body)) {
        if (dump) return {};
        continue;
      }
      onMessage(m);
    }
  }
}

tl::expected<Info, std::error_code> GenlIpvs::info() {
  const std::uint32_t seq = nextSeq_++;
  if (auto sent = sendOne(buildInfoRequest(familyId_, seq)); !sent) return tl::make_unexpected(sent.error());
  std::optional<Info> info;
  auto done = collect(seq, false, [&info](const Message& m) {
    if (auto* i = std::get_if<InfoMessage>(&m.body)) info = i->info;
  });
  if (!done) return tl::make_unexpected(done.error());
  if (!info) return tl::make_unexpected(make_error_code(IpvsError::BadReply));
  return *info;
}

tl::expected<std::vector<Service>, std::error_code> GenlIpvs::services() {
  const std::uint32_t seq = nextSeq_++;
  if (auto sent = sendOne(buildServiceDump(familyId_, seq)); !sent) return tl::make_unexpected(sent.error());
  std::vector<Service> out;
  auto done = collect(seq, true, [&out](const Message& m) {
    if (auto* s = std::get_if<ServiceMessage>(&m.body)) out.push_back(s->service);
  });
  if (!done) return tl::make_unexpected(done.error());
  return out;
}

tl::expected<std::vector<Destination>, std::error_code> GenlIpvs::destinations(const ServiceKey& key) {
  const std::uint32_t seq = nextSeq_++;
  if (auto sent = sendOne(buildDestinationDump(familyId_, seq, key)); !sent) return tl::make_unexpected(sent.error());
  std::vector<Destination> out;
  auto done = collect(seq, true, [&out](const Message& m) {
    if (auto* d = std::get_if<DestinationMessage>(&m.body)) out.push_back(d->destination);
  });
  if (!done) return tl::make_unexpected(done.error());
  return out;
}

tl::expected<OperationResults, std::error_code> GenlIpvs::apply(std::span<const Operation> operations) {
  OperationResults results(operations.size());
  std::unordered_map<std::uint32_t, std::size_t> pending;  // seq -> operation index
  Bytes batch;
  std::size_t next = 0;
  while (next < operations.size()) {
    batch.clear();
    pending.clear();
    while (next < operations.size() && pending.size() < options_.batchMessages) {
      const std::uint32_t seq = nextSeq_++;
      auto request = buildOperation(familyId_, seq, operations[next]);
      if (!request) {
        results[next++] = request.error();
        continue;
      }
      if (!batch.empty() && batch.size() + request->size() > options_.batchBytes) {
        --nextSeq_;  // rebuilt with the same number in the next batch
        break;
      }
      batch.insert(batch.end(), request->begin(), request->end());
      pending.emplace(seq, next++);
    }
    if (batch.empty()) continue;
    ++counters_.sendCalls;
    counters_.messagesSent += pending.size();
    if (auto sent = transport_->send(batch); !sent) return tl::make_unexpected(sent.error());
    log::logger(log::Component::Ipvs).debug("sent {} IPVS requests ({} bytes) in one sendmsg", pending.size(),
                                            batch.size());
    while (!pending.empty()) {
      auto datagram = transport_->receive();
      if (!datagram) return tl::make_unexpected(datagram.error());
      ++counters_.datagramsReceived;
      auto messages = parseMessages(*datagram, familyId_);
      if (!messages) {
        log::logger(log::Component::Ipvs).warn("unparsable IPVS reply: {}", messages.error().toString());
        return tl::make_unexpected(make_error_code(IpvsError::BadReply));
      }
      for (const auto& m : *messages) {
        const auto* e = std::get_if<ErrorMessage>(&m.body);
        if (e == nullptr) continue;
        auto it = pending.find(m.header.seq);
        if (it == pending.end()) continue;  // not ours, or a late answer from before
        if (e->error != 0) results[it->second] = errnoCode(e->error);
        pending.erase(it);
      }
    }
  }
  return results;
}

}  // namespace havip::ipvs
