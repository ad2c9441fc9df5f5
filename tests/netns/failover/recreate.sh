#!/usr/bin/env bash
# The interface deleted and created again under a running daemon (issue 7):
# a veth removed and re-made keeps its name (eth0) but gets a new ifindex, so
# the daemon must reopen its VRRP socket on the new one and bind its VIPs to it.
#   1. the master's eth0 deleted: the backup takes over; made again with its
#      address: the master hears and sends adverts again and preempts;
#   2. the backup's eth0 deleted and made again: it comes back as BACKUP,
#      counts the master's adverts again, and never takes the VIP.
source "$(dirname "$0")/common.sh"
e2e_setup
start_havipd_pair
wait_until 8 vip_only_on "$MASTER" "$BACKUP" || topo_fail "$VIP not on the master alone within 8 s"
wait_until 5 state_is backup BACKUP || topo_fail "backup's status never said BACKUP"

ifindex_of() { ip -n "$1" -o link show dev eth0 | cut -d: -f1; }
# make_eth0 NS ADDR: eth0 in NS made again the way topology.sh made it,
# bridged into the same segment, with ADDR, up.
make_eth0() {
  local port="p-${1:0:12}" hub="${TOPO_PREFIX}hub"
  ip link add eth0 netns "$1" type veth peer name "$port" netns "$hub" || topo_fail "cannot make eth0 in $1"
  ip -n "$hub" link set "$port" master br0 up
  ip -n "$1" addr add "$2" dev eth0
  ip -n "$1" link set eth0 up
}
received() { status_of "$1" .adverts_received; }

# --- 1. the master's interface -------------------------------------------------
old=$(ifindex_of "$MASTER")
t0=$(now_s)
ip -n "$MASTER" link del eth0 || topo_fail "cannot delete eth0 in $MASTER"
check "master FAULT after its eth0 was deleted" wait_until 2 state_is master FAULT
if wait_until 6 has_vip_now "$BACKUP"; then
  echo "measured: eth0 deleted on the master -> VIP on the backup in $(elapsed "$t0" "$(now_s)") s"
else
  fail "backup did not take $VIP within 6 s of the master's eth0 being deleted"
fi
# Made again 2 s later: long enough for the backup to be MASTER for a while.
sleep 2
make_eth0 "$MASTER" 10.11.12.1/24
new=$(ifindex_of "$MASTER")
check "the re-created eth0 has a new ifindex ($old -> $new)" [ "$old" != "$new" ]
t1=$(now_s)
if wait_until 8 vip_only_on "$MASTER" "$BACKUP"; then
  echo "measured: eth0 re-created on the master -> VIP back on the master alone in $(elapsed "$t1" "$(now_s)") s"
else
  fail "master did not take $VIP back within 8 s of eth0 being re-created (state '$(status_of master .state)')"
fi
check "master's status says MASTER" state_is master MASTER
check "backup's status says BACKUP again" wait_until 3 state_is backup BACKUP
check "master's log names the new ifindex" grep -q "eth0 re-created: ifindex $old -> $new" "$DAEMON_DIR/master.log"
check "master's VIP is on the new eth0 (ip addr)" has_vip_now "$MASTER"

# --- 2. the backup's interface ---------------------------------------------------
before=$(received backup)
old=$(ifindex_of "$BACKUP")
ip -n "$BACKUP" link del eth0 || topo_fail "cannot delete eth0 in $BACKUP"
sleep 1
make_eth0 "$BACKUP" 10.11.12.2/24
new=$(ifindex_of "$BACKUP")
check "the backup's re-created eth0 has a new ifindex ($old -> $new)" [ "$old" != "$new" ]
check "backup BACKUP again after its eth0 came back" wait_until 5 state_is backup BACKUP
mid=$(received backup)
sleep 3
after=$(received backup)
check "backup receives the master's adverts on the new eth0 ($mid -> $after in 3 s)" [ $((after - mid)) -ge 2 ]
check "the master kept $VIP alone throughout" vip_only_on "$MASTER" "$BACKUP"
check "backup's log names the new ifindex" grep -q "eth0 re-created: ifindex $old -> $new" "$DAEMON_DIR/backup.log"
echo "backup adverts received: $before before, $after after"
e2e_finish
