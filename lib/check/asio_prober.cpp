#include "check/asio_prober.h"

#include <array>
#include <cctype>
#include <memory>
#include <optional>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

namespace havip::check {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;

std::string buildHttpRequest(std::string_view path, const ProbeTarget& target) {
  std::string r = "GET ";
  r += path;
  r += " HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nHost: ";
  r += target.endpoint();
  r += "\r\n\r\n";
  return r;
}

namespace {

std::string describe(const error_code& ec) {
  std::string m = ec.message();
  if (!m.empty()) m[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(m[0])));
  return m;
}

// One probe in flight. Every handler holds a shared_ptr to it, so it outlives
// an abandoning Prober until the last handler has drained; `finished_` makes
// the first outcome (result, deadline or abandon) the only one.
class Attempt : public std::enable_shared_from_this<Attempt> {
 public:
  Attempt(asio::io_context& io, const ProbeTarget& target, std::size_t url, HttpLimits limits,
          ProbeCallback done)
      : io_(io),
        socket_(io),
        deadline_(io),
        endpoint_(asio::ip::address_v4(target.address.toHostOrder()), target.port),
        timeout_(target.connectTimeout),
        done_(std::move(done)) {
    if (target.type == config::CheckType::Http && url < target.urls.size()) {
      url_ = target.urls[url];
      prefix_ = "HTTP GET http://" + target.endpoint() + url_->path;
      request_ = buildHttpRequest(url_->path, target);
      reader_.emplace(limits, url_->digest.has_value());
    } else if (target.type == config::CheckType::Http) {
      prefix_ = "HTTP GET " + target.endpoint();
    } else {
      prefix_ = "TCP connect to " + target.endpoint();
    }
    http_ = target.type == config::CheckType::Http;
  }

  void start() {
    if (http_ && !url_) return post(false, ": no such url in the check");
    error_code ec;
    socket_.open(tcp::v4(), ec);
    if (ec) return post(false, ": socket: " + describe(ec));
    armDeadline("connecting");
    socket_.async_connect(endpoint_, [self = shared_from_this()](const error_code& e) { self->onConnect(e); });
  }

  void abandon() {
    done_ = nullptr;
    stop();
  }

 private:
  // Results found before any I/O still reach the caller from the event loop.
  void post(bool ok, std::string what) {
    asio::post(io_, [self = shared_from_this(), ok, what = std::move(what)]() mutable {
      self->finish(ok, std::move(what));
    });
  }

  void armDeadline(const char* phase) {
    phase_ = phase;
    const auto generation = ++deadlineGeneration_;
    deadline_.expires_after(timeout_);
    deadline_.async_wait([self = shared_from_this(), generation](const error_code& e) {
      // A wait already completed before a re-arm still arrives: the
      // generation tells it apart from the current deadline.
      if (e || generation != self->deadlineGeneration_) return;
      self->finish(false, ": timed out after " + formatDuration(self->timeout_) +
                              (self->http_ ? " (" + self->phase_ + ")" : std::string()));
    });
  }

  void onConnect(const error_code& ec) {
    if (finished_) return;
    if (ec) return finish(false, http_ ? ": connect: " + describe(ec) : ": " + describe(ec));
    if (!http_) return finish(true, ": connected");
    armDeadline("sending request");
    asio::async_write(socket_, asio::buffer(request_),
                      [self = shared_from_this()](const error_code& e, std::size_t) { self->onWrite(e); });
  }

  void onWrite(const error_code& ec) {
    if (finished_) return;
    if (ec) return finish(false, ": send: " + describe(ec));
    phase_ = "reading response";
    readMore();
  }

  void readMore() {
    socket_.async_read_some(asio::buffer(buffer_), [self = shared_from_this()](const error_code& e, std::size_t n) {
      self->onRead(e, n);
    });
  }

  void onRead(const error_code& ec, std::size_t n) {
    if (finished_) return;
    using State = HttpResponseReader::State;
    State s = reader_->state();
    if (n > 0) s = reader_->feed(std::string_view(buffer_.data(), n));
    if (s == State::Headers || s == State::Body) {
      if (ec == asio::error::eof) {
        s = reader_->finish();
      } else if (ec) {
        return finish(false, ": read: " + describe(ec));
      } else {
        return readMore();
      }
    }
    if (s == State::Failed) return finish(false, ": " + reader_->error());
    judge();
  }

  void judge() {
    const int status = reader_->statusCode();
    if (!statusAccepted(*url_, status)) {
      return finish(false, ": status " + std::to_string(status) + " not in " + describeStatusCodes(*url_));
    }
    if (url_->digest) {
      const std::string got = reader_->digestHex();
      if (got != *url_->digest) {
        return finish(false, ": status " + std::to_string(status) + ", digest " + got + " does not match " +
                                 *url_->digest);
      }
      return finish(true, ": status " + std::to_string(status) + ", digest ok");
    }
    finish(true, ": status " + std::to_string(status));
  }

  void stop() {
    finished_ = true;
    ++deadlineGeneration_;
    deadline_.cancel();
    error_code ignored;
    socket_.close(ignored);
  }

  void finish(bool ok, std::string what) {
    if (finished_) return;
    stop();
    // Moved out first: the callback may destroy the Prober, which abandons us.
    auto done = std::move(done_);
    done_ = nullptr;
    if (done) done(ProbeResult{ok, prefix_ + what});
  }

  asio::io_context& io_;
  tcp::socket socket_;
  asio::steady_timer deadline_;
  tcp::endpoint endpoint_;
  Duration timeout_;
  ProbeCallback done_;
  bool http_ = false;
  bool finished_ = false;
  std::uint64_t deadlineGeneration_ = 0;
  std::string phase_;
  std::string prefix_;
  std::optional<config::HttpUrl> url_;
  std::string request_;
  std::optional<HttpResponseReader> reader_;
  std::array<char, 4096> buffer_{};
};

class AsioProber final : public Prober {
 public:
  AsioProber(asio::io_context& io, ProbeTarget target, HttpLimits limits)
      : io_(io), target_(std::move(target)), limits_(limits) {}
  ~AsioProber() override {
    if (current_) current_->abandon();
  }
  AsioProber(const AsioProber&) = delete;
  AsioProber& operator=(const AsioProber&) = delete;

  void probe(std::size_t url, ProbeCallback done) override {
    if (current_) current_->abandon();
    current_ = std::make_shared<Attempt>(io_, target_, url, limits_, std::move(done));
    current_->start();
  }

 private:
  asio::io_context& io_;
  ProbeTarget target_;
  HttpLimits limits_;
  std::shared_ptr<Attempt> current_;
};

}  // namespace

std::unique_ptr<Prober> AsioProberFactory::create(const ProbeTarget& target) {
  return std::make_unique<AsioProber>(io_, target, limits_);
}

}  // namespace havip::check
