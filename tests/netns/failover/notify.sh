#!/usr/bin/env bash
# keepalived's notify scripts (notify_master / _backup / _fault / _stop and
# `notify`) on both directors, the seed's configs plus five lines each: every
# transition runs the state's script and `notify INSTANCE VI_1 STATE PRIO`
# (started in that order; they run side by side, so their lines may come in
# either order), without a shell; a stopping havipd waits for notify_stop.
# The judge is what the scripts themselves wrote.
source "$(dirname "$0")/common.sh"
e2e_setup
# The script: one line per run, its arguments as received.
HOOK=$DAEMON_DIR/hook.sh
printf '#!/bin/sh\necho "$*" >>"%s/notify-$1.log"\n' "$DAEMON_DIR" >"$HOOK"
chmod 755 "$HOOK"
with_notify() { # SRC DST NAME: the seed's config with notify scripts named after NAME
  sed "/^    router_id/a\\
    notify_master \"$HOOK $3 master\"\\
    notify_backup \"$HOOK $3 backup\"\\
    notify_fault \"$HOOK $3 fault\"\\
    notify_stop \"$HOOK $3 stop\"\\
    notify \"$HOOK $3\"" "$1" >"$2"
}
with_notify "$HAVIP_SRC/conf/master.conf" "$DAEMON_DIR/master.conf" m
with_notify "$HAVIP_SRC/conf/backup.conf" "$DAEMON_DIR/backup.conf" b
"$HAVIP_BIN/havipd" --check-config "$DAEMON_DIR/master.conf" >/dev/null || topo_fail "the notify config does not load"
havipd_start master "$MASTER" "$DAEMON_DIR/master.conf"
havipd_start backup "$BACKUP" "$DAEMON_DIR/backup.conf"
wait_until 8 vip_only_on "$MASTER" "$BACKUP" || topo_fail "$VIP not on the master alone within 8 s"
wait_until 5 state_is backup BACKUP || topo_fail "backup's status never said BACKUP"
lines() { cat "$DAEMON_DIR/notify-$1.log" 2>/dev/null; }
# same_lines FILE WANT: FILE's lines are WANT's, in any order.
same_lines() { [[ $(sort "$1" 2>/dev/null) == "$(sort <<<"$2")" ]]; }
# last_two FILE WANT: FILE's last two lines are WANT's, in any order.
last_two() { [[ $(tail -n 2 "$1" 2>/dev/null | sort) == "$(sort <<<"$2")" ]]; }
# The effective priority the master advertises (the seed's check may add 2).
prio_m=$(status_of master .effective_priority)
prio_b=$(status_of backup .effective_priority)
want_m="m backup
m INSTANCE VI_1 BACKUP 100
m master
m INSTANCE VI_1 MASTER $prio_m"
check "master ran notify_backup then notify at start, notify_master then notify on taking over: $(lines m | tr '\n' '|')" \
  wait_until 3 same_lines "$DAEMON_DIR/notify-m.log" "$want_m"
want_b="b backup
b INSTANCE VI_1 BACKUP $prio_b"
check "backup ran notify_backup then notify once: $(lines b | tr '\n' '|')" \
  wait_until 3 same_lines "$DAEMON_DIR/notify-b.log" "$want_b"

# SIGTERM: the master's notify_stop and `notify ... STOP` run before it exits;
# the backup takes over and runs notify_master.
daemon_stop master
check "the stopped master ran notify_stop and notify STOP before exiting: $(lines m | tail -n 2 | tr '\n' '|')" \
  last_two "$DAEMON_DIR/notify-m.log" "m stop
m INSTANCE VI_1 STOP $prio_m"
if wait_until 6 has_vip_now "$BACKUP"; then
  check "backup ran notify_master and notify MASTER on taking over: $(lines b | tail -n 2 | tr '\n' '|')" \
    wait_until 3 last_two "$DAEMON_DIR/notify-b.log" "b master
b INSTANCE VI_1 MASTER $prio_b"
else
  fail "backup did not take $VIP within 6 s of the master's stop"
fi
check "havipd logged each run (master: $(grep -c 'notify.*: running' "$DAEMON_DIR/master.log"))" \
  [ "$(grep -c 'notify.*: running' "$DAEMON_DIR/master.log")" -eq 6 ]
e2e_finish
