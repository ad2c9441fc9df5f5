#include "net/errors.h"

#include <cerrno>

#include <gtest/gtest.h>

namespace havip::net {
namespace {

std::error_code errnoCode(int e) { return {e, std::generic_category()}; }

TEST(DescribeError, NamesTheCapabilityForEpermAndEacces) {
  EXPECT_EQ(describe(errnoCode(EPERM), kNetAdmin), "Operation not permitted (havipd needs CAP_NET_ADMIN)");
  EXPECT_EQ(describe(errnoCode(EACCES), "CAP_NET_RAW"), "Permission denied (havipd needs CAP_NET_RAW)");
}

TEST(DescribeError, SystemCategoryErrnoToo) {
  // Boost.Asio and libmnl callers hand errno over in the system category.
  EXPECT_EQ(describe(std::error_code(EPERM, std::system_category()), kNetAdmin),
            "Operation not permitted (havipd needs CAP_NET_ADMIN)");
}

TEST(DescribeError, OtherErrorsAreLeftAlone) {
  EXPECT_EQ(describe(errnoCode(ENODEV), kNetAdmin), "No such device");
  EXPECT_EQ(describe(errnoCode(EEXIST), kNetAdmin), "File exists");
}

}  // namespace
}  // namespace havip::net
