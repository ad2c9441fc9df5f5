// The real probers, on one Boost.Asio io_context and never blocking it: every
// connect, write and read is asynchronous under a deadline of the check's
// connect_timeout. IPv4 literals only (the config model has no host names),
// so nothing ever resolves a name.
//
//  - TCP_CHECK: connect to connect_ip:connect_port within connect_timeout,
//    then close (keepalived's check_tcp.c does no more).
//  - HTTP_GET: connect within connect_timeout; then, within a fresh
//    connect_timeout, send keepalived's request (buildHttpRequest) and read
//    the response to EOF, or to its Content-Length; pass when the status is
//    in the url's status codes and, if a digest is set, the body's MD5 matches.
//    (keepalived restarts its timer on every read; one deadline for the whole
//    exchange keeps a trickling server from holding a probe forever.)
//
// Threading: create, probe and destroy on the io_context's thread.
#pragma once

#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>

#include "check/http_response.h"
#include "check/probe.h"

namespace havip::check {

class AsioProberFactory final : public ProberFactory {
 public:
  explicit AsioProberFactory(boost::asio::io_context& io, HttpLimits limits = {}) : io_(io), limits_(limits) {}
  std::unique_ptr<Prober> create(const ProbeTarget& target) override;

 private:
  boost::asio::io_context& io_;
  HttpLimits limits_;
};

// keepalived 2.2's HTTP_GET request with its defaults (http_protocol 1.0, no
// virtualhost): "GET <path> HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\n"
// "Host: <connect ip>:<connect port>\r\n\r\n".
std::string buildHttpRequest(std::string_view path, const ProbeTarget& target);

}  // namespace havip::check
