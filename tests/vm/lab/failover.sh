#!/usr/bin/env bash
# Issue 4, both directors: havipd on master and backup (conf/lab/*.conf).
#   1. both program the service whatever their VRRP state; the master holds
#      both VIPs (10.11.12.99 on eth0, the real servers' gateway
#      192.168.100.254 on eth1) and HTTP alternates through it;
#   2. havipd on the master killed (SIGKILL): the backup holds both VIPs
#      within its Master_Down_Interval and HTTP through the VIP keeps
#      answering, through the backup;
#   3. why the gateway VIP: with the seed's setup (real servers routed via
#      the master's own 192.168.100.1) HTTP through the master works, but
#      after the failover every request times out: the backup forwards the
#      request, the reply goes to the master, which never saw the connection
#      and cannot undo the backup's NAT.
source "$(dirname "$0")/common.sh"
lab_setup
load_ipvs
t=$(now_s)
lab_topology
measured "lab topology built in $(since "$t") s"
lab_web_start 1
lab_web_start 2

RS1=$(rs_re 192.168.100.10 1)
RS2=$(rs_re 192.168.100.20 1)
programmed_in() { lab_table_has "$1" "$SERVICE_RE" && lab_table_has "$1" "$RS1" && lab_table_has "$1" "$RS2"; }
holds_no_vip() { ! lab_has_addr "$1" eth0 "$LAB_VIP" && ! lab_has_addr "$1" eth1 "$LAB_GATEWAY_VIP"; }
settled_on_master() { lab_holds_vips "$LAB_MASTER" && holds_no_vip "$LAB_BACKUP"; }
# conns_from_client NS [STATE]: IPVS connection entries from the client in NS.
conns_from_client() {
  lab_ipvsadm "$1" -Lnc | grep -E "^TCP +[0-9:]+ +${2:-[A-Z_]+} +10\.11\.12\.50:" | grep -c .
}

# --- 1. both directors ---------------------------------------------------------------
t_start=$(now_s)
havipd_start master "$LAB_MASTER" "$MASTER_CONF"
havipd_start backup "$LAB_BACKUP" "$BACKUP_CONF"
if wait_until 12 settled_on_master; then
  measured "both havipd started -> both VIPs on the master alone: $(since "$t_start") s"
else
  topo_fail "12 s after start the VIPs are not on the master alone: master $(ip -n "$LAB_MASTER" -o -4 addr | awk '{print $2, $4}' | tr '\n' ' '), backup $(ip -n "$LAB_BACKUP" -o -4 addr | awk '{print $2, $4}' | tr '\n' ' ')"
fi
state_is() { [[ $(status_of "$1" .state 2>/dev/null) == "$2" ]]; }
wait_until 5 state_is backup BACKUP || fail "the backup's status does not say BACKUP (says $(status_of backup .state))"
wait_until 8 programmed_in "$LAB_MASTER" || fail "ipvsadm -Ln in the master lacks the service with both real servers Masq weight 1"
wait_until 8 programmed_in "$LAB_BACKUP" ||
  fail "ipvsadm -Ln in the backup lacks the service with both real servers Masq weight 1 (both directors must program it whatever their state)"
show_table "$LAB_BACKUP"
ok "both directors programmed TCP $LAB_VIP:80 rr with 192.168.100.10:80 and .20:80 Masq weight 1"

http_words 4
judge_alternation "through the master (gateway $LAB_GATEWAY_VIP)" "${WORDS[@]}"
n_master=$(conns_from_client "$LAB_MASTER")
n_backup=$(conns_from_client "$LAB_BACKUP")
check "the master's IPVS carried them: ipvsadm -Lnc lists $n_master connections from 10.11.12.50 in the master (>= 4), $n_backup in the backup (0)" \
  [ "$n_master" -ge 4 -a "$n_backup" -eq 0 ]

# The seed's route works as long as the master holds the VIP.
lab_gateway 192.168.100.1
http_words 2
judge_alternation "seed's route (real servers via 192.168.100.1), master holding the VIP" "${WORDS[@]}"
lab_gateway "$LAB_GATEWAY_VIP"

# --- 2. SIGKILL of havipd on the master ------------------------------------------------------
# monitor_add_time FILE ADDR: epoch of the first "ip -ts monitor" line adding ADDR
# ("[2024-05-01T12:00:00.123456] 3: eth1    inet 192.168.100.254/24 ...").
monitor_add_time() {
  local line stamp
  line=$(grep -v Deleted "$1" | grep -m1 -F "inet $2/") || return 1
  stamp=${line#[}
  stamp=${stamp%%]*}
  date -d "$stamp" +%s.%N
}
both_added() { monitor_add_time "$1" "$LAB_VIP" && monitor_add_time "$1" "$LAB_GATEWAY_VIP"; }
# http_probe FILE: a request to the VIP every 0.2 s (curl --max-time 3: an
# emulated guest on a loaded host is slow), one line each:
# "<epoch at start> <curl exit> <page>", until killed.
http_probe() {
  local t body rc
  while :; do
    t=$(now_s)
    body=$(lab_http 3) && rc=0 || rc=$?
    echo "$t $rc ${body:-none}" >>"$1"
    sleep 0.2
  done
}
sleep 1
ip -ts -n "$LAB_BACKUP" monitor address >"$DAEMON_DIR/kill.mon" 2>&1 &
BG_PIDS+=("$!")
http_probe "$DAEMON_DIR/probe.txt" &
PROBE_PID=$!
BG_PIDS+=("$PROBE_PID")
sleep 1
t_kill=$(now_s)
daemon_kill master KILL
t_vips=''
if wait_until 8 both_added "$DAEMON_DIR/kill.mon"; then
  t_vip=$(monitor_add_time "$DAEMON_DIR/kill.mon" "$LAB_VIP")
  t_gw=$(monitor_add_time "$DAEMON_DIR/kill.mon" "$LAB_GATEWAY_VIP")
  t_vips=$(awk -v a="$t_vip" -v b="$t_gw" 'BEGIN { printf "%.6f", (a > b ? a : b) }')
  dt_vip=$(elapsed "$t_kill" "$t_vip")
  dt_gw=$(elapsed "$t_kill" "$t_gw")
  measured "SIGKILL of the master's havipd -> backup adds $LAB_VIP on eth0 after $dt_vip s, $LAB_GATEWAY_VIP on eth1 after $dt_gw s (Master_Down_Interval $MDI_90 s)"
  bound=$(plus "$MDI_90" 0.5)
  check "backup took $LAB_VIP in $dt_vip s <= $bound s (Master_Down_Interval + 0.5)" le "$dt_vip" "$bound"
  check "backup took $LAB_GATEWAY_VIP in $dt_gw s <= $bound s" le "$dt_gw" "$bound"
