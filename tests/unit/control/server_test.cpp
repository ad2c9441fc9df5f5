// Server and client over a real unix socket in a temp dir, with the server on
// a real io_context running in a thread of the test.
#include <sys/stat.h>
#include <sys/wait.h>

#include <fstream>

#include <boost/asio/steady_timer.hpp>
#include <gmock/gmock.h>

#include "control/client.h"
#include "test_support.h"

namespace havip::control {
namespace {

using namespace std::chrono_literals;
using ::testing::HasSubstr;
using testing::RawClient;
using testing::responsesIn;
using Clock = std::chrono::steady_clock;

class ControlServer : public testing::ServerFixture {
 protected:
  tl::expected<Response, std::error_code> callStatus(std::chrono::milliseconds timeout = 2000ms) {
    return call(options_.socketPath, Request{}, timeout);
  }
};

StatusSnapshot sampleSnapshot() {
  StatusSnapshot s;
  s.daemon.version = "0.1.0";
  s.daemon.pid = 77;
  InstanceStatus in;
  in.name = "VI_1";
  in.state = "MASTER";
  in.basePriority = in.effectivePriority = 100;
  in.vips = {{"10.11.12.99/32", "eth0", true}};
  in.advertIntervalMs = 1000;
  in.drops = {{"ttl", 2}};
  s.instances = {in};
  return s;
}

TEST_F(ControlServer, StatusRoundTrip) {
  handler_.snapshot = sampleSnapshot();
  startServer();
  const auto response = callStatus();
  ASSERT_TRUE(response) << response.error().message();
  ASSERT_TRUE(response->ok) << response->error;
  const auto status = statusFromJson(response->result);
  ASSERT_TRUE(status) << status.error();
  EXPECT_EQ(*status, sampleSnapshot());
  EXPECT_EQ(handler_.statusCalls.load(), 1);
}

TEST_F(ControlServer, StatusOf255InstancesIsLargerThanARequestMayBeAndStillArrives) {
  StatusSnapshot big = sampleSnapshot();
  big.instances.clear();
  for (int vrid = 1; vrid <= 255; ++vrid) {
    InstanceStatus in = sampleSnapshot().instances.front();
    in.name = "VI_" + std::to_string(vrid);
    in.vrid = vrid;
    in.priorityReasons = {"track_script chk_service: up, weight +2"};
    in.trackers = {{"chk_service", "script", true, 2, 2, "exit 0"}};
    big.instances.push_back(in);
  }
  handler_.snapshot = big;
  startServer();
  const auto response = callStatus();
  ASSERT_TRUE(response) << response.error().message();
  ASSERT_TRUE(response->ok) << response->error;
  EXPECT_GT(response->result.dump().size(), kMaxFrameSize);
  const auto status = statusFromJson(response->result);
  ASSERT_TRUE(status) << status.error();
  EXPECT_EQ(*status, big);
}

TEST_F(ControlServer, SocketIsRootOnlyInA0755DirectoryAndRemovedOnStop) {
  startServer();
  struct stat dir {};
  ASSERT_EQ(::stat(options_.socketPath.parent_path().c_str(), &dir), 0);
  EXPECT_EQ(dir.st_mode & 07777, 0755U);
  struct stat sock {};
  ASSERT_EQ(::lstat(options_.socketPath.c_str(), &sock), 0);
  EXPECT_TRUE(S_ISSOCK(sock.st_mode));
  EXPECT_EQ(sock.st_mode & 07777, 0600U);
  stopServer();
  EXPECT_FALSE(std::filesystem::exists(options_.socketPath));
}

TEST_F(ControlServer, StaleSocketIsReplacedLiveOneIsNot) {
  // A socket file nobody listens on: what a crashed daemon leaves.
  std::filesystem::create_directories(options_.socketPath.parent_path());
  {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, options_.socketPath.c_str(), sizeof(addr.sun_path) - 1);
    ASSERT_EQ(::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)), 0);
    ::close(fd);
  }
  ASSERT_TRUE(std::filesystem::is_socket(options_.socketPath));
  startServer();
  ASSERT_TRUE(callStatus());

  // A second daemon on the same path must not steal the live socket.
  const auto second = onLoop([this] {
    Server other(io_, handler_, options_);
    return other.start();
  });
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error(), std::errc::address_in_use);
  EXPECT_TRUE(callStatus()) << "the first server must still answer";
}

