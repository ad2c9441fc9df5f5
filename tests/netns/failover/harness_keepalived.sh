#!/usr/bin/env bash
# Proves the suite's harness on two keepalived 2.2.7 peers, no havipd
# involved: topology, daemon helpers, ip monitor timing, tshark judging and
# the injector. If this fails, the other failover tests' verdicts mean nothing.
# keepalived sends its first GARPs after its first advert, 0.1 to ~4 ms
# later here; a wider window keeps this harness check about the harness.
GARP_WINDOW=0.020
source "$(dirname "$0")/common.sh"
e2e_setup
keepalived_conf "$HAVIP_SRC/conf/master.conf" "$DAEMON_DIR/ka-master.conf"
keepalived_conf "$HAVIP_SRC/conf/backup.conf" "$DAEMON_DIR/ka-backup.conf"
pcap=$DAEMON_DIR/client.pcap
mac_master=$(mac_of "$MASTER")
mac_backup=$(mac_of "$BACKUP")

capture_start "$CLIENT" "$pcap"
t_start=$(now_s)
keepalived_start master "$MASTER" "$DAEMON_DIR/ka-master.conf"
keepalived_start backup "$BACKUP" "$DAEMON_DIR/ka-backup.conf"
wait_until 8 vip_only_on "$MASTER" "$BACKUP" || topo_fail "keepalived master did not take $VIP alone within 8 s"
t_elected=$(now_s)
ok "keepalived pair elected the master ($(elapsed "$t_start" "$t_elected") s after start)"
sleep 1.5  # let the backup see a few adverts

# The injector: every crafted fault reaches the wire as described, and
# keepalived, like havipd should, ignores them all.
t_inject=$(now_s)
for variant in "${BAD_VARIANTS[@]}"; do
  IFS='|' read -r reason options _ <<<"$variant"
  # shellcheck disable=SC2086
  inject $options
done
sleep 1.5
check "after the crafted packets: $VIP still only on the master" vip_only_on "$MASTER" "$BACKUP"

# SIGKILL of the master's VRRP process: the backup takes over within its
# Master_Down_Interval, and no sooner than one advert interval before it.
monitor_start "$BACKUP" "$DAEMON_DIR/backup.mon"
t_kill=$(now_s)
daemon_kill master KILL
wait_vip_add "$DAEMON_DIR/backup.mon" 6 || topo_fail "backup did not take $VIP within 6 s of SIGKILL"
t_vip=$(monitor_first_add "$DAEMON_DIR/backup.mon")
monitor_stop
dt=$(elapsed "$t_kill" "$t_vip")
echo "measured: keepalived SIGKILL -> VIP on backup $dt s (Master_Down_Interval $MDI_90 s)"
check "SIGKILL takeover $dt s <= $MDI_90 + $SLACK" le "$dt" "$(awk "BEGIN{print $MDI_90 + $SLACK}")"
check "SIGKILL takeover $dt s >= $MDI_90 - 1 (the backup waited for the master)" ge "$dt" "$(awk "BEGIN{print $MDI_90 - 1}")"
daemon_stop master

# Restart: the priority-100 master preempts back.
sleep 1
t_restart=$(now_s)
keepalived_start master "$MASTER" "$DAEMON_DIR/ka-master.conf"
wait_until 8 vip_only_on "$MASTER" "$BACKUP" || fail "restarted keepalived master did not preempt within 8 s"
echo "measured: keepalived restart -> preempted back in $(elapsed "$t_restart" "$(now_s)") s (poll)"
sleep 1
capture_stop

judge_adverts "$pcap" 10.11.12.1 100
judge_adverts "$pcap" 10.11.12.2 90
judge_takeover "$pcap" "startup" 10.11.12.1 "$mac_master" "$t_start" "$t_kill"
judge_takeover "$pcap" "after SIGKILL" 10.11.12.2 "$mac_backup" "$t_kill" "$t_restart"
judge_takeover "$pcap" "preempt after restart" 10.11.12.1 "$mac_master" "$t_restart"
judge_no_garp "$pcap" "backup while BACKUP" "$mac_backup" "$t_start" "$t_kill"
for variant in "${BAD_VARIANTS[@]}"; do
  IFS='|' read -r reason _ filter <<<"$variant"
  judge_injected "$pcap" "$reason" "$filter" 1
done
tshark -r "$pcap" -Y "frame.time_epoch >= $t_inject && frame.time_epoch < $t_inject + 1" 2>/dev/null |
  grep 10.11.12.3 | sed 's/^/  /'
e2e_finish
