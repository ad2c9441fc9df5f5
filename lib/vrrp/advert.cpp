#include "vrrp/advert.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

namespace havip::vrrp {
namespace {

constexpr std::size_t kVrrpHeaderSize = 8;  // up to and including the checksum
constexpr std::size_t kIpv4HeaderSize = 20;
constexpr std::size_t kMinMessageSize = kVrrpHeaderSize + kAuthDataSize;

// keepalived 2.2.7 sends its adverts with TOS 0xc0 (precedence "internetwork
// control") and neither DF nor MF set: see tests/testdata/vrrp/README.md.
constexpr std::uint8_t kTos = 0xc0;
constexpr std::uint16_t kFlagMoreFragments = 0x2000;
constexpr std::uint16_t kFragmentOffsetMask = 0x1fff;

[[noreturn]] void invariantBroken(const char* what) {
  std::fprintf(stderr, "havip: vrrp codec invariant broken: %s\n", what);
  std::abort();
}

std::uint16_t load16(std::span<const std::uint8_t> bytes, std::size_t at) {
  return static_cast<std::uint16_t>((bytes[at] << 8) | bytes[at + 1]);
}

void store16(std::vector<std::uint8_t>& bytes, std::size_t at, std::uint16_t value) {
  bytes[at] = static_cast<std::uint8_t>(value >> 8);
  bytes[at + 1] = static_cast<std::uint8_t>(value);
}

// The Internet checksum (RFC 1071) as RFC 3768 5.3.8 asks for it: over the
// VRRP message only, no pseudo-header (that is VRRPv3). Summing a message
// whose checksum field is already filled in yields 0 when it is intact.
std::uint16_t internetChecksum(std::span<const std::uint8_t> bytes) {
  std::uint32_t sum = 0;
  std::size_t i = 0;
  for (; i + 1 < bytes.size(); i += 2) sum += load16(bytes, i);
  if (i < bytes.size()) sum += static_cast<std::uint32_t>(bytes[i]) << 8;
  while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<std::uint16_t>(~sum);
}

std::size_t messageSize(std::size_t addressCount) {
  return kVrrpHeaderSize + 4 * addressCount + kAuthDataSize;
}

// No early exit, so the time taken does not tell an attacker on the LAN how
// many leading bytes of a guessed password were right.
bool equalConstantTime(const AuthData& a, const AuthData& b) {
  std::uint8_t diff = 0;
  for (std::size_t i = 0; i < kAuthDataSize; ++i) diff = static_cast<std::uint8_t>(diff | (a[i] ^ b[i]));
  volatile std::uint8_t settled = diff;  // keeps the loop from being short-circuited
  return settled == 0;
}

bool sameAddressSet(std::vector<net::Ipv4Address> a, std::vector<net::Ipv4Address> b) {
  if (a.size() != b.size()) return false;
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  return a == b;
}

}  // namespace

std::string_view toString(DropReason reason) {
  switch (reason) {
    case DropReason::TooShort: return "too_short";
    case DropReason::BadIpHeader: return "bad_ip_header";
    case DropReason::TtlNot255: return "ttl_not_255";
    case DropReason::VersionNot2: return "version_not_2";
    case DropReason::TypeNot1: return "type_not_1";
    case DropReason::LengthMismatch: return "length_mismatch";
    case DropReason::BadChecksum: return "bad_checksum";
    case DropReason::VridMismatch: return "vrid_mismatch";
    case DropReason::AuthTypeMismatch: return "auth_type_mismatch";
    case DropReason::PasswordMismatch: return "password_mismatch";
    case DropReason::IntervalMismatch: return "interval_mismatch";
    case DropReason::AddressMismatch: return "address_mismatch";
    case DropReason::OwnerConflict: return "owner_conflict";
  }
  return "unknown";
}

std::vector<std::uint8_t> encode(const Advert& advert) {
  if (advert.addresses.size() > 255) invariantBroken("more than 255 addresses in one advert");
  std::vector<std::uint8_t> out(messageSize(advert.addresses.size()), 0);
  out[0] = static_cast<std::uint8_t>((kVersion << 4) | kTypeAdvertisement);
  out[1] = advert.vrid;
  out[2] = advert.priority;
  out[3] = static_cast<std::uint8_t>(advert.addresses.size());
  out[4] = static_cast<std::uint8_t>(advert.authType);
  out[5] = advert.advertIntervalSec;
  std::size_t at = kVrrpHeaderSize;
  for (const auto& address : advert.addresses) {
    std::copy(address.octets().begin(), address.octets().end(), out.begin() + static_cast<std::ptrdiff_t>(at));
    at += 4;
  }
  std::copy(advert.authData.begin(), advert.authData.end(), out.begin() + static_cast<std::ptrdiff_t>(at));
  store16(out, 6, internetChecksum(out));
  return out;
}

std::vector<std::uint8_t> encodePacket(const Advert& advert, net::Ipv4Address source,
                                       std::uint16_t ipId) {
  const auto message = encode(advert);
  std::vector<std::uint8_t> out(kIpv4HeaderSize);
  out.reserve(kIpv4HeaderSize + message.size());
  out[0] = 0x45;  // version 4, IHL 5: no options, as keepalived sends
  out[1] = kTos;
  store16(out, 2, static_cast<std::uint16_t>(kIpv4HeaderSize + message.size()));
  store16(out, 4, ipId);
  store16(out, 6, 0);  // flags and fragment offset: DF clear, like keepalived
  out[8] = kRequiredTtl;
  out[9] = kIpProtocol;
  std::copy(source.octets().begin(), source.octets().end(), out.begin() + 12);
  std::copy(net::kVrrpGroup.octets().begin(), net::kVrrpGroup.octets().end(), out.begin() + 16);
  store16(out, 10, internetChecksum(out));
  out.insert(out.end(), message.begin(), message.end());
  return out;
}

tl::expected<Advert, DropReason> decode(std::span<const std::uint8_t> message) {
  // RFC 3768 7.1 lists the version check before the length check, but a
  // version byte needs a first byte to exist; anything below the fixed part
  // (header + auth data) cannot be a VRRPv2 advert at all.
  if (message.size() < kMinMessageSize) return tl::unexpected(DropReason::TooShort);
  if ((message[0] >> 4) != kVersion) return tl::unexpected(DropReason::VersionNot2);
  if ((message[0] & 0x0f) != kTypeAdvertisement) return tl::unexpected(DropReason::TypeNot1);
  const std::size_t count = message[3];
  // keepalived 2.2.7 also insists on the exact length; trailing bytes would
  // leave it ambiguous what the checksum and the auth data cover.
  if (message.size() != messageSize(count)) return tl::unexpected(DropReason::LengthMismatch);
  if (internetChecksum(message) != 0) return tl::unexpected(DropReason::BadChecksum);

  Advert advert;
  advert.vrid = message[1];
  advert.priority = message[2];
  advert.authType = static_cast<AuthType>(message[4]);  // unknown values fail validate()
  advert.advertIntervalSec = message[5];
  advert.addresses.reserve(count);
  std::size_t at = kVrrpHeaderSize;
  for (std::size_t i = 0; i < count; ++i, at += 4)
    advert.addresses.emplace_back(std::array<std::uint8_t, 4>{message[at], message[at + 1],
                                                              message[at + 2], message[at + 3]});
  std::copy_n(message.begin() + static_cast<std::ptrdiff_t>(at), kAuthDataSize, advert.authData.begin());
  return advert;
}

tl::expected<ReceivedAdvert, DropReason> decodePacket(std::span<const std::uint8_t> packet) {
  if (packet.size() < kIpv4HeaderSize + kMinMessageSize) return tl::unexpected(DropReason::TooShort);
  if ((packet[0] >> 4) != 4) return tl::unexpected(DropReason::BadIpHeader);
  const std::size_t headerSize = std::size_t{packet[0] & 0x0fu} * 4;
  const std::size_t totalLength = load16(packet, 2);
  if (headerSize < kIpv4HeaderSize || totalLength < headerSize || totalLength > packet.size())
    return tl::unexpected(DropReason::BadIpHeader);
  if (packet[9] != kIpProtocol) return tl::unexpected(DropReason::BadIpHeader);
  // The kernel reassembles before a raw socket sees anything, so a fragment
  // here is forged or broken; its payload is not a whole VRRP message.
  const std::uint16_t fragment = load16(packet, 6);
  if ((fragment & kFlagMoreFragments) || (fragment & kFragmentOffsetMask))
    return tl::unexpected(DropReason::BadIpHeader);
  // The IP header checksum is not checked: ip_rcv() has already dropped any
  // packet whose header checksum is wrong before raw sockets see it.
  if (totalLength - headerSize < kMinMessageSize) return tl::unexpected(DropReason::TooShort);
  // RFC 3768 7.1: "MUST verify that the IP TTL is 255", first of the checks.
  if (packet[8] != kRequiredTtl) return tl::unexpected(DropReason::TtlNot255);

  // Bytes past the IP total length are link-layer padding, not VRRP.
  auto advert = decode(packet.subspan(headerSize, totalLength - headerSize));
  if (!advert) return tl::unexpected(advert.error());
  ReceivedAdvert received;
  received.source = net::Ipv4Address({packet[12], packet[13], packet[14], packet[15]});
  received.destination = net::Ipv4Address({packet[16], packet[17], packet[18], packet[19]});
  received.ttl = packet[8];
  received.advert = std::move(*advert);
  return received;
}

std::optional<std::uint8_t> peekVrid(std::span<const std::uint8_t> packet) {
  if (packet.empty() || (packet[0] >> 4) != 4) return std::nullopt;
  const std::size_t headerSize = std::size_t{packet[0] & 0x0fu} * 4;
  if (headerSize < kIpv4HeaderSize || packet.size() < headerSize + 2) return std::nullopt;
  return packet[headerSize + 1];
}

// RFC 3768 section 7.1, in the RFC's order (the checks before it are in
// decode() and decodePacket()):
//   "- MUST verify that the VRID is configured on the receiving interface and
//      the local router is not the IP Address owner (Priority equals 255
//      (decimal)).
//    - MUST verify that the Auth Type matches the locally configured
//      authentication method for the virtual router and perform that
//      authentication method.
//    If any one of the above checks fails, the receiver MUST discard the
//    packet, SHOULD log the event [...]
//    - MAY verify that "Count IP Addrs" and the list of IP Address matches the
//      IP_Addresses configured for the VRID
//    If the above check fails, the receiver SHOULD log the event [...]. If the
//    packet was not generated by the address owner (Priority does not equal
//    255 (decimal)), the receiver MUST drop the packet, otherwise continue
//    processing.
//    - MUST verify that the Adver Interval in the packet is the same as the
//      locally configured for this virtual router"
// So: an owner never accepts adverts for its own VRID (OwnerConflict, even a
// priority-0 one: RFC 6.4.3's owner is Master and has no one to take over
// from); an address-list mismatch is dropped unless the sender claims 255, in
// which case it is accepted and the caller still logs it (compare the lists
// itself). keepalived 2.2.7 differs there: it drops a mismatch from 255 too.
std::optional<DropReason> validate(const Advert& advert, const Expectation& expected) {
  if (advert.vrid != expected.vrid) return DropReason::VridMismatch;
  if (expected.localIsOwner) return DropReason::OwnerConflict;
  if (advert.authType != expected.authType) return DropReason::AuthTypeMismatch;
  // RFC 3768 5.3.6 deprecates authentication and 5.3.10 says to ignore the
  // data on reception; simple text is kept for RFC 2338 peers (keepalived's
  // auth_type PASS). For AuthType::None the data is ignored, as 5.3.10 says.
  if (advert.authType == AuthType::SimpleText && !equalConstantTime(advert.authData, expected.authData))
    return DropReason::PasswordMismatch;
  if (!sameAddressSet(advert.addresses, expected.addresses) && advert.priority != 255)
    return DropReason::AddressMismatch;
  if (advert.advertIntervalSec != expected.advertIntervalSec) return DropReason::IntervalMismatch;
  return std::nullopt;
}

AuthData authDataFromPassword(std::string_view password) {
  if (password.size() > kAuthDataSize) invariantBroken("password longer than 8 bytes");
  AuthData data{};
  std::copy(password.begin(), password.end(), data.begin());
  return data;
}

}  // namespace havip::vrrp
