#include "config/lint.h"

#include <algorithm>
#include <set>
#include <utility>

namespace havip::config {
namespace {

constexpr int kOwnerPriority = 255;
// Beyond this many trackers on the two routers together, the pair check stops
// enumerating every combination (2^n) and looks at one tracker at a time with
// the others OK.
constexpr std::size_t kMaxEnumerated = 16;

std::string str(int v) { return std::to_string(v); }

std::string trackerLabel(const TrackerRef& t) {
  switch (t.kind) {
    case TrackerRef::Kind::Script: return "track_script " + t.name;
    case TrackerRef::Kind::Memory: return "track_script " + t.name + " [track_memory]";
    case TrackerRef::Kind::Interface: return "track_interface " + t.name;
  }
  return t.name;
}

std::string weightLabel(const TrackerRef& t) {
  return "weight " + str(t.weight) + (t.reverse ? " reverse" : "");
}

// This router's priority with tracker I OK and failing, every other tracker OK.
struct Swing {
  std::optional<int> whenOk;
  std::optional<int> whenFailing;
};

Swing swingOf(int base, const std::vector<TrackerRef>& trackers, std::size_t i) {
  std::vector<bool> ok(trackers.size(), true);
  Swing s;
  s.whenOk = effectivePriority(base, trackers, ok);
  ok[i] = false;
  s.whenFailing = effectivePriority(base, trackers, ok);
  return s;
}

std::string prio(const std::optional<int>& p) { return p ? str(*p) : "FAULT"; }

// ---- the pair ----

// One router's side of a VRID.
struct Side {
  const VrrpInstance* instance = nullptr;
  std::vector<TrackerRef> trackers;
  bool preempts = true;  // keepalived clears nopreempt on state MASTER

  int base() const { return instance->priority; }
  const std::string& file() const { return instance->where.file; }
};

Side sideOf(const Config& config, const VrrpInstance& instance) {
  Side s;
  s.instance = &instance;
  s.trackers = config.trackersOf(instance);
  s.preempts = !instance.nopreempt || instance.initialState == InitialState::Master;
  return s;
}

// Tracker states of both routers: the master's trackers first, then the backup's.
class Election {
 public:
  Election(const Side& master, const Side& backup) : m_(master), b_(backup) {}

  std::size_t size() const { return m_.trackers.size() + b_.trackers.size(); }

  std::optional<int> masterPriority(const std::vector<bool>& ok) const {
    return effectivePriority(m_.base(), m_.trackers,
                             std::vector<bool>(ok.begin(), ok.begin() + long(m_.trackers.size())));
  }
  std::optional<int> backupPriority(const std::vector<bool>& ok) const {
    return effectivePriority(b_.base(), b_.trackers,
                             std::vector<bool>(ok.begin() + long(m_.trackers.size()), ok.end()));
  }

  // Does the other router take over from INCUMBENT (true: the intended master)?
  // RFC 3768: a router in FAULT sends nothing, so the other takes over; else a
  // Backup that preempts takes over when its priority is strictly higher.
  bool takesOver(bool incumbentIsMaster, const std::vector<bool>& ok) const {
    auto pm = masterPriority(ok), pb = backupPriority(ok);
    auto incumbent = incumbentIsMaster ? pm : pb;
    auto challenger = incumbentIsMaster ? pb : pm;
    bool challengerPreempts = incumbentIsMaster ? b_.preempts : m_.preempts;
    if (!challenger) return false;
    if (!incumbent) return true;
    return challengerPreempts && *challenger > *incumbent;
  }

  // Some combination of the other trackers' states in which flipping tracker I,
  // with its own router as master, changes whether the other router takes
  // over: a tracker watches the health of the router it runs on. Returns that
  // combination (with I OK).
  std::optional<std::vector<bool>> movingCombination(std::size_t i) const {
    const std::size_t n = size();
    if (n > kMaxEnumerated) {
      std::vector<bool> ok(n, true);
      if (flips(i, ok)) return ok;
      return std::nullopt;
    }
    for (std::uint32_t mask = 0; mask < (1u << n); ++mask) {
      if (mask & (1u << i)) continue;
      std::vector<bool> ok(n);
      for (std::size_t k = 0; k < n; ++k) ok[k] = !(mask & (1u << k));
      if (flips(i, ok)) return ok;
    }
    return std::nullopt;
  }

  std::size_t combinations() const { return size() > kMaxEnumerated ? 2 : (std::size_t{1} << size()); }

 private:
  bool flips(std::size_t i, std::vector<bool> ok) const {
    const bool onMaster = i < m_.trackers.size();
    ok[i] = true;
    const bool withOk = takesOver(onMaster, ok);
    ok[i] = false;
    return withOk != takesOver(onMaster, ok);
  }

