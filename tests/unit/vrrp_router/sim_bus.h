// A simulated Ethernet segment joining N vrrp::Router instances in one process,
// with a virtual clock advanced event by event (the next router deadline or
// packet arrival, whichever is first), per-link delay, loss and partitions.
// The bus executes every action the routers return and records what a real
// shell would have done, so tests assert on observable behaviour.
// Deterministic: random loss uses a seeded generator; ties go to packets first
// (in send order), then to routers by index.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "vrrp/router.h"

namespace havip::vrrp::sim {

struct Transition {
  TimePoint at;
  State from;
  State to;
  std::string reason;
};

// One advert put on the wire (before loss): who sent it, when, and what.
struct WireAdvert {
  TimePoint at;
  std::size_t from;
  Advert advert;
};

// One advert handed to a router.
struct Delivery {
  TimePoint at;
  std::size_t from;
  std::size_t to;
  std::uint8_t priority;
};

class SimBus {
 public:
  explicit SimBus(TimePoint epoch, std::uint32_t seed = 1);

  // Adds a node (not started). Its address is config.primaryAddress.
  std::size_t add(RouterConfig config);
  std::size_t size() const { return nodes_.size(); }

  TimePoint now() const { return now_; }
  Router& router(std::size_t node) { return *nodes_.at(node).router; }

  // Lifecycle, at the current virtual time.
  void start(std::size_t node);
  // The machine vanishes: nothing more is sent or received, no priority 0.
  // Its VIPs vanish with it.
  void crash(std::size_t node);
  // A crashed node boots again with a fresh Router and the same config.
  void restart(std::size_t node);
  bool alive(std::size_t node) const { return nodes_.at(node).alive; }

  // Executes actions a test obtained by calling the router directly, e.g.
  // bus.apply(0, bus.router(0).handOver(bus.now(), std::nullopt)).
  void apply(std::size_t node, const Actions& actions);

  // Links. Delay applies to packets sent after the call.
  void setDelay(std::size_t from, std::size_t to, Duration delay);
  void setDelayAll(Duration delay);
  // Each packet on from->to is lost with this probability (seeded RNG).
  void setLoss(std::size_t from, std::size_t to, double probability);
  // The next `count` packets on from->to are lost.
  void dropNext(std::size_t from, std::size_t to, unsigned count);
  // Nodes in different groups cannot hear each other; unlisted nodes form a
  // group of their own. Packets already in flight are still delivered.
  void partition(const std::vector<std::vector<std::size_t>>& groups);
  void heal();

  // Processes the next event if it is due at or before `limit`; advances the
  // clock to it. Returns false (clock unchanged) when nothing is due.
  bool step(TimePoint limit);
  // Processes every event up to and including t, then sets the clock to t.
  void runUntil(TimePoint t);
  void runFor(Duration d) { runUntil(now_ + d); }

  // Observations.
  State state(std::size_t node) const;
  std::vector<std::size_t> masters() const;     // alive nodes in Master
  std::vector<std::size_t> vipHolders() const;  // alive nodes with VIPs installed
  bool vipsInstalled(std::size_t node) const { return nodes_.at(node).vips; }
  unsigned garpBursts(std::size_t node) const { return nodes_.at(node).garpBursts; }
  const std::vector<Transition>& transitions(std::size_t node) const {
    return nodes_.at(node).transitions;
  }
  // Time of the first transition of `node` into `to` at or after `after`.
  std::optional<TimePoint> firstEntry(std::size_t node, State to, TimePoint after) const;
  const std::vector<WireAdvert>& wire() const { return wire_; }
  const std::vector<Delivery>& deliveries() const { return deliveries_; }
  // Last advert of `from` delivered to `to` at or before `before`.
  std::optional<Delivery> lastDelivery(std::size_t from, std::size_t to, TimePoint before) const;
  // Shell-contract violations seen so far, in words: ArmTimer disagreeing with
  // nextDeadline(), VIPs installed twice or removed when absent, a timer
  // processed before it was due. Tests expect none.
  const std::vector<std::string>& violations() const { return violations_; }

 private:
  struct Node {
    RouterConfig config;
    std::unique_ptr<Router> router;
    bool alive = true;
    bool vips = false;
    unsigned garpBursts = 0;
    std::optional<TimePoint> armed;
    std::vector<Transition> transitions;
  };
  struct Link {
    Duration delay{};
    double loss = 0.0;
    unsigned dropNext = 0;
  };
  struct InFlight {
    TimePoint at;
    std::uint64_t seq;
    std::size_t from;
    std::size_t to;
    Advert advert;
  };

  Link& link(std::size_t from, std::size_t to);
  bool canHear(std::size_t from, std::size_t to) const;
  void broadcast(std::size_t from, const Advert& advert);
  void violation(std::size_t node, const std::string& what);

  TimePoint now_;
  std::mt19937 rng_;
  Duration defaultDelay_{};
  std::vector<Node> nodes_;
  std::map<std::pair<std::size_t, std::size_t>, Link> links_;
  std::vector<int> group_;  // partition group per node; all equal when healed
  std::vector<InFlight> inFlight_;
  std::uint64_t nextSeq_ = 0;
  std::vector<WireAdvert> wire_;
  std::vector<Delivery> deliveries_;
  std::vector<std::string> violations_;
};

}  // namespace havip::vrrp::sim
