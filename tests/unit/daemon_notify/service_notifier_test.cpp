// ServiceNotifier against a socket the test binds itself, standing in for
// systemd's notify socket: the datagrams must be what sd_notify(3) describes.
#include "service_notifier.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstddef>
#include <cstdlib>
#include <string>

namespace havip::daemon {
namespace {

// Clears the variables the notifier reads, so each test states its own.
class ServiceNotifierTest : public ::testing::Test {
 protected:
  void SetUp() override { clearEnv(); }
  void TearDown() override {
    clearEnv();
    if (fd_ >= 0) ::close(fd_);
    if (!path_.empty() && path_[0] != '\0') ::unlink(path_.c_str());
  }
  static void clearEnv() {
    ::unsetenv("NOTIFY_SOCKET");
    ::unsetenv("WATCHDOG_USEC");
    ::unsetenv("WATCHDOG_PID");
  }

  // Binds a datagram socket at `sunPath` (leading '\0' = abstract name).
  void bindAt(const std::string& sunPath) {
    path_ = sunPath;
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ASSERT_GE(fd_, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    ASSERT_LT(sunPath.size(), sizeof(addr.sun_path));
    sunPath.copy(addr.sun_path, sunPath.size());
    auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + sunPath.size());
    ASSERT_EQ(::bind(fd_, reinterpret_cast<const sockaddr*>(&addr), len), 0) << errno;
  }

  // The next datagram, or "<none>" when nothing arrives within a second.
  std::string receive() {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 1000) != 1) return "<none>";
    char buf[512];
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    return n < 0 ? "<error>" : std::string(buf, static_cast<std::size_t>(n));
  }

  bool nothingQueued() {
    pollfd p{fd_, POLLIN, 0};
    return ::poll(&p, 1, 0) == 0;
  }

  int fd_ = -1;
  std::string path_;
};

std::string abstractName() { return "havip-notify-test-" + std::to_string(::getpid()); }

TEST_F(ServiceNotifierTest, AbstractSocketReceivesEachStateAsOneDatagram) {
  bindAt(std::string(1, '\0') + abstractName());
  ::setenv("NOTIFY_SOCKET", ("@" + abstractName()).c_str(), 1);
  ServiceNotifier n;
  EXPECT_TRUE(n.underSystemd());
  n.ready();
  EXPECT_EQ(receive(), "READY=1");
  n.status("VI_1 MASTER");
  EXPECT_EQ(receive(), "STATUS=VI_1 MASTER");
  n.watchdogPing();
  EXPECT_EQ(receive(), "WATCHDOG=1");
  n.stopping();
  EXPECT_EQ(receive(), "STOPPING=1");
}

TEST_F(ServiceNotifierTest, PathSocketWorksToo) {
  std::string path = "/tmp/havip-notify-test-" + std::to_string(::getpid()) + ".sock";
  ::unlink(path.c_str());
  bindAt(path);
  ::setenv("NOTIFY_SOCKET", path.c_str(), 1);
  ServiceNotifier n;
  n.ready();
  EXPECT_EQ(receive(), "READY=1");
}

TEST_F(ServiceNotifierTest, ReloadingCarriesTheMonotonicClock) {
  bindAt(std::string(1, '\0') + abstractName());
  ::setenv("NOTIFY_SOCKET", ("@" + abstractName()).c_str(), 1);
  timespec before{};
  clock_gettime(CLOCK_MONOTONIC, &before);
  ServiceNotifier n;
  n.reloading();
  std::string got = receive();
  const std::string prefix = "RELOADING=1\nMONOTONIC_USEC=";
  ASSERT_EQ(got.substr(0, prefix.size()), prefix) << got;
  std::string digits = got.substr(prefix.size());
  ASSERT_FALSE(digits.empty());
  ASSERT_EQ(digits.find_first_not_of("0123456789"), std::string::npos) << got;
  auto usec = std::stoull(digits);
  auto beforeUsec = static_cast<unsigned long long>(before.tv_sec) * 1000000ULL +
                    static_cast<unsigned long long>(before.tv_nsec) / 1000ULL;
  EXPECT_GE(usec, beforeUsec);
  EXPECT_LT(usec, beforeUsec + 10'000'000ULL);
}

TEST_F(ServiceNotifierTest, WithoutNotifySocketNothingIsSent) {
  bindAt(std::string(1, '\0') + abstractName());
  ServiceNotifier n;
  EXPECT_FALSE(n.underSystemd());
  n.ready();
  n.status("x");
  EXPECT_TRUE(nothingQueued());
}

TEST_F(ServiceNotifierTest, RelativeNotifySocketIsIgnored) {
  ::setenv("NOTIFY_SOCKET", "relative.sock", 1);
  ServiceNotifier n;
  EXPECT_FALSE(n.underSystemd());
}

TEST_F(ServiceNotifierTest, WatchdogIntervalIsHalfOfWatchdogUsec) {
  ::setenv("WATCHDOG_USEC", "3000000", 1);
  ::setenv("WATCHDOG_PID", std::to_string(::getpid()).c_str(), 1);
  ServiceNotifier n;
  ASSERT_TRUE(n.watchdogPingInterval().has_value());
  EXPECT_EQ(n.watchdogPingInterval()->count(), 1500000);
}

TEST_F(ServiceNotifierTest, WatchdogWithoutPidAppliesToUs) {
  ::setenv("WATCHDOG_USEC", "1000", 1);
  ServiceNotifier n;
  ASSERT_TRUE(n.watchdogPingInterval().has_value());
  EXPECT_EQ(n.watchdogPingInterval()->count(), 500);
}

TEST_F(ServiceNotifierTest, WatchdogForAnotherPidIsNotOurs) {
  ::setenv("WATCHDOG_USEC", "3000000", 1);
  ::setenv("WATCHDOG_PID", std::to_string(::getpid() + 1).c_str(), 1);
  ServiceNotifier n;
  EXPECT_FALSE(n.watchdogPingInterval().has_value());
}

TEST_F(ServiceNotifierTest, MalformedWatchdogValuesDisableIt) {
  for (const char* bad : {"", "0", "12abc", "-5", "99999999999999999999999"}) {
    ::setenv("WATCHDOG_USEC", bad, 1);
    ServiceNotifier n;
    EXPECT_FALSE(n.watchdogPingInterval().has_value()) << '"' << bad << '"';
  }
  ::unsetenv("WATCHDOG_USEC");
  ServiceNotifier none;
  EXPECT_FALSE(none.watchdogPingInterval().has_value());
}

}  // namespace
}  // namespace havip::daemon
