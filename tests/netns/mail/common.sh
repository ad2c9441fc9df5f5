# Shared by every script of the mail suite (issue 5). Source it first.
#
# Topology: the seed's DMZ and its mail server behind a router.
#   ml-master  eth0 10.11.12.1/24  ┐
#   ml-backup  eth0 10.11.12.2/24  ├ bridge br0 in ml-hub (the DMZ)
#   ml-router  eth0 10.11.12.254/24┘  eth1 20.21.22.1/24 ── ml-mail eth0 20.21.22.10/24
# The directors route everything through ml-router (ip_forward on), and find
# mail.test.local in /etc/netns/<ns>/hosts, which "ip netns exec" bind-mounts
# over /etc/hosts (with a resolv.conf naming only loopback: no DNS query can
# leave the namespaces). havipd runs conf/master.conf and conf/backup.conf
# unchanged: notify_email user1@test.local, smtp_server mail.test.local,
# smtp_connect_timeout 30, router_id LVS_MASTER.
# The judges: Postfix (Debian's package) delivering to user1's maildir, the
# mails themselves, tcpdump + tshark for advert timing, the daemons' logs for
# the transitions they made, and havipctl status --json for the mail queue.
# Set KEEP=1 to keep the temp dir (logs, mails, captures) after a passing run.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export TOPO_PREFIX=${TOPO_PREFIX:-ml-}
# shellcheck source=../lib/topology.sh
source "$HERE/../lib/topology.sh"
# shellcheck source=../lib/daemons.sh
source "$HERE/../lib/daemons.sh"
# shellcheck source=../lib/checks.sh
source "$HERE/../lib/checks.sh"
# shellcheck source=../lib/postfix.sh
source "$HERE/../lib/postfix.sh"

HAVIP_SRC=${HAVIP_SRC:-$(cd "$HERE/../../.." && pwd)}
HAVIP_BIN=${HAVIP_BIN:-$HAVIP_SRC/build/bin}
MASTER=${TOPO_PREFIX}master
BACKUP=${TOPO_PREFIX}backup
ROUTER=${TOPO_PREFIX}router
MAIL=${TOPO_PREFIX}mail
MAIL_ADDR=20.21.22.10
MASTER_ADDR=10.11.12.1
VIP=10.11.12.99
RCPT=user1
SUBJECT_PREFIX="[LVS_MASTER] VRRP Instance VI_1 - Entering"

BG_PIDS=()

