// Human-readable text for control results: what havipctl prints without
// --json. Pure functions of the models; every returned string ends in '\n'.
#pragma once

#include <string>

#include "control/status.h"

namespace havip::control {

// One header block for the daemon, then one block per instance listing every
// field of InstanceStatus, then IPVS virtual servers if any.
std::string renderStatus(const StatusSnapshot&);
// "VI_1: MASTER -> BACKUP in 1.2 ms (holding BACKUP until failover --clear)"
std::string renderFailover(const FailoverResult&);
// "reload: ok" plus changes, or "reload refused:" plus one error per line.
std::string renderReload(const ReloadResult&);

// Compact duration: "0.8 s", "42 s", "12m05s", "2h03m", "3d04h".
std::string formatDuration(double seconds);

}  // namespace havip::control
