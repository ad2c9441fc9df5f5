// The immutable configuration model: what havipd runs from. Built only by the
// parser (config/parser.h) after validation, shared as
// std::shared_ptr<const Config>; a reload builds a new one and swaps it.
// Defaults below are keepalived 2.2.7's unless docs/config.md says otherwise.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/diagnostics.h"
#include "net/ipv4.h"

namespace havip::config {

using Seconds = std::chrono::seconds;
using Millis = std::chrono::milliseconds;

struct SmtpServer {
  std::string host;                         // as written: host name or dotted quad
  std::optional<net::Ipv4Address> address;  // set when host is an IPv4 literal
  std::uint16_t port = 25;
  SourceLocation where;
};

struct GlobalDefs {
  std::optional<std::string> routerId;               // unset: the host name
  std::vector<std::string> notificationEmail;
  std::optional<std::string> notificationEmailFrom;  // unset: keepalived@<host name>
  std::optional<SmtpServer> smtpServer;
  Seconds smtpConnectTimeout{30};
  std::optional<std::string> smtpHeloName;           // unset: the host name
  std::optional<bool> smtpAlert;                     // default for every instance
  // vrrp_garp_master_delay / _repeat: defaults for instances that set none
  // (already applied to them by the parser).
  std::optional<Seconds> garpMasterDelay;
  std::optional<unsigned> garpMasterRepeat;
  SourceLocation where;                              // of the first global_defs block
};

// A command as vrrp_script's `script` takes it: as written, and split as
// keepalived splits it (argv[0] is the program; no shell).
struct Command {
  std::string text;
  std::vector<std::string> argv;
};

// keepalived's notify scripts of a vrrp_instance: notify_master / _backup /
// _fault run on entering that state, notify_stop when the instance stops, and
// `notify` on each of them with "INSTANCE" NAME STATE PRIORITY appended
// (STATE: MASTER, BACKUP, FAULT or STOP).
struct NotifyScripts {
  std::optional<Command> master, backup, fault, stop, any;
};

struct VrrpScript {
  std::string name;
  std::string command;            // the command as written (outer quotes removed)
  std::vector<std::string> argv;  // split as keepalived splits it; argv[0] is the program
  Seconds interval{1};
  std::optional<Seconds> timeout;  // unset: keepalived uses the interval
  int weight = 0;                  // -253..253; 0 = FAULT while failing
  bool weightReverse = false;
  unsigned rise = 1;
  unsigned fall = 1;
  std::optional<std::string> user;
  std::optional<std::string> group;
  bool initFail = false;
  SourceLocation where;

