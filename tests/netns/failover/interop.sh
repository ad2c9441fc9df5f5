#!/usr/bin/env bash
# Interop with Debian's keepalived 2.2.7 in VRID 51, both ways:
#   A: keepalived master (10.11.12.1) + havipd backup;
#   B: havipd master + keepalived backup.
# In each: election, SIGKILL of the master (keepalived: its VRRP child) ->
# the other takes the VIP within Master_Down_Interval + slack, restart ->
# preempt back. tshark compares what the two implementations put on the wire.
source "$(dirname "$0")/common.sh"
e2e_setup
keepalived_conf "$HAVIP_SRC/conf/master.conf" "$DAEMON_DIR/ka-master.conf"
keepalived_conf "$HAVIP_SRC/conf/backup.conf" "$DAEMON_DIR/ka-backup.conf"
pcap=$DAEMON_DIR/client.pcap
capture_start "$CLIENT" "$pcap"

# run_pair LABEL START_MASTER START_BACKUP: the scenario, for one pairing.
run_pair() {
  local label=$1 start_master=$2 start_backup=$3 t0 dt
  t0=$(now_s)
  $start_master
  $start_backup
  if wait_until 8 vip_only_on "$MASTER" "$BACKUP"; then
    echo "measured: $label: $VIP on the master alone $(elapsed "$t0" "$(now_s)") s after start (poll)"
  else
    fail "$label: $VIP not on the master alone within 8 s"
    return
  fi
  sleep 2
  check "$label: after 2 s still $VIP on the master alone (stable election)" vip_only_on "$MASTER" "$BACKUP"
  [[ ${DAEMON_KIND[backup]} == havipd ]] &&
    check "$label: havipd backup's status says BACKUP, master 10.11.12.1" \
      [ "$(status_of backup '"\(.state) \(.master_address)"')" == "BACKUP 10.11.12.1" ]
  [[ ${DAEMON_KIND[master]} == havipd ]] &&
    check "$label: havipd master's status says MASTER" state_is master MASTER

  monitor_start "$BACKUP" "$DAEMON_DIR/$label-kill.mon"
  t0=$(now_s)
  daemon_kill master KILL
  if wait_vip_add "$DAEMON_DIR/$label-kill.mon" 6; then
    dt=$(elapsed "$t0" "$(monitor_first_add "$DAEMON_DIR/$label-kill.mon")")
    echo "measured: $label: SIGKILL of the ${DAEMON_KIND[master]} master -> VIP on the ${DAEMON_KIND[backup]} backup $dt s"
    check "$label: takeover $dt s <= $MDI_90 + $SLACK" le "$dt" "$(awk "BEGIN{print $MDI_90 + $SLACK}")"
    check "$label: takeover $dt s >= $MDI_90 - 1" ge "$dt" "$(awk "BEGIN{print $MDI_90 - 1}")"
  else
    fail "$label: backup did not take $VIP within 6 s of SIGKILL"
  fi
  monitor_stop
  daemon_stop master
  [[ ${DAEMON_KIND[backup]} == havipd ]] && check "$label: havipd backup's status says MASTER" state_is backup MASTER

  sleep 1
  t0=$(now_s)
  $start_master
  if wait_until 8 vip_only_on "$MASTER" "$BACKUP"; then
    echo "measured: $label: restarted ${DAEMON_KIND[master]} master preempted back in $(elapsed "$t0" "$(now_s)") s (poll)"
  else
    fail "$label: restarted master did not preempt within 8 s"
  fi
  [[ ${DAEMON_KIND[backup]} == havipd ]] && {
    wait_until 3 state_is backup BACKUP
    check "$label: havipd backup's status back to BACKUP" state_is backup BACKUP
  }
  sleep 1.5
  daemon_stop master
  daemon_stop backup
}

start_ka_master() { keepalived_start master "$MASTER" "$DAEMON_DIR/ka-master.conf"; }
start_ka_backup() { keepalived_start backup "$BACKUP" "$DAEMON_DIR/ka-backup.conf"; }
start_hv_master() { havipd_start master "$MASTER" "$HAVIP_SRC/conf/master.conf"; }
start_hv_backup() { havipd_start backup "$BACKUP" "$HAVIP_SRC/conf/backup.conf"; }

t_a=$(now_s)
run_pair keepalived-master start_ka_master start_hv_backup
sleep 1
t_b=$(now_s)
run_pair havipd-master start_hv_master start_ka_backup
capture_stop

# Both implementations' adverts, as tshark decodes them.
for range in "keepalived|$t_a|$t_b|10.11.12.1|100" "havipd|$t_a|$t_b|10.11.12.2|90" \
             "havipd|$t_b||10.11.12.1|100" "keepalived|$t_b||10.11.12.2|90"; do
  IFS='|' read -r who from to src prio <<<"$range"
  window="frame.time_epoch >= $from"
  [[ -n $to ]] && window+=" && frame.time_epoch < $to"
  got=$(vrrp_fields "$pcap" "ip.src == $src && vrrp.prio > 0 && $window" | sort -u | tr '\t' ' ')
  check "$who adverts from $src decode as '2 1 51 $prio 1 1111 1 1 255 $VIP' (got '$got')" \
    [ "$got" == "2 1 51 $prio 1 1111 1 1 255 $VIP" ]
  ipf=$(tshark -r "$pcap" -Y "vrrp && ip.src == $src && vrrp.prio > 0 && $window" -T fields \
    -e ip.dsfield -e ip.flags.df -e ip.len -e eth.dst 2>/dev/null | sort -u | tr '\t' ' ' | tr '\n' ';')
  echo "note: $who from $src: IP dsfield DF len eth.dst = $ipf"
done
e2e_finish
