// Value types for the IPVS table as havip sees it: virtual services, their
// real servers (destinations) and the operations that change them. Shared by
// the codec, the Ipvs interface, its real and fake implementations and the
// reconciler. Pure: no socket or netlink headers leak out of here.
//
// Only IPv4 is modelled (the project is IPv4-only); an IPv6 service or
// destination found in a dump is skipped by the parser, so havip never
// touches one.
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "net/ipv4.h"

namespace havip::ipvs {

enum class Protocol : std::uint16_t { Tcp = 6, Udp = 17 };  // IPPROTO_* values

// How the director forwards to a real server; values are IP_VS_CONN_F_*.
enum class Forwarding : std::uint32_t { Masq = 0, Tunnel = 2, DirectRoute = 3 };

// IP_VS_SVC_F_* flags a user may set. The kernel also reports
// IP_VS_SVC_F_HASHED (0x2) on every service; the parser strips it.
inline constexpr std::uint32_t kFlagPersistent = 0x0001;
inline constexpr std::uint32_t kFlagOnePacket = 0x0004;
inline constexpr std::uint32_t kFlagHashed = 0x0002;
// ipvsadm's (and keepalived's) default persistence netmask.
inline constexpr std::uint32_t kDefaultNetmask = 0xffffffff;
// The longest persistence timeout havip sends: 31 days, ipvsadm's and
// keepalived's limit. The kernel keeps timeout * HZ in 32 bits and, on Linux
// 6.1 at least, wraps a longer one silently (UINT_MAX s reads back as 17179868
// s with HZ=250), so the dump would never match the configuration.
inline constexpr std::uint32_t kMaxPersistenceTimeout = 31 * 86400;

// A service is identified either by address + port + protocol or by a
// firewall mark (then address, port and protocol are unused and zero).
struct ServiceKey {
  std::uint32_t fwmark = 0;  // non-zero: a fwmark service
  net::Ipv4Address address;
  std::uint16_t port = 0;
  Protocol protocol = Protocol::Tcp;

  static ServiceKey inet(net::Ipv4Address address, std::uint16_t port, Protocol protocol = Protocol::Tcp) {
    return ServiceKey{0, address, port, protocol};
  }
  static ServiceKey mark(std::uint32_t fwmark) { return ServiceKey{fwmark, {}, 0, Protocol::Tcp}; }
  bool isFwmark() const { return fwmark != 0; }

  auto operator<=>(const ServiceKey&) const = default;
  bool operator==(const ServiceKey&) const = default;
  std::string toString() const;  // "TCP 10.11.12.99:80" or "FWM 7"
};

struct Service {
  ServiceKey key;
  std::string scheduler = "wlc";  // 1..15 bytes: rr, wrr, lc, wlc, sh, dh, mh, ...
  std::uint32_t flags = 0;        // kFlag*; never kFlagHashed
  std::uint32_t timeout = 0;      // persistence timeout in seconds
  std::uint32_t netmask = kDefaultNetmask;  // persistence granularity, host order

  bool persistent() const { return (flags & kFlagPersistent) != 0; }
  bool operator==(const Service&) const = default;
  std::string toString() const;  // "TCP 10.11.12.99:80 rr persistent 300"
};

// Counters read back from the kernel; ignored when comparing configuration.
struct DestinationStats {
  std::uint32_t activeConnections = 0;
  std::uint32_t inactiveConnections = 0;
  std::uint32_t persistentConnections = 0;
  bool operator==(const DestinationStats&) const = default;
};

struct Destination {
  net::Ipv4Address address;
  std::uint16_t port = 0;
  Forwarding forwarding = Forwarding::Masq;
  std::uint32_t weight = 1;  // 0 = quiesced: no new connections
  std::uint32_t upperThreshold = 0;  // 0 = no limit
  std::uint32_t lowerThreshold = 0;
  DestinationStats stats;  // read-only, from dumps

  // Same configuration: everything but the counters.
  bool sameConfig(const Destination& o) const {
    return address == o.address && port == o.port && forwarding == o.forwarding && weight == o.weight &&
           upperThreshold == o.upperThreshold && lowerThreshold == o.lowerThreshold;
  }
  bool sameEndpoint(const Destination& o) const { return address == o.address && port == o.port; }
  bool operator==(const Destination&) const = default;
  std::string toString() const;  // "192.168.100.10:80 masq weight 1"
};

struct Info {
  std::uint32_t version = 0;         // e.g. 0x010201 for 1.2.1
  std::uint32_t connectionTableSize = 0;
  std::string versionString() const;  // "1.2.1"
  bool operator==(const Info&) const = default;
};

// One change to the kernel's table. Destination operations carry only the
// service key (the kernel reads nothing else of the service for them).
struct Operation {
  enum class Kind { AddService, EditService, DeleteService, AddDestination, EditDestination, DeleteDestination };
  Kind kind = Kind::AddService;
  Service service;          // for destination operations only service.key matters
  Destination destination;  // unused for service operations

  static Operation addService(Service s) { return {Kind::AddService, std::move(s), {}}; }
  static Operation editService(Service s) { return {Kind::EditService, std::move(s), {}}; }
  static Operation deleteService(const ServiceKey& k) { return {Kind::DeleteService, Service{k, "", 0, 0, kDefaultNetmask}, {}}; }
  static Operation addDestination(const ServiceKey& k, Destination d) { return {Kind::AddDestination, keyOnly(k), d}; }
  static Operation editDestination(const ServiceKey& k, Destination d) { return {Kind::EditDestination, keyOnly(k), d}; }
  static Operation deleteDestination(const ServiceKey& k, Destination d) { return {Kind::DeleteDestination, keyOnly(k), d}; }

  bool isServiceOperation() const { return kind <= Kind::DeleteService; }
  bool operator==(const Operation&) const = default;
  std::string toString() const;  // "add destination 192.168.100.10:80 masq weight 1 to TCP 10.11.12.99:80"

 private:
  static Service keyOnly(const ServiceKey& k) { return Service{k, "", 0, 0, kDefaultNetmask}; }
};

std::string toString(Protocol);    // "TCP", "UDP"
std::string toString(Forwarding);  // "masq", "tunnel", "route"
std::string toString(Operation::Kind);

struct ServiceKeyHash {
  std::size_t operator()(const ServiceKey& k) const {
    std::uint64_t v = (std::uint64_t{k.address.toHostOrder()} << 32) ^ (std::uint64_t{k.port} << 16) ^
                      (std::uint64_t{static_cast<std::uint16_t>(k.protocol)}) ^ (std::uint64_t{k.fwmark} * 0x9e3779b97f4a7c15ULL);
    return std::hash<std::uint64_t>{}(v);
  }
};

}  // namespace havip::ipvs
