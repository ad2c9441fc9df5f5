#include "net/errors.h"

namespace havip::net {

std::string describe(const std::error_code& ec, std::string_view capability) {
  std::string text = ec.message();
  if (ec == std::errc::operation_not_permitted || ec == std::errc::permission_denied) {
    text += " (havipd needs ";
    text += capability;
    text += ")";
  }
  return text;
}

}  // namespace havip::net
