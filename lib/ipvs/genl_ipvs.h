// The real Ipvs: the kernel's "IPVS" generic netlink family, resolved and
// reached through libnl-genl-3. Only daemon/ (and VM tests) construct it with
// open(); unit tests construct it over a fake Transport.
//
// Synchronous: each call sends, then waits for the kernel's answer, at most
// replyTimeout per received datagram (ETIMEDOUT). A late answer to a request
// that timed out is recognised by its sequence number and dropped.
// apply() batches: up to batchMessages requests (each with NLM_F_ACK) go out in
// one sendmsg, then the ACKs are collected and matched by sequence number, so
// a 100,000-operation cold start costs a few hundred system calls.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <system_error>

#include <tl/expected.hpp>

#include "ipvs/codec.h"
#include "ipvs/ipvs.h"

namespace havip::ipvs {

struct GenlOptions {
  std::chrono::milliseconds replyTimeout{2000};
  // SO_RCVBUF: the ACKs of one batch must fit while we are still sending.
  int receiveBuffer = 4 << 20;
  int sendBuffer = 1 << 20;
  std::size_t batchMessages = 256;
  std::size_t batchBytes = 64 * 1024;
};

// One generic netlink socket as a pipe of datagrams.
class Transport {
 public:
  virtual ~Transport() = default;
  // One sendmsg to the kernel; bytes may hold several messages.
  virtual Status send(std::span<const std::uint8_t> bytes) = 0;
  // One datagram (one or more messages); ETIMEDOUT when none came in time,
  // IpvsError::Truncated when it did not fit.
  virtual tl::expected<Bytes, std::error_code> receive() = 0;
};

class GenlIpvs final : public Ipvs {
 public:
  // Opens a socket and resolves the "IPVS" family. IpvsError::FamilyNotFound
  // when the kernel has no IPVS (module not loaded); the socket's errno otherwise.
  static tl::expected<std::unique_ptr<GenlIpvs>, std::error_code> open(GenlOptions options = {});

  GenlIpvs(std::unique_ptr<Transport> transport, std::uint16_t familyId, GenlOptions options = {});
  ~GenlIpvs() override;

  std::uint16_t familyId() const { return familyId_; }

  struct Counters {
    std::size_t sendCalls = 0;     // sendmsg calls
    std::size_t messagesSent = 0;  // netlink requests in them
    std::size_t datagramsReceived = 0;
  };
  const Counters& counters() const { return counters_; }

  tl::expected<Info, std::error_code> info() override;
  tl::expected<std::vector<Service>, std::error_code> services() override;
  tl::expected<std::vector<Destination>, std::error_code> destinations(const ServiceKey& key) override;
  tl::expected<OperationResults, std::error_code> apply(std::span<const Operation> operations) override;

 private:
  Status sendOne(const Bytes& request);
  // Receives until the answer to seq is complete, handing each message of it to onMessage.
  // Ends at NLMSG_DONE (dumps) or the ACK (requests); a kernel error is returned as such.
  template <typename OnMessage>
  Status collect(std::uint32_t seq, bool dump, OnMessage&& onMessage);

  std::unique_ptr<Transport> transport_;
  std::uint16_t familyId_;
  GenlOptions options_;
  std::uint32_t nextSeq_ = 1;
  Counters counters_;
};

}  // namespace havip::ipvs