TEST_F(ControlServer, RefusesToReplaceSomethingThatIsNotASocket) {
  std::filesystem::create_directories(options_.socketPath.parent_path());
  { std::ofstream(options_.socketPath) << "precious"; }
  Server server(io_, handler_, options_);
  const auto started = server.start();
  ASSERT_FALSE(started);
  EXPECT_EQ(started.error(), std::errc::file_exists);
  EXPECT_TRUE(std::filesystem::is_regular_file(options_.socketPath));
}

TEST_F(ControlServer, SilentClientIsClosedAfterTheDeadlineWhileOthersAreServed) {
  options_.requestTimeout = 400ms;
  startServer();
  const auto connectedAt = Clock::now();
  RawClient silent(options_.socketPath);
  ASSERT_TRUE(silent.connected());

  // Served while the silent one holds its slot.
  const auto before = Clock::now();
  const auto response = callStatus();
  ASSERT_TRUE(response) << response.error().message();
  EXPECT_TRUE(response->ok);
  EXPECT_LT(Clock::now() - before, 300ms);
  EXPECT_FALSE(silent.readable(0ms)) << "the silent client must not be closed yet";

  const auto got = silent.readUntilClosed(3000ms);
  const auto elapsed = Clock::now() - connectedAt;
  EXPECT_TRUE(got.eof);
  EXPECT_GE(elapsed, 400ms);
  EXPECT_LT(elapsed, 1500ms);
  const auto responses = responsesIn(got.bytes);
  ASSERT_EQ(responses.size(), 1U);
  EXPECT_FALSE(responses[0].ok);
  EXPECT_EQ(responses[0].code, ErrorCode::Timeout);
  EXPECT_TRUE(waitForActive(0));
}

TEST_F(ControlServer, TricklingClientIsClosedAtTheDeadlineNotKeptAliveByEachByte) {
  options_.requestTimeout = 400ms;
  startServer();
  RawClient trickle(options_.socketPath);
  ASSERT_TRUE(trickle.connected());
  const std::string frame = testing::frameOf(Request{});  // 50 bytes: 5 s at 10 bytes/s
  const auto start = Clock::now();
  std::size_t sent = 0;
  while (sent < frame.size() && !trickle.readable(100ms)) {
    if (!trickle.send(frame.substr(sent, 1))) break;
    ++sent;
  }
  const auto got = trickle.readUntilClosed(2000ms);
  const auto elapsed = Clock::now() - start;
  EXPECT_LT(sent, frame.size());
  EXPECT_TRUE(got.eof);
  EXPECT_GE(elapsed, 400ms);
  EXPECT_LT(elapsed, 1500ms);
  const auto responses = responsesIn(got.bytes);
  ASSERT_EQ(responses.size(), 1U);
  EXPECT_EQ(responses[0].code, ErrorCode::Timeout);
  EXPECT_EQ(handler_.statusCalls.load(), 0);
}

TEST_F(ControlServer, GarbageJsonGetsAnErrorAndTheConnectionCloses) {
  startServer();
  RawClient client(options_.socketPath);
  ASSERT_TRUE(client.send(*encodeFrame("{this is not json")));
  const auto got = client.readUntilClosed(2000ms);
  EXPECT_TRUE(got.eof);
  const auto responses = responsesIn(got.bytes);
  ASSERT_EQ(responses.size(), 1U);
  EXPECT_FALSE(responses[0].ok);
  EXPECT_EQ(responses[0].code, ErrorCode::BadRequest);
  EXPECT_THAT(responses[0].error, HasSubstr("not valid JSON"));
}

TEST_F(ControlServer, OversizedFrameIsRefusedFromItsHeader) {
  startServer();
  // Announces 1 MiB and sends none of it: the answer comes from the header alone.
  const auto response = callRaw(options_.socketPath, std::string("\x00\x10\x00\x00", 4), 2000ms);
  ASSERT_TRUE(response) << response.error().message();
  EXPECT_FALSE(response->ok);
  EXPECT_EQ(response->code, ErrorCode::BadRequest);
  EXPECT_THAT(response->error, HasSubstr("exceeds the 65536-byte limit"));
}

