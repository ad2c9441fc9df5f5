// The real Asio probers against servers this test starts on 127.0.0.1 (ports
// chosen by the kernel), all on one io_context: what keepalived's TCP_CHECK
// and HTTP_GET would see, plus hangs, garbage, endless bodies, cancellation,
// and proof that a hanging probe never blocks the loop.
#include "check/asio_prober.h"

#include <unistd.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/buffers_iterator.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace havip::check {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using namespace std::chrono_literals;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using SteadyClock = std::chrono::steady_clock;

const auto kLoopback = *net::Ipv4Address::parse("127.0.0.1");

using Behaviour = std::function<void(std::shared_ptr<tcp::socket>)>;

// Accepts on 127.0.0.1:<ephemeral> and hands every connection to `behaviour`.
class TestServer {
 public:
  TestServer(asio::io_context& io, Behaviour behaviour)
      : io_(io), acceptor_(io, tcp::endpoint(asio::ip::make_address_v4("127.0.0.1"), 0)),
        behaviour_(std::make_shared<Behaviour>(std::move(behaviour))) {
    accept();
  }
  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }

 private:
  void accept() {
    auto s = std::make_shared<tcp::socket>(io_);
    acceptor_.async_accept(*s, [this, s, b = behaviour_](const error_code& ec) {
      if (ec) return;
      (*b)(s);
      accept();
    });
  }
  asio::io_context& io_;
  tcp::acceptor acceptor_;
  std::shared_ptr<Behaviour> behaviour_;
};

// Reads the request head, then runs `then` with what was read.
void readRequest(std::shared_ptr<tcp::socket> s, std::function<void(std::string)> then) {
  auto buf = std::make_shared<asio::streambuf>();
  asio::async_read_until(*s, *buf, "\r\n\r\n", [s, buf, then](const error_code& ec, std::size_t n) {
    if (ec) return;
    const auto begin = asio::buffers_begin(buf->data());
    then(std::string(begin, begin + static_cast<std::ptrdiff_t>(n)));
  });
}

Behaviour reply(std::string response, std::shared_ptr<std::string> captured = nullptr) {
  return [response, captured](std::shared_ptr<tcp::socket> s) {
    readRequest(s, [s, response, captured](std::string request) {
      if (captured) *captured = request;
      auto out = std::make_shared<std::string>(response);
      asio::async_write(*s, asio::buffer(*out), [s, out](const error_code&, std::size_t) {
        error_code ignored;
        s->shutdown(tcp::socket::shutdown_both, ignored);
        s->close(ignored);
      });
    });
  };
}

// Sends `head` then `chunk` again and again until the peer goes away.
void pour(std::shared_ptr<tcp::socket> s, std::shared_ptr<const std::string> chunk,
          std::shared_ptr<std::size_t> sent) {
  asio::async_write(*s, asio::buffer(*chunk), [s, chunk, sent](const error_code& ec, std::size_t n) {
    *sent += n;
    if (!ec) pour(s, chunk, sent);
  });
}

Behaviour endless(std::string head, std::string chunk, std::shared_ptr<std::size_t> sent) {
  return [head, chunk = std::make_shared<const std::string>(std::move(chunk)), sent](std::shared_ptr<tcp::socket> s) {
    readRequest(s, [s, head, chunk, sent](std::string) {
      auto h = std::make_shared<std::string>(head);
      asio::async_write(*s, asio::buffer(*h), [s, h, chunk, sent](const error_code& ec, std::size_t) {
        if (!ec) pour(s, chunk, sent);
      });
    });
  };
}

// Accepts and keeps the connection open without a word.
Behaviour silent(std::shared_ptr<std::vector<std::shared_ptr<tcp::socket>>> held) {
  return [held](std::shared_ptr<tcp::socket> s) { held->push_back(s); };
}

config::HttpUrl url(std::string path, std::optional<std::string> digest = std::nullopt,
                    std::vector<config::StatusCodeRange> codes = {}) {
  return config::HttpUrl{std::move(path), std::move(digest), std::move(codes), {}};
}

ProbeTarget target(config::CheckType type, std::uint16_t port, Duration timeout = 2s,
                   std::vector<config::HttpUrl> urls = {}) {
  ProbeTarget t;
  t.type = type;
  t.address = kLoopback;
  t.port = port;
  t.connectTimeout = timeout;
  t.urls = std::move(urls);
  return t;
}

std::uint16_t closedPort(asio::io_context& io) {
  tcp::acceptor a(io, tcp::endpoint(asio::ip::make_address_v4("127.0.0.1"), 0));
  return a.local_endpoint().port();  // closed when `a` goes
}

