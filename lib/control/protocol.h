// The control protocol between havipd and havipctl: a pure codec, no I/O.
//
// Framing: every message is a 4-byte big-endian length N, then N bytes of
// UTF-8 JSON. 1 <= N <= the receiver's limit: kMaxFrameSize for requests (what
// havipd reads from a client), kMaxResponseFrameSize for responses (a status of
// 255 instances is about 130 kB). The length is checked before anything is
// allocated, so a peer cannot make the other side buffer more than that.
// (Chosen over newline-delimited JSON because the size is known up front and a
// body never needs scanning for a terminator.)
//
// Request:  {"version":1,"command":"status"|"failover"|"reload",
//            "instance":"VI_1"?, "clear":false, "hold_seconds":60?}
// Response: {"version":1,"ok":true|false,"error":"..."?,"code":"..."?,"result":{...}?}
// Unknown keys are ignored, so fields can be added without a version bump;
// a different "version" is refused.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <nlohmann/json.hpp>
#include <tl/expected.hpp>

#include "control/status.h"

namespace havip::control {

inline constexpr int kProtocolVersion = 1;
inline constexpr std::size_t kFrameHeaderSize = 4;
inline constexpr std::size_t kMaxFrameSize = 64 * 1024;  // request body bytes
inline constexpr std::size_t kMaxResponseFrameSize = 16 * 1024 * 1024;  // response body bytes

enum class ProtocolErrc {
  FrameTooLarge = 1,   // length prefix above the limit
  EmptyFrame,          // length prefix 0
  MalformedJson,       // body is not JSON (or not an object)
  UnsupportedVersion,  // "version" missing or not ours
  InvalidMessage,      // JSON, right version, but a field is missing or mistyped
};
const std::error_category& protocolCategory();
std::error_code make_error_code(ProtocolErrc);

struct ProtocolError {
  std::error_code code;
  std::string detail;  // for humans: "frame of 70000 bytes exceeds the 65536-byte limit"
};

// ---- Framing ----

// Length prefix + body. Fails with FrameTooLarge/EmptyFrame as the decoder would.
tl::expected<std::string, ProtocolError> encodeFrame(std::string_view body,
                                                     std::size_t maxFrame = kMaxFrameSize);

// Incremental: feed whatever bytes arrived, get back the frames they completed.
// After an error the decoder stays failed (the stream is out of sync) and every
// later feed() returns the same error; frames completed earlier in the failing
// feed() are not returned (the connection is answered with the error and closed).
class FrameDecoder {
 public:
  explicit FrameDecoder(std::size_t maxFrame = kMaxFrameSize) : maxFrame_(maxFrame) {}

  tl::expected<std::vector<std::string>, ProtocolError> feed(std::string_view bytes);

  // Bytes of a frame begun but not finished, header included (0 between frames).
  std::size_t pending() const {
    return bodySize_ ? kFrameHeaderSize + body_.size() : header_.size();
  }
  bool failed() const { return error_.has_value(); }

 private:
  std::size_t maxFrame_;
  std::string header_;          // up to 4 bytes of the length prefix
  std::optional<std::size_t> bodySize_;  // set once the header is complete
  std::string body_;
  std::optional<ProtocolError> error_;
};

// ---- Messages ----

enum class Command { Status, Failover, Reload };
std::string_view toString(Command);  // "status", "failover", "reload"

struct Request {
  Command command = Command::Status;
  std::optional<std::string> instance;     // failover: which; empty = the daemon decides
  bool clear = false;                      // failover --clear
  std::optional<std::uint32_t> holdSeconds;  // failover --hold
  bool operator==(const Request&) const = default;
};

// Machine-readable reason a response is not ok; havipctl maps it to exit codes.
enum class ErrorCode {
  None,
  PermissionDenied,  // peer uid not allowed
  BadRequest,        // the request could not be decoded
  Busy,              // too many clients
  Timeout,           // the request did not arrive, or the daemon did not finish, in time
  Refused,           // the daemon understood and said no (unknown instance, config refused)
  Internal,
};
std::string_view toString(ErrorCode);  // snake_case: "permission_denied", ...
ErrorCode errorCodeFromString(std::string_view);  // unknown -> Internal

struct Response {
  bool ok = true;
  std::string error;                 // set when !ok
  ErrorCode code = ErrorCode::None;  // set when !ok
  nlohmann::json result;             // null, or one of the result models below as JSON
  bool operator==(const Response&) const = default;

  static Response failure(ErrorCode code, std::string error, nlohmann::json result = nullptr);
  static Response success(nlohmann::json result);
};

// JSON bodies (no length prefix). Decoding never throws.
std::string encodeRequest(const Request&);
tl::expected<Request, ProtocolError> decodeRequest(std::string_view body);
std::string encodeResponse(const Response&);
tl::expected<Response, ProtocolError> decodeResponse(std::string_view body);

}  // namespace havip::control

template <>
struct std::is_error_code_enum<havip::control::ProtocolErrc> : std::true_type {};
