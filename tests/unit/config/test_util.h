// Helpers shared by the config tests.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "config/parser.h"

namespace havip::config::test {

inline std::vector<std::string> render(const std::vector<Diagnostic>& ds) {
  std::vector<std::string> out;
  for (const auto& d : ds) out.push_back(d.toString());
  return out;
}

// Every error of TEXT parsed as "t.conf" (empty when it parses).
inline std::vector<std::string> errorsOf(std::string_view text, const ParseOptions& options = {}) {
  auto r = parseString(text, "t.conf", options);
  if (r) return {};
  return render(r.error().errors);
}

inline std::vector<std::string> warningsOf(std::string_view text) {
  auto r = parseString(text, "t.conf");
  return r ? render(r->warnings) : render(r.error().warnings);
}

// A valid instance whose line 7 (column 5 after the indentation) is BODY.
inline std::string instanceWith(std::string_view body) {
  return std::string(
             "vrrp_instance VI_1 {\n"
             "    interface eth0\n"
             "    virtual_router_id 51\n"
             "    virtual_ipaddress {\n"
             "        10.11.12.99\n"
             "    }\n") +
         std::string(body) +
         "\n}\n"
         "vrrp_script chk {\n"
         "    script /bin/true\n"
         "}\n";
}

}  // namespace havip::config::test
