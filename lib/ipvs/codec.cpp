#include "ipvs/codec.h"

#include <algorithm>
#include <array>
#include <climits>
#include <cstring>

#include <linux/genetlink.h>
#include <linux/ip_vs.h>
#include <linux/netlink.h>
#include <sys/socket.h>

#include <fmt/format.h>

namespace havip::ipvs {
namespace {

constexpr std::size_t kNlHeader = sizeof(nlmsghdr);   // 16
constexpr std::size_t kGenlHeader = GENL_HDRLEN;      // 4
constexpr std::size_t kAttrHeader = sizeof(nlattr);   // 4
constexpr std::size_t kInetAddrSize = 16;             // union nf_inet_addr, what ipvsadm and the kernel send
constexpr std::uint16_t kRequestFlags = NLM_F_REQUEST | NLM_F_ACK;

// Appends netlink TLVs in host byte order unless a helper says otherwise,
// padding each attribute to 4 bytes as nla_put does.
class Writer {
 public:
  Writer(std::uint16_t type, std::uint16_t flags, std::uint32_t seq, Command cmd) {
    bytes_.resize(kNlHeader + kGenlHeader, 0);
    std::memcpy(&bytes_[4], &type, 2);
    std::memcpy(&bytes_[6], &flags, 2);
    std::memcpy(&bytes_[8], &seq, 4);
    bytes_[16] = static_cast<std::uint8_t>(cmd);
    bytes_[17] = IPVS_GENL_VERSION;
  }

  void put(std::uint16_t type, const void* data, std::size_t size) {
    const std::size_t at = bytes_.size();
    const auto length = static_cast<std::uint16_t>(kAttrHeader + size);
    bytes_.resize(at + NLA_ALIGN(length), 0);
    std::memcpy(&bytes_[at], &length, 2);
    std::memcpy(&bytes_[at + 2], &type, 2);
    if (size != 0) std::memcpy(&bytes_[at + kAttrHeader], data, size);
  }
  void putU8(std::uint16_t type, std::uint8_t v) { put(type, &v, 1); }
  void putU16(std::uint16_t type, std::uint16_t v) { put(type, &v, 2); }
  void putU32(std::uint16_t type, std::uint32_t v) { put(type, &v, 4); }
  void putBe16(std::uint16_t type, std::uint16_t v) {
    const std::array<std::uint8_t, 2> b{static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)};
    put(type, b.data(), b.size());
  }
  void putBe32(std::uint16_t type, std::uint32_t v) {
    const std::array<std::uint8_t, 4> b{static_cast<std::uint8_t>(v >> 24), static_cast<std::uint8_t>(v >> 16),
                                        static_cast<std::uint8_t>(v >> 8), static_cast<std::uint8_t>(v)};
    put(type, b.data(), b.size());
  }
  void putInet(std::uint16_t type, const net::Ipv4Address& address) {
    std::array<std::uint8_t, kInetAddrSize> b{};
    std::copy(address.octets().begin(), address.octets().end(), b.begin());
    put(type, b.data(), b.size());
  }
  void putString(std::uint16_t type, const std::string& s) { put(type, s.c_str(), s.size() + 1); }

  // libnl 3.7's nla_nest_start sets NLA_F_NESTED; ipvsadm's bytes carry it.
  std::size_t beginNest(std::uint16_t type) {
    const std::size_t at = bytes_.size();
    put(static_cast<std::uint16_t>(type | NLA_F_NESTED), nullptr, 0);
    return at;
  }
  void endNest(std::size_t at) {
    const auto length = static_cast<std::uint16_t>(bytes_.size() - at);
    std::memcpy(&bytes_[at], &length, 2);
  }

  Bytes finish() {
    const auto length = static_cast<std::uint32_t>(bytes_.size());
    std::memcpy(&bytes_[0], &length, 4);
    return std::move(bytes_);
  }

