#include "netlink/interfaces.h"

#include <algorithm>

namespace havip::netlink {

std::optional<net::Ipv4Address> choosePrimary(const std::vector<AddressInfo>& addresses, int ifindex) {
  auto it = std::find_if(addresses.begin(), addresses.end(),
                         [ifindex](const AddressInfo& a) { return a.ifindex == ifindex && !a.secondary; });
  if (it == addresses.end()) return std::nullopt;
  return it->prefix.address;
}

}  // namespace havip::netlink
