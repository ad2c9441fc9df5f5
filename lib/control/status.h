// What havipctl can ask for and get back: plain structs the daemon fills and
// havipctl renders, each with a JSON form. Pure data, no I/O.
//
// JSON keys are snake_case. Decoding is lenient about extra keys (newer
// daemons may add some) and strict about the types of the keys it knows;
// it never throws. States and addresses are strings so this layer does not
// depend on the VRRP core.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>
#include <tl/expected.hpp>

namespace havip::control {

// A moment both ways: relative is what an operator reads, wall clock is what
// they correlate with the journal.
struct Moment {
  double secondsAgo = 0;
  std::string wallClock;  // ISO 8601 with offset, "2024-05-01T12:00:00.123+02:00"
  bool operator==(const Moment&) const = default;
};

struct ReloadResult {
  bool ok = true;
  std::vector<std::string> errors;   // "havipd.conf:12:5: priority must be 1..255"
  std::vector<std::string> changes;  // optional summary: "VI_1: unchanged"
  bool operator==(const ReloadResult&) const = default;
};

struct LastReload {
  ReloadResult result;
  Moment at;
  bool operator==(const LastReload&) const = default;
};

struct DaemonInfo {
  std::string version;
  std::int64_t pid = 0;
  double uptimeSeconds = 0;
  std::string configPath;
  std::optional<LastReload> lastReload;  // none since start
  bool operator==(const DaemonInfo&) const = default;
};

struct VipStatus {
  std::string address;  // as configured, e.g. "10.11.12.99/32"
  std::string device;   // where it goes, e.g. "eth0"
  bool installed = false;
  bool operator==(const VipStatus&) const = default;
};

struct Transition {
  std::string from;    // "BACKUP"
  std::string to;      // "MASTER"
  std::string reason;  // "master down: no advert for 3.609 s"
  Moment at;
  bool operator==(const Transition&) const = default;
};

// An operator's failover still in force on this instance.
struct AdminOverride {
  std::string mode;  // "handed-over" (stays BACKUP) or "taken-over" (stays MASTER)
  std::optional<double> remainingSeconds;  // none = until "failover --clear"
  bool operator==(const AdminOverride&) const = default;
};

// Provisional shape for lib/track; extend by adding fields.
struct TrackerStatus {
  std::string name;  // "chk_service"
  std::string kind;  // "script", "interface", ...
  bool up = true;
  int weight = 0;          // configured weight
  int appliedWeight = 0;   // what it adds to (or takes from) the priority now
  std::string detail;      // "exit 1", "eth1 down"
  bool operator==(const TrackerStatus&) const = default;
};

struct InstanceStatus {
  std::string name;  // "VI_1"
  std::string state;  // "INIT" | "BACKUP" | "MASTER" | "FAULT"
  std::string interface;
  int vrid = 0;
  int basePriority = 0;
  int effectivePriority = 0;
  std::vector<std::string> priorityReasons;  // why effective != base, one per cause
  std::optional<std::string> masterAddress;  // the current master, when we are BACKUP
  std::vector<VipStatus> vips;
  std::uint32_t advertIntervalMs = 0;
  std::uint64_t advertsSent = 0;
  std::uint64_t advertsReceived = 0;
  std::map<std::string, std::uint64_t> drops;  // reason -> count ("ttl", "auth", ...)
  std::optional<Transition> lastTransition;
  std::optional<AdminOverride> adminOverride;
  std::vector<TrackerStatus> trackers;
  // Its vrrp_sync_group; JSON "sync_group", present only when set (older
  // clients ignore it, older daemons never send it).
  std::optional<std::string> syncGroup;
  bool operator==(const InstanceStatus&) const = default;
};

struct RealServerStatus {
  std::string address;  // "10.11.12.10:80"
  int weight = 0;       // as configured
  bool up = true;       // its health checks
  std::optional<int> kernelWeight;  // none: not in the kernel's table
  std::string lastResult;           // of its last health check
  std::optional<Moment> lastResultAt;
  std::uint32_t activeConnections = 0;
  std::uint32_t inactiveConnections = 0;
  bool operator==(const RealServerStatus&) const = default;
};
struct VirtualServerStatus {
  std::string address;   // "10.11.12.99:80"
  std::string protocol;  // "tcp" | "udp"
  std::string scheduler;
  std::string forwarding;  // "NAT" | "DR" | "TUN"
  bool inKernel = false;
  std::vector<RealServerStatus> realServers;
  bool operator==(const VirtualServerStatus&) const = default;
};

// The IPVS table manager as a whole.
struct IpvsStatus {
  std::optional<std::string> error;  // why IPVS cannot be programmed now
  std::optional<std::string> version;
  std::uint64_t reconciles = 0;
  std::uint64_t operationsApplied = 0;
  std::uint64_t operationsFailed = 0;
  std::vector<std::string> lastChanges;  // "add destination 192.168.100.10:80 masq weight 1 to TCP 10.11.12.99:80"
  std::optional<Moment> lastChangeAt;
  bool operator==(const IpvsStatus&) const = default;
};

// The mail notification queue (lib/notify).
struct MailStatus {
  std::uint64_t enqueued = 0;
  std::uint64_t sent = 0;
  std::uint64_t waiting = 0;   // queued, retries included
  std::uint64_t retrying = 0;  // of those, already failed at least once
  std::uint64_t givenUp = 0;   // lost after the last retry
  std::uint64_t dropped = 0;   // pushed out of a full queue
  std::optional<std::string> lastError;
  std::optional<Moment> lastErrorAt;
  std::optional<std::string> lastGivenUp;
  bool operator==(const MailStatus&) const = default;
};

struct StatusSnapshot {
  DaemonInfo daemon;
  std::optional<MailStatus> mail;  // none when no instance sends mail
  std::vector<InstanceStatus> instances;
  std::optional<IpvsStatus> ipvs;  // none when the configuration has no virtual_server
  std::vector<VirtualServerStatus> virtualServers;
  bool operator==(const StatusSnapshot&) const = default;
};

struct FailoverOutcome {
  std::string instance;
  std::string previousState;
  std::string newState;
  double elapsedMs = 0;  // from the request to the new state being in force
  std::string detail;    // "holding BACKUP for 60 s", "until failover --clear"
  bool operator==(const FailoverOutcome&) const = default;
};
// One outcome per instance the failover touched.
struct FailoverResult {
  std::vector<FailoverOutcome> instances;
  bool operator==(const FailoverResult&) const = default;
};

// Moment::wallClock's format, in the local time zone (TZ), to the millisecond:
// "2024-05-01T12:00:00.123+02:00".
std::string toIso8601(std::chrono::system_clock::time_point);

nlohmann::json toJson(const StatusSnapshot&);
nlohmann::json toJson(const FailoverResult&);
nlohmann::json toJson(const ReloadResult&);

// The error names the first offending key: "instances[0].vips[1].installed: expected boolean".
tl::expected<StatusSnapshot, std::string> statusFromJson(const nlohmann::json&);
tl::expected<FailoverResult, std::string> failoverFromJson(const nlohmann::json&);
tl::expected<ReloadResult, std::string> reloadFromJson(const nlohmann::json&);

}  // namespace havip::control
