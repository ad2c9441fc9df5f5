# shellcheck shell=bash disable=SC2034  # variables here are used by the scripts that source it
# Shared by every script of the tracking suite (issue 5). Source it first.
#
# Topology: namespaces trk-master and trk-backup, each with an eth0 on one
# bridge (in trk-hub): 10.11.12.1/24 and 10.11.12.2/24, the seed's directors.
# Each test writes its configs (the seed's VI_1, trackers changed) into a temp
# dir and starts a havipd pair. Judges: iproute2 for the VIP, /proc for
# processes, havipctl's JSON status and the daemon's log for priorities.
# Set KEEP=1 to keep the temp dir (configs, logs) after a passing run.
set -uo pipefail

TRACK_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export TOPO_PREFIX=${TOPO_PREFIX:-trk-}
# shellcheck source=../lib/topology.sh
source "$TRACK_HERE/../lib/topology.sh"
# shellcheck source=../lib/daemons.sh
source "$TRACK_HERE/../lib/daemons.sh"
# shellcheck source=../lib/checks.sh
source "$TRACK_HERE/../lib/checks.sh"

HAVIP_SRC=${HAVIP_SRC:-$(cd "$TRACK_HERE/../../.." && pwd)}
HAVIP_BIN=${HAVIP_BIN:-$HAVIP_SRC/build/bin}
MASTER=${TOPO_PREFIX}master
BACKUP=${TOPO_PREFIX}backup
VIP=10.11.12.99
# A takeover by priority: the Backup ignores the lower-priority adverts and
# its Master_Down_Interval (3 s + skew) runs out; a preempting master waits
# the same. 8 s leaves room for a loaded machine.
MOVE_TIMEOUT=8

track_remove_namespaces() {
  local ns
  for ns in "$MASTER" "$BACKUP" "${TOPO_PREFIX}hub"; do
    ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null
    ip netns del "$ns" 2>/dev/null
  done
  return 0
}

track_cleanup() {
  local rc=$?
  daemons_stop_all
  track_remove_namespaces
  if ((failures)) || ((rc)); then
    daemons_print_logs
    echo "----- temp dir: $DAEMON_DIR"
  elif [[ -z ${KEEP:-} ]]; then
    rm -rf "$DAEMON_DIR"
  fi
}

# track_setup: root check, temp dir, trap, the two directors on one segment.
track_setup() {
  topo_need_root
  command -v jq >/dev/null || topo_fail "jq is not installed: run tools/bootstrap"
  [[ -x $HAVIP_BIN/havipd && -x $HAVIP_BIN/havipctl ]] ||
    topo_fail "havipd/havipctl not found in '$HAVIP_BIN' (set HAVIP_BIN)"
  # Our namespace names are fixed: the same suite from another build dir (or
  # a hand run) would tear them down mid-test. A host-wide lock serialises it.
  exec {TRACK_LOCK_FD}>/tmp/havip-netns-track.lock
  flock -w 200 "$TRACK_LOCK_FD" || topo_fail "another tracking test held /tmp/havip-netns-track.lock for 200 s"
  DAEMON_DIR=$(mktemp -d /tmp/havip-track.XXXXXX)
  chmod 755 "$DAEMON_DIR"
  trap track_cleanup EXIT
  trap 'exit 130' INT TERM
  track_remove_namespaces  # left over by a run killed hard
  topo_segment
  topo_host master 10.11.12.1/24
  topo_host backup 10.11.12.2/24
  local ns
  for ns in "$MASTER" "$BACKUP"; do
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
    wait_until 3 link_up "$ns" eth0 || topo_fail "eth0 in $ns did not come up"
  done
  T0=$(now_s)
}

link_up() { ip -n "$1" -o link show dev "$2" | grep -q 'state UP'; }