  const Side& m_;
  const Side& b_;
};

class PairLinter {
 public:
  explicit PairLinter(PairReport& report) : report_(report) {}

  void problem(const SourceLocation& where, std::string message) {
    report_.findings.push_back({LintFinding::Kind::Problem, where, std::move(message)});
  }
  void note(const SourceLocation& where, std::string message) {
    report_.findings.push_back({LintFinding::Kind::Note, where, std::move(message)});
  }

  void compare(const Config& ca, const VrrpInstance& a, const Config& cb, const VrrpInstance& b) {
    label_ = a.name == b.name ? a.name : a.name + "/" + b.name;
    label_ += " (vrid " + str(a.virtualRouterId) + "): ";
    const std::string& fa = a.where.file;
    const std::string& fb = b.where.file;
    sameSettings(a, b, fa, fb);

    Side sa = sideOf(ca, a), sb = sideOf(cb, b);
    const Side* master = &sa;
    const Side* backup = &sb;
    if (!electionIntent(sa, sb, master, backup)) return;
    trackers(*master, *backup);
  }

 private:
  void sameSettings(const VrrpInstance& a, const VrrpInstance& b, const std::string& fa, const std::string& fb) {
    if (a.interface != b.interface)
      problem(a.where, label_ + "interface " + a.interface + " in " + fa + " but " + b.interface + " in " + fb +
                           ": the two routers must share the link their adverts cross (same interface name expected)");
    if (a.authentication.has_value() != b.authentication.has_value())
      problem(a.where, label_ + "authentication is set in " + (a.authentication ? fa : fb) + " only: each router " +
                           "drops the other's adverts");
    else if (a.authentication && a.authentication->password != b.authentication->password)
      problem(a.authentication->where, label_ + "auth_pass differs between " + fa + " and " + fb +
                                           ": each router drops the other's adverts and both become MASTER");
    if (a.advertInterval != b.advertInterval)
      problem(a.where, label_ + "advert_int " + str(int(a.advertInterval.count())) + "s in " + fa + " but " +
                           str(int(b.advertInterval.count())) + "s in " + fb +
                           ": RFC 3768 routers drop adverts whose interval differs from their own");
    std::set<std::string> va, vb;
    for (const auto& v : a.virtualIps) va.insert(v.prefix.toString() + (v.device ? " dev " + *v.device : ""));
    for (const auto& v : b.virtualIps) vb.insert(v.prefix.toString() + (v.device ? " dev " + *v.device : ""));
    if (va != vb) {
      std::string onlyA, onlyB;
      for (const auto& v : va)
        if (!vb.count(v)) onlyA += " " + v;
      for (const auto& v : vb)
        if (!va.count(v)) onlyB += " " + v;
      std::string msg = label_ + "virtual_ipaddress differs:";
      if (!onlyA.empty()) msg += " only in " + fa + ":" + onlyA + ";";
      if (!onlyB.empty()) msg += " only in " + fb + ":" + onlyB + ";";
      msg.back() = '.';
      problem(a.where, msg + " A failover would move a different set of addresses");
    }
  }

  // Picks the intended master; false when the roles are too broken to analyse trackers.
  bool electionIntent(const Side& a, const Side& b, const Side*& master, const Side*& backup) {
    const auto& ia = *a.instance;
    const auto& ib = *b.instance;
    const bool ma = ia.initialState == InitialState::Master, mb = ib.initialState == InitialState::Master;
    if (ia.priority == kOwnerPriority && ib.priority == kOwnerPriority) {
      problem(ia.where, label_ + "both routers have priority 255 (address owner): only one router may own the "
                                 "addresses; give the other a priority below 255");
      return false;
    }
    if (ma && mb) {
      problem(ia.where, label_ + "both " + a.file() + " and " + b.file() +
                            " say state MASTER: the priorities (" + str(ia.priority) + ", " + str(ib.priority) +
                            ") decide anyway; give the router meant as backup state BACKUP");
    }
    if (ma != mb) {
      master = ma ? &a : &b;
      backup = ma ? &b : &a;
    } else {
      master = ib.priority > ia.priority ? &b : &a;
      backup = master == &a ? &b : &a;
    }
    const auto& im = *master->instance;
    const auto& ibk = *backup->instance;
    const std::string intended = ma != mb ? "state MASTER" : "the higher priority";
    if (im.priority < ibk.priority) {
      problem(im.where, label_ + master->file() + " says state MASTER with priority " + str(im.priority) + ", but " +
                            backup->file() + " has the higher priority " + str(ibk.priority) +
                            ": that router wins the election (state only sets where a router starts); give the "
                            "MASTER the higher priority");
      return true;
    }
    if (im.priority == ibk.priority) {
      std::string tie = "equal priorities " + str(im.priority) + ": when both are master at once, the higher "
                        "primary IP address on " + im.interface + " wins (RFC 3768 6.4.3); otherwise whichever "
                        "router became master first keeps the role";
      if (ma != mb)
        problem(im.where, label_ + tie + ", whatever state MASTER says; give " + master->file() +
                              " the higher priority if it is meant to be master");
      else
        note(im.where, label_ + tie + " (intended for routers that are peers; give one a higher priority if not)");
      return true;
    }
    note(im.where, label_ + master->file() + " is elected master (" + intended + ", priority " + str(im.priority) +
                       " over " + str(ibk.priority) + " in " + backup->file() + ")");
    return true;
  }

