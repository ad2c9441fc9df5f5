#include "ipvs/fake_ipvs.h"

#include <algorithm>
#include <array>
#include <climits>
#include <string_view>

namespace havip::ipvs {
namespace {

std::error_code err(std::errc e) { return std::make_error_code(e); }

// inet_addr_type() answers RTN_BROADCAST for 0.0.0.0/8 and 255.255.255.255 and
// RTN_MULTICAST for 224.0.0.0/4; the fake knows no interface, so no subnet broadcasts.
bool unicast(net::Ipv4Address a) {
  return a.octets()[0] != 0 && !a.isMulticast() && a.toHostOrder() != 0xffffffffu;
}

// The checks ip_vs_add_dest and ip_vs_edit_dest make before looking the destination up.
std::error_code checkDestination(const Destination& d) {
  // The kernel says ERANGE for a weight it reads as negative, but GenlIpvs never
  // sends one (EINVAL before sending); the fake answers as havipd would see it.
  if (d.weight > static_cast<std::uint32_t>(INT_MAX)) return err(std::errc::invalid_argument);
  if (d.lowerThreshold > d.upperThreshold) return err(std::errc::result_out_of_range);
  if (d.upperThreshold > static_cast<std::uint32_t>(INT_MAX)) return err(std::errc::invalid_argument);
  return {};
}

}  // namespace

bool knownScheduler(const std::string& name) {
  static constexpr std::array<std::string_view, 15> kNames = {"none", "rr",  "wrr", "lc", "wlc",  "lblc", "lblcr", "dh",
                                                               "sh",   "sed", "nq",  "fo", "ovf", "mh",   "twos"};
  return std::find(kNames.begin(), kNames.end(), name) != kNames.end();
}

bool FakeIpvs::setConnections(const ServiceKey& key, net::Ipv4Address address, std::uint16_t port,
                              std::uint32_t active, std::uint32_t inactive) {
  auto it = services_.find(key);
  if (it == services_.end()) return false;
  for (auto& d : it->second.destinations) {
    if (d.address == address && d.port == port) {
      d.stats.activeConnections = active;
      d.stats.inactiveConnections = inactive;
      return true;
    }
  }
  return false;
}

std::vector<std::pair<Service, std::vector<Destination>>> FakeIpvs::table() const {
  std::vector<std::pair<Service, std::vector<Destination>>> out;
  for (const auto& [key, entry] : services_) out.emplace_back(entry.service, entry.destinations);
  return out;
}

tl::expected<Info, std::error_code> FakeIpvs::info() {
  ++counters_.dumps;
  if (unavailable_) return tl::make_unexpected(unavailable_);
  return Info{0x010201, 4096};
}

tl::expected<std::vector<Service>, std::error_code> FakeIpvs::services() {
  ++counters_.dumps;
  if (unavailable_) return tl::make_unexpected(unavailable_);
  std::vector<Service> out;
  out.reserve(services_.size());
  for (const auto& [key, entry] : services_) out.push_back(entry.service);
  return out;
}

tl::expected<std::vector<Destination>, std::error_code> FakeIpvs::destinations(const ServiceKey& key) {
  ++counters_.dumps;
  if (unavailable_) return tl::make_unexpected(unavailable_);
  auto it = services_.find(key);
  if (it == services_.end()) return std::vector<Destination>{};
  return it->second.destinations;
}

tl::expected<OperationResults, std::error_code> FakeIpvs::apply(std::span<const Operation> operations) {
  ++counters_.applyCalls;
  if (unavailable_) return tl::make_unexpected(unavailable_);
  OperationResults results;
  results.reserve(operations.size());
  for (const Operation& op : operations) {
    ++counters_.operations;
    std::error_code e;
    if (failNext_) {
      e = *failNext_;
      failNext_.reset();
    } else {
      e = applyOne(op);
    }
    if (e) ++counters_.failed;
    results.push_back(e);
  }
  return results;
}

std::error_code FakeIpvs::applyOne(const Operation& op) {
  using Kind = Operation::Kind;
  // GenlIpvs's builder refuses this before anything reaches the kernel.
  if ((op.kind == Kind::AddService || op.kind == Kind::EditService) && op.service.timeout > kMaxPersistenceTimeout) {
    return err(std::errc::invalid_argument);
  }
  auto it = services_.find(op.service.key);
  if (op.kind == Kind::AddService) {
    if (it != services_.end()) return err(std::errc::file_exists);
    if (!knownScheduler(op.service.scheduler)) return err(std::errc::no_such_file_or_directory);
    Service s = op.service;
    s.flags &= ~kFlagHashed;
    services_.emplace(s.key, Entry{s, {}});
    return {};
  }
  if (it == services_.end()) return err(std::errc::no_such_process);  // ESRCH
  Entry& entry = it->second;
  auto findDest = [&entry](const Destination& d) {
    return std::find_if(entry.destinations.begin(), entry.destinations.end(),
                        [&d](const Destination& x) { return x.sameEndpoint(d); });
  };
  switch (op.kind) {
    case Kind::AddService: break;  // handled above
    case Kind::EditService: {
      if (!knownScheduler(op.service.scheduler)) return err(std::errc::no_such_file_or_directory);
      entry.service.scheduler = op.service.scheduler;
      entry.service.flags = op.service.flags & ~kFlagHashed;
      entry.service.timeout = op.service.timeout;
      entry.service.netmask = op.service.netmask;
      return {};
    }
    case Kind::DeleteService: services_.erase(it); return {};
    case Kind::AddDestination: {
      if (auto e = checkDestination(op.destination)) return e;
      if (findDest(op.destination) != entry.destinations.end()) return err(std::errc::file_exists);
      if (!unicast(op.destination.address)) return err(std::errc::invalid_argument);
      Destination d = op.destination;
      d.stats = {};
      entry.destinations.insert(entry.destinations.begin(), d);
      return {};
    }
    case Kind::EditDestination: {
      if (auto e = checkDestination(op.destination)) return e;
      auto d = findDest(op.destination);
      if (d == entry.destinations.end()) return err(std::errc::no_such_file_or_directory);
      const DestinationStats keep = d->stats;
      *d = op.destination;
      d->stats = keep;
      return {};
    }
    case Kind::DeleteDestination: {
      auto d = findDest(op.destination);
      if (d == entry.destinations.end()) return err(std::errc::no_such_file_or_directory);
      entry.destinations.erase(d);
      return {};
    }
  }
  return err(std::errc::invalid_argument);
}

}  // namespace havip::ipvs
