#include "control/protocol.h"

#include <limits>

namespace havip::control {
namespace {

using nlohmann::json;

class ProtocolCategory final : public std::error_category {
 public:
  const char* name() const noexcept override { return "havip.control"; }
  std::string message(int value) const override {
    switch (static_cast<ProtocolErrc>(value)) {
      case ProtocolErrc::FrameTooLarge: return "frame too large";
      case ProtocolErrc::EmptyFrame: return "empty frame";
      case ProtocolErrc::MalformedJson: return "malformed JSON";
      case ProtocolErrc::UnsupportedVersion: return "unsupported protocol version";
      case ProtocolErrc::InvalidMessage: return "invalid message";
    }
    return "unknown control protocol error";
  }
};

tl::unexpected<ProtocolError> error(ProtocolErrc code, std::string detail) {
  return tl::make_unexpected(ProtocolError{make_error_code(code), std::move(detail)});
}

std::string tooLarge(std::size_t size, std::size_t limit) {
  return "frame of " + std::to_string(size) + " bytes exceeds the " + std::to_string(limit) +
         "-byte limit";
}

// Parses a body into an object carrying our version; the common first half of
// decoding a request and a response.
tl::expected<json, ProtocolError> parseVersioned(std::string_view body) {
  json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return error(ProtocolErrc::MalformedJson, "body is not valid JSON");
  if (!j.is_object()) return error(ProtocolErrc::MalformedJson, "body is not a JSON object");
  const auto version = j.find("version");
  if (version == j.end() || !version->is_number_integer()) {
    return error(ProtocolErrc::UnsupportedVersion, "\"version\" missing or not an integer");
  }
  if (version->get<std::int64_t>() != kProtocolVersion) {
    return error(ProtocolErrc::UnsupportedVersion,
                 "protocol version " + std::to_string(version->get<std::int64_t>()) +
                     " is not supported (this side speaks " + std::to_string(kProtocolVersion) +
                     ")");
  }
  return j;
}

}  // namespace

const std::error_category& protocolCategory() {
  static const ProtocolCategory category;
  return category;
}

std::error_code make_error_code(ProtocolErrc e) {
  return {static_cast<int>(e), protocolCategory()};
}

// ---- Framing ----

tl::expected<std::string, ProtocolError> encodeFrame(std::string_view body, std::size_t maxFrame) {
  if (body.empty()) return error(ProtocolErrc::EmptyFrame, "empty frame");
  if (body.size() > maxFrame) return error(ProtocolErrc::FrameTooLarge, tooLarge(body.size(), maxFrame));
  const auto n = static_cast<std::uint32_t>(body.size());
  std::string frame;
  frame.reserve(kFrameHeaderSize + body.size());
  frame.push_back(static_cast<char>(n >> 24));
  frame.push_back(static_cast<char>(n >> 16));
  frame.push_back(static_cast<char>(n >> 8));
  frame.push_back(static_cast<char>(n));
  frame.append(body);
  return frame;
}

tl::expected<std::vector<std::string>, ProtocolError> FrameDecoder::feed(std::string_view bytes) {
  if (error_) return tl::make_unexpected(*error_);
  std::vector<std::string> frames;
  while (!bytes.empty()) {
    if (!bodySize_) {
      const std::size_t take = std::min(kFrameHeaderSize - header_.size(), bytes.size());
      header_.append(bytes.substr(0, take));
      bytes.remove_prefix(take);
      if (header_.size() < kFrameHeaderSize) break;
      std::size_t size = 0;
      for (const char c : header_) size = (size << 8) | static_cast<unsigned char>(c);
      header_.clear();
      // Checked here, before the body buffer grows by a single byte.
      if (size == 0) {
        error_ = ProtocolError{make_error_code(ProtocolErrc::EmptyFrame), "empty frame"};
        return tl::make_unexpected(*error_);
      }
      if (size > maxFrame_) {
        error_ = ProtocolError{make_error_code(ProtocolErrc::FrameTooLarge), tooLarge(size, maxFrame_)};
        return tl::make_unexpected(*error_);
      }
      bodySize_ = size;
      body_.reserve(size);
    }
    const std::size_t take = std::min(*bodySize_ - body_.size(), bytes.size());
    body_.append(bytes.substr(0, take));
    bytes.remove_prefix(take);
    if (body_.size() == *bodySize_) {
      frames.push_back(std::move(body_));
      body_ = std::string();
      bodySize_.reset();
    }
  }
  return frames;
}

// ---- Messages ----

std::string_view toString(Command c) {
  switch (c) {
    case Command::Status: return "status";
    case Command::Failover: return "failover";
    case Command::Reload: return "reload";
  }
  return "unknown";
}

std::string_view toString(ErrorCode c) {
  switch (c) {
    case ErrorCode::None: return "none";
    case ErrorCode::PermissionDenied: return "permission_denied";
    case ErrorCode::BadRequest: return "bad_request";
    case ErrorCode::Busy: return "busy";
    case ErrorCode::Timeout: return "timeout";
    case ErrorCode::Refused: return "refused";
    case ErrorCode::Internal: return "internal";
  }
  return "internal";
}

ErrorCode errorCodeFromString(std::string_view s) {
  for (const auto c : {ErrorCode::None, ErrorCode::PermissionDenied, ErrorCode::BadRequest,
                       ErrorCode::Busy, ErrorCode::Timeout, ErrorCode::Refused}) {
    if (toString(c) == s) return c;
  }
  return ErrorCode::Internal;
}

Response Response::failure(ErrorCode code, std::string error, nlohmann::json result) {
  return Response{false, std::move(error), code, std::move(result)};
}

Response Response::success(nlohmann::json result) {
  return Response{true, {}, ErrorCode::None, std::move(result)};
}

std::string encodeRequest(const Request& r) {
  json j = {{"version", kProtocolVersion}, {"command", toString(r.command)}, {"clear", r.clear}};
  if (r.instance) j["instance"] = *r.instance;
  if (r.holdSeconds) j["hold_seconds"] = *r.holdSeconds;
  return j.dump();
}

tl::expected<Request, ProtocolError> decodeRequest(std::string_view body) {
  auto parsed = parseVersioned(body);
  if (!parsed) return tl::make_unexpected(parsed.error());
  const json& j = *parsed;
  Request r;
  const auto command = j.find("command");
  if (command == j.end() || !command->is_string()) {
    return error(ProtocolErrc::InvalidMessage, "\"command\" missing or not a string");
  }
  const auto& name = command->get_ref<const std::string&>();
  if (name == "status") {
    r.command = Command::Status;
  } else if (name == "failover") {
    r.command = Command::Failover;
  } else if (name == "reload") {
    r.command = Command::Reload;
  } else {
    return error(ProtocolErrc::InvalidMessage, "unknown command \"" + name + "\"");
  }
  if (const auto it = j.find("instance"); it != j.end() && !it->is_null()) {
    if (!it->is_string()) return error(ProtocolErrc::InvalidMessage, "\"instance\" is not a string");
    r.instance = it->get<std::string>();
  }
  if (const auto it = j.find("clear"); it != j.end()) {
    if (!it->is_boolean()) return error(ProtocolErrc::InvalidMessage, "\"clear\" is not a boolean");
    r.clear = it->get<bool>();
  }
  if (const auto it = j.find("hold_seconds"); it != j.end() && !it->is_null()) {
    if (!it->is_number_unsigned() ||
        it->get<std::uint64_t>() > std::numeric_limits<std::uint32_t>::max()) {
      return error(ProtocolErrc::InvalidMessage, "\"hold_seconds\" is not a non-negative integer");
    }
    r.holdSeconds = static_cast<std::uint32_t>(it->get<std::uint64_t>());
  }
  return r;
}

std::string encodeResponse(const Response& r) {
  json j = {{"version", kProtocolVersion}, {"ok", r.ok}};
  if (!r.ok) {
    j["error"] = r.error;
    j["code"] = toString(r.code);
  }
  if (!r.result.is_null()) j["result"] = r.result;
  return j.dump();
}

tl::expected<Response, ProtocolError> decodeResponse(std::string_view body) {
  auto parsed = parseVersioned(body);
  if (!parsed) return tl::make_unexpected(parsed.error());
  json& j = *parsed;
  Response r;
  const auto ok = j.find("ok");
  if (ok == j.end() || !ok->is_boolean()) {
    return error(ProtocolErrc::InvalidMessage, "\"ok\" missing or not a boolean");
  }
  r.ok = ok->get<bool>();
  if (const auto it = j.find("error"); it != j.end() && !it->is_null()) {
    if (!it->is_string()) return error(ProtocolErrc::InvalidMessage, "\"error\" is not a string");
    r.error = it->get<std::string>();
  }
  if (!r.ok) {
    r.code = ErrorCode::Internal;
    if (const auto it = j.find("code"); it != j.end() && it->is_string()) {
      r.code = errorCodeFromString(it->get_ref<const std::string&>());
    }
  }
  if (const auto it = j.find("result"); it != j.end()) r.result = std::move(*it);
  return r;
}

}  // namespace havip::control
