# libFuzzer target for the IPVS generic netlink parser (lib/ipvs/codec.h); seeds
# are the request and reply files under tests/testdata/ipvs/ (see docs/fuzzing.md).
havip_fuzz_target(fuzz_ipvs ${CMAKE_CURRENT_LIST_DIR}/fuzz_ipvs.cpp havip_ipvs)
