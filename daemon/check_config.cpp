#include "check_config.h"

#include <ostream>

#include "config/lint.h"
#include "config/parser.h"
#include "config/summary.h"

namespace havip::daemon {

int checkConfig(const std::string& path, std::ostream& out, std::ostream& err) {
  auto loaded = config::loadFile(path);
  if (!loaded) {
    const auto& diags = loaded.error();
    for (const auto& w : diags.warnings) err << w.toString() << "\n";
    for (const auto& e : diags.errors) err << e.toString() << "\n";
    err << path << ": " << diags.errors.size() << (diags.errors.size() == 1 ? " error" : " errors") << "\n";
    return 1;
  }
  for (const auto& w : loaded->warnings) err << w.toString() << "\n";
  // Advice, not errors: whether trackers can move mastership (exit stays 0).
  for (const auto& w : config::lintMastership(*loaded->config)) err << w.toString() << "\n";
  for (const auto& line : config::summaryLines(*loaded->config)) out << line << "\n";
  return 0;
}

}  // namespace havip::daemon
