// An in-memory IPVS table for tests, answering as Linux's ip_vs_ctl.c does
// (net/netfilter/ipvs/ip_vs_ctl.c, ip_vs_genl_set_cmd and the functions it calls):
//   add service that exists                       EEXIST  (ip_vs_genl_set_cmd)
//   edit/delete service, or any destination
//     command, on a service that does not exist   ESRCH   (ip_vs_genl_set_cmd)
//   unknown scheduler on add/edit service          ENOENT  (ip_vs_add_service, ip_vs_edit_service)
//   add destination that exists                    EEXIST  (ip_vs_add_dest)
//   edit/delete destination that does not exist    ENOENT  (ip_vs_edit_dest, ip_vs_del_dest)
//   weight < 0 (above INT32_MAX as sent), or
//     lower threshold > upper threshold            ERANGE  (ip_vs_add_dest, ip_vs_edit_dest)
//   upper threshold > INT32_MAX                    EINVAL  (ip_vs_add_dest, ip_vs_edit_dest; seen on
//                                                          Debian 12's 6.1.192 in tests/vm/ipvs)
//   destination address not unicast (0.0.0.0/8,
//     multicast, 255.255.255.255)                  EINVAL  (ip_vs_new_dest: inet_addr_type)
// and, before any of those, what GenlIpvs refuses without asking the kernel:
//   add/edit service with a timeout above kMaxPersistenceTimeout   EINVAL
// Deleting a service deletes its destinations (__ip_vs_del_service); the
// destinations dump of a missing service is empty (ip_vs_genl_dump_dests).
// New destinations come first in dumps (list_add_rcu at the head).
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <system_error>
#include <vector>

#include "ipvs/ipvs.h"

namespace havip::ipvs {

class FakeIpvs final : public Ipvs {
 public:
  // --- what a test does to the fake kernel ------------------------------------
  // The next operation (one, not one apply()) fails with this error and changes nothing.
  void failNext(std::error_code error) { failNext_ = error; }
  // Every call fails with this error from now on (IPVS absent: IpvsError::FamilyNotFound);
  // an empty error_code makes IPVS available again.
  void setUnavailable(std::error_code error) { unavailable_ = error; }
  // Counters the kernel keeps, visible in destination dumps. False if no such destination.
  bool setConnections(const ServiceKey& key, net::Ipv4Address address, std::uint16_t port, std::uint32_t active,
                      std::uint32_t inactive);
  // Every service with its destinations, in key order.
  std::vector<std::pair<Service, std::vector<Destination>>> table() const;

  struct Counters {
    std::size_t applyCalls = 0;   // apply() calls (the add/edit/delete helpers make one each)
    std::size_t operations = 0;   // operations received, successful or not: a netlink message each
    std::size_t failed = 0;       // operations that returned an error
    std::size_t dumps = 0;        // info(), services() and destinations() calls
  };
  const Counters& counters() const { return counters_; }
  void resetCounters() { counters_ = {}; }

  // --- Ipvs -------------------------------------------------------------------
  tl::expected<Info, std::error_code> info() override;
  tl::expected<std::vector<Service>, std::error_code> services() override;
  tl::expected<std::vector<Destination>, std::error_code> destinations(const ServiceKey& key) override;
  tl::expected<OperationResults, std::error_code> apply(std::span<const Operation> operations) override;

 private:
  struct Entry {
    Service service;
    std::vector<Destination> destinations;  // newest first
  };
  std::error_code applyOne(const Operation& op);

  std::map<ServiceKey, Entry> services_;
  std::optional<std::error_code> failNext_;
  std::error_code unavailable_;
  Counters counters_;
};

// The schedulers Linux ships (ip_vs_*.ko) plus "none"; others get ENOENT.
bool knownScheduler(const std::string& name);

}  // namespace havip::ipvs
