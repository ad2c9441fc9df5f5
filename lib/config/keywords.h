// keepalived 2.2.7 keywords (keepalived.conf(5)) that havip knows but does not
// implement: the parser answers "unsupported: KEYWORD" for these, and
// "unknown keyword" for anything else it does not handle.
#pragma once

#include <span>
#include <string_view>

namespace havip::config {

enum class Block {
  Top,
  GlobalDefs,
  VrrpInstance,
  VrrpScript,
  TrackMemory,
  VirtualIpOption,  // words after an address in virtual_ipaddress { }
  VirtualServer,
  RealServer,
  Checker,  // TCP_CHECK / HTTP_GET
  Url,
  SyncGroup,  // vrrp_sync_group
};

std::span<const std::string_view> unsupportedKeywords(Block block);
bool isUnsupported(Block block, std::string_view keyword);
std::string_view toString(Block block);  // "top level", "global_defs", ...
// Why havip refuses KEYWORD, as " (reason)" to append to "unsupported: KEYWORD",
// for the keywords real configs carry that havip must not ignore (ignoring
// them would silently change what the file does); "" for the others.
std::string_view unsupportedReason(std::string_view keyword);

}  // namespace havip::config