 private:
  Bytes bytes_;
};

void putServiceKey(Writer& w, const ServiceKey& key) {
  w.putU16(IPVS_SVC_ATTR_AF, AF_INET);
  if (key.isFwmark()) {
    w.putU32(IPVS_SVC_ATTR_FWMARK, key.fwmark);
  } else {
    w.putU16(IPVS_SVC_ATTR_PROTOCOL, static_cast<std::uint16_t>(key.protocol));
    w.putInet(IPVS_SVC_ATTR_ADDR, key.address);
    w.putBe16(IPVS_SVC_ATTR_PORT, key.port);
  }
}

// libipvs's ipvs_nl_fill_service_attr: the key, then the scheduler, flags
// with an all-ones mask, timeout and netmask. ipvsadm fills the same nest for
// DEL_SERVICE and destination commands with an empty scheduler and defaults;
// the kernel reads only the key then (ip_vs_genl_parse_service, full_entry false).
void putService(Writer& w, const Service& service) {
  const std::size_t nest = w.beginNest(IPVS_CMD_ATTR_SERVICE);
  putServiceKey(w, service.key);
  w.putString(IPVS_SVC_ATTR_SCHED_NAME, service.scheduler);
  const ip_vs_flags flags{service.flags, ~0u};
  w.put(IPVS_SVC_ATTR_FLAGS, &flags, sizeof(flags));
  w.putU32(IPVS_SVC_ATTR_TIMEOUT, service.timeout);
  w.putBe32(IPVS_SVC_ATTR_NETMASK, service.netmask);
  w.endNest(nest);
}

// libipvs's ipvs_nl_fill_dest_attr (ipvsadm 1.31 order, tunnel attributes included).
void putDestination(Writer& w, const Destination& d) {
  const std::size_t nest = w.beginNest(IPVS_CMD_ATTR_DEST);
  w.putU16(IPVS_DEST_ATTR_ADDR_FAMILY, AF_INET);
  w.putInet(IPVS_DEST_ATTR_ADDR, d.address);
  w.putBe16(IPVS_DEST_ATTR_PORT, d.port);
  w.putU32(IPVS_DEST_ATTR_FWD_METHOD, static_cast<std::uint32_t>(d.forwarding));
  w.putU32(IPVS_DEST_ATTR_WEIGHT, d.weight);
  w.putU8(IPVS_DEST_ATTR_TUN_TYPE, 0);
  w.putBe16(IPVS_DEST_ATTR_TUN_PORT, 0);
  w.putU16(IPVS_DEST_ATTR_TUN_FLAGS, 0);
  w.putU32(IPVS_DEST_ATTR_U_THRESH, d.upperThreshold);
  w.putU32(IPVS_DEST_ATTR_L_THRESH, d.lowerThreshold);
  w.endNest(nest);
}

bool validScheduler(const std::string& name) {
  return !name.empty() && name.size() < IP_VS_SCHEDNAME_MAXLEN && name.find('\0') == std::string::npos;
}

// --- parsing helpers -----------------------------------------------------------

template <typename T>
T load(std::span<const std::uint8_t> bytes, std::size_t at) {
  T value;
  std::memcpy(&value, bytes.data() + at, sizeof(T));
  return value;
}

tl::unexpected<ParseError> fail(std::size_t offset, std::string reason) {
  return tl::make_unexpected(ParseError{offset, std::move(reason)});
}

struct Attribute {
  std::uint16_t type = 0;       // without NLA_F_NESTED / NLA_F_NET_BYTEORDER
  std::size_t offset = 0;       // of the attribute header, in the whole input
  std::size_t payloadAt = 0;    // of the payload, in the whole input
  std::size_t payloadSize = 0;
};

// The attributes of [begin, end) of `all`; each must be whole. Repeated types
// keep the last, as nla_parse does.
class Attributes {
 public:
  static tl::expected<Attributes, ParseError> split(std::span<const std::uint8_t> all, std::size_t begin,
                                                    std::size_t end) {
    Attributes out;
    std::size_t at = begin;
    while (at < end) {
      if (end - at < kAttrHeader) {
        return fail(at, fmt::format("attribute header truncated ({} of {} bytes)", end - at, kAttrHeader));
      }
      const auto length = load<std::uint16_t>(all, at);
      const auto type = static_cast<std::uint16_t>(load<std::uint16_t>(all, at + 2) & NLA_TYPE_MASK);
      if (length < kAttrHeader || length > end - at) {
        return fail(at, fmt::format("attribute {} has length {} with {} bytes left", type, length, end - at));
      }
      out.attrs_.push_back(Attribute{type, at, at + kAttrHeader, length - kAttrHeader});
      // The last attribute's padding may be missing.
      at = std::min<std::size_t>(at + NLA_ALIGN(length), end);
    }
    return out;
  }
  const Attribute* find(std::uint16_t type) const {
    for (auto it = attrs_.rbegin(); it != attrs_.rend(); ++it) {
      if (it->type == type) return &*it;
    }
    return nullptr;
  }

