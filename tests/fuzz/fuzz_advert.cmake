# libFuzzer target for the VRRPv2 advert decoder (lib/vrrp/advert.h); seed
# corpus in tests/fuzz/corpus/advert/ (keepalived's golden packets + variants).
#   cmake -S . -B build-fuzz-advert -DHAVIP_FUZZ=ON -DHAVIP_TESTS=OFF -DCMAKE_CXX_COMPILER=clang++
#   cmake --build build-fuzz-advert --target fuzz_advert -j2
#   mkdir -p /tmp/fuzz-advert-corpus
#   build-fuzz-advert/fuzz/fuzz_advert -max_total_time=60 /tmp/fuzz-advert-corpus tests/fuzz/corpus/advert
# (new inputs land in the first, scratch directory; the committed seeds stay small.)
havip_fuzz_target(fuzz_advert ${CMAKE_CURRENT_LIST_DIR}/fuzz_advert.cpp havip_vrrp)