std::size_t residentBytes() {
  std::ifstream statm("/proc/self/statm");
  std::size_t pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
}

// Peak resident memory since the last resetPeakResident() (VmHWM), so memory
// allocated and freed during a probe still counts.
bool resetPeakResident() {
  std::ofstream clear("/proc/self/clear_refs");
  clear << "5";
  return static_cast<bool>(clear.flush());
}

std::size_t peakResidentBytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stoul(line.substr(6)) * 1024;
  }
  return 0;
}

class AsioProberTest : public ::testing::Test {
 protected:
  // Runs the loop until the probe answers (at most 10 s).
  ProbeResult run(Prober& p, std::size_t urlIndex = 0) {
    std::optional<ProbeResult> r;
    p.probe(urlIndex, [&](ProbeResult x) { r = std::move(x); });
    EXPECT_FALSE(r) << "answered inside probe()";
    const auto limit = SteadyClock::now() + 10s;
    io.restart();
    while (!r && SteadyClock::now() < limit) io.run_one_for(100ms);
    if (!r) ADD_FAILURE() << "no answer within 10 s";
    return r.value_or(ProbeResult{false, "no answer"});
  }
  void spin(Duration d) {
    io.restart();
    io.run_for(d);
  }

  asio::io_context io;
  AsioProberFactory factory{io};
};

TEST_F(AsioProberTest, TcpConnectToAListenerPasses) {
  auto held = std::make_shared<std::vector<std::shared_ptr<tcp::socket>>>();
  TestServer server(io, silent(held));
  auto p = factory.create(target(config::CheckType::Tcp, server.port()));
  const auto r = run(*p);
  EXPECT_TRUE(r.ok) << r.detail;
  EXPECT_EQ(r.detail, "TCP connect to 127.0.0.1:" + std::to_string(server.port()) + ": connected");
}

TEST_F(AsioProberTest, TcpConnectToAClosedPortIsRefused) {
  const auto port = closedPort(io);
  auto p = factory.create(target(config::CheckType::Tcp, port));
  const auto r = run(*p);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.detail, "TCP connect to 127.0.0.1:" + std::to_string(port) + ": connection refused");
}

// A listener whose accept queue is full drops further SYNs: the connect
// hangs, and only the deadline ends it.
TEST_F(AsioProberTest, TcpConnectThatHangsTimesOutAtConnectTimeout) {
  tcp::acceptor full(io);
  full.open(tcp::v4());
  full.bind(tcp::endpoint(asio::ip::make_address_v4("127.0.0.1"), 0));
  full.listen(0);
  const tcp::endpoint ep = full.local_endpoint();
  std::vector<std::unique_ptr<tcp::socket>> fillers;
  for (int i = 0; i < 4; ++i) {
    fillers.push_back(std::make_unique<tcp::socket>(io));
    fillers.back()->async_connect(ep, [](const error_code&) {});
  }
  spin(300ms);
  auto p = factory.create(target(config::CheckType::Tcp, ep.port(), 400ms));
  const auto begin = SteadyClock::now();
  const auto r = run(*p);
  const auto took = SteadyClock::now() - begin;
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.detail, "TCP connect to 127.0.0.1:" + std::to_string(ep.port()) + ": timed out after 400 ms");
  EXPECT_GE(took, 400ms);
  EXPECT_LT(took, 900ms);
}

TEST_F(AsioProberTest, HttpGetSendsKeepalivedsRequestAndPassesOn200) {
  auto request = std::make_shared<std::string>();
  TestServer server(io, reply("HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\n<h1>Noeud1</h1>", request));
  auto p = factory.create(target(config::CheckType::Http, server.port(), 2s, {url("/index.html")}));
  const auto r = run(*p);
  EXPECT_TRUE(r.ok) << r.detail;
  const std::string port = std::to_string(server.port());
  EXPECT_EQ(r.detail, "HTTP GET http://127.0.0.1:" + port + "/index.html: status 200");
  EXPECT_EQ(*request, "GET /index.html HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nHost: 127.0.0.1:" + port +
                          "\r\n\r\n");
}

TEST_F(AsioProberTest, HttpGet500FailsWithTheDefaultCodes) {
  TestServer server(io, reply("HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n"));
  auto p = factory.create(target(config::CheckType::Http, server.port(), 2s, {url("/")}));
  const auto r = run(*p);
  EXPECT_FALSE(r.ok);
  EXPECT_THAT(r.detail, HasSubstr(": status 500 not in 200-299"));
}

