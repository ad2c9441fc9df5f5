#!/usr/bin/env bash
# Issue 7: kill -9 havipd while MASTER, then restart it (lab topology, both
# directors from conf/lab/*.conf, real IPVS in the guest).
#   1. SIGKILL of the master's havipd while MASTER: the backup takes both VIPs;
#      the killed one leaves its VIPs and IPVS table behind (nobody cleans up);
#   2. restart: the stale VIPs go at start (havipd starts BACKUP), the master
#      preempts after its Master_Down_Interval; "ip -ts monitor address" in
#      both namespaces and a poll of "ip -o addr" on both (~50 ms) say whether
#      both ever held 10.11.12.99 at once;
#   3. the IPVS table the restarted daemon found is adopted: ipvsadm -Ln equals
#      the config, one copy of the service and of each real server; status and
#      the log say which operations it applied (ideally none).
source "$(dirname "$0")/../lab/common.sh"
lab_setup
load_ipvs
lab_topology
lab_web_start 1
lab_web_start 2
RS1=$(rs_re 192.168.100.10 1)
RS2=$(rs_re 192.168.100.20 1)
state_is() { [[ $(status_of "$1" .state 2>/dev/null) == "$2" ]]; }
holds_no_vip() { ! lab_has_addr "$1" eth0 "$LAB_VIP" && ! lab_has_addr "$1" eth1 "$LAB_GATEWAY_VIP"; }
settled_on_master() { lab_holds_vips "$LAB_MASTER" && holds_no_vip "$LAB_BACKUP"; }
programmed_in() { lab_table_has "$1" "$SERVICE_RE" && lab_table_has "$1" "$RS1" && lab_table_has "$1" "$RS2"; }
# count_lines NS ERE: lines of ipvsadm -Ln in NS matching ERE.
count_lines() { lab_ipvsadm "$1" -Ln | grep -cE -- "$2"; }

havipd_start master "$LAB_MASTER" "$MASTER_CONF"
havipd_start backup "$LAB_BACKUP" "$BACKUP_CONF"
wait_until 12 settled_on_master || topo_fail "12 s after start the VIPs are not on the master alone"
wait_until 5 state_is master MASTER || topo_fail "the master's status says $(status_of master .state), not MASTER"
wait_until 8 programmed_in "$LAB_MASTER" || topo_fail "the master's ipvsadm -Ln lacks the service and both real servers"
table_before=$(lab_ipvsadm "$LAB_MASTER" -Ln)
show_table "$LAB_MASTER"

# --- 1. SIGKILL while MASTER ------------------------------------------------------------------
check "before the kill the master's status says MASTER" state_is master MASTER
t_kill=$(now_s)
daemon_kill master KILL
daemon_wait_exit master 3 || fail "the killed havipd was not reaped within 3 s"
if wait_until 8 lab_holds_vips "$LAB_BACKUP"; then
  measured "SIGKILL -> the backup holds both VIPs (seen by polling): $(since "$t_kill") s"
else
  fail "8 s after the SIGKILL the backup does not hold both VIPs"
fi
wait_until 3 state_is backup MASTER || fail "the backup's status says $(status_of backup .state), not MASTER"
stale=$(ip -n "$LAB_MASTER" -o -4 addr | awk '{print $2, $4}' | tr '\n' ' ')
check "the killed master left its VIPs behind (nobody cleaned up): $stale" lab_holds_vips "$LAB_MASTER"
check "the killed master left its IPVS table behind" programmed_in "$LAB_MASTER"

# --- 2. restart ---------------------------------------------------------------------------------
for ns in master backup; do
  ip -ts -n "${TOPO_PREFIX}$ns" monitor address >"$DAEMON_DIR/restart-$ns.mon" 2>&1 &
  BG_PIDS+=("$!")
