#!/usr/bin/env bash
# Partition and heal (issue 7): the segment stops carrying VRRP between the
# directors (an nftables bridge rule in the hub, as a faulty switch or
# firewall would), everything else still flows.
#   - the backup takes over after its Master_Down_Interval: both are MASTER,
#     both hold the VIP (split brain, as VRRP must do when it hears nothing);
#   - the client's ARP entry for the VIP follows the backup's takeover ARPs;
#   - healed: within one advert interval exactly one MASTER (the master), the
#     VIP gone from the backup, and the master's answer to the backup's
#     lower-priority advert re-points the client's ARP entry at the master
#     (without it, the client would keep sending to the backup until its ARP
#     entry expired).
source "$(dirname "$0")/common.sh"
e2e_setup
command -v nft >/dev/null || topo_fail "nft is not installed: run tools/bootstrap (nftables)"
HUB=${TOPO_PREFIX}hub
start_havipd_pair
wait_until 8 vip_only_on "$MASTER" "$BACKUP" || topo_fail "$VIP not on the master alone within 8 s"
wait_until 5 state_is backup BACKUP || topo_fail "backup's status never said BACKUP"
mac_master=$(mac_of "$MASTER")
mac_backup=$(mac_of "$BACKUP")
# client_mac: the client's ARP entry for the VIP (made by a ping below).
client_mac() { ip -n "$CLIENT" neigh show "$VIP" dev eth0 | sed -n 's/.*lladdr \([0-9a-f:]*\).*/\1/p'; }
client_mac_is() { [[ $(client_mac) == "$1" ]]; }
ip netns exec "$CLIENT" ping -c1 -W1 "$VIP" >/dev/null || fail "the client cannot ping $VIP before the partition"
check "client's ARP entry for $VIP is the master's MAC ($mac_master) before the partition" client_mac_is "$mac_master"

# --- partition -------------------------------------------------------------------
t0=$(now_s)
ip netns exec "$HUB" nft -f - <<NFT || topo_fail "nft rules in $HUB failed"
table bridge havip_partition {
  chain forward {
    type filter hook forward priority 0; policy accept;
    ip protocol vrrp counter drop
  }
}
NFT
if wait_until 8 has_vip_now "$BACKUP"; then
  dt=$(elapsed "$t0" "$(now_s)")
  echo "measured: VRRP cut -> backup holds $VIP too after $dt s (its Master_Down_Interval is $MDI_90 s)"
  check "backup took over no earlier than its Master_Down_Interval minus one interval ($dt >= $MDI_90 - 1)" \
    ge "$dt" "$(awk -v m="$MDI_90" 'BEGIN { printf "%.3f", m - 1 }')"
else
  fail "backup did not take $VIP within 8 s of the partition"
fi
both_master() { state_is master MASTER && state_is backup MASTER; }
both_hold_vip() { has_vip_now "$MASTER" && has_vip_now "$BACKUP"; }
check "both directors MASTER during the partition" both_master
check "both directors hold $VIP during the partition (ip addr)" both_hold_vip
check "client's ARP entry followed the backup's takeover ARPs ($mac_backup)" wait_until 2 client_mac_is "$mac_backup"
dropped=$(ip netns exec "$HUB" nft list table bridge havip_partition | sed -n 's/.*packets \([0-9]*\).*/\1/p')
check "the bridge dropped VRRP while partitioned ($dropped packets)" [ "${dropped:-0}" -gt 0 ]
sleep 2

# --- heal ------------------------------------------------------------------------
t1=$(now_s)
ip netns exec "$HUB" nft delete table bridge havip_partition || topo_fail "cannot delete the nft table in $HUB"
if wait_until 3 vip_only_on "$MASTER" "$BACKUP"; then
  dt=$(elapsed "$t1" "$(now_s)")
  echo "measured: healed -> $VIP on the master alone after $dt s"
  check "one MASTER again within one advert interval + $SLACK s ($dt s)" le "$dt" "$(awk -v s="$SLACK" 'BEGIN { printf "%.3f", 1 + s }')"
else
  fail "3 s after the heal: master has VIP: $(has_vip_now "$MASTER" && echo yes || echo no), backup has VIP: $(has_vip_now "$BACKUP" && echo yes || echo no)"
fi
check "master's status MASTER after the heal" state_is master MASTER
check "backup's status BACKUP after the heal" wait_until 2 state_is backup BACKUP
if wait_until 2 client_mac_is "$mac_master"; then
  echo "measured: healed -> client's ARP entry for $VIP back on the master's MAC after $(elapsed "$t1" "$(now_s)") s"
else
  fail "client's ARP entry for $VIP still $(client_mac) (backup: $mac_backup) 2 s after the heal; master is $mac_master"
fi
check "the client reaches $VIP after the heal" ip netns exec "$CLIENT" ping -c1 -W1 "$VIP"
e2e_finish
