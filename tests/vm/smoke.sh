#!/usr/bin/env bash
# Runs inside the vmtest guest (tools/vmtest/run): proves the guest kernel has
# IPVS, that host-installed tools (ip, ipvsadm) run there unchanged, and that
# an IPVS table is per network namespace, with the real ipvsadm as the judge.
set -euo pipefail

fail() { echo "FAIL: $*" >&2; exit 1; }
[[ ${VMTEST:-} == 1 ]] || fail "run me through tools/vmtest/run, not on the host"
echo "guest kernel $(uname -r), uptime at job start $(cut -d' ' -f1 /proc/uptime) s"

ns=vmsmoke-lb
cleanup() { ip netns del "$ns" 2>/dev/null || true; ip link del vmsmoke-h 2>/dev/null || true; }
trap cleanup EXIT

modprobe ip_vs || fail "modprobe ip_vs failed (modules not at /usr/lib/modules/$(uname -r)?)"
grep -q '^ip_vs ' /proc/modules || fail "ip_vs is not loaded after modprobe"

ip netns add "$ns"
ip link add vmsmoke-h type veth peer name eth0 netns "$ns"
ip -n "$ns" addr add 10.11.12.1/24 dev eth0
ip -n "$ns" link set lo up
ip -n "$ns" link set eth0 up
ip link set vmsmoke-h up

in_ns() { ip netns exec "$ns" "$@"; }
in_ns ipvsadm -A -t 10.11.12.99:80 -s rr
in_ns ipvsadm -a -t 10.11.12.99:80 -r 192.168.100.10:80 -m
table=$(in_ns ipvsadm -Ln)
echo "$table"
grep -Eq '^TCP +10\.11\.12\.99:80 +rr' <<<"$table" || fail "service 10.11.12.99:80 rr missing from ipvsadm -Ln"
grep -Eq -- '-> +192\.168\.100\.10:80 +Masq +1 ' <<<"$table" || fail "real server 192.168.100.10:80 Masq weight 1 missing"
# IPVS is per network namespace: the guest's own table must stay empty.
if ipvsadm -Ln | grep -q '10\.11\.12\.99:80'; then fail "service leaked out of namespace $ns"; fi

# The cost of one exec of a dynamic binary under emulation.
n=20
start=$EPOCHREALTIME
for ((i = 0; i < n; i++)); do /bin/true; done
awk -v a="$start" -v b="$EPOCHREALTIME" -v n="$n" 'BEGIN { printf "per-exec overhead %.1f ms\n", (b - a) * 1000 / n }'
echo "PASS: IPVS NAT service programmed and listed by ipvsadm in the guest"
