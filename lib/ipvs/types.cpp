#include "ipvs/types.h"

#include <fmt/format.h>

namespace havip::ipvs {

std::string toString(Protocol protocol) {
  switch (protocol) {
    case Protocol::Tcp: return "TCP";
    case Protocol::Udp: return "UDP";
  }
  return fmt::format("proto {}", static_cast<unsigned>(protocol));
}

std::string toString(Forwarding forwarding) {
  switch (forwarding) {
    case Forwarding::Masq: return "masq";
    case Forwarding::Tunnel: return "tunnel";
    case Forwarding::DirectRoute: return "route";
  }
  return fmt::format("forwarding {}", static_cast<unsigned>(forwarding));
}

std::string toString(Operation::Kind kind) {
  switch (kind) {
    case Operation::Kind::AddService: return "add service";
    case Operation::Kind::EditService: return "edit service";
    case Operation::Kind::DeleteService: return "delete service";
    case Operation::Kind::AddDestination: return "add destination";
    case Operation::Kind::EditDestination: return "edit destination";
    case Operation::Kind::DeleteDestination: return "delete destination";
  }
  return "?";
}

std::string ServiceKey::toString() const {
  if (isFwmark()) return fmt::format("FWM {}", fwmark);
  return fmt::format("{} {}:{}", ipvs::toString(protocol), address.toString(), port);
}

std::string Service::toString() const {
  std::string out = fmt::format("{} {}", key.toString(), scheduler);
  if (persistent()) out += fmt::format(" persistent {}", timeout);
  if ((flags & kFlagOnePacket) != 0) out += " ops";
  if (netmask != kDefaultNetmask) out += fmt::format(" netmask {}", net::Ipv4Address::fromHostOrder(netmask).toString());
  return out;
}

std::string Destination::toString() const {
  std::string out = fmt::format("{}:{} {} weight {}", address.toString(), port, ipvs::toString(forwarding), weight);
  if (upperThreshold != 0 || lowerThreshold != 0) out += fmt::format(" thresholds {}/{}", lowerThreshold, upperThreshold);
  return out;
}

std::string Info::versionString() const {
  return fmt::format("{}.{}.{}", (version >> 16) & 0xff, (version >> 8) & 0xff, version & 0xff);
}

std::string Operation::toString() const {
  switch (kind) {
    case Kind::AddService:
    case Kind::EditService: return fmt::format("{} {}", ipvs::toString(kind), service.toString());
    case Kind::DeleteService: return fmt::format("{} {}", ipvs::toString(kind), service.key.toString());
    case Kind::AddDestination:
    case Kind::EditDestination:
      return fmt::format("{} {} in {}", ipvs::toString(kind), destination.toString(), service.key.toString());
    case Kind::DeleteDestination:
      return fmt::format("{} {}:{} from {}", ipvs::toString(kind), destination.address.toString(), destination.port,
                         service.key.toString());
  }
  return "?";
}

}  // namespace havip::ipvs
