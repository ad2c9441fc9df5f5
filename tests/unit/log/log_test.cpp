// Component loggers and the two output formats (journald and terminal).
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <regex>
#include <set>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include "log/log.h"

namespace havip::log {
namespace {

using ::testing::ElementsAre;

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

class Captured {
 public:
  Captured(Level level, bool underSystemd)
      : sink_(std::make_shared<spdlog::sinks::ostream_sink_mt>(stream_)) {
    setupLogging(level, underSystemd, sink_);
  }
  std::string text() const { return stream_.str(); }

 private:
  std::ostringstream stream_;
  std::shared_ptr<spdlog::sinks::ostream_sink_mt> sink_;
};

TEST(Log, LevelNames) {
  EXPECT_EQ(parseLevel("trace"), Level::trace);
  EXPECT_EQ(parseLevel("debug"), Level::debug);
  EXPECT_EQ(parseLevel("info"), Level::info);
  EXPECT_EQ(parseLevel("warn"), Level::warn);
  EXPECT_EQ(parseLevel("error"), Level::err);
  for (const char* bad : {"", "INFO", "warning", "err", "critical", "off", "info "}) {
    EXPECT_FALSE(parseLevel(bad)) << bad;
  }
  EXPECT_EQ(levelNames(), "trace|debug|info|warn|error");
}

TEST(Log, OneNamedLoggerPerComponentCreatedOnce) {
  std::set<std::string> names;
  for (const Component c : kAllComponents) {
    spdlog::logger& l = logger(c);
    EXPECT_EQ(&l, &logger(c));
    EXPECT_EQ(l.name(), toString(c));
    EXPECT_EQ(spdlog::get(l.name()).get(), &l) << "registered with spdlog under its name";
    names.insert(l.name());
  }
  EXPECT_EQ(names, (std::set<std::string>{"vrrp", "netlink", "ipvs", "check", "smtp", "control",
                                          "track", "daemon"}));
  EXPECT_EQ(&vrrp(), &logger(Component::Vrrp));
  EXPECT_EQ(&daemon(), &logger(Component::Daemon));
}

TEST(Log, UnderSystemdLinesCarryPriorityPrefixesAndNoTimestamp) {
  Captured captured(Level::trace, true);
  vrrp().trace("dump 45 00");
  netlink().debug("RTM_NEWADDR sent");
  vrrp().info("VI_1 BACKUP -> MASTER (master down: no advert for 3.648 s)");
  control().warn("client refused");
  ipvs().error("genl family IPVS not found");
  daemon().critical("abort");
  EXPECT_THAT(lines(captured.text()),
              ElementsAre("<7>vrrp: dump 45 00", "<7>netlink: RTM_NEWADDR sent",
                          "<6>vrrp: VI_1 BACKUP -> MASTER (master down: no advert for 3.648 s)",
                          "<4>control: client refused", "<3>ipvs: genl family IPVS not found",
                          "<2>daemon: abort"));
}

TEST(Log, OnATerminalLinesAreTimestamped) {
  Captured captured(Level::info, false);
  smtp().info("mail queued");
  const auto got = lines(captured.text());
  ASSERT_EQ(got.size(), 1U);
  EXPECT_TRUE(std::regex_match(got[0], std::regex(R"(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3} info smtp: mail queued)")))
      << got[0];
}

TEST(Log, LevelFiltersEveryComponent) {
  Captured captured(Level::warn, true);
  for (const Component c : kAllComponents) {
    logger(c).info("hidden");
    logger(c).debug("hidden");
    logger(c).warn("shown");
  }
  const auto got = lines(captured.text());
  EXPECT_EQ(got.size(), kAllComponents.size());
  for (const auto& l : got) EXPECT_THAT(l, ::testing::EndsWith(": shown"));
}

TEST(Log, SetupTwiceKeepsOneSinkPerLogger) {
  Captured first(Level::info, true);
  Captured second(Level::info, true);
  track().info("once");
  EXPECT_EQ(first.text(), "");
  EXPECT_EQ(second.text(), "<6>track: once\n");
  EXPECT_EQ(track().sinks().size(), 1U);
}

class JournalStreamEnv : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const char* v = std::getenv("JOURNAL_STREAM")) saved_ = v;
  }
  void TearDown() override {
    if (saved_) {
      ::setenv("JOURNAL_STREAM", saved_->c_str(), 1);
    } else {
      ::unsetenv("JOURNAL_STREAM");
    }
  }
  std::optional<std::string> saved_;
};

TEST_F(JournalStreamEnv, StderrIsJournalOnlyWhenJournalStreamNamesStderr) {
  struct stat st {};
  ASSERT_EQ(::fstat(STDERR_FILENO, &st), 0);
  ::unsetenv("JOURNAL_STREAM");
  EXPECT_FALSE(stderrIsJournal());
  ::setenv("JOURNAL_STREAM", (std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino)).c_str(), 1);
  EXPECT_TRUE(stderrIsJournal());
  ::setenv("JOURNAL_STREAM", (std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino + 1)).c_str(), 1);
  EXPECT_FALSE(stderrIsJournal()) << "inherited variable, stderr redirected elsewhere";
  ::setenv("JOURNAL_STREAM", "garbage", 1);
  EXPECT_FALSE(stderrIsJournal());
}

}  // namespace
}  // namespace havip::log
