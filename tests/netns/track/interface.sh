#!/usr/bin/env bash
# Issue 5, interface tracking. The master's namespace gets two more links:
# eth1, a veth whose peer sits in the hub namespace, tracked with weight -20,
# and eth2, another veth (this kernel has no dummy driver), tracked with weight 0. Priorities 100/90 (the seed's).
#  - eth1 set down (admin)            -> 100 -> 80, the VIP moves; up -> back
#  - eth1 loses carrier (peer down)   -> the same; peer up -> back
#  - eth2 set down                    -> FAULT, the VIP moves; up -> back
# Judged: havipctl status and the log for the priority, ip addr for the VIP.
source "$(dirname "$0")/common.sh"

track_setup
D=$DAEMON_DIR
HUB=${TOPO_PREFIX}hub
PEER=${TOPO_PREFIX}e1p
PEER2=${TOPO_PREFIX}e2p

ip link add eth1 netns "$MASTER" type veth peer name "$PEER" netns "$HUB" ||
  topo_fail "cannot create veth eth1 in $MASTER"
ip -n "$HUB" link set "$PEER" up
ip -n "$MASTER" link set eth1 up
ip link add eth2 netns "$MASTER" type veth peer name "$PEER2" netns "$HUB" ||
  topo_fail "cannot create veth eth2 in $MASTER"
ip -n "$HUB" link set "$PEER2" up
ip -n "$MASTER" link set eth2 up
wait_until 3 link_up "$MASTER" eth1 || topo_fail "eth1 in $MASTER did not come up"
wait_until 3 link_up "$MASTER" eth2 || topo_fail "eth2 in $MASTER did not come up"

write_conf "$D/master.conf" MASTER 100 "" "eth1 weight -20
eth2 weight 0"
write_conf "$D/backup.conf" BACKUP 90 "" ""

start_pair "$D/master.conf" "$D/backup.conf"
check "master effective priority 100 with eth1 and eth2 up ($(status_json master))" prio_is master 100
check "trackers eth1 and eth2 up, kind interface" \
  [ "$(tracker_field master eth1 up)/$(tracker_field master eth1 kind)/$(tracker_field master eth2 up)" == true/interface/true ]

# eth1_cycle LABEL DOWN_CMD UP_CMD: eth1 fails by DOWN_CMD, recovers by UP_CMD.
eth1_cycle() {
  local label=$1 down=$2 up=$3
  echo "=== eth1 (weight -20): $label"
  STEP_T0=$(now_s)
  eval "$down"
  wait_step "master effective priority 100 -> 80 in status" 2 prio_is master 80
  check "eth1 down, applied_weight -20, detail '$(tracker_field master eth1 detail)'" \
    [ "$(tracker_field master eth1 up)/$(tracker_field master eth1 applied_weight)" == false/-20 ]
  check "master's log: 'VI_1: effective priority 100 -> 80 (eth1: down, -20; ...)'" \
    log_has master "VI_1: effective priority 100 -> 80 (eth1: down, -20;"
  wait_step "VIP moved: on $BACKUP only, backup MASTER (ip addr)" "$MOVE_TIMEOUT" pair_swapped
  echo "--- eth1 back"
  STEP_T0=$(now_s)
  eval "$up"
  wait_step "master effective priority 80 -> 100 in status" 2 prio_is master 100
  check "master's log: 'VI_1: effective priority 80 -> 100 (eth1: up, ...)'" \
    log_has master "VI_1: effective priority 80 -> 100 (eth1: up"
  wait_step "master preempted back: VIP on $MASTER only (ip addr)" "$MOVE_TIMEOUT" pair_settled
}

eth1_cycle "set down in $MASTER" "ip -n $MASTER link set eth1 down" "ip -n $MASTER link set eth1 up"
eth1_cycle "carrier lost (its peer $PEER set down in $HUB)" \
  "ip -n $HUB link set $PEER down" "ip -n $HUB link set $PEER up"
DROP="VI_1: effective priority 100 -> 80 (eth1: down, -20;"
check "master's log shows both drops, one line each ('$DROP' $(grep -cF "$DROP" "$D/master.log") times)" \
  [ "$(grep -cF "$DROP" "$D/master.log")" -eq 2 ]

echo "=== eth2 (weight 0) set down in $MASTER"
STEP_T0=$(now_s)
ip -n "$MASTER" link set eth2 down
wait_step "master in FAULT (status)" 2 state_is master FAULT
check "eth2 down in status: '$(tracker_field master eth2 detail)'" tracker_up_is master eth2 false
check "master's log: 'VI_1: tracking fault on: tracker failing: eth2'" \
  log_has master "VI_1: tracking fault on: tracker failing: eth2"
wait_step "VIP removed from $MASTER, backup MASTER with it (ip addr)" "$MOVE_TIMEOUT" pair_swapped
echo "--- eth2 up"
STEP_T0=$(now_s)
ip -n "$MASTER" link set eth2 up
wait_step "master leaves FAULT" 2 state_not master FAULT
wait_step "master back: VIP on $MASTER only, MASTER (ip addr)" "$MOVE_TIMEOUT" pair_settled

track_finish
