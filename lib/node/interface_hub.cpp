#include "node/interface_hub.h"

#include "log/log.h"

namespace havip::node {

namespace {

std::string hex(std::span<const std::uint8_t> bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 3);
  for (auto b : bytes) {
    if (!out.empty()) out += ' ';
    out += kDigits[b >> 4];
    out += kDigits[b & 0x0f];
  }
  return out;
}

}  // namespace

InterfaceHub::InterfaceHub(InterfaceIdentity identity,
                           std::unique_ptr<netio::AdvertTransport> transport)
    : identity_(std::move(identity)) {
  rebind(identity_, std::move(transport));
}

InterfaceHub::~InterfaceHub() {
  if (transport_) transport_->setReceiveHandler({});
}

void InterfaceHub::rebind(InterfaceIdentity identity,
                          std::unique_ptr<netio::AdvertTransport> transport) {
  if (transport_) transport_->setReceiveHandler({});
  identity_ = std::move(identity);
  transport_ = std::move(transport);
  transport_->setReceiveHandler(
      [this](std::span<const std::uint8_t> packet, int /*ifindex: the transport checked it*/) {
        receive(packet);
      });
}

void InterfaceHub::attach(std::uint8_t vrid, AdvertSink& sink) { sinks_[vrid] = &sink; }

void InterfaceHub::detach(std::uint8_t vrid) { sinks_.erase(vrid); }

tl::expected<void, std::error_code> InterfaceHub::send(const vrrp::Advert& advert) {
  // Like keepalived, a per-interface identification counting up from 1.
  const auto packet = vrrp::encodePacket(advert, identity_.primary, ++ipId_);
  if (log::vrrp().should_log(spdlog::level::trace)) {
    log::vrrp().trace("{} tx {}", identity_.name, hex(packet));
  }
  return transport_->send(packet);
}

void InterfaceHub::drop(std::optional<std::uint8_t> vrid, vrrp::DropReason reason) {
  auto& log = log::vrrp();
  if (vrid) {
    if (auto it = sinks_.find(*vrid); it != sinks_.end()) {
      it->second->onDropped(reason);
      return;
    }
  }
  ++drops_[static_cast<std::size_t>(reason)];
  log.debug("{}: dropped a packet ({}), no instance for VRID {}", identity_.name,
            vrrp::toString(reason), vrid ? std::to_string(*vrid) : "?");
}

void InterfaceHub::receive(std::span<const std::uint8_t> packet) {
  if (log::vrrp().should_log(spdlog::level::trace)) {
    log::vrrp().trace("{} rx {}", identity_.name, hex(packet));
  }
  auto received = vrrp::decodePacket(packet);
  if (!received) {
    drop(vrrp::peekVrid(packet), received.error());
    return;
  }
  auto it = sinks_.find(received->advert.vrid);
  if (it == sinks_.end()) {
    drop(std::nullopt, vrrp::DropReason::VridMismatch);
    return;
  }
  it->second->onAdvert(*received);
}

}  // namespace havip::node
