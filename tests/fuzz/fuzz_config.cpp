// libFuzzer target: the config parser over arbitrary text. Includes are off
// (ParseOptions::allowIncludes), so fuzz input never makes it read files.
// Checks invariants on the way: a result is either a config or at least one
// error, and every diagnostic names the input and a real position.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "config/parser.h"
#include "config/summary.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  havip::config::ParseOptions options;
  options.allowIncludes = false;
  auto result = havip::config::parseString(text, "fuzz.conf", options);
  if (result) {
    if (!result->config) std::abort();
    for (const auto& line : havip::config::summaryLines(*result->config))
      if (line.empty()) std::abort();
  } else {
    if (result.error().errors.empty()) std::abort();
    for (const auto& e : result.error().errors)
      if (e.where.file != "fuzz.conf" || e.where.line == 0 || e.where.column == 0 || e.message.empty()) std::abort();
  }
  return 0;
}
