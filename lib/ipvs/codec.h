// The kernel's "IPVS" generic-netlink family as pure functions over bytes:
// builders for the requests havip sends and a parser for the kernel's replies
// (and for our own requests, which share their shapes). No socket.
//
// Builders produce exactly the bytes ipvsadm 1.31 (libipvs over libnl 3.7)
// sends for the same command, except nlmsg_seq (a parameter), nlmsg_pid (0
// here: the kernel fills in the sender; libnl writes its local port) and
// nlmsg_type (the family id, a parameter: the kernel assigns it at module
// load). See tests/testdata/ipvs/README.md for how that was checked.
// Parsers never trust a length: anything truncated or inconsistent is a
// ParseError, never a read past the buffer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <system_error>
#include <variant>
#include <vector>

#include <tl/expected.hpp>

#include "ipvs/types.h"

namespace havip::ipvs {

using Bytes = std::vector<std::uint8_t>;

// IPVS_CMD_* from linux/ip_vs.h, repeated here so callers need no kernel header.
enum class Command : std::uint8_t {
  NewService = 1,
  SetService = 2,
  DelService = 3,
  GetService = 4,
  NewDest = 5,
  SetDest = 6,
  DelDest = 7,
  GetDest = 8,
  SetInfo = 14,  // the kernel's reply to GetInfo
  GetInfo = 15,
};

// --- Builders ----------------------------------------------------------------
// All requests carry NLM_F_REQUEST|NLM_F_ACK (as libnl's nl_send_auto_complete
// adds), dumps NLM_F_DUMP too, genl version 1.

// The message for one operation. EINVAL: add/edit of a service whose scheduler
// is empty, 16 bytes or longer, or holds a NUL, or whose timeout is above
// kMaxPersistenceTimeout; a weight above INT32_MAX (the kernel reads it as an int).
tl::expected<Bytes, std::error_code> buildOperation(std::uint16_t familyId, std::uint32_t seq, const Operation& op);
// IPVS_CMD_GET_SERVICE with NLM_F_DUMP: every service.
Bytes buildServiceDump(std::uint16_t familyId, std::uint32_t seq);
// IPVS_CMD_GET_DEST with NLM_F_DUMP: the destinations of one service.
Bytes buildDestinationDump(std::uint16_t familyId, std::uint32_t seq, const ServiceKey& key);
// IPVS_CMD_GET_INFO: version and connection table size.
Bytes buildInfoRequest(std::uint16_t familyId, std::uint32_t seq);

// --- Parser ------------------------------------------------------------------

struct Header {
  std::uint32_t length = 0;
  std::uint16_t type = 0;
  std::uint16_t flags = 0;
  std::uint32_t seq = 0;
  std::uint32_t portId = 0;
};

// NEW/SET/DEL_SERVICE: a dump entry, a GET_SERVICE reply, or one of our requests.
struct ServiceMessage {
  Service service;
};
// NEW/SET/DEL_DEST. Dump entries carry no service; our requests do.
struct DestinationMessage {
  std::optional<ServiceKey> service;
  Destination destination;
};
struct InfoMessage {  // SET_INFO, the reply to GET_INFO
  Info info;
};
// A GET_* request (ours): the service it names, if any.
struct GetRequestMessage {
  std::optional<ServiceKey> service;
};
struct ErrorMessage {  // NLMSG_ERROR; error 0 is an ACK
  int error = 0;       // a positive errno value (the kernel sends it negated)
  std::string extAck;  // NLMSGERR_ATTR_MSG when the kernel sent one
};
struct DoneMessage {};  // NLMSG_DONE: the end of a dump
// Well formed but nothing havip uses: NLMSG_NOOP, another family, another
// command, an IPv6 service or destination.
struct IgnoredMessage {
  std::string reason;
};

struct Message {
  Header header;
  std::uint8_t command = 0;  // the genl command; 0 for NLMSG_* control messages
  std::variant<ServiceMessage, DestinationMessage, InfoMessage, GetRequestMessage, ErrorMessage, DoneMessage,
               IgnoredMessage>
      body;
};

struct ParseError {
  std::size_t offset = 0;  // where in the input the problem is
  std::string reason;
  std::string toString() const;  // "offset 24: IPVS_SVC_ATTR_PORT has 1 byte, needs 2"
};

// Exactly one message of the IPVS family whose id is familyId: nlmsg_len must
// be >= 16 and fit in bytes; bytes past nlmsg_len are ignored.
tl::expected<Message, ParseError> parseMessage(std::span<const std::uint8_t> bytes, std::uint16_t familyId);
// A whole receive buffer: one or more messages, each at NLMSG_ALIGN of the last.
// Empty input, or trailing bytes that are not a whole message, are errors.
tl::expected<std::vector<Message>, ParseError> parseMessages(std::span<const std::uint8_t> bytes,
                                                             std::uint16_t familyId);

}  // namespace havip::ipvs
