#include "netlink/state_mirror.h"

#include <gtest/gtest.h>

#include "golden.h"

namespace havip::netlink {
namespace {

using testing::golden;

LinkInfo link(int ifindex, const std::string& name, bool up, bool running) {
  LinkInfo l;
  l.ifindex = ifindex;
  l.name = name;
  l.up = up;
  l.running = running;
  l.lowerUp = running;
  return l;
}

AddressInfo address(int ifindex, const char* prefix, bool secondary = false) {
  return AddressInfo{ifindex, *net::Ipv4Prefix::parse(prefix), "eth0", secondary};
}

TEST(StateMirror, ClassifiesLinkChanges) {
  StateMirror mirror;
  mirror.reset({link(2, "eth0", true, true)}, {});

  EXPECT_EQ(mirror.apply(LinkMessage{false, link(2, "eth0", true, true)}), std::nullopt) << "a repeat";
  EXPECT_EQ(mirror.apply(LinkMessage{false, link(2, "eth0", true, false)}),
            Event(LinkEvent{LinkChange::Down, link(2, "eth0", true, false)}));
  EXPECT_EQ(mirror.apply(LinkMessage{false, link(2, "eth0", false, false)}),
            Event(LinkEvent{LinkChange::Changed, link(2, "eth0", false, false)}))
      << "already unusable: not a second Down";
  EXPECT_EQ(mirror.apply(LinkMessage{false, link(2, "eth0", true, true)}),
            Event(LinkEvent{LinkChange::Up, link(2, "eth0", true, true)}));
  EXPECT_EQ(mirror.apply(LinkMessage{false, link(5, "eth1", true, true)}),
            Event(LinkEvent{LinkChange::Created, link(5, "eth1", true, true)}));
  EXPECT_EQ(mirror.links().size(), 2u);
}

TEST(StateMirror, DeletedLinkForgetsItsAddresses) {
  StateMirror mirror;
  mirror.reset({link(2, "eth0", true, true), link(3, "eth1", true, true)},
               {address(2, "10.11.12.1/24"), address(3, "192.0.2.1/24")});
  EXPECT_EQ(mirror.apply(LinkMessage{true, link(2, "eth0", false, false)}),
            Event(LinkEvent{LinkChange::Deleted, link(2, "eth0", false, false)}));
  EXPECT_FALSE(mirror.links().contains(2));
  ASSERT_EQ(mirror.addresses().size(), 1u);
  EXPECT_EQ(mirror.addresses()[0].ifindex, 3);
}

TEST(StateMirror, AddressEvents) {
  StateMirror mirror;
  mirror.reset({link(2, "eth0", true, true)}, {address(2, "10.11.12.1/24")});
  EXPECT_EQ(mirror.apply(AddressMessage{false, address(2, "10.11.12.1/24")}), std::nullopt);
  EXPECT_EQ(mirror.apply(AddressMessage{false, address(2, "10.11.12.99/32")}),
            Event(AddressEvent{true, address(2, "10.11.12.99/32")}));
  // Removals are reported even for addresses the mirror never saw.
  EXPECT_EQ(mirror.apply(AddressMessage{true, address(2, "10.11.12.50/32")}),
            Event(AddressEvent{false, address(2, "10.11.12.50/32")}));
  EXPECT_EQ(mirror.apply(AddressMessage{true, address(2, "10.11.12.99/32")}),
            Event(AddressEvent{false, address(2, "10.11.12.99/32")}));
  EXPECT_EQ(mirror.addresses().size(), 1u);
}

TEST(StateMirror, ResyncReportsTheDifferenceThenResync) {
  StateMirror mirror;
  mirror.reset({link(2, "eth0", true, true), link(3, "eth1", true, true)},
               {address(2, "10.11.12.1/24"), address(2, "10.11.12.99/32")});
  // While notifications were lost: eth0 went down, eth1 was deleted, eth2
  // appeared, the VIP was removed and another address added.
  auto events = mirror.resync({link(2, "eth0", false, false), link(4, "eth2", true, true)},
                              {address(2, "10.11.12.1/24"), address(2, "10.11.12.7/24", true)});
  const std::vector<Event> expected = {
      LinkEvent{LinkChange::Deleted, link(3, "eth1", true, true)},
      LinkEvent{LinkChange::Down, link(2, "eth0", false, false)},
      LinkEvent{LinkChange::Created, link(4, "eth2", true, true)},
      AddressEvent{false, address(2, "10.11.12.99/32")},
      AddressEvent{true, address(2, "10.11.12.7/24", true)},
      ResyncEvent{},
  };
  EXPECT_EQ(events, expected);
  EXPECT_EQ(mirror.resync({link(2, "eth0", false, false), link(4, "eth2", true, true)},
                          {address(2, "10.11.12.1/24"), address(2, "10.11.12.7/24", true)}),
            std::vector<Event>{ResyncEvent{}})
      << "a second resync with nothing changed reports only the resync";
}

TEST(StateMirror, KernelDumpThenCapturedLinkDown) {
  auto dump = parseMessages(golden("newlink_dump.rx.bin"));
  ASSERT_TRUE(dump.has_value());
  std::vector<LinkInfo> links;
  for (const auto& m : *dump) links.push_back(std::get<LinkMessage>(m.body).link);
  StateMirror mirror;
  mirror.reset(links, {});

  auto down = parseMessage(golden("event_link_down.rx.bin"));
  ASSERT_TRUE(down.has_value());
  auto event = mirror.apply(std::get<LinkMessage>(down->body));
  ASSERT_TRUE(event.has_value());
  const auto& e = std::get<LinkEvent>(*event);
  EXPECT_EQ(e.change, LinkChange::Down);
  EXPECT_EQ(e.link.ifindex, 2);

  auto gone = parseMessage(golden("event_dellink.rx.bin"));
  ASSERT_TRUE(gone.has_value());
  event = mirror.apply(std::get<LinkMessage>(gone->body));
  ASSERT_TRUE(event.has_value());
  EXPECT_EQ(std::get<LinkEvent>(*event).change, LinkChange::Deleted);
  EXPECT_EQ(mirror.links().size(), 1u);
}

}  // namespace
}  // namespace havip::netlink
