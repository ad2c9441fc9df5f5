#include "track/script_tracker.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include <fmt/format.h>

#include "log/log.h"

namespace havip::track {

namespace {

std::string seconds(Duration d) {
  return fmt::format("{:g} s", std::chrono::duration<double>(d).count());
}

// nullopt when `path` is an executable regular file, else errno-like text.
std::optional<std::string> fileProblem(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return fmt::format("{}: {}", path, std::strerror(errno));
  if (!S_ISREG(st.st_mode)) return fmt::format("{}: not a regular file", path);
  if (::access(path.c_str(), X_OK) != 0) return fmt::format("{}: not executable ({})", path, std::strerror(errno));
  return std::nullopt;
}

}  // namespace

ScriptTrackerParams ScriptTrackerParams::from(const config::VrrpScript& script, int weight,
                                              bool reverse) {
  ScriptTrackerParams p;
  p.name = script.name;
  p.argv = script.argv;
  p.interval = script.interval;
  p.timeout = script.effectiveTimeout();
  p.weight = weight;
  p.reverse = reverse;
  p.rise = script.rise;
  p.fall = script.fall;
  p.initFail = script.initFail;
  return p;
}

std::optional<std::string> scriptProblem(const std::string& program) {
  if (program.empty()) return std::string("empty command");
  if (program.find('/') != std::string::npos) return fileProblem(program);
  const char* path = std::getenv("PATH");
  std::string_view dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
  while (true) {
    const auto colon = dirs.find(':');
    // fmt rather than operator+: GCC 12 warns (-Wrestrict, a false positive) on the latter.
    const auto dir = dirs.substr(0, colon);
    if (!fileProblem(fmt::format("{}/{}", dir.empty() ? std::string_view(".") : dir, program)))
      return std::nullopt;
    if (colon == std::string_view::npos) break;
    dirs.remove_prefix(colon + 1);
  }
  return fmt::format("{}: not found in PATH", program);
}

ScriptTracker::ScriptTracker(ScriptTrackerParams params, node::Clock& clock,
                             node::TimerService& timers, ProcessRunner& runner)
    : Tracker({params.name, TrackerKind::Script, params.weight, params.reverse},
              params.initFail ? TrackerState::Failing : TrackerState::Pending),
      params_(std::move(params)),
      clock_(clock),
      runner_(runner),
      timer_(timers.create([this] { tick(); })),
      counter_(params_.rise, params_.fall, params_.initFail) {
  if (params_.argv.empty()) std::abort();
}

void ScriptTracker::start() {
  if (params_.missingAtStart == MissingScript::Disable) {
    if (const auto problem = scriptProblem(params_.argv[0])) {
      const auto text = fmt::format("disabled at startup: {} (as keepalived: not found/accessible)",
                                    *problem);
      log::track().warn("script {}: {}; it has no effect until a reload", name(), text);
      noteResult(text, clock_.now());
      setState(TrackerState::Disabled, *problem);
      return;
    }
  }
  tick();
}

void ScriptTracker::tick() {
  timer_->arm(clock_.now() + params_.interval);
  if (inFlight_) {
    log::track().debug("script {} is still running, skipping this interval", name());
    return;
  }
  inFlight_ = runner_.run(params_.argv, params_.timeout,
                          [this](ProcessOutcome outcome) { onDone(outcome); });
}

void ScriptTracker::onDone(ProcessOutcome outcome) {
  inFlight_.reset();
  std::string text = outcome.kind == ProcessOutcome::Kind::TimedOut
                         ? fmt::format("timed out after {}, process group killed", seconds(params_.timeout))
                         : outcome.describe();
  if (outcome.kind == ProcessOutcome::Kind::NotStarted) {
    text = fmt::format("cannot execute {}: {}", params_.argv[0], std::strerror(outcome.code));
    if (loggedProblem_ != text) {
      log::track().warn("script {}: {}; counts as failing", name(), text);
      loggedProblem_ = text;
    }
  } else {
    loggedProblem_.reset();
  }
  log::track().debug("script {}: {}", name(), text);
  const bool changed = counter_.record(outcome.success());
  noteResult(text, clock_.now());
  if (changed) setState(counter_.state(), text);
}

}  // namespace havip::track
