// havipd: VRRPv2 + IPVS high-availability daemon.
#include <cstring>
#include <iostream>
#include <string>
#include <string_view>

#include "check_config.h"

namespace {

constexpr std::string_view kUsage =
    "usage: havipd [OPTIONS]\n"
    "  -f, --use-file FILE      configuration file (default /etc/havip/havipd.conf)\n"
    "  -t, --check-config FILE  validate FILE, print a summary, exit 0 (valid) or 1\n"
    "  -v, --version            print the version\n"
    "  -h, --help               this text\n";

constexpr int kExitUsage = 2;

}  // namespace

int main(int argc, char** argv) {
  std::string configPath = "/etc/havip/havipd.conf";
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) {
        std::cerr << "havipd: " << arg << " needs a value\n" << kUsage;
        std::exit(kExitUsage);
      }
      return argv[++i];
    };
    if (arg == "-t" || arg == "--check-config") {
      return havip::daemon::checkConfig(value(), std::cout, std::cerr);
    } else if (arg == "-f" || arg == "--use-file") {
      configPath = value();
    } else if (arg == "-v" || arg == "--version") {
      std::cout << "havipd " HAVIP_VERSION "\n";
      return 0;
    } else if (arg == "-h" || arg == "--help") {
      std::cout << kUsage;
      return 0;
    } else {
      std::cerr << "havipd: unknown option " << arg << "\n" << kUsage;
      return kExitUsage;
    }
  }
  std::cerr << "havipd: running the daemon arrives with the network issue; "
               "use --check-config "
            << configPath << " for now\n";
  return kExitUsage;
}
