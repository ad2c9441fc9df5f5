#include "track/spawn_runner.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>

#include <boost/asio/post.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

#include "log/log.h"

extern char** environ;

namespace havip::track {

struct SpawnRunner::Child {
  Child(boost::asio::io_context& io, std::uint64_t childId, pid_t childPid, int fd)
      : id(childId), pid(childPid), pidfd(io, fd), timer(io) {}
  std::uint64_t id;
  pid_t pid;
  boost::asio::posix::stream_descriptor pidfd;
  boost::asio::steady_timer timer;
  std::function<void(ProcessOutcome)> done;  // empty once abandoned
  bool timedOut = false;
  bool reaped = false;  // from then on the pid may belong to someone else
};

// For runs that ended before they started: the outcome is posted, and
// dropping the handle first cancels it like any other abandoned run.
class PostedHandle final : public RunningProcess {
 public:
  explicit PostedHandle(std::shared_ptr<bool> abandoned) : abandoned_(std::move(abandoned)) {}
  ~PostedHandle() override { *abandoned_ = true; }

 private:
  std::shared_ptr<bool> abandoned_;
};

class SpawnRunner::Handle final : public RunningProcess {
 public:
  explicit Handle(std::weak_ptr<Child> child) : child_(std::move(child)) {}
  ~Handle() override {
    if (auto c = child_.lock(); c && !c->reaped) {
      // Still unreaped, so the pid (and its group id) is still ours.
      c->done = nullptr;
      ::kill(-c->pid, SIGKILL);
    }
  }

 private:
  std::weak_ptr<Child> child_;
};

namespace {

// RAII for the posix_spawn attribute objects.
struct SpawnSetup {
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  int error = 0;

  SpawnSetup() {
    ::posix_spawn_file_actions_init(&actions);
    ::posix_spawnattr_init(&attr);
    add(::posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0));
    add(::posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0));
    add(::posix_spawn_file_actions_adddup2(&actions, 1, 2));
    // The daemon's sockets should all be O_CLOEXEC; this makes sure.
    add(::posix_spawn_file_actions_addclosefrom_np(&actions, 3));
    // A group of its own, so the timeout kills what the script started too.
    add(::posix_spawnattr_setpgroup(&attr, 0));
    // Nothing blocked, every signal at its default: the daemon may ignore
    // SIGPIPE or block signals for its signal_set, the script must not inherit that.
    sigset_t none;
    sigemptyset(&none);
    add(::posix_spawnattr_setsigmask(&attr, &none));
    sigset_t all;
    sigfillset(&all);
    sigdelset(&all, SIGKILL);
    sigdelset(&all, SIGSTOP);
    add(::posix_spawnattr_setsigdefault(&attr, &all));
    add(::posix_spawnattr_setflags(
        &attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF));
  }
  ~SpawnSetup() {
    ::posix_spawn_file_actions_destroy(&actions);
    ::posix_spawnattr_destroy(&attr);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;

  void add(int rc) {
    if (rc != 0 && error == 0) error = rc;
  }
};

ProcessOutcome outcomeOf(int status, bool timedOut) {
  if (WIFEXITED(status)) return {ProcessOutcome::Kind::Exited, WEXITSTATUS(status)};
  if (timedOut) return {ProcessOutcome::Kind::TimedOut, WTERMSIG(status)};
  return {ProcessOutcome::Kind::Signaled, WIFSIGNALED(status) ? WTERMSIG(status) : 0};
}

// Through syscall(2): glibc 2.36's <sys/pidfd.h> lacks extern "C" for C++.
int openPidfd(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0u)); }

void killAndReap(pid_t pid) {
  ::kill(-pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
}

}  // namespace

SpawnRunner::SpawnRunner(boost::asio::io_context& io) : io_(io) {}

SpawnRunner::~SpawnRunner() {
  for (auto& [id, child] : children_) {
    child->done = nullptr;
    killAndReap(child->pid);
  }
  children_.clear();
}

std::unique_ptr<RunningProcess> SpawnRunner::finishEarly(ProcessOutcome outcome,
                                                         std::function<void(ProcessOutcome)> done) {
  auto abandoned = std::make_shared<bool>(false);
  boost::asio::post(io_, [outcome, abandoned, done = std::move(done)] {
    if (!*abandoned) done(outcome);
  });
  return std::make_unique<PostedHandle>(abandoned);
}

std::unique_ptr<RunningProcess> SpawnRunner::run(const std::vector<std::string>& argv,
                                                 std::chrono::steady_clock::duration timeout,
                                                 std::function<void(ProcessOutcome)> done) {
  if (argv.empty()) std::abort();
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);

  SpawnSetup setup;
  if (setup.error != 0) {
    return finishEarly({ProcessOutcome::Kind::NotStarted, setup.error}, std::move(done));
  }
  pid_t pid = -1;
  const bool searchPath = argv[0].find('/') == std::string::npos;
  const int rc = searchPath
                     ? ::posix_spawnp(&pid, args[0], &setup.actions, &setup.attr, args.data(), environ)
                     : ::posix_spawn(&pid, args[0], &setup.actions, &setup.attr, args.data(), environ);
  if (rc != 0) {
    return finishEarly({ProcessOutcome::Kind::NotStarted, rc}, std::move(done));
  }

  const int fd = openPidfd(pid);
  if (fd < 0) {
    // Linux < 5.3, or out of descriptors: we cannot watch it without blocking.
    const int err = errno;
    log::track().error("pidfd_open for {} (pid {}) failed: {}", argv[0], pid, std::strerror(err));
    killAndReap(pid);
    return finishEarly({ProcessOutcome::Kind::NotStarted, err}, std::move(done));
  }

  auto child = std::make_shared<Child>(io_, nextId_++, pid, fd);
  child->done = std::move(done);
  children_.emplace(child->id, child);
  log::track().debug("started {} as pid {}", argv[0], pid);

  child->timer.expires_after(timeout);
  child->timer.async_wait([weak = std::weak_ptr<Child>(child)](const boost::system::error_code& ec) {
    if (ec) return;
    auto c = weak.lock();
    if (!c || c->reaped) return;
    c->timedOut = true;
    ::kill(-c->pid, SIGKILL);
  });
  watch(child);
  return std::make_unique<Handle>(child);
}

void SpawnRunner::watch(const std::shared_ptr<Child>& child) {
  child->pidfd.async_wait(boost::asio::posix::stream_descriptor::wait_read,
                          [this, weak = std::weak_ptr<Child>(child)](const boost::system::error_code& ec) {
                            if (ec) return;  // cancelled: the runner is going away
                            if (auto c = weak.lock()) onExit(c);
                          });
}

void SpawnRunner::onExit(const std::shared_ptr<Child>& child) {
  int status = 0;
  pid_t r;
  do {
    r = ::waitpid(child->pid, &status, WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r == 0) {  // readable but not yet waitable: look again
    watch(child);
    return;
  }
  ProcessOutcome outcome;
  if (r < 0) {
    const int err = errno;
    log::track().error("pid {} was reaped elsewhere ({}); is SIGCHLD ignored?", child->pid,
                       std::strerror(err));
    outcome = {ProcessOutcome::Kind::Lost, err};
  } else {
    outcome = outcomeOf(status, child->timedOut);
  }
  child->reaped = true;
  child->timer.cancel();
  auto done = std::move(child->done);
  children_.erase(child->id);  // closes the pidfd once `child` goes out of scope
  if (done) done(outcome);
}

}  // namespace havip::track
