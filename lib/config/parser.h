// Parse and validate keepalived.conf-dialect text into an immutable Config.
// Either a Config (plus warnings) or every error found, each located
// FILE:LINE:COL; never the first error only, never a silent default for a bad
// value. Pure except for reading the file and its includes. No exceptions.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <tl/expected.hpp>

#include "config/diagnostics.h"
#include "config/model.h"

namespace havip::config {

struct ParseOptions {
  // `include` reads files (globs relative to the including file's directory).
  // Off: every include is an error; fuzzing and untrusted text use this.
  bool allowIncludes = true;
  // Directory that relative includes in parseString() text are resolved
  // against (empty: the current directory). loadFile() uses the file's own.
  std::string baseDirectory;
};

struct Loaded {
  std::shared_ptr<const Config> config;
  std::vector<Diagnostic> warnings;
};

using LoadResult = tl::expected<Loaded, Diagnostics>;

// Reads PATH (an unreadable file is one error located at "PATH").
LoadResult loadFile(const std::string& path, const ParseOptions& options = {});
// Parses TEXT as if read from a file called NAME (used in every location).
LoadResult parseString(std::string_view text, const std::string& name, const ParseOptions& options = {});

}  // namespace havip::config
