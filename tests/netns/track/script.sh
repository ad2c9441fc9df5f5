#!/usr/bin/env bash
# Issue 5, script tracking. One config per director (the seed's VI_1, 100/90)
# tracks four vrrp_scripts, each driven by a flag file the test flips:
#   chk_flag    "check.sh fail"  weight -20: fails while DIR/fail exists
#   chk_hang    hang.sh          weight -20, timeout 1: while DIR/hang exists
#               it runs "sleep 60" and must be killed at 1 s
#   chk_fault   "check.sh fault" weight 0: FAULT while DIR/fault exists
#   chk_missing a program that does not exist, weight -50: disabled at start
#               (keepalived: "not found/accessible"), no effect on priority
# Judged: havipctl status (priority, trackers), the daemon's log, ip addr for
# the VIP, and /proc for the hung processes and for zombie children of havipd.
source "$(dirname "$0")/common.sh"

track_setup
D=$DAEMON_DIR
MARK="havip-track-$$-$RANDOM"

# make_scripts NODE: DIR=$D/NODE with check.sh and hang.sh.
make_scripts() {
  local dir=$D/$1
  mkdir -p "$dir"
  chmod 755 "$dir"
  cat >"$dir/check.sh" <<'EOF'
#!/bin/sh
# Fails while the flag file named by $1 exists next to this script.
[ ! -e "$(dirname "$0")/$1" ]
EOF
  cat >"$dir/hang.sh" <<EOF
#!/bin/sh
# Passes at once unless $dir/hang exists; then hangs in "sleep 60".
# Each hung run appends "SH_PID SLEEP_PID START_EPOCH" to hang.runs; the
# environment mark lets the test find any leftover sleep in /proc.
[ -e "$dir/hang" ] || exit 0
export HAVIP_TRACK_MARK=$MARK
sleep 60 &
echo "\$\$ \$! \$(date +%s.%N)" >>"$dir/hang.runs"
wait
echo "\$\$ was not killed" >>"$dir/hang.survivors"
EOF
  chmod 755 "$dir/check.sh" "$dir/hang.sh"
}

# conf_for NODE STATE PRIORITY
conf_for() {
  local dir=$D/$1
  local blocks="vrrp_script chk_flag {
    script \"$dir/check.sh fail\"
    interval 1
    weight -20
}

vrrp_script chk_hang {
    script \"$dir/hang.sh\"
    interval 1
    timeout 1
    weight -20
}

vrrp_script chk_fault {
    script \"$dir/check.sh fault\"
    interval 1
    weight 0
}

vrrp_script chk_missing {
    script \"$dir/does-not-exist.sh\"
    interval 1
    weight -50
}"
  write_conf "$D/$1.conf" "$2" "$3" "chk_flag
chk_hang
chk_fault
chk_missing" "" "$blocks"
}

make_scripts master
make_scripts backup
conf_for master MASTER 100
conf_for backup BACKUP 90
M=$D/master

start_pair "$D/master.conf" "$D/backup.conf"
HAVIPD_PID=${DAEMON_PID[master]}
check "master effective priority 100, chk_missing ignored ($(status_json master))" prio_is master 100
check "chk_missing shown disabled at startup: '$(tracker_field master chk_missing detail)'" \
  grep -q "disabled" <<<"$(tracker_field master chk_missing detail)"
check "master's log says chk_missing is disabled (warn)" grep -q "warn.*chk_missing.*disabled\|disabled.*chk_missing" "$D/master.log"
check "chk_flag, chk_hang, chk_fault up on the master" \
  [ "$(tracker_field master chk_flag up)/$(tracker_field master chk_hang up)/$(tracker_field master chk_fault up)" == true/true/true ]

# /proc judges ----------------------------------------------------------------