TEST_F(ControlServer, OversizedFrameWithItsBodyStillGetsTheError) {
  startServer();
  // The client keeps writing a 1 MiB body the server will never read.
  std::string bytes("\x00\x10\x00\x00", 4);
  bytes += std::string(1 << 20, 'x');
  const auto response = callRaw(options_.socketPath, bytes, 2000ms);
  ASSERT_TRUE(response) << response.error().message();
  EXPECT_EQ(response->code, ErrorCode::BadRequest);
}

TEST_F(ControlServer, WrongVersionAndUnknownCommandAreBadRequests) {
  startServer();
  auto r = callRaw(options_.socketPath, *encodeFrame(R"({"version":2,"command":"status"})"), 2000ms);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->code, ErrorCode::BadRequest);
  EXPECT_THAT(r->error, HasSubstr("version 2"));
  r = callRaw(options_.socketPath, *encodeFrame(R"({"version":1,"command":"halt"})"), 2000ms);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->code, ErrorCode::BadRequest);
  EXPECT_EQ(handler_.statusCalls.load(), 0);
}

TEST_F(ControlServer, DisallowedUidIsRefused) {
  options_.allowedUid = ::geteuid() + 4242;  // a uid that is not ours
  startServer();
  const auto response = callStatus();
  ASSERT_TRUE(response) << response.error().message();
  EXPECT_FALSE(response->ok);
  EXPECT_EQ(response->code, ErrorCode::PermissionDenied);
  EXPECT_THAT(response->error, HasSubstr("uid " + std::to_string(::geteuid())));
  EXPECT_EQ(handler_.statusCalls.load(), 0);
}

// Runs body in a child process as nobody (65534) and returns its exit status.
int runAsNobody(const std::function<int()>& body) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    if (::setresgid(65534, 65534, 65534) != 0 || ::setresuid(65534, 65534, 65534) != 0) _exit(99);
    _exit(body());
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 98;
}

TEST_F(ControlServer, NobodyIsStoppedBySocketModeAndByPeerCredentials) {
  ASSERT_EQ(::geteuid(), 0U) << "this test needs root: it drops to uid 65534 in a child";
  options_.allowedUid = 0;
  startServer();
  ASSERT_EQ(::chmod(dir_.c_str(), 0755), 0);  // let nobody reach the run directory

  // Mode 0600: connect() itself fails with EACCES.
  const int modeRefusal = runAsNobody([this] {
    const auto r = call(options_.socketPath, Request{}, 2000ms);
    return !r && r.error() == std::errc::permission_denied ? 0 : 1;
  });
  EXPECT_EQ(modeRefusal, 0);

  // Even with the mode opened up, SO_PEERCRED says uid 65534 and the server refuses.
  ASSERT_EQ(::chmod(options_.socketPath.c_str(), 0666), 0);
  const int credRefusal = runAsNobody([this] {
    const auto r = call(options_.socketPath, Request{}, 2000ms);
    if (!r) return 2;
    return !r->ok && r->code == ErrorCode::PermissionDenied &&
                   r->error.find("uid 65534") != std::string::npos
               ? 0
               : 1;
  });
  EXPECT_EQ(credRefusal, 0);
  EXPECT_EQ(handler_.statusCalls.load(), 0);
}

TEST_F(ControlServer, ConcurrentClientLimit) {
  options_.maxClients = 2;
  options_.idleEviction = 60s;  // no eviction here: the limit alone
  startServer();
  RawClient a(options_.socketPath);
  RawClient b(options_.socketPath);
  ASSERT_TRUE(a.connected() && b.connected());
  ASSERT_TRUE(waitForActive(2));

  const auto third = callStatus();
  ASSERT_TRUE(third) << third.error().message();
  EXPECT_FALSE(third->ok);
  EXPECT_EQ(third->code, ErrorCode::Busy);
  EXPECT_EQ(activeClients(), 2U);

  a.close();
  ASSERT_TRUE(waitForActive(1));
  const auto fourth = callStatus();
  ASSERT_TRUE(fourth) << fourth.error().message();
  EXPECT_TRUE(fourth->ok) << fourth->error;
}

