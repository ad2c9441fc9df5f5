#include "check/probe.h"

#include <cstdio>

namespace havip::check {

ProbeTarget ProbeTarget::from(const config::HealthCheck& check, const config::RealServer& server) {
  ProbeTarget t;
  t.type = check.type;
  t.address = check.connectIp.value_or(server.address);
  t.port = check.connectPort.value_or(server.port);
  t.connectTimeout = check.connectTimeout;
  t.urls = check.urls;
  return t;
}

std::string ProbeTarget::endpoint() const { return address.toString() + ":" + std::to_string(port); }

std::string ProbeTarget::describe() const {
  return std::string(config::toString(type)) + " " + endpoint();
}

namespace {
const std::vector<config::StatusCodeRange>& codesOf(const config::HttpUrl& url) {
  static const std::vector<config::StatusCodeRange> kDefault{config::StatusCodeRange{200, 299}};
  return url.statusCodes.empty() ? kDefault : url.statusCodes;
}
}  // namespace

bool statusAccepted(const config::HttpUrl& url, int status) {
  for (const auto& r : codesOf(url)) {
    if (status >= r.low && status <= r.high) return true;
  }
  return false;
}

std::string describeStatusCodes(const config::HttpUrl& url) {
  std::string out;
  for (const auto& r : codesOf(url)) {
    if (!out.empty()) out += ",";
    out += std::to_string(r.low);
    if (r.high != r.low) out += "-" + std::to_string(r.high);
  }
  return out;
}

std::string formatDuration(Duration d) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
  if (ms < 1000) return std::to_string(ms) + " ms";
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + " s";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g s", static_cast<double>(ms) / 1000.0);
  return buf;
}

}  // namespace havip::check
