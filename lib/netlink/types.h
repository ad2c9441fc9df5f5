// Value types for what havip needs to know about the kernel's links and IPv4
// addresses, shared by the codec, the interfaces, the real and the fake
// implementations. Pure: no socket or netlink headers leak out of here.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include "net/ipv4.h"
#include "net/mac_address.h"

namespace havip::netlink {

using net::MacAddress;

// RFC 2863 operational state, numbered as the kernel's IF_OPER_* values.
enum class OperState : std::uint8_t {
  Unknown = 0,
  NotPresent = 1,
  Down = 2,
  LowerLayerDown = 3,
  Testing = 4,
  Dormant = 5,
  Up = 6,
};

struct LinkInfo {
  int ifindex = 0;
  std::string name;
  bool up = false;       // IFF_UP: administratively up
  bool running = false;  // IFF_RUNNING: up with carrier, as RFC 2863 says
  bool lowerUp = false;  // IFF_LOWER_UP: the driver reports carrier
  OperState operState = OperState::Unknown;
  std::optional<MacAddress> mac;  // absent on links without one (ip tunnels)

  // keepalived's test for an interface VRRP may run on: IFF_UP and IFF_RUNNING.
  bool usable() const { return up && running; }
  bool operator==(const LinkInfo&) const = default;
};

struct AddressInfo {
  int ifindex = 0;
  net::Ipv4Prefix prefix;  // IFA_LOCAL (the interface's own address) and the prefix length
  std::string label;       // IFA_LABEL, e.g. "eth0" or "eth0:vip"; may be empty
  bool secondary = false;  // IFA_F_SECONDARY: another address of the same subnet came first
  bool operator==(const AddressInfo&) const = default;
};

// --- Events delivered by EventStream ---------------------------------------

enum class LinkChange {
  Created,  // an ifindex not seen before (a re-created interface has a new one)
  Up,       // usable() became true
  Down,     // usable() became false
  Changed,  // name, MAC or flags changed without changing usable()
  Deleted,  // RTM_DELLINK; the ifindex will not come back
};

struct LinkEvent {
  LinkChange change = LinkChange::Changed;
  LinkInfo link;  // the state after the change (for Deleted: the last one known)
  bool operator==(const LinkEvent&) const = default;
};

struct AddressEvent {
  bool added = false;  // false: removed (by anyone, us included)
  AddressInfo address;
  bool operator==(const AddressEvent&) const = default;
};

// The kernel dropped notifications (ENOBUFS). The state was re-read with dumps
// and the differences were delivered as ordinary events just before this one.
struct ResyncEvent {
  bool operator==(const ResyncEvent&) const = default;
};

using Event = std::variant<LinkEvent, AddressEvent, ResyncEvent>;

std::string toString(LinkChange);
std::string toString(const Event&);  // one line, for logs and test failure messages

}  // namespace havip::netlink
