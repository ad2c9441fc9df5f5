#!/bin/sh
# Regenerates the *.tx.bin files here from ipvsadm talking to REAL IPVS, and
# the kernel's own replies as kernel_*.rx.bin. Run it as root where IPVS
# exists; here that is the tools/vmtest guest, with this directory shared so
# the files come back to the host:
#   tools/vmtest/run --share "$PWD/tests/testdata/ipvs" -- tests/testdata/ipvs/capture-in-vm.sh
# Optional argument: another output directory (default: this one).
# No code change is needed afterwards: ipvs_test reads family id and sequence
# number from the files. Needs ipvsadm, strace, python3, ip, and the ip_vs,
# ip_vs_rr and ip_vs_wlc modules. Everything happens in a network namespace
# of its own (havipcap), so the caller's IPVS table is left alone.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here}
work=$(mktemp -d)
ns=havipcap
cleanup() { ip netns del "$ns" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
for m in ip_vs ip_vs_rr ip_vs_wlc; do modprobe "$m"; done
ip netns add "$ns"
# Every tool below runs in the namespace: ipvsadm's table and sockets are per netns.
in_ns() { ip netns exec "$ns" "$@"; }
# Without lo up a new namespace has no local routing table: inet_addr_type()
# then calls every address a broadcast and IPVS refuses each real server (EINVAL).
in_ns ip link set lo up

trace() {  # trace LOG ipvsadm-args...: requests and replies of one ipvsadm run, as hex
  log=$1; shift
  in_ns strace -f -e trace=sendmsg,recvmsg -e write=3 -e read=3 -xx -s 65536 -o "$work/$log.log" ipvsadm "$@"
}
cut_out() {  # cut_out LOG sent|received INDEX FILE [--cmd N | --error N]
  log=$1 which=$2 index=$3 file=$4; shift 4
  python3 "$here/strace2bin.py" "$work/$log.log" "$which" "$index" "$out/$file" "$@"
}

# The golden requests: commands.sh calls capture() in an order that succeeds
# against an empty table. Request 0 of every ipvsadm run is its GET_INFO.
capture() {
  name=$1 index=$2; shift 2
  trace "$name" "$@" > "$work/$name.out"
  cut_out "$name" sent "$index" "$name.tx.bin"
}
. "$here/commands.sh"

# The kernel's replies. Received buffer 0 of every run is the GET_INFO answer;
# for a change, buffer 1 is its ACK or error.
# 1. A service dump of three kinds of service (left by commands.sh): TCP
#    persistent wlc, FWM 7 rr, UDP rr.
trace ln_mixed -Ln > "$work/ln_mixed.out"
cut_out ln_mixed received 1 kernel_service_dump_mixed.rx.bin --cmd 1
# 2. The seed's table: 10.11.12.99:80 rr -> 192.168.100.10:80, .20:80, Masq, weight 1.
in_ns ipvsadm -C
in_ns ipvsadm -A -t 10.11.12.99:80 -s rr
in_ns ipvsadm -a -t 10.11.12.99:80 -r 192.168.100.10:80 -m -w 1
trace ack -a -t 10.11.12.99:80 -r 192.168.100.20:80 -m -w 1
cut_out ack received 1 kernel_ack.rx.bin --error 0
trace ln -Ln > "$work/ln.out"
cut_out ln received 0 kernel_info.rx.bin --cmd 14
cut_out ln received 1 kernel_service_dump.rx.bin --cmd 1
cut_out ln received 2 kernel_service_dump_done.rx.bin
cut_out ln received 3 kernel_dest_dump.rx.bin --cmd 5
# 3. Errors: adding what exists, deleting a service that does not.
trace eexist -A -t 10.11.12.99:80 -s rr 2> "$work/eexist.err" || true
cut_out eexist received 1 kernel_eexist.rx.bin --error -17
trace esrch -D -t 10.11.12.98:80 2> "$work/esrch.err" || true
cut_out esrch received 1 kernel_esrch.rx.bin --error -3

{
  ipvsadm --version
  strace -V | head -1
  dpkg-query -W libnl-3-200 libnl-genl-3-200
  echo "kernel $(uname -r) ($(cat /proc/version))"
  echo "capture: real IPVS (capture-in-vm.sh)"
} > "$out/CAPTURED_WITH"
echo "ipvsadm -Ln of the mixed table:"; cat "$work/ln_mixed.out"
echo "ipvsadm -Ln of the seed's table:"; cat "$work/ln.out"
echo "ipvsadm's errors: $(cat "$work/eexist.err") / $(cat "$work/esrch.err")"
