#include "track/priority.h"

#include <cstdlib>

#include <fmt/format.h>

namespace havip::track {

namespace {

constexpr std::uint8_t kOwner = 255;

std::string signedNumber(int v) { return v > 0 ? fmt::format("+{}", v) : fmt::format("{}", v); }

}  // namespace

std::string_view toString(TrackerKind k) {
  switch (k) {
    case TrackerKind::Script: return "script";
    case TrackerKind::Memory: return "memory";
    case TrackerKind::Interface: return "interface";
  }
  return "?";
}

std::string_view toString(TrackerState s) {
  switch (s) {
    case TrackerState::Pending: return "pending";
    case TrackerState::Ok: return "OK";
    case TrackerState::Failing: return "failing";
    case TrackerState::Disabled: return "disabled";
  }
  return "?";
}

std::string_view stateWord(TrackerKind k, TrackerState s) {
  if (k == TrackerKind::Interface) {
    if (s == TrackerState::Ok) return "up";
    if (s == TrackerState::Failing) return "down";
  }
  return toString(s);
}

TrackerEffect effectOf(const TrackerInput& t, std::uint8_t basePriority) {
  TrackerEffect e;
  if (t.state == TrackerState::Disabled) return e;
  if (t.state == TrackerState::Pending) {
    e.holding = t.weight == 0;
    return e;
  }
  const bool ok = t.state == TrackerState::Ok;
  const int m = t.reverse ? -1 : 1;
  if (t.weight == 0) {
    e.fault = ok != (m == 1);
    return e;
  }
  // An owner's priority never moves (vrrp_set_effective_priority returns early).
  if (basePriority == kOwner) return e;
  if (t.weight > 0 && ok) e.delta = t.weight * m;
  if (t.weight < 0 && !ok) e.delta = t.weight * m;
  return e;
}

std::string describe(const TrackerInput& t, const TrackerEffect& e, std::uint8_t basePriority) {
  const auto word = stateWord(t.kind, t.state);
  const std::string rev = t.reverse ? " reverse" : "";
  if (t.state == TrackerState::Disabled) return fmt::format("{}: disabled, no effect", t.name);
  if (t.state == TrackerState::Pending) {
    return e.holding ? fmt::format("{}: no result yet, instance waits (weight 0{})", t.name, rev)
                     : fmt::format("{}: no result yet, no effect", t.name);
  }
  if (t.weight == 0) {
    return e.fault ? fmt::format("{}: {}, FAULT (weight 0{})", t.name, word, rev)
                   : fmt::format("{}: {}, no effect (weight 0{}: FAULT while {})", t.name, word, rev,
                                 stateWord(t.kind, t.reverse ? TrackerState::Ok
                                                             : TrackerState::Failing));
  }
  if (basePriority == kOwner)
    return fmt::format("{}: {}, no effect (priority 255 is never adjusted)", t.name, word);
  if (e.delta != 0) return fmt::format("{}: {}, {}", t.name, word, signedNumber(e.delta));
  // No effect now: say when the weight would count.
  const bool countsWhileOk = t.weight > 0;
  const int wouldBe = t.weight * (t.reverse ? -1 : 1);
  return fmt::format("{}: {}, no effect ({} only while {})", t.name, word, signedNumber(wouldBe),
                     stateWord(t.kind, countsWhileOk ? TrackerState::Ok : TrackerState::Failing));
}

PriorityResult computePriority(std::uint8_t basePriority, std::span<const TrackerInput> trackers) {
  if (basePriority < 1) std::abort();
  PriorityResult r;
  int total = basePriority;
  for (const auto& t : trackers) {
    const auto e = effectOf(t, basePriority);
    total += e.delta;
    if (e.fault) r.faultedBy.push_back(t.name);
    if (e.holding) r.holdingBy.push_back(t.name);
    r.reasons.push_back(describe(t, e, basePriority));
  }
  r.total = total;
  r.fault = !r.faultedBy.empty();
  if (basePriority == kOwner) {
    r.effectivePriority = kOwner;
  } else if (total < 1) {
    r.effectivePriority = 1;
    r.reasons.push_back(fmt::format("total {} clamped to 1", total));
  } else if (total >= kOwner) {
    r.effectivePriority = kOwner - 1;
    r.reasons.push_back(fmt::format("total {} clamped to 254", total));
  } else {
    r.effectivePriority = static_cast<std::uint8_t>(total);
  }
  return r;
}

}  // namespace havip::track
