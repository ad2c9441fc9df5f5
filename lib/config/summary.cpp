#include "config/summary.h"

namespace havip::config {

std::string formatDuration(Millis d) {
  auto v = d.count();
  std::string out = std::to_string(v / 1000);
  if (v % 1000) {
    std::string frac = std::to_string(1000 + v % 1000).substr(1);
    while (frac.back() == '0') frac.pop_back();
    out += "." + frac;
  }
  return out + "s";
}

namespace {

std::string weightText(int weight, bool reverse) {
  std::string out = "(weight " + std::to_string(weight);
  if (reverse) out += " reverse";
  return out + ")";
}

}  // namespace

std::string formatPercent(double percent) {
  // min_percent holds at most 3 decimals: print them, without trailing zeros.
  std::string out = formatDuration(Millis(static_cast<long long>(percent * 1000 + 0.5)));
  out.back() = '%';
  return out;
}

namespace {

std::string serverText(const SmtpServer& s) { return s.host + ":" + std::to_string(s.port); }

}  // namespace

std::string summarize(const Config& config, const VrrpInstance& in) {
  std::string out = "vrrp_instance " + in.name + ": " + in.interface + " vrid " +
                    std::to_string(in.virtualRouterId) + " prio " + std::to_string(in.priority) + " " +
                    std::string(toString(in.initialState)) + " advert " +
                    formatDuration(std::chrono::duration_cast<Millis>(in.advertInterval)) + " auth " +
                    (in.authentication ? "PASS" : "none");
  out += " vips";
  for (const auto& vip : in.virtualIps) {
    out += " " + vip.prefix.toString();
    if (vip.device) out += " dev " + *vip.device;
    if (vip.label) out += " label " + *vip.label;
  }
  if (in.nopreempt) out += " nopreempt";
  if (in.preemptDelay.count() > 0) out += " preempt_delay " + formatDuration(in.preemptDelay);
  if (!in.trackScripts.empty()) {
    out += " track_script";
    for (const auto& t : in.trackScripts) {
      out += " " + t.name;
      std::string text = weightText(config.effectiveWeight(t), t.reverse);
      if (const TrackMemory* m = config.findMemory(t.name))
        text.insert(1, "memory " + std::string(toString(m->metric)) + " > " + formatPercent(m->minPercent) + " ");
      out += text;
    }
  }
  if (!in.trackInterfaces.empty()) {
    out += " track_interface";
    for (const auto& t : in.trackInterfaces) out += " " + t.name + weightText(t.weight, t.reverse);
  }
  MailSettings mail = config.mailFor(in);
  if (mail.enabled) {
    out += " mail";
    for (const auto& r : mail.recipients) out += " " + r;
    if (mail.server) out += " via " + serverText(*mail.server);
    if (mail.routerId) out += " router_id " + *mail.routerId;
  } else {
    out += " mail off";
  }
  return out;
}

std::string summarize(const VirtualServer& vs) {
  std::string out = "virtual_server " + vs.name() + ": " + vs.scheduler + " " +
                    std::string(toString(vs.forwarding)) + " delay_loop " + formatDuration(vs.delayLoop);
  if (vs.persistenceTimeout)
    out += " persistence " + formatDuration(std::chrono::duration_cast<Millis>(*vs.persistenceTimeout));
  out += " real_servers";
  if (vs.realServers.empty()) out += " none";
  for (const auto& rs : vs.realServers) {
    out += " " + rs.address.toString() + ":" + std::to_string(rs.port) + "(weight " + std::to_string(rs.weight);
    if (rs.inhibitOnFailure) out += " inhibit_on_failure";
    for (const auto& c : rs.checks) out += " " + std::string(toString(c.type));
    out += ")";
  }
  return out;
}

std::vector<std::string> summaryLines(const Config& config) {
  std::vector<std::string> lines;
  for (const auto& in : config.vrrpInstances) lines.push_back(summarize(config, in));
  for (const auto& vs : config.virtualServers) lines.push_back(summarize(vs));
  return lines;
}

}  // namespace havip::config
