// havipctl: argument parsing, what it prints and returns for each kind of
// answer, and the real binary against a real server.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <fstream>
#include <sstream>

#include <gmock/gmock.h>

#include "cli.h"
#include "control/render.h"
#include "test_support.h"

namespace havip::ctl {
namespace {

using namespace std::chrono_literals;
using control::Command;
using control::ErrorCode;
using control::Response;
using ::testing::HasSubstr;
using ::testing::StartsWith;

tl::expected<Invocation, std::string> parse(std::initializer_list<std::string_view> args) {
  return parseArgs(std::vector<std::string_view>(args));
}

std::string readFixture(const std::string& name) {
  std::ifstream in(std::string(CONTROL_TESTDATA) + "/" + name);
  if (!in) ADD_FAILURE() << "cannot open fixture " << name;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(HavipctlArgs, Status) {
  const auto inv = parse({"status"});
  ASSERT_TRUE(inv) << inv.error();
  EXPECT_EQ(inv->action, Invocation::Action::Call);
  EXPECT_EQ(inv->request.command, Command::Status);
  EXPECT_EQ(inv->socket, "/run/havipd/control.sock");
  EXPECT_FALSE(inv->json);
  EXPECT_EQ(inv->timeout, 10s);
}

TEST(HavipctlArgs, GlobalOptionsAnywhere) {
  const auto inv = parse({"-s", "/tmp/x.sock", "status", "--json", "--timeout", "0.25"});
  ASSERT_TRUE(inv) << inv.error();
  EXPECT_EQ(inv->socket, "/tmp/x.sock");
  EXPECT_TRUE(inv->json);
  EXPECT_EQ(inv->timeout, 250ms);
  const auto eq = parse({"--socket=/tmp/y.sock", "--timeout=3", "reload"});
  ASSERT_TRUE(eq) << eq.error();
  EXPECT_EQ(eq->socket, "/tmp/y.sock");
  EXPECT_EQ(eq->timeout, 3s);
  EXPECT_EQ(eq->request.command, Command::Reload);
}

TEST(HavipctlArgs, Failover) {
  auto inv = parse({"failover"});
  ASSERT_TRUE(inv) << inv.error();
  EXPECT_EQ(inv->request.command, Command::Failover);
  EXPECT_FALSE(inv->request.instance);
  EXPECT_FALSE(inv->request.clear);
  EXPECT_FALSE(inv->request.holdSeconds);

  inv = parse({"failover", "VI_1", "--hold", "60"});
  ASSERT_TRUE(inv) << inv.error();
  EXPECT_EQ(inv->request.instance, "VI_1");
  EXPECT_EQ(inv->request.holdSeconds, 60U);

  inv = parse({"failover", "--clear", "VI_1"});
  ASSERT_TRUE(inv) << inv.error();
  EXPECT_TRUE(inv->request.clear);
  EXPECT_EQ(inv->request.instance, "VI_1");
}

TEST(HavipctlArgs, LintTakesTwoFilesAndNoDaemon) {
  const auto inv = parse({"lint", "master.conf", "backup.conf"});
  ASSERT_TRUE(inv) << inv.error();
  EXPECT_EQ(inv->action, Invocation::Action::Lint);
  ASSERT_EQ(inv->lintFiles.size(), 2u);
  EXPECT_EQ(inv->lintFiles[0], "master.conf");
  EXPECT_EQ(inv->lintFiles[1], "backup.conf");
  EXPECT_THAT(usage(), HasSubstr("lint MASTER.conf BACKUP.conf"));
}

TEST(HavipctlArgs, HelpAndVersion) {
  EXPECT_EQ(parse({"--help"})->action, Invocation::Action::Help);
  EXPECT_EQ(parse({"status", "-h"})->action, Invocation::Action::Help);
  EXPECT_EQ(parse({"--version"})->action, Invocation::Action::Version);
  // The exit codes are documented where users look.
  const std::string text = usage();
  for (const char* line : {"0  the daemon did", "1  the daemon answered with an error", "2  usage",
                           "3  daemon unreachable", "4  permission denied"}) {
    EXPECT_THAT(text, HasSubstr(line));
  }
}

TEST(HavipctlArgs, UsageErrors) {
  for (const auto& args : std::vector<std::vector<std::string_view>>{
           {},
           {"--json"},
           {"frobnicate"},
           {"lint", "a.conf"},  // lint needs two files
           {"lint", "a.conf", "b.conf", "c.conf"},
           {"lint", "a.conf", "b.conf", "--json"},
           {"status", "VI_1"},
           {"reload", "--clear"},
           {"failover", "VI_1", "VI_2"},
           {"failover", "--clear", "--hold", "5"},
           {"failover", "--hold", "0"},
           {"failover", "--hold", "soon"},
           {"failover", "--hold"},
           {"status", "--timeout", "0"},
           {"status", "--timeout", "-1"},
           {"status", "--timeout", "x"},
           {"status", "-s"},
           {"status", "--bogus"},
       }) {
    const auto inv = parseArgs(args);
    std::string joined;
    for (auto a : args) joined += std::string(a) + " ";
    EXPECT_FALSE(inv) << "accepted: " << joined;
  }
}

Invocation invocationFor(Command c, bool json = false) {
  Invocation inv;
  inv.socket = "/run/havipd/control.sock";
  inv.request.command = c;
  inv.json = json;
  return inv;
}

TEST(HavipctlPresent, StatusFromTheJsonFixture) {
  const auto result = Response::success(nlohmann::json::parse(readFixture("status.json")));
  const Outcome o = present(invocationFor(Command::Status), result);
  EXPECT_EQ(o.exitCode, kExitOk);
  EXPECT_EQ(o.out, readFixture("status.txt"));
  EXPECT_EQ(o.err, "");
}

TEST(HavipctlPresent, JsonPrintsTheWholeResponse) {
  const auto fixture = nlohmann::json::parse(readFixture("status.json"));
  const Outcome o = present(invocationFor(Command::Status, true), Response::success(fixture));
  EXPECT_EQ(o.exitCode, kExitOk);
  const auto printed = nlohmann::json::parse(o.out);
  EXPECT_EQ(printed["version"], 1);
  EXPECT_EQ(printed["ok"], true);
  EXPECT_EQ(printed["result"], fixture);
}

TEST(HavipctlPresent, ExitCodes) {
  const auto status = invocationFor(Command::Status);
  const auto err = [](std::errc e) {
    return tl::expected<Response, std::error_code>(tl::make_unexpected(std::make_error_code(e)));
  };
  EXPECT_EQ(present(status, err(std::errc::no_such_file_or_directory)).exitCode, kExitUnreachable);
  EXPECT_EQ(present(status, err(std::errc::connection_refused)).exitCode, kExitUnreachable);
  EXPECT_EQ(present(status, err(std::errc::timed_out)).exitCode, kExitUnreachable);
  EXPECT_EQ(present(status, err(std::errc::connection_reset)).exitCode, kExitUnreachable);
  EXPECT_EQ(present(status, tl::make_unexpected(std::error_code(control::ProtocolErrc::MalformedJson)))
                .exitCode,
            kExitUnreachable);
  EXPECT_EQ(present(status, err(std::errc::permission_denied)).exitCode, kExitPermission);
  EXPECT_EQ(present(status, Response::failure(ErrorCode::PermissionDenied, "uid 1000")).exitCode,
            kExitPermission);
  EXPECT_EQ(present(status, Response::failure(ErrorCode::Busy, "busy")).exitCode, kExitRefused);
  EXPECT_EQ(present(status, Response::failure(ErrorCode::Refused, "no")).exitCode, kExitRefused);
  // An answer havipctl cannot read is not success.
  EXPECT_EQ(present(status, Response::success({{"daemon", 1}})).exitCode, kExitRefused);

  const Outcome unreachable = present(status, err(std::errc::no_such_file_or_directory));
  EXPECT_THAT(unreachable.err, HasSubstr("cannot reach havipd at /run/havipd/control.sock"));
}

TEST(HavipctlPresent, RefusedReloadPrintsItsErrors) {
  control::ReloadResult refused{false, {"b.conf:4:3: priority must be 1..255"}, {}};
  const Outcome o = present(invocationFor(Command::Reload),
                            Response::failure(ErrorCode::Refused, "configuration refused (1 error)",
                                              control::toJson(refused)));
  EXPECT_EQ(o.exitCode, kExitRefused);
  EXPECT_THAT(o.err, HasSubstr("configuration refused (1 error)"));
  EXPECT_THAT(o.err, HasSubstr("  b.conf:4:3: priority must be 1..255\n"));
}

TEST(HavipctlPresent, FailoverPrintsStateAndTime) {
  control::FailoverResult f{{{"VI_1", "BACKUP", "MASTER", 0.8, "until failover --clear"}}};
  const Outcome o = present(invocationFor(Command::Failover), Response::success(control::toJson(f)));
  EXPECT_EQ(o.exitCode, kExitOk);
  EXPECT_EQ(o.out, "VI_1: BACKUP -> MASTER in 0.8 ms (until failover --clear)\n");
}

// ---- The real binary ----

struct ProcessRun {
  int exitCode = -1;
  std::string out;
  std::string err;
};

std::string drain(int fd) {
  std::string s;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof(buf))) > 0) s.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  return s;
}