  void trackers(const Side& master, const Side& backup) {
    Election election(master, backup);
    const std::size_t nm = master.trackers.size();
    // Trackers are grouped by what they are called: chk_service on both routers
    // is one finding.
    std::vector<std::pair<TrackerRef::Kind, std::string>> groups;
    auto addGroup = [&](const TrackerRef& t) {
      std::pair key{t.kind, t.name};
      if (std::find(groups.begin(), groups.end(), key) == groups.end()) groups.push_back(key);
    };
    for (const auto& t : master.trackers) addGroup(t);
    for (const auto& t : backup.trackers) addGroup(t);
    if (election.size() > kMaxEnumerated)
      note(master.instance->where, label_ + str(int(election.size())) + " trackers: too many to try every "
                                   "combination; each is checked with the others OK");

    for (const auto& [kind, name] : groups) {
      std::optional<std::size_t> onMaster, onBackup;  // indexes in the combined state vector
      for (std::size_t i = 0; i < nm; ++i)
        if (master.trackers[i].kind == kind && master.trackers[i].name == name) onMaster = i;
      for (std::size_t i = 0; i < backup.trackers.size(); ++i)
        if (backup.trackers[i].kind == kind && backup.trackers[i].name == name) onBackup = nm + i;
      const TrackerRef& any = onMaster ? master.trackers[*onMaster] : backup.trackers[*onBackup - nm];
      const SourceLocation& where = any.where;
      const std::string what = label_ + trackerLabel(any);

      const bool zeroOnMaster = onMaster && master.trackers[*onMaster].weight == 0;
      const bool zeroOnBackup = onBackup && backup.trackers[*onBackup - nm].weight == 0;
      if (zeroOnMaster || zeroOnBackup) {
        note(where, what + " has weight 0 on " +
                        (zeroOnMaster && zeroOnBackup ? std::string("both routers")
                                                      : zeroOnMaster ? master.file() : backup.file()) +
                        ": it moves mastership (a router where it fails goes FAULT and the other takes over)");
        continue;
      }

      std::optional<std::vector<bool>> moving;
      if (onMaster) moving = election.movingCombination(*onMaster);
      if (!moving && onBackup) moving = election.movingCombination(*onBackup);
      if (!moving) {
        neverMoves(master, backup, election, onMaster, onBackup, where, what);
        continue;
      }
      if (onMaster) {
        Swing s = swingOf(master.base(), master.trackers, *onMaster);
        std::vector<bool> allOk(election.size(), true);
        auto pb = election.backupPriority(allOk);
        allOk[*onMaster] = false;
        if (election.takesOver(true, allOk)) {
          note(where, what + " moves mastership: when it fails on the master (" + master.file() + ") its priority " +
                          "drops from " + prio(s.whenOk) + " to " + prio(s.whenFailing) + ", below the backup's " +
                          prio(pb) + ", and the backup takes over");
          continue;
        }
      }
      std::string failing;
      for (std::size_t k = 0; k < moving->size(); ++k) {
        if ((*moving)[k]) continue;
        const TrackerRef& t = k < nm ? master.trackers[k] : backup.trackers[k - nm];
        failing += std::string(failing.empty() ? "" : ", ") + t.name + " on " + (k < nm ? master.file() : backup.file());
      }
      note(where, what + " moves mastership only together with other trackers' states (for example with " +
                      (failing.empty() ? std::string("every other tracker OK") : failing + " failing") +
                      "), not on its own from the intended master");
    }
  }