# write_conf FILE STATE PRIORITY TRACK_SCRIPT_ENTRIES TRACK_INTERFACE_ENTRIES [EXTRA_BLOCKS]
# The seed's VI_1 (without its mail lines: mail is not what this suite judges)
# with the given trackers; entries are newline-separated lines, "" for none.
write_conf() {
  local file=$1 state=$2 prio=$3 scripts=$4 ifaces=$5 extra=${6:-}
  {
    echo "vrrp_instance VI_1 {"
    echo "    state $state"
    echo "    interface eth0"
    echo "    virtual_router_id 51"
    echo "    priority $prio"
    echo "    advert_int 1"
    echo "    virtual_ipaddress {"
    echo "        $VIP"
    echo "    }"
    echo "    authentication {"
    echo "        auth_type PASS"
    echo "        auth_pass 1111"
    echo "    }"
    if [[ -n $scripts ]]; then
      echo "    track_script {"
      sed 's/^/        /' <<<"$scripts"
      echo "    }"
    fi
    if [[ -n $ifaces ]]; then
      echo "    track_interface {"
      sed 's/^/        /' <<<"$ifaces"
      echo "    }"
    fi
    echo "}"
    [[ -n $extra ]] && printf '\n%s\n' "$extra"
  } >"$file"
}

# The judges -------------------------------------------------------------------

vip_only_on() { has_vip "$1" "$VIP" && ! has_vip "$2" "$VIP"; }
vip_nowhere() { ! has_vip "$MASTER" "$VIP" && ! has_vip "$BACKUP" "$VIP"; }
state_is() { [[ $(status_of "$1" .state 2>/dev/null) == "$2" ]]; }
state_not() { local s; s=$(status_of "$1" .state 2>/dev/null) && [[ -n $s && $s != "$2" ]]; }
prio_is() { [[ $(status_of "$1" .effective_priority 2>/dev/null) == "$2" ]]; }
# tracker_field NAME TRACKER FIELD: one field of one tracker in NAME's status.
tracker_field() {
  status_of "$1" ".trackers[] | select(.name == \"$2\") | .$3" 2>/dev/null
}
tracker_up_is() { [[ $(tracker_field "$1" "$2" up) == "$3" ]]; }

# log_has NAME TEXT: the daemon's log holds TEXT (fixed string).
log_has() { grep -qF -- "$2" "$DAEMON_DIR/$1.log"; }

# wait_step LABEL TIMEOUT CMD...: waits for CMD, reports the time it took
# (from STEP_T0, set by the caller when it made the change) as ok or FAIL.
wait_step() {
  local label=$1 timeout=$2
  shift 2
  if wait_until "$timeout" "$@"; then
    ok "$label after $(elapsed "$STEP_T0" "$(now_s)") s"
  else
    fail "$label: not within $timeout s"
  fi
}

# pair_settled: the VIP on the master's namespace only, master MASTER, backup BACKUP.
pair_settled() { vip_only_on "$MASTER" "$BACKUP" && state_is master MASTER && state_is backup BACKUP; }
# pair_swapped: the backup holds the VIP and is MASTER.
pair_swapped() { vip_only_on "$BACKUP" "$MASTER" && state_is backup MASTER; }

# start_pair MASTER_CONF BACKUP_CONF [MASTER_ARGS...]: havipd on both directors
# (the backup gets BACKUP_ARGS from the variable of that name, if set).
start_pair() {
  local mconf=$1 bconf=$2
  shift 2
  T_START=$(now_s)
  havipd_start master "$MASTER" "$mconf" "$@"
  havipd_start backup "$BACKUP" "$bconf" ${BACKUP_ARGS[@]+"${BACKUP_ARGS[@]}"}
  STEP_T0=$T_START
  wait_step "pair started: VIP on $MASTER only, master MASTER, backup BACKUP" 10 pair_settled
}

# status_json NAME: the full instance JSON, for messages.
status_json() { ctl "$1" status --json | jq -c '.result.instances[0] | {state, priority: .base_priority, effective_priority, priority_reasons, trackers}' 2>/dev/null; }

track_finish() {
  echo "total $(elapsed "$T0" "$(now_s)") s"
  if ((failures)); then
    echo "$failures check(s) failed"
    exit 1
  fi
  echo "all checks passed"
}
