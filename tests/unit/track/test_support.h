// Helpers for the track tests: a temp directory removed afterwards, files in it.
#pragma once

#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

namespace havip::track::test {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "havip-track-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) ADD_FAILURE() << "mkdtemp failed";
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  std::string file(const std::string& name) const { return (path_ / name).string(); }

  // Writes NAME atomically (write + rename), as a reader must never see half a file.
  std::string write(const std::string& name, const std::string& content, bool executable = false) const {
    const auto final = file(name);
    const auto tmp = final + ".tmp";
    {
      std::ofstream out(tmp, std::ios::trunc);
      out << content;
    }
    ::chmod(tmp.c_str(), executable ? 0755 : 0644);
    std::filesystem::rename(tmp, final);
    return final;
  }

 private:
  std::filesystem::path path_;
};

}  // namespace havip::track::test
