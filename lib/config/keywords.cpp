#include "config/keywords.h"

#include <algorithm>
#include <utility>

namespace havip::config {
namespace {

// Top-level blocks and statements of keepalived.conf(5).
constexpr std::string_view kTop[] = {
    "net_namespace", "net_namespace_ipvs", "namespace_with_ipsets", "instance", "use_pid_dir",
    "linkbeat_use_polling", "child_wait_time", "linkbeat_interfaces", "interface_up_down_delays",
    "track_group", "static_ipaddress", "static_routes", "static_rules", "track_file",
    "vrrp_track_file", "vrrp_track_process", "bfd_instance", "garp_group",
    "virtual_server_group", "SSL", "includer", "includem", "includew", "includeb", "includea",
    };

// global_defs { } (smtp and router_id keywords are implemented).
constexpr std::string_view kGlobalDefs[] = {
    "tmp_config_directory",
    "config_save_dir",
    "process_names",
    "process_name",
    "vrrp_process_name",
    "checker_process_name",
    "bfd_process_name",
    "startup_script",
    "startup_script_timeout",
    "shutdown_script",
    "shutdown_script_timeout",
    "smtp_alert_vrrp",
    "smtp_alert_checker",
    "checker_log_all_failures",
    "no_email_faults",
    "vrrp_mcast_group4",
    "vrrp_mcast_group6",
    "default_interface",
    "lvs_sync_daemon",
    "lvs_timeouts",
    "lvs_flush",
    "lvs_flush_on_stop",
    "vrrp_garp_lower_prio_delay",
    "vrrp_down_timer_adverts",
    "vrrp_garp_lower_prio_repeat",
    "vrrp_garp_master_refresh",
    "vrrp_garp_master_refresh_repeat",
    "vrrp_min_garp",
    "vrrp_garp_extra_if",
    "vrrp_lower_prio_no_advert",
    "vrrp_higher_prio_send_advert",
    "vrrp_version",
    "nftables",
    "nftables_priority",
    "nftables_counters",
    "nftables_ifindex",
    "nftables_ipvs",
    "nftables_ipvs_priority",
    "nftables_ipvs_start_fwmark",
    "vrrp_iptables",
    "vrrp_ipsets",
    "disable_local_igmp",
    "vrrp_check_unicast_src",
    "vrrp_strict",
    "vrrp_notify_priority_changes",
    "max_auto_priority",
    "min_auto_priority_delay",
    "bfd_priority",
    "bfd_no_swap",
    "vrrp_cpu_affinity",
    "checker_cpu_affinity",
    "bfd_cpu_affinity",
    "vrrp_rt_priority",
    "checker_rt_priority",
    "bfd_rt_priority",
    "vrrp_rlimit_rttime",
    "checker_rlimit_rttime",
    "bfd_rlimit_rttime",
    "snmp_socket",
    "enable_snmp_vrrp",
    "enable_snmp_checker",
    "enable_snmp_rfc",
    "enable_snmp_rfcv2",
    "enable_snmp_rfcv3",
    "enable_traps",
    "enable_dbus",
    "dbus_service_name",
    "enable_script_security",
    "notify_fifo",
    "notify_fifo_script",
    "vrrp_notify_fifo",
    "vrrp_notify_fifo_script",
    "lvs_notify_fifo",
    "lvs_notify_fifo_script",
    "fifo_write_vrrp_states_on_reload",
    "dynamic_interfaces",
    "vrrp_netlink_cmd_rcv_bufs",
    "vrrp_netlink_cmd_rcv_bufs_force",
    "vrrp_netlink_monitor_rcv_bufs",
    "vrrp_netlink_monitor_rcv_bufs_force",
    "lvs_netlink_cmd_rcv_bufs",
    "lvs_netlink_cmd_rcv_bufs_force",
    "lvs_netlink_monitor_rcv_bufs",
    "lvs_netlink_monitor_rcv_bufs_force",
    "process_monitor_rcv_bufs",
    "process_monitor_rcv_bufs_force",
    "vrrp_rx_bufs_policy",
    "vrrp_rx_bufs_multiplier",
    "rs_init_notifies",
    "no_checker_emails",
    "umask",
    "vrrp_startup_delay",
    "log_unknown_vrids",
    "vmac_prefix",
    "vmac_addr_prefix",
    "random_seed",
    "reload_check_config",
    "include_check",
    "reload_time_file",
    "reload_repeat",
    "reload_file",
    "data_use_instance",
    "net_namespace",
    "net_namespace_ipvs",
    "namespace_with_ipsets",
    "instance",
    "use_pid_dir",
    "linkbeat_use_polling",
    "child_wait_time"};

constexpr std::string_view kVrrpInstance[] = {
    "vrf", "use_vmac", "use_vmac_addr", "vmac_xmit_base", "use_ipvlan", "native_ipv6",
    "dont_track_primary", "track_file", "track_process", "track_bfd", "mcast_src_ip",
    "unicast_src_ip", "mcast_dst_ip", "track_src_ip", "check_unicast_src", "unicast_peer",
    "unicast_fault_no_peer", "unicast_ttl", "old_unicast_checksum", "garp_lower_prio_delay",
    "garp_lower_prio_repeat", "garp_master_refresh", "garp_master_refresh_repeat",
    "garp_extra_if", "garp_extra_if_vmac", "down_timer_adverts", "lower_prio_no_advert",
    "higher_prio_send_advert", "virtual_ipaddress_excluded", "promote_secondaries",
    "virtual_routes", "virtual_rules", "accept", "no_accept",
    "strict_mode", "debug",
    "notify_deleted", "notify_master_rx_lower_pri", "notify_priority_changes",
    "kernel_rx_buf_size", "linkbeat_use_polling", "lvs_sync_daemon_interface",
    "global_tracking", "sync_group_tracking_weight", "vrrp_strict", };



constexpr std::string_view kVirtualIpOption[] = {
    "brd", "scope", "peer", "home", "-nodad", "mngtmpaddr", "noprefixroute", "autojoin",
    "no_track", "preferred_lft", "use_vmac", "track_group", };

constexpr std::string_view kVirtualServer[] = {
    "flag-1", "flag-2", "flag-3", "sh-port", "sh-fallback", "mh-port", "mh-fallback", "ops",
    "hashed", "persistence_engine", "persistence_granularity", "ha_suspend", "virtualhost",
    "snmp_name", "alpha", "omega", "quorum", "hysteresis", "quorum_up", "quorum_down",
    "ip_family", "sorry_server", "sorry_server_inhibit", "sorry_server_lvs_method", "warmup",
    "nat_mask", };

constexpr std::string_view kRealServer[] = {
    "lvs_method", "notify_up", "notify_down", "virtualhost", "snmp_name", "alpha", "warmup",
    "SSL_GET", "SMTP_CHECK", "DNS_CHECK", "MISC_CHECK", "BFD_CHECK", "UDP_CHECK", "PING_CHECK",
    "FILE_CHECK", "ICMP_CHECK", "LDAP_GET"};

constexpr std::string_view kChecker[] = {
    "bindto", "bind_if", "bind_port", "fwmark", "alpha", "warmup", "log_all_failures",
    "http_protocol", "fast_recovery", "virtualhost", "enable_sni"};

constexpr std::string_view kUrl[] = {
    "virtualhost", "regex", "regex_no_match", "regex_options", "regex_stack", "regex_min_offset",
    "regex_max_offset"};

// vrrp_sync_group { } (havip runs no notify scripts and sends no group mail).
constexpr std::string_view kSyncGroup[] = {
    "notify_master", "notify_backup", "notify_fault", "notify_stop", "notify", "smtp_alert",
    "notify_priority_changes", "track_file", "track_process", "track_bfd"};

}  // namespace

std::span<const std::string_view> unsupportedKeywords(Block block) {
  switch (block) {
    case Block::Top: return kTop;
    case Block::GlobalDefs: return kGlobalDefs;
    case Block::VrrpInstance: return kVrrpInstance;
    case Block::VrrpScript: return {};
    case Block::TrackMemory: return {};
    case Block::VirtualIpOption: return kVirtualIpOption;
    case Block::VirtualServer: return kVirtualServer;
    case Block::RealServer: return kRealServer;
    case Block::Checker: return kChecker;
    case Block::Url: return kUrl;
    case Block::SyncGroup: return kSyncGroup;
  }
  return {};
}

bool isUnsupported(Block block, std::string_view keyword) {
  auto list = unsupportedKeywords(block);
  return std::find(list.begin(), list.end(), keyword) != list.end();
}

std::string_view toString(Block block) {
  switch (block) {
    case Block::Top: return "top level";
    case Block::GlobalDefs: return "global_defs";
    case Block::VrrpInstance: return "vrrp_instance";
    case Block::VrrpScript: return "vrrp_script";
    case Block::TrackMemory: return "track_memory";
    case Block::VirtualIpOption: return "virtual_ipaddress";
    case Block::VirtualServer: return "virtual_server";
    case Block::RealServer: return "real_server";
    case Block::Checker: return "health checker";
    case Block::Url: return "url";
    case Block::SyncGroup: return "vrrp_sync_group";
  }
  return "?";
}

std::string_view unsupportedReason(std::string_view keyword) {
  static constexpr std::pair<std::string_view, std::string_view> kReasons[] = {
      {"vrrp_strict", " (keepalived then also blocks all traffic to the VIPs with iptables/nftables and refuses "
                      "authentication; havip does neither: remove it, and add a firewall rule if you relied on it)"},
      {"strict_mode", " (see vrrp_strict: havip does not change behaviour for strict mode)"},
      {"lvs_sync_daemon", " (havip runs no IPVS connection sync daemon: connections would not survive a failover)"},
      {"enable_script_security", " (havip does not check that scripts are writable by root only: ignoring it "
                                 "would run scripts keepalived refuses)"},
      {"unicast_peer", " (havip sends adverts by multicast only; your peers would never hear this router)"},
      {"unicast_src_ip", " (havip sends adverts by multicast only, from the interface's primary address)"},
      {"mcast_src_ip", " (havip sends adverts from the interface's primary address; peers break ties on it)"},
      {"vrrp_mcast_group4", " (havip uses 224.0.0.18, the RFC 3768 group)"},
      {"vrrp_iptables", " (havip installs no firewall rules)"},
      {"notify_master", " (havip runs notify scripts per vrrp_instance: write them in the member instances)"},
      {"notify_backup", " (havip runs notify scripts per vrrp_instance: write them in the member instances)"},
      {"notify_fault", " (havip runs notify scripts per vrrp_instance: write them in the member instances)"},
      {"notify_stop", " (havip runs notify scripts per vrrp_instance: write them in the member instances)"},
      {"notify", " (havip runs notify scripts per vrrp_instance: write them in the member instances)"},
      {"dont_track_primary", " (havip always faults an instance whose interface goes down)"},
      {"use_vmac", " (havip keeps VIPs on the real interface and its MAC)"},
      {"garp_master_refresh", " (havip sends gratuitous ARPs on takeover only)"},
      {"vrrp_garp_master_refresh", " (havip sends gratuitous ARPs on takeover only)"},
      {"vrrp_version", " (havip speaks VRRPv2 only, keepalived's default)"},
      {"sorry_server", " (havip does not add a fallback server when every real server is down)"},
      {"virtual_server_group", " (write one virtual_server per address)"},
  };
  for (const auto& [kw, reason] : kReasons)
    if (kw == keyword) return reason;
  return {};
}

}  // namespace havip::config
