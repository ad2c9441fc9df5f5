#include "control/server.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <deque>
#include <optional>
#include <vector>

#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include "log/log.h"

namespace havip::control {
namespace {

namespace asio = boost::asio;
using Stream = asio::local::stream_protocol;
using Clock = std::chrono::steady_clock;

std::error_code toStd(const boost::system::error_code& ec) {
  if (ec.category() == boost::system::system_category() ||
      ec.category() == boost::system::generic_category()) {
    return {ec.value(), std::system_category()};
  }
  return std::make_error_code(std::errc::io_error);
}

std::error_code lastErrno() { return {errno, std::system_category()}; }

// havipd runs tracker scripts: they must not inherit the control socket.
void setCloseOnExec(int fd) { ::fcntl(fd, F_SETFD, ::fcntl(fd, F_GETFD) | FD_CLOEXEC); }

double seconds(std::chrono::milliseconds ms) { return static_cast<double>(ms.count()) / 1000.0; }

std::string formatSeconds(std::chrono::milliseconds ms) {
  return fmt::format("{:.3g} s", seconds(ms));
}

// True if something accepts connections on path right now.
bool someoneListens(const std::filesystem::path& path) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof(addr.sun_path) - 1);
  const bool live = ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) == 0;
  ::close(fd);
  return live;
}

class Session;

}  // namespace

struct Server::Core : std::enable_shared_from_this<Server::Core> {
  Core(asio::io_context& ioContext, Handler& h, ServerOptions opts)
      : handler(&h), options(std::move(opts)), acceptor(ioContext), acceptRetry(ioContext) {}

  void accept();

  Handler* handler;  // null once stopped
  ServerOptions options;
  Stream::acceptor acceptor;
  asio::steady_timer acceptRetry;
  std::vector<std::weak_ptr<Session>> sessions;  // to close them on stop()
  std::size_t active = 0;
  bool listening = false;
  bool ownsSocketFile = false;
};

namespace {

// One client connection: await a request (deadline), dispatch it, write the
// answer (deadline), then await the next one on the same connection.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(std::shared_ptr<Server::Core> core, Stream::socket socket, bool counted)
      : core_(std::move(core)),
        socket_(std::move(socket)),
        timer_(socket_.get_executor()),
        decoder_(core_->options.maxFrame),
        counted_(counted) {}

