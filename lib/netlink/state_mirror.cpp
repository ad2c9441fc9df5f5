#include "netlink/state_mirror.h"

#include <utility>


namespace havip::netlink {

StateMirror::AddressKey StateMirror::keyOf(const AddressInfo& address) {
  return {address.ifindex, address.prefix.address.toHostOrder(), address.prefix.length};
}

std::optional<LinkChange> StateMirror::classify(const LinkInfo* before, const LinkInfo& after) {
  if (before == nullptr) return LinkChange::Created;
  if (before->usable() != after.usable()) return after.usable() ? LinkChange::Up : LinkChange::Down;
  if (*before != after) return LinkChange::Changed;
  return std::nullopt;
}

void StateMirror::reset(const std::vector<LinkInfo>& links, const std::vector<AddressInfo>& addresses) {
  links_.clear();
  addresses_.clear();
  for (const auto& link : links) links_[link.ifindex] = link;
  for (const auto& address : addresses) addresses_[keyOf(address)] = address;
}

std::optional<Event> StateMirror::apply(const LinkMessage& message) {
  const LinkInfo& link = message.link;
  if (message.deleted) {
    links_.erase(link.ifindex);
    std::erase_if(addresses_, [&](const auto& entry) { return entry.second.ifindex == link.ifindex; });
    return LinkEvent{LinkChange::Deleted, link};
  }
  auto it = links_.find(link.ifindex);
  const auto change = classify(it == links_.end() ? nullptr : &it->second, link);
  links_[link.ifindex] = link;
  if (!change) return std::nullopt;
  return LinkEvent{*change, link};
}

std::optional<Event> StateMirror::apply(const AddressMessage& message) {
  const auto key = keyOf(message.address);
  if (message.deleted) {
    addresses_.erase(key);
    return AddressEvent{false, message.address};
  }
  auto it = addresses_.find(key);
  if (it != addresses_.end() && it->second == message.address) return std::nullopt;
  addresses_[key] = message.address;
  return AddressEvent{true, message.address};
}

std::vector<Event> StateMirror::resync(const std::vector<LinkInfo>& links,
                                       const std::vector<AddressInfo>& addresses) {
  std::vector<Event> events;
  std::map<int, LinkInfo> dumpedLinks;
  for (const auto& link : links) dumpedLinks[link.ifindex] = link;
  for (const auto& [ifindex, known] : links_) {
    if (!dumpedLinks.contains(ifindex)) events.emplace_back(LinkEvent{LinkChange::Deleted, known});
  }
  for (const auto& [ifindex, link] : dumpedLinks) {
    auto it = links_.find(ifindex);
    if (auto change = classify(it == links_.end() ? nullptr : &it->second, link)) {
      events.emplace_back(LinkEvent{*change, link});
    }
  }

  std::map<AddressKey, AddressInfo> dumpedAddresses;
  for (const auto& address : addresses) dumpedAddresses[keyOf(address)] = address;
  for (const auto& [key, known] : addresses_) {
    if (!dumpedAddresses.contains(key)) events.emplace_back(AddressEvent{false, known});
  }
  for (const auto& [key, address] : dumpedAddresses) {
    auto it = addresses_.find(key);
    if (it == addresses_.end() || it->second != address) events.emplace_back(AddressEvent{true, address});
  }

  links_ = std::move(dumpedLinks);
  addresses_ = std::move(dumpedAddresses);
  events.emplace_back(ResyncEvent{});
  return events;
}

std::vector<AddressInfo> StateMirror::addresses() const {
  std::vector<AddressInfo> out;
  out.reserve(addresses_.size());
  for (const auto& entry : addresses_) out.push_back(entry.second);
  return out;
}

}  // namespace havip::netlink
