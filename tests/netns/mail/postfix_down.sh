#!/usr/bin/env bash
# Postfix stopped, a transition, Postfix started: the queued notifications
# arrive within the retry backoff (5 s, 10 s, 20 s ...), and meanwhile
# havipctl status --json shows them retrying with the connect error; nothing
# is given up or lost.
source "$(dirname "$0")/common.sh"
mail_setup
start_postfix
start_havipd_pair
wait_until 8 vip_only_on "$MASTER" "$BACKUP" || topo_fail "$VIP not on the master alone within 8 s"
wait_until 5 state_is backup BACKUP || topo_fail "backup's status never said BACKUP"
settled() { queue_idle master && queue_idle backup && postfix_queue_empty "$PF_STATE" && mails_match_transitions; }
wait_until 20 settled || topo_fail "the election's mails were not delivered within 20 s"
before=$(postfix_mail_count "$PF_STATE" "$RCPT")
echo "measured: $before mails after the election"

# --- Postfix down; the master hands over (two transitions, two mails queued).
postfix_stop "$MAIL" "$PF_STATE"
t_handover=$(now_s)
ctl master failover >"$DAEMON_DIR/failover.out" 2>&1 || fail "havipctl failover on the master: $(cat "$DAEMON_DIR/failover.out")"
wait_until 5 has_vip "$BACKUP" "$VIP" || fail "backup did not take $VIP within 5 s of the hand-over"
wait_until 3 state_is master BACKUP || fail "master's status did not say BACKUP after handing over"

retrying() { [[ $(mail_of "$1" retrying) -ge 1 && $(mail_of "$1" last_error) != null ]]; }
for name in master backup; do
  if wait_until 5 retrying "$name"; then
    ok "$name's status shows its mail retrying (retrying $(mail_of "$name" retrying)," \
      "sent $(mail_of "$name" sent)/$(mail_of "$name" enqueued), last_error '$(mail_of "$name" last_error)')"
    check "$name's last_error names the refused connection" \
      grep -qi 'refused' <<<"$(mail_of "$name" last_error)"
  else
    fail "$name's status never showed a mail retrying: $(ctl "$name" status --json | jq -c .result.mail)"
  fi
done
# Let the first retry (5 s after the first failure) fail too: the mail waits
# for the next one, 10 s later.
wait_until 8 grep -q 'retry 3 in' "$DAEMON_DIR/master.log" ||
  fail "master's log shows no second failed attempt within 8 s: $(grep smtp "$DAEMON_DIR/master.log" | tail -n 3)"
check "no mail delivered while Postfix was down" [ "$(postfix_mail_count "$PF_STATE" "$RCPT")" -eq "$before" ]
for name in master backup; do
  check "$name: still retrying, nothing given up while Postfix is down (retrying $(mail_of "$name" retrying), given_up $(mail_of "$name" given_up))" \
    [ "$(mail_of "$name" retrying)" -ge 1 -a "$(mail_of "$name" given_up)" -eq 0 ]
done

# --- Postfix back: the retries deliver.
t_start=$(now_s)
start_postfix
# The longest wait now is the third backoff step, 20 s (the failures so far:
# at the hand-over, +5 s, and possibly +15 s by the time Postfix listens).
if wait_until 25 settled; then
  echo "measured: queued mails delivered $(elapsed "$t_start" "$(now_s)") s after Postfix started" \
    "(it was started $(elapsed "$t_handover" "$t_start") s after the hand-over)"
else
  fail "queued mails not delivered within 25 s of Postfix starting (mailbox $(postfix_mail_count "$PF_STATE" "$RCPT"))"
fi
queue_clean() {
  ctl "$1" status --json | jq -e '.result.mail | .waiting == 0 and .retrying == 0 and .given_up == 0 and
    .dropped == 0 and .sent == .enqueued' >/dev/null
}
for name in master backup; do
  grep smtp "$DAEMON_DIR/$name.log" | grep -E 'retry [0-9]+ in|sent "' | sed "s/^/  $name: /"
  check "$name's status after delivery: nothing waiting, retrying, given up or dropped, sent == enqueued" \
    queue_clean "$name"
done
judge_mails "hand-over while Postfix was down" "$(all_transitions)"
mail_finish