  void start() {
    ucred cred{};
    socklen_t len = sizeof(cred);
    if (::getsockopt(socket_.native_handle(), SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
      log::control().warn("control client: SO_PEERCRED failed: {}", std::strerror(errno));
      close();
      return;
    }
    peer_ = fmt::format("pid {} uid {}", cred.pid, cred.uid);
    if (cred.uid != core_->options.allowedUid) {
      log::control().warn("control client {} refused: only uid {} may connect", peer_,
                          core_->options.allowedUid);
      respond(Response::failure(ErrorCode::PermissionDenied,
                                fmt::format("permission denied: uid {} may not use the control "
                                            "socket",
                                            cred.uid)),
              true);
      return;
    }
    log::control().debug("control client {} connected", peer_);
    awaitRequest();
  }

  void reject(ErrorCode code, std::string message) {
    respond(Response::failure(code, std::move(message)), true);
  }

  // Since when this client holds a slot waiting for a complete request; none
  // while a request of it is being handled or answered, or once closed.
  std::optional<Clock::time_point> idleSince() const {
    if (closed_ || !counted_) return std::nullopt;
    return idleSince_;
  }

  // Gives the slot to a newcomer (Core::accept): closes at once, no answer.
  void evict(Clock::time_point now) {
    log::control().warn("control client {} evicted: every slot taken and it sent no request for {}",
                        peer_, formatSeconds(std::chrono::duration_cast<std::chrono::milliseconds>(
                                   now - idleSince_.value_or(now))));
    close();
  }

  void close() {
    if (closed_) return;
    closed_ = true;
    boost::system::error_code ignored;
    socket_.close(ignored);
    timer_.cancel();
    if (counted_) --core_->active;
    log::control().debug("control client {} closed", peer_);
  }

 private:
  void awaitRequest() {
    idleSince_ = Clock::now();
    armDeadline(core_->options.requestTimeout, [this] {
      respond(Response::failure(ErrorCode::Timeout,
                                "no complete request within " +
                                    formatSeconds(core_->options.requestTimeout)),
              true);
    });
    if (!frames_.empty()) {
      takeFrame();
      return;
    }
    readMore();
  }

  void readMore() {
    socket_.async_read_some(asio::buffer(buffer_), [self = shared_from_this()](
                                                       const boost::system::error_code& ec,
                                                       std::size_t n) { self->onRead(ec, n); });
  }

  void onRead(const boost::system::error_code& ec, std::size_t n) {
    if (closed_) return;
    if (ec) {
      if (ec != asio::error::eof) {
        log::control().debug("control client {}: read: {}", peer_, ec.message());
      }
      close();
      return;
    }
    auto frames = decoder_.feed(std::string_view(buffer_.data(), n));
    if (!frames) {
      log::control().warn("control client {}: {}", peer_, frames.error().detail);
      respond(Response::failure(ErrorCode::BadRequest, frames.error().detail), true);
      return;
    }
    for (auto& f : *frames) frames_.push_back(std::move(f));
    if (frames_.empty()) {
      readMore();
      return;
    }
    takeFrame();
  }

  void takeFrame() {
    std::string frame = std::move(frames_.front());
    frames_.pop_front();
    idleSince_.reset();
    cancelDeadline();
    dispatch(frame);
  }

  void dispatch(std::string_view frame) {
    auto request = decodeRequest(frame);
    if (!request) {
      log::control().warn("control client {}: {}", peer_, request.error().detail);
      respond(Response::failure(ErrorCode::BadRequest, request.error().detail), true);
      return;
    }
    log::control().debug("control client {}: {}", peer_, toString(request->command));
    Handler* handler = core_->handler;
    if (handler == nullptr) {
      respond(Response::failure(ErrorCode::Internal, "havipd is shutting down"), true);
      return;
    }
    switch (request->command) {
      case Command::Status:
        respond(Response::success(toJson(handler->status())), false);
        return;
      case Command::Failover: {
        FailoverRequest failover{request->instance, request->clear, std::nullopt};
        if (request->holdSeconds) failover.hold = std::chrono::seconds(*request->holdSeconds);
        const auto ticket = beginHandlerCall();
        handler->failover(failover, [weak = weak_from_this(),
                                     ticket](tl::expected<FailoverResult, std::string> result) {
          auto self = weak.lock();
          if (!self) return;
          self->finishHandlerCall(ticket,
                                  result ? Response::success(toJson(*result))
                                         : Response::failure(ErrorCode::Refused, result.error()));
        });
        return;
      }
      case Command::Reload: {
        const auto ticket = beginHandlerCall();
        handler->reload([weak = weak_from_this(), ticket](ReloadResult result) {
          auto self = weak.lock();
          if (!self) return;
          if (result.ok) {
            self->finishHandlerCall(ticket, Response::success(toJson(result)));
          } else {
            const std::size_t n = result.errors.size();
            self->finishHandlerCall(
                ticket, Response::failure(ErrorCode::Refused,
                                          fmt::format("configuration refused ({} error{})", n,
                                                      n == 1 ? "" : "s"),
                                          toJson(result)));
          }
        });
        return;
      }
    }
  }

  // The ticket tells a late completion (after the handler timeout answered,
  // or for an earlier request) from the one we wait for.
  std::uint64_t beginHandlerCall() {
    const auto ticket = ++lastTicket_;
    awaiting_ = ticket;
    armDeadline(core_->options.handlerTimeout, [this] {
      awaiting_ = 0;
      respond(Response::failure(ErrorCode::Timeout, "havipd did not complete the request within " +
                                                        formatSeconds(core_->options.handlerTimeout)),
              true);
    });
    return ticket;
  }

  void finishHandlerCall(std::uint64_t ticket, Response response) {
    if (closed_ || ticket != awaiting_) return;
    awaiting_ = 0;
    cancelDeadline();
    respond(std::move(response), false);
  }

  void respond(const Response& response, bool closeAfter) {
    if (closed_) return;
    auto frame = encodeFrame(encodeResponse(response), kMaxResponseFrameSize);
    if (!frame) {
      log::control().error("control response not sent: {}", frame.error().detail);
      frame = encodeFrame(encodeResponse(Response::failure(
          ErrorCode::Internal, "response too large: " + frame.error().detail)));
      closeAfter = true;
    }
    out_ = std::move(*frame);
    armDeadline(core_->options.writeTimeout, [this] { close(); });
    asio::async_write(socket_, asio::buffer(out_),
                      [self = shared_from_this(), closeAfter](const boost::system::error_code& ec,
                                                              std::size_t) {
                        if (self->closed_) return;
                        self->cancelDeadline();
                        if (ec || closeAfter) {
                          self->close();
                        } else {
                          self->awaitRequest();
                        }
                      });
  }

  // One timer serves every deadline; the generation makes a stale expiry
  // (already queued when re-armed or cancelled) a no-op.
  template <typename OnExpiry>
  void armDeadline(std::chrono::milliseconds after, OnExpiry onExpiry) {
    const auto generation = ++timerGeneration_;
    timer_.expires_after(after);
    timer_.async_wait([self = shared_from_this(), generation,
                       onExpiry](const boost::system::error_code& ec) {
      if (ec || self->closed_ || generation != self->timerGeneration_) return;
      log::control().debug("control client {}: deadline expired", self->peer_);
      onExpiry();
    });
  }

  void cancelDeadline() {
    ++timerGeneration_;
    timer_.cancel();
  }

  std::shared_ptr<Server::Core> core_;
  Stream::socket socket_;
  asio::steady_timer timer_;
  std::uint64_t timerGeneration_ = 0;
  FrameDecoder decoder_;
  std::deque<std::string> frames_;  // complete frames not yet dispatched (pipelining)
  std::array<char, 4096> buffer_{};
  std::string out_;
  std::uint64_t lastTicket_ = 0;
  std::uint64_t awaiting_ = 0;  // ticket of the handler call in flight, 0 = none
  std::string peer_ = "(unidentified)";
  std::optional<Clock::time_point> idleSince_;
  bool counted_;
  bool closed_ = false;
};

// The counted session idle longest, if idle for at least the eviction age.
std::shared_ptr<Session> longestIdle(const std::vector<std::weak_ptr<Session>>& sessions,
                                     Clock::time_point now, std::chrono::milliseconds minimum) {
  std::shared_ptr<Session> oldest;
  std::optional<Clock::time_point> oldestSince;
  for (const auto& weak : sessions) {
    auto session = weak.lock();
    if (!session) continue;
    const auto since = session->idleSince();
    if (!since || now - *since < minimum) continue;
    if (!oldestSince || *since < *oldestSince) {
      oldest = std::move(session);
      oldestSince = since;
    }
  }
  return oldest;
}

}  // namespace

