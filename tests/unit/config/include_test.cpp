// include: globs relative to the including file, positions in the included
// file, missing files, cycles, and the option that turns includes off.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "test_util.h"

namespace havip::config {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class Include : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "havip-config-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const std::string& relative, const std::string& text) {
    fs::path p = fs::path(dir_) / relative;
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
    return p.string();
  }

  std::string dir_;
};

const char* kInstanceHead =
    "vrrp_instance VI_1 {\n"
    "    interface eth0\n"
    "    virtual_router_id 51\n";

TEST_F(Include, GlobRelativeToTheIncludingFileInSortedOrder) {
  std::string main = write("main.conf", "include conf.d/*.conf\n");
  write("conf.d/20-script.conf", "vrrp_script chk {\n    script /bin/true\n}\n");
  write("conf.d/10-instance.conf",
        std::string(kInstanceHead) + "    virtual_ipaddress { 10.0.0.1 }\n    track_script { chk }\n}\n");
  write("conf.d/ignored.txt", "garbage\n");
  auto r = loadFile(main);
  ASSERT_TRUE(r) << r.error().errors[0].toString();
  ASSERT_EQ(r->config->vrrpInstances.size(), 1u);
  EXPECT_EQ(r->config->vrrpInstances[0].where, (SourceLocation{dir_ + "/conf.d/10-instance.conf", 1, 1}));
  EXPECT_EQ(r->config->vrrpScripts[0].where, (SourceLocation{dir_ + "/conf.d/20-script.conf", 1, 1}));
}

TEST_F(Include, NestedIncludesResolveAgainstTheirOwnDirectory) {
  std::string main = write("main.conf", "include sub/level1.conf\n");
  write("sub/level1.conf", "include deeper/level2.conf\n");
  write("sub/deeper/level2.conf", "global_defs {\n    router_id NESTED\n}\n");
  auto r = loadFile(main);
  ASSERT_TRUE(r) << r.error().errors[0].toString();
  EXPECT_EQ(r->config->globalDefs.routerId, "NESTED");
}

TEST_F(Include, InsideABlockAndWithBraceGlob) {
  std::string main = write("main.conf", std::string(kInstanceHead) +
                                            "    virtual_ipaddress {\n        include vips/{a,b}.conf\n    }\n}\n");
  write("vips/a.conf", "10.0.0.1\n");
  write("vips/b.conf", "10.0.0.2 dev eth1\n");
  auto r = loadFile(main);
  ASSERT_TRUE(r) << r.error().errors[0].toString();
  const auto& vips = r->config->vrrpInstances[0].virtualIps;
  ASSERT_EQ(vips.size(), 2u);
  EXPECT_EQ(vips[1].device, "eth1");
  EXPECT_EQ(vips[1].where, (SourceLocation{dir_ + "/vips/b.conf", 1, 1}));
}

TEST_F(Include, ErrorsInAnIncludedFileNameThatFile) {
  std::string main = write("main.conf", "\ninclude bad.conf\n");
  write("bad.conf", "global_defs {\n    smtp_connect_timeout never\n}\n");
  auto r = loadFile(main);
  ASSERT_FALSE(r);
  EXPECT_THAT(test::render(r.error().errors),
              ElementsAre(dir_ + "/bad.conf:2:26: smtp_connect_timeout must be an integer 1..3600, got 'never'"));
}

TEST_F(Include, NoMatchIsAnErrorAtTheIncludeLine) {
  std::string main = write("main.conf", "global_defs {\n}\n  include missing/*.conf\n");
  auto r = loadFile(main);
  ASSERT_FALSE(r);
  EXPECT_THAT(test::render(r.error().errors),
              ElementsAre(main + ":3:3: include 'missing/*.conf': no file matches " + dir_ + "/missing/*.conf"));
}

TEST_F(Include, MissingPlainFileIsAnErrorToo) {
  std::string main = write("main.conf", "include absent.conf\n");
  auto r = loadFile(main);
  ASSERT_FALSE(r);
  EXPECT_THAT(test::render(r.error().errors),
              ElementsAre(main + ":1:1: include 'absent.conf': no file matches " + dir_ + "/absent.conf"));
}

TEST_F(Include, CycleIsReportedAtTheIncludeThatClosesIt) {
  std::string a = write("a.conf", "include b.conf\n");
  std::string b = write("b.conf", "\ninclude a.conf\n");
  auto r = loadFile(a);
  ASSERT_FALSE(r);
  EXPECT_THAT(test::render(r.error().errors),
              ElementsAre(b + ":2:1: include cycle: " + a + " -> " + b + " -> " + dir_ + "/a.conf"));
}

TEST_F(Include, SelfIncludeIsACycle) {
  std::string a = write("a.conf", "include *.conf\n");
  auto r = loadFile(a);
  ASSERT_FALSE(r);
  ASSERT_EQ(r.error().errors.size(), 1u);
  EXPECT_THAT(r.error().errors[0].toString(), HasSubstr(a + ":1:1: include cycle: "));
}

TEST_F(Include, ParseStringResolvesAgainstBaseDirectory) {
  write("x.conf", "global_defs {\n    router_id FROM_X\n}\n");
  ParseOptions options;
  options.baseDirectory = dir_;
  auto r = parseString("include x.conf\n", "inline", options);
  ASSERT_TRUE(r) << r.error().errors[0].toString();
  EXPECT_EQ(r->config->globalDefs.routerId, "FROM_X");
}

TEST_F(Include, DisabledByOptionNeverTouchesTheFile) {
  write("x.conf", "global_defs {\n    router_id FROM_X\n}\n");
  ParseOptions options;
  options.baseDirectory = dir_;
  options.allowIncludes = false;
  EXPECT_THAT(test::errorsOf("include x.conf\n", options), ElementsAre("t.conf:1:1: include is disabled here"));
}

TEST_F(Include, QuotedIncludeWordIsNotAnInclude) {
  EXPECT_THAT(test::errorsOf("\"include\" x.conf\n"), ElementsAre("t.conf:1:1: unknown keyword 'include' in top level"));
}

}  // namespace
}  // namespace havip::config
