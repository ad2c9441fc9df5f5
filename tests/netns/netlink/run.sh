#!/bin/bash
# Runs netlink_netns_test inside a fresh namespace holding a veth named eth0
# (10.11.12.1/24) whose peer, also eth0, sits in a second namespace.
# Usage: run.sh PATH/TO/netlink_netns_test [gtest args...]
set -euo pipefail
test_binary=${1:?usage: run.sh PATH/TO/netlink_netns_test [gtest args]}
shift
if [[ $(id -u) -ne 0 ]]; then
  echo "FAIL: netlink netns test needs root (ip netns add)" >&2
  exit 1
fi
for tool in ip; do
  command -v "$tool" >/dev/null || { echo "FAIL: $tool not found" >&2; exit 1; }
done

ns=nl-test-$$
peer=nl-peer-$$
cleanup() {
  ip netns del "$ns" 2>/dev/null || true
  ip netns del "$peer" 2>/dev/null || true
}
trap cleanup EXIT

ip netns add "$ns"
ip netns add "$peer"
ip -n "$ns" link set lo up
ip -n "$ns" link add eth0 type veth peer name eth0 netns "$peer"
ip -n "$ns" addr add 10.11.12.1/24 dev eth0
ip -n "$ns" link set eth0 up
ip -n "$peer" link set eth0 up

HAVIP_NL_PEER_NS=$peer ip netns exec "$ns" "$test_binary" "$@"