void Server::Core::accept() {
  acceptor.async_accept([self = shared_from_this()](const boost::system::error_code& ec,
                                                    Stream::socket socket) {
    if (!self->listening) return;
    if (ec) {
      if (ec == asio::error::operation_aborted) return;
      // EMFILE and friends: retrying at once would spin; the pending
      // connection waits in the backlog meanwhile.
      log::control().error("control socket accept: {}", ec.message());
      self->acceptRetry.expires_after(std::chrono::milliseconds(100));
      self->acceptRetry.async_wait([self](const boost::system::error_code& waitEc) {
        if (!waitEc && self->listening) self->accept();
      });
      return;
    }
    setCloseOnExec(socket.native_handle());
    std::erase_if(self->sessions, [](const auto& w) { return w.expired(); });
    if (self->active >= self->options.maxClients) {
      const auto now = Clock::now();
      if (auto idle = longestIdle(self->sessions, now, self->options.idleEviction)) idle->evict(now);
    }
    const bool room = self->active < self->options.maxClients;
    auto session = std::make_shared<Session>(self, std::move(socket), room);
    self->sessions.push_back(session);
    if (room) {
      ++self->active;
      session->start();
    } else {
      log::control().warn("control client refused: {} clients already", self->active);
      session->reject(ErrorCode::Busy, fmt::format("busy: {} control clients already connected",
                                                   self->active));
    }
    self->accept();
  });
}

