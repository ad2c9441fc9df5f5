#include "check/md5.h"

#include <array>
#include <cstdlib>

#include <openssl/evp.h>

namespace havip::check {

struct Md5::Ctx {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ~Ctx() { EVP_MD_CTX_free(ctx); }
};

Md5::Md5() : ctx_(std::make_unique<Ctx>()) {
  // MD5 is built into libcrypto's default provider; failing here means the
  // process cannot allocate a few bytes, a broken invariant.
  if (!ctx_->ctx || EVP_DigestInit_ex(ctx_->ctx, EVP_md5(), nullptr) != 1) std::abort();
}

Md5::~Md5() = default;
Md5::Md5(Md5&&) noexcept = default;
Md5& Md5::operator=(Md5&&) noexcept = default;

void Md5::update(std::string_view bytes) {
  if (!bytes.empty()) EVP_DigestUpdate(ctx_->ctx, bytes.data(), bytes.size());
}

std::string Md5::finalHex() {
  std::array<unsigned char, EVP_MAX_MD_SIZE> sum{};
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx_->ctx, sum.data(), &len);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * len);
  for (unsigned i = 0; i < len; ++i) {
    out += kHex[sum[i] >> 4];
    out += kHex[sum[i] & 0xf];
  }
  return out;
}

std::string Md5::hex(std::string_view bytes) {
  Md5 m;
  m.update(bytes);
  return m.finalHex();
}

}  // namespace havip::check
