#include "control/render.h"

#include <cmath>

#include <fmt/format.h>

namespace havip::control {
namespace {

// Label column wide enough for the longest label ("last transition").
void line(std::string& out, std::string_view label, std::string_view value) {
  out += fmt::format("  {:<17}{}\n", label, value);
}

std::string ago(const Moment& m) {
  std::string s = formatDuration(m.secondsAgo) + " ago";
  if (!m.wallClock.empty()) s += " (" + m.wallClock + ")";
  return s;
}

std::string joined(const std::vector<std::string>& items, std::string_view sep) {
  std::string s;
  for (const auto& item : items) {
    if (!s.empty()) s += sep;
    s += item;
  }
  return s;
}

std::string signedInt(int v) { return fmt::format("{:+d}", v); }

std::string formatInterval(std::uint32_t ms) {
  if (ms % 1000 == 0) return fmt::format("{} s", ms / 1000);
  return fmt::format("{} ms", ms);
}

void renderInstance(std::string& out, const InstanceStatus& in) {
  out += fmt::format("{}  {}\n", in.name, in.state);
  line(out, "interface", fmt::format("{}, VRID {}", in.interface.empty() ? "-" : in.interface, in.vrid));
  if (in.syncGroup) line(out, "sync group", *in.syncGroup);

  std::string priority = std::to_string(in.effectivePriority);
  if (in.effectivePriority != in.basePriority || !in.priorityReasons.empty()) {
    priority += fmt::format(" (base {})", in.basePriority);
    if (!in.priorityReasons.empty()) priority += ": " + joined(in.priorityReasons, "; ");
  }
  line(out, "priority", priority);

  if (in.state == "MASTER") {
    line(out, "master", "this node");
  } else if (in.state == "BACKUP") {
    line(out, "master", in.masterAddress ? *in.masterAddress : "unknown (no advert seen yet)");
  } else {
    line(out, "master", "-");
  }

  if (in.vips.empty()) {
    line(out, "VIPs", "none");
  }
  for (std::size_t i = 0; i < in.vips.size(); ++i) {
    const auto& vip = in.vips[i];
    std::string where = vip.device.empty() ? "" : " on " + vip.device;
    line(out, i == 0 ? "VIPs" : "",
         fmt::format("{}{}  {}", vip.address, where, vip.installed ? "installed" : "not installed"));
  }

  line(out, "advert interval", formatInterval(in.advertIntervalMs));
  line(out, "adverts", fmt::format("sent {}, received {}", in.advertsSent, in.advertsReceived));

  std::uint64_t totalDrops = 0;
  std::vector<std::string> drops;
  for (const auto& [reason, count] : in.drops) {
    totalDrops += count;
    if (count > 0) drops.push_back(fmt::format("{} {}", reason, count));
  }
  line(out, "drops", totalDrops == 0 ? "none" : fmt::format("{} ({})", totalDrops, joined(drops, ", ")));

  if (in.lastTransition) {
    const auto& t = *in.lastTransition;
    line(out, "last transition", fmt::format("{} -> {} {}", t.from, t.to, ago(t.at)));
    line(out, "", "reason: " + t.reason);
  } else {
    line(out, "last transition", "none");
  }

  if (in.adminOverride) {
    const auto& o = *in.adminOverride;
    line(out, "failover", o.remainingSeconds
                              ? fmt::format("{}, {} left", o.mode, formatDuration(*o.remainingSeconds))
                              : fmt::format("{}, until failover --clear", o.mode));
  }

  for (std::size_t i = 0; i < in.trackers.size(); ++i) {
    const auto& t = in.trackers[i];
    std::string value = fmt::format("{}{}: {}, weight {}", t.name,
                                    t.kind.empty() ? "" : " (" + t.kind + ")",
                                    t.up ? "up" : "DOWN", signedInt(t.weight));
    if (t.appliedWeight != 0) value += fmt::format(", applying {}", signedInt(t.appliedWeight));
    if (!t.detail.empty()) value += " - " + t.detail;
    line(out, i == 0 ? "trackers" : "", value);
  }
}

}  // namespace

std::string formatDuration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) seconds = 0;
  if (seconds < 10) return fmt::format("{:.1f} s", seconds);
  auto s = static_cast<std::uint64_t>(std::llround(seconds));
  if (s < 60) return fmt::format("{} s", s);
  if (s < 3600) return fmt::format("{}m{:02}s", s / 60, s % 60);
  if (s < 86400) return fmt::format("{}h{:02}m", s / 3600, (s % 3600) / 60);
  return fmt::format("{}d{:02}h", s / 86400, (s % 86400) / 3600);
}

