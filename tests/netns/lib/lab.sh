# The seed's whole lab in network namespaces: two segments and five hosts.
# Source after topology.sh and daemons.sh.
#
#   DMZ (bridge br0)       client 10.11.12.50, master eth0 .1, backup eth0 .2
#   internal (bridge br1)  master eth1 192.168.100.1, backup eth1 .2,
#                          noeud1 .10 and noeud2 .20 (their eth0), default
#                          route via LAB_GATEWAY_VIP (the directors' internal VIP)
#
# Both bridges live in the hub namespace topology.sh makes. Every name carries
# TOPO_PREFIX, and every namespace is in TOPO_HOSTS, so topo_down removes them.
# Needs ip, curl, jq and busybox (its httpd serves the real servers' pages).

LAB_VIP=10.11.12.99
LAB_GATEWAY_VIP=192.168.100.254
LAB_CLIENT=${TOPO_PREFIX}client
LAB_MASTER=${TOPO_PREFIX}master
LAB_BACKUP=${TOPO_PREFIX}backup
declare -gA LAB_NODE_NS=([1]=${TOPO_PREFIX}noeud1 [2]=${TOPO_PREFIX}noeud2)
declare -gA LAB_NODE_ADDR=([1]=192.168.100.10 [2]=192.168.100.20)
declare -gA LAB_WEB_PID=()

# lab_topology [GATEWAY]: the whole lab. The real servers' default route goes
# via GATEWAY (default LAB_GATEWAY_VIP). Built with a few `ip -batch` runs:
# under emulation every exec costs 50-150 ms.
lab_topology() {
  local gateway=${1:-$LAB_GATEWAY_VIP} hub="${TOPO_PREFIX}hub" host ns
  # host:interface:address:bridge (br0 the DMZ, br1 the internal segment)
  local links=(client:eth0:10.11.12.50/24:br0
    master:eth0:10.11.12.1/24:br0 master:eth1:192.168.100.1/24:br1
    backup:eth0:10.11.12.2/24:br0 backup:eth1:192.168.100.2/24:br1
    noeud1:eth0:192.168.100.10/24:br1 noeud2:eth0:192.168.100.20/24:br1)
  for host in hub client master backup noeud1 noeud2; do
    ip netns add "${TOPO_PREFIX}$host" || topo_fail "cannot make namespace ${TOPO_PREFIX}$host"
    [[ $host == hub ]] || TOPO_HOSTS+=("${TOPO_PREFIX}$host")
  done
  local root_cmds=() hub_cmds=("link add br0 type bridge" "link add br1 type bridge" "link set br0 up"
    "link set br1 up" "link set lo up")
  declare -A ns_cmds=()
  local l h ifname addr bridge port
  for l in "${links[@]}"; do
    IFS=: read -r h ifname addr bridge <<<"$l"
    ns="${TOPO_PREFIX}$h"
    # The hub is ours alone: the host's short name keeps ports unique there.
    port="$h-$bridge-$ifname"
    root_cmds+=("link add $ifname netns $ns type veth peer name $port netns $hub")
    hub_cmds+=("link set $port master $bridge" "link set $port up")
    ns_cmds[$h]+="addr add $addr dev $ifname"$'\n'"link set $ifname up"$'\n'
  done
  printf '%s\n' "${root_cmds[@]}" | ip -batch - || topo_fail "ip -batch failed making the lab's veths"
  printf '%s\n' "${hub_cmds[@]}" | ip -n "$hub" -batch - || topo_fail "ip -batch failed in $hub"
  for h in client master backup noeud1 noeud2; do
    ns="${TOPO_PREFIX}$h"
    # No IPv6 chatter (DAD, router solicitations) on the segments.
    local sysctls=(net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1)
    # The directors route between the DMZ and the internal segment (LVS-NAT).
    [[ $h == master || $h == backup ]] && sysctls+=(net.ipv4.ip_forward=1)
    ip netns exec "$ns" sysctl -qw "${sysctls[@]}" || topo_fail "sysctl in $ns failed"
    printf 'link set lo up\n%s' "${ns_cmds[$h]}" | ip -n "$ns" -batch - || topo_fail "ip -batch failed in $ns"
  done
  lab_gateway "$gateway"
  for ns in "${TOPO_HOSTS[@]}"; do
    wait_until 3 lab_links_up "$ns" || topo_fail "the links of $ns did not come up: $(ip -n "$ns" -br link)"
  done
}

