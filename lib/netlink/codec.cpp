#include "netlink/codec.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <optional>

#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <fmt/format.h>

namespace havip::netlink {
namespace {

// Big enough for the largest request we build (an RTM_NEWADDR with a label is 56 bytes).
constexpr std::size_t kRequestBufferSize = 256;
constexpr std::size_t kHeaderSize = sizeof(nlmsghdr);

// libmnl builds into a caller buffer; the buffer is aligned for nlmsghdr because
// libmnl casts it.
class RequestBuffer {
 public:
  nlmsghdr* start(std::uint16_t type, std::uint16_t flags, std::uint32_t seq) {
    nlmsghdr* nlh = mnl_nlmsg_put_header(storage_.data());
    nlh->nlmsg_type = type;
    nlh->nlmsg_flags = flags;
    nlh->nlmsg_seq = seq;
    nlh->nlmsg_pid = 0;
    return nlh;
  }
  Bytes finish(const nlmsghdr* nlh) const {
    const auto* first = reinterpret_cast<const std::uint8_t*>(nlh);
    return Bytes(first, first + nlh->nlmsg_len);
  }

 private:
  alignas(nlmsghdr) std::array<char, kRequestBufferSize> storage_{};
};

tl::expected<Bytes, std::error_code> buildAddressRequest(std::uint16_t type, std::uint16_t flags,
                                                         std::uint32_t seq, int ifindex,
                                                         const net::Ipv4Prefix& prefix,
                                                         std::string_view label) {
  if (ifindex <= 0 || prefix.length > 32 || label.size() >= IFNAMSIZ ||
      label.find('\0') != std::string_view::npos) {
    return tl::make_unexpected(std::make_error_code(std::errc::invalid_argument));
  }
  RequestBuffer buffer;
  nlmsghdr* nlh = buffer.start(type, flags, seq);
  auto* ifa = static_cast<ifaddrmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifaddrmsg)));
  ifa->ifa_family = AF_INET;
  ifa->ifa_prefixlen = prefix.length;
  ifa->ifa_flags = 0;
  ifa->ifa_scope = RT_SCOPE_UNIVERSE;
  ifa->ifa_index = static_cast<std::uint32_t>(ifindex);
  const auto& octets = prefix.address.octets();
  // iproute2's attribute order (LOCAL, LABEL, ADDRESS) so the bytes compare equal.
  mnl_attr_put(nlh, IFA_LOCAL, octets.size(), octets.data());
  if (!label.empty()) {
    const std::string terminated(label);
    mnl_attr_put_strz(nlh, IFA_LABEL, terminated.c_str());
  }
  mnl_attr_put(nlh, IFA_ADDRESS, octets.size(), octets.data());
  return buffer.finish(nlh);
}

// --- parsing helpers -----------------------------------------------------------

// Reads fixed-size values with memcpy: the input may come from anywhere
// (a fuzzer, a file) and need not be aligned.
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
  std::uint16_t type = 0;                 // without the NLA_F_NESTED / NLA_F_NET_BYTEORDER bits
  std::span<const std::uint8_t> payload;  // nla_len - 4 bytes
  std::size_t offset = 0;                 // of the attribute header, in the message
};

// Splits [begin, end) of a message into attributes; each must be whole.
tl::expected<std::vector<Attribute>, ParseError> splitAttributes(std::span<const std::uint8_t> msg,
                                                                 std::size_t begin) {
  std::vector<Attribute> out;
  std::size_t at = begin;
  while (at < msg.size()) {
    if (msg.size() - at < sizeof(nlattr)) {
      return fail(at, fmt::format("attribute header truncated ({} of {} bytes)", msg.size() - at,
                                  sizeof(nlattr)));
    }
    const auto length = load<std::uint16_t>(msg, at);
    const auto type = load<std::uint16_t>(msg, at + 2);
    if (length < sizeof(nlattr) || length > msg.size() - at) {
      return fail(at, fmt::format("attribute {} has length {} with {} bytes left", type & NLA_TYPE_MASK,
                                  length, msg.size() - at));
    }
    out.push_back(Attribute{static_cast<std::uint16_t>(type & NLA_TYPE_MASK),
                            msg.subspan(at + sizeof(nlattr), length - sizeof(nlattr)), at});
    // The last attribute's padding may be missing from nlmsg_len.
    at = std::min<std::size_t>(at + NLA_ALIGN(length), msg.size());
  }
  return out;
}

