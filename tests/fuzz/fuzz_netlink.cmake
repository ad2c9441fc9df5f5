# libFuzzer target for the rtnetlink reply parser (lib/netlink/codec.h); seeds are
# the kernel replies captured under tests/testdata/netlink/ (see docs/fuzzing.md).
havip_fuzz_target(fuzz_netlink ${CMAKE_CURRENT_LIST_DIR}/fuzz_netlink.cpp havip_netlink)
