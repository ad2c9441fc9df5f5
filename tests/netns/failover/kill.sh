#!/usr/bin/env bash
# Failover timing, judged by "ip -ts monitor address" in the backup:
#   SIGKILL of the master: the backup holds the VIP within its
#     Master_Down_Interval (3 + 166/256 = 3.648 s) plus slack, and not
#     sooner than one advert interval before it;
#   restart: the master preempts back;
#   SIGTERM: the master's priority-0 advert lets the backup take over after
#     Skew_Time (0.648 s) plus slack; havipd exits 0 and removes its VIP.
source "$(dirname "$0")/common.sh"
e2e_setup
start_havipd_pair
wait_until 8 vip_only_on "$MASTER" "$BACKUP" || topo_fail "$VIP not on the master alone within 8 s"
wait_until 5 state_is backup BACKUP || topo_fail "backup's status never said BACKUP"
sleep 1.5

# --- SIGKILL
monitor_start "$BACKUP" "$DAEMON_DIR/kill.mon"
t_kill=$(now_s)
daemon_kill master KILL
if wait_vip_add "$DAEMON_DIR/kill.mon" 6; then
  dt=$(elapsed "$t_kill" "$(monitor_first_add "$DAEMON_DIR/kill.mon")")
  echo "measured: SIGKILL -> VIP on backup $dt s (Master_Down_Interval $MDI_90 s)"
  check "SIGKILL takeover $dt s <= $MDI_90 + $SLACK" le "$dt" "$(awk "BEGIN{print $MDI_90 + $SLACK}")"
  check "SIGKILL takeover $dt s >= $MDI_90 - 1 (no earlier than one interval before the timer)" \
    ge "$dt" "$(awk "BEGIN{print $MDI_90 - 1}")"
else
  fail "backup did not take $VIP within 6 s of SIGKILL"
fi
monitor_stop
daemon_stop master
check "backup's status says MASTER after the kill" state_is backup MASTER
check "backup's status says its VIP is installed" vip_installed_is backup true

# --- restart: preempt back
sleep 1
t_restart=$(now_s)
havipd_start master "$MASTER" "$HAVIP_SRC/conf/master.conf"
if wait_until 8 vip_only_on "$MASTER" "$BACKUP"; then
  echo "measured: restart -> VIP back on the master alone in $(elapsed "$t_restart" "$(now_s)") s (poll)"
else
  fail "restarted master did not preempt within 8 s"
fi
wait_until 3 state_is backup BACKUP || fail "backup's status did not return to BACKUP"
check "master's status says MASTER after preempting" state_is master MASTER
check "backup's VIP not installed after the preempt" vip_installed_is backup false
sleep 1.5

# --- SIGTERM
monitor_start "$BACKUP" "$DAEMON_DIR/term.mon"
monitor_start "$MASTER" "$DAEMON_DIR/term-master.mon"
t_term=$(now_s)
daemon_kill master TERM
if wait_vip_add "$DAEMON_DIR/term.mon" 3; then
  dt=$(elapsed "$t_term" "$(monitor_first_add "$DAEMON_DIR/term.mon")")
  echo "measured: SIGTERM -> VIP on backup $dt s (Skew_Time $SKEW_90 s)"
  check "SIGTERM takeover $dt s <= $SKEW_90 + $SLACK" le "$dt" "$(awk "BEGIN{print $SKEW_90 + $SLACK}")"
  check "SIGTERM takeover $dt s >= $SKEW_90 - 0.05 (the backup waits Skew_Time after a priority-0 advert)" \
    ge "$dt" "$(awk "BEGIN{print $SKEW_90 - 0.05}")"
else
  fail "backup did not take $VIP within 3 s of SIGTERM"
fi
daemon_wait_exit master 3 || fail "havipd master still running 3 s after SIGTERM"
check "havipd exits 0 on SIGTERM (got ${DAEMON_RC:-none})" [ "${DAEMON_RC:-}" == 0 ]
check "the stopped master removed $VIP from its eth0" lacks_vip_now "$MASTER"
check "ip monitor saw the master delete $VIP" grep -q "Deleted.*inet $VIP/" "$DAEMON_DIR/term-master.mon"
kill "$MONITOR_PID" 2>/dev/null

# --- restart again: preempt back once more
havipd_start master "$MASTER" "$HAVIP_SRC/conf/master.conf"
wait_until 8 vip_only_on "$MASTER" "$BACKUP" || fail "master restarted after SIGTERM did not preempt within 8 s"
wait_until 3 state_is backup BACKUP || fail "backup's status did not return to BACKUP"
check "final: master MASTER" state_is master MASTER
check "final: $VIP on the master alone" vip_only_on "$MASTER" "$BACKUP"
e2e_finish
