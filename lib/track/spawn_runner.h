// The real ProcessRunner: posix_spawn (no shell, no fork of the daemon's
// address space; exec failures such as ENOENT come back as the return value)
// and one pidfd per child (Linux >= 5.3), watched on the io_context.
//
// Why pidfds rather than a SIGCHLD signal_set shared by every tracker: a pidfd
// names exactly one child, so nothing here ever calls waitpid(-1) and steals
// another component's child, there is no signal coalescing to reason about,
// and no process-wide SIGCHLD disposition to own. The child is reaped with
// waitpid(pid, WNOHANG) once its pidfd is readable: it cannot block, and the
// pid cannot be reused while it is unreaped, so kill(-pid) at the timeout
// always hits our process group.
// Requirement on the rest of the daemon: SIGCHLD must not be SIG_IGN and no
// one may waitpid(-1), or our children vanish before we reap them ("lost").
//
// Event-loop thread only. No zombies: every child is reaped, also when its
// handle is dropped (killed, then reaped in the background). Destroying the
// runner kills every process group still running and reaps them before
// returning (bounded: SIGKILL cannot be caught).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <memory>

#include <boost/asio/io_context.hpp>

#include "track/process_runner.h"

namespace havip::track {

class SpawnRunner final : public ProcessRunner {
 public:
  explicit SpawnRunner(boost::asio::io_context& io);
  ~SpawnRunner() override;
  SpawnRunner(const SpawnRunner&) = delete;
  SpawnRunner& operator=(const SpawnRunner&) = delete;

  std::unique_ptr<RunningProcess> run(const std::vector<std::string>& argv,
                                      std::chrono::steady_clock::duration timeout,
                                      std::function<void(ProcessOutcome)> done) override;

  // Children started and not reaped yet (abandoned ones included).
  std::size_t unreaped() const { return children_.size(); }

 private:
  struct Child;
  class Handle;
  void watch(const std::shared_ptr<Child>& child);
  void onExit(const std::shared_ptr<Child>& child);
  std::unique_ptr<RunningProcess> finishEarly(ProcessOutcome outcome,
                                              std::function<void(ProcessOutcome)> done);

  boost::asio::io_context& io_;
  std::uint64_t nextId_ = 0;
  std::map<std::uint64_t, std::shared_ptr<Child>> children_;
};

}  // namespace havip::track
