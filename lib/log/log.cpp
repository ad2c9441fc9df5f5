#include "log/log.h"

#include <sys/stat.h>
#include <unistd.h>

#include <charconv>
#include <cstdlib>
#include <string>

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace havip::log {
namespace {

// Writes the "<N>" prefix journald reads as the line's syslog priority
// (sd-daemon(3): "<7>" debug ... "<2>" critical). There is no trace level;
// trace and debug are both "<7>".
class PriorityPrefix final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    const std::string_view prefix = prefixFor(msg.level);
    dest.append(prefix.data(), prefix.data() + prefix.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<PriorityPrefix>();
  }

 private:
  static std::string_view prefixFor(Level level) {
    switch (level) {
      case Level::trace:
      case Level::debug: return "<7>";
      case Level::info: return "<6>";
      case Level::warn: return "<4>";
      case Level::err: return "<3>";
      case Level::critical: return "<2>";
      case Level::off:
      case Level::n_levels: break;
    }
    return "<6>";
  }
};

std::unique_ptr<spdlog::formatter> makeFormatter(bool underSystemd) {
  auto formatter = std::make_unique<spdlog::pattern_formatter>();
  if (underSystemd) {
    formatter->add_flag<PriorityPrefix>('*').set_pattern("%*%n: %v");
  } else {
    formatter->set_pattern("%Y-%m-%d %H:%M:%S.%e %^%l%$ %n: %v");
  }
  return formatter;
}

struct Registry {
  std::array<std::shared_ptr<spdlog::logger>, kAllComponents.size()> loggers;

  Registry() {
    // Until setupLogging() runs (tests, early startup) everything goes to
    // stderr at info, timestamped.
    auto sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
    sink->set_formatter(makeFormatter(false));
    for (const Component c : kAllComponents) {
      auto logger = std::make_shared<spdlog::logger>(std::string(toString(c)), sink);
      logger->set_level(Level::info);
      // Registered so spdlog::get("vrrp") finds the same logger; a name taken
      // already (someone else registered it) is not worth failing over.
      try {
        if (!spdlog::get(logger->name())) spdlog::register_logger(logger);
      } catch (const spdlog::spdlog_ex&) {
      }
      loggers[static_cast<std::size_t>(c)] = std::move(logger);
    }
  }
};

Registry& registry() {
  static Registry instance;
  return instance;
}

}  // namespace

std::string_view toString(Component c) {
  switch (c) {
    case Component::Vrrp: return "vrrp";
    case Component::Netlink: return "netlink";
    case Component::Ipvs: return "ipvs";
    case Component::Check: return "check";
    case Component::Smtp: return "smtp";
    case Component::Control: return "control";
    case Component::Track: return "track";
    case Component::Daemon: return "daemon";
  }
  return "unknown";
}

spdlog::logger& logger(Component c) { return *registry().loggers[static_cast<std::size_t>(c)]; }

std::optional<Level> parseLevel(std::string_view name) {
  if (name == "trace") return Level::trace;
  if (name == "debug") return Level::debug;
  if (name == "info") return Level::info;
  if (name == "warn") return Level::warn;
  if (name == "error") return Level::err;
  return std::nullopt;
}

std::string_view levelNames() { return "trace|debug|info|warn|error"; }

bool stderrIsJournal() {
  const char* env = std::getenv("JOURNAL_STREAM");
  if (env == nullptr) return false;
  const std::string_view value(env);
  const auto colon = value.find(':');
  if (colon == std::string_view::npos) return false;
  unsigned long long dev = 0;
  unsigned long long ino = 0;
  const auto devEnd = value.data() + colon;
  const auto end = value.data() + value.size();
  if (std::from_chars(value.data(), devEnd, dev).ptr != devEnd) return false;
  if (std::from_chars(devEnd + 1, end, ino).ptr != end) return false;
  struct stat st {};
  if (::fstat(STDERR_FILENO, &st) != 0) return false;
  return static_cast<unsigned long long>(st.st_dev) == dev &&
         static_cast<unsigned long long>(st.st_ino) == ino;
}

void setupLogging(Level level, bool underSystemd) {
  spdlog::sink_ptr sink;
  if (underSystemd) {
    sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();  // journald wants no colour codes
  } else {
    sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  }
  setupLogging(level, underSystemd, std::move(sink));
}

void setupLogging(Level level, bool underSystemd, spdlog::sink_ptr sink) {
  sink->set_formatter(makeFormatter(underSystemd));
  sink->set_level(Level::trace);  // the loggers' levels decide
  for (auto& logger : registry().loggers) {
    logger->sinks().assign(1, sink);
    logger->set_level(level);
    // Warnings and errors reach the terminal or journal before a crash could lose them.
    logger->flush_on(Level::warn);
  }
}

}  // namespace havip::log
