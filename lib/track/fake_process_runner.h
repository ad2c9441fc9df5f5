// A ProcessRunner for tests: run() records the request and the test decides
// when and how it ends with finish(). Nothing is executed.
#pragma once

#include <cstddef>
#include <memory>

#include "track/process_runner.h"

namespace havip::track {

class FakeProcessRunner final : public ProcessRunner {
 public:
  struct Run {
    std::vector<std::string> argv;
    std::chrono::steady_clock::duration timeout{};
    std::function<void(ProcessOutcome)> done;  // empty once finished or abandoned
    bool abandoned = false;
  };

  std::unique_ptr<RunningProcess> run(const std::vector<std::string>& argv,
                                      std::chrono::steady_clock::duration timeout,
                                      std::function<void(ProcessOutcome)> done) override;

  // Ends run `index` (0 = the first ever started) with `outcome`, calling its
  // `done` now. Aborts if that run already ended or was abandoned.
  void finish(std::size_t index, ProcessOutcome outcome);
  // Ends the most recent run.
  void finishLast(ProcessOutcome outcome) { finish(runs_.size() - 1, outcome); }

  std::size_t started() const { return runs_.size(); }
  std::size_t inFlight() const;
  const Run& at(std::size_t index) const { return *runs_.at(index); }

 private:
  class Handle;
  std::vector<std::shared_ptr<Run>> runs_;
};

}  // namespace havip::track
