// havipctl: talks to a running havipd over its control socket, or compares
// two configuration files (lint, no daemon). The logic lives in cli.cpp
// (tested); this file only does the I/O.
#include <cstdio>
#include <string_view>
#include <vector>

#include "cli.h"
#include "control/client.h"

int main(int argc, char** argv) {
  using namespace havip::ctl;
  const std::vector<std::string_view> args(argv + 1, argv + argc);
  const auto inv = parseArgs(args);
  if (!inv) {
    std::fprintf(stderr, "havipctl: %s\nTry 'havipctl --help'.\n", inv.error().c_str());
    return kExitUsage;
  }
  if (inv->action == Invocation::Action::Help) {
    std::fputs(usage().c_str(), stdout);
    return kExitOk;
  }
  if (inv->action == Invocation::Action::Version) {
    std::printf("havipctl %s (control protocol %d)\n", HAVIP_VERSION,
                havip::control::kProtocolVersion);
    return kExitOk;
  }
  if (inv->action == Invocation::Action::Lint) {
    const Outcome outcome = lint(*inv);
    std::fputs(outcome.out.c_str(), stdout);
    std::fputs(outcome.err.c_str(), stderr);
    return outcome.exitCode;
  }
  const auto result = havip::control::call(inv->socket, inv->request, inv->timeout);
  const Outcome outcome = present(*inv, result);
  std::fputs(outcome.out.c_str(), stdout);
  std::fputs(outcome.err.c_str(), stderr);
  return outcome.exitCode;
}
