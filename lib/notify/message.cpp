#include "notify/message.h"

#include <pwd.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <ctime>

namespace havip::notify {

namespace {

constexpr std::array<const char*, 7> kWeekdays = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr std::array<const char*, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

std::string headerValue(std::string_view v) {
  std::string out(v);
  std::replace_if(out.begin(), out.end(), [](char c) { return c == '\r' || c == '\n'; }, ' ');
  return out;
}

// The subject's verb for the state entered, as keepalived's vrrp_smtp_notifier.
std::string_view stateSubject(vrrp::State to) {
  switch (to) {
    case vrrp::State::Master: return "Entering MASTER state";
    case vrrp::State::Backup: return "Entering BACKUP state";
    case vrrp::State::Fault: return "Entering FAULT state";
    case vrrp::State::Init: return "Stopping";
  }
  return "Stopping";
}

// keepalived's body line for the same states.
std::string_view stateSummary(vrrp::State to) {
  switch (to) {
    case vrrp::State::Master: return "=> VRRP Instance is now owning VRRP VIPs <=";
    case vrrp::State::Backup:
    case vrrp::State::Fault: return "=> VRRP Instance is no longer owning VRRP VIPs <=";
    case vrrp::State::Init: return "=> VRRP Instance stopping <=";
  }
  return "=> VRRP Instance stopping <=";
}

}  // namespace

HostIdentity localIdentity() {
  HostIdentity id;
  struct utsname u {};
  if (uname(&u) == 0) id.hostName = u.nodename;
  if (id.hostName.empty()) id.hostName = "localhost";
  std::array<char, 4096> buf{};
  struct passwd pw {};
  struct passwd* found = nullptr;
  if (getpwuid_r(getuid(), &pw, buf.data(), buf.size(), &found) == 0 && found && found->pw_name) {
    id.userName = found->pw_name;
  } else {
    id.userName = "uid" + std::to_string(getuid());  // no passwd entry (a bare container)
  }
  return id;
}

std::chrono::seconds localUtcOffset(WallTime t) {
  const std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  if (!localtime_r(&tt, &tm)) return std::chrono::seconds(0);
  return std::chrono::seconds(tm.tm_gmtoff);
}

std::string defaultRouterId(const HostIdentity& id) { return id.hostName; }
std::string defaultHeloName(const HostIdentity& id) { return id.hostName; }
std::string defaultFrom(const HostIdentity& id) { return id.userName + "@" + id.hostName; }

std::string formatDate(WallTime t, std::chrono::seconds utcOffset) {
  using namespace std::chrono;
  const auto local = floor<seconds>(t) + utcOffset;
  const auto day = floor<days>(local);
  const year_month_day ymd{day};
  const weekday wd{day};
  const hh_mm_ss hms{local - day};
  const long off = static_cast<long>(utcOffset.count());
  const long offAbs = off < 0 ? -off : off;
  return fmt::format("{}, {:02} {} {:04} {:02}:{:02}:{:02} {}{:02}{:02}", kWeekdays[wd.c_encoding()],
                     static_cast<unsigned>(ymd.day()), kMonths[static_cast<unsigned>(ymd.month()) - 1],
                     static_cast<int>(ymd.year()), hms.hours().count(), hms.minutes().count(),
                     hms.seconds().count(), off < 0 ? '-' : '+', offAbs / 3600, (offAbs % 3600) / 60);
}

std::string makeMessageId(WallTime t, std::uint64_t sequence, std::string_view hostName) {
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
  std::string host = headerValue(hostName);
  std::replace(host.begin(), host.end(), ' ', '-');
  return "<" + std::to_string(us) + "." + std::to_string(sequence) + ".havip@" + host + ">";
}

std::string keepalivedEndpoint(net::Ipv4Address address, config::Protocol protocol, std::uint16_t port) {
  return "[" + address.toString() + "]:" + (protocol == config::Protocol::Tcp ? "tcp" : "udp") + ":" +
         std::to_string(port);
}

std::string keepalivedVirtualServer(const config::VirtualServer& vs) {
  if (vs.fwmark) return "FWM " + std::to_string(*vs.fwmark);
  return keepalivedEndpoint(vs.address.value_or(net::Ipv4Address()), vs.protocol, vs.port);
}

std::string vrrpSubject(std::string_view routerId, std::string_view instance, vrrp::State to) {
  std::string s = "[";
  s += routerId;
  s += "] VRRP Instance ";
  s += instance;
  s += " - ";
  s += stateSubject(to);
  return s;
}

std::string realServerSubject(std::string_view routerId, const RealServerEvent& event) {
  std::string s = "[";
  s += routerId;
  s += "] Realserver " + event.realServer + " of virtual server " + event.virtualServer + " - ";
  s += event.up ? "UP" : "DOWN";
  return s;
}

std::string vrrpBody(const VrrpEvent& event, std::string_view hostName, std::string_view date) {
  std::string b(stateSummary(event.to));
  b += "\n\n";
  b += "Instance:   " + event.instance + "\n";
  b += "Transition: " + std::string(vrrp::toString(event.from)) + " -> " + std::string(vrrp::toString(event.to)) + "\n";
  b += "Reason:     " + (event.reason.empty() ? std::string("(none given)") : event.reason) + "\n";
  b += "Priority:   base " + std::to_string(event.basePriority) + ", effective " +
       std::to_string(event.effectivePriority) + "\n";
  b += "VIPs:       ";
  for (std::size_t i = 0; i < event.vips.size(); ++i) b += (i ? ", " : "") + event.vips[i];
  if (event.vips.empty()) b += "(none)";
  b += "\n";
  b += "Host:       " + std::string(hostName) + "\n";
  b += "Time:       " + std::string(date) + "\n";
  return b;
}

std::string realServerBody(const RealServerEvent& event, std::string_view hostName, std::string_view date) {
  std::string b = event.up ? "=> CHECK succeed on service <=" : "=> CHECK failed on service <=";
  b += "\n\n";
  b += "Real server:    " + event.realServer + "\n";
  b += "Virtual server: " + event.virtualServer + "\n";
  b += "State:          " + std::string(event.up ? "UP" : "DOWN") + "\n";
  b += "Reason:         " + (event.reason.empty() ? std::string("(none given)") : event.reason) + "\n";
  b += "Host:           " + std::string(hostName) + "\n";
  b += "Time:           " + std::string(date) + "\n";
  return b;
}

std::string renderMessage(const MessageHeaders& headers, std::string_view body) {
  std::string m;
  m += "Date: " + headerValue(headers.date) + "\r\n";
  m += "From: " + headerValue(headers.from) + "\r\n";
  // RFC 5322 2.1.1 wants lines under 78 characters: fold To: between addresses.
  std::string line = "To: ";
  for (std::size_t i = 0; i < headers.to.size(); ++i) {
    const std::string addr = headerValue(headers.to[i]) + (i + 1 < headers.to.size() ? "," : "");
    if (i > 0 && line.size() + 1 + addr.size() > 78) {
      m += line + "\r\n";
      line = " " + addr;
    } else {
      line += (i > 0 ? " " : "") + addr;
    }
  }
  m += line + "\r\n";
  m += "Subject: " + headerValue(headers.subject) + "\r\n";
  m += "Message-ID: " + headerValue(headers.messageId) + "\r\n";
  m += "MIME-Version: 1.0\r\n";
  m += "Content-Type: text/plain; charset=UTF-8\r\n";
  m += "Content-Transfer-Encoding: 8bit\r\n";
  m += "X-Mailer: havip\r\n";
  m += "\r\n";
  // Body line ends become CRLF here too, so the message is uniform before DATA.
  for (std::size_t i = 0; i < body.size(); ++i) {
    const char c = body[i];
    if (c == '\r') {
      m += "\r\n";
      if (i + 1 < body.size() && body[i + 1] == '\n') ++i;
    } else if (c == '\n') {
      m += "\r\n";
    } else {
      m += c;
    }
  }
  return m;
}

}  // namespace havip::notify