TEST_F(AsioProberTest, HttpGetHonoursTheConfiguredStatusCodes) {
  TestServer server500(io, reply("HTTP/1.1 500 Oops\r\n\r\n"));
  auto accepts500 = factory.create(target(config::CheckType::Http, server500.port(), 2s, {url("/", {}, {{500, 500}})}));
  EXPECT_TRUE(run(*accepts500).ok);

  TestServer server200(io, reply("HTTP/1.1 200 OK\r\n\r\nfine"));
  auto wantsRedirect =
      factory.create(target(config::CheckType::Http, server200.port(), 2s, {url("/", {}, {{301, 302}})}));
  const auto r = run(*wantsRedirect);
  EXPECT_FALSE(r.ok);
  EXPECT_THAT(r.detail, HasSubstr("status 200 not in 301-302"));
}

TEST_F(AsioProberTest, HttpGetDigestMatchAndMismatch) {
  // RFC 1321's vector: MD5("abc").
  TestServer server(io, reply("HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nabc"));
  auto good = factory.create(
      target(config::CheckType::Http, server.port(), 2s, {url("/", "900150983cd24fb0d6963f7d28e17f72")}));
  const auto ok = run(*good);
  EXPECT_TRUE(ok.ok) << ok.detail;
  EXPECT_THAT(ok.detail, HasSubstr("status 200, digest ok"));

  auto bad = factory.create(
      target(config::CheckType::Http, server.port(), 2s, {url("/", "00000000000000000000000000000000")}));
  const auto ko = run(*bad);
  EXPECT_FALSE(ko.ok);
  EXPECT_THAT(ko.detail, HasSubstr("digest 900150983cd24fb0d6963f7d28e17f72 does not match "
                                   "00000000000000000000000000000000"));
}

TEST_F(AsioProberTest, HttpGetProbesTheUrlItIsAskedFor) {
  auto request = std::make_shared<std::string>();
  TestServer server(io, reply("HTTP/1.0 200 OK\r\n\r\n", request));
  auto p = factory.create(target(config::CheckType::Http, server.port(), 2s, {url("/a"), url("/b")}));
  EXPECT_TRUE(run(*p, 1).ok);
  EXPECT_THAT(*request, StartsWith("GET /b HTTP/1.0\r\n"));
  const auto r = run(*p, 2);
  EXPECT_FALSE(r.ok);
  EXPECT_THAT(r.detail, HasSubstr("no such url"));
}

TEST_F(AsioProberTest, HttpGetToAClosedPortFailsAtConnect) {
  const auto port = closedPort(io);
  auto p = factory.create(target(config::CheckType::Http, port, 2s, {url("/")}));
  const auto r = run(*p);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.detail, "HTTP GET http://127.0.0.1:" + std::to_string(port) + "/: connect: connection refused");
}

// The listener accepts and never answers: the probe ends at connect_timeout,
// and meanwhile the loop keeps serving a timer on time.
TEST_F(AsioProberTest, SilentServerTimesOutWithoutBlockingTheLoop) {
  auto held = std::make_shared<std::vector<std::shared_ptr<tcp::socket>>>();
  TestServer server(io, silent(held));
  auto p = factory.create(target(config::CheckType::Http, server.port(), 600ms, {url("/")}));

  const auto begin = SteadyClock::now();
  std::vector<Duration> lateness;
  asio::steady_timer ticker(io);
  std::function<void(int)> tick = [&](int n) {
    ticker.expires_at(begin + (n + 1) * 100ms);
    ticker.async_wait([&, n](const error_code& ec) {
      if (ec) return;
      lateness.push_back(SteadyClock::now() - (begin + (n + 1) * 100ms));
      if (n < 4) tick(n + 1);
    });
  };
  tick(0);

  const auto r = run(*p);
  const auto took = SteadyClock::now() - begin;
  EXPECT_FALSE(r.ok);
  EXPECT_THAT(r.detail, HasSubstr(": timed out after 600 ms (reading response)"));
  EXPECT_GE(took, 600ms);
  EXPECT_LT(took, 1100ms);
  ASSERT_EQ(lateness.size(), 5u);  // all five ticks fired while the probe hung
  for (auto late : lateness) EXPECT_LT(late, 50ms);
  EXPECT_EQ(held->size(), 1u);
}

TEST_F(AsioProberTest, GarbageResponseFails) {
  TestServer server(io, reply("SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n"));
  auto p = factory.create(target(config::CheckType::Http, server.port(), 2s, {url("/")}));
  const auto r = run(*p);
  EXPECT_FALSE(r.ok);
  EXPECT_THAT(r.detail, HasSubstr(": malformed status line"));
}

TEST_F(AsioProberTest, EmptyResponseFails) {
  TestServer server(io, reply(""));
  auto p = factory.create(target(config::CheckType::Http, server.port(), 2s, {url("/")}));
  const auto r = run(*p);
  EXPECT_FALSE(r.ok);
  EXPECT_THAT(r.detail, HasSubstr(": connection closed with no response"));
}

