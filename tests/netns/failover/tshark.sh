#!/usr/bin/env bash
# What havipd puts on the wire, decoded by tshark from a capture on the
# client's eth0 during startup, a SIGTERM hand-over and a preempting restart:
# VRRPv2, VRID 51, the configured priority, simple text "1111", good
# checksum, TTL 255; a priority-0 advert on SIGTERM; and a gratuitous ARP
# for the VIP from the new master's MAC right with each takeover's first advert.
source "$(dirname "$0")/common.sh"
e2e_setup
pcap=$DAEMON_DIR/client.pcap
mac_master=$(mac_of "$MASTER")
mac_backup=$(mac_of "$BACKUP")

capture_start "$CLIENT" "$pcap"
t_start=$(now_s)
start_havipd_pair
wait_until 8 vip_only_on "$MASTER" "$BACKUP" || topo_fail "$VIP not on the master alone within 8 s"
sleep 1.5

t_term=$(now_s)
daemon_kill master TERM
daemon_wait_exit master 3 || fail "havipd master still running 3 s after SIGTERM"
check "havipd master exits 0 on SIGTERM (got ${DAEMON_RC:-none})" [ "${DAEMON_RC:-}" == 0 ]
wait_until 3 has_vip_now "$BACKUP" || fail "backup did not take $VIP within 3 s of the master's SIGTERM"
sleep 1.5

t_restart=$(now_s)
havipd_start master "$MASTER" "$HAVIP_SRC/conf/master.conf"
wait_until 8 vip_only_on "$MASTER" "$BACKUP" || fail "restarted master did not preempt within 8 s"
sleep 1.5
capture_stop

judge_adverts "$pcap" 10.11.12.1 100
judge_adverts "$pcap" 10.11.12.2 90
zero=$(vrrp_fields "$pcap" "ip.src == 10.11.12.1 && vrrp.prio == 0 && frame.time_epoch >= $t_term && frame.time_epoch < $t_restart" | tr '\t' ' ')
check "SIGTERM: one priority-0 advert from the master, otherwise well formed (got '$zero')" \
  [ "$zero" == "2 1 51 0 1 1111 1 1 255 $VIP" ]
judge_takeover "$pcap" "startup" 10.11.12.1 "$mac_master" "$t_start" "$t_term"
judge_takeover "$pcap" "after SIGTERM" 10.11.12.2 "$mac_backup" "$t_term" "$t_restart"
judge_takeover "$pcap" "preempt after restart" 10.11.12.1 "$mac_master" "$t_restart"
judge_no_garp "$pcap" "backup while BACKUP (before SIGTERM)" "$mac_backup" "$t_start" "$t_term"
garps=$(tshark -r "$pcap" -Y "arp.isgratuitous == 1 && arp.src.proto_ipv4 == $VIP" -T fields \
  -e frame.time_epoch -e eth.src 2>/dev/null | awk '{ print $2 }' | uniq -c | tr -s ' ' | tr '\n' ';')
echo "GARP bursts (count mac): $garps"
e2e_finish
