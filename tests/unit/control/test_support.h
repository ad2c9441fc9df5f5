// Shared by the control tests: a fake Handler, a server on a real io_context
// running in a thread, a temp dir, and a raw socket client.
#pragma once

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <chrono>
#include <filesystem>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <gtest/gtest.h>

#include "control/protocol.h"
#include "control/server.h"

namespace havip::control::testing {

class FakeHandler : public Handler {
 public:
  StatusSnapshot snapshot;
  std::function<void(const FailoverRequest&, FailoverDone)> onFailover =
      [](const FailoverRequest&, FailoverDone done) { done(FailoverResult{}); };
  std::function<void(ReloadDone)> onReload = [](ReloadDone done) { done(ReloadResult{}); };
  std::atomic<int> statusCalls{0};

  StatusSnapshot status() override {
    ++statusCalls;
    return snapshot;
  }
  void failover(const FailoverRequest& r, FailoverDone done) override { onFailover(r, std::move(done)); }
  void reload(ReloadDone done) override { onReload(std::move(done)); }
};

class ServerFixture : public ::testing::Test {
 protected:
  // Runs f on the io_context's thread and returns its result.
  template <typename F>
  auto onLoop(F f) {
    std::promise<decltype(f())> promise;
    auto future = promise.get_future();
    boost::asio::post(io_, [&] { promise.set_value(f()); });
    return future.get();
  }

  void SetUp() override {
    std::string tmpl = "/tmp/havip-control-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    options_.socketPath = dir_ / "run" / "control.sock";
    options_.allowedUid = ::geteuid();
    options_.requestTimeout = std::chrono::milliseconds(2000);
  }
  void TearDown() override {
    stopServer();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  void startServer() {
    server_ = std::make_unique<Server>(io_, handler_, options_);
    const auto started = server_->start();
    ASSERT_TRUE(started) << started.error().message();
    thread_ = std::thread([this] { io_.run(); });
  }

  void stopServer() {
    if (!thread_.joinable()) return;
    onLoop([this] {
      server_.reset();
      return 0;
    });
    work_.reset();
    io_.stop();
    thread_.join();
  }

  std::size_t activeClients() {
    return onLoop([this] { return server_->activeClients(); });
  }

  // Waits (up to 3 s) until the server counts n clients.
  bool waitForActive(std::size_t n) {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(3);
    while (std::chrono::steady_clock::now() < until) {
      if (activeClients() == n) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return false;
  }

  std::filesystem::path dir_;
  ServerOptions options_;
  FakeHandler handler_;
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_ =
      boost::asio::make_work_guard(io_);
  std::unique_ptr<Server> server_;
  std::thread thread_;
};

// A client that does exactly what a test says, byte by byte if need be.
class RawClient {
 public:
  explicit RawClient(const std::filesystem::path& path) {
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
    connected_ = ::connect(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) == 0;
  }
  ~RawClient() { close(); }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  bool connected() const { return connected_; }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  bool send(std::string_view bytes) {
    return ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(bytes.size());
  }
  // True if something (data or EOF) can be read within timeout.
  bool readable(std::chrono::milliseconds timeout) {
    pollfd p{fd_, POLLIN, 0};
    return ::poll(&p, 1, static_cast<int>(timeout.count())) == 1;
  }
  struct Received {
    std::string bytes;
    bool eof = false;  // the server closed (EOF or reset) within the timeout
  };
  Received readUntilClosed(std::chrono::milliseconds timeout) {
    Received r;
    const auto until = std::chrono::steady_clock::now() + timeout;
    char buf[4096];
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          until - std::chrono::steady_clock::now());
      if (left.count() <= 0 || !readable(left)) return r;
      const ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
      if (n <= 0) {
        r.eof = true;
        return r;
      }
      r.bytes.append(buf, static_cast<std::size_t>(n));
    }
  }
  int fd() const { return fd_; }

 private:
  int fd_ = -1;
  bool connected_ = false;
};

// Every complete response frame in bytes, decoded.
inline std::vector<Response> responsesIn(const std::string& bytes) {
  FrameDecoder decoder;
  std::vector<Response> out;
  auto frames = decoder.feed(bytes);
  EXPECT_TRUE(frames) << "undecodable bytes from the server";
  if (!frames) return out;
  for (const auto& f : *frames) {
    auto r = decodeResponse(f);
    EXPECT_TRUE(r) << "undecodable response: " << f;
    if (r) out.push_back(*r);
  }
  return out;
}

inline std::string frameOf(const Request& r) { return *encodeFrame(encodeRequest(r)); }

}  // namespace havip::control::testing