const Attribute* findAttribute(const std::vector<Attribute>& attrs, std::uint16_t type) {
  auto it = std::find_if(attrs.begin(), attrs.end(), [type](const Attribute& a) { return a.type == type; });
  return it == attrs.end() ? nullptr : &*it;
}

// A NUL-terminated string attribute; the terminator must be inside the payload.
tl::expected<std::string, ParseError> stringAttribute(const Attribute& attr, std::string_view what) {
  const auto nul = std::find(attr.payload.begin(), attr.payload.end(), std::uint8_t{0});
  if (nul == attr.payload.end()) {
    return fail(attr.offset, fmt::format("{} is not NUL-terminated", what));
  }
  return std::string(attr.payload.begin(), nul);
}

tl::expected<LinkMessage, ParseError> parseLink(std::span<const std::uint8_t> msg, bool deleted) {
  if (msg.size() < kHeaderSize + sizeof(ifinfomsg)) {
    return fail(kHeaderSize, fmt::format("ifinfomsg truncated ({} of {} bytes)", msg.size() - kHeaderSize,
                                         sizeof(ifinfomsg)));
  }
  const auto ifi = load<ifinfomsg>(msg, kHeaderSize);
  if (ifi.ifi_index <= 0) {
    return fail(kHeaderSize + offsetof(ifinfomsg, ifi_index), fmt::format("bad ifindex {}", ifi.ifi_index));
  }
  auto attrs = splitAttributes(msg, kHeaderSize + NLMSG_ALIGN(sizeof(ifinfomsg)));
  if (!attrs) return tl::make_unexpected(attrs.error());

  LinkMessage out;
  out.deleted = deleted;
  out.link.ifindex = ifi.ifi_index;
  out.link.up = (ifi.ifi_flags & IFF_UP) != 0;
  out.link.running = (ifi.ifi_flags & IFF_RUNNING) != 0;
  out.link.lowerUp = (ifi.ifi_flags & IFF_LOWER_UP) != 0;

  const Attribute* name = findAttribute(*attrs, IFLA_IFNAME);
  if (name == nullptr) return fail(kHeaderSize, "link without IFLA_IFNAME");
  auto text = stringAttribute(*name, "IFLA_IFNAME");
  if (!text) return tl::make_unexpected(text.error());
  if (text->empty() || text->size() >= IFNAMSIZ) {
    return fail(name->offset, fmt::format("IFLA_IFNAME of {} bytes", text->size()));
  }
  out.link.name = std::move(*text);

  if (const Attribute* oper = findAttribute(*attrs, IFLA_OPERSTATE)) {
    if (oper->payload.size() < 1) return fail(oper->offset, "IFLA_OPERSTATE empty");
    const std::uint8_t state = oper->payload[0];
    out.link.operState = state <= static_cast<std::uint8_t>(OperState::Up) ? static_cast<OperState>(state)
                                                                           : OperState::Unknown;
  }
  // Only Ethernet-style 6-byte link addresses are MACs; tunnels carry IPs here.
  if (const Attribute* mac = findAttribute(*attrs, IFLA_ADDRESS); mac != nullptr && mac->payload.size() == 6) {
    std::array<std::uint8_t, 6> octets{};
    std::copy(mac->payload.begin(), mac->payload.end(), octets.begin());
    MacAddress value(octets);
    out.link.mac = value;
  }
  return out;
}

