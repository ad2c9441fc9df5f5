#!/usr/bin/env bash
# Election: havipd on both directors from the seed's configs; the master
# holds the VIP (iproute2 says so), the backup does not, and both daemons'
# status agrees.
source "$(dirname "$0")/common.sh"
e2e_setup

t_start=$(now_s)
start_havipd_pair
wait_until 8 vip_only_on "$MASTER" "$BACKUP" || fail "$VIP not on the master alone within 8 s of start"
echo "measured: $VIP on the master alone $(elapsed "$t_start" "$(now_s)") s after start (poll)"
wait_until 5 state_is backup BACKUP || fail "backup's status never said BACKUP"
sleep 2.5  # a few advert intervals: the election must also be stable

check "ip: $VIP on the master's eth0" has_vip_now "$MASTER"
check "ip: $VIP not on the backup's eth0" lacks_vip_now "$BACKUP"
m=$(ctl master status --json) || fail "havipctl status on the master failed"
b=$(ctl backup status --json) || fail "havipctl status on the backup failed"
jm() { jq -r ".result.instances[0] | $1" <<<"$m"; }
jb() { jq -r ".result.instances[0] | $1" <<<"$b"; }
check "status reply is version 1 and ok" [ "$(jq -r '"\(.version) \(.ok)"' <<<"$m")" == "1 true" ]
check "master: name, state, vrid (got '$(jm '"\(.name) \(.state) \(.vrid)"')')" \
  [ "$(jm '"\(.name) \(.state) \(.vrid)"')" == "VI_1 MASTER 51" ]
check "backup: name, state, vrid (got '$(jb '"\(.name) \(.state) \(.vrid)"')')" \
  [ "$(jb '"\(.name) \(.state) \(.vrid)"')" == "VI_1 BACKUP 51" ]
check "master: base/effective priority 100/100 (got $(jm '"\(.base_priority)/\(.effective_priority)"'))" \
  [ "$(jm '"\(.base_priority)/\(.effective_priority)"')" == "100/100" ]
check "backup: base/effective priority 90/90 (got $(jb '"\(.base_priority)/\(.effective_priority)"'))" \
  [ "$(jb '"\(.base_priority)/\(.effective_priority)"')" == "90/90" ]
check "master: VIP $VIP/32 on eth0 installed (got '$(jm '.vips | map("\(.address) \(.device) \(.installed)") | join(",")')')" \
  [ "$(jm '.vips | map("\(.address) \(.device) \(.installed)") | join(",")')" == "$VIP/32 eth0 true" ]
check "backup: VIP $VIP/32 on eth0 not installed (got '$(jb '.vips | map("\(.address) \(.device) \(.installed)") | join(",")')')" \
  [ "$(jb '.vips | map("\(.address) \(.device) \(.installed)") | join(",")')" == "$VIP/32 eth0 false" ]
check "backup: master_address is 10.11.12.1 (got '$(jb .master_address)')" [ "$(jb .master_address)" == 10.11.12.1 ]
check "master: advert interval 1000 ms (got $(jm .advert_interval_ms))" [ "$(jm .advert_interval_ms)" == 1000 ]
check "master has sent adverts ($(jm .adverts_sent))" [ "$(jm .adverts_sent)" -ge 2 ]
check "backup has received adverts ($(jb .adverts_received))" [ "$(jb .adverts_received)" -ge 2 ]
check "no drops on the backup (got $(jb '[.drops[]] | add // 0'))" [ "$(jb '[.drops[]] | add // 0')" == 0 ]
check "master's last transition is to MASTER (got '$(jm .last_transition.to)')" [ "$(jm .last_transition.to)" == MASTER ]
# The human table too: exit 0 and the state in it.
table=$(ctl master status) || fail "havipctl status (table) failed"
check "havipctl status table mentions VI_1 and MASTER" grep -q 'VI_1.*MASTER\|MASTER.*VI_1' <<<"$table"
e2e_finish
