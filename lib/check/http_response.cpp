#include "check/http_response.h"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace havip::check {

namespace {

bool isDigit(char c) { return c >= '0' && c <= '9'; }

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// Where the header block ends (index just past the blank line), if it does.
std::optional<std::size_t> headerEnd(std::string_view h) {
  const auto crlf = h.find("\r\n\r\n");
  const auto lf = h.find("\n\n");
  if (crlf == std::string_view::npos && lf == std::string_view::npos) return std::nullopt;
  if (lf == std::string_view::npos || (crlf != std::string_view::npos && crlf < lf)) return crlf + 4;
  return lf + 2;
}

}  // namespace

std::optional<int> parseStatusLine(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  // "HTTP/" DIGIT "." DIGIT SP 3DIGIT [SP reason]
  if (line.size() < 12 || line.substr(0, 5) != "HTTP/" || !isDigit(line[5]) || line[6] != '.' ||
      !isDigit(line[7]) || line[8] != ' ' || !isDigit(line[9]) || !isDigit(line[10]) || !isDigit(line[11])) {
    return std::nullopt;
  }
  if (line.size() > 12 && line[12] != ' ') return std::nullopt;
  return (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
}

HttpResponseReader::HttpResponseReader(HttpLimits limits, bool wantDigest)
    : limits_(limits), wantDigest_(wantDigest) {
  if (wantDigest_) md5_.emplace();
}

HttpResponseReader::State HttpResponseReader::fail(std::string why) {
  state_ = State::Failed;
  error_ = std::move(why);
  return state_;
}

HttpResponseReader::State HttpResponseReader::feed(std::string_view bytes) {
  if (state_ == State::Body) return feedBody(bytes);
  if (state_ != State::Headers) return state_;

  // Look for the end of the headers only in what could still fit.
  const std::size_t room = limits_.maxHeaderBytes - header_.size();
  const std::size_t take = std::min(room, bytes.size());
  const std::size_t scanFrom = header_.size() >= 3 ? header_.size() - 3 : 0;
  header_.append(bytes.substr(0, take));

  const auto firstLf = header_.find('\n');
  if (firstLf != std::string::npos && !parseStatusLine(std::string_view(header_).substr(0, firstLf))) {
    return fail("malformed status line");
  }
  if (auto end = headerEnd(std::string_view(header_).substr(scanFrom))) {
    const std::size_t at = scanFrom + *end;
    // What followed the blank line belongs to the body: the part already
    // appended to header_, then whatever of `bytes` did not fit.
    const std::string early = header_.substr(at);
    header_.resize(at);
    if (parseHeaders(at) == State::Failed) return state_;
    feedBody(early);
    if (state_ == State::Body && take < bytes.size()) feedBody(bytes.substr(take));
    return state_;
  }
  if (header_.size() >= limits_.maxHeaderBytes) {
    return fail("response headers exceed " + std::to_string(limits_.maxHeaderBytes) + " bytes");
  }
  return state_;
}

HttpResponseReader::State HttpResponseReader::parseHeaders(std::size_t end) {
  std::string_view all = std::string_view(header_).substr(0, end);
  const auto firstLf = all.find('\n');
  const auto code = parseStatusLine(all.substr(0, firstLf));
  if (!code) return fail("malformed status line");
  statusCode_ = *code;
  std::string_view rest = all.substr(firstLf + 1);
  while (!rest.empty()) {
    const auto lf = rest.find('\n');
    std::string_view line = rest.substr(0, lf);
    rest = lf == std::string_view::npos ? std::string_view{} : rest.substr(lf + 1);
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    if (!equalsIgnoreCase(trim(line.substr(0, colon)), "Content-Length")) continue;
    const auto value = trim(line.substr(colon + 1));
    std::size_t n = 0;
    const auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
    // An unreadable Content-Length is ignored, as keepalived does: read to EOF.
    if (ec == std::errc() && ptr == value.data() + value.size()) contentLength_ = n;
  }
  state_ = State::Body;
  if (contentLength_ && *contentLength_ == 0) state_ = State::Complete;
  return state_;
}

HttpResponseReader::State HttpResponseReader::feedBody(std::string_view bytes) {
  if (state_ != State::Body) return state_;
  if (contentLength_) bytes = bytes.substr(0, *contentLength_ - bodyBytes_);
  if (bodyBytes_ + bytes.size() > limits_.maxBodyBytes) {
    return fail("response body exceeds " + std::to_string(limits_.maxBodyBytes) + " bytes");
  }
  bodyBytes_ += bytes.size();
  if (md5_) md5_->update(bytes);
  if (contentLength_ && bodyBytes_ == *contentLength_) state_ = State::Complete;
  return state_;
}

HttpResponseReader::State HttpResponseReader::finish() {
  if (state_ == State::Headers) {
    return fail(header_.empty() ? "connection closed with no response"
                                : "connection closed before the end of the headers");
  }
  // A body shorter than its Content-Length is still judged (keepalived only
  // logs the mismatch).
  if (state_ == State::Body) state_ = State::Complete;
  return state_;
}

std::string HttpResponseReader::digestHex() {
  if (state_ != State::Complete || !md5_) return {};
  std::string hex = md5_->finalHex();
  md5_.reset();
  return hex;
}

}  // namespace havip::check
