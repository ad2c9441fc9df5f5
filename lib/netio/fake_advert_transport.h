// In-memory AdvertTransports on a simulated Ethernet segment, for tests.
// A packet one member sends is queued for every other member, never for the
// sender itself (the real socket has IP_MULTICAST_LOOP off). Nothing arrives
// until deliverPending(), so handlers never run inside send() and tests decide
// when packets land. The segment must outlive the transports attached to it.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "netio/advert_transport.h"

namespace havip::netio {

class FakeAdvertTransport;

class FakeSegment {
 public:
  struct SentPacket {
    int ifindex = 0;  // the sender's
    std::string interfaceName;
    std::vector<std::uint8_t> bytes;
  };

  FakeSegment() = default;
  FakeSegment(const FakeSegment&) = delete;
  FakeSegment& operator=(const FakeSegment&) = delete;
  ~FakeSegment();

  // A new member. Each member is its own host, so ifindexes may repeat.
  std::unique_ptr<FakeAdvertTransport> attach(int ifindex, std::string interfaceName);

  // Every successful send, in order, by any member.
  const std::vector<SentPacket>& sent() const { return sent_; }
  void clearSent() { sent_.clear(); }

  // Hands every queued packet to the members other than its sender, each
  // arriving on the receiving member's own ifindex; packets sent by handlers
  // during this call are delivered too. Returns how many packets were moved.
  std::size_t deliverPending();
  std::size_t pendingCount() const { return pending_.size(); }

 private:
  friend class FakeAdvertTransport;
  struct Pending {
    std::uint64_t senderId;
    std::vector<std::uint8_t> bytes;
  };
  void queue(std::uint64_t senderId, const FakeAdvertTransport& sender,
             std::span<const std::uint8_t> bytes);
  void detach(std::uint64_t memberId);

  std::vector<FakeAdvertTransport*> members_;
  std::deque<Pending> pending_;
  std::vector<SentPacket> sent_;
  std::uint64_t nextId_ = 1;
};

class FakeAdvertTransport final : public AdvertTransport {
 public:
  ~FakeAdvertTransport() override;
  FakeAdvertTransport(const FakeAdvertTransport&) = delete;
  FakeAdvertTransport& operator=(const FakeAdvertTransport&) = delete;

  int ifindex() const override { return ifindex_; }
  const std::string& interfaceName() const override { return name_; }
  tl::expected<void, std::error_code> send(std::span<const std::uint8_t> ipPacket) override;
  void setReceiveHandler(ReceiveHandler handler) override { handler_ = std::move(handler); }
  TransportCounters counters() const override { return counters_; }

  // As if the kernel queued this packet, received on arrivalIfindex: the same
  // drops and counters as the real transport (wrong interface, oversized, no
  // handler), then the handler, synchronously.
  void inject(std::span<const std::uint8_t> ipPacket, int arrivalIfindex);
  void inject(std::span<const std::uint8_t> ipPacket) { inject(ipPacket, ifindex_); }

  // Every later send() fails with this error (ENETDOWN for a link that went
  // down, ...) until clearSendFailure().
  void failSendsWith(std::error_code error) { sendFailure_ = error; }
  void clearSendFailure() { sendFailure_.reset(); }

 private:
  friend class FakeSegment;
  FakeAdvertTransport(FakeSegment& segment, std::uint64_t id, int ifindex, std::string name)
      : segment_(&segment), id_(id), ifindex_(ifindex), name_(std::move(name)) {}

  FakeSegment* segment_;  // null once the segment is gone
  std::uint64_t id_;
  int ifindex_;
  std::string name_;
  ReceiveHandler handler_;
  TransportCounters counters_;
  std::optional<std::error_code> sendFailure_;
};

}  // namespace havip::netio
