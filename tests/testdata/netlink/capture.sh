#!/bin/bash
# Regenerates the golden netlink captures in this directory (see README.md).
# Needs root, iproute2, strace and python3. Uses namespaces nlcap-a / nlcap-b.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
A=nlcap-a
B=nlcap-b
cleanup() {
  ip netns del "$A" 2>/dev/null || true
  ip netns del "$B" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

ip netns add "$A"
ip netns add "$B"
ip -n "$A" link add eth0 address 02:00:0a:0b:0c:01 type veth peer name eth0 address 02:00:0a:0b:0c:02 netns "$B"
ip -n "$A" link set lo up
ip -n "$A" link set eth0 up
ip -n "$B" link set eth0 up
ip -n "$A" addr add 10.11.12.1/24 dev eth0
ip -n "$A" addr add 10.11.12.2/24 dev eth0   # same subnet: the kernel makes it secondary

# trace NAME CMD...: strace one iproute2 command inside $A, dumping every byte moved on fds 3 and 4.
trace() {
  local name=$1
  shift
  ip netns exec "$A" strace -o "$work/$name.strace" -xx -s 65536 \
    -e trace=sendmsg,sendto,recvmsg -e read=3,4 -e write=3,4 "$@" >/dev/null 2>&1 || true
}
pick() {  # pick TRACE SYSCALL TYPE NTH OUT
  python3 "$here/strace2bin.py" "$work/$1.strace" "$2" "$3" "$4" "$here/$5"
}

RTM_NEWLINK=16; RTM_DELLINK=17; RTM_GETLINK=18
RTM_NEWADDR=20; RTM_DELADDR=21; RTM_GETADDR=22; NLMSG_ERROR=2

trace add ip addr add 10.11.12.99/32 dev eth0
pick add sendmsg $RTM_NEWADDR 0 ip_addr_add_vip.tx.bin
pick add recvmsg $NLMSG_ERROR 0 ack.rx.bin
trace add_again ip addr add 10.11.12.99/32 dev eth0
pick add_again recvmsg $NLMSG_ERROR 0 error_eexist.rx.bin
trace del ip addr del 10.11.12.99/32 dev eth0
pick del sendmsg $RTM_DELADDR 0 ip_addr_del_vip.tx.bin
trace del_again ip addr del 10.11.12.99/32 dev eth0
pick del_again recvmsg $NLMSG_ERROR 0 error_eaddrnotavail.rx.bin
trace add_label ip addr add 10.11.12.99/32 dev eth0 label eth0:vip
pick add_label sendmsg $RTM_NEWADDR 0 ip_addr_add_vip_label.tx.bin

trace addr_dump ip -4 addr show
pick addr_dump sendto $RTM_GETADDR 0 ip_getaddr_dump.tx.bin
pick addr_dump recvmsg $RTM_NEWADDR 0 newaddr_dump.rx.bin
trace link_dump ip link show
pick link_dump sendto $RTM_GETLINK 0 ip_getlink_dump.tx.bin
pick link_dump recvmsg $RTM_NEWLINK 0 newlink_dump.rx.bin

# monitor NAME ACTION...: what `ip monitor link address` receives while ACTION runs.
monitor() {
  local name=$1
  shift
  ip netns exec "$A" ip monitor link address >/dev/null &
  local mon=$!
  sleep 0.3
  strace -p "$mon" -o "$work/$name.strace" -xx -s 65536 -e trace=recvmsg -e read=3 &
  local tracer=$!
  sleep 0.5
  "$@"
  sleep 0.5
  kill "$mon"
  wait "$tracer" || true
  wait "$mon" 2>/dev/null || true
}
monitor ev_down ip -n "$A" link set eth0 down
pick ev_down recvmsg $RTM_NEWLINK 0 event_link_down.rx.bin
monitor ev_up ip -n "$A" link set eth0 up
pick ev_up recvmsg $RTM_NEWLINK 0 event_link_up.rx.bin
monitor ev_deladdr ip -n "$A" addr del 10.11.12.99/32 dev eth0
pick ev_deladdr recvmsg $RTM_DELADDR 0 event_deladdr.rx.bin
monitor ev_dellink ip -n "$A" link del eth0
pick ev_dellink recvmsg $RTM_DELLINK 0 event_dellink.rx.bin

echo "captured with $(strace -V | head -1), $(ip -V), kernel $(uname -r)" > "$here/CAPTURED_WITH"
ls -l "$here"/*.bin