tl::expected<std::optional<AddressMessage>, ParseError> parseAddress(std::span<const std::uint8_t> msg,
                                                                     bool deleted) {
  if (msg.size() < kHeaderSize + sizeof(ifaddrmsg)) {
    return fail(kHeaderSize, fmt::format("ifaddrmsg truncated ({} of {} bytes)", msg.size() - kHeaderSize,
                                         sizeof(ifaddrmsg)));
  }
  const auto ifa = load<ifaddrmsg>(msg, kHeaderSize);
  if (ifa.ifa_family != AF_INET) return std::optional<AddressMessage>{};
  if (ifa.ifa_prefixlen > 32) {
    return fail(kHeaderSize + offsetof(ifaddrmsg, ifa_prefixlen),
                fmt::format("IPv4 prefix length {}", ifa.ifa_prefixlen));
  }
  if (ifa.ifa_index == 0 || ifa.ifa_index > 0x7fffffffu) {
    return fail(kHeaderSize + offsetof(ifaddrmsg, ifa_index), fmt::format("bad ifindex {}", ifa.ifa_index));
  }
  auto attrs = splitAttributes(msg, kHeaderSize + NLMSG_ALIGN(sizeof(ifaddrmsg)));
  if (!attrs) return tl::make_unexpected(attrs.error());

  // IFA_LOCAL is the interface's own address; IFA_ADDRESS differs from it only
  // on point-to-point links (the peer), and stands alone when LOCAL is absent.
  const Attribute* addr = findAttribute(*attrs, IFA_LOCAL);
  if (addr == nullptr) addr = findAttribute(*attrs, IFA_ADDRESS);
  if (addr == nullptr) return fail(kHeaderSize, "IPv4 address without IFA_LOCAL or IFA_ADDRESS");
  if (addr->payload.size() != 4) {
    return fail(addr->offset, fmt::format("IPv4 address attribute of {} bytes", addr->payload.size()));
  }
  std::uint32_t flags = ifa.ifa_flags;
  if (const Attribute* extended = findAttribute(*attrs, IFA_FLAGS)) {
    if (extended->payload.size() != 4) {
      return fail(extended->offset, fmt::format("IFA_FLAGS of {} bytes", extended->payload.size()));
    }
    flags |= load<std::uint32_t>(extended->payload, 0);
  }

  AddressMessage out;
  out.deleted = deleted;
  out.address.ifindex = static_cast<int>(ifa.ifa_index);
  out.address.prefix.address =
      net::Ipv4Address({addr->payload[0], addr->payload[1], addr->payload[2], addr->payload[3]});
  out.address.prefix.length = ifa.ifa_prefixlen;
  out.address.secondary = (flags & IFA_F_SECONDARY) != 0;
  if (const Attribute* label = findAttribute(*attrs, IFA_LABEL)) {
    auto text = stringAttribute(*label, "IFA_LABEL");
    if (!text) return tl::make_unexpected(text.error());
    out.address.label = std::move(*text);
  }
  return std::optional<AddressMessage>{std::move(out)};
}

tl::expected<ErrorMessage, ParseError> parseError(std::span<const std::uint8_t> msg, std::uint16_t flags) {
  constexpr std::size_t kErrorBody = sizeof(nlmsgerr);  // int error + the request's nlmsghdr
  if (msg.size() < kHeaderSize + kErrorBody) {
    return fail(kHeaderSize, fmt::format("nlmsgerr truncated ({} of {} bytes)", msg.size() - kHeaderSize,
                                         kErrorBody));
  }
  const auto error = load<std::int32_t>(msg, kHeaderSize);
  if (error > 0 || error < -4095) return fail(kHeaderSize, fmt::format("error code {} is not -errno", error));
  ErrorMessage out;
  out.error = -error;
  if ((flags & NLM_F_ACK_TLVS) == 0) return out;

  // The kernel echoes only the request's header when NLM_F_CAPPED, otherwise
  // the whole request; the extended-ACK attributes follow it.
  const std::size_t echoedAt = kHeaderSize + sizeof(std::int32_t);
  std::size_t echoed = kHeaderSize;
  if ((flags & NLM_F_CAPPED) == 0) {
    echoed = load<std::uint32_t>(msg, echoedAt);
    if (echoed < kHeaderSize || echoed > msg.size() - echoedAt) {
      return fail(echoedAt, fmt::format("echoed request of {} bytes with {} left", echoed, msg.size() - echoedAt));
    }
  }
  auto attrs = splitAttributes(msg, echoedAt + NLMSG_ALIGN(echoed));
  if (!attrs) return tl::make_unexpected(attrs.error());
  if (const Attribute* text = findAttribute(*attrs, NLMSGERR_ATTR_MSG)) {
    auto message = stringAttribute(*text, "NLMSGERR_ATTR_MSG");
    if (!message) return tl::make_unexpected(message.error());
    out.extAck = std::move(*message);
  }
  return out;
}

}  // namespace

