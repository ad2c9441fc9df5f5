// The real rtnetlink implementations against the kernel, judged by iproute2.
// Runs only inside the namespace run.sh creates (it changes eth0 there).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <set>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <boost/asio/io_context.hpp>

#include "netlink/kernel_netlink.h"

namespace havip::netlink {
namespace {

using namespace std::chrono_literals;

const net::Ipv4Prefix kVip = *net::Ipv4Prefix::parse("10.11.12.99/32");

struct CommandResult {
  int status = -1;
  std::string out;
};

CommandResult runCommand(const std::string& command) {
  CommandResult result;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return result;
  char chunk[4096];
  std::size_t got = 0;
  while ((got = std::fread(chunk, 1, sizeof chunk, pipe)) > 0) result.out.append(chunk, got);
  result.status = ::pclose(pipe);
  return result;
}

void mustRun(const std::string& command) {
  const auto result = runCommand(command);
  ASSERT_EQ(result.status, 0) << command << ": " << result.out;
}

// The independent judge: iproute2's view of eth0's IPv4 addresses.
std::set<std::string> ipAddrShow(const std::string& dev) {
  const auto result = runCommand("ip -j -4 addr show dev " + dev);
  EXPECT_EQ(result.status, 0) << result.out;
  std::set<std::string> out;
  const auto json = nlohmann::json::parse(result.out, nullptr, false);
  if (json.is_discarded() || !json.is_array()) {
    ADD_FAILURE() << "ip -j output is not a JSON array: " << result.out;
    return out;
  }
  for (const auto& link : json) {
    for (const auto& info : link.value("addr_info", nlohmann::json::array())) {
      out.insert(info.value("local", std::string()) + "/" + std::to_string(info.value("prefixlen", -1)));
    }
  }
  return out;
}

nlohmann::json ipLinkShow(const std::string& dev) {
  const auto result = runCommand("ip -j link show dev " + dev);
  EXPECT_EQ(result.status, 0) << result.out;
  auto json = nlohmann::json::parse(result.out, nullptr, false);
  if (json.is_discarded() || !json.is_array() || json.empty()) return nlohmann::json::object();
  return json[0];
}

class NetlinkNetns : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // run.sh names the peer namespace; without it we would be on the host's eth0.
    ASSERT_NE(std::getenv("HAVIP_NL_PEER_NS"), nullptr)
        << "run this binary through tests/netns/netlink/run.sh, not directly";
  }

  void SetUp() override {
    auto kernel = KernelNetlink::open();
    ASSERT_TRUE(kernel) << kernel.error().message();
    kernel_ = std::move(*kernel);
    stream_ = std::make_unique<KernelEventStream>(io_);
    auto started = stream_->start([this](const Event& e) { events_.push_back(e); });
    ASSERT_TRUE(started) << started.error().message();
    auto eth0 = kernel_->byName("eth0");
    ASSERT_TRUE(eth0) << eth0.error().message();
    eth0_ = eth0->ifindex;
  }

  void TearDown() override {
    if (kernel_ && eth0_ > 0) (void)kernel_->remove(eth0_, kVip);
  }

  // Runs the loop until pred holds over the events seen so far, or the timeout.
  bool waitFor(const std::function<bool(const std::vector<Event>&)>& pred,
               std::chrono::milliseconds timeout = 3s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!pred(events_)) {
      if (std::chrono::steady_clock::now() >= deadline) return false;
      io_.restart();
      io_.run_for(10ms);
    }
    return true;
  }

  static std::function<bool(const std::vector<Event>&)> linkEvent(LinkChange change, int ifindex) {
    return [=](const std::vector<Event>& events) {
      for (const auto& e : events) {
        const auto* link = std::get_if<LinkEvent>(&e);
        if (link != nullptr && link->change == change && link->link.ifindex == ifindex) return true;
      }
      return false;
    };
  }
  static std::function<bool(const std::vector<Event>&)> addressEvent(bool added, int ifindex,
                                                                     const net::Ipv4Prefix& prefix) {
    return [=](const std::vector<Event>& events) {
      for (const auto& e : events) {
        const auto* a = std::get_if<AddressEvent>(&e);
        if (a != nullptr && a->added == added && a->address.ifindex == ifindex && a->address.prefix == prefix) {
          return true;
        }
      }
      return false;
    };
  }

  std::string describeEvents() const {
    std::string out;
    for (const auto& e : events_) out += "\n  " + toString(e);
    return out.empty() ? " (none)" : out;
  }

  boost::asio::io_context io_;
  std::unique_ptr<KernelNetlink> kernel_;
  std::unique_ptr<KernelEventStream> stream_;
  std::vector<Event> events_;
  int eth0_ = 0;
};

