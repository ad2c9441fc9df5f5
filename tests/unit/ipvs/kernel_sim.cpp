#include "kernel_sim.h"

#include <cstring>

#include <linux/genetlink.h>
#include <linux/ip_vs.h>
#include <linux/netlink.h>
#include <sys/socket.h>

namespace havip::ipvs::test {

NlBuilder::NlBuilder(std::uint16_t type, std::uint16_t flags, std::uint32_t seq, std::uint32_t pid) {
  bytes_.resize(16, 0);
  std::memcpy(&bytes_[4], &type, 2);
  std::memcpy(&bytes_[6], &flags, 2);
  std::memcpy(&bytes_[8], &seq, 4);
  std::memcpy(&bytes_[12], &pid, 4);
}
NlBuilder& NlBuilder::genl(std::uint8_t cmd, std::uint8_t version) { return raw({cmd, version, 0, 0}); }
NlBuilder& NlBuilder::raw(const std::vector<std::uint8_t>& b) {
  bytes_.insert(bytes_.end(), b.begin(), b.end());
  return *this;
}
NlBuilder& NlBuilder::attr(std::uint16_t type, const std::vector<std::uint8_t>& payload) {
  const auto len = static_cast<std::uint16_t>(4 + payload.size());
  const std::size_t at = bytes_.size();
  bytes_.resize(at + NLA_ALIGN(len), 0);
  std::memcpy(&bytes_[at], &len, 2);
  std::memcpy(&bytes_[at + 2], &type, 2);
  std::copy(payload.begin(), payload.end(), bytes_.begin() + static_cast<std::ptrdiff_t>(at + 4));
  return *this;
}
template <typename T>
static std::vector<std::uint8_t> host(T v) {
  std::vector<std::uint8_t> out(sizeof(T));
  std::memcpy(out.data(), &v, sizeof(T));
  return out;
}
NlBuilder& NlBuilder::u16(std::uint16_t type, std::uint16_t v) { return attr(type, host(v)); }
NlBuilder& NlBuilder::u32(std::uint16_t type, std::uint32_t v) { return attr(type, host(v)); }
NlBuilder& NlBuilder::u64(std::uint16_t type, std::uint64_t v) { return attr(type, host(v)); }
NlBuilder& NlBuilder::be16(std::uint16_t type, std::uint16_t v) {
  return attr(type, {static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)});
}
NlBuilder& NlBuilder::be32(std::uint16_t type, std::uint32_t v) {
  return attr(type, {static_cast<std::uint8_t>(v >> 24), static_cast<std::uint8_t>(v >> 16),
                     static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)});
}
NlBuilder& NlBuilder::str(std::uint16_t type, const std::string& s) {
  std::vector<std::uint8_t> b(s.begin(), s.end());
  b.push_back(0);
  return attr(type, b);
}
NlBuilder& NlBuilder::begin(std::uint16_t type) {
  nests_.push_back(bytes_.size());
  return attr(type, {});
}
NlBuilder& NlBuilder::end() {
  const std::size_t at = nests_.back();
  nests_.pop_back();
  const auto len = static_cast<std::uint16_t>(bytes_.size() - at);
  std::memcpy(&bytes_[at], &len, 2);
  return *this;
}
Bytes NlBuilder::bytes() const {
  Bytes out = bytes_;
  const auto len = static_cast<std::uint32_t>(out.size());
  std::memcpy(&out[0], &len, 4);
  return out;
}

static void stats(NlBuilder& b, std::uint16_t type, bool wide) {
  b.begin(type);
  for (std::uint16_t i = IPVS_STATS_ATTR_CONNS; i <= IPVS_STATS_ATTR_OUTBPS; ++i) {
    if (wide || i == IPVS_STATS_ATTR_INBYTES || i == IPVS_STATS_ATTR_OUTBYTES) {
      b.u64(i, 0);
    } else {
      b.u32(i, 0);
    }
  }
  b.end();
}

static std::vector<std::uint8_t> inet16(net::Ipv4Address a) {
  std::vector<std::uint8_t> out(16, 0);
  std::copy(a.octets().begin(), a.octets().end(), out.begin());
  return out;
}

