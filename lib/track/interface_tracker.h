// track_interface: OK while the named interface is usable (IFF_UP and
// IFF_RUNNING, keepalived's IF_FLAGS_UP), failing while it is not, is deleted,
// or does not exist. Fed LinkEvents by the owner of the netlink event stream;
// matched by name, since a re-created interface has a new ifindex.
// Event-loop thread only.
#pragma once

#include <optional>

#include "netlink/types.h"
#include "node/clock.h"
#include "track/tracker.h"

namespace havip::track {

struct InterfaceTrackerParams {
  std::string interface;
  int weight = 0;
  bool reverse = false;
};

class InterfaceTracker final : public Tracker {
 public:
  // `current`: the link as the state mirror knows it now; nullopt = absent.
  InterfaceTracker(InterfaceTrackerParams params, node::Clock& clock,
                   std::optional<netlink::LinkInfo> current);

  // Reports the initial state given to the constructor.
  void start() override;
  void onLinkEvent(const netlink::LinkEvent& event) override;

 private:
  void apply(const std::optional<netlink::LinkInfo>& link, const char* what);

  node::Clock& clock_;
  std::optional<netlink::LinkInfo> link_;
  bool started_ = false;
};

}  // namespace havip::track
