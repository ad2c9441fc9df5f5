// Whether tracking can move mastership, from configuration alone: one file on
// its own (`havipd --check-config` prints these as warnings) and the two
// routers' files compared (`havipctl lint`). Pure: no I/O, no clock.
// The rules and their messages are documented in docs/config.md ("Tracking
// and mastership").
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "config/diagnostics.h"
#include "config/model.h"

namespace havip::config {

// The priority gap the single-file check assumes between the two routers
// (keepalived guides' and the seed's 100/90): a tracker that moves this
// router's priority by this much or less gets a warning.
inline constexpr int kAssumedPriorityGap = 10;

// An instance's effective priority by keepalived's rules, given whether each
// of TRACKERS is OK (ok[i] for trackers[i]). nullopt: FAULT.
//   weight 0: FAULT while failing (while OK when reverse);
//   weight W > 0: +W while OK; weight W < 0: W while failing; reverse negates;
//   the sum is clamped to 1..254; base priority 255 is never adjusted.
std::optional<int> effectivePriority(int base, std::span<const TrackerRef> trackers, const std::vector<bool>& ok);

// Single-file warnings, located at the track_script/track_interface entry
// (or the instance for nopreempt).
std::vector<Diagnostic> lintMastership(const Config& config);

struct LintFinding {
  enum class Kind { Problem, Note };
  Kind kind = Kind::Problem;
  SourceLocation where;
  std::string message;

  std::string toString() const;  // "FILE:LINE:COL: problem: MESSAGE" (or "note:")
};

struct PairReport {
  std::vector<LintFinding> findings;  // in instance order of the first config

  bool clean() const;  // no Problem
};

// Compares the two routers' configs (either order: each instance's role comes
// from its state and priority). Instances are paired by virtual_router_id.
PairReport lintPair(const Config& first, const Config& second);

}  // namespace havip::config
