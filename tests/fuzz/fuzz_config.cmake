# The keepalived.conf parser (includes disabled) — see tests/fuzz/fuzz_config.cpp.
havip_fuzz_target(fuzz_config ${CMAKE_CURRENT_SOURCE_DIR}/fuzz_config.cpp havip_config)
