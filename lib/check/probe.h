// How a check asks a real server whether it is healthy: one Prober per check,
// one probe at a time. Real probers run on Boost.Asio (asio_prober.h); the
// fake (fake_prober.h) answers what a test scripts.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "check/checker_state.h"
#include "config/model.h"
#include "net/ipv4.h"

namespace havip::check {

struct ProbeResult {
  bool ok = false;
  // One line saying what happened, starting with what was probed:
  // "TCP connect to 192.168.100.10:80: connection refused",
  // "HTTP GET http://192.168.100.10:80/health: status 500 not in 200-299".
  std::string detail;
};

// What one check probes, resolved from the config: connect_ip/connect_port
// default to the real server's address and port.
struct ProbeTarget {
  config::CheckType type = config::CheckType::Tcp;
  net::Ipv4Address address;
  std::uint16_t port = 0;
  Duration connectTimeout = std::chrono::seconds(5);
  std::vector<config::HttpUrl> urls;  // HTTP_GET only

  static ProbeTarget from(const config::HealthCheck& check, const config::RealServer& server);
  std::string endpoint() const;  // "192.168.100.10:80"
  std::string describe() const;  // "TCP_CHECK 192.168.100.10:80"
};

using ProbeCallback = std::function<void(ProbeResult)>;

// Contract for every implementation:
//  - probe() starts one probe of target url `url` (HTTP_GET; ignored by
//    TCP_CHECK). `done` runs exactly once, on the event loop, never inside
//    probe(), unless the probe is abandoned first.
//  - A new probe() abandons one still running; destroying the Prober abandons
//    it too. An abandoned probe never calls `done` and owns nothing of the
//    caller's, so `done` may capture the caller's `this`.
//  - No exceptions; every failure is a ProbeResult with ok == false.
class Prober {
 public:
  virtual ~Prober() = default;
  virtual void probe(std::size_t url, ProbeCallback done) = 0;
};

class ProberFactory {
 public:
  virtual ~ProberFactory() = default;
  virtual std::unique_ptr<Prober> create(const ProbeTarget& target) = 0;
};

// "200-299" or "200,301-302": the status codes an HTTP_GET url accepts
// (keepalived's default when none is configured: 200-299).
bool statusAccepted(const config::HttpUrl& url, int status);
std::string describeStatusCodes(const config::HttpUrl& url);

// "5 s", "1.5 s", "250 ms": durations as the probe details print them.
std::string formatDuration(Duration d);

}  // namespace havip::check