  void neverMoves(const Side& master, const Side& backup, const Election& election,
                  std::optional<std::size_t> onMaster, std::optional<std::size_t> onBackup,
                  const SourceLocation& where, const std::string& what) {
    const std::size_t nm = master.trackers.size();
    std::string msg = what + " never moves mastership (checked in all " + str(int(election.combinations())) +
                      " combinations of tracker states): ";
    std::vector<bool> allOk(election.size(), true);
    auto pb = election.backupPriority(allOk);
    if (onMaster) {
      const TrackerRef& t = master.trackers[*onMaster];
      Swing s = swingOf(master.base(), master.trackers, *onMaster);
      msg += "the master (" + master.file() + ", priority " + str(master.base()) + ") is at " + prio(s.whenOk) +
             " with " + t.name + " OK and " + prio(s.whenFailing) + " when it fails, ";
      if (s.whenFailing && pb && *s.whenFailing > *pb)
        msg += "still above";
      else if (s.whenFailing && pb && *s.whenFailing == *pb)
        msg += "only level with";  // a Backup does not preempt an equal priority
      else
        msg += "and";
      msg += " the backup (" + backup.file() + ", priority " + str(backup.base()) + ") at " + prio(pb);
      msg += onBackup ? " with " + t.name + " OK there" : "";
      if (!backup.preempts) msg += ", which has nopreempt and never takes over from a live master by priority";
      if (s.whenFailing && pb && *s.whenFailing >= *pb)
        msg += ": a weight of " + str(t.weight) + " cannot bridge a priority gap of " +
               str(master.base() - backup.base()) + ", so a failure on the master never hands over the VIP";
      msg += ".";
    } else {
      const TrackerRef& t = backup.trackers[*onBackup - nm];
      Swing s = swingOf(backup.base(), backup.trackers, *onBackup - nm);
      msg += "it moves the backup (" + backup.file() + ") between " + prio(s.whenFailing) + " and " +
             prio(s.whenOk) + " only, while the master (" + master.file() + ") is at " +
             prio(election.masterPriority(allOk)) + ". " + t.name + " is not tracked on the master.";
    }
    msg += suggestion(master, backup, onMaster, onBackup);
    problem(where, msg);
  }

  // A weight that would let the tracker hand over the VIP when it fails on the
  // master (everything else OK), checked with the same arithmetic; "" if none.
  std::string suggestion(const Side& master, const Side& backup, std::optional<std::size_t> onMaster,
                         std::optional<std::size_t> onBackup) {
    if (!onMaster) return " Track it on the master too if its failure there should move the VIP.";
    const std::size_t nm = master.trackers.size();
    auto tryWeight = [&](int w) -> std::optional<std::pair<int, int>> {
      Side m = master, b = backup;
      m.trackers[*onMaster].weight = w;
      if (onBackup) b.trackers[*onBackup - nm].weight = w;
      Election e(m, b);
      std::vector<bool> ok(e.size(), true);
      if (e.takesOver(true, ok)) return std::nullopt;  // must still elect the master when all is well
      ok[*onMaster] = false;
      if (!e.takesOver(true, ok)) return std::nullopt;
      return std::pair{*e.masterPriority(ok), *e.backupPriority(ok)};
    };
    const std::string where = onBackup ? " on both" : "";
    std::string out;
    for (int k = 10; k <= 250; k += 10) {
      if (auto r = tryWeight(-k)) {
        out += " Use weight -" + str(k) + where + " (a failing master drops to " + str(r->first) +
               ", below the backup's " + str(r->second) + ")";
        break;
      }
    }
    if (onBackup) {
      for (int k = 10; k <= 250; k += 10) {
        if (auto r = tryWeight(k)) {
          out += std::string(out.empty() ? " Use" : ", or") + " weight " + str(k) + where +
                 " (a failing master falls back to " + str(r->first) + ", below the backup's " + str(r->second) +
                 " with it OK)";
          break;
        }
      }
    }
    out += std::string(out.empty() ? " Use" : ", or") + " weight 0 (FAULT while failing).";
    return out;
  }

