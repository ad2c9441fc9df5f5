#include "control/status.h"

#include <cstdio>
#include <ctime>
#include <limits>
#include <type_traits>

namespace havip::control {
namespace {

using nlohmann::json;

// ---- Encoding ----

json momentJson(const Moment& m) {
  return {{"seconds_ago", m.secondsAgo}, {"wall_clock", m.wallClock}};
}

json reloadJson(const ReloadResult& r) {
  return {{"ok", r.ok}, {"errors", r.errors}, {"changes", r.changes}};
}

json instanceJson(const InstanceStatus& in) {
  json vips = json::array();
  for (const auto& v : in.vips) {
    vips.push_back({{"address", v.address}, {"device", v.device}, {"installed", v.installed}});
  }
  json trackers = json::array();
  for (const auto& t : in.trackers) {
    trackers.push_back({{"name", t.name},
                        {"kind", t.kind},
                        {"up", t.up},
                        {"weight", t.weight},
                        {"applied_weight", t.appliedWeight},
                        {"detail", t.detail}});
  }
  json j = {{"name", in.name},
            {"state", in.state},
            {"interface", in.interface},
            {"vrid", in.vrid},
            {"base_priority", in.basePriority},
            {"effective_priority", in.effectivePriority},
            {"priority_reasons", in.priorityReasons},
            {"master_address", nullptr},
            {"vips", std::move(vips)},
            {"advert_interval_ms", in.advertIntervalMs},
            {"adverts_sent", in.advertsSent},
            {"adverts_received", in.advertsReceived},
            {"drops", in.drops},
            {"last_transition", nullptr},
            {"admin_override", nullptr},
            {"trackers", std::move(trackers)}};
  if (in.masterAddress) j["master_address"] = *in.masterAddress;
  if (in.syncGroup) j["sync_group"] = *in.syncGroup;
  if (in.lastTransition) {
    const auto& t = *in.lastTransition;
    j["last_transition"] = {
        {"from", t.from}, {"to", t.to}, {"reason", t.reason}, {"at", momentJson(t.at)}};
  }
  if (in.adminOverride) {
    j["admin_override"] = {{"mode", in.adminOverride->mode}, {"remaining_seconds", nullptr}};
    if (in.adminOverride->remainingSeconds) {
      j["admin_override"]["remaining_seconds"] = *in.adminOverride->remainingSeconds;
    }
  }
  return j;
}

// ---- Decoding ----
// Internally a failed read throws DecodeError, caught by the *FromJson entry
// points: the error carries the key path, and nothing escapes this file.

struct DecodeError {
  std::string message;
};

[[noreturn]] void fail(const std::string& path, const char* what) {
  throw DecodeError{path + ": " + what};
}

void read(const json& j, const std::string& path, std::string& out) {
  if (!j.is_string()) fail(path, "expected string");
  out = j.get_ref<const std::string&>();
}
void read(const json& j, const std::string& path, bool& out) {
  if (!j.is_boolean()) fail(path, "expected boolean");
  out = j.get<bool>();
}
void read(const json& j, const std::string& path, double& out) {
  if (!j.is_number()) fail(path, "expected number");
  out = j.get<double>();
}
template <typename Int>
  requires std::is_integral_v<Int>
void read(const json& j, const std::string& path, Int& out) {
  if (j.is_number_unsigned()) {
    const auto v = j.get<std::uint64_t>();
    if (v > static_cast<std::uint64_t>(std::numeric_limits<Int>::max())) fail(path, "out of range");
    out = static_cast<Int>(v);
  } else if (j.is_number_integer()) {
    const auto v = j.get<std::int64_t>();
    if constexpr (std::is_unsigned_v<Int>) {
      fail(path, "must not be negative");
    } else {
      if (v < std::numeric_limits<Int>::min() || v > std::numeric_limits<Int>::max()) {
        fail(path, "out of range");
      }
      out = static_cast<Int>(v);
    }
  } else {
    fail(path, "expected integer");
  }
}

template <typename T>
void read(const json& j, const std::string& path, std::vector<T>& out);
template <typename T>
void read(const json& j, const std::string& path, std::optional<T>& out);
void read(const json& j, const std::string& path, std::map<std::string, std::uint64_t>& out);
void read(const json& j, const std::string& path, Moment& out);
void read(const json& j, const std::string& path, ReloadResult& out);
void read(const json& j, const std::string& path, LastReload& out);
void read(const json& j, const std::string& path, DaemonInfo& out);
void read(const json& j, const std::string& path, VipStatus& out);
void read(const json& j, const std::string& path, Transition& out);
void read(const json& j, const std::string& path, AdminOverride& out);
void read(const json& j, const std::string& path, TrackerStatus& out);
void read(const json& j, const std::string& path, InstanceStatus& out);
void read(const json& j, const std::string& path, RealServerStatus& out);
void read(const json& j, const std::string& path, VirtualServerStatus& out);
void read(const json& j, const std::string& path, IpvsStatus& out);
void read(const json& j, const std::string& path, MailStatus& out);
void read(const json& j, const std::string& path, StatusSnapshot& out);
void read(const json& j, const std::string& path, FailoverOutcome& out);
void read(const json& j, const std::string& path, FailoverResult& out);

// Reads obj[key] into out. A missing key keeps the default unless required.
template <typename T>
void field(const json& obj, const std::string& path, const char* key, T& out,
           bool required = true) {
  const std::string sub = path.empty() ? key : path + "." + key;
  if (!obj.is_object()) fail(path.empty() ? "(top)" : path, "expected object");
  const auto it = obj.find(key);
  if (it == obj.end()) {
    if (required) fail(sub, "missing");
    return;
  }
  read(*it, sub, out);
}

template <typename T>
void read(const json& j, const std::string& path, std::vector<T>& out) {
  if (!j.is_array()) fail(path, "expected array");
  out.clear();
  out.reserve(j.size());
  for (std::size_t i = 0; i < j.size(); ++i) {
    T item{};
    read(j[i], path + "[" + std::to_string(i) + "]", item);
    out.push_back(std::move(item));
  }
}
template <typename T>
void read(const json& j, const std::string& path, std::optional<T>& out) {
  if (j.is_null()) {
    out.reset();
    return;
  }
  T value{};
  read(j, path, value);
  out = std::move(value);
}
void read(const json& j, const std::string& path, std::map<std::string, std::uint64_t>& out) {
  if (!j.is_object()) fail(path, "expected object");
  out.clear();
  for (const auto& [key, value] : j.items()) read(value, path + "." + key, out[key]);
}
void read(const json& j, const std::string& path, Moment& out) {
  field(j, path, "seconds_ago", out.secondsAgo);
  field(j, path, "wall_clock", out.wallClock);
}
void read(const json& j, const std::string& path, ReloadResult& out) {
  field(j, path, "ok", out.ok);
  field(j, path, "errors", out.errors, false);
  field(j, path, "changes", out.changes, false);
}
void read(const json& j, const std::string& path, LastReload& out) {
  field(j, path, "result", out.result);
  field(j, path, "at", out.at);
}
void read(const json& j, const std::string& path, DaemonInfo& out) {
  field(j, path, "version", out.version);
  field(j, path, "pid", out.pid);
  field(j, path, "uptime_seconds", out.uptimeSeconds);
  field(j, path, "config_path", out.configPath);
  field(j, path, "last_reload", out.lastReload, false);
}
void read(const json& j, const std::string& path, VipStatus& out) {
  field(j, path, "address", out.address);
  field(j, path, "device", out.device, false);
  field(j, path, "installed", out.installed);
}
void read(const json& j, const std::string& path, Transition& out) {
  field(j, path, "from", out.from);
  field(j, path, "to", out.to);
  field(j, path, "reason", out.reason);
  field(j, path, "at", out.at);
}
void read(const json& j, const std::string& path, AdminOverride& out) {
  field(j, path, "mode", out.mode);
  field(j, path, "remaining_seconds", out.remainingSeconds, false);
}
void read(const json& j, const std::string& path, TrackerStatus& out) {
  field(j, path, "name", out.name);
  field(j, path, "kind", out.kind, false);
  field(j, path, "up", out.up);
  field(j, path, "weight", out.weight, false);
  field(j, path, "applied_weight", out.appliedWeight, false);
  field(j, path, "detail", out.detail, false);
}
void read(const json& j, const std::string& path, InstanceStatus& out) {
  field(j, path, "name", out.name);
  field(j, path, "state", out.state);
  field(j, path, "interface", out.interface, false);
  field(j, path, "vrid", out.vrid, false);
  field(j, path, "base_priority", out.basePriority);
  field(j, path, "effective_priority", out.effectivePriority);
  field(j, path, "priority_reasons", out.priorityReasons, false);
  field(j, path, "master_address", out.masterAddress, false);
  field(j, path, "vips", out.vips);
  field(j, path, "advert_interval_ms", out.advertIntervalMs);
  field(j, path, "adverts_sent", out.advertsSent);
  field(j, path, "adverts_received", out.advertsReceived);
  field(j, path, "drops", out.drops, false);
  field(j, path, "last_transition", out.lastTransition, false);
  field(j, path, "admin_override", out.adminOverride, false);
  field(j, path, "trackers", out.trackers, false);
  field(j, path, "sync_group", out.syncGroup, false);
}
void read(const json& j, const std::string& path, RealServerStatus& out) {
  field(j, path, "address", out.address);
  field(j, path, "weight", out.weight, false);
  field(j, path, "up", out.up);
  field(j, path, "kernel_weight", out.kernelWeight, false);
  field(j, path, "last_result", out.lastResult, false);
  field(j, path, "last_result_at", out.lastResultAt, false);
  field(j, path, "active_connections", out.activeConnections, false);
  field(j, path, "inactive_connections", out.inactiveConnections, false);
}
void read(const json& j, const std::string& path, VirtualServerStatus& out) {
  field(j, path, "address", out.address);
  field(j, path, "protocol", out.protocol, false);
  field(j, path, "scheduler", out.scheduler, false);
  field(j, path, "forwarding", out.forwarding, false);
  field(j, path, "in_kernel", out.inKernel, false);
  field(j, path, "real_servers", out.realServers, false);
}
void read(const json& j, const std::string& path, MailStatus& out) {
  field(j, path, "enqueued", out.enqueued, false);
  field(j, path, "sent", out.sent, false);
  field(j, path, "waiting", out.waiting, false);
  field(j, path, "retrying", out.retrying, false);
  field(j, path, "given_up", out.givenUp, false);
  field(j, path, "dropped", out.dropped, false);
  field(j, path, "last_error", out.lastError, false);
  field(j, path, "last_error_at", out.lastErrorAt, false);
  field(j, path, "last_given_up", out.lastGivenUp, false);
}
void read(const json& j, const std::string& path, IpvsStatus& out) {
  field(j, path, "error", out.error, false);
  field(j, path, "version", out.version, false);
  field(j, path, "reconciles", out.reconciles, false);
  field(j, path, "operations_applied", out.operationsApplied, false);
  field(j, path, "operations_failed", out.operationsFailed, false);
  field(j, path, "last_changes", out.lastChanges, false);
  field(j, path, "last_change_at", out.lastChangeAt, false);
}
void read(const json& j, const std::string& path, StatusSnapshot& out) {
  field(j, path, "daemon", out.daemon);
  field(j, path, "instances", out.instances);
  field(j, path, "ipvs", out.ipvs, false);
  field(j, path, "mail", out.mail, false);
  field(j, path, "virtual_servers", out.virtualServers, false);
}
void read(const json& j, const std::string& path, FailoverOutcome& out) {
  field(j, path, "instance", out.instance);
  field(j, path, "previous_state", out.previousState);
  field(j, path, "new_state", out.newState);
  field(j, path, "elapsed_ms", out.elapsedMs);
  field(j, path, "detail", out.detail, false);
}
void read(const json& j, const std::string& path, FailoverResult& out) {
  field(j, path, "instances", out.instances);
}

template <typename T>
tl::expected<T, std::string> decodeTop(const json& j) {
  try {
    T out{};
    read(j, "", out);
    return out;
  } catch (const DecodeError& e) {
    return tl::make_unexpected(e.message);
  } catch (const json::exception& e) {  // not expected after the type checks; belt and braces
    return tl::make_unexpected(std::string(e.what()));
  }
}

}  // namespace

std::string toIso8601(std::chrono::system_clock::time_point tp) {
  using namespace std::chrono;
  const auto ms = floor<milliseconds>(tp);
  const std::time_t secs = system_clock::to_time_t(floor<seconds>(ms));
  std::tm local{};
  ::localtime_r(&secs, &local);
  char base[32];
  char zone[8];
  std::strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &local);
  std::strftime(zone, sizeof(zone), "%z", &local);  // "+0200"; ISO 8601 extended wants "+02:00"
  const std::string z(zone);
  const auto millis = (ms.time_since_epoch() % seconds(1)).count();
  char out[64];
  std::snprintf(out, sizeof(out), "%s.%03d%s:%s", base, static_cast<int>(millis < 0 ? millis + 1000 : millis),
                z.substr(0, 3).c_str(), z.substr(3).c_str());
  return out;
}

