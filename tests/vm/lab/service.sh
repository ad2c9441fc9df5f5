#!/usr/bin/env bash
# Issue 4, one director: havipd on the master with conf/lab/master.conf
#   1. programs the seed's service (judged by the real ipvsadm -Ln);
#   2. HTTP from the client to the VIP alternates Noeud1 / Noeud2;
#   3. Noeud1's web server stopped: out of the rotation within the health
#      check's timing, status says why; started again: back in;
#   4. drift (ipvsadm -d by hand) repaired by the next periodic reconcile;
#   5. a reload changing one real server's weight sends exactly one operation;
#   6. a reload while a real server is DOWN keeps it out of the table.
source "$(dirname "$0")/common.sh"
lab_setup
load_ipvs
t=$(now_s)
lab_topology
measured "lab topology (6 namespaces, 2 bridges) built in $(since "$t") s"
t=$(now_s)
lab_web_start 1
lab_web_start 2
measured "both web servers answering in $(since "$t") s"

# havipd reads a copy, so the reload below can change it.
CONF=$DAEMON_DIR/master.conf
cp "$MASTER_CONF" "$CONF"

# --- 1. programming ----------------------------------------------------------
t_start=$(now_s)
havipd_start master "$LAB_MASTER" "$CONF"
RS1=$(rs_re 192.168.100.10 1)
RS2=$(rs_re 192.168.100.20 1)
programmed() { lab_table_has "$LAB_MASTER" "$SERVICE_RE" && lab_table_has "$LAB_MASTER" "$RS1" && lab_table_has "$LAB_MASTER" "$RS2"; }
# One loop, so each time is when that condition first held.
t_table='' t_vips=''
deadline=$(plus "$t_start" 10)
while le "$(now_s)" "$deadline"; do
  [[ -z $t_table ]] && programmed && t_table=$(since "$t_start")
  [[ -z $t_vips ]] && lab_holds_vips "$LAB_MASTER" && t_vips=$(since "$t_start")
  [[ -n $t_table && -n $t_vips ]] && break
  sleep 0.05
done
measured "havipd start -> service and both real servers in ipvsadm -Ln: ${t_table:-not within 10} s"
measured "havipd start -> both VIPs on the master: ${t_vips:-not within 10} s (startup waits Master_Down_Interval 3.609 s as BACKUP first)"
[[ -n $t_table ]] || fail "10 s after havipd started, ipvsadm -Ln in $LAB_MASTER lacks 'TCP 10.11.12.99:80 rr' with 192.168.100.10:80 and .20:80 Masq weight 1"
[[ -n $t_vips ]] || fail "master does not hold $LAB_VIP on eth0 and $LAB_GATEWAY_VIP on eth1 10 s after start"
show_table "$LAB_MASTER"
check "ipvsadm -Ln: service $LAB_VIP:80 with scheduler rr" lab_table_has "$LAB_MASTER" "$SERVICE_RE"
check "ipvsadm -Ln: 192.168.100.10:80 Masq weight 1" lab_table_has "$LAB_MASTER" "$RS1"
check "ipvsadm -Ln: 192.168.100.20:80 Masq weight 1" lab_table_has "$LAB_MASTER" "$RS2"
n_rs=$(lab_ipvsadm "$LAB_MASTER" -Ln | grep -c -- '->.*:80 ')
check "ipvsadm -Ln: exactly 2 real servers (got $n_rs)" [ "$n_rs" -eq 2 ]
ipvs_json=$(lab_status master '.ipvs | tojson')
echo "status .ipvs: $ipvs_json"
check "status: ipvs.error is null (got $(jq -r .error <<<"$ipvs_json"))" [ "$(jq -r .error <<<"$ipvs_json")" == null ]
check "status: ipvs.version is set (got $(jq -r .version <<<"$ipvs_json"))" [ "$(jq -r .version <<<"$ipvs_json")" != null ]
vs_json=$(lab_status master '.virtual_servers[0] | tojson')
echo "status .virtual_servers[0]: $vs_json"
check "status: virtual server 10.11.12.99:80 TCP rr, in_kernel" \
  [ "$(jq -r '[.address, .protocol, .scheduler, .in_kernel] | join(" ")' <<<"$vs_json")" == "10.11.12.99:80 TCP rr true" ]
check "status: both real servers up with kernel_weight 1" \
  [ "$(jq -r '[.real_servers[] | "\(.address) \(.up) \(.kernel_weight)"] | join(",")' <<<"$vs_json")" == "192.168.100.10:80 true 1,192.168.100.20:80 true 1" ]

# --- 2. round robin ------------------------------------------------------------
t=$(now_s)
http_words 6
measured "6 HTTP requests through the VIP in $(since "$t") s"
judge_alternation "round robin through the master" "${WORDS[@]}"

