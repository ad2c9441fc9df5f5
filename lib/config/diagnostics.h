// Where a piece of configuration came from, and what the parser has to say
// about it. Every message renders as `FILE:LINE:COL: message` (errors) or
// `FILE:LINE:COL: warning: message`, the form editors and CI logs understand.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace havip::config {

// Lines and columns are 1-based; a column counts bytes (a tab is one column).
// line == 0 means "the file as a whole" (e.g. it cannot be read).
struct SourceLocation {
  std::string file;
  std::uint32_t line = 0;
  std::uint32_t column = 0;

  std::string toString() const;  // "file:line:col", or "file" when line == 0
  bool operator==(const SourceLocation&) const = default;
};

enum class Severity { Error, Warning };

struct Diagnostic {
  Severity severity = Severity::Error;
  SourceLocation where;
  std::string message;

  std::string toString() const;
};

// Errors and warnings in the order they were found. Parsing never stops at
// the first error: callers get all of them.
struct Diagnostics {
  std::vector<Diagnostic> errors;
  std::vector<Diagnostic> warnings;

  void error(SourceLocation where, std::string message);
  void warning(SourceLocation where, std::string message);
  bool hasErrors() const { return !errors.empty(); }
};

}  // namespace havip::config
