# A real Postfix (Debian's package) inside a test namespace, with every file
# it writes under one temp dir STATE: its config (STATE/conf, from the
# templates in tests/netns/mail/postfix/), queue, data directory, log
# (STATE/maillog) and the recipients' maildirs (STATE/spool/USER/new/, one
# file per delivered mail). The host's Postfix config, queue and /var/mail are
# left alone, and Postfix never runs in the host's network namespace.
# Source after topology.sh (uses topo_fail and wait_until).
#
#   postfix_need                    fails, with the reason, when Postfix is missing
#   postfix_ensure_user USER        a login-less system user for local delivery (idempotent)
#   postfix_prepare STATE           writes STATE/conf, creates queue, data and spool dirs
#   postfix_start NS STATE          postfix -c STATE/conf start in NS; returns once port 25 listens
#   postfix_stop NS STATE           postfix stop; returns once its master process has exited
#   postfix_running STATE           true while its master process exists
#   postfix_queue_empty STATE       no mail in Postfix's queue (all delivered, or none came)
#   postfix_maildir STATE USER      USER's maildir "new" directory
#   postfix_mail_count STATE USER   mails delivered to USER
#   postfix_print_log STATE         the end of Postfix's own log, for a failing test

POSTFIX_TEMPLATES=${POSTFIX_TEMPLATES:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../mail/postfix" && pwd)}
POSTFIX_CMD=${POSTFIX_CMD:-/usr/sbin/postfix}

postfix_need() {
  [[ -x $POSTFIX_CMD ]] ||
    topo_fail "Postfix is not installed ($POSTFIX_CMD missing): run tools/bootstrap (Debian package postfix)"
  getent passwd postfix >/dev/null || topo_fail "user 'postfix' missing: the postfix package is broken, reinstall it"
  getent group postdrop >/dev/null || topo_fail "group 'postdrop' missing: the postfix package is broken, reinstall it"
  [[ -f $POSTFIX_TEMPLATES/main.cf.in && -f $POSTFIX_TEMPLATES/master.cf ]] ||
    topo_fail "Postfix templates not found in '$POSTFIX_TEMPLATES'"
}

postfix_ensure_user() {
  getent passwd "$1" >/dev/null && return 0
  # Local delivery runs as the recipient: it needs a passwd entry, not a home.
  useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$1" 2>/dev/null ||
    getent passwd "$1" >/dev/null || # a concurrent run may have just created it
    topo_fail "could not create user '$1' for local delivery"
}

postfix_prepare() {
  local state=$1
  # postfix check creates what the queue and data directories need inside
  # them, but not the queue directory itself.
  mkdir -p "$state/conf" "$state/spool" "$state/queue"
  # Postfix's daemons and the recipient (for its maildir) must reach into STATE.
  chmod 755 "$state" "$state/conf"
  # Like /var/mail's purpose: each recipient's maildir is created on first delivery.
  chmod 1777 "$state/spool"
  sed "s|@STATE@|$state|g" "$POSTFIX_TEMPLATES/main.cf.in" >"$state/conf/main.cf"
  cp "$POSTFIX_TEMPLATES/master.cf" "$state/conf/master.cf"
  : >"$state/maillog"
  runuser -u postfix -- test -r "$state/conf/main.cf" ||
    topo_fail "user postfix cannot reach $state: every parent directory must be searchable (chmod o+x)"
  # Creates queue_directory and data_directory with Postfix's owners and modes.
  "$POSTFIX_CMD" -c "$state/conf" check >>"$state/maillog" 2>&1 ||
    topo_fail "postfix check failed for $state/conf: $(tail -n 5 "$state/maillog")"
}

_postfix_master_pid() {
  local pidfile=$1/queue/pid/master.pid pid
  [[ -s $pidfile ]] || return 1
  pid=$(tr -dc 0-9 <"$pidfile")
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null && echo "$pid"
}

postfix_running() { _postfix_master_pid "$1" >/dev/null; }

_postfix_listening() { ip netns exec "$1" ss -Hltn 'sport = :25' | grep -q LISTEN; }

postfix_start() {
  local ns=$1 state=$2
  ip netns exec "$ns" "$POSTFIX_CMD" -c "$state/conf" start >>"$state/maillog" 2>&1 ||
    topo_fail "postfix start in $ns failed; its log: $(tail -n 20 "$state/maillog")"
  wait_until 10 _postfix_listening "$ns" ||
    topo_fail "Postfix in $ns does not listen on port 25 10 s after start; its log: $(tail -n 20 "$state/maillog")"
}

postfix_stop() {
  local ns=$1 state=$2 pid
  pid=$(_postfix_master_pid "$state") || return 0
  ip netns exec "$ns" "$POSTFIX_CMD" -c "$state/conf" stop >>"$state/maillog" 2>&1
  wait_until 10 bash -c "! kill -0 $pid 2>/dev/null" || kill -KILL "$pid" 2>/dev/null
  wait_until 5 bash -c "! { ip netns exec '$ns' ss -Hltn 'sport = :25' | grep -q LISTEN; }" ||
    topo_fail "port 25 in $ns still listens after postfix stop"
}

postfix_queue_empty() {
  local q=$1/queue
  [[ -z $(find "$q/maildrop" "$q/incoming" "$q/active" "$q/deferred" "$q/hold" -type f 2>/dev/null | head -n1) ]]
}

postfix_maildir() { echo "$1/spool/$2/new"; }

postfix_mail_count() {
  local dir
  dir=$(postfix_maildir "$1" "$2")
  [[ -d $dir ]] || {
    echo 0
    return
  }
  find "$dir" -maxdepth 1 -type f | wc -l
}

postfix_print_log() {
  echo "----- Postfix log ($1/maillog), last 60 lines"
  tail -n 60 "$1/maillog" 2>/dev/null
}
