// The notification mails themselves, as pure functions of their inputs: the
// subjects exactly as keepalived 2.2.7 writes them (so mail filters keep
// working), an RFC 5322 message with Date, From, To, Subject and Message-ID,
// and bodies that say what changed and why. Nothing here reads a clock or the
// host: time, host name and user are arguments (localIdentity() and
// localUtcOffset() are the only functions that look at the system).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "config/model.h"
#include "net/ipv4.h"
#include "vrrp/router.h"

namespace havip::notify {

using WallTime = std::chrono::system_clock::time_point;

// The host name (uname's nodename) and the name of the user we run as.
struct HostIdentity {
  std::string hostName;
  std::string userName;
};
HostIdentity localIdentity();
// The local time zone's offset from UTC at `t` (localtime_r's tm_gmtoff).
std::chrono::seconds localUtcOffset(WallTime t);

// keepalived 2.2.7's defaults (core/global_data.c, init_global_data): router_id
// and smtp_helo_name are the host name; notification_email_from is
// "<user>@<host name>" (getpwuid(getuid())->pw_name, so "root@director1").
std::string defaultRouterId(const HostIdentity& id);
std::string defaultHeloName(const HostIdentity& id);
std::string defaultFrom(const HostIdentity& id);

// "Tue, 14 May 2024 09:05:03 +0200" (RFC 5322 3.3; English names whatever
// the locale; the same form as keepalived's strftime "%a, %d %b %Y %H:%M:%S %z").
std::string formatDate(WallTime t, std::chrono::seconds utcOffset);

// "<1715670303123456.7.havip@director1>": unique per (time, sequence, host).
std::string makeMessageId(WallTime t, std::uint64_t sequence, std::string_view hostName);

struct VrrpEvent {
  std::string instance;  // "VI_1"
  vrrp::State from = vrrp::State::Init;
  vrrp::State to = vrrp::State::Init;
  std::string reason;  // the router's StateChanged reason
  unsigned basePriority = 0;
  unsigned effectivePriority = 0;
  std::vector<std::string> vips;  // "10.11.12.99/32"
};

struct RealServerEvent {
  std::string realServer;     // keepalivedEndpoint(): "[192.168.100.10]:tcp:80"
  std::string virtualServer;  // keepalivedVirtualServer(): "[10.11.12.99]:tcp:80" or "FWM 7"
  bool up = false;
  std::string reason;  // the check's last result
};

// keepalived's inet_sockaddrtotrio: "[192.168.100.10]:tcp:80".
std::string keepalivedEndpoint(net::Ipv4Address address, config::Protocol protocol, std::uint16_t port);
// keepalived's format_vs: the endpoint, or "FWM 7" for a fwmark service.
std::string keepalivedVirtualServer(const config::VirtualServer& vs);

// "[LVS_MASTER] VRRP Instance VI_1 - Entering MASTER state"; BACKUP and FAULT
// alike; leaving to Init (a stop) is keepalived's "Stopping".
std::string vrrpSubject(std::string_view routerId, std::string_view instance, vrrp::State to);
// "[LVS_MASTER] Realserver [192.168.100.10]:tcp:80 of virtual server
// [10.11.12.99]:tcp:80 - DOWN" (keepalived's SMTP_MSG_RS).
std::string realServerSubject(std::string_view routerId, const RealServerEvent& event);

// Bodies: keepalived's one-line summary first, then the details.
std::string vrrpBody(const VrrpEvent& event, std::string_view hostName, std::string_view date);
std::string realServerBody(const RealServerEvent& event, std::string_view hostName, std::string_view date);

struct MessageHeaders {
  std::string date;  // formatDate()
  std::string from;
  std::vector<std::string> to;
  std::string subject;
  std::string messageId;
};

// Headers, a blank line and the body, CRLF line ends (ready for encodeData()).
// A CR or LF inside a header value becomes a space, so no value can add a
// header; a long To: is folded between addresses.
std::string renderMessage(const MessageHeaders& headers, std::string_view body);

}  // namespace havip::notify