 private:
  std::vector<Attribute> attrs_;
};

class Reader {
 public:
  explicit Reader(std::span<const std::uint8_t> all) : all_(all) {}

  tl::expected<const Attribute*, ParseError> require(const Attributes& attrs, std::uint16_t type, const char* name,
                                                     std::size_t nestAt) const {
    const Attribute* a = attrs.find(type);
    if (a == nullptr) return fail(nestAt, fmt::format("{} missing", name));
    return a;
  }
  template <typename T>
  tl::expected<T, ParseError> fixed(const Attribute& a, const char* name) const {
    if (a.payloadSize < sizeof(T)) {
      return fail(a.offset, fmt::format("{} has {} bytes, needs {}", name, a.payloadSize, sizeof(T)));
    }
    return load<T>(all_, a.payloadAt);
  }
  tl::expected<std::uint16_t, ParseError> be16(const Attribute& a, const char* name) const {
    auto v = fixed<std::uint16_t>(a, name);
    if (!v) return tl::make_unexpected(v.error());
    return static_cast<std::uint16_t>((all_[a.payloadAt] << 8) | all_[a.payloadAt + 1]);
  }
  tl::expected<std::uint32_t, ParseError> be32(const Attribute& a, const char* name) const {
    auto v = fixed<std::uint32_t>(a, name);
    if (!v) return tl::make_unexpected(v.error());
    const std::size_t p = a.payloadAt;
    return (std::uint32_t{all_[p]} << 24) | (std::uint32_t{all_[p + 1]} << 16) | (std::uint32_t{all_[p + 2]} << 8) |
           std::uint32_t{all_[p + 3]};
  }
  tl::expected<net::Ipv4Address, ParseError> inet(const Attribute& a, const char* name) const {
    if (a.payloadSize < 4) return fail(a.offset, fmt::format("{} has {} bytes, needs 4", name, a.payloadSize));
    return net::Ipv4Address({all_[a.payloadAt], all_[a.payloadAt + 1], all_[a.payloadAt + 2], all_[a.payloadAt + 3]});
  }
  tl::expected<std::string, ParseError> string(const Attribute& a, const char* name) const {
    const auto payload = all_.subspan(a.payloadAt, a.payloadSize);
    const auto nul = std::find(payload.begin(), payload.end(), std::uint8_t{0});
    if (nul == payload.end()) return fail(a.offset, fmt::format("{} is not NUL-terminated", name));
    return std::string(payload.begin(), nul);
  }
  tl::expected<Attributes, ParseError> nested(const Attribute& a) const {
    return Attributes::split(all_, a.payloadAt, a.payloadAt + a.payloadSize);
  }

