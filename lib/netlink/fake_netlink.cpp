#include "netlink/fake_netlink.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>

namespace havip::netlink {
namespace {

std::error_code errnoCode(int value) { return {value, std::generic_category()}; }

[[noreturn]] void brokenTest(const char* what) {
  std::fprintf(stderr, "FakeNetlink: %s\n", what);
  std::abort();
}

std::uint32_t maskOf(std::uint8_t length) {
  return length == 0 ? 0 : ~std::uint32_t{0} << (32 - length);
}

void refreshFlags(LinkInfo& link, bool carrier) {
  link.lowerUp = carrier;
  link.running = link.up && carrier;
  link.operState = link.running ? OperState::Up : (link.up ? OperState::LowerLayerDown : OperState::Down);
}

}  // namespace

int FakeNetlink::createLink(const std::string& name, MacAddress mac, bool up) {
  if (name.empty() || byName(name)) brokenTest("createLink: empty or duplicate name");
  LinkInfo link;
  link.ifindex = nextIndex_++;
  link.name = name;
  link.mac = mac;
  link.up = up;
  refreshFlags(link, true);
  links_[link.ifindex] = link;
  linkChanged(link, false);
  return link.ifindex;
}

void FakeNetlink::setAdminUp(int ifindex, bool up) {
  LinkInfo& link = linkOrAbort(ifindex);
  link.up = up;
  refreshFlags(link, link.lowerUp);
  linkChanged(link, false);
}

void FakeNetlink::setCarrier(int ifindex, bool carrier) {
  LinkInfo& link = linkOrAbort(ifindex);
  refreshFlags(link, carrier);
  linkChanged(link, false);
}

void FakeNetlink::deleteLink(int ifindex) {
  const LinkInfo link = linkOrAbort(ifindex);
  for (auto it = addresses_.begin(); it != addresses_.end();) {
    if (it->ifindex == ifindex) {
      queue_.emplace_back(AddressMessage{true, *it});
      it = addresses_.erase(it);
    } else {
      ++it;
    }
  }
  links_.erase(ifindex);
  linkChanged(link, true);
}

void FakeNetlink::externalAdd(int ifindex, const net::Ipv4Prefix& prefix, const std::string& label) {
  linkOrAbort(ifindex);
  if (findAddress(ifindex, prefix) == addresses_.end()) insertAddress(ifindex, prefix, label);
}

void FakeNetlink::externalRemove(int ifindex, const net::Ipv4Prefix& prefix) {
  auto it = findAddress(ifindex, prefix);
  if (it != addresses_.end()) eraseAddress(it);
}

void FakeNetlink::loseNotifications() {
  queue_.clear();
  lost_ = true;
}

void FakeNetlink::failNext(std::error_code error) { failNext_ = error; }

std::size_t FakeNetlink::deliverEvents() {
  std::vector<Event> events;
  if (lost_) {
    lost_ = false;
    events = mirror_.resync(allLinks(), allAddresses());
  } else {
    while (!queue_.empty()) {
      const Notification note = std::move(queue_.front());
      queue_.pop_front();
      auto event = std::visit([this](const auto& message) { return mirror_.apply(message); }, note);
      if (event) events.push_back(std::move(*event));
    }
  }
  std::size_t delivered = 0;
  for (const auto& event : events) {
    if (!handler_) break;  // stop() from inside the handler
    const Handler handler = handler_;  // the handler may replace or clear handler_
    handler(event);
    ++delivered;
  }
  return delivered;
}

Status FakeNetlink::add(int ifindex, const net::Ipv4Prefix& prefix, std::string_view label) {
  ++requests_;
  if (failNext_) {
    auto error = *failNext_;
    failNext_.reset();
    return tl::make_unexpected(error);
  }
  if (ifindex <= 0 || prefix.length > 32 || label.size() >= 16) return tl::make_unexpected(errnoCode(EINVAL));
  if (!links_.contains(ifindex)) return tl::make_unexpected(errnoCode(ENODEV));
  // EEXIST from the kernel counts as success: nothing changes and no notification.
  if (findAddress(ifindex, prefix) == addresses_.end()) insertAddress(ifindex, prefix, std::string(label));
  return {};
}

Status FakeNetlink::remove(int ifindex, const net::Ipv4Prefix& prefix) {
  ++requests_;
  if (failNext_) {
    auto error = *failNext_;
    failNext_.reset();
    return tl::make_unexpected(error);
  }
  if (!links_.contains(ifindex)) return tl::make_unexpected(errnoCode(ENODEV));
  // EADDRNOTAVAIL from the kernel counts as success.
  auto it = findAddress(ifindex, prefix);
  if (it != addresses_.end()) eraseAddress(it);
  return {};
}

tl::expected<std::vector<AddressInfo>, std::error_code> FakeNetlink::list(int ifindex) {
  std::vector<AddressInfo> out;
  std::copy_if(addresses_.begin(), addresses_.end(), std::back_inserter(out),
               [ifindex](const AddressInfo& a) { return a.ifindex == ifindex; });
  // The kernel keeps primaries ahead of secondaries on each device.
  std::stable_partition(out.begin(), out.end(), [](const AddressInfo& a) { return !a.secondary; });
  return out;
}

tl::expected<LinkInfo, std::error_code> FakeNetlink::byName(std::string_view name) {
  for (const auto& [ifindex, link] : links_) {
    if (link.name == name) return link;
  }
  return tl::make_unexpected(errnoCode(ENODEV));
}

tl::expected<LinkInfo, std::error_code> FakeNetlink::byIndex(int ifindex) {
  auto it = links_.find(ifindex);
  if (it == links_.end()) return tl::make_unexpected(errnoCode(ENODEV));
  return it->second;
}

tl::expected<net::Ipv4Address, std::error_code> FakeNetlink::primaryAddress(int ifindex) {
  if (!links_.contains(ifindex)) return tl::make_unexpected(errnoCode(ENODEV));
  auto primary = choosePrimary(*list(ifindex), ifindex);
  if (!primary) return tl::make_unexpected(errnoCode(EADDRNOTAVAIL));
  return *primary;
}

Status FakeNetlink::start(Handler handler) {
  if (!handler_) {
    // Like the real stream: what exists at start is the baseline, not news.
    queue_.clear();
    lost_ = false;
    mirror_.reset(allLinks(), allAddresses());
  }
  handler_ = std::move(handler);
  return {};
}

void FakeNetlink::stop() { handler_ = nullptr; }

LinkInfo& FakeNetlink::linkOrAbort(int ifindex) {
  auto it = links_.find(ifindex);
  if (it == links_.end()) brokenTest("no such ifindex");
  return it->second;
}

std::vector<AddressInfo>::iterator FakeNetlink::findAddress(int ifindex, const net::Ipv4Prefix& prefix) {
  return std::find_if(addresses_.begin(), addresses_.end(), [&](const AddressInfo& a) {
    return a.ifindex == ifindex && a.prefix == prefix;
  });
}

void FakeNetlink::insertAddress(int ifindex, const net::Ipv4Prefix& prefix, const std::string& label) {
  // The kernel's rule: secondary when a primary of the same length holds the same subnet.
  const std::uint32_t mask = maskOf(prefix.length);
  const bool secondary = std::any_of(addresses_.begin(), addresses_.end(), [&](const AddressInfo& a) {
    return a.ifindex == ifindex && !a.secondary && a.prefix.length == prefix.length &&
           (a.prefix.address.toHostOrder() & mask) == (prefix.address.toHostOrder() & mask);
  });
  AddressInfo address{ifindex, prefix, label.empty() ? linkOrAbort(ifindex).name : label, secondary};
  addresses_.push_back(address);
  queue_.emplace_back(AddressMessage{false, address});
}

void FakeNetlink::eraseAddress(std::vector<AddressInfo>::iterator it) {
  const AddressInfo gone = *it;
  addresses_.erase(it);
  queue_.emplace_back(AddressMessage{true, gone});
  if (gone.secondary) return;
  // Without promote_secondaries (the default), a primary takes its secondaries with it.
  const std::uint32_t mask = maskOf(gone.prefix.length);
  for (auto sec = addresses_.begin(); sec != addresses_.end();) {
    if (sec->ifindex == gone.ifindex && sec->secondary && sec->prefix.length == gone.prefix.length &&
        (sec->prefix.address.toHostOrder() & mask) == (gone.prefix.address.toHostOrder() & mask)) {
      queue_.emplace_back(AddressMessage{true, *sec});
      sec = addresses_.erase(sec);
    } else {
      ++sec;
    }
  }
}

void FakeNetlink::linkChanged(const LinkInfo& link, bool deleted) {
  queue_.emplace_back(LinkMessage{deleted, link});
}

std::vector<LinkInfo> FakeNetlink::allLinks() const {
  std::vector<LinkInfo> out;
  for (const auto& entry : links_) out.push_back(entry.second);
  return out;
}

}  // namespace havip::netlink