# zombie_children PID: "pid" per line for each child of PID in state Z.
# (cat carries on past processes that vanish between the glob and the read.)
zombie_children() {
  cat /proc/[0-9]*/stat 2>/dev/null | awk -v parent="$1" '{
    pid = $1; s = $0; sub(/^.*\) /, "", s); split(s, f, " ")
    if (f[1] == "Z" && f[2] == parent) print pid }'
}
# proc_state PID: the state letter, or "gone".
proc_state() {
  local line
  line=$(cat "/proc/$1/stat" 2>/dev/null) || { echo gone; return; }
  line=${line##*) }
  echo "${line%% *}"
}
# is_dead PID: exited: gone, or a zombie waiting for its parent to reap it.
is_dead() { local st; st=$(proc_state "$1"); [[ $st == gone || $st == Z ]]; }
# proc_ppid PID
proc_ppid() { local line; line=$(cat "/proc/$1/stat" 2>/dev/null) || return; line=${line##*) }; cut -d' ' -f2 <<<"$line"; }
# marked_processes: pids whose environment holds this run's mark (leftover sleeps).
marked_processes() {
  grep -l -a "HAVIP_TRACK_MARK=$MARK" /proc/[0-9]*/environ 2>/dev/null | cut -d/ -f3
}

# --- 1. a script that starts failing ---------------------------------------------
echo "=== chk_flag (weight -20) starts failing on the master"
STEP_T0=$(now_s)
touch "$M/fail"
wait_step "master effective priority 100 -> 80 in status" 3 prio_is master 80
check "chk_flag down, applied_weight -20, detail '$(tracker_field master chk_flag detail)'" \
  [ "$(tracker_field master chk_flag up)/$(tracker_field master chk_flag applied_weight)" == false/-20 ]
check "master's log: 'VI_1: effective priority 100 -> 80 (chk_flag: failing, -20; ...)'" \
  log_has master "VI_1: effective priority 100 -> 80 (chk_flag: failing, -20;"
wait_step "VIP moved: on $BACKUP only, backup MASTER (ip addr)" "$MOVE_TIMEOUT" pair_swapped
echo "--- chk_flag passes again"
STEP_T0=$(now_s)
rm -f "$M/fail"
wait_step "master effective priority 80 -> 100 in status" 3 prio_is master 100
check "master's log: 'VI_1: effective priority 80 -> 100 (chk_flag: OK, ...)'" \
  log_has master "VI_1: effective priority 80 -> 100 (chk_flag: OK"
wait_step "master preempted back: VIP on $MASTER only (ip addr)" "$MOVE_TIMEOUT" pair_settled

# --- 2. a hanging script, timeout 1 -----------------------------------------------
echo "=== chk_hang hangs in 'sleep 60' (timeout 1, interval 1) on the master"
STEP_T0=$(now_s)
touch "$M/hang"
WINDOW=6
declare -A run_start=() run_sleep=() run_end=() zombie_first=()
zombie_seen=0 zombie_max_age=0 samples=0
end=$(( $(date +%s%N) + WINDOW * 1000000000 ))
saw_down=0
# sample: one look at /proc and at the runs recorded so far.
sample() {
  local now pid sh sl st zl
  now=$(now_s)
  samples=$((samples + 1))
  if [[ -s $M/hang.runs ]]; then
    while read -r sh sl st; do
      [[ -n ${run_start[$sh]:-} ]] && continue
      run_start[$sh]=$st
      run_sleep[$sh]=$sl
    done <"$M/hang.runs"
  fi
  for sh in "${!run_start[@]}"; do
    [[ -n ${run_end[$sh]:-} ]] && continue
    sl=${run_sleep[$sh]}
    if is_dead "$sh" && is_dead "$sl"; then
      run_end[$sh]=$now
    fi
  done
  local -A current=()
  for pid in $(zombie_children "$HAVIPD_PID"); do
    current[$pid]=1
    if [[ -z ${zombie_first[$pid]:-} ]]; then
      zombie_first[$pid]=$now
      zombie_seen=$((zombie_seen + 1))
    fi
  done
  for pid in "${!zombie_first[@]}"; do
    if [[ -z ${current[$pid]:-} ]]; then
      unset "zombie_first[$pid]"
    else
      zl=$(elapsed "${zombie_first[$pid]}" "$now")
      ge "$zl" "$zombie_max_age" && zombie_max_age=$zl
    fi
  done
}
while (( $(date +%s%N) < end )); do
  sample
  if ((saw_down == 0)) && tracker_up_is master chk_hang false; then
    saw_down=1
    ok "chk_hang shown failing after $(elapsed "$STEP_T0" "$(now_s)") s: '$(tracker_field master chk_hang detail)'"
    check "master effective priority 80 with chk_hang failing ($(status_of master .effective_priority))" prio_is master 80
  fi
  sleep 0.05
done
((saw_down)) || fail "chk_hang never shown failing in $WINDOW s ($(status_json master))"
check "chk_hang's detail says it timed out: '$(tracker_field master chk_hang detail)'" \
  grep -qi "timed out" <<<"$(tracker_field master chk_hang detail)"
wait_step "VIP moved: on $BACKUP only while chk_hang hangs (ip addr)" 3 pair_swapped
echo "--- chk_hang passes again"
STEP_T0=$(now_s)
HANG_OFF_T0=$STEP_T0
rm -f "$M/hang"
# The run in flight when the flag went is killed at its own timeout.
for ((i = 0; i < 40; i++)); do sample; sleep 0.05; done

runs=${#run_start[@]}
check "hung runs seen in $WINDOW s: $runs (one per interval, at least 3)" [ "$runs" -ge 3 ]
killed_ok=0
for sh in "${!run_start[@]}"; do
  if [[ -z ${run_end[$sh]:-} ]]; then
    fail "run $sh (sleep ${run_sleep[$sh]}): still alive $(elapsed "${run_start[$sh]}" "$(now_s)") s after it started (sh $(proc_state "$sh"), sleep $(proc_state "${run_sleep[$sh]}"))"
    continue
  fi
  life=$(elapsed "${run_start[$sh]}" "${run_end[$sh]}")
  if ge "$life" 0.8 && le "$life" 1.6; then
    killed_ok=$((killed_ok + 1))
  else
    fail "run $sh: sh and its sleep gone $life s after the start, expected the 1 s timeout (0.8..1.6)"
  fi
done
check "every hung run killed at its 1 s timeout: $killed_ok of $runs, lifetimes $(for sh in "${!run_start[@]}"; do
  [[ -n ${run_end[$sh]:-} ]] && printf '%s ' "$(elapsed "${run_start[$sh]}" "${run_end[$sh]}")"; done)s" \
  [ "$killed_ok" -eq "$runs" ]
check "no run outlived its kill (hang.survivors absent)" [ ! -e "$M/hang.survivors" ]
check "no 'sleep 60' left: no process carries this run's mark ($(marked_processes | tr '\n' ' '))" \
  [ -z "$(marked_processes)" ]
# A killed sleep's parent (the sh) is gone, so it is reparented to pid 1 (or a
# subreaper), which reaps it: here the VM's init does so within about 2 s.
leftover() {
  local sh sl out=
  for sh in "${!run_sleep[@]}"; do
    sl=${run_sleep[$sh]}
    [[ $(proc_state "$sl") == gone ]] || out+="$sl($(proc_state "$sl") ppid $(proc_ppid "$sl")) "
  done
  echo "$out"
}
STEP_T0=$HANG_OFF_T0
no_leftover() { [[ -z $(leftover) ]]; }
wait_step "every hung sleep gone from /proc (reaped by its new parent, pid 1 here), timed from the flag's removal" 7 no_leftover
no_leftover || echo "    left: $(leftover)"
echo "    zombie children of havipd (pid $HAVIPD_PID): $zombie_seen seen in $samples samples, longest $zombie_max_age s"
check "no zombie child of havipd lasted 0.5 s (longest $zombie_max_age s)" le "$zombie_max_age" 0.5
check "no zombie child of havipd now ($(zombie_children "$HAVIPD_PID" | tr '\n' ' '))" [ -z "$(zombie_children "$HAVIPD_PID")" ]
STEP_T0=$HANG_OFF_T0  # the next steps are timed from the flag's removal
wait_step "chk_hang up again" 3 tracker_up_is master chk_hang true
wait_step "master effective priority 100 again" 3 prio_is master 100
wait_step "master preempted back: VIP on $MASTER only (ip addr)" "$MOVE_TIMEOUT" pair_settled

# --- 3. weight 0: FAULT -----------------------------------------------------------
echo "=== chk_fault (weight 0) starts failing on the master"
STEP_T0=$(now_s)
touch "$M/fault"
wait_step "master in FAULT (status)" 3 state_is master FAULT
check "master's log: 'VI_1: tracking fault on: tracker failing: chk_fault'" \
  log_has master "VI_1: tracking fault on: tracker failing: chk_fault"
wait_step "VIP removed from $MASTER, backup MASTER with it (ip addr)" "$MOVE_TIMEOUT" pair_swapped
echo "--- chk_fault passes again"
STEP_T0=$(now_s)
rm -f "$M/fault"
wait_step "master leaves FAULT" 3 state_not master FAULT
wait_step "master back: VIP on $MASTER only, MASTER (ip addr)" "$MOVE_TIMEOUT" pair_settled

check "no zombie child of havipd at the end ($(zombie_children "$HAVIPD_PID" | tr '\n' ' '))" [ -z "$(zombie_children "$HAVIPD_PID")" ]
check "havipd still running" daemon_alive master
track_finish
