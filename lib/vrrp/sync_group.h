// keepalived's vrrp_sync_group (keepalived/vrrp/vrrp_sync.c, 2.2.x): the
// members of a group move together. Pure: the shell reports what each member
// looks like after anything happened to it, and gets back the orders to carry
// out (then reports again, until no order comes back).
//
// The rules, as keepalived applies them:
// - FAULT: while any member has a fault of its own (link down, a weight-0
//   tracker failing), every other member is held in FAULT too
//   (vrrp_sync_fault). When no member has one left, all leave FAULT together.
// - MASTER only by consensus: members are gated (Router::setSyncGated); a
//   Backup whose down timer expires merely wants Master. When every member
//   wants it, all are promoted (vrrp_sync_can_goto_master, vrrp_sync_master):
//   "prefer backup state to avoid thrashing".
// - A member that becomes MASTER some other way (address owner, admin
//   take-over) pulls the others to MASTER (vrrp_sync_master).
// - A member that drops from MASTER to BACKUP (higher priority advert, admin
//   hand-over) sends the others that are MASTER to BACKUP, with no priority-0
//   advert (vrrp_sync_backup).
// Not thread-safe; one event loop.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "vrrp/router.h"

namespace havip::vrrp {

struct SyncMemberView {
  std::string name;
  State state = State::Init;
  bool wantsMaster = false;          // Router::wantsMaster()
  std::optional<std::string> ownFault;  // a cause of its own, not the group's
};

struct SyncOrder {
  enum class Kind {
    HoldFault,     // keep the member in FAULT for the group (reason set)
    ReleaseFault,  // the group no longer holds it in FAULT
    Promote,       // Router::promote
    Demote,        // Router::demote
  };
  std::string member;
  Kind kind = Kind::Promote;
  std::string reason;
};

class SyncGroup {
 public:
  SyncGroup(std::string name, std::vector<std::string> members);

  // Views of every member, in the order given to the constructor. Returns the
  // orders this situation calls for; idempotent once they are carried out.
  std::vector<SyncOrder> update(const std::vector<SyncMemberView>& members);

  const std::string& name() const { return name_; }
  const std::vector<std::string>& members() const { return members_; }
  // MASTER, BACKUP or FAULT as the group sees itself; INIT before the first update.
  State state() const { return state_; }
  // Members the group currently holds in FAULT.
  bool holding(const std::string& member) const;

 private:
  std::string name_;
  std::vector<std::string> members_;
  State state_ = State::Init;
  std::vector<State> last_;  // each member's state at the previous update
  std::vector<bool> held_;   // HoldFault given and not released
};

}  // namespace havip::vrrp
