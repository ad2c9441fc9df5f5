// Tells the service manager what havipd is doing, speaking sd_notify(3)'s
// datagram protocol itself. Without a usable NOTIFY_SOCKET in the environment
// every call is a cheap no-op, so the same binary runs under systemd, by hand
// and in tests.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace havip::daemon {

class ServiceNotifier {
 public:
  ServiceNotifier();

  void ready();
  void reloading();  // RELOADING=1 plus MONOTONIC_USEC, as systemd asks for Type=notify-reload
  void stopping();
  void status(std::string_view line);  // STATUS=: one line, shown by systemctl status
  void watchdogPing();

  // Half of WatchdogSec= when the watchdog is enabled for this process.
  std::optional<std::chrono::microseconds> watchdogPingInterval() const { return pingInterval_; }
  bool underSystemd() const { return enabled_; }

 private:
  void send(std::string_view message) const;

  bool enabled_ = false;
  // sun_path bytes of NOTIFY_SOCKET; an abstract name starts with '\0'.
  std::string socketPath_;
  std::optional<std::chrono::microseconds> pingInterval_;
};

}  // namespace havip::daemon
