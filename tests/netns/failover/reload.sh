#!/usr/bin/env bash
# Reload, judged by "ip monitor address" on the master:
#   SIGHUP with the config unchanged: no transition on either node and no VIP flap;
#   a broken config then SIGHUP: refused and logged as FILE:LINE:..., the
#     daemon keeps running as MASTER with its VIP; "havipctl reload" exits 1
#     and prints the errors; a repaired config reloads with exit 0, no flap.
# The master runs from a byte-identical copy of conf/master.conf so it can be broken.
source "$(dirname "$0")/common.sh"
e2e_setup
conf=$DAEMON_DIR/master.conf
cp "$HAVIP_SRC/conf/master.conf" "$conf"
havipd_start master "$MASTER" "$conf"
havipd_start backup "$BACKUP" "$HAVIP_SRC/conf/backup.conf"
wait_until 8 vip_only_on "$MASTER" "$BACKUP" || topo_fail "$VIP not on the master alone within 8 s"
wait_until 5 state_is backup BACKUP || topo_fail "backup's status never said BACKUP"
sleep 1

transition() { status_of "$1" '"\(.last_transition.to) \(.last_transition.at.wall_clock)"'; }
before_m=$(transition master)
before_b=$(transition backup)
pid=${DAEMON_PID[master]}

# --- SIGHUP, unchanged
monitor_start "$MASTER" "$DAEMON_DIR/hup.mon"
kill -HUP "$pid"
sleep 2.5
monitor_stop
check "havipd still running after SIGHUP" daemon_alive master
check "master's last transition unchanged by the reload ('$before_m' -> '$(transition master)')" \
  [ "$(transition master)" == "$before_m" ]
check "backup's last transition unchanged ('$before_b' -> '$(transition backup)')" \
  [ "$(transition backup)" == "$before_b" ]
check "master still MASTER" state_is master MASTER
check "no VIP flap: ip monitor saw no Deleted line on the master ($(grep -c Deleted "$DAEMON_DIR/hup.mon"))" \
  bash -c "! grep -q Deleted '$DAEMON_DIR/hup.mon'"
check "no VIP flap: ip monitor saw no address event for $VIP at all" \
  bash -c "! grep -q 'inet $VIP/' '$DAEMON_DIR/hup.mon'"
check "$VIP on the master alone" vip_only_on "$MASTER" "$BACKUP"
check "status records the reload as ok (got '$(ctl master status --json | jq -c .result.daemon.last_reload.result)')" \
  [ "$(ctl master status --json | jq -r .result.daemon.last_reload.result.ok)" == true ]

# --- a broken config: SIGHUP
line=$(grep -n '^[[:space:]]*priority 100' "$conf" | cut -d: -f1)
[[ -n $line ]] || topo_fail "no 'priority 100' line in $conf"
sed -i "${line}s/priority 100/priority 300/" "$conf"
log_lines=$(wc -l <"$DAEMON_DIR/master.log")
monitor_start "$MASTER" "$DAEMON_DIR/broken.mon"
kill -HUP "$pid"
sleep 1.5
check "havipd still running after SIGHUP with a broken config" daemon_alive master
check "still MASTER after the refused reload" state_is master MASTER
check "master's last transition unchanged" [ "$(transition master)" == "$before_m" ]
new_log=$(tail -n +"$((log_lines + 1))" "$DAEMON_DIR/master.log")
echo "log after the broken SIGHUP:"
sed 's/^/  | /' <<<"$new_log"
check "the log names the error as master.conf:$line:..." grep -q "master.conf:$line:" <<<"$new_log"
check "status records the reload as refused" \
  [ "$(ctl master status --json | jq -r .result.daemon.last_reload.result.ok)" == false ]

# --- the same through havipctl reload
out=$(ctl master reload 2>&1)
rc=$?
echo "havipctl reload (broken) -> rc $rc:"
sed 's/^/  | /' <<<"$out"
check "havipctl reload of a broken config exits 1 (got $rc)" [ "$rc" == 1 ]
check "havipctl reload prints the error master.conf:$line:..." grep -q "master.conf:$line:" <<<"$out"
check "still MASTER after havipctl reload refused" state_is master MASTER

# --- repaired: reload succeeds, still no flap
cp "$HAVIP_SRC/conf/master.conf" "$conf"
out=$(ctl master reload 2>&1)
rc=$?
echo "havipctl reload (repaired) -> rc $rc: $out"
check "havipctl reload of the repaired config exits 0 (got $rc)" [ "$rc" == 0 ]
sleep 1
monitor_stop
check "no VIP flap through the refused and repaired reloads" \
  bash -c "! grep -q 'inet $VIP/' '$DAEMON_DIR/broken.mon'"
check "$VIP on the master alone at the end" vip_only_on "$MASTER" "$BACKUP"
check "master's last transition still unchanged at the end" [ "$(transition master)" == "$before_m" ]
e2e_finish