tl::expected<Bytes, std::error_code> buildAddAddress(std::uint32_t seq, int ifindex,
                                                     const net::Ipv4Prefix& prefix, std::string_view label) {
  return buildAddressRequest(RTM_NEWADDR, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, seq, ifindex,
                             prefix, label);
}

tl::expected<Bytes, std::error_code> buildRemoveAddress(std::uint32_t seq, int ifindex,
                                                        const net::Ipv4Prefix& prefix) {
  return buildAddressRequest(RTM_DELADDR, NLM_F_REQUEST | NLM_F_ACK, seq, ifindex, prefix, {});
}

Bytes buildLinkDump(std::uint32_t seq) {
  RequestBuffer buffer;
  nlmsghdr* nlh = buffer.start(RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, seq);
  auto* ifi = static_cast<ifinfomsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifinfomsg)));
  ifi->ifi_family = AF_UNSPEC;
  // Counters are most of a link message's size and havip never reads them.
  mnl_attr_put_u32(nlh, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS);
  return buffer.finish(nlh);
}

Bytes buildAddressDump(std::uint32_t seq) {
  RequestBuffer buffer;
  nlmsghdr* nlh = buffer.start(RTM_GETADDR, NLM_F_REQUEST | NLM_F_DUMP, seq);
  auto* ifa = static_cast<ifaddrmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifaddrmsg)));
  ifa->ifa_family = AF_INET;
  return buffer.finish(nlh);
}

std::string ParseError::toString() const { return fmt::format("offset {}: {}", offset, reason); }

tl::expected<Message, ParseError> parseMessage(std::span<const std::uint8_t> bytes) {
  if (bytes.size() < kHeaderSize) {
    return fail(0, fmt::format("nlmsghdr truncated ({} of {} bytes)", bytes.size(), kHeaderSize));
  }
  const auto nlh = load<nlmsghdr>(bytes, 0);
  if (nlh.nlmsg_len < kHeaderSize || nlh.nlmsg_len > bytes.size()) {
    return fail(0, fmt::format("nlmsg_len {} with {} bytes", nlh.nlmsg_len, bytes.size()));
  }
  const auto msg = bytes.first(nlh.nlmsg_len);
  Message out;
  out.header = Header{nlh.nlmsg_type, nlh.nlmsg_flags, nlh.nlmsg_seq, nlh.nlmsg_pid};
  switch (nlh.nlmsg_type) {
    case RTM_NEWLINK:
    case RTM_DELLINK: {
      auto link = parseLink(msg, nlh.nlmsg_type == RTM_DELLINK);
      if (!link) return tl::make_unexpected(link.error());
      out.body = std::move(*link);
      break;
    }
    case RTM_NEWADDR:
    case RTM_DELADDR: {
      auto address = parseAddress(msg, nlh.nlmsg_type == RTM_DELADDR);
      if (!address) return tl::make_unexpected(address.error());
      if (address->has_value()) {
        out.body = std::move(**address);
      } else {
        out.body = IgnoredMessage{};
      }
      break;
    }
    case NLMSG_ERROR: {
      auto error = parseError(msg, nlh.nlmsg_flags);
      if (!error) return tl::make_unexpected(error.error());
      out.body = std::move(*error);
      break;
    }
    case NLMSG_DONE:
      out.body = DoneMessage{};
      break;
    default:
      out.body = IgnoredMessage{};
      break;
  }
  return out;
}

tl::expected<std::vector<Message>, ParseError> parseMessages(std::span<const std::uint8_t> bytes) {
  if (bytes.empty()) return fail(0, "empty buffer");
  std::vector<Message> out;
  std::size_t at = 0;
  while (at < bytes.size()) {
    auto message = parseMessage(bytes.subspan(at));
    if (!message) {
      message.error().offset += at;
      return tl::make_unexpected(message.error());
    }
    out.push_back(std::move(*message));
    at += NLMSG_ALIGN(load<std::uint32_t>(bytes, at));
  }
  return out;
}

}  // namespace havip::netlink
