#include "check_config.h"

#include <ostream>

namespace havip::daemon {
int checkConfig(const std::string& path, std::ostream&, std::ostream& err) {
  err << path << ": configuration parser not built yet\n";
  return 1;
}
}  // namespace havip::daemon
