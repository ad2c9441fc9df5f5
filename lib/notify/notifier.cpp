#include "notify/notifier.h"

#include <utility>

namespace havip::notify {

Notifier::Notifier(MailQueue& queue, HostIdentity identity, WallClock wallClock, UtcOffset utcOffset,
                   NotifierOptions options)
    : queue_(queue),
      identity_(std::move(identity)),
      wallClock_(std::move(wallClock)),
      utcOffset_(std::move(utcOffset)),
      options_(options) {}

std::string Notifier::routerId(const config::MailSettings& settings) const {
  return settings.routerId.value_or(defaultRouterId(identity_));
}

std::optional<OutgoingMail> Notifier::compose(const config::MailSettings& settings, std::string subject,
                                              const std::function<std::string(std::string_view)>& body) {
  if (!settings.enabled || !settings.server || settings.recipients.empty()) return std::nullopt;
  const WallTime now = wallClock_();
  const std::string date = formatDate(now, utcOffset_(now));
  OutgoingMail mail;
  mail.server = SmtpServerAddress{settings.server->host, settings.server->port};
  mail.connectTimeout = settings.connectTimeout;
  mail.dialogueTimeout = options_.dialogueTimeout.value_or(Duration(settings.connectTimeout));
  mail.envelope.heloName = settings.heloName.value_or(defaultHeloName(identity_));
  mail.envelope.from = settings.from.value_or(defaultFrom(identity_));
  mail.envelope.recipients = settings.recipients;
  MessageHeaders headers{date, mail.envelope.from, settings.recipients, subject,
                         makeMessageId(now, ++sequence_, identity_.hostName)};
  mail.message = renderMessage(headers, body(date));
  mail.subject = std::move(subject);
  return mail;
}

std::optional<OutgoingMail> Notifier::composeVrrp(const config::MailSettings& settings, const VrrpEvent& event) {
  return compose(settings, vrrpSubject(routerId(settings), event.instance, event.to),
                 [&](std::string_view date) { return vrrpBody(event, identity_.hostName, date); });
}

std::optional<OutgoingMail> Notifier::composeRealServer(const config::MailSettings& settings,
                                                        const RealServerEvent& event) {
  return compose(settings, realServerSubject(routerId(settings), event),
                 [&](std::string_view date) { return realServerBody(event, identity_.hostName, date); });
}

bool Notifier::vrrpTransition(const config::MailSettings& settings, const VrrpEvent& event) {
  auto mail = composeVrrp(settings, event);
  return mail && queue_.enqueue(std::move(*mail));
}

bool Notifier::realServerChange(const config::MailSettings& settings, const RealServerEvent& event) {
  auto mail = composeRealServer(settings, event);
  return mail && queue_.enqueue(std::move(*mail));
}

}  // namespace havip::notify
