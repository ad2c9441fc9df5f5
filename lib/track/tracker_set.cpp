#include "track/tracker_set.h"

#include <cstdlib>

#include <fmt/format.h>

#include "log/log.h"
#include "track/interface_tracker.h"
#include "track/script_tracker.h"

namespace havip::track {


std::vector<std::unique_ptr<Tracker>> makeTrackers(const config::Config& config,
                                                   const config::VrrpInstance& instance,
                                                   const TrackerServices& services,
                                                   std::vector<std::string>* unresolved) {
  // Weights and reverse come resolved from the config (entry over tracker),
  // the same values `havipd --check-config` and `havipctl lint` reason with.
  std::vector<std::unique_ptr<Tracker>> out;
  for (const auto& ref : config.trackersOf(instance)) {
    switch (ref.kind) {
      case config::TrackerRef::Kind::Script: {
        const auto* script = config.findScript(ref.name);
        if (!script) {
          if (unresolved) unresolved->push_back(ref.name);
          break;
        }
        if (script->user || script->group)
          log::track().warn("script {}: user/group is not supported yet; it runs as havipd's user",
                            script->name);
        auto params = ScriptTrackerParams::from(*script, ref.weight, ref.reverse);
        params.missingAtStart = services.missingScript;
        out.push_back(std::make_unique<ScriptTracker>(std::move(params), services.clock,
                                                      services.timers, services.runner));
        break;
      }
      case config::TrackerRef::Kind::Memory: {
        const auto* memory = config.findMemory(ref.name);
        if (!memory) {
          if (unresolved) unresolved->push_back(ref.name);
          break;
        }
        MemoryTrackerParams params;
        params.name = memory->name;
        params.metric = memory->metric == config::MemoryMetric::Free ? MemoryMetric::Free
                                                                       : MemoryMetric::Available;
        params.minPercent = memory->minPercent;
        params.interval = memory->interval;
        params.weight = ref.weight;
        params.reverse = ref.reverse;
        params.rise = memory->rise;
        params.fall = memory->fall;
        if (!services.meminfoPath.empty()) params.meminfoPath = services.meminfoPath;
        out.push_back(std::make_unique<MemoryTracker>(std::move(params), services.clock, services.timers));
        break;
      }
      case config::TrackerRef::Kind::Interface: {
        std::optional<netlink::LinkInfo> link;
        if (services.findLink) link = services.findLink(ref.name);
        out.push_back(std::make_unique<InterfaceTracker>(
            InterfaceTrackerParams{ref.name, ref.weight, ref.reverse}, services.clock, std::move(link)));
        break;
      }
    }
  }
  return out;
}

TrackerSet::TrackerSet(std::string instance, std::uint8_t basePriority,
                       std::vector<std::unique_ptr<Tracker>> trackers, Handler handler)
    : instance_(std::move(instance)),
      base_(basePriority),
      trackers_(std::move(trackers)),
      handler_(std::move(handler)) {
  if (base_ < 1) std::abort();
  for (auto& t : trackers_) t->setListener([this] { recompute(); });
  const auto in = inputs();
  current_ = computePriority(base_, in);
}

void TrackerSet::start() {
  // Trackers may flip inside start() (the memory tracker reads at once);
  // report once, after all of them started.
  for (auto& t : trackers_) t->start();
  started_ = true;
  const auto in = inputs();
  current_ = computePriority(base_, in);
  reported_ = true;
  log::track().info("{}: effective priority {} (base {}){}", instance_, current_.effectivePriority,
                    base_, current_.fault ? ", FAULT: " + faultReason(current_) : "");
  if (handler_) handler_(current_);
}

void TrackerSet::onLinkEvent(const netlink::LinkEvent& event) {
  for (auto& t : trackers_) t->onLinkEvent(event);
}

std::vector<TrackerInput> TrackerSet::inputs() const {
  std::vector<TrackerInput> in;
  in.reserve(trackers_.size());
  for (const auto& t : trackers_) in.push_back(t->input());
  return in;
}

void TrackerSet::recompute() {
  if (!started_) return;
  const auto in = inputs();
  auto next = computePriority(base_, in);
  if (reported_ && next == current_) return;
  // The priority change itself is logged by the consumer, with its effect on the router.
  if (next.fault != current_.fault)
    log::track().info("{}: tracking fault {}{}", instance_, next.fault ? "on: " : "off",
                      next.fault ? faultReason(next) : "");
  current_ = std::move(next);
  reported_ = true;
  if (handler_) handler_(current_);
}

std::vector<TrackerStatus> TrackerSet::status() const {
  std::vector<TrackerStatus> out;
  out.reserve(trackers_.size());
  for (const auto& t : trackers_) {
    const auto in = t->input();
    const auto e = effectOf(in, base_);
    out.push_back(TrackerStatus{t->name(), t->kind(), t->state(), in.weight, in.reverse,
                                t->lastResult(), t->lastResultAt(), e.delta, e.fault,
                                describe(in, e, base_)});
  }
  return out;
}

std::string TrackerSet::faultReason(const PriorityResult& result) {
  if (result.faultedBy.empty()) return {};
  return fmt::format("tracker{} failing: {}", result.faultedBy.size() > 1 ? "s" : "",
                     fmt::join(result.faultedBy, ", "));
}

}  // namespace havip::track
