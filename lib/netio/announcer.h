// Sends gratuitous ARPs for VIPs after a takeover. One announcer serves every
// interface. Calls never block; a failure is returned with its errno (ENETDOWN,
// ENXIO for a vanished interface, ...) and nothing is retried here: the caller
// repeats GARPs on its own schedule (garp_master_delay / garp_master_repeat).
#pragma once

#include <system_error>

#include <tl/expected.hpp>

#include "net/ipv4.h"
#include "net/mac_address.h"

namespace havip::netio {

class Announcer {
 public:
  virtual ~Announcer() = default;

  // One frame as built by buildGratuitousArp(ourMac, vip), out of interface ifindex.
  virtual tl::expected<void, std::error_code> sendGratuitousArp(int ifindex,
                                                                const net::MacAddress& ourMac,
                                                                net::Ipv4Address vip) = 0;
};

}  // namespace havip::netio
