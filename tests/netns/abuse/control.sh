#!/usr/bin/env bash
# Control socket abuse: one havipd (the seed's master.conf) and, in turn,
# (a) a non-root peer (uid 65534 via setpriv): first stopped by the socket's
#     0600 mode, then, with the socket chmod 0666 by the test, refused by
#     havipd's own SO_PEERCRED check, which it logs;
# (b) garbage: a frame whose body is not JSON, and 64 KiB of random bytes;
# (c) a frame header announcing 4 GiB - 1;
# (d) 50 clients trickling a request one byte per second;
# (e) a client pipelining status requests and never reading the answers.
# Throughout, a tcpdump on the client namespace (the peer side) records the
# master's adverts: their 1 s rhythm must hold (largest gap judged by tshark),
# and root's "havipctl status" is probed every 0.5 s and must answer within 1 s.
source "$(dirname "$0")/common.sh"
client=$ABUSE_DIR/control_client.py
command -v setpriv >/dev/null || topo_fail "setpriv (util-linux) is not installed"
command -v python3 >/dev/null || topo_fail "python3 is not installed"
# advert_int 1 s: a skipped advert would show as a gap near 2 s. 1.5 s leaves
# room for scheduling on this shared 2-core host (gaps of 1.13 s were seen at
# load average 9 with nothing else wrong) while catching any skipped advert.
MAX_GAP=${MAX_GAP:-1.500}
# Root's probe (fork+exec havipctl, connect, answer, jq) should take well
# under 1 s, and does on an idle host (< 0.1 s). A stalled daemon would hold
# it for a whole 5 s deadline; 2 s separates that from scheduling delay at
# load average 9 on this shared 2-core host (1.14 s and 1.80 s seen there).
PROBE_BOUND=${PROBE_BOUND:-2.0}

e2e_setup
pcap=$DAEMON_DIR/client.pcap
havipd_start master "$MASTER" "$HAVIP_SRC/conf/master.conf"
wait_until 8 has_vip_now "$MASTER" || topo_fail "$VIP not on the master within 8 s"
sock=$DAEMON_DIR/master.sock
capture_start "$CLIENT" "$pcap"
sent0=$(status_of master .adverts_sent)
t_start=$(now_s)

# Root's probe, in the background for the whole test: one line per probe,
# "EPOCH SECONDS RESULT", RESULT = ok or havipctl's error.
probe_log=$DAEMON_DIR/probe.log
(
  while :; do
    a=$(now_s)
    if out=$(timeout 5 "$HAVIP_BIN/havipctl" -s "$sock" status --json 2>&1); then
      r=$(jq -r 'if .ok then "ok" else (.code // "error") end' <<<"$out" 2>/dev/null || echo undecodable)
    else
      # havipctl prints the daemon's error; keep its kind, spaces squeezed.
      if grep -q 'busy' <<<"$out"; then r=busy; else r="fail:$(tr -s '\n ' '__' <<<"$out" | cut -c1-80)"; fi
    fi
    echo "$a $(elapsed "$a" "$(now_s)") $r"
    sleep 0.5
  done
) >"$probe_log" 2>&1 &
BG_PIDS+=("$!")
probe_pid=$!
# probes_since EPOCH: the probe lines from EPOCH on.
probes_since() { awk -v t="$1" '$1 >= t' "$probe_log"; }
probe_started_after() { [ -n "$(probes_since "$1")" ]; }
judge_probes() { # LABEL FROM [ALLOWED: regex of acceptable results, default ok]
  local lines n slow notok worst bad allowed=${3:-ok}
  # At least one probe that started after FROM must have finished.
  wait_until 5 probe_started_after "$2" || topo_fail "$1: no root status probe finished within 5 s"
  lines=$(probes_since "$2")
  n=$(grep -c . <<<"$lines")
  slow=$(awk -v b="$PROBE_BOUND" '$2 > b' <<<"$lines" | grep -c .)
  notok=$(awk '$3 != "ok"' <<<"$lines" | grep -c .)
  worst=$(awk 'BEGIN { m = 0 } $2 > m { m = $2 } END { printf "%.3f", m }' <<<"$lines")
  echo "measured: $1: $n root status probes, slowest $worst s, $notok not ok: $(awk 'NF && $3 != "ok" { print $3 }' <<<"$lines" | sort | uniq -c | tr '\n' ' ')"
  bad=$(awk -v re="^($allowed)\$" '$3 !~ re' <<<"$lines" | grep -c .)
  check "$1: every root 'havipctl status' answered ($allowed) within $PROBE_BOUND s ($n probes, slowest $worst s, $slow over $PROBE_BOUND s, $bad other answers)" \
    [ "$n" -ge 1 -a "$slow" -eq 0 -a "$bad" -eq 0 ]
}

# (a) a non-root peer ------------------------------------------------------------
echo "--- (a) non-root peer"
ta=$(now_s)
cp "$HAVIP_BIN/havipctl" "$DAEMON_DIR/havipctl"
chmod 0755 "$DAEMON_DIR" "$DAEMON_DIR/havipctl"
nobody() { setpriv --reuid 65534 --regid 65534 --clear-groups "$DAEMON_DIR/havipctl" -s "$sock" status 2>&1; }
check "the socket is 0600 root ($(stat -c '%a %U' "$sock"))" [ "$(stat -c '%a %U' "$sock")" == "600 root" ]
out=$(nobody)
rc=$?
echo "uid 65534, socket 0600: exit $rc: $out"
refused_by() { [ "$1" -ne 0 ] && grep -q "$2" <<<"$3"; }
check "uid 65534 is stopped by the socket's mode (exit $rc, connect's EACCES)" \
  refused_by "$rc" "sock: permission denied" "$out"
