// One human-readable line per vrrp_instance and virtual_server, as printed by
// `havipd --check-config` (and usable in logs after a reload).
#pragma once

#include <string>
#include <vector>

#include "config/model.h"

namespace havip::config {

// "vrrp_instance VI_1: eth0 vrid 51 prio 100 MASTER advert 1s auth PASS
//  vips 10.11.12.99/32 track_script chk_service(weight 2) mail user1@test.local via mail.test.local:25"
// A track_memory entry reads "chk_mem(memory available > 50% weight -20)".
std::string summarize(const Config& config, const VrrpInstance& instance);
// "virtual_server 10.11.12.99:80 TCP: rr NAT delay_loop 6s real_servers
//  192.168.100.10:80(weight 1 TCP_CHECK) 192.168.100.20:80(weight 1 TCP_CHECK)"
std::string summarize(const VirtualServer& server);
// Every instance, then every virtual server, in file order.
std::vector<std::string> summaryLines(const Config& config);

std::string formatDuration(Millis d);  // "1s", "0.5s", "2.125s"
std::string formatPercent(double percent);  // "50%", "12.5%" (3 decimals at most)

}  // namespace havip::config
