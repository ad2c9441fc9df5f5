#!/usr/bin/env bash
# A failover of the two directors leaves exactly one mail per transition in
# user1's mailbox (Postfix, local delivery), each with keepalived's subject and
# a body naming old -> new state, the reason, priorities and VIPs:
#   start both (master elected), SIGKILL the master (backup takes over),
#   restart it (preempts back), SIGTERM it (backup takes over again).
# The transitions are read from havipd's own logs; the mails are compared to
# them one by one once havipd's queues and Postfix's queue are both empty.
source "$(dirname "$0")/common.sh"
mail_setup
start_postfix
start_havipd_pair

# settled NAME...: each daemon's mail queue idle, and Postfix's queue empty.
settled() {
  local name
  for name in "$@"; do queue_idle "$name" || return 1; done
  postfix_queue_empty "$PF_STATE" && mails_match_transitions
}
# wait_settled LABEL NAME...: bounded wait for settled, timing it.
wait_settled() {
  local label=$1 t0
  shift
  t0=$(now_s)
  if wait_until 30 settled "$@"; then
    echo "measured: $label: all mail delivered $(elapsed "$t0" "$(now_s)") s after the state settled" \
      "($(postfix_mail_count "$PF_STATE" "$RCPT") in the mailbox)"
  else
    fail "$label: mail not all delivered within 30 s (mailbox $(postfix_mail_count "$PF_STATE" "$RCPT")," \
      "transitions logged $(all_transitions | grep -c .))"
  fi
}

wait_until 8 vip_only_on "$MASTER" "$BACKUP" || topo_fail "$VIP not on the master alone within 8 s"
wait_until 5 state_is backup BACKUP || topo_fail "backup's status never said BACKUP"
wait_settled "election" master backup
judge_mails "election" "$(all_transitions)"

# --- SIGKILL of the master: the backup takes over.
daemon_kill master KILL
wait_until 6 has_vip "$BACKUP" "$VIP" || fail "backup did not take $VIP within 6 s of SIGKILL"
daemon_stop master
wait_until 3 state_is backup MASTER || fail "backup's status did not say MASTER after the kill"
wait_settled "SIGKILL takeover" backup

# --- restart: the master preempts.
havipd_start master "$MASTER" "$HAVIP_SRC/conf/master.conf"
wait_until 8 vip_only_on "$MASTER" "$BACKUP" || fail "restarted master did not preempt within 8 s"
wait_until 3 state_is backup BACKUP || fail "backup's status did not return to BACKUP"
wait_settled "preempt" master backup

# --- SIGTERM of the master: priority-0 advert, the backup takes over at once.
daemon_kill master TERM
wait_until 3 has_vip "$BACKUP" "$VIP" || fail "backup did not take $VIP within 3 s of SIGTERM"
daemon_wait_exit master 5 || fail "havipd master still running 5 s after SIGTERM"
wait_until 3 state_is backup MASTER || fail "backup's status did not say MASTER after SIGTERM"
wait_settled "SIGTERM takeover" backup
# Anything late (a duplicate, a retry) would show up now.
sleep 2

echo "transitions logged by havipd (base|from|to|reason):"
all_transitions | sed 's/^/  /'
judge_mails "failover" "$(all_transitions)"
for s in MASTER BACKUP; do
  n=$(grep -l -F -x "Subject: $(expected_subject "$s")" "$(postfix_maildir "$PF_STATE" "$RCPT")"/* 2>/dev/null | wc -l)
  echo "measured: $n mail(s) with subject '$(expected_subject "$s")'"
done
check "backup's status: nothing given up or dropped" \
  [ "$(mail_of backup given_up)/$(mail_of backup dropped)" == "0/0" ]
check "Postfix logged every delivery as status=sent to user1 ($(grep -c 'to=<user1@test.local>.*status=sent' "$PF_STATE/maillog") lines)" \
  [ "$(grep -c 'to=<user1@test.local>.*status=sent' "$PF_STATE/maillog")" -eq "$(postfix_mail_count "$PF_STATE" "$RCPT")" ]
mail_finish
