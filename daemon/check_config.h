// `havipd --check-config FILE`: parse and validate, print a one-line summary
// per instance and virtual server (exit 0) or every error (exit 1).
#pragma once

#include <iosfwd>
#include <string>

namespace havip::daemon {

int checkConfig(const std::string& path, std::ostream& out, std::ostream& err);

}  // namespace havip::daemon