lab_links_up() { ! ip -n "$1" -o link show | grep -v ' lo:' | grep -qv 'state UP'; }

# lab_gateway ADDR: both real servers' default route via ADDR.
lab_gateway() {
  local n
  for n in 1 2; do
    ip -n "${LAB_NODE_NS[$n]}" route replace default via "$1" dev eth0 ||
      topo_fail "cannot route ${LAB_NODE_NS[$n]} via $1"
  done
}

# lab_web_start N: Noeud N's web server on port 80, answering a page that
# names it ("Noeud1"); returns once it answers locally (timeout 15 s).
# busybox's httpd rather than python3 -m http.server: under emulation python
# takes about 12 s to start, busybox a fraction of a second.
lab_web_start() {
  local n=$1 ns=${LAB_NODE_NS[$1]} dir="$DAEMON_DIR/www$1"
  mkdir -p "$dir"
  echo "Noeud$n" >"$dir/index.html"
  # -f foreground (so its pid is ours to stop), -v log each request.
  ip netns exec "$ns" busybox httpd -f -v -p "${LAB_NODE_ADDR[$n]}:80" -h "$dir" >>"$DAEMON_DIR/web$n.log" 2>&1 &
  LAB_WEB_PID[$n]=$!
  wait_until 15 lab_web_answers "$n" ||
    topo_fail "Noeud$n's web server did not answer on ${LAB_NODE_ADDR[$n]}:80 within 15 s: $(tail -n3 "$DAEMON_DIR/web$n.log")"
}

lab_web_answers() {
  [[ $(ip netns exec "${LAB_NODE_NS[$1]}" curl -s --max-time 1 "http://${LAB_NODE_ADDR[$1]}/") == "Noeud$1" ]]
}

# lab_web_stop N: stops Noeud N's web server and reaps it.
lab_web_stop() {
  local pid=${LAB_WEB_PID[$1]:-}
  [[ -n $pid ]] || return 0
  kill "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  LAB_WEB_PID[$1]=
}

lab_web_stop_all() { lab_web_stop 1; lab_web_stop 2; }

# lab_http [MAX_TIME]: one request from the client to the VIP; prints the
# page's body; curl's exit status.
lab_http() {
  ip netns exec "$LAB_CLIENT" curl -s --max-time "${1:-3}" "http://$LAB_VIP/"
}

# lab_http_series COUNT: COUNT requests in a row; prints one word per
# request, the page ("Noeud1") or "curl-exit-N".
lab_http_series() {
  local i body rc
  for ((i = 0; i < $1; i++)); do
    body=$(lab_http) && rc=0 || rc=$?
    if ((rc == 0)); then echo "$body"; else echo "curl-exit-$rc"; fi
  done
}

# lab_ipvsadm NS ARGS...: the real ipvsadm in NS.
lab_ipvsadm() {
  local ns=$1
  shift
  ip netns exec "$ns" ipvsadm "$@"
}

# lab_table_has NS REGEX: `ipvsadm -Ln` in NS has a line matching REGEX (ERE).
lab_table_has() { lab_ipvsadm "$1" -Ln | grep -Eq -- "$2"; }
lab_table_lacks() { ! lab_table_has "$@"; }

# lab_has_addr NS DEV ADDR: ADDR is on DEV in NS (judged by iproute2).
lab_has_addr() { ip -n "$1" -o -4 addr show dev "$2" | grep -qF " inet $3/"; }

# lab_holds_vips NS: both VIPs, 10.11.12.99 on eth0 and 192.168.100.254 on eth1.
lab_holds_vips() {
  local addrs
  addrs=$(ip -n "$1" -o -4 addr show)
  grep -Eq "eth0 +inet ${LAB_VIP//./\\.}/" <<<"$addrs" && grep -Eq "eth1 +inet ${LAB_GATEWAY_VIP//./\\.}/" <<<"$addrs"
}

# lab_status NAME JQ: jq -r JQ over the whole "havipctl status --json" result.
lab_status() {
  ctl "$1" status --json | jq -r ".result | $2"
}
