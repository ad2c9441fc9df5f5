#include "config/diagnostics.h"

#include <utility>

namespace havip::config {

std::string SourceLocation::toString() const {
  if (line == 0) return file;
  return file + ":" + std::to_string(line) + ":" + std::to_string(column);
}

std::string Diagnostic::toString() const {
  return where.toString() + (severity == Severity::Warning ? ": warning: " : ": ") + message;
}

void Diagnostics::error(SourceLocation where, std::string message) {
  errors.push_back({Severity::Error, std::move(where), std::move(message)});
}

void Diagnostics::warning(SourceLocation where, std::string message) {
  warnings.push_back({Severity::Warning, std::move(where), std::move(message)});
}

}  // namespace havip::config
