// VRRPv2 advertisement codec (RFC 3768 section 5) and receive-side validation
// (section 7.1). Pure functions over bytes: no sockets, no clock.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include <tl/expected.hpp>

#include "net/ipv4.h"

namespace havip::vrrp {

inline constexpr std::uint8_t kIpProtocol = 112;
inline constexpr std::uint8_t kVersion = 2;
inline constexpr std::uint8_t kTypeAdvertisement = 1;
inline constexpr std::uint8_t kRequiredTtl = 255;
inline constexpr std::size_t kAuthDataSize = 8;

enum class AuthType : std::uint8_t { None = 0, SimpleText = 1, Ah = 2 };

using AuthData = std::array<std::uint8_t, kAuthDataSize>;

// The VRRP message as carried after the IPv4 header.
struct Advert {
  std::uint8_t vrid = 0;
  std::uint8_t priority = 0;
  AuthType authType = AuthType::None;
  std::uint8_t advertIntervalSec = 1;
  std::vector<net::Ipv4Address> addresses;
  AuthData authData{};  // the password, NUL-padded, for SimpleText; zero otherwise

  bool operator==(const Advert&) const = default;
};

// An advert together with what the IPv4 header said about it.
struct ReceivedAdvert {
  net::Ipv4Address source;
  net::Ipv4Address destination;
  std::uint8_t ttl = 0;
  Advert advert;
};

// Every reason a received packet is dropped. Each one is counted separately.
enum class DropReason : std::uint8_t {
  TooShort,            // shorter than an IPv4 header + the 8-byte VRRP header + auth data
  BadIpHeader,         // not IPv4, bad IHL, total length beyond the buffer, or protocol not 112
  TtlNot255,           // RFC 3768 7.1: MUST verify the IP TTL is 255
  VersionNot2,
  TypeNot1,
  LengthMismatch,      // count of addresses inconsistent with the packet length
  BadChecksum,
  VridMismatch,        // no instance of ours on this interface has this VRID
  AuthTypeMismatch,
  PasswordMismatch,
  IntervalMismatch,
  AddressMismatch,     // address list differs and the sender is not the owner (priority 255)
  OwnerConflict,       // we own the addresses (priority 255) and someone else advertises them
};
inline constexpr std::size_t kDropReasonCount = 13;
std::string_view toString(DropReason);  // stable snake_case name, used in status and logs

// Encodes the VRRP message (no IP header) and fills in its checksum.
// Precondition: at most 255 addresses; authData is sent as given.
std::vector<std::uint8_t> encode(const Advert& advert);

// Encodes a whole IPv4 packet as a sender using IP_HDRINCL would put it on the
// wire: TOS 0xc0, DF clear, TTL 255, protocol 112, to 224.0.0.18. The IP
// identification is the caller's; the IP header checksum is computed here.
std::vector<std::uint8_t> encodePacket(const Advert& advert, net::Ipv4Address source,
                                       std::uint16_t ipId);

// Decodes the VRRP message alone. Checks version, type, length and checksum;
// nothing that depends on local configuration.
tl::expected<Advert, DropReason> decode(std::span<const std::uint8_t> vrrpMessage);

// Decodes an IPv4 packet as a raw socket delivers it (IP header included),
// then the VRRP message it carries. Checks the TTL.
tl::expected<ReceivedAdvert, DropReason> decodePacket(std::span<const std::uint8_t> ipPacket);

// The VRID byte of what looks like an IPv4 packet carrying VRRP, read before any
// check, so the receiver can charge a malformed packet to the instance it was
// aimed at. Nothing when not even that byte is there.
std::optional<std::uint8_t> peekVrid(std::span<const std::uint8_t> ipPacket);

// What the local instance expects of adverts for its VRID.
struct Expectation {
  std::uint8_t vrid = 0;
  AuthType authType = AuthType::None;
  AuthData authData{};
  std::uint8_t advertIntervalSec = 1;
  std::vector<net::Ipv4Address> addresses;  // order does not matter
  bool localIsOwner = false;                // our priority is 255
};

// The RFC 3768 section 7.1 checks that need local configuration. The password
// is compared in constant time. Returns the reason to drop, or nothing to accept.
std::optional<DropReason> validate(const Advert& advert, const Expectation& expected);

// Helper for building AuthData from a configured password (at most 8 bytes;
// longer input is a precondition violation, refused earlier by the config).
AuthData authDataFromPassword(std::string_view password);

}  // namespace havip::vrrp
