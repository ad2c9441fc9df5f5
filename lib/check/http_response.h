// An HTTP/1.0 response read incrementally, as HTTP_GET receives it: the status
// line and headers (bounded), then the body streamed through MD5 and counted,
// never kept. Pure: bytes in, verdict out. Garbage, oversized headers and
// oversized bodies end in Failed with a one-line reason.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "check/md5.h"

namespace havip::check {

struct HttpLimits {
  // keepalived reads the headers into one 4096-byte buffer (MAX_BUFFER_LENGTH).
  std::size_t maxHeaderBytes = 4096;
  // keepalived has no cap (only per-read timeouts); havip fails a body beyond
  // this so a server streaming forever cannot hold a probe for its deadline.
  std::size_t maxBodyBytes = std::size_t{4} << 20;
};

class HttpResponseReader {
 public:
  enum class State { Headers, Body, Complete, Failed };

  HttpResponseReader(HttpLimits limits, bool wantDigest);

  // Takes the next bytes from the socket. Complete as soon as Content-Length
  // bytes of body have arrived; bytes beyond that are ignored.
  State feed(std::string_view bytes);
  // The peer closed the connection (HTTP/1.0 ends the body that way).
  State finish();

  State state() const { return state_; }
  const std::string& error() const { return error_; }  // set in Failed
  int statusCode() const { return statusCode_; }        // 0 until the status line is read
  std::optional<std::size_t> contentLength() const { return contentLength_; }
  std::size_t bodyBytes() const { return bodyBytes_; }
  // MD5 of the body (at most Content-Length bytes, as keepalived hashes it),
  // lower-case hex; only once Complete and only if a digest was wanted.
  std::string digestHex();

 private:
  State fail(std::string why);
  State parseHeaders(std::size_t headerEnd);
  State feedBody(std::string_view bytes);

  HttpLimits limits_;
  bool wantDigest_;
  State state_ = State::Headers;
  std::string header_;
  std::string error_;
  int statusCode_ = 0;
  std::optional<std::size_t> contentLength_;
  std::size_t bodyBytes_ = 0;
  std::optional<Md5> md5_;
};

// Parses "HTTP/1.1 200 OK" into 200; nullopt when it is not a status line.
std::optional<int> parseStatusLine(std::string_view line);

}  // namespace havip::check