ProcessRun runHavipctl(const std::vector<std::string>& args, bool asNobody = false) {
  int out[2];
  int err[2];
  if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0) return {};
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(out[1], 1);
    ::dup2(err[1], 2);
    if (asNobody && (::setresgid(65534, 65534, 65534) != 0 || ::setresuid(65534, 65534, 65534) != 0)) {
      _exit(99);
    }
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(HAVIPCTL_BIN));
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(HAVIPCTL_BIN, argv.data());
    _exit(98);
  }
  ::close(out[1]);
  ::close(err[1]);
  ProcessRun r;
  // Small outputs: each fits a pipe buffer, so reading one after the other is safe.
  r.out = drain(out[0]);
  r.err = drain(err[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  r.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

class HavipctlBinary : public control::testing::ServerFixture {};

TEST_F(HavipctlBinary, StatusTableAndJson) {
  handler_.snapshot = *control::statusFromJson(nlohmann::json::parse(readFixture("status.json")));
  startServer();
  const ProcessRun table = runHavipctl({"-s", options_.socketPath.string(), "status"});
  EXPECT_EQ(table.exitCode, 0) << table.err;
  EXPECT_EQ(table.out, readFixture("status.txt"));

  const ProcessRun asJson = runHavipctl({"-s", options_.socketPath.string(), "--json", "status"});
  EXPECT_EQ(asJson.exitCode, 0) << asJson.err;
  const auto parsed = nlohmann::json::parse(asJson.out, nullptr, false);
  ASSERT_FALSE(parsed.is_discarded()) << asJson.out;
  EXPECT_EQ(parsed["result"]["instances"][0]["state"], "BACKUP");
}

TEST_F(HavipctlBinary, RefusalIsExitOne) {
  handler_.onFailover = [](const control::FailoverRequest&, control::Handler::FailoverDone done) {
    done(tl::make_unexpected(std::string("no instance VI_9")));
  };
  startServer();
  const ProcessRun r = runHavipctl({"-s", options_.socketPath.string(), "failover", "VI_9"});
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_EQ(r.err, "havipctl: havipd: no instance VI_9\n");
}

TEST_F(HavipctlBinary, UnreachableIsExitThree) {
  const ProcessRun r = runHavipctl({"-s", (dir_ / "nothing.sock").string(), "status", "--timeout", "1"});
  EXPECT_EQ(r.exitCode, 3);
  EXPECT_THAT(r.err, StartsWith("havipctl: cannot reach havipd at "));
}

TEST_F(HavipctlBinary, PermissionDeniedIsExitFour) {
  ASSERT_EQ(::geteuid(), 0U) << "this test needs root: it runs havipctl as uid 65534";
  startServer();
  ASSERT_EQ(::chmod(dir_.c_str(), 0755), 0);
  const ProcessRun r = runHavipctl({"-s", options_.socketPath.string(), "status"}, /*asNobody=*/true);
  EXPECT_EQ(r.exitCode, 4) << r.err;
  EXPECT_THAT(r.err, HasSubstr("permission denied"));
}

TEST_F(HavipctlBinary, UsageIsExitTwoAndHelpIsZero) {
  EXPECT_EQ(runHavipctl({"bogus"}).exitCode, 2);
  const ProcessRun help = runHavipctl({"--help"});
  EXPECT_EQ(help.exitCode, 0);
  EXPECT_THAT(help.out, StartsWith("usage: havipctl"));
  const ProcessRun version = runHavipctl({"--version"});
  EXPECT_EQ(version.exitCode, 0);
  EXPECT_THAT(version.out, StartsWith("havipctl "));
}

}  // namespace
}  // namespace havip::ctl
