#!/usr/bin/env bash
# Issue 5, memory tracking with an injected meminfo (havipd --meminfo FILE per
# daemon; the test rewrites the file).
#  A. track_memory weight -20 on both, priorities 100/90: low MemFree on the
#     master moves its effective priority 100 -> 80 (status and log agree) and
#     the VIP to the backup (judged by ip addr); memory back -> preempts back.
#  B. the seed's pair (100/90, weight +2): low memory on the master moves 102
#     -> 100, the VIP stays; havipd --check-config warns and havipctl lint
#     master.conf backup.conf exits 1 naming the trap.
source "$(dirname "$0")/common.sh"

track_setup

# write_meminfo FILE FREE_PERCENT: a meminfo of 8 GiB with MemFree at
# FREE_PERCENT and MemAvailable at 90 % whatever MemFree is (a server whose
# page cache holds the rest: "free" low, healthy), written whole then renamed
# so havipd never reads half a file.
write_meminfo() {
  local file=$1 pct=$2 total=8388608
  local free=$((total * pct / 100)) avail=$((total * 90 / 100))
  cat >"$file.tmp" <<EOF
MemTotal:       $total kB
MemFree:        $free kB
MemAvailable:   $avail kB
Buffers:          123456 kB
Cached:          $((avail - free > 0 ? avail - free : 0)) kB
SwapCached:            0 kB
Active:          1234567 kB
Inactive:        2345678 kB
SwapTotal:             0 kB
SwapFree:              0 kB
Shmem:             65536 kB
SReclaimable:     100000 kB
EOF
  mv "$file.tmp" "$file"
}

D=$DAEMON_DIR
MEM_M=$D/master.meminfo
MEM_B=$D/backup.meminfo
write_meminfo "$MEM_M" 70
write_meminfo "$MEM_B" 70
BACKUP_ARGS=(--meminfo "$MEM_B")

# --- A: a weight that bridges the priority gap -------------------------------
echo "=== A: track_memory weight -20 on both, priorities 100/90"
MEMBLOCK_A='track_memory chk_memory {
    metric free
    min_percent 50
    interval 1
    weight -20
}'
write_conf "$D/a-master.conf" MASTER 100 chk_memory "" "$MEMBLOCK_A"
write_conf "$D/a-backup.conf" BACKUP 90 chk_memory "" "$MEMBLOCK_A"

out=$("$HAVIP_BIN/havipctl" lint "$D/a-master.conf" "$D/a-backup.conf" 2>&1)
rc=$?
check "lint of the weight -20 pair exits 0 (got $rc: $(tail -n1 <<<"$out"))" [ "$rc" -eq 0 ]
check "lint of the weight -20 pair says chk_memory moves mastership" grep -q "chk_memory.*moves mastership" <<<"$out"

start_pair "$D/a-master.conf" "$D/a-backup.conf" --meminfo "$MEM_M"
check "master effective priority 100 with memory fine ($(status_of master .effective_priority))" prio_is master 100
check "backup effective priority 90 with memory fine ($(status_of backup .effective_priority))" prio_is backup 90
check "master's chk_memory is up, kind memory ($(status_json master))" \
  [ "$(tracker_field master chk_memory up)/$(tracker_field master chk_memory kind)" == true/memory ]

echo "--- master's MemFree 70 % -> 30 % (MemAvailable stays 90 %)"
STEP_T0=$(now_s)
write_meminfo "$MEM_M" 30
wait_step "master effective priority 100 -> 80 in status" 4 prio_is master 80
check "master's chk_memory down, applied_weight -20, detail names MemFree ($(status_json master))" \
  [ "$(tracker_field master chk_memory up)/$(tracker_field master chk_memory applied_weight)" == false/-20 ]
check "chk_memory detail mentions MemFree: '$(tracker_field master chk_memory detail)'" \
  grep -q MemFree <<<"$(tracker_field master chk_memory detail)"
check "master's priority_reasons name chk_memory: $(status_of master '.priority_reasons | join("; ")')" \
  grep -q chk_memory <<<"$(status_of master '.priority_reasons | join("; ")')"
check "master's log: 'VI_1: effective priority 100 -> 80 (chk_memory: failing, -20)'" \
  log_has master "VI_1: effective priority 100 -> 80 (chk_memory: failing, -20)"
