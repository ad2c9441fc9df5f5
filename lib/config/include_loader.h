// Internal to lib/config: turns a file (or text) into one token stream with
// every `include` spliced in, keepalived-style: the pattern is a glob
// (braces too), relative to the directory of the file that contains it, and
// the included tokens keep their own file name in their locations.
#pragma once

#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <tl/expected.hpp>

#include "config/diagnostics.h"
#include "config/lexer.h"
#include "config/parser.h"

namespace havip::config::detail {

tl::expected<std::string, std::error_code> readWholeFile(const std::string& path);

// Lexes TEXT (named NAME, its includes relative to DIRECTORY), splicing
// includes. CANONICAL is NAME's resolved path when it is a real file (empty
// for in-memory text) and seeds the cycle check. Ends with an End token.
std::vector<Token> loadTokens(std::string_view text, const std::string& name,
                              const std::string& canonical, const std::string& directory,
                              const ParseOptions& options, Diagnostics& diags);

}  // namespace havip::config::detail