else
  fail "8 s after SIGKILL the backup has not added both VIPs; ip monitor saw: $(tr '\n' '|' <"$DAEMON_DIR/kill.mon")"
fi
daemon_wait_exit master 3 || fail "the killed havipd on the master was not reaped within 3 s"
check "the backup holds both VIPs ($LAB_VIP on eth0, $LAB_GATEWAY_VIP on eth1)" lab_holds_vips "$LAB_BACKUP"
wait_until 3 state_is backup MASTER || fail "the backup's status does not say MASTER after the kill (says $(status_of backup .state))"
# A killed daemon cannot clean up: the old master's kernel keeps its VIPs and
# IPVS table, and serves until the backup's gratuitous ARPs move the traffic.
echo "observation: the killed master's namespace still has: $(ip -n "$LAB_MASTER" -o -4 addr | awk '{print $2, $4}' | tr '\n' ' ')"
# Let the probe run past the switch for a few more requests.
wait_until 8 bash -c "(( \$(awk -v t=${t_vips:-$t_kill} '\$1 > t + 1' '$DAEMON_DIR/probe.txt' | wc -l) >= 5 ))" ||
  fail "the HTTP probe made fewer than 5 requests in the 8 s after the takeover"
kill "$PROBE_PID" 2>/dev/null
wait "$PROBE_PID" 2>/dev/null
probe_from=$(plus "$t_kill" -1)
summary=$(awk -v from="$probe_from" -v kill="$t_kill" -v vips="${t_vips:-$t_kill}" '
  $1 >= from { n++; if ($2 != 0) { bad++; if ($1 > vips + 0.5) late++ } else { if (last != "") { gap = $1 - last; if (gap > maxgap) maxgap = gap } last = $1 } }
  END { printf "%d %d %d %.3f", n, bad, late, maxgap }' "$DAEMON_DIR/probe.txt")
read -r n_req n_bad n_late max_gap <<<"$summary"
measured "HTTP probe (curl every 0.2 s) from 1 s before the kill: $n_req requests, $n_bad failed, longest gap between answers $max_gap s"
echo "probe (epoch, curl exit, page):"
awk -v from="$probe_from" '$1 >= from' "$DAEMON_DIR/probe.txt" | sed 's/^/    /'
check "HTTP through the VIP kept answering: no request failed once the backup held both VIPs (+0.5 s) (failed: $n_late)" \
  [ "$n_req" -ge 5 -a "$n_late" -eq 0 ]

before=$(conns_from_client "$LAB_BACKUP")
http_words 4
judge_alternation "after the failover, through the backup (gateway $LAB_GATEWAY_VIP)" "${WORDS[@]}"
after=$(conns_from_client "$LAB_BACKUP")
check "the backup's IPVS carried them: its ipvsadm -Lnc lists $before -> $after connections from 10.11.12.50 (+4)" \
  [ "$after" -ge $((before + 4)) ]

# --- 3. the seed's setup after the failover ---------------------------------------------------
lab_gateway 192.168.100.1
syn_before=$(conns_from_client "$LAB_BACKUP" SYN_RECV)
for i in 1 2; do
  t=$(now_s)
  body=$(lab_http 3) && rc=0 || rc=$?
  measured "seed's route, request $i through the backup: curl exit $rc after $(since "$t") s${body:+, body '$body'}"
  check "seed's route (real servers via the master's 192.168.100.1) after the failover: request $i fails (curl exit $rc; 28 = timed out)" \
    [ "$rc" -ne 0 ]
done
syn_after=$(conns_from_client "$LAB_BACKUP" SYN_RECV)
echo "the backup's connection table (ipvsadm -Lnc):"
lab_ipvsadm "$LAB_BACKUP" -Lnc | grep -E 'SYN_RECV|pro ' | sed 's/^/    /'
check "why: the backup forwarded both requests but never saw a reply (SYN_RECV entries from 10.11.12.50: $syn_before -> $syn_after)" \
  [ "$syn_after" -ge $((syn_before + 2)) ]

# The same path with the gateway VIP again: the route alone made the difference.
lab_gateway "$LAB_GATEWAY_VIP"
http_words 2
judge_alternation "gateway $LAB_GATEWAY_VIP again, through the backup" "${WORDS[@]}"
lab_finish
