#include "vrrp/sync_group.h"

#include <algorithm>
#include <cstdlib>
#include <utility>

namespace havip::vrrp {

SyncGroup::SyncGroup(std::string name, std::vector<std::string> members)
    : name_(std::move(name)),
      members_(std::move(members)),
      last_(members_.size(), State::Init),
      held_(members_.size(), false) {}

bool SyncGroup::holding(const std::string& member) const {
  for (std::size_t i = 0; i < members_.size(); ++i)
    if (members_[i] == member) return held_[i];
  return false;
}

std::vector<SyncOrder> SyncGroup::update(const std::vector<SyncMemberView>& views) {
  // The shell always reports the whole group, in order; anything else is a bug.
  if (views.size() != members_.size()) std::abort();
  for (std::size_t i = 0; i < views.size(); ++i)
    if (views[i].name != members_[i]) std::abort();

  std::vector<SyncOrder> out;
  const std::string prefix = "sync group " + name_ + ": ";

  // FAULT: one member's own fault holds all the others.
  std::vector<std::size_t> faulty;
  for (std::size_t i = 0; i < views.size(); ++i)
    if (views[i].ownFault) faulty.push_back(i);
  if (!faulty.empty()) {
    state_ = State::Fault;
    for (std::size_t i = 0; i < views.size(); ++i) {
      // The first faulty member other than this one names the cause.
      auto other = std::find_if(faulty.begin(), faulty.end(), [&](std::size_t f) { return f != i; });
      if (other == faulty.end()) {
        if (held_[i]) {  // the only faulty member: the group does not hold it
          held_[i] = false;
          out.push_back({members_[i], SyncOrder::Kind::ReleaseFault, prefix + "no other member in FAULT"});
        }
        continue;
      }
      if (!held_[i]) {
        held_[i] = true;
        out.push_back({members_[i], SyncOrder::Kind::HoldFault,
                       prefix + views[*other].name + " is in FAULT (" + *views[*other].ownFault + ")"});
      }
    }
    for (std::size_t i = 0; i < views.size(); ++i) last_[i] = views[i].state;
    return out;
  }
  bool released = false;
  for (std::size_t i = 0; i < views.size(); ++i) {
    if (!held_[i]) continue;
    held_[i] = false;
    released = true;
    out.push_back({members_[i], SyncOrder::Kind::ReleaseFault, prefix + "every member is out of FAULT"});
  }
  if (released || state_ == State::Fault) {
    // Leaving FAULT: all go BACKUP and elect afresh; act on what follows.
    state_ = State::Backup;
    for (std::size_t i = 0; i < views.size(); ++i) last_[i] = views[i].state;
    if (released) return out;
  }

  // BACKUP: a member fell from MASTER; the others that are MASTER follow.
  const auto fell = [&](std::size_t i) {
    return last_[i] == State::Master && views[i].state == State::Backup;
  };
  std::optional<std::size_t> fallen;
  for (std::size_t i = 0; i < views.size() && !fallen; ++i)
    if (fell(i)) fallen = i;
  if (fallen) {
    for (std::size_t i = 0; i < views.size(); ++i) {
      if (views[i].state == State::Master)
        out.push_back({members_[i], SyncOrder::Kind::Demote, prefix + views[*fallen].name + " went BACKUP"});
    }
    state_ = State::Backup;
    for (std::size_t i = 0; i < views.size(); ++i) last_[i] = views[i].state;
    return out;
  }

  // MASTER: a member already is (owner, admin), or every member wants it.
  std::optional<std::size_t> master;
  for (std::size_t i = 0; i < views.size() && !master; ++i)
    if (views[i].state == State::Master) master = i;
  const bool allBackupWanting = std::all_of(views.begin(), views.end(), [](const SyncMemberView& v) {
    return v.state == State::Backup && v.wantsMaster;
  });
  if (master || allBackupWanting) {
    const std::string why = master ? prefix + views[*master].name + " is MASTER"
                                   : prefix + "every member wants MASTER";
    for (std::size_t i = 0; i < views.size(); ++i)
      if (views[i].state == State::Backup) out.push_back({members_[i], SyncOrder::Kind::Promote, why});
    state_ = State::Master;
  } else if (std::all_of(views.begin(), views.end(),
                         [](const SyncMemberView& v) { return v.state == State::Backup; })) {
    state_ = State::Backup;
  }
  for (std::size_t i = 0; i < views.size(); ++i) last_[i] = views[i].state;
  return out;
}

}  // namespace havip::vrrp