# --- 3. health: Noeud1's server stopped, then started ---------------------------
rs1_json() { lab_status master '.virtual_servers[0].real_servers[] | select(.address == "192.168.100.10:80") | tojson'; }
rs1_up_is() { [[ $(jq -r .up <<<"$(rs1_json)") == "$1" ]]; }
# The config's worst case: a check every delay_loop, each attempt up to
# connect_timeout, then retry more attempts delay_before_retry apart.
down_bound=$((DELAY_LOOP + CONNECT_TIMEOUT + RETRY * (DELAY_BEFORE_RETRY + CONNECT_TIMEOUT)))
mark=$(log_mark master)
t_stop=$(now_s)
lab_web_stop 1
RS1_ANY=$(rs_re 192.168.100.10)
wait_until 8 lab_table_lacks "$LAB_MASTER" "$RS1_ANY" ||
  fail "192.168.100.10:80 still in ipvsadm -Ln 8 s after Noeud1's web server stopped"
measured "Noeud1 stopped -> 192.168.100.10:80 seen gone by polling ipvsadm -Ln: $(since "$t_stop") s"
if t_del=$(log_time master "$mark" 'delete destination 192\.168\.100\.10:80 from TCP 10\.11\.12\.99:80 \(health change'); then
  dt=$(elapsed "$t_stop" "$t_del")
  measured "Noeud1 stopped -> havipd logs the delete: $dt s (config worst case $down_bound s)"
  check "192.168.100.10:80 taken out $dt s after its server stopped <= $down_bound s (delay_loop $DELAY_LOOP + connect_timeout $CONNECT_TIMEOUT + retry $RETRY x (delay_before_retry $DELAY_BEFORE_RETRY + connect_timeout))" \
    le "$dt" "$down_bound"
else
  fail "log: no 'delete destination 192.168.100.10:80 from TCP 10.11.12.99:80 (health change ...)' after the stop"
fi
wait_until 2 rs1_up_is false || fail "status still says 192.168.100.10:80 up after it left the table: $(rs1_json)"
rs1=$(rs1_json)
echo "status of 192.168.100.10:80 while down: $rs1"
check "status: 192.168.100.10:80 up=false" [ "$(jq -r .up <<<"$rs1")" == false ]
reason=$(jq -r .last_result <<<"$rs1")
check "status: last_result says why ('$reason' names the refused connection)" grep -qi 'refused' <<<"$reason"
check "status: last_result_at is set" [ "$(jq -r .last_result_at <<<"$rs1")" != null ]
check "status: 192.168.100.10:80 kernel_weight null (not in the kernel)" [ "$(jq -r .kernel_weight <<<"$rs1")" == null ]
log_down=$(log_since master "$mark")
echo "log since the stop:"
sed 's/^/    /' <<<"$log_down"
check "log: 192.168.100.10:80 reported DOWN" grep -Eq '192\.168\.100\.10:80.*DOWN' <<<"$log_down"
check "log: 'delete destination 192.168.100.10:80 from TCP 10.11.12.99:80 (health change ...)'" \
  grep -Eq 'delete destination 192\.168\.100\.10:80 from TCP 10\.11\.12\.99:80 \(health change' <<<"$log_down"
http_words 4
check "Noeud1 down: 4 requests all answered by Noeud2 (got: ${WORDS[*]})" [ "${WORDS[*]}" == "Noeud2 Noeud2 Noeud2 Noeud2" ]

mark=$(log_mark master)
# Timed from the moment the server has answered a local request (it listens
# at the latest then; under load the exec that starts it can take a second):
# the next check, at most delay_loop later, must pass.
t_start_web=$(now_s)
lab_web_start 1
t_up=$(now_s)
measured "Noeud1's server restarted and answering locally in $(elapsed "$t_start_web" "$t_up") s"
up_bound=$((DELAY_LOOP + CONNECT_TIMEOUT))
wait_until 8 lab_table_has "$LAB_MASTER" "$RS1" ||
  fail "192.168.100.10:80 not back in ipvsadm -Ln 8 s after Noeud1's server answered again"
measured "Noeud1 answering again -> 192.168.100.10:80 seen back by polling ipvsadm -Ln: $(since "$t_up") s"
if t_add=$(log_time master "$mark" 'add destination 192\.168\.100\.10:80 masq weight 1 in TCP 10\.11\.12\.99:80 \(health change'); then
  dt=$(elapsed "$t_up" "$t_add")
  measured "Noeud1 answering again -> havipd logs the add: $dt s (bound $up_bound s)"
  check "192.168.100.10:80 back $dt s after its server answered <= delay_loop + connect_timeout ($up_bound s)" le "$dt" "$up_bound"
