#include "netlink/types.h"

#include <fmt/format.h>

namespace havip::netlink {


std::string toString(LinkChange change) {
  switch (change) {
    case LinkChange::Created: return "created";
    case LinkChange::Up: return "up";
    case LinkChange::Down: return "down";
    case LinkChange::Changed: return "changed";
    case LinkChange::Deleted: return "deleted";
  }
  return "?";
}

namespace {

struct Describe {
  std::string operator()(const LinkEvent& e) const {
    return fmt::format("link {} {} (ifindex {}, {}{})", e.link.name, toString(e.change), e.link.ifindex,
                       e.link.up ? "UP" : "DOWN", e.link.running ? ",RUNNING" : "");
  }
  std::string operator()(const AddressEvent& e) const {
    return fmt::format("address {} {} on ifindex {}{}", e.address.prefix.toString(), e.added ? "added" : "removed",
                       e.address.ifindex, e.address.secondary ? " (secondary)" : "");
  }
  std::string operator()(const ResyncEvent&) const { return "resync after lost notifications"; }
};

}  // namespace

std::string toString(const Event& event) { return std::visit(Describe{}, event); }

}  // namespace havip::netlink
