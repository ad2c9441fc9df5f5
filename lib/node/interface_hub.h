// One interface's VRRP traffic: its transport (one raw socket shared by every
// instance on the interface), dispatch of received adverts by VRID, and the
// count of packets dropped before they could be tied to an instance.
// Event-loop thread only.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <system_error>

#include <tl/expected.hpp>

#include "net/ipv4.h"
#include "net/mac_address.h"
#include "netio/advert_transport.h"
#include "vrrp/advert.h"

namespace havip::node {

using DropCounts = std::array<std::uint64_t, vrrp::kDropReasonCount>;

struct InterfaceIdentity {
  std::string name;
  int ifindex = 0;
  net::MacAddress mac;
  net::Ipv4Address primary;  // VRRP's source address and tie-break value
};

// Where the hub delivers what arrived for one VRID.
class AdvertSink {
 public:
  virtual ~AdvertSink() = default;
  virtual void onAdvert(const vrrp::ReceivedAdvert& received) = 0;
  virtual void onDropped(vrrp::DropReason reason) = 0;
};

class InterfaceHub {
 public:
  InterfaceHub(InterfaceIdentity identity, std::unique_ptr<netio::AdvertTransport> transport);
  ~InterfaceHub();
  InterfaceHub(const InterfaceHub&) = delete;
  InterfaceHub& operator=(const InterfaceHub&) = delete;

  // One sink per VRID; attaching a second one for the same VRID replaces it.
  void attach(std::uint8_t vrid, AdvertSink& sink);
  void detach(std::uint8_t vrid);

  // Encodes the advert from our primary address and sends it.
  tl::expected<void, std::error_code> send(const vrrp::Advert& advert);

  // The interface came back with another ifindex, MAC or address, or a new socket.
  void rebind(InterfaceIdentity identity, std::unique_ptr<netio::AdvertTransport> transport);
  void setPrimary(net::Ipv4Address primary) { identity_.primary = primary; }

  const InterfaceIdentity& identity() const { return identity_; }
  // Drops no instance could be charged with: undecodable packets and VRIDs we do not run.
  const DropCounts& unattributedDrops() const { return drops_; }
  netio::TransportCounters transportCounters() const { return transport_->counters(); }

 private:
  void receive(std::span<const std::uint8_t> packet);
  void drop(std::optional<std::uint8_t> vrid, vrrp::DropReason reason);

  InterfaceIdentity identity_;
  std::unique_ptr<netio::AdvertTransport> transport_;
  std::map<std::uint8_t, AdvertSink*> sinks_;
  DropCounts drops_{};
  std::uint16_t ipId_ = 0;
};

}  // namespace havip::node