  PairReport& report_;
  std::string label_;
};

}  // namespace

std::optional<int> effectivePriority(int base, std::span<const TrackerRef> trackers, const std::vector<bool>& ok) {
  int total = base;
  for (std::size_t i = 0; i < trackers.size(); ++i) {
    const TrackerRef& t = trackers[i];
    const bool good = i < ok.size() ? ok[i] : true;
    if (t.weight == 0) {
      if (good == t.reverse) return std::nullopt;
      continue;
    }
    const int sign = t.reverse ? -1 : 1;
    if (t.weight > 0 && good) total += sign * t.weight;
    if (t.weight < 0 && !good) total += sign * t.weight;
  }
  if (base == kOwnerPriority) return base;
  return std::clamp(total, 1, 254);
}

std::vector<Diagnostic> lintMastership(const Config& config) {
  Diagnostics out;
  for (const auto& inst : config.vrrpInstances) {
    const auto trackers = config.trackersOf(inst);
    const bool master = inst.initialState == InitialState::Master;
    const std::string who = "vrrp_instance " + inst.name + ": ";
    std::string weighted;
    for (const auto& t : trackers)
      if (t.weight != 0) weighted += std::string(weighted.empty() ? "" : ", ") + t.name;
    if (inst.nopreempt && !master && !weighted.empty())
      out.warning(inst.where, who + "nopreempt: this router never takes over from a live master by priority, so "
                                    "its weighted trackers (" + weighted + ") cannot make it master; only a peer "
                                    "going FAULT (weight 0) or down hands over");
    for (std::size_t i = 0; i < trackers.size(); ++i) {
      const TrackerRef& t = trackers[i];
      if (t.weight == 0) continue;
      const std::string what = who + trackerLabel(t) + " (" + weightLabel(t) + ")";
      if (inst.priority == kOwnerPriority) {
        out.warning(t.where, what + " has no effect: priority 255 (address owner) is never adjusted; use a priority "
                                    "below 255, or weight 0 to go FAULT");
        continue;
      }
      Swing s = swingOf(inst.priority, trackers, i);
      if (!s.whenOk || !s.whenFailing) continue;  // another tracker's FAULT: nothing to say about this one
      const int lo = std::min(*s.whenOk, *s.whenFailing), hi = std::max(*s.whenOk, *s.whenFailing);
      const int swing = hi - lo;
      if (swing == 0) {
        out.warning(t.where, what + " has no effect: the priority stays " + str(lo) + " (clamped to 1..254)");
        continue;
      }
      if (swing > kAssumedPriorityGap) continue;
      // Against a peer running the same tracker, the base priorities must be
      // closer than the swing: P-swing < Q <= P seen from the master.
      const int base = inst.priority;
      const std::string peer =
          master ? str(std::max(1, base - swing + 1)) + ".." + str(base) : str(base) + ".." + str(std::min(254, base + swing - 1));
      out.warning(t.where,
                  what + " moves this router's priority between " + str(lo) + " and " + str(hi) +
                      " only: against a peer running the same tracker it moves mastership only if the base "
                      "priorities differ by less than " + str(swing) + " (peer at " + peer + "); a peer " +
                      str(kAssumedPriorityGap) + (master ? " below" : " above") +
                      " (keepalived's usual 100/90) keeps its role whatever the tracker says. Use a weight "
                      "larger than the priority gap (e.g. -20 with 100/90) or weight 0 (FAULT), and check both "
                      "routers with 'havipctl lint MASTER.conf BACKUP.conf'");
    }
  }
  return std::move(out.warnings);
}

std::string LintFinding::toString() const {
  return where.toString() + (kind == Kind::Problem ? ": problem: " : ": note: ") + message;
}

bool PairReport::clean() const {
  return std::none_of(findings.begin(), findings.end(),
                      [](const LintFinding& f) { return f.kind == LintFinding::Kind::Problem; });
}

PairReport lintPair(const Config& first, const Config& second) {
  PairReport report;
  PairLinter linter(report);
  std::vector<bool> used(second.vrrpInstances.size(), false);
  for (const auto& a : first.vrrpInstances) {
    std::optional<std::size_t> match;
    for (std::size_t j = 0; j < second.vrrpInstances.size() && !match; ++j) {
      const auto& b = second.vrrpInstances[j];
      if (!used[j] && b.virtualRouterId == a.virtualRouterId && b.interface == a.interface) match = j;
    }
    for (std::size_t j = 0; j < second.vrrpInstances.size() && !match; ++j) {
      if (!used[j] && second.vrrpInstances[j].virtualRouterId == a.virtualRouterId) match = j;
    }
    if (!match) {
      linter.problem(a.where, a.name + " (vrid " + str(a.virtualRouterId) + "): only in " + a.where.file +
                                  ": the other router has no instance with this virtual_router_id, so nothing "
                                  "backs it up");
      continue;
    }
    used[*match] = true;
    linter.compare(first, a, second, second.vrrpInstances[*match]);
  }
  for (std::size_t j = 0; j < second.vrrpInstances.size(); ++j) {
    if (used[j]) continue;
    const auto& b = second.vrrpInstances[j];
    linter.problem(b.where, b.name + " (vrid " + str(b.virtualRouterId) + "): only in " + b.where.file +
                                ": the other router has no instance with this virtual_router_id, so nothing "
                                "backs it up");
  }
  return report;
}

}  // namespace havip::config
