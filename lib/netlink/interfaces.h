// The three rtnetlink services the daemon uses, as narrow interfaces. Real
// implementations: netlink/kernel_netlink.h (libmnl); the in-memory fake:
// netlink/fake_netlink.h. All calls are made from the event-loop thread.
#pragma once

#include <functional>
#include <optional>
#include <string_view>
#include <system_error>
#include <vector>

#include <tl/expected.hpp>

#include "net/ipv4.h"
#include "netlink/types.h"

namespace havip::netlink {

using Status = tl::expected<void, std::error_code>;

// IPv4 addresses on interfaces: the VIPs.
class AddressTable {
 public:
  virtual ~AddressTable() = default;

  // Adds prefix on ifindex with an optional label ("" for none; at most 15
  // bytes, e.g. "eth0:vip"). EEXIST counts as success: add() is idempotent.
  // Errors: ENODEV (no such ifindex), EINVAL, ETIMEDOUT (no kernel answer), others as the kernel says.
  virtual Status add(int ifindex, const net::Ipv4Prefix& prefix, std::string_view label) = 0;
  // Removes prefix from ifindex. EADDRNOTAVAIL (not there) counts as success:
  // remove() is idempotent.
  virtual Status remove(int ifindex, const net::Ipv4Prefix& prefix) = 0;
  // The IPv4 addresses on ifindex, in the kernel's order (primaries before their secondaries).
  virtual tl::expected<std::vector<AddressInfo>, std::error_code> list(int ifindex) = 0;
};

// Link lookup.
class LinkTable {
 public:
  virtual ~LinkTable() = default;

  // ENODEV when there is no such link.
  virtual tl::expected<LinkInfo, std::error_code> byName(std::string_view name) = 0;
  virtual tl::expected<LinkInfo, std::error_code> byIndex(int ifindex) = 0;
  // The first IPv4 address on ifindex without IFA_F_SECONDARY: VRRP's source
  // address. EADDRNOTAVAIL when the link has none, ENODEV when there is no link.
  virtual tl::expected<net::Ipv4Address, std::error_code> primaryAddress(int ifindex) = 0;
};

// Link and IPv4 address notifications (RTNLGRP_LINK, RTNLGRP_IPV4_IFADDR),
// classified against the state known so far (see StateMirror).
class EventStream {
 public:
  using Handler = std::function<void(const Event&)>;
  virtual ~EventStream() = default;

  // Starts delivery: handler is then called on the event loop, once per event,
  // in the kernel's order. Changes made by this process (AddressTable::add)
  // come back as events too, as they do from the kernel. Calling start() again
  // replaces the handler.
  virtual Status start(Handler handler) = 0;
  // No handler call happens after stop() returns.
  virtual void stop() = 0;
};

// The rule both implementations use: the first address without the secondary flag.
std::optional<net::Ipv4Address> choosePrimary(const std::vector<AddressInfo>& addresses, int ifindex);

}  // namespace havip::netlink
