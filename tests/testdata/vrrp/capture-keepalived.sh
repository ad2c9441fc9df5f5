#!/usr/bin/env bash
# Captures real keepalived VRRPv2 adverts for havip's golden-byte tests.
#
# Two network namespaces (cap-m = Master 10.11.12.1, cap-b = Backup 10.11.12.2)
# joined by one veth pair, each end named eth0. keepalived runs the seed's
# vrrp_instance in each; tcpdump on the Backup's eth0 records ~5 s of VRRP,
# including the Master's SIGTERM (its priority-0 "I am leaving" advert).
#
# Writes, next to this script (or into $1):
#   keepalived-seed.pcap            the whole capture (VRRP only)
#   keepalived-master-advert.bin    one IPv4 packet from 10.11.12.1, priority 100
#   keepalived-stop-advert.bin      one IPv4 packet from 10.11.12.1, priority 0
#
# Needs root, keepalived 2.2.7, tcpdump, iproute2. See README.md.
set -euo pipefail

out_dir=$(cd "${1:-$(dirname "$0")}" && pwd)
ns_m=cap-m
ns_b=cap-b
work=$(mktemp -d /tmp/cap-keepalived.XXXXXX)
tcpdump_pid=""
master_pid=""
backup_pid=""

cleanup() {
  set +e
  for pid in "$master_pid" "$backup_pid" "$tcpdump_pid"; do
    [[ -n "$pid" ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  done
  ip netns del "$ns_m" 2>/dev/null
  ip netns del "$ns_b" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

die() { echo "capture-keepalived: $*" >&2; exit 1; }

[[ $(id -u) -eq 0 ]] || die "needs root (network namespaces)"
command -v keepalived >/dev/null || die "keepalived not installed"
command -v tcpdump >/dev/null || die "tcpdump not installed"
keepalived_version=$(keepalived --version 2>&1 || true)
keepalived_version=${keepalived_version%%$'\n'*}
[[ "$keepalived_version" == *"v2.2.7"* ]] || die "expected keepalived 2.2.7, found: $keepalived_version"
# The seed tracks /etc/keepalived/check_memory.sh with weight +2. Where that
# script exists and succeeds keepalived advertises 102, not the configured 100;
# the golden data pins the base priority, so the script must be absent here and
# keepalived then disables the track (it logs "not found/accessible").
[[ ! -e /etc/keepalived/check_memory.sh ]] ||
  die "/etc/keepalived/check_memory.sh exists: its weight would change the advertised priority"

ip netns del "$ns_m" 2>/dev/null || true
ip netns del "$ns_b" 2>/dev/null || true
ip netns add "$ns_m"
ip netns add "$ns_b"
ip link add cap-m-eth0 type veth peer name cap-b-eth0
ip link set cap-m-eth0 netns "$ns_m"
ip link set cap-b-eth0 netns "$ns_b"
ip -n "$ns_m" link set cap-m-eth0 name eth0
ip -n "$ns_b" link set cap-b-eth0 name eth0
ip -n "$ns_m" addr add 10.11.12.1/24 dev eth0
ip -n "$ns_b" addr add 10.11.12.2/24 dev eth0
for ns in "$ns_m" "$ns_b"; do
  ip -n "$ns" link set lo up
  ip -n "$ns" link set eth0 up
done

# The seed's instance minus the four lines keepalived 2.2.7 does not know
# inside vrrp_instance (notify_email{}, smtp_server, smtp_connect_timeout,
# router_id): see README.md.
write_conf() {  # state priority file
  cat >"$3" <<CONF
vrrp_instance VI_1 {
    state $1
    interface eth0
    virtual_router_id 51
    priority $2
    advert_int 1
    virtual_ipaddress {
        10.11.12.99
    }
    authentication {
        auth_type PASS
        auth_pass 1111
    }
    track_script {
        chk_service
    }
}

vrrp_script chk_service {
    script "/etc/keepalived/check_memory.sh"
    interval 2
    weight 2
}
CONF
}
write_conf MASTER 100 "$work/master.conf"
write_conf BACKUP 90 "$work/backup.conf"

run_keepalived() {  # ns name
  ip netns exec "$1" keepalived -n -l -D -P -f "$work/$2.conf" \
    -p "$work/$2.pid" -r "$work/$2-vrrp.pid" >"$work/$2.log" 2>&1 &
}

ip netns exec "$ns_b" tcpdump -i eth0 -U -n -w "$work/seed.pcap" 'ip proto 112' \
  >"$work/tcpdump.log" 2>&1 &
tcpdump_pid=$!
sleep 1

run_keepalived "$ns_b" backup
backup_pid=$!
run_keepalived "$ns_m" master
master_pid=$!

# keepalived 2.2.7 starts even a "state MASTER" instance in BACKUP and takes
# over after Master_Down_Interval (3 x 1 s + skew ~0.6 s); then let it send
# about three adverts as Master.
sleep 7
kill -TERM "$master_pid"
wait "$master_pid" 2>/dev/null || true
master_pid=""
# Backup takes over after Skew_Time and sends a couple of adverts of its own.
sleep 2
kill -TERM "$backup_pid"
wait "$backup_pid" 2>/dev/null || true
backup_pid=""
sleep 0.5
kill -TERM "$tcpdump_pid"
wait "$tcpdump_pid" 2>/dev/null || true
tcpdump_pid=""

grep -q "track script chk_service not found\|Disabling track script chk_service" "$work/master.log" ||
  die "keepalived did not drop chk_service, the advertised priority may not be 100; log: $(cat "$work/master.log")"

# tcpdump -x prints the packet from the IP header on (no link header), which
# is exactly what a raw socket delivers. ip[22] is the VRRP priority (IHL 5).
extract() {  # filter outfile
  local hex
  hex=$(tcpdump -r "$work/seed.pcap" -n -x -c 1 "$1" 2>/dev/null |
        grep -E '^[[:space:]]+0x' | sed -E 's/^[[:space:]]+0x[0-9a-f]+:[[:space:]]+//' | tr -d ' \n')
  [[ -n "$hex" ]] || die "no packet matches '$1'"
  printf '%s' "$hex" | xxd -r -p >"$2"
}
extract 'ip proto 112 and src host 10.11.12.1 and ip[22] == 100' "$work/master.bin"
extract 'ip proto 112 and src host 10.11.12.1 and ip[22] == 0' "$work/stop.bin"

cp "$work/seed.pcap" "$out_dir/keepalived-seed.pcap"
cp "$work/master.bin" "$out_dir/keepalived-master-advert.bin"
cp "$work/stop.bin" "$out_dir/keepalived-stop-advert.bin"
{
  echo "# $keepalived_version; $(uname -sr); $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "## master log"; cat "$work/master.log"
  echo "## backup log"; cat "$work/backup.log"
} >"$out_dir/keepalived-capture.log"

echo "capture-keepalived: $keepalived_version"
tcpdump -r "$out_dir/keepalived-seed.pcap" -n -v 2>/dev/null
