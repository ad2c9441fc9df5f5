// Writes the seed instance's adverts, as havip's encodePacket() builds them,
// into a classic pcap file (link type RAW: each record is one IPv4 packet) for
// tshark to judge. Records, in order:
//   1. Master advert, priority 100, from 10.11.12.1
//   2. Stop advert, priority 0, from 10.11.12.1
//   3. Record 1 with one auth byte flipped and the checksum left alone: the
//      negative control, tshark must call its VRRP checksum bad.
// Usage: write_advert_pcap OUT.pcap
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <vector>

#include "vrrp/advert.h"

namespace {

using havip::net::Ipv4Address;
namespace vrrp = havip::vrrp;

constexpr std::uint32_t kPcapMagic = 0xa1b2c3d4;  // microsecond timestamps
constexpr std::uint32_t kLinkTypeRaw = 101;       // LINKTYPE_RAW: starts at the IP header

void put32(std::ofstream& out, std::uint32_t v) {
  // pcap is written in the writer's byte order; the magic tells readers which.
  out.write(reinterpret_cast<const char*>(&v), sizeof v);
}
void put16(std::ofstream& out, std::uint16_t v) { out.write(reinterpret_cast<const char*>(&v), sizeof v); }

void writeRecord(std::ofstream& out, std::uint32_t second, const std::vector<std::uint8_t>& packet) {
  put32(out, second);
  put32(out, 0);
  put32(out, static_cast<std::uint32_t>(packet.size()));
  put32(out, static_cast<std::uint32_t>(packet.size()));
  out.write(reinterpret_cast<const char*>(packet.data()), static_cast<std::streamsize>(packet.size()));
}

vrrp::Advert seedAdvert(std::uint8_t priority) {
  vrrp::Advert advert;
  advert.vrid = 51;
  advert.priority = priority;
  advert.authType = vrrp::AuthType::SimpleText;
  advert.advertIntervalSec = 1;
  advert.addresses = {*Ipv4Address::parse("10.11.12.99")};
  advert.authData = vrrp::authDataFromPassword("1111");
  return advert;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUT.pcap\n", argv[0]);
    return 2;
  }
  std::ofstream out(argv[1], std::ios::binary | std::ios::trunc);
  if (!out) {
    std::fprintf(stderr, "write_advert_pcap: cannot open %s\n", argv[1]);
    return 1;
  }
  put32(out, kPcapMagic);
  put16(out, 2);  // version 2.4
  put16(out, 4);
  put32(out, 0);  // thiszone
  put32(out, 0);  // sigfigs
  put32(out, 65535);
  put32(out, kLinkTypeRaw);

  const auto source = *Ipv4Address::parse("10.11.12.1");
  const auto master = vrrp::encodePacket(seedAdvert(100), source, 1);
  auto corrupted = master;
  corrupted[corrupted.size() - 8] ^= 0x01;  // first auth byte: '1' -> '0'
  writeRecord(out, 1, master);
  writeRecord(out, 2, vrrp::encodePacket(seedAdvert(0), source, 2));
  writeRecord(out, 3, corrupted);
  out.close();
  if (!out) {
    std::fprintf(stderr, "write_advert_pcap: writing %s failed\n", argv[1]);
    return 1;
  }
  return 0;
}
