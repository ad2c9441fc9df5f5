// Logging for every havip component: one named spdlog logger per component,
// all writing through one shared sink chosen by setupLogging().
//
// What each level means (the single place this is written down):
//   error  something failed and havip could not do what it was asked or
//          configured to do (a VIP could not be installed, a socket died).
//   warn   something is wrong outside havip but it carries on (a bad advert
//          from a peer, a refused reload, a control client refused).
//   info   state that an operator cares about changed: VRRP transitions with
//          their reason, reloads, checks and trackers flipping, startup and
//          shutdown. Quiet in steady state.
//   debug  one line per message: each advert sent or received, each netlink
//          request, each control request, each SMTP command.
//   trace  hex dumps of packets and frames.
//
// Threading: the loggers themselves are thread-safe (spdlog _mt sinks), but
// setupLogging() must run before other threads log (at startup).
#pragma once

#include <array>
#include <memory>
#include <optional>
#include <string_view>

#include <spdlog/common.h>
#include <spdlog/logger.h>

namespace havip::log {

enum class Component { Vrrp, Netlink, Ipvs, Check, Smtp, Control, Track, Daemon };
inline constexpr std::array kAllComponents = {
    Component::Vrrp, Component::Netlink, Component::Ipvs,    Component::Check,
    Component::Smtp, Component::Control, Component::Track, Component::Daemon};

// The logger's name, e.g. "vrrp"; also its name in spdlog's registry.
std::string_view toString(Component);

// The component's logger. Created once (on first use of any of them) and
// shared; the reference stays valid for the life of the process.
spdlog::logger& logger(Component);

inline spdlog::logger& vrrp() { return logger(Component::Vrrp); }
inline spdlog::logger& netlink() { return logger(Component::Netlink); }
inline spdlog::logger& ipvs() { return logger(Component::Ipvs); }
inline spdlog::logger& check() { return logger(Component::Check); }
inline spdlog::logger& smtp() { return logger(Component::Smtp); }
inline spdlog::logger& control() { return logger(Component::Control); }
inline spdlog::logger& track() { return logger(Component::Track); }
inline spdlog::logger& daemon() { return logger(Component::Daemon); }

using Level = spdlog::level::level_enum;

// "--log-level" values: trace, debug, info, warn, error. Anything else: nullopt.
std::optional<Level> parseLevel(std::string_view name);
std::string_view levelNames();  // "trace|debug|info|warn|error", for usage text

// True when stderr is the journal stream systemd gave us: JOURNAL_STREAM is
// set and names stderr's device:inode (as systemd.exec(5) recommends checking,
// so a child whose stderr was redirected does not believe it).
bool stderrIsJournal();

// Points every component logger at stderr with the given level.
// underSystemd: "<6>vrrp: message" lines, the sd-daemon(3) priority prefix
// journald turns into PRIORITY=, and no timestamp (journald adds its own);
// otherwise "2024-05-01 12:00:00.123 info vrrp: message". Idempotent.
void setupLogging(Level level, bool underSystemd);
// The same with another sink (a file, or a buffer a test reads).
void setupLogging(Level level, bool underSystemd, spdlog::sink_ptr sink);

}  // namespace havip::log
