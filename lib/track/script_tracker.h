// A vrrp_script: its command (already split as keepalived splits it, run
// without a shell) every `interval`, each run killed with its process group at
// `timeout`; exit 0 is a success, anything else (a non-zero exit, a signal, a
// timeout, a command that cannot be executed) a failure; rise/fall as
// keepalived (RiseFall). A run still going at the next interval makes that
// interval skip, as keepalived's "already running, expect idle - skipping run".
//
// A script that cannot be executed at run time (deleted, made non-executable)
// counts as failing; the reason is logged once at warn, again only if it changes.
//
// At startup keepalived 2.2.7 checks every vrrp_script (check_script_secure,
// check_track_script_secure in vrrp.c): a program it cannot find or access is
// "Disabling track script NAME since not found/accessible", one that is not
// executable is disabled too, and a disabled script is removed from every
// instance's tracking: it neither adds, subtracts nor faults, until a reload.
// havip does the same by default (MissingScript::Disable: state "disabled",
// logged at warn, shown in status). MissingScript::Fail keeps such a script
// and lets it count as failing instead (so weight 0 means FAULT).
//
// Event-loop thread only.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/model.h"
#include "node/clock.h"
#include "track/process_runner.h"
#include "track/tracker.h"

namespace havip::track {

enum class MissingScript : std::uint8_t { Disable, Fail };

struct ScriptTrackerParams {
  std::string name;
  std::vector<std::string> argv;  // argv[0] is the program
  Duration interval = std::chrono::seconds(1);
  Duration timeout = std::chrono::seconds(1);
  int weight = 0;
  bool reverse = false;
  unsigned rise = 1;
  unsigned fall = 1;
  bool initFail = false;  // keepalived's init_fail: start failing, not pending
  MissingScript missingAtStart = MissingScript::Disable;

  // `weight` and `reverse` as the instance tracks it (see TrackerSet).
  static ScriptTrackerParams from(const config::VrrpScript& script, int weight, bool reverse);
};

// keepalived's startup test: the program (looked up in PATH when it has no
// '/') exists, is a regular file and is executable by us. nullopt when fine,
// else why not: "/etc/keepalived/check_memory.sh: No such file or directory".
std::optional<std::string> scriptProblem(const std::string& program);

class ScriptTracker final : public Tracker {
 public:
  ScriptTracker(ScriptTrackerParams params, node::Clock& clock, node::TimerService& timers,
                ProcessRunner& runner);
  // Dropping the tracker abandons a run in flight (its group is killed).
  ~ScriptTracker() override = default;

  // Checks the program (see MissingScript), then runs it at once and every interval.
  void start() override;
  bool running() const { return inFlight_ != nullptr; }
  const ScriptTrackerParams& params() const { return params_; }

 private:
  void tick();
  void onDone(ProcessOutcome outcome);

  ScriptTrackerParams params_;
  node::Clock& clock_;
  ProcessRunner& runner_;
  std::unique_ptr<node::Timer> timer_;
  RiseFall counter_;
  std::unique_ptr<RunningProcess> inFlight_;
  std::optional<std::string> loggedProblem_;  // the cannot-execute reason already logged
};

}  // namespace havip::track
