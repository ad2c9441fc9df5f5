// havipd: VRRPv2 + IPVS high-availability daemon. Runs in the foreground (the
// service manager supervises it: systemd/havipd.service, Type=notify).
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include <fmt/core.h>

#include "check_config.h"
#include "daemon.h"
#include "log/log.h"

namespace {

constexpr std::string_view kUsage =
    "usage: havipd [OPTIONS]\n"
    "  -f, --use-file FILE         configuration file (default /etc/havip/havipd.conf)\n"
    "  -t, --check-config FILE     validate FILE, print a summary, exit 0 (valid) or 1\n"
    "  -s, --control-socket PATH   control socket (default /run/havipd/control.sock)\n"
    "  -l, --log-level LEVEL       trace|debug|info|warn|error (default info)\n"
    "      --meminfo PATH          read memory figures for track_memory from PATH instead of\n"
    "                              /proc/meminfo (containers that expose their own, e.g. lxcfs)\n"
    "  -v, --version               print the version\n"
    "  -h, --help                  this text\n"
    "Exit codes: 0 stopped cleanly (SIGTERM/SIGINT) or config valid; 1 config\n"
    "invalid or startup failed; 2 usage.\n";

constexpr int kExitUsage = 2;

}  // namespace

int main(int argc, char** argv) {
  havip::daemon::Options options;
  auto level = havip::log::Level::info;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) {
        fmt::print(stderr, "havipd: {} needs a value\n{}", arg, kUsage);
        std::exit(kExitUsage);
      }
      return argv[++i];
    };
    if (arg == "-t" || arg == "--check-config") {
      return havip::daemon::checkConfig(value(), stdout, stderr);
    } else if (arg == "-f" || arg == "--use-file") {
      options.configPath = value();
    } else if (arg == "-s" || arg == "--control-socket") {
      options.controlSocket = value();
    } else if (arg == "--meminfo") {
      options.meminfoPath = value();
    } else if (arg == "-l" || arg == "--log-level") {
      auto parsed = havip::log::parseLevel(value());
      if (!parsed) {
        fmt::print(stderr, "havipd: log level must be one of {}\n", havip::log::levelNames());
        return kExitUsage;
      }
      level = *parsed;
    } else if (arg == "-v" || arg == "--version") {
      std::fputs("havipd " HAVIP_VERSION "\n", stdout);
      return 0;
    } else if (arg == "-h" || arg == "--help") {
      fmt::print(stdout, "{}", kUsage);
      return 0;
    } else {
      fmt::print(stderr, "havipd: unknown option {}\n{}", arg, kUsage);
      return kExitUsage;
    }
  }
  havip::log::setupLogging(level, havip::log::stderrIsJournal());
  havip::daemon::Daemon daemon(std::move(options));
  return daemon.run();
}
