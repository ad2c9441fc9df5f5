// Streaming MD5 for HTTP_GET digests, through libmd (keepalived uses OpenSSL's
// EVP; libmd gives the same sums without mapping ~1.4 MB of libcrypto). Not for
// security: it only compares a page with the sum genhash printed.
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace havip::check {

class Md5 {
 public:
  Md5();
  ~Md5();
  Md5(Md5&&) noexcept;
  Md5& operator=(Md5&&) noexcept;

  void update(std::string_view bytes);
  // Lower-case hex of the 16-byte sum; the object is spent afterwards.
  std::string finalHex();

  static std::string hex(std::string_view bytes);  // one-shot

 private:
  struct Ctx;
  std::unique_ptr<Ctx> ctx_;
};

}  // namespace havip::check