  Seconds effectiveTimeout() const { return timeout.value_or(interval); }
};

// havip's native memory tracker (not a keepalived keyword): reads /proc/meminfo
// every interval without forking. OK while METRIC / MemTotal * 100 is above
// minPercent (strictly, like the seed's `free ... > 50.0`); failing otherwise.
// Named in track_script { } like a vrrp_script, with the same weight semantics.
enum class MemoryMetric {
  Free,       // MemFree: what `free` prints as "free" (the seed's check)
  Available,  // MemAvailable: free plus reclaimable page cache (recommended)
};

struct TrackMemory {
  std::string name;
  MemoryMetric metric = MemoryMetric::Available;  // required in the file
  double minPercent = 0;                          // 0..100, required; up to 3 decimals
  Millis interval{1000};
  int weight = 0;  // -253..253; 0 = FAULT while failing
  bool weightReverse = false;
  unsigned rise = 1;
  unsigned fall = 1;
  SourceLocation where;
};

enum class InitialState { Backup, Master };
enum class AuthType { Pass };  // AH is refused by the parser

struct Authentication {
  AuthType type = AuthType::Pass;
  std::string password;  // 1..8 bytes
  SourceLocation where;
};

struct VirtualIp {
  net::Ipv4Prefix prefix;             // /32 when written without a length
  std::optional<std::string> device;  // unset: the instance's interface
  std::optional<std::string> label;
  SourceLocation where;
};

// An entry of track_script { }: names a vrrp_script or a track_memory (one
// namespace; the parser guarantees it exists).
struct TrackScript {
  std::string name;
  std::optional<int> weight;  // unset: the tracker's own weight
  bool reverse = false;       // resolved: the entry's reverse|noreverse, else the tracker's
  SourceLocation where;
};

struct TrackInterface {
  std::string name;
  int weight = 0;  // -253..253; 0 = FAULT while down
  bool reverse = false;
  SourceLocation where;
};

// The seed puts notify_email{}, smtp_server, smtp_connect_timeout and router_id
// inside vrrp_instance; keepalived ignores them there, havip honours them as
// overrides of global_defs for this instance.
struct InstanceMailOverrides {
  std::vector<std::string> notificationEmail;
  std::optional<std::string> notificationEmailFrom;
  std::optional<SmtpServer> smtpServer;
  std::optional<Seconds> smtpConnectTimeout;
  std::optional<std::string> smtpHeloName;
  std::optional<std::string> routerId;
};

struct VrrpInstance {
  std::string name;
  InitialState initialState = InitialState::Backup;
  std::string interface;
  std::uint8_t virtualRouterId = 0;  // 1..255
  std::uint8_t priority = 100;       // 1..255; 255 = address owner
  Seconds advertInterval{1};         // whole seconds, 1..255 (VRRPv2 carries no fraction)
  std::optional<Authentication> authentication;
  std::vector<VirtualIp> virtualIps;  // at least one
  bool nopreempt = false;
  Millis preemptDelay{0};  // 0..1000 s
  Seconds garpMasterDelay{5};
  unsigned garpMasterRepeat = 5;
  std::vector<TrackScript> trackScripts;
  std::vector<TrackInterface> trackInterfaces;
  std::optional<bool> smtpAlert;  // as written; see Config::mailFor for the effective value
  InstanceMailOverrides mail;
  NotifyScripts notify;
  SourceLocation where;
};

// vrrp_sync_group: instances that change state together (keepalived vrrp_sync.c).
// The parser guarantees every member names an existing instance that is in
// no other group.
struct SyncGroup {
  std::string name;
  std::vector<std::string> members;  // in file order
  // Trackers applied to every member, with their weights (keepalived's
  // sync_group_tracking_init), after the member's own.
  std::vector<TrackScript> trackScripts;
  std::vector<TrackInterface> trackInterfaces;
  // sync_group_tracking_weight: members keep their own weighted trackers.
  bool trackingWeight = false;
  SourceLocation where;
};

enum class Protocol { Tcp, Udp };
enum class ForwardingMethod { Nat, DirectRouting, Tunnel };
enum class CheckType { Tcp, Http };

struct StatusCodeRange {
  std::uint16_t low = 200;
  std::uint16_t high = 299;
  bool operator==(const StatusCodeRange&) const = default;
};

struct HttpUrl {
  std::string path;
  std::optional<std::string> digest;         // lower-case hex MD5 of the body
  std::vector<StatusCodeRange> statusCodes;  // default 200-299
  SourceLocation where;
};

// Values already resolved through checker -> real_server -> virtual_server ->
// keepalived default, so the health checker needs nothing else.
struct HealthCheck {
  CheckType type = CheckType::Tcp;
  std::optional<net::Ipv4Address> connectIp;  // unset: the real server's address
  std::optional<std::uint16_t> connectPort;   // unset: the real server's port
  Millis connectTimeout{5000};
  unsigned retry = 1;
  Millis delayBeforeRetry{1000};  // default 1 s (TCP_CHECK), 3 s (HTTP_GET)
  Millis delayLoop{60000};
  std::vector<HttpUrl> urls;  // HTTP_GET only, at least one
  SourceLocation where;
};

struct RealServer {
  net::Ipv4Address address;
  std::uint16_t port = 0;  // a NAT real server written without a port takes the service's
  unsigned weight = 1;     // 0..65535
  bool inhibitOnFailure = false;
  std::optional<std::uint32_t> upperThreshold;
  std::optional<std::uint32_t> lowerThreshold;
  std::optional<bool> smtpAlert;
  std::vector<HealthCheck> checks;
  SourceLocation where;
};

struct VirtualServer {
  std::optional<net::Ipv4Address> address;  // set for IP PORT services
  std::uint16_t port = 0;                    // 0 only for persistent services
  std::optional<std::uint32_t> fwmark;       // set for fwmark services
  Protocol protocol = Protocol::Tcp;         // meaningless for fwmark services
  std::string scheduler = "wlc";
  ForwardingMethod forwarding = ForwardingMethod::Nat;
  Millis delayLoop{60000};
  std::optional<Seconds> persistenceTimeout;
  std::optional<bool> smtpAlert;
  std::vector<RealServer> realServers;
  SourceLocation where;

