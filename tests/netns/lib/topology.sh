# Shared helpers for netns integration tests. Source this file.
#
# The seed's DMZ as one Ethernet segment: a bridge in namespace "${TOPO_PREFIX}hub",
# and one namespace per host with a veth named eth0 on it, so the seed's config
# (interface eth0) runs unchanged. Every name carries TOPO_PREFIX so suites can
# run beside the lab without colliding.

TOPO_PREFIX=${TOPO_PREFIX:-}
TOPO_HOSTS=()

topo_fail() {
  echo "FAIL: $*" >&2
  exit 1
}

topo_need_root() {
  [[ $(id -u) -eq 0 ]] || topo_fail "netns tests need root (ip netns, raw sockets)"
  command -v ip >/dev/null || topo_fail "iproute2 (ip) is not installed: run tools/bootstrap"
}

# topo_segment: creates the hub namespace with bridge br0.
topo_segment() {
  local hub="${TOPO_PREFIX}hub"
  ip netns add "$hub"
  ip -n "$hub" link add br0 type bridge
  ip -n "$hub" link set br0 up
  ip -n "$hub" link set lo up
}

# topo_host NAME ADDR/LEN: namespace NAME with eth0 (ADDR) bridged into the segment.
topo_host() {
  local name="${TOPO_PREFIX}$1" addr=$2 hub="${TOPO_PREFIX}hub"
  local port="p-${name:0:12}"
  ip netns add "$name"
  ip link add eth0 netns "$name" type veth peer name "$port" netns "$hub"
  ip -n "$hub" link set "$port" master br0 up
  ip -n "$name" link set lo up
  ip -n "$name" addr add "$addr" dev eth0
  ip -n "$name" link set eth0 up
  TOPO_HOSTS+=("$name")
}

# topo_down: removes every namespace this test made (processes inside are killed first).
topo_down() {
  local ns
  for ns in "${TOPO_HOSTS[@]}" "${TOPO_PREFIX}hub"; do
    if ip netns list | grep -qw "^$ns"; then
      ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
      ip netns del "$ns" 2>/dev/null || true
    fi
  done
}

# wait_until TIMEOUT_S CMD...: polls CMD every 20 ms; returns 1 on timeout.
wait_until() {
  local deadline=$(( $(date +%s%N) + ${1%.*} * 1000000000 ))
  shift
  while ! "$@" >/dev/null 2>&1; do
    (( $(date +%s%N) < deadline )) || return 1
    sleep 0.02
  done
}

# has_vip NS ADDR: true when ADDR is on NS's eth0 (judged by iproute2, not by havip).
# (Not grep -w: "inet A/" followed by the prefix length's digit is no whole word.)
has_vip() {
  ip -n "$1" -o -4 addr show dev eth0 | grep -qF " inet $2/"
}
