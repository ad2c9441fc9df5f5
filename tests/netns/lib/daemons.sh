# Starting and stopping VRRP daemons (havipd, keepalived) inside test
# namespaces. Source after topology.sh. Every daemon gets a NAME; its log,
# control socket and pid files live in DAEMON_DIR (a per-test temp dir that
# the caller creates and removes), so a failing test can print the logs.
#
#   havipd_start NAME NS CONF [ARGS...]     havipd -f CONF --control-socket DAEMON_DIR/NAME.sock
#   keepalived_start NAME NS CONF           keepalived 2.2.7, VRRP only, foreground, no respawn
#   daemon_kill NAME SIGNAL                 signals the process doing VRRP (keepalived: the child)
#   daemon_stop NAME                        SIGTERM, waits up to 5 s, then SIGKILL
#   daemon_alive NAME                       true while its process exists
#   daemons_stop_all                        for the EXIT trap
#   daemons_print_logs                      every daemon's log, for a failing test
#   ctl NAME ARGS...                        havipctl -s DAEMON_DIR/NAME.sock ARGS...
#   status_of NAME JQ                       jq -r JQ over "havipctl status --json"'s .result.instances[0]

DAEMON_DIR=${DAEMON_DIR:-}
declare -gA DAEMON_PID=() DAEMON_KIND=() DAEMON_NS=()
declare -ga DAEMON_NAMES=()

_daemon_remember() { # NAME KIND NS PID
  DAEMON_PID[$1]=$4
  DAEMON_KIND[$1]=$2
  DAEMON_NS[$1]=$3
  local n
  for n in "${DAEMON_NAMES[@]}"; do [[ $n == "$1" ]] && return; done
  DAEMON_NAMES+=("$1")
}

havipd_start() {
  local name=$1 ns=$2 conf=$3
  shift 3
  [[ -x ${HAVIP_BIN:-}/havipd ]] || topo_fail "havipd not found at '${HAVIP_BIN:-}/havipd' (set HAVIP_BIN)"
  rm -f "$DAEMON_DIR/$name.sock"
  echo "=== havipd start $(date +%T.%N)" >>"$DAEMON_DIR/$name.log"
  # ip netns exec execs the command, so $! is havipd itself.
  ip netns exec "$ns" "$HAVIP_BIN/havipd" -f "$conf" --control-socket "$DAEMON_DIR/$name.sock" \
    --log-level debug "$@" >>"$DAEMON_DIR/$name.log" 2>&1 &
  _daemon_remember "$name" havipd "$ns" $!
  # Ready means the control socket answers.
  wait_until 5 ctl "$name" status || {
    daemon_alive "$name" || topo_fail "havipd '$name' exited at start (log below)"
    topo_fail "havipd '$name' did not answer on $DAEMON_DIR/$name.sock within 5 s"
  }
}

keepalived_start() {
  local name=$1 ns=$2 conf=$3
  command -v keepalived >/dev/null || topo_fail "keepalived is not installed: run tools/bootstrap"
  rm -f "$DAEMON_DIR/$name.pid" "$DAEMON_DIR/$name-vrrp.pid"
  echo "=== keepalived start $(date +%T.%N)" >>"$DAEMON_DIR/$name.log"
  # -n foreground, -l -D log to the console in detail, -P VRRP only,
  # -R no respawn: a killed VRRP child stays dead, as a crashed host would.
  ip netns exec "$ns" keepalived -n -l -D -P -R -f "$conf" -p "$DAEMON_DIR/$name.pid" \
    -r "$DAEMON_DIR/$name-vrrp.pid" >>"$DAEMON_DIR/$name.log" 2>&1 &
  _daemon_remember "$name" keepalived "$ns" $!
  wait_until 5 test -s "$DAEMON_DIR/$name-vrrp.pid" ||
    topo_fail "keepalived '$name' did not start its VRRP child within 5 s"
}

# The pid that runs VRRP: havipd itself, keepalived's VRRP child.
daemon_vrrp_pid() {
  if [[ ${DAEMON_KIND[$1]} == keepalived ]]; then
    cat "$DAEMON_DIR/$1-vrrp.pid" 2>/dev/null
  else
    echo "${DAEMON_PID[$1]}"
  fi
}

daemon_alive() {
  local pid=${DAEMON_PID[$1]:-}
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null
}

daemon_kill() {
  local pid
  pid=$(daemon_vrrp_pid "$1")
  [[ -n $pid ]] || topo_fail "no pid for daemon '$1'"
  kill "-$2" "$pid"
}

# daemon_wait_exit NAME TIMEOUT_S: reaps the daemon, its exit status in
# DAEMON_RC. Not in $(...): only this shell, its parent, can reap it.
daemon_wait_exit() {
  local pid=${DAEMON_PID[$1]:-}
  DAEMON_RC=
  [[ -n $pid ]] || return 1
  wait_until "$2" bash -c "! kill -0 $pid 2>/dev/null" || return 1
  DAEMON_RC=0
  wait "$pid" 2>/dev/null || DAEMON_RC=$?
  DAEMON_PID[$1]=
}

daemon_stop() {
  local name=$1 pid=${DAEMON_PID[$1]:-}
  [[ -n $pid ]] || return 0
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null
    wait_until 5 bash -c "! kill -0 $pid 2>/dev/null" || kill -KILL "$pid" 2>/dev/null
  fi
  wait "$pid" 2>/dev/null
  # A keepalived VRRP child outliving its parent would keep the VIP.
  if [[ ${DAEMON_KIND[$name]} == keepalived && -s $DAEMON_DIR/$name-vrrp.pid ]]; then
    local child
    child=$(cat "$DAEMON_DIR/$name-vrrp.pid")
    kill -0 "$child" 2>/dev/null && kill -KILL "$child" 2>/dev/null
  fi
  DAEMON_PID[$name]=
}

daemons_stop_all() {
  local name
  for name in "${DAEMON_NAMES[@]}"; do daemon_stop "$name"; done
}

daemons_print_logs() {
  local name
  for name in "${DAEMON_NAMES[@]}"; do
    echo "----- log of $name (${DAEMON_KIND[$name]} in ${DAEMON_NS[$name]}), last 80 lines"
    tail -n 80 "$DAEMON_DIR/$name.log" 2>/dev/null
  done
}

ctl() {
  local name=$1
  shift
  "$HAVIP_BIN/havipctl" -s "$DAEMON_DIR/$name.sock" "$@"
}

status_of() {
  ctl "$1" status --json | jq -r ".result.instances[0] | $2"
}
