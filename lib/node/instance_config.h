// From a validated config::VrrpInstance to what the runner needs: the pure
// vrrp::RouterConfig, and its VIPs bound to interfaces the kernel knows.
#pragma once

#include <string>
#include <vector>

#include <tl/expected.hpp>

#include "config/model.h"
#include "netlink/interfaces.h"
#include "node/instance_runner.h"
#include "vrrp/router.h"

namespace havip::node {

vrrp::RouterConfig routerConfigFor(const config::VrrpInstance& instance, net::Ipv4Address primary);

// Resolves each VIP's device (its `dev`, else the instance's interface) to an
// ifindex and MAC. Error: "VIP 10.0.0.1/32: device eth9: No such device".
tl::expected<std::vector<VipBinding>, std::string> bindVips(const config::VrrpInstance& instance,
                                                            netlink::LinkTable& links);

}  // namespace havip::node
