#include "sim_bus.h"

#include <algorithm>
#include <type_traits>
#include <utility>

namespace havip::vrrp::sim {

SimBus::SimBus(TimePoint epoch, std::uint32_t seed) : now_(epoch), rng_(seed) {}

std::size_t SimBus::add(RouterConfig config) {
  Node n;
  n.config = config;
  n.router = std::make_unique<Router>(std::move(config));
  nodes_.push_back(std::move(n));
  group_.push_back(0);
  return nodes_.size() - 1;
}

void SimBus::start(std::size_t node) { apply(node, router(node).start(now_)); }

void SimBus::crash(std::size_t node) {
  Node& n = nodes_.at(node);
  n.alive = false;
  n.vips = false;
  n.armed.reset();
}

void SimBus::restart(std::size_t node) {
  Node& n = nodes_.at(node);
  n.router = std::make_unique<Router>(n.config);
  n.alive = true;
  n.vips = false;
  n.armed.reset();
  start(node);
}

void SimBus::violation(std::size_t node, const std::string& what) {
  violations_.push_back("node " + std::to_string(node) + ": " + what);
}

void SimBus::apply(std::size_t node, const Actions& actions) {
  Node& n = nodes_.at(node);
  if (!n.alive) return;
  for (const Action& action : actions) {
    std::visit(
        [&](const auto& a) {
          using T = std::decay_t<decltype(a)>;
          if constexpr (std::is_same_v<T, StateChanged>) {
            n.transitions.push_back({now_, a.from, a.to, a.reason});
          } else if constexpr (std::is_same_v<T, InstallVips>) {
            if (n.vips) violation(node, "InstallVips while installed");
            n.vips = true;
          } else if constexpr (std::is_same_v<T, RemoveVips>) {
            if (!n.vips) violation(node, "RemoveVips while absent");
            n.vips = false;
          } else if constexpr (std::is_same_v<T, SendGratuitousArp>) {
            if (!n.vips) violation(node, "gratuitous ARP without VIPs");
            ++n.garpBursts;
          } else if constexpr (std::is_same_v<T, SendAdvert>) {
            broadcast(node, a.advert);
          } else if constexpr (std::is_same_v<T, ArmTimer>) {
            n.armed = a.at;
          }
        },
        action);
  }
  if (n.armed != n.router->nextDeadline()) {
    violation(node, "armed timer differs from nextDeadline()");
    n.armed = n.router->nextDeadline();
  }
}

SimBus::Link& SimBus::link(std::size_t from, std::size_t to) {
  auto [it, inserted] = links_.try_emplace({from, to});
  if (inserted) it->second.delay = defaultDelay_;
  return it->second;
}

void SimBus::setDelay(std::size_t from, std::size_t to, Duration delay) { link(from, to).delay = delay; }

void SimBus::setDelayAll(Duration delay) {
  defaultDelay_ = delay;
  for (auto& [key, l] : links_) l.delay = delay;
}

void SimBus::setLoss(std::size_t from, std::size_t to, double probability) {
  link(from, to).loss = probability;
}

void SimBus::dropNext(std::size_t from, std::size_t to, unsigned count) {
  link(from, to).dropNext = count;
}

void SimBus::partition(const std::vector<std::vector<std::size_t>>& groups) {
  // Unlisted nodes each get a group of their own.
  for (std::size_t i = 0; i < group_.size(); ++i) group_[i] = -1 - static_cast<int>(i);
  for (std::size_t g = 0; g < groups.size(); ++g) {
    for (std::size_t node : groups[g]) group_.at(node) = static_cast<int>(g);
  }
}

void SimBus::heal() { std::fill(group_.begin(), group_.end(), 0); }

bool SimBus::canHear(std::size_t from, std::size_t to) const { return group_[from] == group_[to]; }

void SimBus::broadcast(std::size_t from, const Advert& advert) {
  wire_.push_back({now_, from, advert});
  for (std::size_t to = 0; to < nodes_.size(); ++to) {
    if (to == from || !canHear(from, to)) continue;
    Link& l = link(from, to);
    if (l.dropNext > 0) {
      --l.dropNext;
      continue;
    }
    if (l.loss > 0.0 && std::uniform_real_distribution<double>(0.0, 1.0)(rng_) < l.loss) continue;
    inFlight_.push_back({now_ + l.delay, nextSeq_++, from, to, advert});
  }
}

bool SimBus::step(TimePoint limit) {
  // Earliest packet (ties: send order).
  auto packet = std::min_element(inFlight_.begin(), inFlight_.end(), [](const auto& a, const auto& b) {
    return a.at != b.at ? a.at < b.at : a.seq < b.seq;
  });
  // Earliest timer (ties: lowest index).
  std::optional<std::size_t> timerNode;
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    const auto d = nodes_[i].alive ? nodes_[i].router->nextDeadline() : std::nullopt;
    if (d && (!timerNode || *d < *nodes_[*timerNode].router->nextDeadline())) timerNode = i;
  }
  const bool havePacket = packet != inFlight_.end() && packet->at <= limit;
  const auto timerAt = timerNode ? nodes_[*timerNode].router->nextDeadline() : std::nullopt;
  const bool haveTimer = timerAt && *timerAt <= limit;
  if (!havePacket && !haveTimer) return false;

  if (havePacket && (!haveTimer || packet->at <= *timerAt)) {
    InFlight p = std::move(*packet);
    inFlight_.erase(packet);
    now_ = std::max(now_, p.at);
    if (!nodes_[p.to].alive) return true;
    deliveries_.push_back({now_, p.from, p.to, p.advert.priority});
    apply(p.to, router(p.to).onAdvert(p.advert, nodes_[p.from].config.primaryAddress, now_));
    return true;
  }
  // A deadline set in the past (e.g. pulled in by a priority change) fires now.
  now_ = std::max(now_, *timerAt);
  const std::size_t node = *timerNode;
  const Actions acts = router(node).onTimer(now_);
  if (acts.empty()) violation(node, "timer fired but the router did nothing");
  apply(node, acts);
  return true;
}

void SimBus::runUntil(TimePoint t) {
  // Bounded so that a router re-arming at the same instant cannot hang a test.
  for (std::size_t guard = 0; guard < 10'000'000 && step(t); ++guard) {
  }
  now_ = std::max(now_, t);
}

State SimBus::state(std::size_t node) const { return nodes_.at(node).router->state(); }

std::vector<std::size_t> SimBus::masters() const {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    if (nodes_[i].alive && nodes_[i].router->state() == State::Master) out.push_back(i);
  }
  return out;
}

std::vector<std::size_t> SimBus::vipHolders() const {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    if (nodes_[i].alive && nodes_[i].vips) out.push_back(i);
  }
  return out;
}

std::optional<TimePoint> SimBus::firstEntry(std::size_t node, State to, TimePoint after) const {
  for (const auto& t : nodes_.at(node).transitions) {
    if (t.to == to && t.at >= after) return t.at;
  }
  return std::nullopt;
}

std::optional<Delivery> SimBus::lastDelivery(std::size_t from, std::size_t to, TimePoint before) const {
  std::optional<Delivery> out;
  for (const auto& d : deliveries_) {
    if (d.from == from && d.to == to && d.at <= before) out = d;
  }
  return out;
}

}  // namespace havip::vrrp::sim