TEST_F(ControlServer, WhenFullANewcomerTakesTheSlotOfTheClientIdleLongest) {
  options_.maxClients = 2;
  options_.idleEviction = 1000ms;
  startServer();
  RawClient older(options_.socketPath);
  ASSERT_TRUE(waitForActive(1));
  std::this_thread::sleep_for(50ms);
  RawClient newer(options_.socketPath);
  ASSERT_TRUE(newer.connected() && older.connected());
  ASSERT_TRUE(waitForActive(2));

  // Both silent for less than idleEviction: the newcomer is refused.
  const auto early = callStatus();
  ASSERT_TRUE(early) << early.error().message();
  EXPECT_EQ(early->code, ErrorCode::Busy);

  // Both silent past idleEviction: the one idle longest makes room, at once.
  std::this_thread::sleep_for(1100ms);
  const auto before = Clock::now();
  const auto served = callStatus();
  ASSERT_TRUE(served) << served.error().message();
  EXPECT_TRUE(served->ok) << served->error;
  EXPECT_LT(Clock::now() - before, 300ms);
  const auto evicted = older.readUntilClosed(1000ms);
  EXPECT_TRUE(evicted.eof);
  EXPECT_TRUE(responsesIn(evicted.bytes).empty()) << "an evicted client is closed without an answer";
  EXPECT_FALSE(newer.readable(0ms)) << "only the longest idle client is evicted";
}

TEST_F(ControlServer, AClientWithARequestInFlightIsNeverEvicted) {
  options_.maxClients = 1;
  options_.idleEviction = 100ms;
  std::atomic<int> failovers{0};
  std::vector<Handler::FailoverDone> pending;  // never completed: the request stays in flight
  handler_.onFailover = [&](const FailoverRequest&, Handler::FailoverDone done) {
    pending.push_back(std::move(done));
    ++failovers;
  };
  startServer();
  RawClient waiting(options_.socketPath);
  ASSERT_TRUE(waitForActive(1));
  ASSERT_TRUE(waiting.send(*encodeFrame(R"({"version":1,"command":"failover"})")));
  const auto deadline = Clock::now() + 2s;
  while (failovers.load() == 0 && Clock::now() < deadline) std::this_thread::sleep_for(5ms);
  ASSERT_EQ(failovers.load(), 1);
  std::this_thread::sleep_for(300ms);

  const auto newcomer = callStatus();
  ASSERT_TRUE(newcomer) << newcomer.error().message();
  EXPECT_EQ(newcomer->code, ErrorCode::Busy);
  EXPECT_FALSE(waiting.readable(0ms)) << "the client waiting for its failover keeps its slot";
}

TEST_F(ControlServer, FailoverCompletesAsynchronously) {
  boost::asio::steady_timer later(io_);
  std::optional<FailoverRequest> seen;
  handler_.onFailover = [&](const FailoverRequest& r, Handler::FailoverDone done) {
    seen = r;
    // The transition happens later on the loop; the client waits for it.
    later.expires_after(100ms);
    later.async_wait([done = std::move(done)](const boost::system::error_code&) {
      done(FailoverResult{{{"VI_1", "MASTER", "BACKUP", 100.0, "until failover --clear"}}});
    });
  };
  startServer();
  Request request;
  request.command = Command::Failover;
  request.instance = "VI_1";
  request.holdSeconds = 30;
  const auto start = Clock::now();
  const auto response = call(options_.socketPath, request, 2000ms);
  ASSERT_TRUE(response) << response.error().message();
  EXPECT_GE(Clock::now() - start, 100ms);
  ASSERT_TRUE(response->ok) << response->error;
  const auto result = failoverFromJson(response->result);
  ASSERT_TRUE(result) << result.error();
  ASSERT_EQ(result->instances.size(), 1U);
  EXPECT_EQ(result->instances[0].newState, "BACKUP");
  const auto seenRequest = onLoop([&] { return seen; });
  ASSERT_TRUE(seenRequest);
  EXPECT_EQ(seenRequest->instance, "VI_1");
  EXPECT_EQ(seenRequest->hold, std::chrono::seconds(30));
  EXPECT_FALSE(seenRequest->clear);
}