 private:
  std::span<const std::uint8_t> all_;
};

#define HAVIP_TRY(var, expr)                                  \
  auto var##_result = (expr);                                 \
  if (!var##_result) return tl::make_unexpected(var##_result.error()); \
  auto var = *var##_result

// The family of a service or destination: nullopt (with the reason) when it is
// not IPv4, which havip leaves alone.
std::optional<std::string> notIpv4(std::uint16_t family, const char* what) {
  if (family == AF_INET) return std::nullopt;
  return fmt::format("{} of address family {}", what, family);
}

using KeyOrIgnored = std::variant<ServiceKey, IgnoredMessage>;

tl::expected<KeyOrIgnored, ParseError> parseKey(const Reader& r, const Attributes& svc, std::size_t nestAt) {
  HAVIP_TRY(afAttr, r.require(svc, IPVS_SVC_ATTR_AF, "IPVS_SVC_ATTR_AF", nestAt));
  HAVIP_TRY(af, r.fixed<std::uint16_t>(*afAttr, "IPVS_SVC_ATTR_AF"));
  if (auto why = notIpv4(af, "service")) return KeyOrIgnored{IgnoredMessage{*why}};
  if (const Attribute* mark = svc.find(IPVS_SVC_ATTR_FWMARK)) {
    HAVIP_TRY(fwmark, r.fixed<std::uint32_t>(*mark, "IPVS_SVC_ATTR_FWMARK"));
    if (fwmark != 0) return KeyOrIgnored{ServiceKey::mark(fwmark)};
  }
  HAVIP_TRY(protoAttr, r.require(svc, IPVS_SVC_ATTR_PROTOCOL, "IPVS_SVC_ATTR_PROTOCOL", nestAt));
  HAVIP_TRY(addrAttr, r.require(svc, IPVS_SVC_ATTR_ADDR, "IPVS_SVC_ATTR_ADDR", nestAt));
  HAVIP_TRY(portAttr, r.require(svc, IPVS_SVC_ATTR_PORT, "IPVS_SVC_ATTR_PORT", nestAt));
  HAVIP_TRY(protocol, r.fixed<std::uint16_t>(*protoAttr, "IPVS_SVC_ATTR_PROTOCOL"));
  HAVIP_TRY(address, r.inet(*addrAttr, "IPVS_SVC_ATTR_ADDR"));
  HAVIP_TRY(port, r.be16(*portAttr, "IPVS_SVC_ATTR_PORT"));
  if (protocol != static_cast<std::uint16_t>(Protocol::Tcp) && protocol != static_cast<std::uint16_t>(Protocol::Udp)) {
    // SCTP and others exist in the kernel; havip never configures them.
    return KeyOrIgnored{IgnoredMessage{fmt::format("service of protocol {}", protocol)}};
  }
  return KeyOrIgnored{ServiceKey::inet(address, port, static_cast<Protocol>(protocol))};
}

using ServiceOrIgnored = std::variant<ServiceMessage, IgnoredMessage>;

tl::expected<ServiceOrIgnored, ParseError> parseService(const Reader& r, const Attribute& nest) {
  HAVIP_TRY(svc, r.nested(nest));
  HAVIP_TRY(key, parseKey(r, svc, nest.offset));
  if (auto* ignored = std::get_if<IgnoredMessage>(&key)) return ServiceOrIgnored{*ignored};
  Service out;
  out.key = std::get<ServiceKey>(key);
  HAVIP_TRY(schedAttr, r.require(svc, IPVS_SVC_ATTR_SCHED_NAME, "IPVS_SVC_ATTR_SCHED_NAME", nest.offset));
  HAVIP_TRY(flagsAttr, r.require(svc, IPVS_SVC_ATTR_FLAGS, "IPVS_SVC_ATTR_FLAGS", nest.offset));
  HAVIP_TRY(timeoutAttr, r.require(svc, IPVS_SVC_ATTR_TIMEOUT, "IPVS_SVC_ATTR_TIMEOUT", nest.offset));
  HAVIP_TRY(netmaskAttr, r.require(svc, IPVS_SVC_ATTR_NETMASK, "IPVS_SVC_ATTR_NETMASK", nest.offset));
  HAVIP_TRY(scheduler, r.string(*schedAttr, "IPVS_SVC_ATTR_SCHED_NAME"));
  HAVIP_TRY(flags, r.fixed<ip_vs_flags>(*flagsAttr, "IPVS_SVC_ATTR_FLAGS"));
  HAVIP_TRY(timeout, r.fixed<std::uint32_t>(*timeoutAttr, "IPVS_SVC_ATTR_TIMEOUT"));
  HAVIP_TRY(netmask, r.be32(*netmaskAttr, "IPVS_SVC_ATTR_NETMASK"));
  out.scheduler = std::move(scheduler);
  // The kernel marks every hashed service; that is its bookkeeping, not configuration.
  out.flags = (flags.flags & flags.mask) & ~kFlagHashed;
  out.timeout = timeout;
  out.netmask = netmask;
  return ServiceOrIgnored{ServiceMessage{std::move(out)}};
}

using DestinationOrIgnored = std::variant<Destination, IgnoredMessage>;

tl::expected<DestinationOrIgnored, ParseError> parseDestination(const Reader& r, const Attribute& nest) {
  HAVIP_TRY(dst, r.nested(nest));
  if (const Attribute* afAttr = dst.find(IPVS_DEST_ATTR_ADDR_FAMILY)) {
    HAVIP_TRY(af, r.fixed<std::uint16_t>(*afAttr, "IPVS_DEST_ATTR_ADDR_FAMILY"));
    if (auto why = notIpv4(af, "destination")) return DestinationOrIgnored{IgnoredMessage{*why}};
  }
  HAVIP_TRY(addrAttr, r.require(dst, IPVS_DEST_ATTR_ADDR, "IPVS_DEST_ATTR_ADDR", nest.offset));
  HAVIP_TRY(portAttr, r.require(dst, IPVS_DEST_ATTR_PORT, "IPVS_DEST_ATTR_PORT", nest.offset));
  HAVIP_TRY(fwdAttr, r.require(dst, IPVS_DEST_ATTR_FWD_METHOD, "IPVS_DEST_ATTR_FWD_METHOD", nest.offset));
  HAVIP_TRY(weightAttr, r.require(dst, IPVS_DEST_ATTR_WEIGHT, "IPVS_DEST_ATTR_WEIGHT", nest.offset));
  HAVIP_TRY(upperAttr, r.require(dst, IPVS_DEST_ATTR_U_THRESH, "IPVS_DEST_ATTR_U_THRESH", nest.offset));
  HAVIP_TRY(lowerAttr, r.require(dst, IPVS_DEST_ATTR_L_THRESH, "IPVS_DEST_ATTR_L_THRESH", nest.offset));
  Destination out;
  HAVIP_TRY(address, r.inet(*addrAttr, "IPVS_DEST_ATTR_ADDR"));
  HAVIP_TRY(port, r.be16(*portAttr, "IPVS_DEST_ATTR_PORT"));
  HAVIP_TRY(fwd, r.fixed<std::uint32_t>(*fwdAttr, "IPVS_DEST_ATTR_FWD_METHOD"));
  HAVIP_TRY(weight, r.fixed<std::uint32_t>(*weightAttr, "IPVS_DEST_ATTR_WEIGHT"));
  HAVIP_TRY(upper, r.fixed<std::uint32_t>(*upperAttr, "IPVS_DEST_ATTR_U_THRESH"));
  HAVIP_TRY(lower, r.fixed<std::uint32_t>(*lowerAttr, "IPVS_DEST_ATTR_L_THRESH"));
  switch (fwd & IP_VS_CONN_F_FWD_MASK) {
    case IP_VS_CONN_F_MASQ: out.forwarding = Forwarding::Masq; break;
    case IP_VS_CONN_F_TUNNEL: out.forwarding = Forwarding::Tunnel; break;
    case IP_VS_CONN_F_DROUTE: out.forwarding = Forwarding::DirectRoute; break;
    default:
      return fail(fwdAttr->offset, fmt::format("unknown forwarding method {}", fwd & IP_VS_CONN_F_FWD_MASK));
  }
  out.address = address;
  out.port = port;
  out.weight = weight;
  out.upperThreshold = upper;
  out.lowerThreshold = lower;
  // The counters are in every dump entry but not in requests: optional here.
  const std::pair<std::uint16_t, std::uint32_t DestinationStats::*> counters[] = {
      {IPVS_DEST_ATTR_ACTIVE_CONNS, &DestinationStats::activeConnections},
      {IPVS_DEST_ATTR_INACT_CONNS, &DestinationStats::inactiveConnections},
      {IPVS_DEST_ATTR_PERSIST_CONNS, &DestinationStats::persistentConnections},
  };
  for (const auto& [type, member] : counters) {
    if (const Attribute* a = dst.find(type)) {
      HAVIP_TRY(value, r.fixed<std::uint32_t>(*a, "connection counter"));
      out.stats.*member = value;
    }
  }
  return DestinationOrIgnored{out};
}

tl::expected<ErrorMessage, ParseError> parseError(std::span<const std::uint8_t> msg, std::uint16_t flags) {
  if (msg.size() < kNlHeader + sizeof(nlmsgerr)) {
    return fail(kNlHeader, fmt::format("nlmsgerr truncated ({} of {} bytes)", msg.size() - kNlHeader, sizeof(nlmsgerr)));
  }
  ErrorMessage out;
  const auto error = load<std::int32_t>(msg, kNlHeader);
  if (error > 0 || error == INT_MIN) return fail(kNlHeader, fmt::format("error code {} is not a negated errno", error));
  out.error = -error;
  if ((flags & NLM_F_ACK_TLVS) == 0) return out;
  // With NLM_F_CAPPED the kernel echoes only the request's header, else the whole request.
  std::size_t tlvs = kNlHeader + sizeof(nlmsgerr);
  if ((flags & NLM_F_CAPPED) == 0) {
    const auto echoed = load<std::uint32_t>(msg, kNlHeader + sizeof(std::int32_t));
    if (echoed < kNlHeader || echoed > msg.size() - kNlHeader - sizeof(std::int32_t)) {
      return fail(kNlHeader + 4, fmt::format("echoed request length {} does not fit", echoed));
    }
    tlvs = kNlHeader + sizeof(std::int32_t) + NLMSG_ALIGN(echoed);
    tlvs = std::min(tlvs, msg.size());
  }
  auto attrs = Attributes::split(msg, tlvs, msg.size());
  if (!attrs) return tl::make_unexpected(attrs.error());
  if (const Attribute* text = attrs->find(NLMSGERR_ATTR_MSG)) {
    auto s = Reader(msg).string(*text, "NLMSGERR_ATTR_MSG");
    if (!s) return tl::make_unexpected(s.error());
    out.extAck = std::move(*s);
  }
  return out;
}

tl::expected<Message, ParseError> parseGenl(std::span<const std::uint8_t> msg, Message out) {
  if (msg.size() < kNlHeader + kGenlHeader) {
    return fail(kNlHeader, fmt::format("genlmsghdr truncated ({} of {} bytes)", msg.size() - kNlHeader, kGenlHeader));
  }
  out.command = msg[kNlHeader];
  const Reader r(msg);
  HAVIP_TRY(top, Attributes::split(msg, kNlHeader + kGenlHeader, msg.size()));
  const Attribute* svc = top.find(IPVS_CMD_ATTR_SERVICE);
  const Attribute* dst = top.find(IPVS_CMD_ATTR_DEST);
  switch (static_cast<Command>(out.command)) {
    case Command::NewService:
    case Command::SetService:
    case Command::DelService: {
      if (svc == nullptr) return fail(kNlHeader, "service message without IPVS_CMD_ATTR_SERVICE");
      HAVIP_TRY(parsed, parseService(r, *svc));
      std::visit([&out](auto&& body) { out.body = std::move(body); }, std::move(parsed));
      return out;
    }
    case Command::NewDest:
    case Command::SetDest:
    case Command::DelDest: {
      if (dst == nullptr) return fail(kNlHeader, "destination message without IPVS_CMD_ATTR_DEST");
      DestinationMessage body;
      if (svc != nullptr) {
        HAVIP_TRY(nest, r.nested(*svc));
        HAVIP_TRY(key, parseKey(r, nest, svc->offset));
        if (auto* ignored = std::get_if<IgnoredMessage>(&key)) {
          out.body = *ignored;
          return out;
        }
        body.service = std::get<ServiceKey>(key);
      }
      HAVIP_TRY(parsed, parseDestination(r, *dst));
      if (auto* ignored = std::get_if<IgnoredMessage>(&parsed)) {
        out.body = *ignored;
        return out;
      }
      body.destination = std::get<Destination>(parsed);
      out.body = std::move(body);
      return out;
    }
    case Command::SetInfo: {
      const Attribute* version = top.find(IPVS_INFO_ATTR_VERSION);
      const Attribute* size = top.find(IPVS_INFO_ATTR_CONN_TAB_SIZE);
      if (version == nullptr || size == nullptr) return fail(kNlHeader, "info reply without version or table size");
      HAVIP_TRY(v, r.fixed<std::uint32_t>(*version, "IPVS_INFO_ATTR_VERSION"));
      HAVIP_TRY(s, r.fixed<std::uint32_t>(*size, "IPVS_INFO_ATTR_CONN_TAB_SIZE"));
      out.body = InfoMessage{Info{v, s}};
      return out;
    }
    case Command::GetService:
    case Command::GetDest:
    case Command::GetInfo: {
      GetRequestMessage body;
      if (svc != nullptr) {
        HAVIP_TRY(nest, r.nested(*svc));
        HAVIP_TRY(key, parseKey(r, nest, svc->offset));
        if (auto* k = std::get_if<ServiceKey>(&key)) body.service = *k;
      }
      out.body = body;
      return out;
    }
  }
  out.body = IgnoredMessage{fmt::format("IPVS command {}", out.command)};
  return out;
}

}  // namespace

// --- Builders ------------------------------------------------------------------

tl::expected<Bytes, std::error_code> buildOperation(std::uint16_t familyId, std::uint32_t seq, const Operation& op) {
  const auto invalid = tl::make_unexpected(std::make_error_code(std::errc::invalid_argument));
  using Kind = Operation::Kind;
  Command cmd = Command::NewService;
  switch (op.kind) {
    case Kind::AddService: cmd = Command::NewService; break;
    case Kind::EditService: cmd = Command::SetService; break;
    case Kind::DeleteService: cmd = Command::DelService; break;
    case Kind::AddDestination: cmd = Command::NewDest; break;
    case Kind::EditDestination: cmd = Command::SetDest; break;
    case Kind::DeleteDestination: cmd = Command::DelDest; break;
  }
  Writer w(familyId, kRequestFlags, seq, cmd);
  if (op.kind == Kind::AddService || op.kind == Kind::EditService) {
    if (!validScheduler(op.service.scheduler)) return invalid;
    if (op.service.timeout > kMaxPersistenceTimeout) return invalid;
    putService(w, op.service);
    return w.finish();
  }
  // What ipvsadm sends when it knows only the key: no scheduler, default flags.
  const Service keyOnly{op.service.key, "", 0, 0, kDefaultNetmask};
  putService(w, keyOnly);
  if (op.kind != Kind::DeleteService) {
    if (op.destination.weight > static_cast<std::uint32_t>(INT32_MAX)) return invalid;
    putDestination(w, op.destination);
  }
  return w.finish();
}

Bytes buildServiceDump(std::uint16_t familyId, std::uint32_t seq) {
  Writer w(familyId, kRequestFlags | NLM_F_DUMP, seq, Command::GetService);
  return w.finish();
}

Bytes buildDestinationDump(std::uint16_t familyId, std::uint32_t seq, const ServiceKey& key) {
  Writer w(familyId, kRequestFlags | NLM_F_DUMP, seq, Command::GetDest);
  const std::size_t nest = w.beginNest(IPVS_CMD_ATTR_SERVICE);
  putServiceKey(w, key);
  w.endNest(nest);
  return w.finish();
}

Bytes buildInfoRequest(std::uint16_t familyId, std::uint32_t seq) {
  Writer w(familyId, kRequestFlags, seq, Command::GetInfo);
  return w.finish();
}

// --- Parser --------------------------------------------------------------------

std::string ParseError::toString() const { return fmt::format("offset {}: {}", offset, reason); }

tl::expected<Message, ParseError> parseMessage(std::span<const std::uint8_t> bytes, std::uint16_t familyId) {
  if (bytes.size() < kNlHeader) {
    return fail(0, fmt::format("netlink header truncated ({} of {} bytes)", bytes.size(), kNlHeader));
  }
  Message out;
  out.header.length = load<std::uint32_t>(bytes, 0);
  out.header.type = load<std::uint16_t>(bytes, 4);
  out.header.flags = load<std::uint16_t>(bytes, 6);
  out.header.seq = load<std::uint32_t>(bytes, 8);
  out.header.portId = load<std::uint32_t>(bytes, 12);
  if (out.header.length < kNlHeader || out.header.length > bytes.size()) {
    return fail(0, fmt::format("nlmsg_len {} with {} bytes available", out.header.length, bytes.size()));
  }
  const auto msg = bytes.first(out.header.length);
  switch (out.header.type) {
    case NLMSG_NOOP: out.body = IgnoredMessage{"NLMSG_NOOP"}; return out;
    case NLMSG_DONE: out.body = DoneMessage{}; return out;
    case NLMSG_ERROR: {
      auto error = parseError(msg, out.header.flags);
      if (!error) return tl::make_unexpected(error.error());
      out.body = std::move(*error);
      return out;
    }
    default: break;
  }
  if (out.header.type != familyId || familyId < NLMSG_MIN_TYPE) {
    out.body = IgnoredMessage{fmt::format("message type {}", out.header.type)};
    return out;
  }
  return parseGenl(msg, std::move(out));
}

tl::expected<std::vector<Message>, ParseError> parseMessages(std::span<const std::uint8_t> bytes,
                                                             std::uint16_t familyId) {
  if (bytes.empty()) return fail(0, "empty buffer");
  std::vector<Message> out;
  std::size_t at = 0;
  while (at < bytes.size()) {
    auto one = parseMessage(bytes.subspan(at), familyId);
    if (!one) {
      one.error().offset += at;
      return tl::make_unexpected(one.error());
    }
    const std::size_t next = at + NLMSG_ALIGN(one->header.length);
    out.push_back(std::move(*one));
    at = std::min(next, bytes.size());
  }
  return out;
}

}  // namespace havip::ipvs
