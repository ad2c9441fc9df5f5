// FakeIpvs answers as ip_vs_ctl.c does (the errnos are listed in fake_ipvs.h).
#include "ipvs/fake_ipvs.h"

#include <gtest/gtest.h>

namespace havip::ipvs {
namespace {

const net::Ipv4Address kVip = *net::Ipv4Address::parse("10.11.12.99");
const net::Ipv4Address kNoeud1 = *net::Ipv4Address::parse("192.168.100.10");
const ServiceKey kKey = ServiceKey::inet(kVip, 80);

Service rr() { return Service{kKey, "rr", 0, 0, kDefaultNetmask}; }
Destination masq(net::Ipv4Address a, std::uint32_t w = 1) { return {a, 80, Forwarding::Masq, w, 0, 0, {}}; }

TEST(FakeIpvs, ServicesFollowTheKernelsErrnos) {
  FakeIpvs ipvs;
  ASSERT_TRUE(ipvs.addService(rr()));
  EXPECT_EQ(ipvs.addService(rr()).error(), std::errc::file_exists);
  Service unknown = rr();
  unknown.key.port = 81;
  unknown.scheduler = "nosuch";
  EXPECT_EQ(ipvs.addService(unknown).error(), std::errc::no_such_file_or_directory);
  EXPECT_EQ(ipvs.editService(unknown).error(), std::errc::no_such_process);
  EXPECT_EQ(ipvs.deleteService(unknown.key).error(), std::errc::no_such_process);
  Service wlc = rr();
  wlc.scheduler = "wlc";
  ASSERT_TRUE(ipvs.editService(wlc));
  EXPECT_EQ((*ipvs.services())[0].scheduler, "wlc");
  wlc.scheduler = "nosuch";
  EXPECT_EQ(ipvs.editService(wlc).error(), std::errc::no_such_file_or_directory);
}

TEST(FakeIpvs, DestinationsFollowTheKernelsErrnos) {
  FakeIpvs ipvs;
  EXPECT_EQ(ipvs.addDestination(kKey, masq(kNoeud1)).error(), std::errc::no_such_process);
  ASSERT_TRUE(ipvs.addService(rr()));
  ASSERT_TRUE(ipvs.addDestination(kKey, masq(kNoeud1)));
  EXPECT_EQ(ipvs.addDestination(kKey, masq(kNoeud1, 5)).error(), std::errc::file_exists);
  Destination other = masq(*net::Ipv4Address::parse("192.168.100.20"));
  EXPECT_EQ(ipvs.editDestination(kKey, other).error(), std::errc::no_such_file_or_directory);
  EXPECT_EQ(ipvs.deleteDestination(kKey, other).error(), std::errc::no_such_file_or_directory);
  Destination thresholds = other;
  thresholds.lowerThreshold = 10;  // above an upper threshold of 0
  EXPECT_EQ(ipvs.addDestination(kKey, thresholds).error(), std::errc::result_out_of_range);
  thresholds.upperThreshold = 0x80000000u;
  EXPECT_EQ(ipvs.addDestination(kKey, thresholds).error(), std::errc::invalid_argument);
  Destination negative = other;
  negative.weight = 0x80000000u;  // -2147483648 as the kernel's int: refused before sending
  EXPECT_EQ(ipvs.addDestination(kKey, negative).error(), std::errc::invalid_argument);
  for (const char* bad : {"0.0.0.0", "224.0.0.18", "255.255.255.255"}) {
    EXPECT_EQ(ipvs.addDestination(kKey, masq(*net::Ipv4Address::parse(bad))).error(), std::errc::invalid_argument)
        << bad;
  }
  ASSERT_TRUE(ipvs.editDestination(kKey, masq(kNoeud1, 0)));
  EXPECT_EQ((*ipvs.destinations(kKey))[0].weight, 0u);
}

TEST(FakeIpvs, DeletingAServiceDeletesItsDestinationsAndDumpsOfItAreEmpty) {
  FakeIpvs ipvs;
  ASSERT_TRUE(ipvs.addService(rr()));
  ASSERT_TRUE(ipvs.addDestination(kKey, masq(kNoeud1)));
  ASSERT_TRUE(ipvs.deleteService(kKey));
  auto dests = ipvs.destinations(kKey);
  ASSERT_TRUE(dests);
  EXPECT_TRUE(dests->empty());
  ASSERT_TRUE(ipvs.addService(rr()));
  EXPECT_TRUE(ipvs.destinations(kKey)->empty()) << "a re-created service starts without destinations";
}

TEST(FakeIpvs, NewestDestinationFirstAndCountersKept) {
  FakeIpvs ipvs;
  ASSERT_TRUE(ipvs.addService(rr()));
  const auto noeud2 = *net::Ipv4Address::parse("192.168.100.20");
  ASSERT_TRUE(ipvs.addDestination(kKey, masq(kNoeud1)));
  ASSERT_TRUE(ipvs.addDestination(kKey, masq(noeud2)));
  ASSERT_TRUE(ipvs.setConnections(kKey, kNoeud1, 80, 4, 9));
  ASSERT_TRUE(ipvs.editDestination(kKey, masq(kNoeud1, 3)));
  auto dests = *ipvs.destinations(kKey);
  ASSERT_EQ(dests.size(), 2u);
  EXPECT_EQ(dests[0].address, noeud2);
  EXPECT_EQ(dests[1].stats.activeConnections, 4u);
  EXPECT_EQ(dests[1].stats.inactiveConnections, 9u);
  EXPECT_EQ(dests[1].weight, 3u);
}

TEST(FakeIpvs, ApplyReportsEachOperationAndCounts) {
  FakeIpvs ipvs;
  const std::vector<Operation> ops = {Operation::addService(rr()), Operation::addService(rr()),
                                      Operation::addDestination(kKey, masq(kNoeud1))};
  auto results = ipvs.apply(ops);
  ASSERT_TRUE(results);
  ASSERT_EQ(results->size(), 3u);
  EXPECT_FALSE((*results)[0]);
  EXPECT_EQ((*results)[1], std::errc::file_exists);
  EXPECT_FALSE((*results)[2]) << "a failed operation does not stop the next";
  EXPECT_EQ(ipvs.counters().applyCalls, 1u);
  EXPECT_EQ(ipvs.counters().operations, 3u);
  EXPECT_EQ(ipvs.counters().failed, 1u);
  ipvs.failNext(std::make_error_code(std::errc::permission_denied));
  EXPECT_EQ(ipvs.deleteService(kKey).error(), std::errc::permission_denied);
  EXPECT_EQ(ipvs.services()->size(), 1u) << "an injected failure changes nothing";
}

TEST(FakeIpvs, UnavailableIpvsIsAClearError) {
  FakeIpvs ipvs;
  ipvs.setUnavailable(make_error_code(IpvsError::FamilyNotFound));
  auto s = ipvs.services();
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error(), std::errc::protocol_not_supported);
  EXPECT_NE(s.error().message().find("ip_vs module"), std::string::npos) << s.error().message();
  EXPECT_FALSE(ipvs.addService(rr()));
  ipvs.setUnavailable({});
  EXPECT_TRUE(ipvs.addService(rr()));
}

}  // namespace
}  // namespace havip::ipvs
