// Desired IPVS table from the configuration, and the minimal ordered list of
// operations that turns the kernel's table into it. Pure: no kernel access
// except readTable(), which only reads through the Ipvs interface.
//
// Ownership rule: havip changes only services whose key is in the desired
// table (its configuration) or in `owned` (services it created earlier and may
// now have to delete, e.g. the previous configuration's keys). Any other
// service, and every destination of it, is foreign and never touched. Inside a
// service it owns, the configuration is the truth: a destination added by hand
// is deleted, one deleted by hand is put back.
//
// Order of the operations: destination deletions, then service deletions (the
// kernel deletes a service's destinations with it, so none are listed for it),
// then per desired service in configuration order: its add or edit, then its
// destinations' adds and edits. Identical entries yield nothing, so one changed
// value yields exactly one operation.
#pragma once

#include <compare>
#include <cstdint>
#include <functional>
#include <set>
#include <span>
#include <system_error>
#include <vector>

#include <tl/expected.hpp>

#include "config/model.h"
#include "ipvs/ipvs.h"
#include "ipvs/types.h"

namespace havip::ipvs {

struct ServiceEntry {
  Service service;
  std::vector<Destination> destinations;
  bool operator==(const ServiceEntry&) const = default;
};
using Table = std::vector<ServiceEntry>;

// One real server of one virtual service, as the health checker names it.
struct RealServerId {
  ServiceKey service;
  net::Ipv4Address address;
  std::uint16_t port = 0;
  auto operator<=>(const RealServerId&) const = default;
};

ServiceKey serviceKeyFor(const config::VirtualServer& vs);
Service serviceFor(const config::VirtualServer& vs);
// A real server's destination; its port is the service's when written without one.
Destination destinationFor(const config::VirtualServer& vs, const config::RealServer& rs);

// The table the configuration asks for, given which real servers the health
// checks hold down: a down real server is left out, or kept with weight 0
// when it has inhibit_on_failure (keepalived's behaviour).
Table desiredTable(std::span<const config::VirtualServer> virtualServers, const std::set<RealServerId>& down = {});

// The operations that make `actual` equal `desired` for the services havip owns.
std::vector<Operation> reconcile(const Table& desired, const Table& actual, const std::set<ServiceKey>& owned = {});

std::set<ServiceKey> keysOf(const Table& table);

// The kernel's table: every service, and the destinations of those for which
// `withDestinations` says yes (the others are left out of the result: reading
// foreign services' destinations is wasted work).
tl::expected<Table, std::error_code> readTable(Ipvs& ipvs,
                                               const std::function<bool(const ServiceKey&)>& withDestinations);

}  // namespace havip::ipvs
