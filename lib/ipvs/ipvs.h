// The kernel's IPVS table behind a narrow interface. Real implementation:
// ipvs/genl_ipvs.h (generic netlink through libnl-genl-3); in-memory fake with
// the kernel's answers: ipvs/fake_ipvs.h. All calls are made from one thread
// (the event loop) and are synchronous.
//
// Errors are the kernel's errnos (see fake_ipvs.h for which and why): EEXIST
// adding what exists, ESRCH for a missing service, ENOENT for a missing
// destination or an unknown scheduler, ERANGE for bad thresholds. Nothing here
// treats them as success: the reconciler only asks for what the dump says is
// needed, so an EEXIST means someone else changed the table meanwhile.
#pragma once

#include <span>
#include <system_error>
#include <vector>

#include <tl/expected.hpp>

#include "ipvs/types.h"

namespace havip::ipvs {

using Status = tl::expected<void, std::error_code>;

// Per-operation outcomes of apply(), in the order of the operations; a
// default-constructed error_code is success.
using OperationResults = std::vector<std::error_code>;

class Ipvs {
 public:
  virtual ~Ipvs() = default;

  virtual tl::expected<Info, std::error_code> info() = 0;
  // Every IPv4 service (IPv6 ones are not reported: havip never touches them).
  virtual tl::expected<std::vector<Service>, std::error_code> services() = 0;
  // The IPv4 destinations of one service; an empty list when the service does
  // not exist (what the kernel's dump answers).
  virtual tl::expected<std::vector<Destination>, std::error_code> destinations(const ServiceKey& key) = 0;

  // Applies every operation, in order, and reports each one's outcome. An
  // operation's failure does not stop the later ones (each is independent in
  // the kernel). The outer error is for the channel itself (socket gone,
  // timeout): then which operations took effect is unknown; read the table.
  virtual tl::expected<OperationResults, std::error_code> apply(std::span<const Operation> operations) = 0;

  // One operation each, through apply().
  Status addService(const Service& s) { return one(Operation::addService(s)); }
  Status editService(const Service& s) { return one(Operation::editService(s)); }
  Status deleteService(const ServiceKey& k) { return one(Operation::deleteService(k)); }
  Status addDestination(const ServiceKey& k, const Destination& d) { return one(Operation::addDestination(k, d)); }
  Status editDestination(const ServiceKey& k, const Destination& d) { return one(Operation::editDestination(k, d)); }
  Status deleteDestination(const ServiceKey& k, const Destination& d) {
    return one(Operation::deleteDestination(k, d));
  }

 private:
  Status one(const Operation& op) {
    auto results = apply(std::span<const Operation>(&op, 1));
    if (!results) return tl::make_unexpected(results.error());
    if (results->size() != 1) return tl::make_unexpected(std::make_error_code(std::errc::protocol_error));
    if ((*results)[0]) return tl::make_unexpected((*results)[0]);
    return {};
  }
};

// The errors specific to reaching IPVS; equivalent to the errno a caller
// might test for (FamilyNotFound == std::errc::protocol_not_supported).
enum class IpvsError {
  // No "IPVS" generic netlink family. Resolving it loads ip_vs on demand
  // (genetlink's module alias), so: no ip_vs module, or loading it failed.
  FamilyNotFound = 1,
  Truncated,           // a reply did not fit the receive buffer
  BadReply,            // a reply that does not parse or does not answer the request
};
const std::error_category& ipvsCategory();
std::error_code make_error_code(IpvsError);

}  // namespace havip::ipvs

template <>
struct std::is_error_code_enum<havip::ipvs::IpvsError> : std::true_type {};
