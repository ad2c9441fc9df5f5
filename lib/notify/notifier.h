// What the daemon calls on a VRRP transition or a real server's health change:
// composes keepalived's mail from the instance's MailSettings (defaults
// resolved as keepalived 2.2.7 does: router id and HELO name = host name,
// From = <user>@<host name>) and hands it to the MailQueue. O(1) apart from
// formatting; never does I/O.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>

#include "config/model.h"
#include "notify/mail_queue.h"
#include "notify/message.h"

namespace havip::notify {

struct NotifierOptions {
  // The whole SMTP dialogue's deadline; unset: the mail's smtp_connect_timeout.
  std::optional<Duration> dialogueTimeout;
};

class Notifier {
 public:
  // `utcOffset` turns a wall time into the Date: header's zone (localUtcOffset
  // in the daemon, a fixed value in tests).
  using UtcOffset = std::function<std::chrono::seconds(WallTime)>;
  Notifier(MailQueue& queue, HostIdentity identity, WallClock wallClock, UtcOffset utcOffset,
           NotifierOptions options = {});

  // Queues the mail; false (and nothing queued) when mail is off for these
  // settings, or they name no server or no recipient.
  bool vrrpTransition(const config::MailSettings& settings, const VrrpEvent& event);
  bool realServerChange(const config::MailSettings& settings, const RealServerEvent& event);

  // The mail as it would be queued (nullopt when it would not be).
  std::optional<OutgoingMail> composeVrrp(const config::MailSettings& settings, const VrrpEvent& event);
  std::optional<OutgoingMail> composeRealServer(const config::MailSettings& settings, const RealServerEvent& event);

 private:
  std::optional<OutgoingMail> compose(const config::MailSettings& settings, std::string subject,
                                      const std::function<std::string(std::string_view date)>& body);
  std::string routerId(const config::MailSettings& settings) const;

  MailQueue& queue_;
  HostIdentity identity_;
  WallClock wallClock_;
  UtcOffset utcOffset_;
  NotifierOptions options_;
  std::uint64_t sequence_ = 0;
};

}  // namespace havip::notify
