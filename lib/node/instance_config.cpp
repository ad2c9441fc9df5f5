#include "node/instance_config.h"

namespace havip::node {

vrrp::RouterConfig routerConfigFor(const config::VrrpInstance& instance, net::Ipv4Address primary) {
  vrrp::RouterConfig c;
  c.name = instance.name;
  c.vrid = instance.virtualRouterId;
  c.priority = instance.priority;
  c.advertInterval = instance.advertInterval;
  c.initialMaster = instance.initialState == config::InitialState::Master;
  c.preempt = !instance.nopreempt;
  c.preemptDelay = instance.preemptDelay;
  c.primaryAddress = primary;
  if (instance.authentication) {
    c.authType = vrrp::AuthType::SimpleText;
    c.authData = vrrp::authDataFromPassword(instance.authentication->password);
  }
  for (const auto& vip : instance.virtualIps) c.vips.push_back(vip.prefix.address);
  c.garpMasterDelay = instance.garpMasterDelay;
  c.garpMasterRepeat = instance.garpMasterRepeat;
  return c;
}

tl::expected<std::vector<VipBinding>, std::string> bindVips(const config::VrrpInstance& instance,
                                                            netlink::LinkTable& links) {
  std::vector<VipBinding> out;
  for (const auto& vip : instance.virtualIps) {
    VipBinding b;
    b.prefix = vip.prefix;
    b.device = vip.device.value_or(instance.interface);
    b.label = vip.label.value_or("");
    auto link = links.byName(b.device);
    if (!link) {
      return tl::unexpected("VIP " + vip.prefix.toString() + ": device " + b.device + ": " +
                            link.error().message());
    }
    b.ifindex = link->ifindex;
    if (link->mac) b.mac = *link->mac;
    out.push_back(std::move(b));
  }
  return out;
}

}  // namespace havip::node