TEST_F(ControlServer, FailoverRefusalIsARefusedError) {
  handler_.onFailover = [](const FailoverRequest& r, Handler::FailoverDone done) {
    done(tl::make_unexpected("no instance " + r.instance.value_or("?")));
  };
  startServer();
  Request request;
  request.command = Command::Failover;
  request.instance = "VI_9";
  const auto response = call(options_.socketPath, request, 2000ms);
  ASSERT_TRUE(response);
  EXPECT_FALSE(response->ok);
  EXPECT_EQ(response->code, ErrorCode::Refused);
  EXPECT_EQ(response->error, "no instance VI_9");
}

TEST_F(ControlServer, HandlerThatNeverCompletesTimesOutAndALateAnswerIsHarmless) {
  options_.handlerTimeout = 200ms;
  Handler::FailoverDone stored;
  handler_.onFailover = [&](const FailoverRequest&, Handler::FailoverDone done) { stored = std::move(done); };
  startServer();
  Request request;
  request.command = Command::Failover;
  const auto response = call(options_.socketPath, request, 2000ms);
  ASSERT_TRUE(response) << response.error().message();
  EXPECT_EQ(response->code, ErrorCode::Timeout);
  // The daemon finishes after all: nothing breaks, the server still serves.
  onLoop([&] {
    stored(FailoverResult{});
    return 0;
  });
  EXPECT_TRUE(callStatus());
}

TEST_F(ControlServer, RefusedReloadCarriesItsErrors) {
  handler_.onReload = [](Handler::ReloadDone done) {
    done(ReloadResult{false, {"b.conf:4:3: priority must be 1..255", "b.conf:9:1: x"}, {}});
  };
  startServer();
  Request request;
  request.command = Command::Reload;
  const auto response = call(options_.socketPath, request, 2000ms);
  ASSERT_TRUE(response);
  EXPECT_FALSE(response->ok);
  EXPECT_EQ(response->code, ErrorCode::Refused);
  EXPECT_EQ(response->error, "configuration refused (2 errors)");
  const auto result = reloadFromJson(response->result);
  ASSERT_TRUE(result) << result.error();
  EXPECT_EQ(result->errors.size(), 2U);
}

TEST_F(ControlServer, PipelinedRequestsOnOneConnectionAreAnsweredInOrder) {
  handler_.snapshot = sampleSnapshot();
  startServer();
  RawClient client(options_.socketPath);
  Request reload;
  reload.command = Command::Reload;
  ASSERT_TRUE(client.send(testing::frameOf(Request{}) + testing::frameOf(reload)));
  std::string bytes;
  while (responsesIn(bytes).size() < 2 && client.readable(2000ms)) {
    char buf[4096];
    const ssize_t n = ::recv(client.fd(), buf, sizeof(buf), 0);
    if (n <= 0) break;
    bytes.append(buf, static_cast<std::size_t>(n));
  }
  const auto responses = responsesIn(bytes);
  ASSERT_EQ(responses.size(), 2U);
  EXPECT_TRUE(statusFromJson(responses[0].result));
  EXPECT_TRUE(reloadFromJson(responses[1].result));
}

TEST(ControlClient, UnreachableDaemonErrors) {
  const auto missing = call("/tmp/havip-no-such-dir/control.sock", Request{}, 500ms);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error(), std::errc::no_such_file_or_directory);
}

TEST_F(ControlServer, ClientTimesOutOnADaemonThatNeverAnswers) {
  handler_.onFailover = [](const FailoverRequest&, Handler::FailoverDone) {};  // drops it
  options_.handlerTimeout = 10s;
  startServer();
  Request request;
  request.command = Command::Failover;
  const auto start = Clock::now();
  const auto response = call(options_.socketPath, request, 300ms);
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error(), std::errc::timed_out);
  EXPECT_LT(Clock::now() - start, 1000ms);
}

TEST_F(ControlServer, ConnectionRefusedWhenNobodyListens) {
  startServer();
  stopServer();
  // Leave a socket file with no listener behind, as after a crash.
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, options_.socketPath.c_str(), sizeof(addr.sun_path) - 1);
  ASSERT_EQ(::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)), 0);
  ::close(fd);
  const auto response = callStatus(500ms);
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error(), std::errc::connection_refused);
}

}  // namespace
}  // namespace havip::control