std::string renderStatus(const StatusSnapshot& s) {
  std::string out;
  const auto& d = s.daemon;
  out += fmt::format("havipd {} (pid {}), up {}\n", d.version, d.pid, formatDuration(d.uptimeSeconds));
  out += fmt::format("config {}\n", d.configPath.empty() ? "-" : d.configPath);
  if (d.lastReload) {
    const auto& r = *d.lastReload;
    out += fmt::format("last reload {}: {}\n", ago(r.at),
                       r.result.ok ? "ok" : "refused: " + joined(r.result.errors, "; "));
  } else {
    out += "last reload never\n";
  }
  for (const auto& in : s.instances) {
    out += '\n';
    renderInstance(out, in);
  }
  if (s.instances.empty()) out += "\nno VRRP instances\n";
  if (s.mail) {
    out += '\n';
    line(out, "mail", fmt::format("{} sent, {} waiting ({} retrying), {} given up, {} dropped",
                                  s.mail->sent, s.mail->waiting, s.mail->retrying, s.mail->givenUp,
                                  s.mail->dropped));
    if (s.mail->lastError) {
      line(out, "last mail error",
           *s.mail->lastError + (s.mail->lastErrorAt ? ", " + ago(*s.mail->lastErrorAt) : ""));
    }
    if (s.mail->lastGivenUp) line(out, "last given up", *s.mail->lastGivenUp);
  }
  if (s.ipvs) {
    out += '\n';
    if (s.ipvs->error) {
      line(out, "IPVS", *s.ipvs->error);
    } else {
      line(out, "IPVS", fmt::format("{}, {} reconciles, {} changes applied, {} failed",
                                    s.ipvs->version.value_or("?"), s.ipvs->reconciles,
                                    s.ipvs->operationsApplied, s.ipvs->operationsFailed));
    }
    if (!s.ipvs->lastChanges.empty() && s.ipvs->lastChangeAt) {
      line(out, "last changes", ago(*s.ipvs->lastChangeAt) + ": " + joined(s.ipvs->lastChanges, "; "));
    }
  }
  for (const auto& vs : s.virtualServers) {
    out += fmt::format("\nvirtual server {} {} {} {}{}\n", vs.protocol, vs.address, vs.scheduler,
                       vs.forwarding, vs.inKernel ? "" : "  (not in the kernel)");
    for (const auto& rs : vs.realServers) {
      std::string kernel = rs.kernelWeight ? fmt::format("kernel weight {}", *rs.kernelWeight)
                                           : std::string("not in the kernel");
      line(out, "real server",
           fmt::format("{} {} weight {} ({}), connections {} active {} inactive", rs.address,
                       rs.up ? "up" : "DOWN", rs.weight, kernel, rs.activeConnections,
                       rs.inactiveConnections));
      if (!rs.lastResult.empty()) {
        line(out, "", rs.lastResult + (rs.lastResultAt ? ", " + ago(*rs.lastResultAt) : ""));
      }
    }
  }
  return out;
}

std::string renderFailover(const FailoverResult& r) {
  if (r.instances.empty()) return "failover: no instance changed\n";
  std::string out;
  for (const auto& o : r.instances) {
    out += fmt::format("{}: {} -> {} in {:.1f} ms", o.instance, o.previousState, o.newState, o.elapsedMs);
    if (!o.detail.empty()) out += " (" + o.detail + ")";
    out += '\n';
  }
  return out;
}

std::string renderReload(const ReloadResult& r) {
  std::string out = r.ok ? "reload: ok\n" : "reload refused; the running configuration is kept:\n";
  for (const auto& e : r.errors) out += "  " + e + "\n";
  for (const auto& c : r.changes) out += "  " + c + "\n";
  return out;
}

}  // namespace havip::control
