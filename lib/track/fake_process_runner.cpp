#include "track/fake_process_runner.h"

#include <cstdlib>

namespace havip::track {

class FakeProcessRunner::Handle final : public RunningProcess {
 public:
  explicit Handle(std::shared_ptr<Run> run) : run_(std::move(run)) {}
  ~Handle() override {
    if (run_->done) {
      run_->done = nullptr;
      run_->abandoned = true;
    }
  }

 private:
  std::shared_ptr<Run> run_;
};

std::unique_ptr<RunningProcess> FakeProcessRunner::run(const std::vector<std::string>& argv,
                                                       std::chrono::steady_clock::duration timeout,
                                                       std::function<void(ProcessOutcome)> done) {
  auto r = std::make_shared<Run>(Run{argv, timeout, std::move(done), false});
  runs_.push_back(r);
  return std::make_unique<Handle>(r);
}

void FakeProcessRunner::finish(std::size_t index, ProcessOutcome outcome) {
  auto& r = *runs_.at(index);
  if (!r.done) std::abort();
  auto done = std::move(r.done);
  r.done = nullptr;
  done(outcome);
}

std::size_t FakeProcessRunner::inFlight() const {
  std::size_t n = 0;
  for (const auto& r : runs_) n += r->done ? 1 : 0;
  return n;
}

}  // namespace havip::track
