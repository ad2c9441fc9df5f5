// Small helpers shared by the router tests: configs like the seed lab's and a
// readable view of an Actions list.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <type_traits>
#include <vector>

#include <gtest/gtest.h>

#include "vrrp/router.h"

namespace havip::vrrp::test {

using namespace std::chrono_literals;

inline net::Ipv4Address ip(const char* text) { return *net::Ipv4Address::parse(text); }

// The seed's VI_1: VRID 51, advert_int 1, VIP 10.11.12.99, PASS 1111.
inline RouterConfig seedConfig(std::uint8_t priority, const char* address) {
  RouterConfig c;
  c.name = "VI_1";
  c.vrid = 51;
  c.priority = priority;
  c.advertInterval = 1s;
  c.primaryAddress = ip(address);
  c.authType = AuthType::SimpleText;
  c.authData = AuthData{'1', '1', '1', '1', 0, 0, 0, 0};
  c.vips = {ip("10.11.12.99")};
  return c;
}

inline Advert advertFrom(const RouterConfig& c, std::uint8_t priority) {
  Advert a;
  a.vrid = c.vrid;
  a.priority = priority;
  a.authType = c.authType;
  a.advertIntervalSec = static_cast<std::uint8_t>(c.advertInterval.count());
  a.addresses = c.vips;
  a.authData = c.authData;
  return a;
}

// "StateChanged(BACKUP->MASTER)", "InstallVips", "Garp(5)", "Advert(100)",
// "Arm(+3609375us)" relative to t0, "Arm(off)".
inline std::vector<std::string> describe(const Actions& acts, TimePoint t0) {
  std::vector<std::string> out;
  for (const auto& action : acts) {
    std::visit(
        [&](const auto& a) {
          using T = std::decay_t<decltype(a)>;
          if constexpr (std::is_same_v<T, StateChanged>) {
            out.push_back("StateChanged(" + std::string(toString(a.from)) + "->" +
                          std::string(toString(a.to)) + ")");
          } else if constexpr (std::is_same_v<T, InstallVips>) {
            out.push_back("InstallVips");
          } else if constexpr (std::is_same_v<T, RemoveVips>) {
            out.push_back("RemoveVips");
          } else if constexpr (std::is_same_v<T, SendGratuitousArp>) {
            out.push_back("Garp(" + std::to_string(a.count) + ")");
          } else if constexpr (std::is_same_v<T, SendAdvert>) {
            out.push_back("Advert(" + std::to_string(a.advert.priority) + ")");
          } else if constexpr (std::is_same_v<T, ArmTimer>) {
            if (!a.at) {
              out.push_back("Arm(off)");
            } else {
              const auto us = std::chrono::duration_cast<std::chrono::microseconds>(*a.at - t0);
              out.push_back("Arm(+" + std::to_string(us.count()) + "us)");
            }
          }
        },
        action);
  }
  return out;
}

// The first action of type T; a test failure (and a default T) when absent.
template <typename T>
const T& the(const Actions& acts) {
  for (const auto& a : acts) {
    if (const auto* p = std::get_if<T>(&a)) return *p;
  }
  ADD_FAILURE() << "no action of the expected type";
  static const T kNone{};
  return kNone;
}

template <typename T>
std::size_t count(const Actions& acts) {
  std::size_t n = 0;
  for (const auto& a : acts) n += std::holds_alternative<T>(a) ? 1 : 0;
  return n;
}

}  // namespace havip::vrrp::test
