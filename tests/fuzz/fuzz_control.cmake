# libFuzzer target for the control protocol (lib/control/protocol.h).
havip_fuzz_target(fuzz_control ${CMAKE_CURRENT_LIST_DIR}/fuzz_control.cpp havip_control)