Server::Server(boost::asio::io_context& io, Handler& handler, ServerOptions options)
    : core_(std::make_shared<Core>(io, handler, std::move(options))) {}

Server::~Server() { stop(); }

tl::expected<void, std::error_code> Server::start() {
  Core& core = *core_;
  const auto& path = core.options.socketPath;
  if (path.native().size() >= sizeof(sockaddr_un{}.sun_path)) {
    return tl::make_unexpected(std::make_error_code(std::errc::filename_too_long));
  }
  std::error_code ec;
  const auto dir = path.parent_path();
  if (!dir.empty() && !std::filesystem::exists(dir, ec)) {
    std::filesystem::create_directories(dir, ec);
    if (ec) return tl::make_unexpected(ec);
    if (::chmod(dir.c_str(), 0755) != 0) return tl::make_unexpected(lastErrno());
  }
  const auto status = std::filesystem::symlink_status(path, ec);
  if (std::filesystem::exists(status)) {
    if (!std::filesystem::is_socket(status)) {
      return tl::make_unexpected(std::make_error_code(std::errc::file_exists));
    }
    // Another daemon on the same path (two namespaces sharing /run) must not
    // lose its socket to us; a socket nobody listens on is a crash leftover.
    if (someoneListens(path)) {
      return tl::make_unexpected(std::make_error_code(std::errc::address_in_use));
    }
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) return tl::make_unexpected(lastErrno());
  }

  boost::system::error_code bec;
  core.acceptor.open(Stream(), bec);
  if (bec) return tl::make_unexpected(toStd(bec));
  setCloseOnExec(core.acceptor.native_handle());
  core.acceptor.bind(Stream::endpoint(path.native()), bec);
  if (bec) {
    core.acceptor.close(bec);
    return tl::make_unexpected(toStd(bec));
  }
  core.ownsSocketFile = true;
  // Between bind and chmod the socket has the umask's mode; the SO_PEERCRED
  // check covers anyone who connects in that window.
  if (::chmod(path.c_str(), 0600) != 0) {
    const auto err = lastErrno();
    stop();
    return tl::make_unexpected(err);
  }
  core.acceptor.listen(static_cast<int>(core.options.maxClients) + 8, bec);
  if (bec) {
    stop();
    return tl::make_unexpected(toStd(bec));
  }
  core.listening = true;
  core.accept();
  log::control().info("control socket listening on {}", path.native());
  return {};
}

void Server::stop() {
  Core& core = *core_;
  core.listening = false;
  core.handler = nullptr;
  boost::system::error_code ignored;
  core.acceptor.close(ignored);
  core.acceptRetry.cancel();
  for (auto& weak : core.sessions) {
    if (auto session = weak.lock()) session->close();
  }
  core.sessions.clear();
  if (core.ownsSocketFile) {
    ::unlink(core.options.socketPath.c_str());
    core.ownsSocketFile = false;
  }
}

std::size_t Server::activeClients() const { return core_->active; }

const std::filesystem::path& Server::socketPath() const { return core_->options.socketPath; }

}  // namespace havip::control
