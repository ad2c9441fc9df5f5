// havipctl's end of the control socket: one synchronous request/response,
// bounded by a single deadline over connect, send and receive (poll(2)).
// Blocking by design; not for use inside havipd's event loop.
#pragma once

#include <chrono>
#include <filesystem>
#include <system_error>

#include <tl/expected.hpp>

#include "control/protocol.h"

namespace havip::control {

// Errors: the errno of the step that failed (ENOENT: no socket; ECONNREFUSED:
// nobody listening; EACCES: socket mode; ETIMEDOUT: deadline; ECONNRESET:
// closed before answering) or a ProtocolErrc for an answer we cannot read.
// An error *response* from the daemon is a Response with ok == false.
tl::expected<Response, std::error_code> call(const std::filesystem::path& socketPath,
                                             const Request& request,
                                             std::chrono::milliseconds timeout);

// The same with an already-encoded frame: what a test uses to send bytes a
// well-behaved client never would. Reads exactly one response frame.
tl::expected<Response, std::error_code> callRaw(const std::filesystem::path& socketPath,
                                                std::string_view bytes,
                                                std::chrono::milliseconds timeout);

}  // namespace havip::control
