// The notify protocol is written out here rather than taken from libsystemd:
// linking libsystemd maps it plus libgcrypt, libgpg-error, liblz4, libzstd,
// liblzma and libcap, ~0.9 MB of RSS for three environment variables and one
// sendmsg. systemd documents the protocol as stable for reimplementation
// (sd_notify(3)): one datagram of newline-separated KEY=VALUE lines to the
// AF_UNIX socket named by $NOTIFY_SOCKET, '@' meaning the abstract namespace.
#include "service_notifier.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <ctime>

namespace havip::daemon {
namespace {

// An unsigned decimal filling the whole string, as systemd's safe_atou64 wants.
template <typename T>
std::optional<T> parseUnsigned(const char* text) {
  if (text == nullptr) return std::nullopt;
  std::string_view s(text);
  T value{};
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (s.empty() || ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  return value;
}

// What sd_watchdog_enabled(0, &usec) reports: WATCHDOG_USEC is set, positive,
// and WATCHDOG_PID (when present) names this very process.
std::optional<std::uint64_t> watchdogUsec() {
  auto usec = parseUnsigned<std::uint64_t>(std::getenv("WATCHDOG_USEC"));
  if (!usec || *usec == 0 || *usec == UINT64_MAX) return std::nullopt;
  if (const char* pidText = std::getenv("WATCHDOG_PID")) {
    auto pid = parseUnsigned<std::uint64_t>(pidText);
    if (!pid || *pid == 0) return std::nullopt;
    if (*pid != static_cast<std::uint64_t>(getpid())) return std::nullopt;  // meant for a parent
  }
  return usec;
}

}  // namespace

ServiceNotifier::ServiceNotifier() {
  const char* socket = std::getenv("NOTIFY_SOCKET");
  std::string_view name = socket ? socket : "";
  // Only the AF_UNIX forms; sd_notify's "vsock:" addresses are for VMs, not for us.
  if (name.size() >= 2 && (name.front() == '/' || name.front() == '@') &&
      name.size() < sizeof(sockaddr_un::sun_path)) {
    socketPath_.assign(name);
    if (socketPath_.front() == '@') socketPath_.front() = '\0';
    enabled_ = true;
  }
  if (auto usec = watchdogUsec()) pingInterval_ = std::chrono::microseconds(*usec / 2);
}

void ServiceNotifier::send(std::string_view message) const {
  if (!enabled_) return;
  int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return;  // best effort, as sd_notify: the service runs on regardless
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  socketPath_.copy(addr.sun_path, socketPath_.size());
  // An abstract name is exactly its bytes; a path may leave the NUL out too.
  auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + socketPath_.size());
  ssize_t sent;
  do {
    sent = ::sendto(fd, message.data(), message.size(), MSG_NOSIGNAL,
                    reinterpret_cast<const sockaddr*>(&addr), len);
  } while (sent < 0 && errno == EINTR);
  ::close(fd);
}

void ServiceNotifier::ready() { send("READY=1"); }

void ServiceNotifier::reloading() {
  if (!enabled_) return;
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  auto usec = static_cast<unsigned long long>(ts.tv_sec) * 1000000ULL +
              static_cast<unsigned long long>(ts.tv_nsec) / 1000ULL;
  send("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(usec));
}

void ServiceNotifier::stopping() { send("STOPPING=1"); }

void ServiceNotifier::status(std::string_view line) {
  if (!enabled_) return;
  std::string msg = "STATUS=";
  msg.append(line);
  send(msg);
}

void ServiceNotifier::watchdogPing() { send("WATCHDOG=1"); }

}  // namespace havip::daemon
