#include "notify/asio_mailer.h"

#include <array>
#include <cctype>
#include <string>
#include <utility>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include "log/log.h"

namespace havip::notify {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;

std::string SmtpServerAddress::describe() const { return host + ":" + std::to_string(port); }

namespace {

std::string describe(const error_code& ec) {
  std::string m = ec.message();
  if (!m.empty()) m[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(m[0])));
  return m;
}

std::string formatTimeout(Duration d) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
  if (ms % 1000 == 0) return std::to_string(ms / 1000) + " s";
  return std::to_string(ms) + " ms";
}

std::string firstLine(std::string_view s) {
  const auto eol = s.find_first_of("\r\n");
  return std::string(s.substr(0, eol));
}

}  // namespace

// One delivery in flight. Every handler holds a shared_ptr to it, so it
// outlives a cancelling AsioMailer until its last handler has drained;
// `finished_` makes the first outcome (result, deadline, cancel) the only one.
class AsioMailer::Attempt : public std::enable_shared_from_this<Attempt> {
 public:
  Attempt(asio::io_context& io, OutgoingMail mail, DeliveryCallback done)
      : resolver_(io),
        socket_(io),
        deadline_(io),
        mail_(std::move(mail)),
        dialogue_(mail_.envelope, mail_.message),
        done_(std::move(done)) {}

  void start() {
    armDeadline(mail_.connectTimeout, "resolving and connecting");
    resolver_.async_resolve(mail_.server.host, std::to_string(mail_.server.port), tcp::resolver::numeric_service,
                            [self = shared_from_this()](const error_code& ec, tcp::resolver::results_type r) {
                              self->onResolved(ec, std::move(r));
                            });
  }

  void abandon() {
    done_ = nullptr;
    stop();
  }

 private:
  void armDeadline(Duration d, const char* phase) {
    phase_ = phase;
    timeout_ = d;
    const auto generation = ++deadlineGeneration_;
    deadline_.expires_after(d);
    deadline_.async_wait([self = shared_from_this(), generation](const error_code& e) {
      // A wait that completed just before a re-arm still arrives: the
      // generation tells it from the current deadline.
      if (e || generation != self->deadlineGeneration_ || self->finished_) return;
      if (self->dialogue_.delivered()) return self->complete();  // only QUIT's reply was missing
      self->fail("timed out after " + formatTimeout(self->timeout_) + " (" + self->phase_ + ")", {});
    });
  }

  void onResolved(const error_code& ec, tcp::resolver::results_type results) {
    if (finished_) return;
    if (ec) return fail("resolve " + mail_.server.host + ": " + describe(ec), ec);
    asio::async_connect(socket_, results, [self = shared_from_this()](const error_code& e, const tcp::endpoint& ep) {
      self->onConnected(e, ep);
    });
  }

  void onConnected(const error_code& ec, const tcp::endpoint& endpoint) {
    if (finished_) return;
    if (ec) return fail("connect to " + mail_.server.describe() + ": " + describe(ec), ec);
    log::smtp().debug("{}: connected to {}", mail_.server.describe(), endpoint.address().to_string());
    armDeadline(mail_.dialogueTimeout, "SMTP dialogue");
    read();
  }

  void read() {
    socket_.async_read_some(asio::buffer(buffer_), [self = shared_from_this()](const error_code& e, std::size_t n) {
      self->onRead(e, n);
    });
  }

  void onRead(const error_code& ec, std::size_t n) {
    if (finished_) return;
    if (n > 0) {
      const std::string_view got(buffer_.data(), n);
      log::smtp().debug("{}: S: {}", mail_.server.describe(), firstLine(got));
      const auto before = dialogue_.step();
      std::string out = dialogue_.onReceive(got);
      if (!out.empty()) {
        if (before == SmtpDialogue::Step::Data && dialogue_.step() == SmtpDialogue::Step::Body) {
          log::smtp().debug("{}: C: <message, {} bytes>", mail_.server.describe(), out.size());
        } else {
          log::smtp().debug("{}: C: {}", mail_.server.describe(), firstLine(out));
        }
        send(std::move(out));
      }
    }
    if (ec) {
      dialogue_.onClosed(ec == asio::error::eof ? std::string("connection closed by the server")
                                                : "read: " + describe(ec));
    }
    if (dialogue_.finished()) {
      if (!writing_) complete();
      return;
    }
    if (!ec) read();
  }

  void send(std::string bytes) {
    pending_ += bytes;
    if (!writing_) writeNext();
  }

  void writeNext() {
    writing_ = true;
    inFlight_ = std::move(pending_);
    pending_.clear();
    asio::async_write(socket_, asio::buffer(inFlight_),
                      [self = shared_from_this()](const error_code& e, std::size_t) { self->onWritten(e); });
  }

  void onWritten(const error_code& ec) {
    writing_ = false;
    if (finished_) return;
    if (ec) {
      dialogue_.onClosed("write: " + describe(ec));
      return complete();
    }
    if (!pending_.empty()) return writeNext();
    if (dialogue_.finished()) complete();
  }

  void complete() {
    if (dialogue_.delivered()) {
      return finish(DeliveryReport{dialogue_.accepted(), dialogue_.refused()});
    }
    const auto& f = dialogue_.failure();
    DeliveryError err;
    err.kind = f ? f->kind : FailureKind::Temporary;
    err.detail = f ? f->detail : std::string("dialogue ended early");
    finish(tl::make_unexpected(std::move(err)));
  }

  void fail(std::string detail, const error_code& ec) {
    DeliveryError err{FailureKind::Temporary, std::move(detail), {}};
    if (ec) err.system = std::error_code(ec.value(), std::system_category());
    finish(tl::make_unexpected(std::move(err)));
  }

  void stop() {
    finished_ = true;
    ++deadlineGeneration_;
    deadline_.cancel();
    resolver_.cancel();
    error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }

  void finish(DeliveryResult result) {
    if (finished_) return;
    stop();
    // Moved out first: the callback may start the next delivery, which
    // abandons this attempt.
    auto done = std::move(done_);
    done_ = nullptr;
    if (done) done(std::move(result));
  }

  tcp::resolver resolver_;
  tcp::socket socket_;
  asio::steady_timer deadline_;
  OutgoingMail mail_;
  SmtpDialogue dialogue_;
  DeliveryCallback done_;
  bool finished_ = false;
  bool writing_ = false;
  std::uint64_t deadlineGeneration_ = 0;
  Duration timeout_{};
  std::string phase_;
  std::string pending_;
  std::string inFlight_;
  std::array<char, 2048> buffer_{};
};

AsioMailer::~AsioMailer() { cancel(); }

void AsioMailer::deliver(OutgoingMail mail, DeliveryCallback done) {
  cancel();
  current_ = std::make_shared<Attempt>(io_, std::move(mail), std::move(done));
  current_->start();
}

void AsioMailer::cancel() {
  if (current_) current_->abandon();
  current_.reset();
}

}  // namespace havip::notify
