#include "check/md5.h"

#include <array>
#include <cstdint>

#include <md5.h>  // libmd (BSD MD5Init/MD5Update/MD5Final)

namespace havip::check {

struct Md5::Ctx {
  MD5_CTX ctx{};
};

Md5::Md5() : ctx_(std::make_unique<Ctx>()) { MD5Init(&ctx_->ctx); }

Md5::~Md5() = default;
Md5::Md5(Md5&&) noexcept = default;
Md5& Md5::operator=(Md5&&) noexcept = default;

void Md5::update(std::string_view bytes) {
  if (!bytes.empty()) {
    MD5Update(&ctx_->ctx, reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
  }
}

std::string Md5::finalHex() {
  std::array<std::uint8_t, MD5_DIGEST_LENGTH> sum{};
  MD5Final(sum.data(), &ctx_->ctx);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * sum.size());
  for (std::uint8_t b : sum) {
    out += kHex[b >> 4];
    out += kHex[b & 0xf];
  }
  return out;
}

std::string Md5::hex(std::string_view bytes) {
  Md5 m;
  m.update(bytes);
  return m.finalHex();
}

}  // namespace havip::check
