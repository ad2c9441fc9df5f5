#!/usr/bin/env bash
# netns test of lib/netio's real transport and announcer.
#   nio-a eth0 (10.11.12.1) <-> nio-b eth0 (10.11.12.2)   MTU 4000, the VRRP segment
#   nio-c eth0 (10.11.13.1) <-> nio-b eth1 (10.11.13.2)   a second interface of B
# B listens with one transport on eth0 and one on eth1 while tcpdump records
# B's eth0; A, B and C send; then the probe's output and tshark are checked.
set -uo pipefail

A=nio-a B=nio-b C=nio-c
VIP=10.11.12.99
MAC_A=02:11:12:00:00:0a
# shellcheck source=../lib/checks.sh
source "$(dirname "$0")/../lib/checks.sh"

[[ $(id -u) == 0 ]] || topo_fail "needs root (network namespaces, raw sockets)"
for tool in ip tcpdump tshark; do
  command -v "$tool" >/dev/null || topo_fail "$tool is not installed"
done
probe=${HAVIP_TESTS:-}/netio_probe
[[ -x $probe ]] || topo_fail "netio_probe not found at '$probe' (set HAVIP_TESTS to the build's tests dir)"

work=$(mktemp -d /tmp/nio-netns.XXXXXX)
cleanup() {
  [[ -n ${tcpdump_pid:-} ]] && kill "$tcpdump_pid" 2>/dev/null
  [[ -n ${listen_pid:-} ]] && kill "$listen_pid" 2>/dev/null
  wait 2>/dev/null
  for ns in $A $B $C; do ip netns del "$ns" 2>/dev/null; done
  if [[ -n ${KEEP:-} ]]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
for ns in $A $B $C; do ip netns del "$ns" 2>/dev/null; ip netns add "$ns" || topo_fail "ip netns add $ns"; done

ip link add eth0 netns $A address $MAC_A mtu 4000 type veth peer name eth0 netns $B mtu 4000 ||
  topo_fail "veth A-B"
ip link add eth0 netns $C type veth peer name eth1 netns $B || topo_fail "veth C-B"
ip -n $A addr add 10.11.12.1/24 dev eth0
ip -n $B addr add 10.11.12.2/24 dev eth0
ip -n $B addr add 10.11.13.2/24 dev eth1
ip -n $C addr add 10.11.13.1/24 dev eth0
for ns in $A $B $C; do
  ip -n "$ns" link set lo up
  for dev in $(ip -n "$ns" -o link show | awk -F': ' '{print $2}' | cut -d@ -f1 | grep eth); do
    ip -n "$ns" link set "$dev" up
  done
done
b_eth0=$(ip netns exec $B cat /sys/class/net/eth0/ifindex)
b_eth1=$(ip netns exec $B cat /sys/class/net/eth1/ifindex)
# IPv6 DAD and the like would make noise: wait until the links are really up.
sleep 1

ip netns exec $B tcpdump -U -n -i eth0 -w "$work/b.pcap" 'ip proto 112 or arp' 2>"$work/tcpdump.log" &
tcpdump_pid=$!
for _ in $(seq 50); do grep -q listening "$work/tcpdump.log" && break; sleep 0.1; done

ip netns exec $B "$probe" listen 2500 eth0,eth1 --send-own 10.11.12.2 52 >"$work/listen.out" 2>&1 &
listen_pid=$!
for _ in $(seq 50); do grep -q '^ready' "$work/listen.out" && break; sleep 0.1; done
grep -q '^ready' "$work/listen.out" || topo_fail "listener did not start: $(cat "$work/listen.out")"

run() { # NS ARGS...: prints the probe's one-line answer
  local ns=$1
  shift
  ip netns exec "$ns" "$probe" "$@" 2>&1
}
out=$(run $A send eth0 10.11.12.1 51) ; [[ $out == sent ]] || fail "A send: $out"
out=$(run $C send eth0 10.11.13.1 53) ; [[ $out == sent ]] || fail "C send: $out"
# 3000 bytes fit A-B's MTU but not B's 2048-byte receive buffer.
out=$(run $A send eth0 10.11.12.1 54 --size 3000) ; [[ $out == sent ]] || fail "A big send: $out"
# A spoiled checksum: shows that tshark's checksum verdict below can say "bad".
out=$(run $A send eth0 10.11.12.1 55 --bad-checksum 1) ; [[ $out == sent ]] || fail "A bad send: $out"
out=$(run $A garp eth0 $MAC_A $VIP) ; [[ $out == sent ]] || fail "A garp: $out"

# Errors come back as values: larger than the MTU, then a link that is down.
out=$(run $A send eth0 10.11.12.1 51 --size 5000)
check "send beyond the MTU returns EMSGSIZE (got '$out')" [ "$out" == "error EMSGSIZE" ]

wait "$listen_pid"
listen_pid=
sleep 0.3
kill "$tcpdump_pid"
wait "$tcpdump_pid" 2>/dev/null
tcpdump_pid=

ip -n $A link set eth0 down
out=$(run $A send eth0 10.11.12.1 51)
# Linux answers a multicast send on a down link with ENETUNREACH (no route).
check "send on a down link returns ENETUNREACH (got '$out')" [ "$out" == "error ENETUNREACH" ]

echo "--- listener output"
cat "$work/listen.out"
echo "---"

grep -q '^sent own' "$work/listen.out" || fail "B could not send its own advert"
rx_eth0=$(grep -c '^rx if=eth0 ' "$work/listen.out")
check "A's advert reached B's eth0 transport, TTL 255, arrival ifindex $b_eth0" \
  grep -q "^rx if=eth0 arrival=$b_eth0 len=40 ttl=255 src=10.11.12.1 vrid=51\$" "$work/listen.out"
check "B's eth0 transport got exactly A's two adverts, vrid 51 and 55 (got $rx_eth0)" \
  [ "$rx_eth0" == 2 ]
check_not "B's own advert did not loop back to B" grep -q '^rx .*src=10.11.12.2' "$work/listen.out"
check_not "a packet arriving on eth1 was not delivered to the eth0 transport" \
  grep -q '^rx if=eth0 .*vrid=53' "$work/listen.out"
check "the eth1 transport got C's advert with arrival ifindex $b_eth1" \
  grep -q "^rx if=eth1 arrival=$b_eth1 .*src=10.11.13.1 vrid=53\$" "$work/listen.out"
check "the 3000-byte packet was counted as truncated on eth0" \
  grep -q '^counters if=eth0 .* truncated=1 ' "$work/listen.out"
# Received: A's good advert and A's spoiled one (checking VRRP is lib/vrrp's job).
check "eth0 counters say sent=1 received=2" \
  grep -q '^counters if=eth0 .*sent=1 received=2 ' "$work/listen.out"

# tshark, not our code, judges what went over B's eth0.
own=$(tshark -r "$work/b.pcap" -Y 'vrrp && ip.src == 10.11.12.2' 2>/dev/null | wc -l)
check "B's own advert is on the wire ($own), so the loopback check means something" \
  [ "$own" -ge 1 ]
# vrrp.checksum.status: 1 = good, 0 = bad (Wireshark's checksum status values).
vrrp_fields() { # VRID
  tshark -r "$work/b.pcap" -Y "vrrp && ip.src == 10.11.12.1 && vrrp.virt_rtr_id == $1" -T fields \
    -e vrrp.version -e vrrp.type -e vrrp.checksum.status -e ip.ttl -e vrrp.auth_string 2>/dev/null
}
fields=$(vrrp_fields 51)
check "tshark decodes A's advert as VRRPv2 type 1, checksum good, TTL 255, auth 1111 (got '$fields')" \
  [ "$fields" == $'2\t1\t1\t255\t1111' ]
fields=$(vrrp_fields 55)
check "tshark flags the spoiled checksum as bad (got '$fields')" \
  [ "$fields" == $'2\t1\t0\t255\t1111' ]
garp=$(tshark -r "$work/b.pcap" -T fields -e arp.opcode -e arp.dst.hw_mac -e arp.dst.proto_ipv4 \
  -Y "arp.isgratuitous == 1 && arp.src.proto_ipv4 == $VIP && eth.src == $MAC_A && eth.dst == ff:ff:ff:ff:ff:ff" 2>/dev/null)
check "tshark decodes A's frame as a gratuitous ARP request for $VIP (got '$garp')" \
  [ "$garp" == $'1\tff:ff:ff:ff:ff:ff\t'"$VIP" ]

if ((failures)); then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all checks passed"
