#include "cli.h"

#include <charconv>
#include <cmath>
#include <memory>

#include <fmt/format.h>

#include "config/lint.h"
#include "config/parser.h"
#include "control/render.h"
#include "control/server.h"
#include "control/status.h"

namespace havip::ctl {
namespace {

using control::Command;

tl::unexpected<std::string> usageError(std::string message) {
  return tl::make_unexpected(std::move(message));
}

std::optional<double> parseSeconds(std::string_view text) {
  double v = 0;
  const auto end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, v);
  if (ec != std::errc() || ptr != end || !std::isfinite(v) || v <= 0 || v > 86400) return std::nullopt;
  return v;
}

std::optional<std::uint32_t> parseWholeSeconds(std::string_view text) {
  std::uint32_t v = 0;
  const auto end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, v);
  if (ec != std::errc() || ptr != end) return std::nullopt;
  return v;
}

// Everything but a permission problem means "no answer": exit 3.
std::string describe(const std::error_code& ec) {
  if (ec == std::errc::connection_reset) return "connection closed without an answer";
  if (ec == std::errc::timed_out) return "no answer in time";
  if (ec == std::errc::no_such_file_or_directory) return "no such socket (is havipd running?)";
  if (ec == std::errc::connection_refused) return "connection refused (is havipd running?)";
  return ec.message();
}

}  // namespace

std::string usage() {
  return fmt::format(
      R"(usage: havipctl [-s PATH] [--json] [--timeout S] COMMAND
       havipctl --help | --version

Talks to a running havipd over its control socket.

commands:
  status                 per VRRP instance: state, base and effective priority
                         and why they differ, the current master (when BACKUP),
                         VIPs and whether each is installed, advert interval,
                         adverts sent and received, drops by reason, time and
                         reason of the last transition
  failover [INSTANCE] [--clear] [--hold SECONDS]
                         on the MASTER: hand over (priority-0 advert, go BACKUP,
                         do not preempt until --clear or SECONDS have passed);
                         on a BACKUP: take over now and keep the role until
                         --clear. Prints the resulting state and how long the
                         transition took. No INSTANCE: every instance.
                         --clear lifts an earlier failover instead.
  reload                 re-read the configuration, as SIGHUP does; a refused
                         configuration prints its errors and the old one stays
  lint MASTER.conf BACKUP.conf
                         compare the two routers' configuration files (no
                         daemon needed): same VRIDs on the same interfaces,
                         auth, advert_int and VIPs; priorities that elect the
                         intended master; and, trying every combination of
                         tracker states, whether each tracker can move
                         mastership. Exit 0: clean; 1: problems found

options:
  -s, --socket PATH      control socket (default {})
      --json             print the daemon's whole response as JSON:
                         {{"version":1,"ok":..,"error":..,"code":..,"result":{{..}}}}
      --timeout S        give up after S seconds (default 10; decimals allowed)
  -h, --help             this text
  -V, --version          havipctl's version

exit status:
  0  the daemon did what was asked
  1  the daemon answered with an error or refused (unknown instance, bad config)
  2  usage error
  3  daemon unreachable: no socket, connection refused, timeout, or no readable answer
  4  permission denied (the socket is root's, mode 0600; the daemon checks the uid)
  lint: 0 the pair is clean, 1 problems (or a file that does not parse), 2 usage
)",
      control::kDefaultSocketPath);
}

tl::expected<Invocation, std::string> parseArgs(const std::vector<std::string_view>& args) {
  Invocation inv;
  inv.socket = control::kDefaultSocketPath;
  std::optional<Command> command;
  bool lintCommand = false;
  std::vector<std::string_view> operands;
  bool clear = false;
  std::optional<std::uint32_t> hold;

  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string_view arg = args[i];
    std::optional<std::string_view> inlineValue;
    if (arg.starts_with("--")) {
      if (const auto eq = arg.find('='); eq != std::string_view::npos) {
        inlineValue = arg.substr(eq + 1);
        arg = arg.substr(0, eq);
      }
    }
    auto value = [&]() -> std::optional<std::string_view> {
      if (inlineValue) return inlineValue;
      if (i + 1 < args.size()) return args[++i];
      return std::nullopt;
    };
    if (arg == "-h" || arg == "--help") {
      inv.action = Invocation::Action::Help;
      return inv;
    }
    if (arg == "-V" || arg == "--version") {
      inv.action = Invocation::Action::Version;
      return inv;
    }
    if (arg == "-s" || arg == "--socket") {
      const auto v = value();
      if (!v || v->empty()) return usageError(std::string(arg) + " needs a path");
      inv.socket = std::string(*v);
    } else if (arg == "--json") {
      inv.json = true;
    } else if (arg == "--timeout") {
      const auto v = value();
      const auto seconds = v ? parseSeconds(*v) : std::nullopt;
      if (!seconds) return usageError("--timeout needs a number of seconds above 0");
      inv.timeout = std::chrono::milliseconds(std::llround(*seconds * 1000));
    } else if (arg == "--clear") {
      clear = true;
    } else if (arg == "--hold") {
      const auto v = value();
      hold = v ? parseWholeSeconds(*v) : std::nullopt;
      if (!hold || *hold == 0) return usageError("--hold needs a whole number of seconds above 0");
    } else if (arg.starts_with("-") && arg.size() > 1) {
      return usageError("unknown option " + std::string(arg));
    } else if (!command && !lintCommand) {
      if (arg == "lint") {
        lintCommand = true;
      } else if (arg == "status") {
        command = Command::Status;
      } else if (arg == "failover") {
        command = Command::Failover;
      } else if (arg == "reload") {
        command = Command::Reload;
      } else {
        return usageError("unknown command " + std::string(arg));
      }
    } else {
      operands.push_back(arg);
    }
  }

  if (lintCommand) {
    if (operands.size() != 2) return usageError("lint needs two files: MASTER.conf BACKUP.conf");
    if (clear || hold) return usageError("--clear and --hold are failover options");
    if (inv.json) return usageError("lint has no --json output");
    inv.action = Invocation::Action::Lint;
    for (auto f : operands) inv.lintFiles.emplace_back(std::string(f));
    return inv;
  }
  if (!command) return usageError("no command given");
  inv.request.command = *command;
  if (*command == Command::Failover) {
    if (operands.size() > 1) return usageError("failover takes at most one INSTANCE");
    if (!operands.empty()) inv.request.instance = std::string(operands.front());
    if (clear && hold) return usageError("--clear and --hold do not go together");
    inv.request.clear = clear;
    inv.request.holdSeconds = hold;
  } else {
    if (!operands.empty()) {
      return usageError(fmt::format("{} takes no arguments", control::toString(*command)));
    }
    if (clear || hold) return usageError("--clear and --hold are failover options");
  }
  return inv;
}

