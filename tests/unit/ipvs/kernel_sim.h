// Test support: replies laid out as Linux's ip_vs_genl_* functions lay them
// out (net/netfilter/ipvs/ip_vs_ctl.c, Linux 6.x: nests without NLA_F_NESTED,
// STATS and STATS64 nests, NLM_F_MULTI on dump entries), and a Transport that
// answers GenlIpvs like the kernel would, with a FakeIpvs as the table.
#pragma once

#include <cstdint>
#include <deque>
#include <vector>

#include "ipvs/codec.h"
#include "ipvs/fake_ipvs.h"
#include "ipvs/genl_ipvs.h"

namespace havip::ipvs::test {

// Minimal netlink writer for hand-made messages.
class NlBuilder {
 public:
  NlBuilder(std::uint16_t type, std::uint16_t flags, std::uint32_t seq, std::uint32_t pid = 0);
  NlBuilder& genl(std::uint8_t cmd, std::uint8_t version = 1);
  NlBuilder& raw(const std::vector<std::uint8_t>& bytes);
  NlBuilder& attr(std::uint16_t type, const std::vector<std::uint8_t>& payload);
  NlBuilder& u8(std::uint16_t type, std::uint8_t v) { return attr(type, {v}); }
  NlBuilder& u16(std::uint16_t type, std::uint16_t v);
  NlBuilder& be16(std::uint16_t type, std::uint16_t v);
  NlBuilder& u32(std::uint16_t type, std::uint32_t v);
  NlBuilder& be32(std::uint16_t type, std::uint32_t v);
  NlBuilder& u64(std::uint16_t type, std::uint64_t v);
  NlBuilder& str(std::uint16_t type, const std::string& s);
  NlBuilder& begin(std::uint16_t type);  // a nest (no NLA_F_NESTED, as the kernel writes)
  NlBuilder& end();
  Bytes bytes() const;  // with nlmsg_len filled in

 private:
  Bytes bytes_;
  std::vector<std::size_t> nests_;
};

Bytes kernelService(std::uint16_t family, std::uint32_t seq, const Service& s);
Bytes kernelDestination(std::uint16_t family, std::uint32_t seq, const Destination& d);
Bytes kernelInfo(std::uint16_t family, std::uint32_t seq, const Info& info);
Bytes kernelAck(std::uint32_t seq, int error, std::uint16_t requestType = 0);  // error: positive errno or 0
Bytes kernelDone(std::uint32_t seq);

// A Transport behaving like the kernel's IPVS family over a FakeIpvs table:
// every sent buffer is split into requests, each answered in order; answers
// are queued as datagrams (dump entries `perDatagram` to a datagram).
class SimulatedKernel final : public Transport {
 public:
  SimulatedKernel(FakeIpvs& table, std::uint16_t family, std::size_t perDatagram = 50)
      : table_(table), family_(family), perDatagram_(perDatagram) {}
  Status send(std::span<const std::uint8_t> bytes) override;
  tl::expected<Bytes, std::error_code> receive() override;

  std::size_t sendCalls = 0;
  std::size_t requests = 0;
  bool dropReplies = false;   // a kernel that never answers: receive() times out
  bool garbleReplies = false; // replies that do not parse

 private:
  void answer(const Message& request, std::span<const std::uint8_t> raw);
  void queue(Bytes datagram) { replies_.push_back(std::move(datagram)); }

  FakeIpvs& table_;
  std::uint16_t family_;
  std::size_t perDatagram_;
  std::deque<Bytes> replies_;
};

}  // namespace havip::ipvs::test
