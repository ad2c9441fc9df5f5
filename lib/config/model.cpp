#include "config/model.h"

namespace havip::config {

std::string VirtualServer::name() const {
  if (fwmark) return "fwmark " + std::to_string(*fwmark);
  std::string out = address ? address->toString() : std::string("?");
  out += ":" + std::to_string(port) + " " + std::string(toString(protocol));
  return out;
}

const VrrpScript* Config::findScript(std::string_view name) const {
  for (const auto& s : vrrpScripts)
    if (s.name == name) return &s;
  return nullptr;
}

const VrrpInstance* Config::findInstance(std::string_view name) const {
  for (const auto& i : vrrpInstances)
    if (i.name == name) return &i;
  return nullptr;
}

MailSettings Config::mailFor(const VrrpInstance& instance) const {
  const auto& over = instance.mail;
  MailSettings m;
  m.recipients = over.notificationEmail.empty() ? globalDefs.notificationEmail : over.notificationEmail;
  m.server = over.smtpServer ? over.smtpServer : globalDefs.smtpServer;
  m.connectTimeout = over.smtpConnectTimeout.value_or(globalDefs.smtpConnectTimeout);
  m.from = over.notificationEmailFrom ? over.notificationEmailFrom : globalDefs.notificationEmailFrom;
  m.heloName = over.smtpHeloName ? over.smtpHeloName : globalDefs.smtpHeloName;
  m.routerId = over.routerId ? over.routerId : globalDefs.routerId;
  if (instance.smtpAlert)
    m.enabled = *instance.smtpAlert;
  else if (globalDefs.smtpAlert)
    m.enabled = *globalDefs.smtpAlert;
  else
    m.enabled = !over.notificationEmail.empty();
  return m;
}

int Config::effectiveWeight(const TrackScript& track) const {
  if (track.weight) return *track.weight;
  const VrrpScript* script = findScript(track.name);
  return script ? script->weight : 0;
}

std::string_view toString(InitialState s) { return s == InitialState::Master ? "MASTER" : "BACKUP"; }
std::string_view toString(Protocol p) { return p == Protocol::Tcp ? "TCP" : "UDP"; }
std::string_view toString(ForwardingMethod f) {
  switch (f) {
    case ForwardingMethod::Nat: return "NAT";
    case ForwardingMethod::DirectRouting: return "DR";
    case ForwardingMethod::Tunnel: return "TUN";
  }
  return "?";
}
std::string_view toString(CheckType t) { return t == CheckType::Tcp ? "TCP_CHECK" : "HTTP_GET"; }

}  // namespace havip::config
