// Error text for kernel calls that need a capability: EPERM/EACCES alone
// ("Operation not permitted") does not tell an operator what to grant.
#pragma once

#include <string>
#include <string_view>
#include <system_error>

namespace havip::net {

// ec's message, plus " (havipd needs CAPABILITY)" when ec is EPERM or EACCES.
std::string describe(const std::error_code& ec, std::string_view capability);

// The one capability every rtnetlink write and every IPVS call needs.
inline constexpr std::string_view kNetAdmin = "CAP_NET_ADMIN";

}  // namespace havip::net