TEST_F(NetlinkNetns, VipAddIsIdempotentAndIpSeesIt) {
  ASSERT_EQ(ipAddrShow("eth0").count("10.11.12.99/32"), 0u) << "namespace not fresh";
  auto added = kernel_->add(eth0_, kVip, "");
  ASSERT_TRUE(added) << added.error().message();
  EXPECT_EQ(ipAddrShow("eth0").count("10.11.12.99/32"), 1u);
  auto again = kernel_->add(eth0_, kVip, "");
  EXPECT_TRUE(again) << "EEXIST must count as success: " << again.error().message();

  auto listed = kernel_->list(eth0_);
  ASSERT_TRUE(listed);
  EXPECT_TRUE(std::any_of(listed->begin(), listed->end(), [](const AddressInfo& a) { return a.prefix == kVip; }));
  EXPECT_TRUE(waitFor(addressEvent(true, eth0_, kVip))) << describeEvents();

  auto removed = kernel_->remove(eth0_, kVip);
  ASSERT_TRUE(removed) << removed.error().message();
  EXPECT_EQ(ipAddrShow("eth0").count("10.11.12.99/32"), 0u);
  auto removedAgain = kernel_->remove(eth0_, kVip);
  EXPECT_TRUE(removedAgain) << "EADDRNOTAVAIL must count as success: " << removedAgain.error().message();
  EXPECT_TRUE(waitFor(addressEvent(false, eth0_, kVip))) << describeEvents();
}

TEST_F(NetlinkNetns, LabelledVipShowsItsLabel) {
  ASSERT_TRUE(kernel_->add(eth0_, kVip, "eth0:vip"));
  const auto result = runCommand("ip -j -4 addr show dev eth0 label eth0:vip");
  ASSERT_EQ(result.status, 0);
  EXPECT_NE(result.out.find("10.11.12.99"), std::string::npos) << result.out;
}

TEST_F(NetlinkNetns, KernelErrorsComeBackAsErrno) {
  auto noDevice = kernel_->add(9999, kVip, "");
  ASSERT_FALSE(noDevice);
  EXPECT_EQ(noDevice.error(), std::error_code(ENODEV, std::generic_category())) << noDevice.error().message();
  EXPECT_EQ(kernel_->byName("nosuch0").error(), std::error_code(ENODEV, std::generic_category()));
}

TEST_F(NetlinkNetns, LinkLookupAgreesWithIp) {
  const auto judge = ipLinkShow("eth0");
  auto eth0 = kernel_->byName("eth0");
  ASSERT_TRUE(eth0);
  EXPECT_EQ(eth0->ifindex, judge.value("ifindex", -1));
  ASSERT_TRUE(eth0->mac.has_value());
  EXPECT_EQ(eth0->mac->toString(), judge.value("address", std::string()));
  EXPECT_TRUE(eth0->usable());
  EXPECT_EQ(judge.value("operstate", std::string()), "UP");
  EXPECT_EQ(eth0->operState, OperState::Up);

  ASSERT_TRUE(kernel_->add(eth0_, kVip, ""));  // a VIP must not become VRRP's source address
  auto primary = kernel_->primaryAddress(eth0_);
  ASSERT_TRUE(primary) << primary.error().message();
  EXPECT_EQ(primary->toString(), "10.11.12.1");
  auto lo = kernel_->byName("lo");
  ASSERT_TRUE(lo);
  EXPECT_EQ(kernel_->primaryAddress(lo->ifindex)->toString(), "127.0.0.1");
}

TEST_F(NetlinkNetns, AdminDownAndUpAreEvents) {
  mustRun("ip link set eth0 down");
  EXPECT_TRUE(waitFor(linkEvent(LinkChange::Down, eth0_))) << describeEvents();
  auto down = kernel_->byIndex(eth0_);
  ASSERT_TRUE(down);
  EXPECT_FALSE(down->up);
  mustRun("ip link set eth0 up");
  EXPECT_TRUE(waitFor(linkEvent(LinkChange::Up, eth0_))) << describeEvents();
}

TEST_F(NetlinkNetns, CarrierLossIsDownWhileAdminUp) {
  const std::string peer = std::getenv("HAVIP_NL_PEER_NS");
  mustRun("ip -n " + peer + " link set eth0 down");
  ASSERT_TRUE(waitFor(linkEvent(LinkChange::Down, eth0_))) << describeEvents();
  for (const auto& e : events_) {
    if (const auto* link = std::get_if<LinkEvent>(&e); link != nullptr && link->change == LinkChange::Down) {
      EXPECT_TRUE(link->link.up) << "administratively still up";
      EXPECT_FALSE(link->link.running);
    }
  }
  mustRun("ip -n " + peer + " link set eth0 up");
  EXPECT_TRUE(waitFor(linkEvent(LinkChange::Up, eth0_))) << describeEvents();
}

