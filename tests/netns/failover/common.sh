# Shared by every script of the failover suite. Source it first.
#
# Topology (issue 3): namespaces e2e-master, e2e-backup, e2e-client, each with
# an eth0 on one bridge: 10.11.12.1/24, .2/24, .3/24. The judges are iproute2
# (ip addr, ip monitor), tcpdump + tshark and, for status, havipctl's JSON.
# Set KEEP=1 to keep the temp dir (logs, captures) after the run.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export TOPO_PREFIX=${TOPO_PREFIX:-e2e-}
# shellcheck source=../lib/topology.sh
source "$HERE/../lib/topology.sh"
# shellcheck source=../lib/daemons.sh
source "$HERE/../lib/daemons.sh"
# shellcheck source=../lib/checks.sh
source "$HERE/../lib/checks.sh"

HAVIP_SRC=${HAVIP_SRC:-$(cd "$HERE/../../.." && pwd)}
HAVIP_BIN=${HAVIP_BIN:-$HAVIP_SRC/build/bin}
HAVIP_TESTS=${HAVIP_TESTS:-$HAVIP_SRC/build/tests}
MASTER=${TOPO_PREFIX}master
BACKUP=${TOPO_PREFIX}backup
CLIENT=${TOPO_PREFIX}client
VIP=10.11.12.99
# Master_Down_Interval = 3 * advert_int + Skew_Time, Skew_Time = (256 - priority) / 256 s.
SKEW_90=0.648       # the backup's (priority 90) Skew_Time, 166/256 s
MDI_90=3.648        # the backup's Master_Down_Interval
SLACK=0.300         # scheduling slack allowed on top of the RFC's timers

BG_PIDS=()

e2e_cleanup() {
  local rc=$?
  local pid
  daemons_stop_all
  for pid in "${BG_PIDS[@]}"; do kill "$pid" 2>/dev/null; done
  wait 2>/dev/null
  e2e_remove_namespaces
  if ((failures)) || ((rc)); then
    daemons_print_logs
    echo "----- temp dir: $DAEMON_DIR"
  elif [[ -z ${KEEP:-} ]]; then
    rm -rf "$DAEMON_DIR"
  fi
}

e2e_remove_namespaces() {
  local ns
  for ns in "$MASTER" "$BACKUP" "$CLIENT" "${TOPO_PREFIX}hub"; do
    ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null
    ip netns del "$ns" 2>/dev/null
  done
  return 0
}

# e2e_setup: root check, temp dir, trap, the three hosts on one segment.
e2e_setup() {
  topo_need_root
  local tool
  for tool in jq tcpdump tshark; do
    command -v "$tool" >/dev/null || topo_fail "$tool is not installed: run tools/bootstrap"
  done
  # Namespace names are fixed, and ctest's RESOURCE_LOCK only serialises
  # within one ctest run: another build dir's ctest (or a hand run) would
  # tear our namespaces down mid-test. A host-wide lock serialises them all.
  exec {E2E_LOCK_FD}>/tmp/havip-netns-e2e.lock
  flock -w 200 "$E2E_LOCK_FD" || topo_fail "another failover test held /tmp/havip-netns-e2e.lock for 200 s"
  DAEMON_DIR=$(mktemp -d /tmp/havip-e2e.XXXXXX)
  trap e2e_cleanup EXIT
  trap 'exit 130' INT TERM  # so an interrupted run still cleans up
  # A previous run killed hard may have left our namespaces behind.
  e2e_remove_namespaces
  topo_segment
  topo_host master 10.11.12.1/24
  topo_host backup 10.11.12.2/24
  topo_host client 10.11.12.3/24
  local ns
  for ns in "$MASTER" "$BACKUP" "$CLIENT"; do
    # No IPv6 chatter (DAD, router solicitations) on the captured segment.
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
    wait_until 3 link_up "$ns" || topo_fail "eth0 in $ns did not come up"
  done
}

link_up() { ip -n "$1" -o link show dev eth0 | grep -q 'state UP'; }

# havipd on both directors from the seed's configs, unchanged.
start_havipd_pair() {
  havipd_start master "$MASTER" "$HAVIP_SRC/conf/master.conf"
  havipd_start backup "$BACKUP" "$HAVIP_SRC/conf/backup.conf"
}

