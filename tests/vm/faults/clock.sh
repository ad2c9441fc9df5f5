#!/usr/bin/env bash
# Issue 7: timers use the steady clock only. The lab pair (conf/lab/*.conf)
# runs while the guest's wall clock is stepped with date -s '+1 hour', then
# date -s '-2 hours'. Judged against CLOCK_MONOTONIC (/proc/uptime):
#   - no transition in either daemon's log, both keep their state;
#   - the master's adverts, captured on the backup's eth0 by tcpdump and each
#     stamped with /proc/uptime as it arrives, keep ~1 s gaps; the same capture
#     decoded by tshark afterwards counts them again (src, vrid, priority);
#   - adverts_sent / adverts_received deltas over known monotonic intervals;
#   - health checks keep running: status last_result_at.seconds_ago stays small.
source "$(dirname "$0")/../lab/common.sh"
lab_setup
command -v tcpdump >/dev/null && command -v tshark >/dev/null || topo_fail "tcpdump and tshark are needed"
load_ipvs
lab_topology
lab_web_start 1
lab_web_start 2
WALL0=$(date +%s)
state_is() { [[ $(status_of "$1" .state 2>/dev/null) == "$2" ]]; }
havipd_start master "$LAB_MASTER" "$MASTER_CONF"
havipd_start backup "$LAB_BACKUP" "$BACKUP_CONF"
wait_until 12 lab_holds_vips "$LAB_MASTER" || topo_fail "12 s after start the master does not hold both VIPs"
wait_until 5 state_is backup BACKUP || topo_fail "the backup's status says $(status_of backup .state)"

# The capture: text for the monotonic stamps, a pcap for tshark.
ip netns exec "$LAB_BACKUP" tcpdump -U -n -i eth0 -w "$DAEMON_DIR/vrrp.pcap" vrrp 2>"$DAEMON_DIR/tcpdump-pcap.log" &
BG_PIDS+=("$!")
stamp_lines() { local line up; while read -r line; do read -r up _ </proc/uptime; echo "$up $line"; done; }
# tcpdump's own pid, for the cleanup: killing the reader of its pipe would leave
# it blocked until its next packet, and the cleanup's wait with it.
{ ip netns exec "$LAB_BACKUP" tcpdump -l -n -i eth0 vrrp 2>"$DAEMON_DIR/tcpdump-text.log" &
  echo $! >"$DAEMON_DIR/tcpdump-text.pid"
  wait; } | stamp_lines >"$DAEMON_DIR/adverts.txt" &
BG_PIDS+=("$!")
wait_until 5 test -s "$DAEMON_DIR/tcpdump-text.pid" || topo_fail "tcpdump did not start"
BG_PIDS+=("$(cat "$DAEMON_DIR/tcpdump-text.pid")")
wait_until 10 test -s "$DAEMON_DIR/adverts.txt" || topo_fail "tcpdump on the backup's eth0 saw no VRRP in 10 s: $(cat "$DAEMON_DIR/tcpdump-text.log")"

mark_m=$(log_mark master)
mark_b=$(log_mark backup)
# sample LABEL: uptime, wall clock, the counters and the health checks' ages, one line.
declare -A UP SENT RECV AGE
sample() {
  local up
  read -r up _ </proc/uptime
  UP[$1]=$up
  SENT[$1]=$(status_of master .adverts_sent)
  RECV[$1]=$(status_of backup .adverts_received)
  AGE[$1]=$(lab_status master '[.virtual_servers[0].real_servers[].last_result_at.seconds_ago] | max')
  echo "sample $1: uptime $up s, wall clock $(date '+%F %T'), master adverts_sent ${SENT[$1]}, backup adverts_received ${RECV[$1]}, oldest health check result ${AGE[$1]} s ago"
}
# judge_interval A B: the counters over [A, B] against the monotonic time between.
judge_interval() {
  local dt sent recv
  dt=$(elapsed "${UP[$1]}" "${UP[$2]}")
  sent=$((SENT[$2] - SENT[$1]))
  recv=$((RECV[$2] - RECV[$1]))
  measured "$1 -> $2: $dt s of CLOCK_MONOTONIC, master sent $sent adverts, backup received $recv"
  # advert_int 1; the samples are not taken at the same instant as the counters (TCG: up to ~1 s).
  check "$1 -> $2: adverts sent ($sent) and received ($recv) within 2 of the $dt monotonic seconds" \
    awk -v d="$dt" -v s="$sent" -v r="$recv" 'BEGIN { exit !(s >= d - 2 && s <= d + 2 && r >= d - 2 && r <= d + 2) }'
  # delay_loop 2, connect_timeout 1: a result at least every ~3 s.
  check "$1 -> $2: health checks still running (oldest result ${AGE[$2]} s ago <= 3 + $SLACK)" le "${AGE[$2]}" "$(plus 3 "$SLACK")"
}