Outcome lint(const Invocation& inv) {
  Outcome o;
  std::vector<std::shared_ptr<const config::Config>> configs;
  bool broken = false;
  for (const auto& path : inv.lintFiles) {
    auto loaded = config::loadFile(path.native());
    if (!loaded) {
      broken = true;
      for (const auto& e : loaded.error().errors) o.err += e.toString() + "\n";
      o.err += fmt::format("havipctl: {}: does not parse, not compared\n", path.native());
      continue;
    }
    for (const auto& w : loaded->warnings) o.err += w.toString() + "\n";
    configs.push_back(loaded->config);
  }
  if (broken) {
    o.exitCode = kExitLintProblems;
    return o;
  }
  const config::PairReport report = config::lintPair(*configs[0], *configs[1]);
  std::size_t problems = 0;
  for (const auto& f : report.findings) {
    o.out += f.toString() + "\n";
    if (f.kind == config::LintFinding::Kind::Problem) ++problems;
  }
  const std::string pair = inv.lintFiles[0].native() + " and " + inv.lintFiles[1].native();
  if (problems == 0) {
    o.out += fmt::format("havipctl lint: {}: clean\n", pair);
  } else {
    o.exitCode = kExitLintProblems;
    o.out += fmt::format("havipctl lint: {}: {} problem{}\n", pair, problems, problems == 1 ? "" : "s");
  }
  return o;
}

Outcome present(const Invocation& inv, const tl::expected<control::Response, std::error_code>& result) {
  Outcome o;
  const std::string where = inv.socket.native();
  if (!result) {
    const auto& ec = result.error();
    if (ec == std::errc::permission_denied || ec == std::errc::operation_not_permitted) {
      o.exitCode = kExitPermission;
      o.err = fmt::format("havipctl: {}: permission denied (the control socket is root's)\n", where);
    } else {
      o.exitCode = kExitUnreachable;
      o.err = fmt::format("havipctl: cannot reach havipd at {}: {}\n", where, describe(ec));
    }
    return o;
  }

  const control::Response& response = *result;
  if (inv.json) {
    o.out = nlohmann::json::parse(control::encodeResponse(response)).dump(2) + "\n";
  }
  if (!response.ok) {
    o.exitCode =
        response.code == control::ErrorCode::PermissionDenied ? kExitPermission : kExitRefused;
    o.err = fmt::format("havipctl: havipd: {}\n", response.error);
    if (!inv.json && inv.request.command == Command::Reload && !response.result.is_null()) {
      if (auto reload = control::reloadFromJson(response.result)) {
        o.err += control::renderReload(*reload);
      }
    }
    return o;
  }
  if (inv.json) return o;

  auto unreadable = [&](const std::string& why) {
    o.exitCode = kExitRefused;
    o.err = "havipctl: havipd's answer is not understood: " + why + "\n";
  };
  switch (inv.request.command) {
    case Command::Status:
      if (auto status = control::statusFromJson(response.result)) {
        o.out = control::renderStatus(*status);
      } else {
        unreadable(status.error());
      }
      break;
    case Command::Failover:
      if (auto failover = control::failoverFromJson(response.result)) {
        o.out = control::renderFailover(*failover);
      } else {
        unreadable(failover.error());
      }
      break;
    case Command::Reload:
      if (auto reload = control::reloadFromJson(response.result)) {
        o.out = control::renderReload(*reload);
      } else {
        unreadable(reload.error());
      }
      break;
  }
  return o;
}

}  // namespace havip::ctl
