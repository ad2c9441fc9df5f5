// The corpus of broken configurations (tests/testdata/config/broken): each
// NAME.conf is refused, and its first error is exactly the line in NAME.expect.
// The position is the point: "FILE:LINE:COL: message", FILE relative to the
// corpus directory, "@DIR@" standing for that directory inside the message.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "config/parser.h"

namespace havip::config {
namespace {

namespace fs = std::filesystem;

const std::string kCorpus = std::string(HAVIP_TESTDATA) + "/config/broken";

std::string expectedFirstLine(const fs::path& conf) {
  fs::path expect = conf;
  expect.replace_extension(".expect");
  std::ifstream in(expect);
  std::string line;
  std::getline(in, line);
  std::string out = kCorpus + "/" + line;
  for (std::size_t at; (at = out.find("@DIR@")) != std::string::npos;) out.replace(at, 5, kCorpus);
  return out;
}

std::vector<fs::path> corpus() {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(kCorpus))
    if (entry.path().extension() == ".conf") files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  return files;
}

TEST(BrokenCorpus, IsLargeAndEveryConfHasAnExpect) {
  auto files = corpus();
  EXPECT_GE(files.size(), 30u);
  for (const auto& f : files) {
    fs::path expect = f;
    expect.replace_extension(".expect");
    EXPECT_TRUE(fs::exists(expect)) << expect;
  }
}

TEST(BrokenCorpus, EachRefusedAtItsPosition) {
  for (const auto& f : corpus()) {
    SCOPED_TRACE(f.filename().string());
    auto r = loadFile(f.string());
    ASSERT_FALSE(r) << f << " loaded";
    ASSERT_FALSE(r.error().errors.empty());
    EXPECT_EQ(r.error().errors.front().toString(), expectedFirstLine(f));
    // What `havipd --check-config` prints first: warnings come before errors,
    // and no file of the corpus has any, so its first line is the same.
    EXPECT_TRUE(r.error().warnings.empty()) << r.error().warnings.front().toString();
  }
}

}  // namespace
}  // namespace havip::config
