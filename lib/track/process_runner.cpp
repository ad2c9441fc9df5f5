#include "track/process_runner.h"

#include <csignal>
#include <cstring>

#include <fmt/format.h>

namespace havip::track {

std::string ProcessOutcome::describe() const {
  switch (kind) {
    case Kind::Exited: return fmt::format("exit {}", code);
    case Kind::Signaled: return fmt::format("killed by signal {} ({})", code, ::strsignal(code));
    case Kind::TimedOut: return "timed out, process group killed";
    case Kind::NotStarted: return fmt::format("cannot execute: {}", std::strerror(code));
    case Kind::Lost: return fmt::format("exit status lost: {}", std::strerror(code));
  }
  return "?";
}

}  // namespace havip::track
