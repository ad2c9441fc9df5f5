// The last known state of every link and IPv4 address, and the rule that turns
// kernel notifications into EventStream events. Pure; the real event stream and
// the fake both use it, so they classify identically.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <tuple>
#include <vector>

#include "netlink/codec.h"
#include "netlink/types.h"

namespace havip::netlink {

class StateMirror {
 public:
  // Replaces the whole state without events: the dump taken when a stream starts.
  void reset(const std::vector<LinkInfo>& links, const std::vector<AddressInfo>& addresses);

  // The event a notification means, or nothing when it repeats what is known
  // (the kernel often sends the same RTM_NEWLINK several times).
  // Links: unknown ifindex -> Created; usable() flips -> Up / Down; any other
  // difference -> Changed; RTM_DELLINK -> Deleted (and its addresses are forgotten).
  std::optional<Event> apply(const LinkMessage& message);
  // Addresses: new or different -> added; RTM_DELADDR -> removed, even if unknown.
  std::optional<Event> apply(const AddressMessage& message);

  // After lost notifications: the events that turn the known state into the
  // dumped one (links first, then removed, then added addresses), then ResyncEvent.
  std::vector<Event> resync(const std::vector<LinkInfo>& links, const std::vector<AddressInfo>& addresses);

  const std::map<int, LinkInfo>& links() const { return links_; }
  std::vector<AddressInfo> addresses() const;

 private:
  using AddressKey = std::tuple<int, std::uint32_t, std::uint8_t>;  // ifindex, address, length
  static AddressKey keyOf(const AddressInfo& address);
  static std::optional<LinkChange> classify(const LinkInfo* before, const LinkInfo& after);

  std::map<int, LinkInfo> links_;
  std::map<AddressKey, AddressInfo> addresses_;
};

}  // namespace havip::netlink
