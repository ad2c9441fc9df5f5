#!/usr/bin/env bash
# havipctl failover from each side, both directions, and --clear:
#   on the MASTER: hand-over (priority-0 advert, BACKUP, no preemption while
#     held): the backup takes the VIP within Skew_Time + slack, and keeps it
#     past a Master_Down_Interval; --clear: the master preempts back;
#   on the BACKUP: take-over now (MASTER with a raised effective priority),
#     the master stays BACKUP; --clear: the master preempts back.
#   --hold S: a hand-over that ends by itself after S seconds.
source "$(dirname "$0")/common.sh"
e2e_setup
start_havipd_pair
wait_until 8 vip_only_on "$MASTER" "$BACKUP" || topo_fail "$VIP not on the master alone within 8 s"
wait_until 5 state_is backup BACKUP || topo_fail "backup's status never said BACKUP"
sleep 1.5

# --- hand-over from the master
monitor_start "$BACKUP" "$DAEMON_DIR/handover.mon"
t0=$(now_s)
out=$(ctl master failover VI_1 2>&1)
rc=$?
echo "havipctl failover (master) -> rc $rc: $out"
check "failover on the master exits 0" [ "$rc" == 0 ]
if wait_vip_add "$DAEMON_DIR/handover.mon" 3; then
  dt=$(elapsed "$t0" "$(monitor_first_add "$DAEMON_DIR/handover.mon")")
  echo "measured: hand-over request -> VIP on backup $dt s (Skew_Time $SKEW_90 s)"
  check "hand-over $dt s <= $SKEW_90 + $SLACK" le "$dt" "$(awk "BEGIN{print $SKEW_90 + $SLACK}")"
else
  fail "backup did not take $VIP within 3 s of the hand-over"
fi
monitor_stop
wait_until 2 lacks_vip_now "$MASTER" || fail "master kept $VIP after handing over"
check "master's status says BACKUP after handing over" state_is master BACKUP
check "master's admin_override is handed-over (got '$(status_of master .admin_override.mode)')" \
  [ "$(status_of master .admin_override.mode)" == handed-over ]
check "backup's status says MASTER" state_is backup MASTER
sleep 4.5  # longer than the master's Master_Down_Interval: it must hold, not preempt
check "after 4.5 s the master still holds back: $VIP only on the backup" vip_only_on "$BACKUP" "$MASTER"
check "after 4.5 s the master's status still says BACKUP" state_is master BACKUP

# --- --clear on the master: it preempts back
t0=$(now_s)
out=$(ctl master failover --clear 2>&1)
rc=$?
echo "havipctl failover --clear (master) -> rc $rc: $out"
check "failover --clear on the master exits 0" [ "$rc" == 0 ]
if wait_until 6 vip_only_on "$MASTER" "$BACKUP"; then
  echo "measured: --clear -> VIP back on the master alone in $(elapsed "$t0" "$(now_s)") s (poll)"
else
  fail "master did not preempt back within 6 s of --clear"
fi
check "master's admin_override is gone after --clear (got '$(status_of master .admin_override)')" \
  [ "$(status_of master .admin_override)" == null ]
wait_until 3 state_is backup BACKUP || fail "backup's status did not return to BACKUP"
sleep 1.5

# --- take-over from the backup
monitor_start "$BACKUP" "$DAEMON_DIR/takeover.mon"
t0=$(now_s)
out=$(ctl backup failover 2>&1)
rc=$?
echo "havipctl failover (backup) -> rc $rc: $out"
check "failover on the backup exits 0" [ "$rc" == 0 ]
if wait_vip_add "$DAEMON_DIR/takeover.mon" 3; then
  dt=$(elapsed "$t0" "$(monitor_first_add "$DAEMON_DIR/takeover.mon")")
  echo "measured: take-over request -> VIP on backup $dt s"
  check "take-over $dt s <= $SLACK (no timer to wait for)" le "$dt" "$SLACK"
else
  fail "backup did not take $VIP within 3 s of its take-over"
fi
monitor_stop
wait_until 3 lacks_vip_now "$MASTER" || fail "master kept $VIP after the backup took over"
check "backup's status says MASTER" state_is backup MASTER
check "master's status says BACKUP" state_is master BACKUP
check "backup's admin_override is taken-over (got '$(status_of backup .admin_override.mode)')" \
  [ "$(status_of backup .admin_override.mode)" == taken-over ]
eff=$(status_of backup .effective_priority)
check "backup's effective priority is raised above the master's 100 (got $eff)" [ "${eff:-0}" -gt 100 ]
sleep 4.5
check "after 4.5 s the backup keeps the role: $VIP only on the backup" vip_only_on "$BACKUP" "$MASTER"

# --- --clear on the backup: the master preempts back
t0=$(now_s)
out=$(ctl backup failover --clear 2>&1)
rc=$?
echo "havipctl failover --clear (backup) -> rc $rc: $out"
check "failover --clear on the backup exits 0" [ "$rc" == 0 ]
if wait_until 6 vip_only_on "$MASTER" "$BACKUP"; then
  echo "measured: --clear (backup) -> VIP back on the master alone in $(elapsed "$t0" "$(now_s)") s (poll)"
else
  fail "master did not preempt back within 6 s of the backup's --clear"
fi
wait_until 3 state_is backup BACKUP || fail "backup's status did not return to BACKUP"
check "backup's effective priority back to 90 (got $(status_of backup .effective_priority))" \
  [ "$(status_of backup .effective_priority)" == 90 ]
sleep 1

# --- --hold 2: a hand-over that lapses by itself
t0=$(now_s)
out=$(ctl master failover --hold 2 2>&1)
rc=$?
echo "havipctl failover --hold 2 (master) -> rc $rc: $out"
check "failover --hold 2 exits 0" [ "$rc" == 0 ]
wait_until 3 vip_only_on "$BACKUP" "$MASTER" || fail "backup did not take $VIP after failover --hold 2"
remaining=$(status_of master .admin_override.remaining_seconds)
check "master's admin_override shows remaining seconds <= 2 (got '$remaining')" \
  bash -c "[[ '$remaining' != null ]] && awk 'BEGIN{exit !($remaining <= 2)}'"
if wait_until 8 vip_only_on "$MASTER" "$BACKUP"; then
  echo "measured: --hold 2 -> VIP back on the master in $(elapsed "$t0" "$(now_s)") s (poll)"
else
  fail "master did not take the role back within 8 s of a 2 s hold"
fi
e2e_finish
