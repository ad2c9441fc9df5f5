#include "notify_scripts.h"

#include <utility>

#include "log/log.h"

namespace havip::daemon {

void NotifyScripts::onTransition(const config::VrrpInstance& instance, vrrp::State to,
                                 std::uint8_t priority) {
  const auto& n = instance.notify;
  const std::optional<config::Command>* own = nullptr;
  const char* keyword = "";
  const char* state = "";
  switch (to) {
    case vrrp::State::Master: own = &n.master, keyword = "notify_master", state = "MASTER"; break;
    case vrrp::State::Backup: own = &n.backup, keyword = "notify_backup", state = "BACKUP"; break;
    case vrrp::State::Fault: own = &n.fault, keyword = "notify_fault", state = "FAULT"; break;
    case vrrp::State::Init: own = &n.stop, keyword = "notify_stop", state = "STOP"; break;
  }
  if (own && *own) start(instance.name, keyword, (*own)->argv);
  if (n.any) {
    // keepalived's order: the state script first, then `notify TYPE NAME STATE PRIORITY`.
    auto argv = n.any->argv;
    argv.insert(argv.end(), {"INSTANCE", instance.name, state, std::to_string(priority)});
    start(instance.name, "notify", std::move(argv));
  }
}

void NotifyScripts::start(const std::string& instance, const std::string& keyword,
                          std::vector<std::string> argv) {
  auto& log = log::track();
  const auto id = nextId_++;
  std::string shown;
  for (const auto& a : argv) shown += (shown.empty() ? "" : " ") + a;
  log.info("{}: {}: running {}", instance, keyword, shown);
  auto handle = runner_.run(argv, kTimeout, [this, id, instance, keyword](track::ProcessOutcome outcome) {
    if (outcome.success()) {
      log::track().debug("{}: {}: {}", instance, keyword, outcome.describe());
    } else {
      log::track().warn("{}: {}: {}", instance, keyword, outcome.describe());
    }
    running_.erase(id);
    if (running_.empty() && whenIdle_) std::exchange(whenIdle_, nullptr)();
  });
  running_.emplace(id, std::move(handle));
}

void NotifyScripts::whenIdle(std::function<void()> done) {
  if (running_.empty()) {
    done();
    return;
  }
  whenIdle_ = std::move(done);
}

}  // namespace havip::daemon
