// keepalived's notify scripts of a vrrp_instance (notify_master, _backup,
// _fault, _stop and the generic `notify`), started on the event loop through a
// ProcessRunner when the instance changes state. VRRP never waits for them;
// one still running after kTimeout is killed with its process group (keepalived
// lets them run on; a hung one would otherwise pile up at every transition).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "config/model.h"
#include "track/process_runner.h"
#include "vrrp/router.h"

namespace havip::daemon {

class NotifyScripts {
 public:
  static constexpr std::chrono::seconds kTimeout{60};

  explicit NotifyScripts(track::ProcessRunner& runner) : runner_(runner) {}

  // `to` is the state entered; Init means the instance stopped (notify_stop,
  // and `notify` with STOP). `priority` is what `notify` is told.
  void onTransition(const config::VrrpInstance& instance, vrrp::State to, std::uint8_t priority);

  std::size_t running() const { return running_.size(); }
  // `done` runs once no script is left running (at once if none is).
  void whenIdle(std::function<void()> done);

 private:
  void start(const std::string& instance, const std::string& keyword, std::vector<std::string> argv);

  track::ProcessRunner& runner_;
  std::map<std::uint64_t, std::unique_ptr<track::RunningProcess>> running_;
  std::uint64_t nextId_ = 0;
  std::function<void()> whenIdle_;
};

}  // namespace havip::daemon
