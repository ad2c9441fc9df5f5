#include "netio/fake_advert_transport.h"

#include <algorithm>

namespace havip::netio {

FakeSegment::~FakeSegment() {
  // Members left behind must not reach back into a dead segment.
  for (FakeAdvertTransport* m : members_) m->segment_ = nullptr;
}

std::unique_ptr<FakeAdvertTransport> FakeSegment::attach(int ifindex, std::string interfaceName) {
  std::unique_ptr<FakeAdvertTransport> member(
      new FakeAdvertTransport(*this, nextId_++, ifindex, std::move(interfaceName)));
  members_.push_back(member.get());
  return member;
}

void FakeSegment::queue(std::uint64_t senderId, const FakeAdvertTransport& sender,
                        std::span<const std::uint8_t> bytes) {
  std::vector<std::uint8_t> copy(bytes.begin(), bytes.end());
  sent_.push_back(SentPacket{sender.ifindex(), sender.interfaceName(), copy});
  pending_.push_back(Pending{senderId, std::move(copy)});
}

void FakeSegment::detach(std::uint64_t memberId) {
  std::erase_if(members_, [memberId](const FakeAdvertTransport* m) { return m->id_ == memberId; });
}

std::size_t FakeSegment::deliverPending() {
  std::size_t moved = 0;
  while (!pending_.empty()) {
    Pending packet = std::move(pending_.front());
    pending_.pop_front();
    ++moved;
    // A handler may attach or detach members: walk a snapshot of ids.
    std::vector<std::uint64_t> receivers;
    for (const FakeAdvertTransport* m : members_)
      if (m->id_ != packet.senderId) receivers.push_back(m->id_);
    for (std::uint64_t id : receivers) {
      auto it = std::find_if(members_.begin(), members_.end(),
                             [id](const FakeAdvertTransport* m) { return m->id_ == id; });
      if (it != members_.end()) (*it)->inject(packet.bytes);
    }
  }
  return moved;
}

FakeAdvertTransport::~FakeAdvertTransport() {
  if (segment_ != nullptr) segment_->detach(id_);
}

tl::expected<void, std::error_code> FakeAdvertTransport::send(
    std::span<const std::uint8_t> ipPacket) {
  constexpr std::size_t kIpv4HeaderSize = 20;
  if (ipPacket.size() < kIpv4HeaderSize || (ipPacket[0] >> 4) != 4) {
    ++counters_.sendErrors;
    return tl::unexpected(std::make_error_code(std::errc::invalid_argument));
  }
  if (sendFailure_) {
    ++counters_.sendErrors;
    return tl::unexpected(*sendFailure_);
  }
  if (segment_ == nullptr) {
    ++counters_.sendErrors;
    return tl::unexpected(std::make_error_code(std::errc::network_down));
  }
  segment_->queue(id_, *this, ipPacket);
  ++counters_.sent;
  return {};
}

void FakeAdvertTransport::inject(std::span<const std::uint8_t> ipPacket, int arrivalIfindex) {
  if (ipPacket.size() > kMaxReceivedPacketSize) {
    ++counters_.truncated;
    return;
  }
  if (arrivalIfindex != ifindex_) {
    ++counters_.wrongInterface;
    return;
  }
  if (!handler_) {
    ++counters_.unhandled;
    return;
  }
  ++counters_.received;
  const ReceiveHandler handler = handler_;
  handler(ipPacket, arrivalIfindex);
}

}  // namespace havip::netio