# keepalived_conf SRC DST: the seed instance as keepalived 2.2.7 accepts it:
# without the four in-instance lines it rejects (notify_email {...},
# smtp_server, smtp_connect_timeout, router_id) and without havip's
# virtual_server block (keepalived runs here with -P, VRRP only).
keepalived_conf() {
  sed -e '/^[[:space:]]*notify_email[[:space:]]*{/,/}/d' \
    -e '/^[[:space:]]*\(smtp_server\|smtp_connect_timeout\|router_id\)[[:space:]]/d' \
    -e '/^virtual_server/,$d' "$1" >"$2"
  # keepalived -t exits non-zero on warnings too (here: chk_service named
  # before it is defined, and its script missing); its output is kept.
  keepalived -t -f "$2" >"$2.check" 2>&1
  ! grep -qi 'error' "$2.check" || topo_fail "keepalived -t reports errors in $2: $(cat "$2.check")"
}

# The judges -------------------------------------------------------------------

has_vip_now() { has_vip "$1" "$VIP"; }
lacks_vip_now() { ! has_vip "$1" "$VIP"; }
state_is() { [[ $(status_of "$1" .state 2>/dev/null) == "$2" ]]; }
vip_installed_is() { [[ $(status_of "$1" '.vips[0].installed' 2>/dev/null) == "$2" ]]; }

# settled MASTER_NS BACKUP_NS: the VIP on exactly one side.
vip_only_on() { has_vip "$1" "$VIP" && ! has_vip "$2" "$VIP"; }

# monitor_start NS FILE: "ip -ts monitor address" in NS, timestamps per line.
# Returns once the monitor is listening (it prints nothing until an event,
# so give it a moment to open its netlink socket).
monitor_start() {
  ip -ts -n "$1" monitor address >"$2" 2>&1 &
  MONITOR_PID=$!
  BG_PIDS+=("$MONITOR_PID")
  sleep 0.2
}
monitor_stop() {
  kill "$MONITOR_PID" 2>/dev/null
  wait "$MONITOR_PID" 2>/dev/null
}
# monitor_first_add FILE: epoch seconds of the first line adding the VIP
# ("[2024-05-01T12:00:00.123456] 2: eth0    inet 10.11.12.99/32 ...").
monitor_first_add() {
  local line stamp
  line=$(grep -v Deleted "$1" | grep -m1 "inet $VIP/") || return 1
  stamp=${line#[}
  stamp=${stamp%%]*}
  date -d "$stamp" +%s.%N
}
# wait_vip_add FILE TIMEOUT_S: waits for the monitor to report the VIP added.
wait_vip_add() { wait_until "$2" monitor_first_add "$1"; }

# capture_start NS FILE: tcpdump of VRRP and ARP on NS's eth0, returns when listening.
capture_start() {
  ip netns exec "$1" tcpdump -U -n -i eth0 -w "$2" 'ip proto 112 or arp' 2>"$2.log" &
  CAPTURE_PID=$!
  BG_PIDS+=("$CAPTURE_PID")
  wait_until 3 grep -q listening "$2.log" || topo_fail "tcpdump in $1 did not start: $(cat "$2.log")"
}
capture_stop() {
  sleep 0.2
  kill "$CAPTURE_PID" 2>/dev/null
  wait "$CAPTURE_PID" 2>/dev/null
}

