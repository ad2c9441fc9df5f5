#!/usr/bin/env bash
# Captures what keepalived 2.2.7 puts on the wire during a VRRP takeover, so
# havip's gratuitous ARP can be compared with it byte for byte. Needs root.
#
# Usage: capture_keepalived_garp.sh [OUTDIR]   (default: this script's folder;
#        KEEP=1 keeps the work dir with the configs and keepalived logs)
# Writes: keepalived_takeover.pcap   everything seen by the backup's eth0
#         keepalived_garp.hex        the first gratuitous ARP frame, hex, one line
#         keepalived_vrrp.hex        the first VRRP advert frame, hex, one line
set -euo pipefail

out=${1:-$(cd "$(dirname "$0")" && pwd)}
work=$(mktemp -d /tmp/nio-cap.XXXXXX)
M=nio-m
B=nio-b
# Fixed, locally administered MACs so a re-capture gives the same bytes.
MAC_M=02:11:12:00:00:01
MAC_B=02:11:12:00:00:02

cleanup() {
  for f in "$work"/*.job; do
    if [[ -s $f ]]; then kill "$(cat "$f")" 2>/dev/null || true; fi
  done
  if [[ -n ${tcpdump_pid:-} ]]; then kill "$tcpdump_pid" 2>/dev/null || true; fi
  sleep 0.5
  ip netns del "$M" 2>/dev/null || true
  ip netns del "$B" 2>/dev/null || true
  [[ -n ${KEEP:-} ]] || rm -rf "$work"
}
trap cleanup EXIT

ip netns add "$M"
ip netns add "$B"
ip link add eth0 netns "$M" address "$MAC_M" type veth peer name eth0 netns "$B" address "$MAC_B"
ip -n "$M" addr add 10.11.12.1/24 dev eth0
ip -n "$B" addr add 10.11.12.2/24 dev eth0
for ns in "$M" "$B"; do
  ip -n "$ns" link set lo up
  ip -n "$ns" link set eth0 up
done

printf '#!/bin/sh\nexit 0\n' >"$work/check_memory.sh"
chmod 755 "$work/check_memory.sh"

# The seed's instance, minus the lines keepalived rejects inside vrrp_instance
# (notify_email, smtp_server, smtp_connect_timeout, router_id belong to global_defs).
write_conf() { # NAME STATE PRIORITY
  cat >"$work/$1.conf" <<EOF
vrrp_script chk_service {
    script "$work/check_memory.sh"
    interval 2
    weight 2
}
vrrp_instance VI_1 {
    state $2
    interface eth0
    virtual_router_id 51
    priority $3
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
EOF
}
write_conf master MASTER 100
write_conf backup BACKUP 90

start_keepalived() { # NS NAME
  ip netns exec "$1" keepalived -n -l -D -P -f "$work/$2.conf" \
    -p "$work/$2.pid" -r "$work/$2-vrrp.pid" >"$work/$2.log" 2>&1 &
  echo $! >"$work/$2.job"
}

ip netns exec "$B" tcpdump -U -n -i eth0 -w "$work/capture.pcap" 'arp or ip proto 112' \
  2>"$work/tcpdump.log" &
tcpdump_pid=$!
sleep 1

# Backup first, then the master: the master takes over from a running backup.
# keepalived 2.2.7 starts both in BACKUP (init); the one started first times
# out first (Master_Down_Interval ~3.6 s) and takes over: GARP burst from B.
start_keepalived "$B" backup
sleep 5
# The master (priority 100 + 2 from chk_service) then preempts: burst from M.
start_keepalived "$M" master
sleep 5
# SIGTERM on M: priority-0 advert, B takes over after Skew_Time: burst from B,
# repeated garp_master_delay (5 s) later.
kill -TERM "$(cat "$work/master.job")"
sleep 6.5

kill "$tcpdump_pid"
wait "$tcpdump_pid" 2>/dev/null || true
tcpdump_pid=

cp "$work/capture.pcap" "$out/keepalived_takeover.pcap"
first_frame_hex() { # DISPLAY_FILTER
  local n
  n=$(tshark -r "$out/keepalived_takeover.pcap" -Y "$1" -T fields -e frame.number 2>/dev/null |
    awk 'NR == 1')
  [[ -n $n ]] || { echo "no frame matches $1" >&2; return 1; }
  # -x prints "OFFSET  xx xx ...   ascii"; keep only the hex bytes.
  tshark -r "$out/keepalived_takeover.pcap" -Y "frame.number == $n" -x 2>/dev/null |
    sed -n 's/^[0-9a-f]\{4\}  \(\([0-9a-f][0-9a-f] \)*\).*/\1/p' | tr -d ' \n'
  echo
}
first_frame_hex 'arp.isgratuitous == 1' >"$out/keepalived_garp.hex"
first_frame_hex 'vrrp' >"$out/keepalived_vrrp.hex"
echo "wrote $out/keepalived_takeover.pcap, keepalived_garp.hex, keepalived_vrrp.hex"
