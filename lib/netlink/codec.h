// rtnetlink messages as pure functions over bytes: builders for the requests
// havip sends and parsers for the replies and notifications it reads. No socket.
//
// Builders produce exactly one message with nlmsg_pid 0 (the kernel fills the
// sender in) in the layout iproute2 6.1 uses; see tests/testdata/netlink/README.md
// for the bytes that differ from iproute2's and why.
// Parsers never trust a length: anything truncated or inconsistent is a
// ParseError, never a read past the buffer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <variant>
#include <vector>

#include <tl/expected.hpp>

#include "net/ipv4.h"
#include "netlink/types.h"

namespace havip::netlink {

using Bytes = std::vector<std::uint8_t>;

// --- Builders ----------------------------------------------------------------

// RTM_NEWADDR, NLM_F_REQUEST|NLM_F_ACK|NLM_F_CREATE|NLM_F_EXCL, scope universe,
// IFA_LOCAL and IFA_ADDRESS both the prefix's address (a plain, not
// point-to-point, address), IFA_LABEL when label is not empty.
// EINVAL: ifindex <= 0, prefix length > 32, label of 16 bytes or more (IFNAMSIZ).
tl::expected<Bytes, std::error_code> buildAddAddress(std::uint32_t seq, int ifindex,
                                                     const net::Ipv4Prefix& prefix,
                                                     std::string_view label = {});
// RTM_DELADDR, NLM_F_REQUEST|NLM_F_ACK, the same body without a label
// (the kernel matches on ifindex, address and prefix length).
tl::expected<Bytes, std::error_code> buildRemoveAddress(std::uint32_t seq, int ifindex,
                                                        const net::Ipv4Prefix& prefix);
// RTM_GETLINK dump of every link, statistics skipped (RTEXT_FILTER_SKIP_STATS).
Bytes buildLinkDump(std::uint32_t seq);
// RTM_GETADDR dump of every IPv4 address.
Bytes buildAddressDump(std::uint32_t seq);

// --- Parsers -----------------------------------------------------------------

struct Header {
  std::uint16_t type = 0;
  std::uint16_t flags = 0;
  std::uint32_t seq = 0;
  std::uint32_t portId = 0;
};

struct LinkMessage {  // RTM_NEWLINK / RTM_DELLINK
  bool deleted = false;
  LinkInfo link;
};
struct AddressMessage {  // RTM_NEWADDR / RTM_DELADDR of an IPv4 address
  bool deleted = false;
  AddressInfo address;
};
struct ErrorMessage {  // NLMSG_ERROR; error 0 is an ACK
  int error = 0;       // a positive errno value (the kernel sends it negated)
  std::string extAck;  // NLMSGERR_ATTR_MSG when the kernel sent one, e.g. "ipv4: Address not found"
};
struct DoneMessage {};     // NLMSG_DONE: the end of a dump
struct IgnoredMessage {};  // well formed but not for us: NLMSG_NOOP, IPv6 addresses, other types

struct Message {
  Header header;
  std::variant<LinkMessage, AddressMessage, ErrorMessage, DoneMessage, IgnoredMessage> body;
};

struct ParseError {
  std::size_t offset = 0;  // where in the input the problem is
  std::string reason;
  std::string toString() const;  // "offset 16: ifinfomsg truncated (12 of 16 bytes)"
};

// Exactly one message: nlmsg_len must be >= 16 and fit in bytes; bytes past
// nlmsg_len are ignored.
tl::expected<Message, ParseError> parseMessage(std::span<const std::uint8_t> bytes);
// A whole receive buffer: one or more messages, each at NLMSG_ALIGN of the last.
// Empty input, or trailing bytes that are not a whole message, are errors.
tl::expected<std::vector<Message>, ParseError> parseMessages(std::span<const std::uint8_t> bytes);

}  // namespace havip::netlink