  std::string name() const;  // "10.11.12.99:80 TCP" or "fwmark 7"
};

// What an instance's mail notifications use, after applying its overrides.
struct MailSettings {
  bool enabled = false;
  std::vector<std::string> recipients;
  std::optional<SmtpServer> server;
  Seconds connectTimeout{30};
  std::optional<std::string> from;      // unset: keepalived@<host name>
  std::optional<std::string> heloName;  // unset: the host name
  std::optional<std::string> routerId;  // unset: the host name
};

// One thing an instance tracks, with its resolved weight: what the priority
// arithmetic needs, whatever the tracker's kind.
struct TrackerRef {
  enum class Kind { Script, Memory, Interface };
  Kind kind = Kind::Script;
  std::string name;
  int weight = 0;  // 0 = FAULT while failing (while OK when reverse)
  bool reverse = false;
  SourceLocation where;  // of the entry in the instance
};

class Config {
 public:
  GlobalDefs globalDefs;
  std::vector<VrrpScript> vrrpScripts;
  std::vector<TrackMemory> trackMemories;
  std::vector<VrrpInstance> vrrpInstances;
  std::vector<VirtualServer> virtualServers;
  std::vector<SyncGroup> syncGroups;

  const VrrpScript* findScript(std::string_view name) const;
  const TrackMemory* findMemory(std::string_view name) const;
  const VrrpInstance* findInstance(std::string_view name) const;
  // The sync group INSTANCE belongs to, if any.
  const SyncGroup* syncGroupOf(std::string_view instance) const;
  // Mail is on when smtp_alert says so (instance, else global_defs), and, when
  // neither says, when the instance lists its own recipients (the seed's intent).
  MailSettings mailFor(const VrrpInstance& instance) const;
  // A real server's health mails: global_defs' mail settings, enabled by the
  // real server's smtp_alert, else its virtual server's, else global_defs'.
  MailSettings mailFor(const VirtualServer& vs, const RealServer& rs) const;
  // A track_script entry's weight: its own, else the vrrp_script's or track_memory's.
  int effectiveWeight(const TrackScript& track) const;
  // Every tracker of INSTANCE in file order: track_script entries, then
  // track_interface, then its sync group's. In a sync group without
  // sync_group_tracking_weight, as keepalived: the member's own weighted
  // track_script entries are dropped and its track_interface weights become 0.
  std::vector<TrackerRef> trackersOf(const VrrpInstance& instance) const;
};

std::string_view toString(InitialState);     // "MASTER", "BACKUP"
std::string_view toString(Protocol);         // "TCP", "UDP"
std::string_view toString(ForwardingMethod); // "NAT", "DR", "TUN"
std::string_view toString(CheckType);        // "TCP_CHECK", "HTTP_GET"
std::string_view toString(MemoryMetric);     // "free", "available"
std::string_view toString(TrackerRef::Kind); // "vrrp_script", "track_memory", "track_interface"

}  // namespace havip::config