sleep 5
sample before
date -s '+1 hour' >/dev/null || topo_fail "date -s '+1 hour' failed"
read -r up_fwd _ </proc/uptime
echo "wall clock stepped +1 h at uptime $up_fwd: now $(date '+%F %T')"
sleep 8
sample after_forward
date -s '-2 hours' >/dev/null || topo_fail "date -s '-2 hours' failed"
read -r up_back _ </proc/uptime
echo "wall clock stepped -2 h at uptime $up_back: now $(date '+%F %T')"
sleep 8
sample after_backward
judge_interval before after_forward
judge_interval after_forward after_backward
sleep 1

new_m=$(log_since master "$mark_m" | grep -E 'vrrp: .* -> ')
new_b=$(log_since backup "$mark_b" | grep -E 'vrrp: .* -> ')
check "master's log: no transition across both steps (${new_m:-none})" [ -z "$new_m" ]
check "backup's log: no transition across both steps (${new_b:-none})" [ -z "$new_b" ]
check "master still MASTER (says $(status_of master .state)), backup still BACKUP (says $(status_of backup .state))" \
  bash -c "[[ '$(status_of master .state)' == MASTER && '$(status_of backup .state)' == BACKUP ]]"
check "the master still holds both VIPs, the backup none" \
  bash -c "ip -n '$LAB_MASTER' -o addr | grep -q ' $LAB_VIP/' && ! ip -n '$LAB_BACKUP' -o addr | grep -q ' $LAB_VIP/'"

# The adverts from the master (10.11.12.1) between "before" and the end, by arrival uptime.
gaps=$(awk -v from="${UP[before]}" -v to="${UP[after_backward]}" '
  $1 >= from && $1 <= to && / 10\.11\.12\.1 > 224\.0\.0\.18/ { if (p != "") { g = $1 - p; if (g > max) max = g; if (min == "" || g < min) min = g } p = $1; n++ }
  END { printf "%d %.3f %.3f", n, min, max }' "$DAEMON_DIR/adverts.txt")
read -r n_adv min_gap max_gap <<<"$gaps"
span=$(elapsed "${UP[before]}" "${UP[after_backward]}")
measured "master adverts seen on the backup's eth0 over $span monotonic s spanning both steps: $n_adv, gaps min $min_gap s, max $max_gap s"
for w in fwd back; do
  eval "at=\$up_$w"
  around=$(awk -v a="$at" '$1 >= a - 2.5 && $1 < a + 2.5 && / 10\.11\.12\.1 > 224\.0\.0\.18/' "$DAEMON_DIR/adverts.txt" | wc -l)
  check "5 monotonic s around the $w step (uptime $at): $around master adverts (want 4..6)" [ "$around" -ge 4 -a "$around" -le 6 ]
done
check "no gap between the master's adverts over 1.5 s (max $max_gap s; Master_Down_Interval $MDI_90 s)" le "$max_gap" 1.5
check "adverts seen ($n_adv) match the monotonic span ($span s) within 2" \
  awk -v n="$n_adv" -v s="$span" 'BEGIN { exit !(n >= s - 2 && n <= s + 2) }'
# tshark on the pcap: every captured advert, decoded.
decoded=$(tshark -r "$DAEMON_DIR/vrrp.pcap" -Y vrrp -T fields -e ip.src -e vrrp.virt_rtr_id -e vrrp.prio 2>"$DAEMON_DIR/tshark.log" | sort | uniq -c)
echo "tshark on the backup's capture (count, source, vrid, priority):"
sed 's/^/    /' <<<"$decoded"
n_master=$(awk '$2 == "10.11.12.1" && $3 == 51 && $4 == 100 { print $1 }' <<<"$decoded")
n_other=$(awk '!($2 == "10.11.12.1" && $3 == 51 && $4 == 100) { s += $1 } END { print s + 0 }' <<<"$decoded")
check "tshark: only the master's adverts (vrid 51, priority 100) in the capture: ${n_master:-0}, others $n_other" \
  [ "${n_master:-0}" -ge "$n_adv" -a "$n_other" -eq 0 ]
lab_finish
