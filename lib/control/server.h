// havipd's end of the control socket: a unix stream socket on the daemon's
// io_context, one request/response exchange at a time per client.
//
// Single-threaded: construct, start(), and call everything else on the thread
// running the io_context; Handler methods are called on that thread too.
// Nothing here blocks the loop: every read, write and wait is asynchronous and
// bounded by a deadline, so a silent, slow or garbage-sending client costs one
// slot for at most requestTimeout, then is answered with an error and closed.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <system_error>

#include <boost/asio/io_context.hpp>
#include <tl/expected.hpp>

#include "control/protocol.h"
#include "control/status.h"

namespace havip::control {

inline constexpr const char* kDefaultSocketPath = "/run/havipd/control.sock";

struct FailoverRequest {
  std::optional<std::string> instance;  // none: the daemon picks (all, or its only instance)
  bool clear = false;                   // lift a previous failover's hold instead
  std::optional<std::chrono::seconds> hold;  // none: hold until cleared
};

// Implemented by the daemon. Each completion callback must be called exactly
// once, on the io_context thread, either before the method returns or later
// (a failover completes when the transition has happened). Calling it after
// the client has gone, the handler timeout has answered for it, or the server
// has been destroyed is allowed and does nothing.
class Handler {
 public:
  virtual ~Handler() = default;

  // A read of current state: synchronous.
  virtual StatusSnapshot status() = 0;

  // Error string = refused ("no instance VI_9", "VI_1 is FAULT"); sent back
  // to the client as a Refused error.
  using FailoverDone = std::function<void(tl::expected<FailoverResult, std::string>)>;
  virtual void failover(const FailoverRequest& request, FailoverDone done) = 0;

  // What SIGHUP does. A result with ok == false goes back as a Refused error
  // that carries the result (its errors) too.
  using ReloadDone = std::function<void(ReloadResult)>;
  virtual void reload(ReloadDone done) = 0;
};

struct ServerOptions {
  std::filesystem::path socketPath = kDefaultSocketPath;
  // Peers whose SO_PEERCRED uid differs are answered PermissionDenied and closed.
  uid_t allowedUid = 0;
  // From accept (or the previous response) to a complete request frame.
  std::chrono::milliseconds requestTimeout{5000};
  // For our response to be taken by the peer.
  std::chrono::milliseconds writeTimeout{5000};
  // For the Handler to complete; then the client gets a Timeout error.
  std::chrono::milliseconds handlerTimeout{30000};
  // Clients being served at once. When all are taken, a newcomer takes the
  // slot of the client that has waited longest without sending a complete
  // request, provided that wait is at least idleEviction (a real client sends
  // its request within milliseconds of connecting), as sshd's MaxStartups drops
  // unauthenticated connections; otherwise it is answered Busy and closed.
  // So slow or silent clients cannot keep root's `havipctl status` out.
  std::size_t maxClients = 8;
  std::chrono::milliseconds idleEviction{1000};
  std::size_t maxFrame = kMaxFrameSize;
};

class Server {
 public:
  Server(boost::asio::io_context& io, Handler& handler, ServerOptions options);
  ~Server();  // stop()
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Creates the socket's directory (0755) if missing, replaces a stale socket
  // (one nobody listens on), binds, chmods the socket 0600 and starts
  // accepting. Fails with EADDRINUSE if a live daemon listens on the path,
  // EEXIST if the path is something other than a socket, or the syscall's errno.
  tl::expected<void, std::error_code> start();

  // Stops accepting, closes every client, removes the socket file. Idempotent.
  void stop();

  // Clients currently holding a slot.
  std::size_t activeClients() const;
  const std::filesystem::path& socketPath() const;

  struct Core;  // shared with sessions, which may outlive the Server

 private:
  std::shared_ptr<Core> core_;
};

}  // namespace havip::control
