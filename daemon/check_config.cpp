#include "check_config.h"

#include <fmt/core.h>

#include "config/lint.h"
#include "config/parser.h"
#include "config/summary.h"

namespace havip::daemon {

int checkConfig(const std::string& path, std::FILE* out, std::FILE* err) {
  auto loaded = config::loadFile(path);
  if (!loaded) {
    const auto& diags = loaded.error();
    for (const auto& w : diags.warnings) fmt::print(err, "{}\n", w.toString());
    for (const auto& e : diags.errors) fmt::print(err, "{}\n", e.toString());
    fmt::print(err, "{}: {} {}\n", path, diags.errors.size(), diags.errors.size() == 1 ? "error" : "errors");
    return 1;
  }
  for (const auto& w : loaded->warnings) fmt::print(err, "{}\n", w.toString());
  // Advice, not errors: whether trackers can move mastership (exit stays 0).
  for (const auto& w : config::lintMastership(*loaded->config)) fmt::print(err, "{}\n", w.toString());
  for (const auto& line : config::summaryLines(*loaded->config)) fmt::print(out, "{}\n", line);
  return 0;
}

}  // namespace havip::daemon
