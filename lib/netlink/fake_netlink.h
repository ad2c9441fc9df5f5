// An in-memory kernel for tests: links and IPv4 addresses in std::maps, with
// the kernel's answers (EEXIST, EADDRNOTAVAIL, ENODEV, secondaries) and its
// notifications. Every change, ours or a test's, queues a notification; the
// test delivers them with deliverEvents(), the fake's stand-in for the event
// loop, so a handler never runs inside add() or remove() (as with the kernel).
#pragma once

#include <cstddef>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <system_error>
#include <variant>
#include <vector>

#include "netlink/interfaces.h"
#include "netlink/state_mirror.h"

namespace havip::netlink {

class FakeNetlink final : public AddressTable, public LinkTable, public EventStream {
 public:
  // --- what a test does to the fake kernel --------------------------------------
  // A new link (admin up with carrier unless said otherwise); ifindexes are never
  // reused, as in the kernel. Aborts if the name is taken: a broken test.
  int createLink(const std::string& name, MacAddress mac = {}, bool up = true);
  void setAdminUp(int ifindex, bool up);          // ip link set dev X up|down
  void setCarrier(int ifindex, bool carrier);     // the cable, or the veth peer
  void deleteLink(int ifindex);                   // its addresses go first, as in the kernel
  void externalAdd(int ifindex, const net::Ipv4Prefix& prefix, const std::string& label = {});
  void externalRemove(int ifindex, const net::Ipv4Prefix& prefix);  // ip addr del by hand
  // The socket buffer overflowed: queued notifications are lost and the next
  // deliverEvents() resyncs from the state, as the real stream does on ENOBUFS.
  void loseNotifications();
  // The next add() or remove() fails with this error (and changes nothing).
  void failNext(std::error_code error);

  // Delivers queued notifications to the handler (if started); returns how many events.
  std::size_t deliverEvents();
  std::size_t pendingNotifications() const { return queue_.size(); }
  // How many add()/remove() calls reached the fake kernel, successful or not.
  std::size_t requestCount() const { return requests_; }

  // --- AddressTable -------------------------------------------------------------
  Status add(int ifindex, const net::Ipv4Prefix& prefix, std::string_view label) override;
  Status remove(int ifindex, const net::Ipv4Prefix& prefix) override;
  tl::expected<std::vector<AddressInfo>, std::error_code> list(int ifindex) override;

  // --- LinkTable ----------------------------------------------------------------
  tl::expected<LinkInfo, std::error_code> byName(std::string_view name) override;
  tl::expected<LinkInfo, std::error_code> byIndex(int ifindex) override;
  tl::expected<net::Ipv4Address, std::error_code> primaryAddress(int ifindex) override;

  // --- EventStream --------------------------------------------------------------
  Status start(Handler handler) override;
  void stop() override;

 private:
  using Notification = std::variant<LinkMessage, AddressMessage>;

  LinkInfo& linkOrAbort(int ifindex);
  std::vector<AddressInfo>::iterator findAddress(int ifindex, const net::Ipv4Prefix& prefix);
  void insertAddress(int ifindex, const net::Ipv4Prefix& prefix, const std::string& label);
  void eraseAddress(std::vector<AddressInfo>::iterator it);
  void linkChanged(const LinkInfo& link, bool deleted);
  std::vector<AddressInfo> allAddresses() const { return addresses_; }
  std::vector<LinkInfo> allLinks() const;

  std::map<int, LinkInfo> links_;
  std::vector<AddressInfo> addresses_;  // in insertion order, like the kernel's per-device list
  int nextIndex_ = 1;
  std::deque<Notification> queue_;
  bool lost_ = false;
  std::optional<std::error_code> failNext_;
  std::size_t requests_ = 0;
  Handler handler_;
  StateMirror mirror_;
};

}  // namespace havip::netlink