Bytes kernelService(std::uint16_t family, std::uint32_t seq, const Service& s) {
  NlBuilder b(family, NLM_F_MULTI, seq, 4242);
  b.genl(IPVS_CMD_NEW_SERVICE).begin(IPVS_CMD_ATTR_SERVICE).u16(IPVS_SVC_ATTR_AF, AF_INET);
  if (s.key.isFwmark()) {
    b.u32(IPVS_SVC_ATTR_FWMARK, s.key.fwmark);
  } else {
    b.u16(IPVS_SVC_ATTR_PROTOCOL, static_cast<std::uint16_t>(s.key.protocol))
        .attr(IPVS_SVC_ATTR_ADDR, inet16(s.key.address))
        .be16(IPVS_SVC_ATTR_PORT, s.key.port);
  }
  std::vector<std::uint8_t> flags(8);
  const std::uint32_t f = s.flags | kFlagHashed, mask = ~0u;
  std::memcpy(flags.data(), &f, 4);
  std::memcpy(flags.data() + 4, &mask, 4);
  b.str(IPVS_SVC_ATTR_SCHED_NAME, s.scheduler).attr(IPVS_SVC_ATTR_FLAGS, flags).u32(IPVS_SVC_ATTR_TIMEOUT, s.timeout)
      .be32(IPVS_SVC_ATTR_NETMASK, s.netmask);
  stats(b, IPVS_SVC_ATTR_STATS, false);
  stats(b, IPVS_SVC_ATTR_STATS64, true);
  return b.end().bytes();
}

Bytes kernelDestination(std::uint16_t family, std::uint32_t seq, const Destination& d) {
  NlBuilder b(family, NLM_F_MULTI, seq, 4242);
  b.genl(IPVS_CMD_NEW_DEST).begin(IPVS_CMD_ATTR_DEST)
      .attr(IPVS_DEST_ATTR_ADDR, inet16(d.address)).be16(IPVS_DEST_ATTR_PORT, d.port)
      .u32(IPVS_DEST_ATTR_FWD_METHOD, static_cast<std::uint32_t>(d.forwarding)).u32(IPVS_DEST_ATTR_WEIGHT, d.weight)
      .u8(IPVS_DEST_ATTR_TUN_TYPE, 0).be16(IPVS_DEST_ATTR_TUN_PORT, 0).u16(IPVS_DEST_ATTR_TUN_FLAGS, 0)
      .u32(IPVS_DEST_ATTR_U_THRESH, d.upperThreshold).u32(IPVS_DEST_ATTR_L_THRESH, d.lowerThreshold)
      .u32(IPVS_DEST_ATTR_ACTIVE_CONNS, d.stats.activeConnections)
      .u32(IPVS_DEST_ATTR_INACT_CONNS, d.stats.inactiveConnections)
      .u32(IPVS_DEST_ATTR_PERSIST_CONNS, d.stats.persistentConnections).u16(IPVS_DEST_ATTR_ADDR_FAMILY, AF_INET);
  stats(b, IPVS_DEST_ATTR_STATS, false);
  stats(b, IPVS_DEST_ATTR_STATS64, true);
  return b.end().bytes();
}

Bytes kernelInfo(std::uint16_t family, std::uint32_t seq, const Info& info) {
  return NlBuilder(family, 0, seq, 4242).genl(IPVS_CMD_SET_INFO).u32(IPVS_INFO_ATTR_VERSION, info.version)
      .u32(IPVS_INFO_ATTR_CONN_TAB_SIZE, info.connectionTableSize).bytes();
}

Bytes kernelAck(std::uint32_t seq, int error, std::uint16_t requestType) {
  // NETLINK_CAP_ACK: only the request's header is echoed.
  NlBuilder b(NLMSG_ERROR, error != 0 ? NLM_F_CAPPED : NLM_F_CAPPED, seq, 4242);
  const std::int32_t e = -error;
  std::vector<std::uint8_t> body(20, 0);
  std::memcpy(body.data(), &e, 4);
  const std::uint32_t len = 16;
  std::memcpy(body.data() + 4, &len, 4);
  std::memcpy(body.data() + 8, &requestType, 2);
  std::memcpy(body.data() + 12, &seq, 4);
  return b.raw(body).bytes();
}

