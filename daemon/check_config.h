// `havipd --check-config FILE`: parse and validate, print a one-line summary
// per instance and virtual server (exit 0) or every error (exit 1).
#pragma once

#include <cstdio>
#include <string>

namespace havip::daemon {

// Summary lines go to `out`, warnings and errors to `err` (stdio streams, not
// iostreams: havipd links no iostream, whose static initialisation alone kept
// a few hundred kB of the statically linked C++ runtime resident).
int checkConfig(const std::string& path, std::FILE* out, std::FILE* err);

}  // namespace havip::daemon
