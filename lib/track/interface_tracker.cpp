#include "track/interface_tracker.h"

#include <fmt/format.h>

namespace havip::track {

namespace {

std::string linkText(const std::string& name, const std::optional<netlink::LinkInfo>& link) {
  if (!link) return fmt::format("{} does not exist", name);
  if (link->usable()) return fmt::format("{} up", name);
  if (!link->up) return fmt::format("{} down (administratively)", name);
  return fmt::format("{} down (no carrier)", name);
}

}  // namespace

InterfaceTracker::InterfaceTracker(InterfaceTrackerParams params, node::Clock& clock,
                                   std::optional<netlink::LinkInfo> current)
    : Tracker({params.interface, TrackerKind::Interface, params.weight, params.reverse}),
      clock_(clock),
      link_(std::move(current)) {}

void InterfaceTracker::start() {
  started_ = true;
  apply(link_, "initial state");
}

void InterfaceTracker::onLinkEvent(const netlink::LinkEvent& event) {
  const auto& l = event.link;
  const bool ours = l.name == name();
  // Renamed away from our name: for us it is gone.
  const bool renamedAway = !ours && link_ && l.ifindex == link_->ifindex;
  if (!ours && !renamedAway) return;
  std::optional<netlink::LinkInfo> next;
  if (ours && event.change != netlink::LinkChange::Deleted) next = l;
  const char* what = event.change == netlink::LinkChange::Deleted ? "deleted"
                     : renamedAway                              ? "renamed"
                                                                : "link event";
  link_ = next;
  if (started_) apply(link_, what);
}

void InterfaceTracker::apply(const std::optional<netlink::LinkInfo>& link, const char* what) {
  const bool usable = link && link->usable();
  auto text = linkText(name(), link);
  noteResult(text, clock_.now());
  setState(usable ? TrackerState::Ok : TrackerState::Failing, fmt::format("{}: {}", what, text));
}

}  // namespace havip::track
