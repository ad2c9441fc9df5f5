#!/bin/sh
# Regenerates the *.tx.bin files here from the real ipvsadm on a host WITHOUT
# IPVS: ipvsadm-shim.c fakes the family lookup (id 0x1c) and the replies, the
# requests go out through the real sendmsg and strace dumps them. The kernel
# never processed these bytes; capture-in-vm.sh makes the same files against
# real IPVS. Needs gcc, libnl-genl-3-dev, strace, python3, ipvsadm; no root.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=$here
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
gcc -shared -fPIC -I/usr/include/libnl3 -o "$work/shim.so" "$here/ipvsadm-shim.c" -ldl -lnl-genl-3 -lnl-3

# capture NAME INDEX ipvsadm-args...: the INDEX-th request ipvsadm sends
# (request 0 is always its GET_INFO).
capture() {
  name=$1 index=$2; shift 2
  IPVS_SHIM_REPLY_DIR="$work" LD_PRELOAD="$work/shim.so" \
    strace -f -e trace=sendmsg -e write=3 -xx -s 65536 -o "$work/$name.log" ipvsadm "$@" > "$work/$name.out"
  python3 "$here/strace2bin.py" "$work/$name.log" sent "$index" "$here/$name.tx.bin"
}
. "$here/commands.sh"
cp "$work/shim_cmd15.rx.bin" "$here/shim_info.rx.bin"
cp "$work/shim_cmd4.rx.bin" "$here/shim_service_dump.rx.bin"
cp "$work/shim_cmd8.rx.bin" "$here/shim_dest_dump.rx.bin"
{ LD_PRELOAD="$work/shim.so" ipvsadm --version; strace -V | head -1; dpkg-query -W libnl-3-200 libnl-genl-3-200; uname -r; echo "capture: userspace only (capture-userspace.sh)"; } > "$here/CAPTURED_WITH"
echo "ipvsadm -Ln as printed from the shim's replies:"; cat "$work/list.out"
