// The real Mailer: SMTP over TCP on a Boost.Asio io_context, never blocking
// it. The server name is resolved with asio's async resolver (which runs
// getaddrinfo on a private background thread, so the loop never waits on DNS);
// resolve + connect must finish within the mail's connectTimeout, then the
// whole dialogue (greeting to final reply) within its dialogueTimeout, so a
// server that accepts and never answers costs a timeout, not a hang.
// keepalived re-arms smtp_connect_timeout on every read; one deadline for the
// whole exchange keeps a trickling server from holding the queue forever.
//
// Threading: construct, deliver, cancel and destroy on the io_context's thread.
#pragma once

#include <memory>

#include <boost/asio/io_context.hpp>

#include "notify/mailer.h"

namespace havip::notify {

class AsioMailer final : public Mailer {
 public:
  explicit AsioMailer(boost::asio::io_context& io) : io_(io) {}
  ~AsioMailer() override;
  AsioMailer(const AsioMailer&) = delete;
  AsioMailer& operator=(const AsioMailer&) = delete;

  void deliver(OutgoingMail mail, DeliveryCallback done) override;
  void cancel() override;

 private:
  class Attempt;
  boost::asio::io_context& io_;
  std::shared_ptr<Attempt> current_;
};

}  // namespace havip::notify
