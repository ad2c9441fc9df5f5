#include "control/client.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

namespace havip::control {
namespace {

using Clock = std::chrono::steady_clock;

std::error_code errnoCode(int e) { return {e, std::system_category()}; }

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

// Milliseconds left for poll(), or nullopt when the deadline has passed.
std::optional<int> remaining(Clock::time_point deadline) {
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
  if (left.count() <= 0) return std::nullopt;
  return static_cast<int>(std::min<std::int64_t>(left.count(), 1 << 30));
}

// Waits until fd is ready for events; ETIMEDOUT at the deadline.
std::error_code waitFor(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    const auto left = remaining(deadline);
    if (!left) return errnoCode(ETIMEDOUT);
    pollfd p{fd, events, 0};
    const int n = ::poll(&p, 1, *left);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errnoCode(errno);
    }
    if (n > 0) return {};
  }
}

std::error_code connectTo(int fd, const std::filesystem::path& path, Clock::time_point deadline) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.native().size() >= sizeof(addr.sun_path)) return errnoCode(ENAMETOOLONG);
  std::memcpy(addr.sun_path, path.c_str(), path.native().size());
  for (;;) {
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) == 0) return {};
    if (errno == EINTR) continue;
    // A non-blocking unix connect fails with EAGAIN when the listen backlog
    // is full, rather than waiting: retry until the deadline.
    if (errno != EAGAIN) return errnoCode(errno);
    if (!remaining(deadline)) return errnoCode(ETIMEDOUT);
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

// Sends everything; a peer that closes first is reported as the errno.
std::error_code sendAll(int fd, std::string_view bytes, Clock::time_point deadline) {
  while (!bytes.empty()) {
    const ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n >= 0) {
      bytes.remove_prefix(static_cast<std::size_t>(n));
      continue;
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN) return errnoCode(errno);
    if (auto ec = waitFor(fd, POLLOUT, deadline)) return ec;
  }
  return {};
}

tl::expected<std::string, std::error_code> receiveFrame(int fd, Clock::time_point deadline) {
  FrameDecoder decoder(kMaxResponseFrameSize);
  std::array<char, 4096> buffer{};
  for (;;) {
    const ssize_t n = ::recv(fd, buffer.data(), buffer.size(), 0);
    if (n > 0) {
      auto frames = decoder.feed(std::string_view(buffer.data(), static_cast<std::size_t>(n)));
      if (!frames) return tl::make_unexpected(frames.error().code);
      if (!frames->empty()) return std::move(frames->front());
      continue;
    }
    if (n == 0) return tl::make_unexpected(errnoCode(ECONNRESET));  // closed without answering
    if (errno == EINTR) continue;
    if (errno != EAGAIN) return tl::make_unexpected(errnoCode(errno));
    if (auto ec = waitFor(fd, POLLIN, deadline)) return tl::make_unexpected(ec);
  }
}

}  // namespace

tl::expected<Response, std::error_code> callRaw(const std::filesystem::path& socketPath,
                                                std::string_view bytes,
                                                std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) return tl::make_unexpected(errnoCode(errno));
  if (auto ec = connectTo(fd.get(), socketPath, deadline)) return tl::make_unexpected(ec);
  // The daemon may refuse us (uid, busy) or stop reading a bad frame early and
  // answer: a failed send is only reported if no answer follows it.
  const auto sent = sendAll(fd.get(), bytes, deadline);
  auto frame = receiveFrame(fd.get(), deadline);
  if (!frame) return tl::make_unexpected(sent ? sent : frame.error());
  auto response = decodeResponse(*frame);
  if (!response) return tl::make_unexpected(response.error().code);
  return std::move(*response);
}

tl::expected<Response, std::error_code> call(const std::filesystem::path& socketPath,
                                             const Request& request,
                                             std::chrono::milliseconds timeout) {
  auto frame = encodeFrame(encodeRequest(request));
  if (!frame) return tl::make_unexpected(frame.error().code);
  return callRaw(socketPath, *frame, timeout);
}

}  // namespace havip::control