TEST_F(AsioProberTest, EndlessHeaderNoiseFailsAtTheHeaderLimit) {
  auto sent = std::make_shared<std::size_t>(0);
  TestServer server(io, endless("", std::string(1024, 'x'), sent));
  auto p = factory.create(target(config::CheckType::Http, server.port(), 2s, {url("/")}));
  const auto r = run(*p);
  EXPECT_FALSE(r.ok);
  EXPECT_THAT(r.detail, HasSubstr(": response headers exceed 4096 bytes"));
}

// A body that never ends fails at the body limit (4 MiB by default) while the
// prober's memory stays flat: it hashes and forgets.
TEST_F(AsioProberTest, EndlessBodyFailsWithBoundedMemory) {
  auto sent = std::make_shared<std::size_t>(0);
  TestServer server(io, endless("HTTP/1.0 200 OK\r\n\r\n", std::string(64 * 1024, 'y'), sent));
  auto p = factory.create(
      target(config::CheckType::Http, server.port(), 5s, {url("/", "900150983cd24fb0d6963f7d28e17f72")}));
  // The first run pays one-time costs (libcrypto pages, malloc arenas); the
  // second shows what a probe itself keeps.
  const auto warm = run(*p);
  EXPECT_FALSE(warm.ok);
  EXPECT_THAT(warm.detail, HasSubstr(": response body exceeds 4194304 bytes"));
  *sent = 0;
  ASSERT_TRUE(resetPeakResident()) << "cannot reset VmHWM through /proc/self/clear_refs";
  const auto before = residentBytes();
  const auto r = run(*p);
  const auto after = peakResidentBytes();
  ASSERT_GT(after, 0u) << "no VmHWM in /proc/self/status";
  EXPECT_FALSE(r.ok);
  EXPECT_THAT(r.detail, HasSubstr(": response body exceeds 4194304 bytes"));
  EXPECT_GT(*sent, std::size_t{4} << 20);
  EXPECT_LT(after - std::min(after, before), std::size_t{1} << 20) << "peak resident memory grew during the probe";
}

TEST_F(AsioProberTest, SmallerBodyLimitFromTheFactory) {
  AsioProberFactory strict(io, HttpLimits{.maxHeaderBytes = 4096, .maxBodyBytes = 100});
  TestServer server(io, reply("HTTP/1.0 200 OK\r\n\r\n" + std::string(101, 'z')));
  auto p = strict.create(target(config::CheckType::Http, server.port(), 2s, {url("/")}));
  const auto r = run(*p);
  EXPECT_FALSE(r.ok);
  EXPECT_THAT(r.detail, HasSubstr("response body exceeds 100 bytes"));
}

TEST_F(AsioProberTest, DestroyingTheProberMidProbeNeverCallsBack) {
  auto held = std::make_shared<std::vector<std::shared_ptr<tcp::socket>>>();
  TestServer server(io, silent(held));
  bool called = false;
  {
    auto p = factory.create(target(config::CheckType::Http, server.port(), 300ms, {url("/")}));
    p->probe(0, [&](ProbeResult) { called = true; });
    spin(100ms);  // connected, waiting for the response
    EXPECT_EQ(held->size(), 1u);
  }
  spin(500ms);  // past the deadline the abandoned probe had
  EXPECT_FALSE(called);
}

TEST_F(AsioProberTest, ANewProbeAbandonsTheRunningOne) {
  auto held = std::make_shared<std::vector<std::shared_ptr<tcp::socket>>>();
  TestServer server(io, silent(held));
  auto p = factory.create(target(config::CheckType::Tcp, server.port()));
  int first = 0;
  p->probe(0, [&](ProbeResult) { ++first; });
  const auto r = run(*p);
  EXPECT_TRUE(r.ok);
  spin(100ms);
  EXPECT_EQ(first, 0);
}

TEST_F(AsioProberTest, TheCallbackMayDestroyItsProber) {
  auto held = std::make_shared<std::vector<std::shared_ptr<tcp::socket>>>();
  TestServer server(io, silent(held));
  auto p = factory.create(target(config::CheckType::Tcp, server.port()));
  std::optional<ProbeResult> r;
  p->probe(0, [&](ProbeResult x) {
    r = std::move(x);
    p.reset();
  });
  const auto limit = SteadyClock::now() + 5s;
  while (!r && SteadyClock::now() < limit) io.run_one_for(100ms);
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->ok);
  EXPECT_EQ(p, nullptr);
  spin(50ms);
}

}  // namespace
}  // namespace havip::check
