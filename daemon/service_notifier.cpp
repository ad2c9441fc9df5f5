#include "service_notifier.h"

#include <systemd/sd-daemon.h>

#include <cstdlib>
#include <ctime>
#include <string>

namespace havip::daemon {

ServiceNotifier::ServiceNotifier() {
  enabled_ = std::getenv("NOTIFY_SOCKET") != nullptr;
  std::uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
    pingInterval_ = std::chrono::microseconds(usec / 2);
  }
}

void ServiceNotifier::ready() {
  if (enabled_) sd_notify(0, "READY=1");
}

void ServiceNotifier::reloading() {
  if (!enabled_) return;
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  auto usec = static_cast<unsigned long long>(ts.tv_sec) * 1000000ULL +
              static_cast<unsigned long long>(ts.tv_nsec) / 1000ULL;
  std::string msg = "RELOADING=1\nMONOTONIC_USEC=" + std::to_string(usec);
  sd_notify(0, msg.c_str());
}

void ServiceNotifier::stopping() {
  if (enabled_) sd_notify(0, "STOPPING=1");
}

void ServiceNotifier::status(std::string_view line) {
  if (!enabled_) return;
  std::string msg = "STATUS=";
  msg.append(line);
  sd_notify(0, msg.c_str());
}

void ServiceNotifier::watchdogPing() {
  if (enabled_) sd_notify(0, "WATCHDOG=1");
}

}  // namespace havip::daemon
