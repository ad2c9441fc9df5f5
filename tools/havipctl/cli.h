// havipctl's logic without its I/O: argument parsing, and turning the
// daemon's answer (or the failure to get one) into output and an exit code.
// main.cpp only connects these to the client and the terminal.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <tl/expected.hpp>

#include "control/protocol.h"

namespace havip::ctl {

// Documented in usage(); scripts rely on them.
enum ExitCode : int {
  kExitOk = 0,           // the daemon did it
  kExitRefused = 1,      // the daemon answered with an error or a refusal
  kExitUsage = 2,        // bad command line
  kExitUnreachable = 3,  // no socket, nobody listening, timeout, no readable answer
  kExitPermission = 4,   // socket or daemon denied us
  // lint (no daemon involved): 0 the pair is clean, 1 problems or unreadable
  // configs, 2 usage.
  kExitLintProblems = 1,
};

struct Invocation {
  enum class Action { Call, Help, Version, Lint };
  Action action = Action::Call;
  std::filesystem::path socket;
  bool json = false;
  std::chrono::milliseconds timeout{10000};
  control::Request request;
  std::vector<std::filesystem::path> lintFiles;  // Action::Lint: exactly two
};

std::string usage();

// args excludes argv[0]. Error: a one-line message for stderr (exit kExitUsage).
tl::expected<Invocation, std::string> parseArgs(const std::vector<std::string_view>& args);

struct Outcome {
  int exitCode = kExitOk;
  std::string out;  // for stdout
  std::string err;  // for stderr
};

// `havipctl lint A.conf B.conf`: parses both files and compares them
// (config::lintPair). Reads the two files; needs no daemon.
Outcome lint(const Invocation& invocation);

// What to print and return for this invocation given the call's result.
Outcome present(const Invocation& invocation,
                const tl::expected<control::Response, std::error_code>& result);

}  // namespace havip::ctl
