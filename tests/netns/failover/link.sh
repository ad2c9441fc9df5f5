#!/usr/bin/env bash
# Link down on the master's eth0: the master goes FAULT (status) and removes
# its VIP, the backup takes over once the adverts stop (Master_Down_Interval);
# link up: the master comes back and preempts.
source "$(dirname "$0")/common.sh"
e2e_setup
start_havipd_pair
wait_until 8 vip_only_on "$MASTER" "$BACKUP" || topo_fail "$VIP not on the master alone within 8 s"
wait_until 5 state_is backup BACKUP || topo_fail "backup's status never said BACKUP"
sleep 1.5

monitor_start "$BACKUP" "$DAEMON_DIR/down.mon"
t0=$(now_s)
ip -n "$MASTER" link set eth0 down
if wait_until 2 state_is master FAULT; then
  echo "measured: link down -> master's status FAULT within $(elapsed "$t0" "$(now_s)") s (poll)"
else
  fail "master's status is '$(status_of master .state)', not FAULT, 2 s after link down"
fi
# The kernel keeps addresses on a down link: only havipd can have removed it.
check "master removed $VIP from its (down) eth0" wait_until 2 lacks_vip_now "$MASTER"
check "master's status says the VIP is not installed" vip_installed_is master false
if wait_vip_add "$DAEMON_DIR/down.mon" 6; then
  dt=$(elapsed "$t0" "$(monitor_first_add "$DAEMON_DIR/down.mon")")
  echo "measured: link down -> VIP on backup $dt s"
  check "backup took over within $MDI_90 + $SLACK s ($dt)" le "$dt" "$(awk "BEGIN{print $MDI_90 + $SLACK}")"
else
  fail "backup did not take $VIP within 6 s of the master's link going down"
fi
monitor_stop
check "backup's status says MASTER" state_is backup MASTER
sleep 1
check "master still FAULT while the link is down" state_is master FAULT

t0=$(now_s)
ip -n "$MASTER" link set eth0 up
if wait_until 8 vip_only_on "$MASTER" "$BACKUP"; then
  echo "measured: link up -> VIP back on the master alone in $(elapsed "$t0" "$(now_s)") s (poll)"
else
  fail "master did not preempt back within 8 s of link up (state '$(status_of master .state)')"
fi
wait_until 3 state_is backup BACKUP || fail "backup's status did not return to BACKUP"
check "master's status says MASTER" state_is master MASTER
check "master's last transition is to MASTER (got '$(status_of master .last_transition.to)')" \
  [ "$(status_of master .last_transition.to)" == MASTER ]
e2e_finish
