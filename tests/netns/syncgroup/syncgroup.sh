#!/usr/bin/env bash
# The classic LVS-NAT pair: VI_1 (10.11.12.99) on the public segment (eth0,
# 10.11.12.0/24), VI_2 (gateway 192.168.100.254) on the internal one (eth1,
# 192.168.100.0/24), both in vrrp_sync_group G. Director A (priority 150) runs
# havipd; director B (priority 100) runs havipd, or keepalived 2.2.7 when the
# first argument is "keepalived" (interop).
#   1. elect: both VIPs on A, none on B;
#   2. A's eth1 link down: A's VI_2 FAULT drags VI_1 to FAULT, both VIPs move to B;
#   3. A's eth1 link up: both VIPs come back to A.
# Judged by `ip addr` in each namespace. Namespaces sg-*, removed by the trap.
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PEER=${1:-havipd}
export TOPO_PREFIX=sg-
source "$HERE/../lib/topology.sh"
source "$HERE/../lib/daemons.sh"
source "$HERE/../lib/checks.sh"
HAVIP_SRC=${HAVIP_SRC:-$(cd "$HERE/../../.." && pwd)}
HAVIP_BIN=${HAVIP_BIN:-$HAVIP_SRC/build/bin}
A=sg-a B=sg-b HUB0=sg-hub0 HUB1=sg-hub1
VIP1=10.11.12.99 VIP2=192.168.100.254

remove_namespaces() {
  local ns
  for ns in "$A" "$B" "$HUB0" "$HUB1"; do
    ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null
    ip netns del "$ns" 2>/dev/null
  done
  return 0
}
cleanup() {
  local rc=$?
  daemons_stop_all
  remove_namespaces
  if ((failures)) || ((rc)); then
    daemons_print_logs
    echo "----- temp dir: $DAEMON_DIR"
  else
    rm -rf "$DAEMON_DIR"
  fi
}

topo_need_root
exec {LOCK_FD}>/tmp/havip-netns-syncgroup.lock
flock -w 200 "$LOCK_FD" || topo_fail "another syncgroup test held the lock for 200 s"
DAEMON_DIR=$(mktemp -d /tmp/havip-sg.XXXXXX)
trap cleanup EXIT
trap 'exit 130' INT TERM
remove_namespaces

# Two segments (a bridge each), two directors with eth0 and eth1.
for hub in "$HUB0" "$HUB1"; do
  ip netns add "$hub"
  ip -n "$hub" link add br0 type bridge
  ip -n "$hub" link set br0 up
done
host() { # NS LAST_OCTET
  local ns=$1 n=$2 i
  ip netns add "$ns"
  ip -n "$ns" link set lo up
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
  for i in 0 1; do
    local hub=sg-hub$i
    ip link add eth$i netns "$ns" type veth peer name "p-$ns-$i" netns "$hub"
    ip -n "$hub" link set "p-$ns-$i" master br0 up
  done
  ip -n "$ns" addr add 10.11.12.$n/24 dev eth0
  ip -n "$ns" addr add 192.168.100.$n/24 dev eth1
  ip -n "$ns" link set eth0 up
  ip -n "$ns" link set eth1 up
}
host "$A" 1
host "$B" 2

conf() { # FILE PRIORITY
  cat >"$1" <<CONF
vrrp_sync_group G {
    group {
        VI_1
        VI_2
    }
}
vrrp_instance VI_1 {
    state BACKUP
    interface eth0
    virtual_router_id 51
    priority $2
    advert_int 1
    virtual_ipaddress {
        $VIP1/24
    }
}
vrrp_instance VI_2 {
    state BACKUP
    interface eth1
    virtual_router_id 52
    priority $2
    advert_int 1
    virtual_ipaddress {
        $VIP2/24
    }
}
CONF
}
conf "$DAEMON_DIR/a.conf" 150
conf "$DAEMON_DIR/b.conf" 100

has() { ip -n "$1" -o -4 addr show dev "$2" | grep -qF " inet $3/"; }
both_on_only() { # HOLDER OTHER
  has "$1" eth0 "$VIP1" && has "$1" eth1 "$VIP2" && ! has "$2" eth0 "$VIP1" && ! has "$2" eth1 "$VIP2"
}
none_on() { ! has "$1" eth0 "$VIP1" && ! has "$1" eth1 "$VIP2"; }
now() { date +%s.%N; }
took() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }'; }

havipd_start a "$A" "$DAEMON_DIR/a.conf"
if [[ $PEER == keepalived ]]; then
  ip netns exec "$B" keepalived -t -f "$DAEMON_DIR/b.conf" >"$DAEMON_DIR/b.check" 2>&1 ||
    topo_fail "keepalived -t refuses b.conf: $(cat "$DAEMON_DIR/b.check")"
  keepalived_start b "$B" "$DAEMON_DIR/b.conf"
else
  havipd_start b "$B" "$DAEMON_DIR/b.conf"
fi

# 1. Election.
t0=$(now)
if wait_until 15 both_on_only "$A" "$B"; then ok "elected: both VIPs on A, none on B ($(took "$t0") s)"; else fail "election: both VIPs on A only"; fi
groups=$(ctl a status --json | jq -r '[.result.instances[] | "\(.name)=\(.sync_group)"] | join(" ")')
[[ $groups == "VI_1=G VI_2=G" ]] && ok "havipctl status: $groups" || fail "havipctl status sync_group: '$groups'"
ctl a status | grep -q "sync group *G" && ok "havipctl status text shows the group" || fail "status text lacks 'sync group  G'"

# 2. A's eth1 down: both move to B together.
t0=$(now)
ip -n "$A" link set eth1 down
if wait_until 15 both_on_only "$B" "$A"; then ok "eth1 down on A: both VIPs on B, none on A ($(took "$t0") s)"; else fail "after eth1 down on A: both VIPs on B only"; fi
states=$(ctl a status --json | jq -r '[.result.instances[] | "\(.name)=\(.state)"] | join(" ")')
[[ $states == "VI_1=FAULT VI_2=FAULT" ]] && ok "A: $states" || fail "A's states: '$states' (want both FAULT)"
sleep 3  # and it stays so: no flapping while the fault lasts
both_on_only "$B" "$A" && ok "still both on B 3 s later" || fail "VIPs moved while A's eth1 stayed down"

# 3. Link up: both come back to A (priority 150 preempts).
t0=$(now)
ip -n "$A" link set eth1 up
if wait_until 15 both_on_only "$A" "$B"; then ok "eth1 up on A: both VIPs back on A ($(took "$t0") s)"; else fail "after eth1 up: both VIPs on A only"; fi
grep -h "sync group G" "$DAEMON_DIR/a.log" | sed 's/^/  a.log: /' | tail -n 12

((failures == 0)) && echo "PASS ($PEER peer)" || echo "$failures failure(s)"
exit $((failures > 0))
