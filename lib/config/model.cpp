#include "config/model.h"

#include <algorithm>

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

const TrackMemory* Config::findMemory(std::string_view name) const {
  for (const auto& m : trackMemories)
    if (m.name == name) return &m;
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
  // keepalived sends nothing without a server or a recipient; the parser warns.
  m.enabled = m.enabled && m.server.has_value() && !m.recipients.empty();
  return m;
}

MailSettings Config::mailFor(const VirtualServer& vs, const RealServer& rs) const {
  MailSettings m;
  m.recipients = globalDefs.notificationEmail;
  m.server = globalDefs.smtpServer;
  m.connectTimeout = globalDefs.smtpConnectTimeout;
  m.from = globalDefs.notificationEmailFrom;
  m.heloName = globalDefs.smtpHeloName;
  m.routerId = globalDefs.routerId;
  m.enabled = rs.smtpAlert.value_or(vs.smtpAlert.value_or(globalDefs.smtpAlert.value_or(false))) &&
              !m.recipients.empty() && m.server.has_value();
  return m;
}

int Config::effectiveWeight(const TrackScript& track) const {
  if (track.weight) return *track.weight;
  if (const VrrpScript* script = findScript(track.name)) return script->weight;
  if (const TrackMemory* memory = findMemory(track.name)) return memory->weight;
  return 0;
}

const SyncGroup* Config::syncGroupOf(std::string_view instance) const {
  for (const auto& g : syncGroups)
    if (std::find(g.members.begin(), g.members.end(), instance) != g.members.end()) return &g;
  return nullptr;
}

std::vector<TrackerRef> Config::trackersOf(const VrrpInstance& instance) const {
  std::vector<TrackerRef> out;
  const SyncGroup* group = syncGroupOf(instance.name);
  const bool noWeights = group && !group->trackingWeight;
  auto scripts = [&](const std::vector<TrackScript>& list, bool dropWeighted) {
    for (const auto& t : list) {
      auto kind = findMemory(t.name) && !findScript(t.name) ? TrackerRef::Kind::Memory : TrackerRef::Kind::Script;
      const int weight = effectiveWeight(t);
      if (dropWeighted && weight != 0) continue;
      out.push_back({kind, t.name, weight, t.reverse, t.where});
    }
  };
  auto interfaces = [&](const std::vector<TrackInterface>& list, bool zeroWeights) {
    for (const auto& t : list)
      out.push_back({TrackerRef::Kind::Interface, t.name, zeroWeights ? 0 : t.weight, t.reverse, t.where});
  };
  scripts(instance.trackScripts, noWeights);
  interfaces(instance.trackInterfaces, noWeights);
  if (group) {
    scripts(group->trackScripts, false);
    interfaces(group->trackInterfaces, false);
  }
  return out;
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
std::string_view toString(MemoryMetric m) { return m == MemoryMetric::Free ? "free" : "available"; }
std::string_view toString(TrackerRef::Kind k) {
  switch (k) {
    case TrackerRef::Kind::Script: return "vrrp_script";
    case TrackerRef::Kind::Memory: return "track_memory";
    case TrackerRef::Kind::Interface: return "track_interface";
  }
  return "?";
}

}  // namespace havip::config