mac_of() { ip -n "$1" -o link show dev eth0 | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p'; }

e2e_finish() {
  if ((failures)); then
    echo "$failures check(s) failed"
    exit 1
  fi
  echo "all checks passed"
}

# tshark judging ----------------------------------------------------------------

# vrrp_fields PCAP FILTER: one line per matching advert, as tshark decodes it:
# version type vrid priority auth_type auth_string interval checksum_status ttl addresses
vrrp_fields() {
  tshark -r "$1" -Y "vrrp && ($2)" -T fields -e vrrp.version -e vrrp.type -e vrrp.virt_rtr_id \
    -e vrrp.prio -e vrrp.auth_type -e vrrp.auth_string -e vrrp.adver_int -e vrrp.checksum.status \
    -e ip.ttl -e vrrp.ip_addr 2>/dev/null
}

# judge_adverts PCAP SRC PRIORITY: every advert from SRC with a non-zero
# priority is VRRPv2, type 1, VRID 51, PRIORITY, simple text "1111",
# interval 1, checksum good (status 1), TTL 255, VIP 10.11.12.99.
judge_adverts() {
  local pcap=$1 src=$2 prio=$3 lines distinct
  lines=$(vrrp_fields "$pcap" "ip.src == $src && vrrp.prio > 0")
  local count
  count=$(grep -c . <<<"$lines")
  check "tshark sees adverts from $src ($count)" [ "$count" -ge 2 ]
  distinct=$(sort -u <<<"$lines" | tr '\t' ' ')
  local want="2 1 51 $prio 1 1111 1 1 255 $VIP"
  check "every advert from $src decodes as '$want' (version type vrid prio auth_type auth interval cksum_ok ttl vip); got '$distinct'" \
    [ "$distinct" == "$want" ]
}

# first_time PCAP FILTER: epoch time of the first matching frame.
first_time() {
  tshark -r "$1" -Y "$2" -T fields -e frame.time_epoch 2>/dev/null | head -n1
}

GARP_WINDOW=${GARP_WINDOW:-0.010}  # "within a few ms" of the new master's first advert

# judge_takeover PCAP LABEL SRC MAC AFTER [BEFORE]: a takeover by SRC (MAC)
# caused by something done at AFTER: its first advert and its first
# gratuitous ARP for the VIP both come after AFTER, the GARP within
# GARP_WINDOW of that first advert. BEFORE bounds the search (next event).
judge_takeover() {
  local pcap=$1 label=$2 src=$3 mac=$4 after=$5 before=${6:-}
  # (No default far-future bound: tshark compares a time_epoch with 9999999999 as false.)
  local window="frame.time_epoch >= $after"
  [[ -n $before ]] && window+=" && frame.time_epoch < $before"
  local adv garp
  adv=$(first_time "$pcap" "vrrp && ip.src == $src && vrrp.prio > 0 && $window")
  garp=$(first_time "$pcap" "arp.isgratuitous == 1 && arp.src.proto_ipv4 == $VIP && eth.src == $mac && $window")
  if [[ -z $adv || -z $garp ]]; then
    fail "$label: first advert from $src '${adv:-none}', first GARP for $VIP from $mac '${garp:-none}' after $after"
    return
  fi
  local gap
  gap=$(awk -v a="$adv" -v g="$garp" 'BEGIN { d = g - a; if (d < 0) d = -d; printf "%.4f", d }')
  check "$label: GARP for $VIP from $mac $(awk -v a="$adv" -v g="$garp" 'BEGIN { printf "%+.3f", (g - a) * 1000 }') ms after the first advert from $src (|gap| $gap <= $GARP_WINDOW), $(elapsed "$after" "$adv") s after the trigger" \
    le "$gap" "$GARP_WINDOW"
}

# judge_no_garp PCAP LABEL MAC FROM TO: MAC sent no GARP for the VIP in [FROM, TO).
judge_no_garp() {
  local n
  n=$(tshark -r "$1" -Y "arp.isgratuitous == 1 && arp.src.proto_ipv4 == $VIP && eth.src == $3 && frame.time_epoch >= $4 && frame.time_epoch < $5" 2>/dev/null | wc -l)
  check "$2: no GARP for $VIP from $3 ($n)" [ "$n" -eq 0 ]
}

# Crafted bad adverts -------------------------------------------------------------
# Each differs from the seed master's good advert (sent by the client,
# 10.11.12.3, priority 100, which would win a tie against 10.11.12.1 were it
# accepted) in one field. Fields: havipd's drop reason | vrrp_inject options |
# the tshark filter that shows the fault is really on the wire.
BAD_VARIANTS=(
  "ttl_not_255|--ttl 64|ip.ttl == 64"
  "bad_checksum|--bad-checksum|vrrp.checksum.status == 0 && vrrp.version == 2 && ip.len == 40"
  "password_mismatch|--password 2222|vrrp.auth_string == \"2222\""
  "vrid_mismatch|--vrid 52|vrrp.virt_rtr_id == 52"
  "interval_mismatch|--interval 2|vrrp.adver_int == 2"
  "too_short|--truncate 30|ip.len == 30"
  "version_not_2|--version 3|vrrp.version == 3"
  "type_not_1|--type 2|vrrp.type == 2"
)

inject() { # ARGS...: vrrp_inject from the client's eth0
  local tool=$HAVIP_TESTS/vrrp_inject
  [[ -x $tool ]] || topo_fail "vrrp_inject not found at '$tool' (set HAVIP_TESTS)"
  ip netns exec "$CLIENT" "$tool" eth0 "$@" >>"$DAEMON_DIR/inject.log" 2>&1 ||
    topo_fail "vrrp_inject $*: $(tail -n1 "$DAEMON_DIR/inject.log")"
}

# judge_injected PCAP REASON FILTER COUNT: the capture holds COUNT packets from
# the client matching FILTER (the injector did what it claims).
judge_injected() {
  local n
  n=$(tshark -r "$1" -Y "ip.src == 10.11.12.3 && ($3)" 2>/dev/null | wc -l)
  check "$2: tshark sees the $4 crafted packet(s) with '$3' (got $n)" [ "$n" -eq "$4" ]
}