done
# The poll: one line per round, "<uptime> <master has VIP 0|1> <backup has VIP 0|1>".
poll_vips() {
  local up m b
  while :; do
    read -r up _ </proc/uptime
    m=0 b=0
    ip -n "$LAB_MASTER" -o -4 addr show dev eth0 | grep -qF " inet $LAB_VIP/" && m=1
    ip -n "$LAB_BACKUP" -o -4 addr show dev eth0 | grep -qF " inet $LAB_VIP/" && b=1
    echo "$up $m $b" >>"$DAEMON_DIR/poll.txt"
    sleep 0.05
  done
}
poll_vips &
POLL_PID=$!
BG_PIDS+=("$POLL_PID")
sleep 1
mark=$(log_mark master)
read -r up_restart _ </proc/uptime
t_restart=$(now_s)
havipd_start master "$LAB_MASTER" "$MASTER_CONF"
wait_until 10 settled_on_master || fail "10 s after the restart the VIPs are not on the master alone"
wait_until 3 state_is master MASTER || fail "the restarted master's status says $(status_of master .state)"
measured "restart -> VIPs on the master alone (seen by polling): $(since "$t_restart") s"
sleep 1
kill "$POLL_PID" 2>/dev/null
wait "$POLL_PID" 2>/dev/null

echo "restarted havipd's log (VRRP and addresses):"
log_since master "$mark" | grep -E 'vrrp:|netlink:' | sed 's/^/    /'
check "log: the stale VIP $LAB_VIP removed at start" \
  grep -qE "removing stale VIP ${LAB_VIP//./\\.}/32 from eth0" <<<"$(log_since master "$mark")"
check "log: the stale VIP $LAB_GATEWAY_VIP removed at start" \
  grep -qE "removing stale VIP ${LAB_GATEWAY_VIP//./\\.}/24 from eth1" <<<"$(log_since master "$mark")"
first_state=$(log_since master "$mark" | grep -m1 -oE 'VI_1 [A-Z]+ -> [A-Z]+ \([^)]*\)')
check "log: the restarted havipd started BACKUP, then preempted: first transition '$first_state'" \
  grep -qE '^VI_1 INIT -> BACKUP' <<<"$first_state"
check "log: then BACKUP -> MASTER" grep -qE 'VI_1 BACKUP -> MASTER' <<<"$(log_since master "$mark")"

