#include "check/fake_prober.h"

namespace havip::check {

namespace detail {

struct FakeProbeBook {
  using Script = FakeProberFactory::Script;

  FakeProbeBook(const node::Clock& c, node::TimerService& t) : clock(c), timers(t) {}

  const node::Clock& clock;
  node::TimerService& timers;
  std::map<std::string, Script> byTarget;
  std::map<std::pair<std::string, std::size_t>, Script> byUrl;
  std::vector<FakeProberFactory::Probe> probes;
  std::size_t inFlight = 0;

  Script lookup(const std::string& target, std::size_t url) const {
    if (auto it = byUrl.find({target, url}); it != byUrl.end()) return it->second;
    if (auto it = byTarget.find(target); it != byTarget.end()) return it->second;
    return Script{};
  }
};

}  // namespace detail

namespace {

class FakeProber final : public Prober {
 public:
  FakeProber(std::shared_ptr<detail::FakeProbeBook> book, std::string target)
      : book_(std::move(book)), target_(std::move(target)), timer_(book_->timers.create([this] { answer(); })) {}
  ~FakeProber() override { drop(); }
  FakeProber(const FakeProber&) = delete;
  FakeProber& operator=(const FakeProber&) = delete;

  void probe(std::size_t url, ProbeCallback done) override {
    drop();
    book_->probes.push_back(FakeProberFactory::Probe{target_, url, book_->clock.now()});
    const auto script = book_->lookup(target_, url);
    pending_ = std::move(done);
    result_ = ProbeResult{script.ok, target_ + ": " + script.why};
    ++book_->inFlight;
    // Answered from the timer queue, never inside probe(), as the contract says.
    timer_->arm(book_->clock.now() + script.latency);
  }

 private:
  void drop() {
    if (!pending_) return;
    pending_ = nullptr;
    --book_->inFlight;
    timer_->arm(std::nullopt);
  }

  void answer() {
    if (!pending_) return;
    auto done = std::move(pending_);
    pending_ = nullptr;
    --book_->inFlight;
    done(result_);  // may destroy this prober: touch nothing after
  }

  std::shared_ptr<detail::FakeProbeBook> book_;
  std::string target_;
  std::unique_ptr<node::Timer> timer_;
  ProbeCallback pending_;
  ProbeResult result_;
};

}  // namespace

FakeProberFactory::FakeProberFactory(const node::Clock& clock, node::TimerService& timers)
    : book_(std::make_shared<detail::FakeProbeBook>(clock, timers)) {}

FakeProberFactory::~FakeProberFactory() = default;

void FakeProberFactory::script(const std::string& target, Script s) { book_->byTarget[target] = std::move(s); }

void FakeProberFactory::script(const std::string& target, std::size_t url, Script s) {
  book_->byUrl[{target, url}] = std::move(s);
}

const std::vector<FakeProberFactory::Probe>& FakeProberFactory::probes() const { return book_->probes; }
std::size_t FakeProberFactory::inFlight() const { return book_->inFlight; }

std::unique_ptr<Prober> FakeProberFactory::create(const ProbeTarget& target) {
  return std::make_unique<FakeProber>(book_, target.describe());
}

}  // namespace havip::check
