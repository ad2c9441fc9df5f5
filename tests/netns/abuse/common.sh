# shellcheck shell=bash
# Shared by the abuse suite's scripts: the failover suite's harness (three
# hosts on one segment, havipd helpers, judges) under the prefix "ab-", so
# these namespaces are ab-master, ab-backup, ab-client and ab-hub. The
# failover harness also takes the host-wide lock /tmp/havip-netns-e2e.lock.
export TOPO_PREFIX=ab-
ABUSE_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=../failover/common.sh
source "$ABUSE_DIR/../failover/common.sh"

# cpu_ticks PID: utime + stime of PID from /proc/PID/stat, in clock ticks.
# (Field 2, comm, may hold spaces: cut after its closing parenthesis.)
cpu_ticks() {
  local stat
  stat=$(<"/proc/$1/stat") || return 1
  stat=${stat##*) }
  # shellcheck disable=SC2086
  set -- $stat
  echo $((${12} + ${13}))
}
CLK_TCK=$(getconf CLK_TCK)
# cpu_percent TICKS_BEFORE TICKS_AFTER SECONDS: % of one core.
cpu_percent() { awk -v a="$1" -v b="$2" -v s="$3" -v hz="$CLK_TCK" 'BEGIN { printf "%.1f", (b - a) / hz / s * 100 }'; }

# raw_drops NS: drops the kernel counted on every raw socket in NS
# (/proc/net/raw's last column): packets that never reached havipd's queue.
# shellcheck disable=SC2016
raw_drops() { ip netns exec "$1" awk 'NR > 1 { d += $NF } END { print d + 0 }' /proc/net/raw; }
