#include "ipvs/reconcile.h"

#include <unordered_map>
#include <unordered_set>

namespace havip::ipvs {
namespace {

struct EndpointHash {
  std::size_t operator()(const std::pair<std::uint32_t, std::uint16_t>& e) const {
    return std::hash<std::uint64_t>{}((std::uint64_t{e.first} << 16) | e.second);
  }
};
using Endpoint = std::pair<std::uint32_t, std::uint16_t>;
Endpoint endpointOf(const Destination& d) { return {d.address.toHostOrder(), d.port}; }

bool sameServiceConfig(const Service& a, const Service& b) {
  return a.scheduler == b.scheduler && a.flags == b.flags && a.timeout == b.timeout && a.netmask == b.netmask;
}

Forwarding forwardingFor(config::ForwardingMethod method) {
  switch (method) {
    case config::ForwardingMethod::Nat: return Forwarding::Masq;
    case config::ForwardingMethod::DirectRouting: return Forwarding::DirectRoute;
    case config::ForwardingMethod::Tunnel: return Forwarding::Tunnel;
  }
  return Forwarding::Masq;
}

}  // namespace

ServiceKey serviceKeyFor(const config::VirtualServer& vs) {
  if (vs.fwmark) return ServiceKey::mark(*vs.fwmark);
  return ServiceKey::inet(vs.address.value_or(net::Ipv4Address{}), vs.port,
                          vs.protocol == config::Protocol::Udp ? Protocol::Udp : Protocol::Tcp);
}

Service serviceFor(const config::VirtualServer& vs) {
  Service s;
  s.key = serviceKeyFor(vs);
  s.scheduler = vs.scheduler;
  if (vs.persistenceTimeout) {
    s.flags |= kFlagPersistent;
    s.timeout = static_cast<std::uint32_t>(vs.persistenceTimeout->count());
  }
  s.netmask = kDefaultNetmask;
  return s;
}

Destination destinationFor(const config::VirtualServer& vs, const config::RealServer& rs) {
  Destination d;
  d.address = rs.address;
  d.port = rs.port != 0 ? rs.port : vs.port;
  d.forwarding = forwardingFor(vs.forwarding);
  d.weight = rs.weight;
  d.upperThreshold = rs.upperThreshold.value_or(0);
  d.lowerThreshold = rs.lowerThreshold.value_or(0);
  return d;
}

Table desiredTable(std::span<const config::VirtualServer> virtualServers, const std::set<RealServerId>& down) {
  Table out;
  out.reserve(virtualServers.size());
  for (const auto& vs : virtualServers) {
    ServiceEntry entry{serviceFor(vs), {}};
    entry.destinations.reserve(vs.realServers.size());
    for (const auto& rs : vs.realServers) {
      Destination d = destinationFor(vs, rs);
      if (down.count(RealServerId{entry.service.key, d.address, d.port}) != 0) {
        if (!rs.inhibitOnFailure) continue;
        d.weight = 0;
      }
      entry.destinations.push_back(d);
    }
    out.push_back(std::move(entry));
  }
  return out;
}

std::set<ServiceKey> keysOf(const Table& table) {
  std::set<ServiceKey> out;
  for (const auto& e : table) out.insert(e.service.key);
  return out;
}

std::vector<Operation> reconcile(const Table& desired, const Table& actual, const std::set<ServiceKey>& owned) {
  std::unordered_map<ServiceKey, const ServiceEntry*, ServiceKeyHash> actualByKey;
  actualByKey.reserve(actual.size());
  for (const auto& e : actual) actualByKey.emplace(e.service.key, &e);

  // A duplicated key in the desired table: the first one wins (the config validator should refuse it).
  std::unordered_map<ServiceKey, const ServiceEntry*, ServiceKeyHash> desiredByKey;
  desiredByKey.reserve(desired.size());
  std::vector<const ServiceEntry*> desiredInOrder;
  desiredInOrder.reserve(desired.size());
  for (const auto& e : desired) {
    if (desiredByKey.emplace(e.service.key, &e).second) desiredInOrder.push_back(&e);
  }

  std::vector<Operation> deleteDests;
  std::vector<Operation> deleteServices;
  std::vector<Operation> upserts;

  for (const auto& e : actual) {
    if (desiredByKey.count(e.service.key) == 0 && owned.count(e.service.key) != 0) {
      deleteServices.push_back(Operation::deleteService(e.service.key));
    }
  }

  std::unordered_map<Endpoint, const Destination*, EndpointHash> current;
  std::unordered_set<Endpoint, EndpointHash> wanted;
  for (const ServiceEntry* want : desiredInOrder) {
    const ServiceKey& key = want->service.key;
    auto found = actualByKey.find(key);
    const ServiceEntry* have = found == actualByKey.end() ? nullptr : found->second;
    if (have == nullptr) {
      upserts.push_back(Operation::addService(want->service));
    } else if (!sameServiceConfig(want->service, have->service)) {
      upserts.push_back(Operation::editService(want->service));
    }

    current.clear();
    wanted.clear();
    if (have != nullptr) {
      for (const auto& d : have->destinations) current.emplace(endpointOf(d), &d);
    }
    for (const auto& d : want->destinations) {
      if (!wanted.insert(endpointOf(d)).second) continue;  // duplicated real server: first wins
      auto it = current.find(endpointOf(d));
      if (it == current.end()) {
        upserts.push_back(Operation::addDestination(key, d));
      } else if (!it->second->sameConfig(d)) {
        upserts.push_back(Operation::editDestination(key, d));
      }
    }
    if (have != nullptr) {
      for (const auto& d : have->destinations) {
        if (wanted.count(endpointOf(d)) == 0) deleteDests.push_back(Operation::deleteDestination(key, d));
      }
    }
  }

  std::vector<Operation> out;
  out.reserve(deleteDests.size() + deleteServices.size() + upserts.size());
  for (auto* list : {&deleteDests, &deleteServices, &upserts}) {
    for (auto& op : *list) out.push_back(std::move(op));
  }
  return out;
}

tl::expected<Table, std::error_code> readTable(Ipvs& ipvs,
                                               const std::function<bool(const ServiceKey&)>& withDestinations) {
  auto services = ipvs.services();
  if (!services) return tl::make_unexpected(services.error());
  Table out;
  out.reserve(services->size());
  for (auto& s : *services) {
    if (withDestinations && !withDestinations(s.key)) continue;
    auto dests = ipvs.destinations(s.key);
    if (!dests) return tl::make_unexpected(dests.error());
    out.push_back(ServiceEntry{std::move(s), std::move(*dests)});
  }
  return out;
}

}  // namespace havip::ipvs
