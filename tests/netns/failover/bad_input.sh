#!/usr/bin/env bash
# Bad input: crafted adverts from the client namespace (vrrp_inject), each
# with one fault; tshark confirms each fault is on the wire. Both havipd
# nodes drop them all: no transition, no VIP event, and each drop counter in
# "havipctl status --json" rises by exactly the number sent.
source "$(dirname "$0")/common.sh"
e2e_setup
pcap=$DAEMON_DIR/client.pcap
start_havipd_pair
wait_until 8 vip_only_on "$MASTER" "$BACKUP" || topo_fail "$VIP not on the master alone within 8 s"
wait_until 5 state_is backup BACKUP || topo_fail "backup's status never said BACKUP"
sleep 1.5

per=3  # of each variant
drops_json() { ctl "$1" status --json | jq -c '.result.instances[0].drops'; }
drop_of() { jq -r --arg r "$2" '.[$r] // 0' <<<"$1"; }
total_of() { jq -r '[.[]] | add // 0' <<<"$1"; }
transition() { status_of "$1" '"\(.last_transition.to) \(.last_transition.at.wall_clock)"'; }
before_m=$(drops_json master)
before_b=$(drops_json backup)
trans_m=$(transition master)
trans_b=$(transition backup)
echo "drops before: master $before_m backup $before_b"

capture_start "$CLIENT" "$pcap"
monitor_start "$MASTER" "$DAEMON_DIR/master.mon"
monitor_start "$BACKUP" "$DAEMON_DIR/backup.mon"
for variant in "${BAD_VARIANTS[@]}"; do
  IFS='|' read -r reason options _ <<<"$variant"
  # shellcheck disable=SC2086
  inject $options --count "$per"
done
sleep 1.5
capture_stop
after_m=$(drops_json master)
after_b=$(drops_json backup)
echo "drops after:  master $after_m backup $after_b"

for variant in "${BAD_VARIANTS[@]}"; do
  IFS='|' read -r reason _ filter <<<"$variant"
  judge_injected "$pcap" "$reason" "$filter" "$per"
  for node in master backup; do
    if [[ $node == master ]]; then b=$before_m a=$after_m; else b=$before_b a=$after_b; fi
    d=$(($(drop_of "$a" "$reason") - $(drop_of "$b" "$reason")))
    check "$node: drops.$reason rose by $per (by $d)" [ "$d" == "$per" ]
  done
done
want=$((per * ${#BAD_VARIANTS[@]}))
check "master: all drop counters together rose by exactly $want (by $(($(total_of "$after_m") - $(total_of "$before_m"))))" \
  [ "$(($(total_of "$after_m") - $(total_of "$before_m")))" == "$want" ]
check "backup: all drop counters together rose by exactly $want (by $(($(total_of "$after_b") - $(total_of "$before_b"))))" \
  [ "$(($(total_of "$after_b") - $(total_of "$before_b")))" == "$want" ]
check "master: no transition ('$trans_m')" [ "$(transition master)" == "$trans_m" ]
check "backup: no transition ('$trans_b')" [ "$(transition backup)" == "$trans_b" ]
check "backup: master_address still 10.11.12.1" [ "$(status_of backup .master_address)" == 10.11.12.1 ]
check "$VIP on the master alone" vip_only_on "$MASTER" "$BACKUP"
check "no address event on the master" bash -c "! grep -q inet '$DAEMON_DIR/master.mon'"
check "no address event on the backup" bash -c "! grep -q inet '$DAEMON_DIR/backup.mon'"
e2e_finish
