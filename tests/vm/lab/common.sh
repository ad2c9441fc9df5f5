# Shared by the scripts of the issue-4 lab suite (tests/vm/lab). Source it first.
#
# They run inside the vmtest guest (tools/vmtest/run), whose kernel has IPVS:
# the seed's lab (tests/netns/lib/lab.sh) with havipd on the directors from
# conf/lab/*.conf, judged by the real ipvsadm, iproute2, curl and
# "havipctl status --json". Every check prints "ok:" or "FAIL:" with what it
# saw; timings are printed as "measured:". The daemons' logs and the web
# servers' logs are copied to /vmtest/lab (kept in <build>/vm-logs/TEST/lab).
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
HAVIP_SRC=${HAVIP_SRC:-$(cd "$HERE/../../.." && pwd)}
HAVIP_BIN=${HAVIP_BIN:-$HAVIP_SRC/build/bin}
export TOPO_PREFIX=${TOPO_PREFIX:-lab-}
# shellcheck source=../../netns/lib/topology.sh
source "$HAVIP_SRC/tests/netns/lib/topology.sh"
# shellcheck source=../../netns/lib/daemons.sh
source "$HAVIP_SRC/tests/netns/lib/daemons.sh"
# shellcheck source=../../netns/lib/checks.sh
source "$HAVIP_SRC/tests/netns/lib/checks.sh"
# shellcheck source=../../netns/lib/lab.sh
source "$HAVIP_SRC/tests/netns/lib/lab.sh"

MASTER_CONF=$HAVIP_SRC/conf/lab/master.conf
BACKUP_CONF=$HAVIP_SRC/conf/lab/backup.conf
SERVICE="TCP  $LAB_VIP:80"
# ipvsadm -Ln's lines for the seed's service and its real servers.
SERVICE_RE="^TCP +${LAB_VIP//./\\.}:80 +rr"
rs_re() { # ADDR [WEIGHT]: "  -> 192.168.100.10:80   Masq  1  0  0"
  echo "^ +-> +${1//./\\.}:80 +Masq +${2:-[0-9]+} "
}
# conf/lab: delay_loop 2, connect_timeout 1, retry 1, delay_before_retry 1.
DELAY_LOOP=2
CONNECT_TIMEOUT=1
RETRY=1
DELAY_BEFORE_RETRY=1
RECONCILE_PERIOD=5  # lib/lb's Options::reconcilePeriod
# Master_Down_Interval of the backup (priority 90): 3 * 1 + (256 - 90) / 256 s.
MDI_90=3.648
# TCG emulation, a shell polling with execs that cost 50-150 ms each.
SLACK=${SLACK:-1.0}

BG_PIDS=()

lab_cleanup() {
  local rc=$? pid
  lab_web_stop_all
  daemons_stop_all
  for pid in "${BG_PIDS[@]}"; do kill "$pid" 2>/dev/null; done
  wait 2>/dev/null
  topo_down
  if [[ -d /vmtest && -n ${DAEMON_DIR:-} ]]; then
    mkdir -p /vmtest/lab && cp -r "$DAEMON_DIR"/. /vmtest/lab/ 2>/dev/null
  fi
  if ((failures)) || ((rc)); then
    daemons_print_logs
    echo "----- files kept in the job's lab/ directory (<build>/vm-logs/<test>/lab on the host)"
  fi
}

# lab_setup: guest-only, tools present, temp dir, trap.
lab_setup() {
  [[ ${VMTEST:-} == 1 ]] || topo_fail "run me through tools/vmtest/run (ctest -L vm), not on the host: this kernel may lack IPVS"
  topo_need_root
  local tool
  for tool in ipvsadm curl jq busybox; do
    command -v "$tool" >/dev/null || topo_fail "$tool is not installed: run tools/bootstrap"
  done
  [[ -x $HAVIP_BIN/havipd && -x $HAVIP_BIN/havipctl ]] ||
    topo_fail "havipd/havipctl not built in $HAVIP_BIN (build them before booting the guest)"
  DAEMON_DIR=$(mktemp -d /tmp/havip-lab.XXXXXX)
  trap lab_cleanup EXIT
  trap 'exit 130' INT TERM
  echo "guest kernel $(uname -r), uptime at job start $(cut -d' ' -f1 /proc/uptime) s"
}

# load_ipvs: ip_vs and the rr scheduler, as the seed's directors would have them.
load_ipvs() {
  modprobe ip_vs && modprobe ip_vs_rr || topo_fail "modprobe ip_vs ip_vs_rr failed in the guest"
  grep -q '^ip_vs ' /proc/modules || topo_fail "ip_vs not in /proc/modules after modprobe"
}

# log_mark NAME: the log's current line count, for log_since.
log_mark() { wc -l <"$DAEMON_DIR/$1.log"; }
# log_since NAME MARK: the log's lines after MARK.
log_since() { tail -n +"$(($2 + 1))" "$DAEMON_DIR/$1.log"; }
# log_time NAME MARK ERE: epoch seconds of the first log line after MARK
# matching ERE ("2026-11-24 11:42:40.070 info ipvs: ..."). The daemon's own
# stamp on the same guest clock: under load the shell's polling (an exec of
# ipvsadm costs up to a second) would blur every timing it measures.
log_time() {
  local line
  line=$(log_since "$1" "$2" | grep -m1 -E -- "$3") || return 1
  date -d "${line:0:23}" +%s.%N
}
# ipvs_op_lines: the IPVS operations logged (lib/lb: "<op> (<why>)").
ipvs_op_lines() { grep -E '(add|edit|delete) (service|destination) '; }

# table NS: `ipvsadm -Ln` in NS, indented, for the record.
show_table() {
  echo "ipvsadm -Ln in $1:"
  lab_ipvsadm "$1" -Ln | sed 's/^/    /'
}

# judge_alternation LABEL WORDS...: every request answered, both nodes, in
# strict alternation (round robin over two real servers of equal weight).
judge_alternation() {
  local label=$1
  shift
  local words=("$@") i n1=0 n2=0 alternates=1
  for ((i = 0; i < ${#words[@]}; i++)); do
    [[ ${words[i]} == Noeud1 ]] && n1=$((n1 + 1))
    [[ ${words[i]} == Noeud2 ]] && n2=$((n2 + 1))
    ((i > 0)) && [[ ${words[i]} == "${words[i - 1]}" ]] && alternates=0
  done
  local want=$((${#words[@]} / 2))
  check "$label: ${#words[@]} requests answered Noeud1 x$n1, Noeud2 x$n2 (want $want each), in alternation: ${words[*]}" \
    [ "$want" -ge 1 -a "$n1" -eq "$want" -a "$n2" -eq "$want" -a "$alternates" -eq 1 ]
}

# http_words COUNT: COUNT requests to the VIP into the array WORDS (no
# process substitution: the guest has no /dev/fd).
http_words() {
  local out
  out=$(lab_http_series "$1")
  read -r -d '' -a WORDS <<<"$out"
}

lab_finish() {
  if ((failures)); then
    echo "$failures check(s) failed"
    exit 1
  fi
  echo "all checks passed"
}
