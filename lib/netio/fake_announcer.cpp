#include "netio/fake_announcer.h"

namespace havip::netio {

tl::expected<void, std::error_code> FakeAnnouncer::sendGratuitousArp(int ifindex,
                                                                     const net::MacAddress& ourMac,
                                                                     net::Ipv4Address vip) {
  if (failure_) return tl::unexpected(*failure_);
  sent_.push_back(SentGarp{ifindex, ourMac, vip, buildGratuitousArp(ourMac, vip)});
  return {};
}

}  // namespace havip::netio
