#!/usr/bin/env bash
# Issue 7: havipd without some of its capabilities (setpriv drops them from the
# bounding and inheritable sets, so root's exec of havipd does not get them).
#   1. without CAP_NET_ADMIN (CAP_NET_RAW kept), as the lab's master with the
#      lab's normal backup: VRRP runs (it receives the backup's adverts,
#      preempts, sends its own, the backup yields), the VIPs and the IPVS
#      table cannot be installed, and the log and "havipctl status" say so,
#      naming CAP_NET_ADMIN;
#   2. without CAP_NET_RAW: havipd refuses to start, exit status 1 (startup
#      failed, per havipd --help) and an error naming CAP_NET_RAW.
source "$(dirname "$0")/../lab/common.sh"
lab_setup
command -v setpriv >/dev/null || topo_fail "setpriv (util-linux) is not installed"
load_ipvs
lab_topology
lab_web_start 1
lab_web_start 2
state_is() { [[ $(status_of "$1" .state 2>/dev/null) == "$2" ]]; }
# A HAVIP_BIN whose havipd is the real one under setpriv minus CAP (daemons.sh's
# havipd_start and ctl then work unchanged; the exec chain keeps the pid).
capless_bin() { # CAP: a directory
  local dir="$DAEMON_DIR/bin-no-$1"
  mkdir -p "$dir"
  ln -sf "$HAVIP_BIN/havipctl" "$dir/havipctl"
  printf '#!/bin/sh\nexec setpriv --inh-caps=-%s --bounding-set=-%s -- %s "$@"\n' "$1" "$1" "$HAVIP_BIN/havipd" >"$dir/havipd"
  chmod +x "$dir/havipd"
  echo "$dir"
}
# cap_eff PID: its effective capabilities as names.
cap_eff() { capsh --decode="$(awk '/^CapEff/ { print $2 }' "/proc/$1/status")" | sed 's/.*=//'; }

# --- 1. no CAP_NET_ADMIN -------------------------------------------------------------------------
havipd_start backup "$LAB_BACKUP" "$BACKUP_CONF"
wait_until 8 lab_holds_vips "$LAB_BACKUP" || topo_fail "the lab's backup alone did not take both VIPs in 8 s"
NOADMIN=$(capless_bin net_admin)
HAVIP_BIN=$NOADMIN havipd_start master "$LAB_MASTER" "$MASTER_CONF"
caps=$(cap_eff "${DAEMON_PID[master]}")
echo "havipd (no CAP_NET_ADMIN) effective capabilities: $caps"
check "setpriv worked: havipd lacks cap_net_admin and keeps cap_net_raw" \
  bash -c "[[ ',$caps,' != *,cap_net_admin,* && ',$caps,' == *,cap_net_raw,* ]]"
wait_until 8 state_is master MASTER || fail "without CAP_NET_ADMIN the master did not preempt: status says $(status_of master .state)"
wait_until 5 state_is backup BACKUP || fail "the backup did not yield to the capless master: says $(status_of backup .state)"
sleep 3
check "VRRP received: the capless havipd counted the backup's adverts (adverts_received $(status_of master .adverts_received))" \
  [ "$(status_of master .adverts_received)" -ge 1 ]
s1=$(status_of master .adverts_sent); r1=$(status_of backup .adverts_received)
sleep 3
s2=$(status_of master .adverts_sent); r2=$(status_of backup .adverts_received)
check "VRRP sent: adverts_sent $s1 -> $s2, the backup's adverts_received $r1 -> $r2 over 3 s" \
  [ $((s2 - s1)) -ge 2 -a $((r2 - r1)) -ge 2 ]
echo "master's status: VIPs $(status_of master '.vips | tojson'), ipvs $(lab_status master '.ipvs | tojson')"
check "status: neither VIP installed" [ "$(status_of master '[.vips[].installed] | any')" == false ]
ipvs_error=$(lab_status master .ipvs.error)
check "status: ipvs.error says why ('$ipvs_error')" [ "$ipvs_error" != null -a -n "$ipvs_error" ]
check "status: virtual server not in_kernel" [ "$(lab_status master '.virtual_servers[0].in_kernel')" == false ]
check "ip addr: the master holds no VIP" bash -c "! ip -n '$LAB_MASTER' -o addr | grep -qE ' ($LAB_VIP|$LAB_GATEWAY_VIP)/'"
check "ipvsadm -Ln: the master's table is empty" bash -c "! ip netns exec '$LAB_MASTER' ipvsadm -Ln | grep -qE '^(TCP|UDP) '"
echo "the capless havipd's errors and warnings:"
grep -E ' (error|warning|critical) ' "$DAEMON_DIR/master.log" | grep -v smtp: | sort -k3 | uniq -f2 | sed 's/^/    /'
check "log: adding each VIP failed, naming the errno and the capability" \
  bash -c "grep -qE 'error netlink: VI_1: adding VIP $LAB_VIP/32 on eth0: Operation not permitted \\(havipd needs CAP_NET_ADMIN\\)' '$DAEMON_DIR/master.log' &&
           grep -qE 'error netlink: VI_1: adding VIP $LAB_GATEWAY_VIP/24 on eth1: Operation not permitted \\(havipd needs CAP_NET_ADMIN\\)' '$DAEMON_DIR/master.log'"
check "log: the IPVS error, naming the errno and the capability" \
  grep -q 'error ipvs: reading the IPVS table: Operation not permitted (havipd needs CAP_NET_ADMIN)' "$DAEMON_DIR/master.log"
check "status: ipvs.error names CAP_NET_ADMIN ('$ipvs_error')" bash -c "grep -q CAP_NET_ADMIN <<< '$ipvs_error'"
n_ipvs=$(grep -c 'error ipvs: ' "$DAEMON_DIR/master.log")
measured "IPVS error lines logged by the capless havipd in its $(status_of master .adverts_sent) advert intervals: $n_ipvs"
check "still running" daemon_alive master
daemon_stop master
daemon_stop backup

# --- 2. no CAP_NET_RAW --------------------------------------------------------------------------
NORAW=$(capless_bin net_raw)
t=$(now_s)
out=$(timeout 20 ip netns exec "$LAB_MASTER" "$NORAW/havipd" -f "$MASTER_CONF" --control-socket "$DAEMON_DIR/noraw.sock" 2>&1)
rc=$?
measured "havipd without CAP_NET_RAW exited $rc after $(since "$t") s"
echo "its output:"
sed 's/^/    /' <<<"$out"
check "exit status 1 (startup failed; 124 would be: still running after 20 s)" [ "$rc" -eq 1 ]
check "an error naming CAP_NET_RAW" grep -qE 'error .*needs CAP_NET_RAW' <<<"$out"
check "the error says which socket failed and the errno" grep -qE 'socket.*Operation not permitted' <<<"$out"
check "it did not leave a VIP behind" bash -c "! ip -n '$LAB_MASTER' -o addr | grep -qE ' ($LAB_VIP|$LAB_GATEWAY_VIP)/'"
lab_finish