wait_step "VIP moved: on $BACKUP only, backup MASTER (ip addr)" "$MOVE_TIMEOUT" pair_swapped
check "master is BACKUP now ($(status_of master .state))" state_is master BACKUP
check "backup's effective priority still 90 ($(status_of backup .effective_priority))" prio_is backup 90

echo "--- master's MemFree back to 70 %"
STEP_T0=$(now_s)
write_meminfo "$MEM_M" 70
wait_step "master effective priority 80 -> 100 in status" 4 prio_is master 100
check "master's log: 'VI_1: effective priority 80 -> 100 (chk_memory: OK, ...)'" \
  log_has master "VI_1: effective priority 80 -> 100 (chk_memory: OK"
wait_step "master preempted back: VIP on $MASTER only (ip addr)" "$MOVE_TIMEOUT" pair_settled

daemon_stop master
daemon_stop backup

# --- B: the seed's weights ------------------------------------------------------
echo "=== B: the seed's chk_service as track_memory, weight 2, priorities 100/90"
MEMBLOCK_B='track_memory chk_service {
    metric free
    min_percent 50
    interval 2
    weight 2
}'
write_conf "$D/master.conf" MASTER 100 chk_service "" "$MEMBLOCK_B"
write_conf "$D/backup.conf" BACKUP 90 chk_service "" "$MEMBLOCK_B"

out=$("$HAVIP_BIN/havipd" --check-config "$D/master.conf" 2>&1)
rc=$?
echo "$out" | sed 's/^/    check-config: /'
check "havipd --check-config master.conf exits 0 (advice only; got $rc)" [ "$rc" -eq 0 ]
check "havipd --check-config warns that chk_service moves the priority between 100 and 102 only" \
  grep -qE "warning: vrrp_instance VI_1: track_script chk_service .*\(weight 2\) moves this router's priority between 100 and 102 only" <<<"$out"
out=$("$HAVIP_BIN/havipctl" lint "$D/master.conf" "$D/backup.conf" 2>&1)
rc=$?
echo "$out" | sed 's/^/    lint: /'
check "havipctl lint master.conf backup.conf exits 1 (got $rc)" [ "$rc" -eq 1 ]
check "lint names the trap: chk_service never moves mastership, 102 and 100 vs the backup's 92" \
  grep -qE "problem: VI_1 \(vrid 51\): track_script chk_service .*never moves mastership.* at 102 with chk_service OK and 100 when it fails, still above the backup .* at 92 " <<<"$out"

write_meminfo "$MEM_M" 70
start_pair "$D/master.conf" "$D/backup.conf" --meminfo "$MEM_M"
check "master effective priority 102 with memory fine ($(status_of master .effective_priority))" prio_is master 102
check "backup effective priority 92 with memory fine ($(status_of backup .effective_priority))" prio_is backup 92

echo "--- master's MemFree 70 % -> 30 %"
STEP_T0=$(now_s)
write_meminfo "$MEM_M" 30
wait_step "master effective priority 102 -> 100 in status" 5 prio_is master 100
check "master's chk_service down, applied_weight 0 (the +2 is gone) ($(status_json master))" \
  [ "$(tracker_field master chk_service up)/$(tracker_field master chk_service applied_weight)" == false/0 ]
check "master's log: 'VI_1: effective priority 102 -> 100 (chk_service: failing, ...)'" \
  log_has master "VI_1: effective priority 102 -> 100 (chk_service: failing"
# Watch for longer than the backup's Master_Down_Interval (3.648 s) plus slack:
# were it to take over, it would have by then.
HOLD=6
moved=0
end=$(( $(date +%s%N) + HOLD * 1000000000 ))
while (( $(date +%s%N) < end )); do
  pair_settled || { moved=1; break; }
  sleep 0.2
done
check "VIP stays on $MASTER for $HOLD s with the master's memory low (the seed's trap)" [ "$moved" -eq 0 ]
check "backup still BACKUP at 92 ($(status_of backup .state) $(status_of backup .effective_priority))" \
  bash -c "[[ '$(status_of backup .state)/$(status_of backup .effective_priority)' == BACKUP/92 ]]"

echo "--- master's MemFree back to 70 %"
STEP_T0=$(now_s)
write_meminfo "$MEM_M" 70
wait_step "master effective priority 100 -> 102 in status" 5 prio_is master 102
check "VIP still on $MASTER only" pair_settled

track_finish