# ip monitor: "[2026-...T14:00:00.123456] 3: eth0    inet 10.11.12.99/32 ..." and "Deleted ...".
# intervals FILE: epoch intervals during which 10.11.12.99 was present, "start end" per line
# (HELD_AT_START: it was there when the monitor started; open intervals end at "now").
intervals() {
  local held=$2
  awk -v held="$held" -v start="$3" -v end="$4" -v vip="inet $LAB_VIP/" '
    index($0, vip) {
      s = substr($1, 2, 26); gsub(/[^0-9T:.-]/, "", s)
      cmd = "date -d " s " +%s.%N"; cmd | getline t; close(cmd)
      if ($2 == "Deleted") { if (held) print from, t; held = 0 }
      else if (!held) { held = 1; from = t }
    }
    BEGIN { from = start }
    END { if (held) print from, end }' "$1"
}
t_end=$(now_s)
intervals "$DAEMON_DIR/restart-master.mon" 1 "$t_restart" "$t_end" >"$DAEMON_DIR/held-master.txt"
intervals "$DAEMON_DIR/restart-backup.mon" 1 "$t_restart" "$t_end" >"$DAEMON_DIR/held-backup.txt"
echo "ip monitor: $LAB_VIP held by the master (epoch from..to): $(tr '\n' ';' <"$DAEMON_DIR/held-master.txt")"
echo "ip monitor: $LAB_VIP held by the backup (epoch from..to): $(tr '\n' ';' <"$DAEMON_DIR/held-backup.txt")"
# The overlaps, the first of which is the stale VIP (from before the restart).
overlaps=$(awk 'NR == FNR { ms[NR] = $1; me[NR] = $2; n = NR; next }
  { for (i = 1; i <= n; i++) { s = (ms[i] > $1 ? ms[i] : $1); e = (me[i] < $2 ? me[i] : $2);
      if (e > s) printf "%.6f %.6f\n", s, e } }' "$DAEMON_DIR/held-master.txt" "$DAEMON_DIR/held-backup.txt" | sort -n)
echo "both held it (epoch from..to): $(tr '\n' ';' <<<"$overlaps")"
stale_end=$(head -n1 <<<"$overlaps" | awk '{print $2}')
if [[ -n $stale_end ]]; then
  measured "restart -> stale $LAB_VIP removed from the master (ip monitor): $(elapsed "$t_restart" "$stale_end") s (havipd exec and netns included)"
fi
# Preemption itself: the restarted master adds the VIPs at its BACKUP -> MASTER
# transition, the old one drops them when that master's first advert arrives.
later=$(tail -n +2 <<<"$overlaps" | awk 'NF { printf "%.1f ", ($2 - $1) * 1000 }')
n_later=$(wc -w <<<"$later")
worst=$(tr ' ' '\n' <<<"$later" | sort -n | tail -n1)
measured "ip monitor: after the stale VIP went, both held $LAB_VIP ${n_later} time(s), for ${later:-0 }ms (the preemption handover)"
check "ip monitor: after the stale VIP went, at most one overlap, at the preemption, under 500 ms (saw $n_later: ${later:-none}ms)" \
  [ "$n_later" -le 1 -a "$(awk -v w="${worst:-0}" 'BEGIN { print (w < 500) }')" -eq 1 ]
# The poll, from the moment the stale VIP was gone (uptime clock: the restart's uptime plus the gap).
n_samples=$(wc -l <"$DAEMON_DIR/poll.txt")
stale_up=$(awk -v u="$up_restart" -v a="$t_restart" -v b="${stale_end:-$t_restart}" 'BEGIN { printf "%.2f", u + b - a }')
dups=$(awk -v from="$stale_up" '$1 > from && $2 == 1 && $3 == 1' "$DAEMON_DIR/poll.txt" | wc -l)
gap=$(awk 'NR > 1 { d = $1 - p; if (d > m) m = d } { p = $1 } END { printf "%.3f", m }' "$DAEMON_DIR/poll.txt")
measured "poll of ip -o addr on both: $n_samples samples, longest gap between samples $gap s (each sample is two execs of ip)"
check "poll: no sample after the stale VIP went (uptime > $stale_up) shows $LAB_VIP on both (saw $dups)" [ "$dups" -eq 0 ]
awk -v from="$stale_up" '$1 > from && $2 != p { print "    poll: uptime " $1 " master " $2 " backup " $3 } { p = $2 }' "$DAEMON_DIR/poll.txt"

# --- 3. the IPVS table after the restart --------------------------------------------------------
show_table "$LAB_MASTER"
table_after=$(lab_ipvsadm "$LAB_MASTER" -Ln)
check "ipvsadm -Ln on the master is the same before the kill and after the restart" [ "$table_before" == "$table_after" ]
n_svc=$(grep -cE -- "^(TCP|UDP) " <<<"$table_after")
n_rs1=$(grep -cE -- "$RS1" <<<"$table_after")
n_rs2=$(grep -cE -- "$RS2" <<<"$table_after")
n_rs=$(grep -cE -- '^ +-> +[0-9]' <<<"$table_after")
check "one service (saw $n_svc), 192.168.100.10:80 once (saw $n_rs1), .20:80 once (saw $n_rs2), 2 real servers in all (saw $n_rs)" \
  [ "$n_svc" -eq 1 -a "$n_rs1" -eq 1 -a "$n_rs2" -eq 1 -a "$n_rs" -eq 2 ]
sleep $((RECONCILE_PERIOD + 1))  # one periodic reconcile more
ipvs_json=$(lab_status master '.ipvs | tojson')
echo "restarted havipd's status .ipvs: $ipvs_json"
applied=$(jq -r .operations_applied <<<"$ipvs_json")
failed=$(jq -r .operations_failed <<<"$ipvs_json")
reconciles=$(jq -r .reconciles <<<"$ipvs_json")
ops=$(log_since master "$mark" | ipvs_op_lines)
echo "IPVS operations in the restarted havipd's log: ${ops:-none}"
measured "the restarted havipd applied $applied IPVS operations ($failed failed) over $reconciles reconciles"
check "status: the restarted havipd found the table already there and applied 0 operations (applied $applied, failed $failed)" \
  [ "$applied" -eq 0 -a "$failed" -eq 0 ]
check "log: no add/edit/delete of a service or destination after the restart" [ -z "$ops" ]
check "status: virtual server in_kernel, both real servers at kernel weight 1" \
  [ "$(lab_status master '[.virtual_servers[0].in_kernel, (.virtual_servers[0].real_servers[].kernel_weight)] | join(" ")')" == "true 1 1" ]
check "the backup is BACKUP again (says $(status_of backup .state)) and holds no VIP" \
  bash -c "[[ \$('$HAVIP_BIN/havipctl' -s '$DAEMON_DIR/backup.sock' status --json | jq -r '.result.instances[0].state') == BACKUP ]]"
check "the backup holds no VIP" holds_no_vip "$LAB_BACKUP"
http_words 4
judge_alternation "HTTP through the restarted master" "${WORDS[@]}"
lab_finish