TEST_F(NetlinkNetns, AddressRemovedByHandIsAnEvent) {
  ASSERT_TRUE(kernel_->add(eth0_, kVip, ""));
  ASSERT_TRUE(waitFor(addressEvent(true, eth0_, kVip))) << describeEvents();
  mustRun("ip addr del 10.11.12.99/32 dev eth0");
  EXPECT_TRUE(waitFor(addressEvent(false, eth0_, kVip))) << describeEvents();
}

TEST_F(NetlinkNetns, RecreatedInterfaceHasANewIndex) {
  const std::string peer = std::getenv("HAVIP_NL_PEER_NS");
  const int old = eth0_;
  mustRun("ip link del eth0");
  ASSERT_TRUE(waitFor(linkEvent(LinkChange::Deleted, old))) << describeEvents();
  EXPECT_EQ(kernel_->byIndex(old).error(), std::error_code(ENODEV, std::generic_category()));

  mustRun("ip link add eth0 type veth peer name eth0 netns " + peer);
  auto fresh = kernel_->byName("eth0");
  ASSERT_TRUE(fresh);
  EXPECT_NE(fresh->ifindex, old);
  EXPECT_EQ(fresh->ifindex, ipLinkShow("eth0").value("ifindex", -1));
  EXPECT_TRUE(waitFor(linkEvent(LinkChange::Created, fresh->ifindex))) << describeEvents();
  eth0_ = fresh->ifindex;

  // Leave the namespace as run.sh made it for any test that runs after this one.
  mustRun("ip addr add 10.11.12.1/24 dev eth0");
  mustRun("ip link set eth0 up");
  mustRun("ip -n " + peer + " link set eth0 up");
  EXPECT_TRUE(waitFor(linkEvent(LinkChange::Up, eth0_))) << describeEvents();
}

TEST_F(NetlinkNetns, OverflowIsResyncedAndReported) {
  // A receive buffer too small for a burst: the kernel drops notifications
  // and says ENOBUFS, and the stream must recover the state from a dump.
  KernelOptions tiny;
  tiny.eventReceiveBuffer = 4096;
  KernelEventStream small(io_, tiny);
  std::vector<Event> seen;
  ASSERT_TRUE(small.start([&](const Event& e) { seen.push_back(e); }));

  constexpr int kBurst = 200;
  std::string batch;
  for (int i = 0; i < kBurst; ++i) {
    batch += "addr add 10.20." + std::to_string(i / 100) + "." + std::to_string(i % 100 + 1) + "/32 dev eth0\n";
  }
  {
    // The loop does not run while ip adds them all.
    FILE* ip = ::popen("ip -batch -", "w");
    ASSERT_NE(ip, nullptr);
    std::fputs(batch.c_str(), ip);
    ASSERT_EQ(::pclose(ip), 0);
  }

  const auto deadline = std::chrono::steady_clock::now() + 5s;
  auto resynced = [&] {
    return std::any_of(seen.begin(), seen.end(), [](const Event& e) { return std::holds_alternative<ResyncEvent>(e); });
  };
  while (!resynced() && std::chrono::steady_clock::now() < deadline) {
    io_.restart();
    io_.run_for(10ms);
  }
  EXPECT_TRUE(resynced()) << "no ResyncEvent after " << kBurst << " notifications into 4 KiB";
  EXPECT_GE(small.resyncCount(), 1u);
  // Whatever was delivered before the overflow plus the resync's differences
  // must account for every address the burst added.
  std::set<std::uint32_t> added;
  for (const auto& e : seen) {
    if (const auto* a = std::get_if<AddressEvent>(&e); a != nullptr && a->added && a->address.ifindex == eth0_) {
      added.insert(a->address.prefix.address.toHostOrder());
    }
  }
  for (int i = 0; i < kBurst; ++i) {
    const auto address = net::Ipv4Address({10, 20, static_cast<std::uint8_t>(i / 100),
                                           static_cast<std::uint8_t>(i % 100 + 1)});
    EXPECT_TRUE(added.contains(address.toHostOrder())) << address.toString() << " never reported";
  }
  small.stop();
  for (int i = 0; i < kBurst; ++i) {
    (void)kernel_->remove(eth0_, net::Ipv4Prefix{net::Ipv4Address({10, 20, static_cast<std::uint8_t>(i / 100),
                                                                   static_cast<std::uint8_t>(i % 100 + 1)}),
                                                 32});
  }
}

TEST_F(NetlinkNetns, StopMeansNoMoreHandlerCalls) {
  stream_->stop();
  const auto before = events_.size();
  mustRun("ip link set eth0 down");
  mustRun("ip link set eth0 up");
  io_.restart();
  io_.run_for(200ms);
  EXPECT_EQ(events_.size(), before);
}

}  // namespace
}  // namespace havip::netlink