log_before=$(wc -l <"$DAEMON_DIR/master.log")
chmod 0666 "$sock"
out=$(nobody)
rc=$?
echo "uid 65534, socket 0666: exit $rc: $out"
check "uid 65534 is refused by havipd itself (exit $rc, answer names uid 65534)" \
  refused_by "$rc" "havipd: permission denied: uid 65534 may not use the control socket" "$out"
refusal=$(tail -n +"$((log_before + 1))" "$DAEMON_DIR/master.log" | grep -m1 'refused: only uid 0')
check "havipd logged the refusal: '$refusal'" [ -n "$refusal" ]
chmod 0600 "$sock"
judge_probes "(a)" "$ta"

# (b), (c) garbage and an oversized header ------------------------------------------
for mode in garbage random oversized; do
  echo "--- $mode"
  tb=$(now_s)
  out=$(ip netns exec "$MASTER" python3 "$client" "$sock" "$mode")
  echo "$out"
  case $mode in
    garbage) want='^result answered bad_request in 0\.[0-9]* s, closed [0-9.]* s' ;;
    *) want='^result answered [a-z_]* in 0\.[0-9]* s, closed [0-9.]* s' ;;
  esac
  check "$mode: answered with an error within 1 s and closed" grep -qE "$want" <<<"$out"
  judge_probes "$mode" "$tb"
done
check "the oversized header was refused from the header" \
  grep -q 'frame' <(tail -n 20 "$DAEMON_DIR/master.log")

# (d) 50 trickling clients ------------------------------------------------------------
echo "--- (d) 50 slow clients, 1 byte/s"
td=$(now_s)
out=$(ip netns exec "$MASTER" python3 "$client" "$sock" slow 50 9)
summary=$(awk '{ print $2 }' <<<"$out" | sort | uniq -c | tr '\n' ' ')
held_max=$(awk '$4 != "open" && $4 > m { m = $4 } END { printf "%.3f", m }' m=0 <<<"$out")
open=$(awk '$4 == "open"' <<<"$out" | grep -c .)
echo "measured: slow clients' answers: $summary; longest held $held_max s; still open $open"
check "no slow client kept its connection past the 5 s request deadline (+1 s): longest $held_max s, $open open" \
  bash -c "[ $open -eq 0 ] && awk 'BEGIN { exit !($held_max <= 6.0) }'"
# Each gets busy (no slot), timeout (its 5 s request deadline), or is evicted
# (closed without an answer, result "none") when every slot is taken and a
# newcomer arrives after it has been idle for 1 s (idleEviction).
check "every slow client got busy, timeout or was evicted ($summary)" \
  bash -c "! awk '{ print \$2 }' <<<'$out' | grep -qvE '^(busy|timeout|none)$'"
n_none=$(awk '$2 == "none"' <<<"$out" | grep -c .)
n_evicted=$(grep -c 'evicted: every slot taken' "$DAEMON_DIR/master.log")
check "every slow client closed without an answer was evicted by havipd ($n_none closed, $n_evicted evictions logged)" \
  [ "$n_none" -eq "$n_evicted" ]
# Root's probes: "busy" only while the 8 slow clients holding the slots have
# been idle for less than 1 s (the first probe after they connect); from
# 1.5 s on each probe evicts one and is served.
judge_probes "(d)" "$td" "ok|busy"
t_evict=$(plus "$td" 1.5)
late_busy=$(probes_since "$t_evict" | awk '$3 != "ok"' | grep -c .)
check "(d): root's probes from 1.5 s after the slow clients connected were all served ($late_busy not ok)" \
  [ "$late_busy" -eq 0 ]
check "root's status is served again once the slow clients are gone" ctl master status

# (e) a client that never reads ---------------------------------------------------------
echo "--- (e) a client that never reads"
te=$(now_s)
out=$(ip netns exec "$MASTER" python3 "$client" "$sock" noread 100)
echo "$out"
closed=$(sed -n 's/^result closed after \([0-9.]*\) s/\1/p' <<<"$out")
check "the non-reading client was closed by the 5 s write deadline (after ${closed:-never} s)" \
  bash -c "[ -n '$closed' ] && awk 'BEGIN { exit !($closed <= 7.0) }'"
judge_probes "(e)" "$te"

# The rhythm of adverts through all of it -----------------------------------------------
kill "$probe_pid" 2>/dev/null
t_end=$(now_s)
sent1=$(status_of master .adverts_sent)
capture_stop
span=$(elapsed "$t_start" "$t_end")
times=$(tshark -r "$pcap" -Y "vrrp && ip.src == 10.11.12.1" -T fields -e frame.time_epoch 2>/dev/null)
n=$(grep -c . <<<"$times")
gap=$(awk 'NR > 1 && $1 - p > m { m = $1 - p } { p = $1 } END { printf "%.3f", m }' m=0 <<<"$times")
echo "measured: $n adverts captured on the peer side in $span s; largest gap $gap s; adverts_sent +$((sent1 - sent0))"
check "adverts kept their 1 s rhythm (largest gap $gap s <= $MAX_GAP s)" le "$gap" "$MAX_GAP"
check "havipd sent about one advert per second (adverts_sent +$((sent1 - sent0)) in $span s)" \
  awk -v n="$((sent1 - sent0))" -v s="$span" 'BEGIN { exit !(n >= s - 1.5) }'
check "the capture saw them ($n, largest gap judged above)" [ "$n" -ge $((sent1 - sent0 - 2)) ]
check "havipd alive" daemon_alive master
check "$VIP still on the master" has_vip_now "$MASTER"
e2e_finish