else
  fail "log: no 'add destination 192.168.100.10:80 masq weight 1 in TCP 10.11.12.99:80 (health change ...)' after the restart"
fi
check "status: 192.168.100.10:80 up=true again ($(rs1_json))" rs1_up_is true
check "log: 192.168.100.10:80 reported UP" grep -Eq '192\.168\.100\.10:80.*UP' <<<"$(log_since master "$mark")"
http_words 4
judge_alternation "Noeud1 back in the rotation" "${WORDS[@]}"

# --- 4. drift --------------------------------------------------------------------
applied_before=$(lab_status master .ipvs.operations_applied)
mark=$(log_mark master)
t_drift=$(now_s)
lab_ipvsadm "$LAB_MASTER" -d -t "$LAB_VIP:80" -r 192.168.100.10:80 || fail "ipvsadm -d -t $LAB_VIP:80 -r 192.168.100.10:80 failed"
check "drift made: ipvsadm -Ln lacks 192.168.100.10:80 right after ipvsadm -d" lab_table_lacks "$LAB_MASTER" "$RS1_ANY"
wait_until $((RECONCILE_PERIOD + 3)) lab_table_has "$LAB_MASTER" "$RS1" ||
  fail "192.168.100.10:80 not restored in ipvsadm -Ln $((RECONCILE_PERIOD + 3)) s after ipvsadm -d (reconcile period $RECONCILE_PERIOD s)"
measured "ipvsadm -d -> 192.168.100.10:80 seen restored by polling ipvsadm -Ln: $(since "$t_drift") s"
# (The log line follows the kernel's change; give it a moment to land.)
wait_until 2 log_time master "$mark" 'periodic check'
log_drift=$(log_since master "$mark")
echo "log since the drift:"
sed 's/^/    /' <<<"$log_drift"
if t_fix=$(log_time master "$mark" 'add destination 192\.168\.100\.10:80 masq weight 1 in TCP 10\.11\.12\.99:80 \(periodic check\)'); then
  dt=$(elapsed "$t_drift" "$t_fix")
  measured "ipvsadm -d -> havipd logs 'add destination 192.168.100.10:80 masq weight 1 in TCP 10.11.12.99:80 (periodic check)': $dt s"
  check "drift repaired by the periodic check $dt s after ipvsadm -d <= one reconcile period $RECONCILE_PERIOD s + $SLACK s" \
    le "$dt" "$(plus $RECONCILE_PERIOD "$SLACK")"
else
  fail "log: no 'add destination 192.168.100.10:80 masq weight 1 in TCP 10.11.12.99:80 (periodic check)' after ipvsadm -d"
fi
applied_after=$(lab_status master .ipvs.operations_applied)
check "status: operations_applied +1 for the repair ($applied_before -> $applied_after)" [ "$applied_after" -eq $((applied_before + 1)) ]

# --- 5. reload with one real server changed -----------------------------------------
sed '/real_server 192\.168\.100\.10 80/,/}/ s/weight 1/weight 3/' "$MASTER_CONF" >"$CONF"
changed=$(diff "$MASTER_CONF" "$CONF" | grep -c '^>')
check "the reloaded config differs in exactly one line (weight 1 -> 3 for 192.168.100.10): $(diff "$MASTER_CONF" "$CONF" | grep '^>' | tr -s ' ')" \
  [ "$changed" -eq 1 ]
status_before=$(lab_status master '.ipvs | tojson')
applied_before=$(jq -r .operations_applied <<<"$status_before")
failed_before=$(jq -r .operations_failed <<<"$status_before")
reconciles_before=$(jq -r .reconciles <<<"$status_before")
mark=$(log_mark master)
t_reload=$(now_s)
daemon_kill master HUP
RS1_W3=$(rs_re 192.168.100.10 3)
if wait_until 6 lab_table_has "$LAB_MASTER" "$RS1_W3"; then
  measured "SIGHUP -> ipvsadm -Ln shows 192.168.100.10:80 weight 3: $(since "$t_reload") s"
else
  fail "ipvsadm -Ln does not show 192.168.100.10:80 Masq weight 3 6 s after SIGHUP"
fi
# Past the reload's reconcile and one periodic one: nothing more may follow.
reconciled_twice() { (($(lab_status master .ipvs.reconciles) >= reconciles_before + 2)); }
wait_until $((RECONCILE_PERIOD + 3)) reconciled_twice ||
  fail "status: fewer than 2 reconciles $((RECONCILE_PERIOD + 3)) s after the reload (before: $reconciles_before, now: $(lab_status master .ipvs.reconciles))"