Bytes kernelDone(std::uint32_t seq) {
  return NlBuilder(NLMSG_DONE, NLM_F_MULTI, seq, 4242).raw({0, 0, 0, 0}).bytes();
}

Status SimulatedKernel::send(std::span<const std::uint8_t> bytes) {
  ++sendCalls;
  auto messages = parseMessages(bytes, family_);
  if (!messages) return tl::make_unexpected(std::make_error_code(std::errc::invalid_argument));
  std::size_t at = 0;
  for (const auto& m : *messages) {
    ++requests;
    answer(m, bytes.subspan(at, m.header.length));
    at += NLMSG_ALIGN(m.header.length);
  }
  return {};
}

tl::expected<Bytes, std::error_code> SimulatedKernel::receive() {
  if (dropReplies || replies_.empty()) return tl::make_unexpected(std::make_error_code(std::errc::timed_out));
  Bytes out = std::move(replies_.front());
  replies_.pop_front();
  if (garbleReplies && out.size() > 20) out[16] = 0xff, out[17] = 0xff, out.resize(out.size() - 3);
  return out;
}

void SimulatedKernel::answer(const Message& request, std::span<const std::uint8_t>) {
  const std::uint32_t seq = request.header.seq;
  const auto cmd = static_cast<Command>(request.command);
  auto dump = [&](std::vector<Bytes> entries) {
    Bytes datagram;
    std::size_t inDatagram = 0;
    for (auto& e : entries) {
      datagram.insert(datagram.end(), e.begin(), e.end());
      if (++inDatagram == perDatagram_) {
        queue(std::move(datagram));
        datagram.clear();
        inDatagram = 0;
      }
    }
    const Bytes done = kernelDone(seq);
    datagram.insert(datagram.end(), done.begin(), done.end());
    queue(std::move(datagram));
  };
  switch (cmd) {
    case Command::GetInfo: {
      auto info = table_.info();
      Bytes d = kernelInfo(family_, seq, *info);
      const Bytes ack = kernelAck(seq, 0, family_);
      d.insert(d.end(), ack.begin(), ack.end());
      queue(std::move(d));
      return;
    }
    case Command::GetService: {
      std::vector<Bytes> entries;
      const auto services = table_.services();
      for (const auto& s : *services) entries.push_back(kernelService(family_, seq, s));
      dump(std::move(entries));
      return;
    }
    case Command::GetDest: {
      std::vector<Bytes> entries;
      const auto& get = std::get<GetRequestMessage>(request.body);
      if (get.service) {
        const auto dests = table_.destinations(*get.service);
        for (const auto& d : *dests) entries.push_back(kernelDestination(family_, seq, d));
      }
      dump(std::move(entries));
      return;
    }
    default: break;
  }
  Operation op;
  if (const auto* s = std::get_if<ServiceMessage>(&request.body)) {
    op.service = s->service;
    op.kind = cmd == Command::NewService   ? Operation::Kind::AddService
              : cmd == Command::SetService ? Operation::Kind::EditService
                                           : Operation::Kind::DeleteService;
  } else if (const auto* d = std::get_if<DestinationMessage>(&request.body)) {
    op.service.key = d->service.value_or(ServiceKey{});
    op.destination = d->destination;
    op.kind = cmd == Command::NewDest   ? Operation::Kind::AddDestination
              : cmd == Command::SetDest ? Operation::Kind::EditDestination
                                        : Operation::Kind::DeleteDestination;
  } else {
    queue(kernelAck(seq, EINVAL, family_));
    return;
  }
  auto results = table_.apply(std::span<const Operation>(&op, 1));
  queue(kernelAck(seq, (*results)[0].value(), family_));
}

}  // namespace havip::ipvs::test
