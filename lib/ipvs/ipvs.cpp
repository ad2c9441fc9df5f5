#include "ipvs/ipvs.h"

#include <string>

namespace havip::ipvs {
namespace {

class Category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "ipvs"; }
  std::string message(int value) const override {
    switch (static_cast<IpvsError>(value)) {
      case IpvsError::FamilyNotFound:
        // The kernel loads ip_vs itself when the family is looked up, so this
        // means the module is missing or could not be loaded.
        return "IPVS is not available: no generic netlink family \"IPVS\" (no ip_vs module in this kernel, or it "
               "could not be loaded)";
      case IpvsError::Truncated: return "IPVS reply truncated: larger than the receive buffer";
      case IpvsError::BadReply: return "IPVS reply malformed or not matching the request";
    }
    return "unknown IPVS error";
  }
  std::error_condition default_error_condition(int value) const noexcept override {
    switch (static_cast<IpvsError>(value)) {
      case IpvsError::FamilyNotFound: return std::errc::protocol_not_supported;
      case IpvsError::Truncated: return std::errc::message_size;
      case IpvsError::BadReply: return std::errc::bad_message;
    }
    return {value, *this};
  }
};

}  // namespace

const std::error_category& ipvsCategory() {
  static const Category category;
  return category;
}

std::error_code make_error_code(IpvsError e) { return {static_cast<int>(e), ipvsCategory()}; }

}  // namespace havip::ipvs
