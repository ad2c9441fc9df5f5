// Running a tracker's command as a child process without blocking the event
// loop. The real runner (spawn_runner.h) uses posix_spawn and pidfds; the fake
// (fake_process_runner.h) lets tests finish runs by hand.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace havip::track {

struct ProcessOutcome {
  enum class Kind : std::uint8_t {
    Exited,      // code = exit status
    Signaled,    // code = the signal that ended it (not ours)
    TimedOut,    // killed by us at the timeout; code = SIGKILL
    NotStarted,  // could not be executed; code = errno (ENOENT, EACCES, ENOEXEC...)
    Lost,        // reaped by someone else before us (SIGCHLD ignored?); code = errno
  };
  Kind kind = Kind::Exited;
  int code = 0;

  bool success() const { return kind == Kind::Exited && code == 0; }
  // "exit 0", "exit 1", "killed by signal 15 (Terminated)",
  // "timed out, process group killed", "cannot execute: No such file or directory",
  // "exit status lost: No child processes".
  std::string describe() const;
};

// Dropping the handle abandons the run: the process group is killed, the
// child is still reaped (in the background), and `done` never runs.
class RunningProcess {
 public:
  virtual ~RunningProcess() = default;
};

class ProcessRunner {
 public:
  virtual ~ProcessRunner() = default;
  // Runs argv (argv[0] looked up in PATH when it has no '/'; no shell) with
  // stdin, stdout and stderr on /dev/null, in a process group of its own.
  // At `timeout` the whole group gets SIGKILL. `done` runs exactly once on the
  // event loop, never inside run(), unless the handle is dropped first.
  // Precondition: argv is not empty.
  virtual std::unique_ptr<RunningProcess> run(const std::vector<std::string>& argv,
                                              std::chrono::steady_clock::duration timeout,
                                              std::function<void(ProcessOutcome)> done) = 0;
};

}  // namespace havip::track