json toJson(const StatusSnapshot& s) {
  json daemon = {{"version", s.daemon.version},
                 {"pid", s.daemon.pid},
                 {"uptime_seconds", s.daemon.uptimeSeconds},
                 {"config_path", s.daemon.configPath},
                 {"last_reload", nullptr}};
  if (s.daemon.lastReload) {
    daemon["last_reload"] = {{"result", reloadJson(s.daemon.lastReload->result)},
                             {"at", momentJson(s.daemon.lastReload->at)}};
  }
  json instances = json::array();
  for (const auto& in : s.instances) instances.push_back(instanceJson(in));
  json virtualServers = json::array();
  for (const auto& vs : s.virtualServers) {
    json reals = json::array();
    for (const auto& rs : vs.realServers) {
      json r = {{"address", rs.address},
                {"weight", rs.weight},
                {"up", rs.up},
                {"kernel_weight", nullptr},
                {"last_result", rs.lastResult},
                {"last_result_at", nullptr},
                {"active_connections", rs.activeConnections},
                {"inactive_connections", rs.inactiveConnections}};
      if (rs.kernelWeight) r["kernel_weight"] = *rs.kernelWeight;
      if (rs.lastResultAt) r["last_result_at"] = momentJson(*rs.lastResultAt);
      reals.push_back(std::move(r));
    }
    virtualServers.push_back({{"address", vs.address},
                              {"protocol", vs.protocol},
                              {"scheduler", vs.scheduler},
                              {"forwarding", vs.forwarding},
                              {"in_kernel", vs.inKernel},
                              {"real_servers", std::move(reals)}});
  }
  json ipvs = nullptr;
  if (s.ipvs) {
    ipvs = {{"error", nullptr},
            {"version", nullptr},
            {"reconciles", s.ipvs->reconciles},
            {"operations_applied", s.ipvs->operationsApplied},
            {"operations_failed", s.ipvs->operationsFailed},
            {"last_changes", s.ipvs->lastChanges},
            {"last_change_at", nullptr}};
    if (s.ipvs->error) ipvs["error"] = *s.ipvs->error;
    if (s.ipvs->version) ipvs["version"] = *s.ipvs->version;
    if (s.ipvs->lastChangeAt) ipvs["last_change_at"] = momentJson(*s.ipvs->lastChangeAt);
  }
  json mail = nullptr;
  if (s.mail) {
    mail = {{"enqueued", s.mail->enqueued}, {"sent", s.mail->sent},
            {"waiting", s.mail->waiting},   {"retrying", s.mail->retrying},
            {"given_up", s.mail->givenUp},  {"dropped", s.mail->dropped},
            {"last_error", nullptr},        {"last_error_at", nullptr},
            {"last_given_up", nullptr}};
    if (s.mail->lastError) mail["last_error"] = *s.mail->lastError;
    if (s.mail->lastErrorAt) mail["last_error_at"] = momentJson(*s.mail->lastErrorAt);
    if (s.mail->lastGivenUp) mail["last_given_up"] = *s.mail->lastGivenUp;
  }
  return {{"daemon", std::move(daemon)},
          {"instances", std::move(instances)},
          {"mail", std::move(mail)},
          {"ipvs", std::move(ipvs)},
          {"virtual_servers", std::move(virtualServers)}};
}

json toJson(const FailoverResult& r) {
  json instances = json::array();
  for (const auto& o : r.instances) {
    instances.push_back({{"instance", o.instance},
                         {"previous_state", o.previousState},
                         {"new_state", o.newState},
                         {"elapsed_ms", o.elapsedMs},
                         {"detail", o.detail}});
  }
  return {{"instances", std::move(instances)}};
}

json toJson(const ReloadResult& r) { return reloadJson(r); }

tl::expected<StatusSnapshot, std::string> statusFromJson(const json& j) {
  return decodeTop<StatusSnapshot>(j);
}
tl::expected<FailoverResult, std::string> failoverFromJson(const json& j) {
  return decodeTop<FailoverResult>(j);
}
tl::expected<ReloadResult, std::string> reloadFromJson(const json& j) {
  return decodeTop<ReloadResult>(j);
}

}  // namespace havip::control