mail_cleanup() {
  local rc=$? pid
  daemons_stop_all
  [[ -n ${PF_STATE:-} ]] && postfix_stop "$MAIL" "$PF_STATE" 2>/dev/null
  for pid in "${BG_PIDS[@]}"; do kill "$pid" 2>/dev/null; done
  wait 2>/dev/null
  mail_remove_namespaces
  if ((failures)) || ((rc)); then
    daemons_print_logs
    [[ -n ${PF_STATE:-} ]] && postfix_print_log "$PF_STATE"
    echo "----- mails delivered to $RCPT: $(postfix_maildir "$PF_STATE" "$RCPT")"
    grep -H '^Subject:' "$(postfix_maildir "$PF_STATE" "$RCPT")"/* 2>/dev/null
    echo "----- temp dir: $DAEMON_DIR"
  elif [[ -z ${KEEP:-} ]]; then
    rm -rf "$DAEMON_DIR"
  fi
}

mail_remove_namespaces() {
  local ns
  for ns in "$MASTER" "$BACKUP" "$ROUTER" "$MAIL" "${TOPO_PREFIX}hub"; do
    ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null
    ip netns del "$ns" 2>/dev/null
    rm -rf "/etc/netns/$ns"
  done
  rmdir /etc/netns 2>/dev/null # only when no one else keeps files there
  return 0
}

# name_file NS: /etc/netns/NS/{hosts,resolv.conf}, seen as /etc/... by ip netns exec.
name_files() {
  mkdir -p "/etc/netns/$1"
  printf '127.0.0.1\tlocalhost\n%s\tmail.test.local mail\n' "$MAIL_ADDR" >"/etc/netns/$1/hosts"
  printf 'nameserver 127.0.0.1\n' >"/etc/netns/$1/resolv.conf"
}

link_up() { ip -n "$1" -o link show dev "${2:-eth0}" | grep -q 'state UP'; }

# mail_setup: root and tools, lock, temp dir, trap, the five namespaces, names,
# routes and a prepared (not started) Postfix in PF_STATE.
mail_setup() {
  topo_need_root
  local tool
  for tool in jq tcpdump tshark python3 ss; do
    command -v "$tool" >/dev/null || topo_fail "$tool is not installed: run tools/bootstrap"
  done
  postfix_need
  # Shared with the failover suite: namespace tests from any build dir run one
  # at a time, so another suite's daemons never load the CPU under our timing.
  exec {MAIL_LOCK_FD}>/tmp/havip-netns-e2e.lock
  flock -w 200 "$MAIL_LOCK_FD" || topo_fail "another netns test held /tmp/havip-netns-e2e.lock for 200 s"
  DAEMON_DIR=$(mktemp -d /tmp/havip-mail.XXXXXX)
  chmod 755 "$DAEMON_DIR" # Postfix's daemons and user1 work below it
  trap mail_cleanup EXIT
  trap 'exit 130' INT TERM
  mail_remove_namespaces # a run killed hard may have left them
  postfix_ensure_user "$RCPT"
  PF_STATE=$DAEMON_DIR/postfix
  postfix_prepare "$PF_STATE"

  topo_segment
  topo_host master 10.11.12.1/24
  topo_host backup 10.11.12.2/24
  topo_host router 10.11.12.254/24
  ip netns add "$MAIL"
  TOPO_HOSTS+=("$MAIL")
  ip link add eth1 netns "$ROUTER" type veth peer name eth0 netns "$MAIL"
  ip -n "$ROUTER" addr add 20.21.22.1/24 dev eth1
  ip -n "$ROUTER" link set eth1 up
  ip -n "$MAIL" link set lo up
  ip -n "$MAIL" addr add "$MAIL_ADDR/24" dev eth0
  ip -n "$MAIL" link set eth0 up
  ip netns exec "$ROUTER" sysctl -qw net.ipv4.ip_forward=1
  local ns
  for ns in "$MASTER" "$BACKUP" "$ROUTER" "$MAIL"; do
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
    wait_until 3 link_up "$ns" || topo_fail "eth0 in $ns did not come up"
  done
  wait_until 3 link_up "$ROUTER" eth1 || topo_fail "eth1 in $ROUTER did not come up"
  ip -n "$MASTER" route add default via 10.11.12.254
  ip -n "$BACKUP" route add default via 10.11.12.254
  ip -n "$MAIL" route add default via 20.21.22.1
  for ns in "$MASTER" "$BACKUP" "$MAIL"; do name_files "$ns"; done
}

# smtp_banner NS: connects to mail.test.local:25 from NS as havipd will (by
# name, through the router) and prints the server's first line.
smtp_banner() {
  ip netns exec "$1" timeout 5 bash -c \
    'exec 3<>/dev/tcp/mail.test.local/25 || exit 1; IFS= read -r -t 4 line <&3; echo "$line"; printf "QUIT\r\n" >&3'
}

# start_postfix: Postfix in ml-mail, proven reachable by name from both directors.
start_postfix() {
  postfix_start "$MAIL" "$PF_STATE"
  local ns banner
  for ns in "$MASTER" "$BACKUP"; do
    banner=$(smtp_banner "$ns")
    [[ $banner == "220 mail.test.local ESMTP"* ]] ||
      topo_fail "from $ns, mail.test.local:25 answered '${banner}' instead of Postfix's 220 banner"
  done
}

start_havipd_pair() {
  havipd_start master "$MASTER" "$HAVIP_SRC/conf/master.conf"
  havipd_start backup "$BACKUP" "$HAVIP_SRC/conf/backup.conf"
}

vip_only_on() { has_vip "$1" "$VIP" && ! has_vip "$2" "$VIP"; }
state_is() { [[ $(status_of "$1" .state 2>/dev/null) == "$2" ]]; }

# mail_of NAME FIELD: a field of havipctl status --json's .result.mail.
mail_of() { ctl "$1" status --json 2>/dev/null | jq -r ".result.mail.$2"; }
# queue_idle NAME: every mail enqueued by NAME has been sent (none waiting or retrying).
queue_idle() {
  local s
  s=$(ctl "$1" status --json 2>/dev/null) || return 1
  jq -e '.result.mail | .enqueued > 0 and .sent == .enqueued and .waiting == 0 and .retrying == 0' <<<"$s" >/dev/null
}

# wait_slowly TIMEOUT_S CMD...: wait_until, polling every 0.5 s instead of
# 20 ms: for windows whose timing is measured, so the test's own havipctl and
# jq processes do not load the 2 shared cores under the daemon being timed.
wait_slowly() {
  local deadline=$(( $(date +%s%N) + ${1%.*} * 1000000000 ))
  shift
  while ! "$@" >/dev/null 2>&1; do
    (( $(date +%s%N) < deadline )) || return 1
    sleep 0.5
  done
}

# Transitions and mails -------------------------------------------------------

# transitions NAME: one line per state change havipd NAME logged, as
# "BASE|From|To|reason" (BASE: the configured priority, to match mails to
# daemons), leaving out "-> INIT": a stopping daemon sends no mail (its loop
# ends with the VRRP instance).
transitions() {
  local base=$2
  sed -n 's/.* vrrp: VI_1 \([A-Za-z]*\) -> \([A-Za-z]*\) (\(.*\))$/\1|\2|\3/p' "$DAEMON_DIR/$1.log" |
    grep -iv '^[a-z]*|init|' | sed "s/^/$base|/"
}

# mail_records: one line per delivered mail, as
# "BASE|From|To|reason|subject|effective|vips|to-header|delivered-to".
mail_records() {
  local dir f
  dir=$(postfix_maildir "$PF_STATE" "$RCPT")
  for f in "$dir"/*; do
    [[ -f $f ]] || continue
    awk '
      /^Subject: / && !subject { subject = substr($0, 10) }
      /^To: / && !to { to = substr($0, 5) }
      /^Delivered-To: / && !dto { dto = substr($0, 15) }
      /^Transition: / { split(substr($0, 13), t, " -> "); from = t[1]; into = t[2] }
      /^Reason: / { reason = substr($0, 13) }
      /^Priority: / { base = $3; sub(",", "", base); eff = $5 }
      /^VIPs: / { vips = substr($0, 13) }
      END { printf "%s|%s|%s|%s|%s|%s|%s|%s|%s\n", base, from, into, reason, subject, eff, vips, to, dto }
    ' "$f"
  done
}

# expected_subject STATE: keepalived's subject for entering STATE (Master -> "MASTER").
expected_subject() { echo "$SUBJECT_PREFIX ${1^^} state"; }

# judge_mails LABEL EXPECTED_TRANSITIONS: the mailbox holds exactly one mail
# per expected "BASE|From|To|reason" line (same multiset), each with the
# keepalived subject for its new state, effective priority BASE (the seed's
# chk_service script is missing on both nodes, and its weight 2 only adds
# while it succeeds), VIPs 10.11.12.99/32, and To/Delivered-To user1@test.local.
judge_mails() {
  local label=$1 expected=$2 records got
  records=$(mail_records)
  got=$(cut -d'|' -f1-4 <<<"$records" | grep . | sort)
  expected=$(grep . <<<"$expected" | sort)
  local n_got n_exp
  n_got=$(grep -c . <<<"$got")
  n_exp=$(grep -c . <<<"$expected")
  check "$label: one mail per transition ($n_got mails, $n_exp transitions logged)" [ "$got" == "$expected" ]
  if [[ $got != "$expected" ]]; then
    echo "  transitions logged (base|from|to|reason):"
    sed 's/^/    /' <<<"$expected"
    echo "  mails delivered (base|from|to|reason):"
    sed 's/^/    /' <<<"$got"
  fi
  local line base from into reason subject eff vips to dto bad=0
  while IFS='|' read -r base from into reason subject eff vips to dto; do
    [[ -n $base ]] || continue
    if [[ $subject != "$(expected_subject "$into")" || $eff != "$base" || $vips != "$VIP/32" ||
      $to != "$RCPT@test.local" || $dto != "$RCPT@test.local" ]]; then
      echo "  bad mail: subject '$subject' (for $from -> $into), effective '$eff' (base $base), VIPs '$vips', To '$to', Delivered-To '$dto'"
      bad=$((bad + 1))
    fi
  done <<<"$records"
  check "$label: every mail has keepalived's subject for its new state, priorities, VIP $VIP/32, To/Delivered-To $RCPT@test.local ($bad bad)" \
    [ "$bad" -eq 0 ]
}

# all_transitions: what both havipd logged so far (master base 100, backup 90).
all_transitions() {
  transitions master 100
  transitions backup 90
}

mails_match_transitions() {
  local want
  want=$(all_transitions | grep -c .)
  [[ $(postfix_mail_count "$PF_STATE" "$RCPT") -ge $want ]] && [[ $want -gt 0 ]]
}

mail_finish() {
  if ((failures)); then
    echo "$failures check(s) failed"
    exit 1
  fi
  echo "all checks passed"
}
