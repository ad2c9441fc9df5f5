// In-memory Announcer for tests: records every frame it was asked to send.
// failWith() makes every later call fail with that error (e.g. ENETDOWN)
// until clearFailure(); failed sends are not recorded.
#pragma once

#include <optional>
#include <vector>

#include "netio/announcer.h"
#include "netio/arp_frame.h"

namespace havip::netio {

struct SentGarp {
  int ifindex = 0;
  net::MacAddress mac;
  net::Ipv4Address vip;
  GarpFrame frame{};
};

class FakeAnnouncer final : public Announcer {
 public:
  tl::expected<void, std::error_code> sendGratuitousArp(int ifindex, const net::MacAddress& ourMac,
                                                        net::Ipv4Address vip) override;

  const std::vector<SentGarp>& sent() const { return sent_; }
  void clearSent() { sent_.clear(); }
  void failWith(std::error_code error) { failure_ = error; }
  void clearFailure() { failure_.reset(); }

 private:
  std::vector<SentGarp> sent_;
  std::optional<std::error_code> failure_;
};

}  // namespace havip::netio