show_table "$LAB_MASTER"
check "ipvsadm -Ln: 192.168.100.10:80 Masq weight 3" lab_table_has "$LAB_MASTER" "$RS1_W3"
check "ipvsadm -Ln: 192.168.100.20:80 Masq weight 1, untouched" lab_table_has "$LAB_MASTER" "$RS2"
status_after=$(lab_status master '.ipvs | tojson')
echo "status .ipvs after the reload and one periodic reconcile: $status_after"
applied_after=$(jq -r .operations_applied <<<"$status_after")
check "status: operations_applied increased by exactly 1 ($applied_before -> $applied_after)" [ "$applied_after" -eq $((applied_before + 1)) ]
check "status: operations_failed unchanged ($failed_before -> $(jq -r .operations_failed <<<"$status_after"))" \
  [ "$(jq -r .operations_failed <<<"$status_after")" -eq "$failed_before" ]
check "status: last_changes is exactly [\"edit destination 192.168.100.10:80 masq weight 3 in TCP 10.11.12.99:80\"]" \
  [ "$(jq -c .last_changes <<<"$status_after")" == '["edit destination 192.168.100.10:80 masq weight 3 in TCP 10.11.12.99:80"]' ]
check "status: daemon.last_reload.result.ok is true" [ "$(lab_status master .daemon.last_reload.result.ok)" == true ]
log_reload=$(log_since master "$mark")
ops=$(ipvs_op_lines <<<"$log_reload")
echo "IPVS operations logged after SIGHUP:"
sed 's/^/    /' <<<"$ops"
check "log: exactly one IPVS operation after SIGHUP (got $(grep -c . <<<"$ops"))" [ "$(grep -c . <<<"$ops")" -eq 1 ]
check "log: it is 'edit destination 192.168.100.10:80 masq weight 3 in TCP 10.11.12.99:80 (configuration loaded)'" \
  grep -Eq 'edit destination 192\.168\.100\.10:80 masq weight 3 in TCP 10\.11\.12\.99:80 \(configuration loaded\)' <<<"$ops"
rs1=$(rs1_json)
check "status: 192.168.100.10:80 weight 3, kernel_weight 3, up ($rs1)" \
  [ "$(jq -r '"\(.weight) \(.kernel_weight) \(.up)"' <<<"$rs1")" == "3 3 true" ]
check "VRRP unaffected: master still holds both VIPs" lab_holds_vips "$LAB_MASTER"

# --- 6. reload while a real server is DOWN ------------------------------------------
# Its unchanged check keeps its state across the reload: the DOWN server must
# not be put back into the table (keepalived migrates checkers the same way).
RS2_ANY=$(rs_re 192.168.100.20)
lab_web_stop 2
wait_until $((down_bound + 2)) lab_table_lacks "$LAB_MASTER" "$RS2_ANY" ||
  fail "192.168.100.20:80 still in ipvsadm -Ln $((down_bound + 2)) s after Noeud2's web server stopped"
mark=$(log_mark master)
daemon_kill master HUP
reloaded() { log_since master "$mark" | grep -q 'reload: \|health check(s) keep their state'; }
wait_until 5 reloaded || fail "no reload logged 5 s after the second SIGHUP"
# Past the reload's reconcile and the first probe of the new checks (1 s + a
# warmup up to delay_loop), polled: the server must never reappear.
came_back=0
t_reload=$(now_s)
while le "$(since "$t_reload")" "$((DELAY_LOOP + 2))"; do
  if lab_table_has "$LAB_MASTER" "$RS2_ANY"; then came_back=1; break; fi
  sleep 0.5
done
check "ipvsadm -Ln: the DOWN 192.168.100.20:80 stayed out for $((DELAY_LOOP + 2)) s after the reload" [ "$came_back" -eq 0 ]
log_reload2=$(log_since master "$mark")
echo "log after the second SIGHUP:"
sed 's/^/    /' <<<"$log_reload2"
check "log: the checks kept their state across the reload" grep -q 'health check(s) keep their state across the reload' <<<"$log_reload2"
check "log: no 'add destination 192.168.100.20:80' after the reload" \
  bash -c "! grep -q 'add destination 192\.168\.100\.20:80' <<<\"\$1\"" _ "$log_reload2"
lab_web_start 2
wait_until 8 lab_table_has "$LAB_MASTER" "$RS2" ||
  fail "192.168.100.20:80 not back in ipvsadm -Ln after Noeud2's web server answered again"
check "ipvsadm -Ln: 192.168.100.20:80 back once its check passes" lab_table_has "$LAB_MASTER" "$RS2"

# For the record (no requirement either way): what a graceful stop leaves.
daemon_stop master
echo "observation: after SIGTERM, ipvsadm -Ln in the master lists $(lab_ipvsadm "$LAB_MASTER" -Ln | grep -c -- '->.*:80 ') real server(s), $(lab_ipvsadm "$LAB_MASTER" -Ln | grep -c '^TCP') service(s)"
lab_finish
