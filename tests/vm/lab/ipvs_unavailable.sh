#!/usr/bin/env bash
# Issue 4, IPVS unavailable: havipd on the master with conf/lab/master.conf in
# a kernel where ip_vs cannot be loaded still elects itself and holds both
# VIPs; status --json and the log say why IPVS is missing. Once the module
# can load, the next periodic reconcile programs the service.
#
# Not loading ip_vs is not enough: ip_vs.ko carries the alias
# net-pf-16-proto-16-family-IPVS, so havipd's generic-netlink lookup of the
# "IPVS" family makes the kernel modprobe it. The guest's overlay gets a
# modprobe.d "install ip_vs /bin/false" instead (thrown away with the guest),
# and its removal shows that autoload at work.
source "$(dirname "$0")/common.sh"
lab_setup
BLOCK=/etc/modprobe.d/havip-lab-no-ipvs.conf
grep -q '^ip_vs ' /proc/modules && topo_fail "ip_vs is already loaded at job start: this test needs a guest without it"
echo 'install ip_vs /bin/false' >"$BLOCK" || topo_fail "cannot write $BLOCK in the guest's overlay"
check "the block works: modprobe ip_vs fails" bash -c '! modprobe ip_vs 2>/dev/null'
lab_topology
# Real servers up, so the table to program once IPVS appears is the full one.
lab_web_start 1
lab_web_start 2

t_start=$(now_s)
havipd_start master "$LAB_MASTER" "$MASTER_CONF"
if wait_until 10 lab_holds_vips "$LAB_MASTER"; then
  measured "havipd start without IPVS -> both VIPs on the master: $(since "$t_start") s"
else
  fail "without IPVS, the master does not hold $LAB_VIP on eth0 and $LAB_GATEWAY_VIP on eth1 10 s after start"
fi
check "status: VI_1 is MASTER (says $(status_of master .state))" [ "$(status_of master .state)" == MASTER ]
ipvs_json=$(lab_status master '.ipvs | tojson')
echo "status .ipvs: $ipvs_json"
error=$(jq -r .error <<<"$ipvs_json")
check "status: ipvs.error says IPVS is unavailable (got '$error')" [ "$error" != null -a -n "$error" ]
check "status: no IPVS operation applied (operations_applied $(jq -r .operations_applied <<<"$ipvs_json"))" \
  [ "$(jq -r .operations_applied <<<"$ipvs_json")" -eq 0 ]
check "status: virtual server 10.11.12.99:80 not in_kernel" [ "$(lab_status master '.virtual_servers[0].in_kernel')" == false ]
echo "log lines about IPVS:"
grep -E ' ipvs: ' "$DAEMON_DIR/master.log" | sed 's/^/    /'
check "log: an IPVS error saying VRRP keeps running" grep -Eq 'error ipvs: .*VRRP keeps running' "$DAEMON_DIR/master.log"
check "ip_vs still not loaded" bash -c "! grep -q '^ip_vs ' /proc/modules"
sent_before=$(status_of master .adverts_sent)
sleep 2
sent_after=$(status_of master .adverts_sent)
check "VRRP keeps running: adverts_sent $sent_before -> $sent_after over 2 s (advert_int 1)" [ "$sent_after" -ge $((sent_before + 1)) ]
# For the record: how often the unavailable IPVS is logged while retried.
n_errors=$(grep -c 'error ipvs: ' "$DAEMON_DIR/master.log")
echo "IPVS error lines in the log $(since "$t_start") s after start: $n_errors"

# --- the module becomes loadable: the next periodic reconcile picks it up ---------------
RS1=$(rs_re 192.168.100.10 1)
RS2=$(rs_re 192.168.100.20 1)
recovered() {
  [[ $(lab_status master .ipvs.error) == null ]] && lab_table_has "$LAB_MASTER" "$SERVICE_RE" &&
    lab_table_has "$LAB_MASTER" "$RS1" && lab_table_has "$LAB_MASTER" "$RS2"
}
mark=$(log_mark master)
rm -f "$BLOCK"
t_unblock=$(now_s)
wait_until $((RECONCILE_PERIOD + 6)) recovered ||
  fail "$((RECONCILE_PERIOD + 6)) s after ip_vs became loadable: status .ipvs.error '$(lab_status master .ipvs.error)', ipvsadm -Ln: $(lab_ipvsadm "$LAB_MASTER" -Ln 2>&1 | tr '\n' '|')"
measured "ip_vs loadable -> error cleared and service programmed, seen by polling: $(since "$t_unblock") s"
if t_ready=$(log_time master "$mark" 'info ipvs: IPVS [0-9.]+ ready'); then
  dt=$(elapsed "$t_unblock" "$t_ready")
  measured "ip_vs loadable -> havipd logs 'IPVS ... ready': $dt s (reconcile period $RECONCILE_PERIOD s)"
  check "IPVS picked up $dt s after it became loadable <= one reconcile period $RECONCILE_PERIOD s + $SLACK s" \
    le "$dt" "$(plus $RECONCILE_PERIOD "$SLACK")"
else
  fail "log: no 'IPVS ... ready' after ip_vs became loadable"
fi
check "log: the service was added by that reconcile ('add service TCP 10.11.12.99:80 rr (periodic check)')" \
  grep -q 'add service TCP 10.11.12.99:80 rr (periodic check)' <<<"$(log_since master "$mark")"
show_table "$LAB_MASTER"
check "ip_vs is now loaded, though nobody here ran modprobe (havipd's lookup of the IPVS genl family autoloaded it)" \
  grep -q '^ip_vs ' /proc/modules
check "VRRP undisturbed: master still holds both VIPs" lab_holds_vips "$LAB_MASTER"
lab_finish
