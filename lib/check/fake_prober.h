// Probers for tests: each probe answers what the test scripted for its target,
// after a scripted latency measured on the injected Clock/TimerService (a
// node::FakeClock in unit tests), so whole monitors run without sockets.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "check/probe.h"
#include "node/clock.h"

namespace havip::check {

namespace detail {
struct FakeProbeBook;  // scripts and records shared with the probers
}

class FakeProberFactory final : public ProberFactory {
 public:
  struct Script {
    bool ok = true;
    std::string why = "ok";       // detail after "<target>: "
    Duration latency{};           // how long the probe takes
  };
  struct Probe {
    std::string target;  // ProbeTarget::describe(): "TCP_CHECK 192.168.100.10:80"
    std::size_t url = 0;
    TimePoint at;
  };

  FakeProberFactory(const node::Clock& clock, node::TimerService& timers);
  ~FakeProberFactory() override;

  // From now on probes of `target` (ProbeTarget::describe()) answer `script`;
  // with `url`, only probes of that HTTP url. Unscripted targets pass at once.
  void script(const std::string& target, Script script);
  void script(const std::string& target, std::size_t url, Script script);

  const std::vector<Probe>& probes() const;  // every probe started, oldest first
  std::size_t inFlight() const;              // started, neither answered nor abandoned

  std::unique_ptr<Prober> create(const ProbeTarget& target) override;

 private:
  std::shared_ptr<detail::FakeProbeBook> book_;
};

}  // namespace havip::check
