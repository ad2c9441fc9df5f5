#!/usr/bin/env bash
# Issue 6: havipd.service under a real systemd. Runs in a guest booted by
# `tools/vmtest/run --systemd` (the host's systemd is PID 1), installs the
# .deb from DEB_DIR with dpkg -i and judges the unit with systemd's own tools:
# systemctl show/status, the journal (systemd at debug level logs each state
# change and each sd_notify message it receives), systemd-analyze security.
#   unit.sh DEB_DIR
set -uo pipefail

failures=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; failures=$((failures + 1)); }
die() { echo "FAIL: $*"; echo "FAIL: stopping here ($((failures + 1)) failure(s))"; exit 1; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }
measured() { echo "measured: $*"; }
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.2f", b - a }'; }
uptime_s() { local up _; read -r up _ </proc/uptime; echo "$up"; }
prop() { systemctl show -p "$1" --value havipd.service; }
# systemd's own log of the unit, with monotonic times comparable to /proc/uptime.
unit_journal() { journalctl -b -o short-monotonic --no-pager -u havipd.service; }
# The first journal line at or after uptime $1 that matches ERE $2, or nothing.
first_after() { unit_journal | awk -v t="$1" -v re="$2" '{ s = $0; sub(/^\[ */, "", s); if (s + 0 >= t && $0 ~ re) { print; exit } }'; }
stamp() { local s=${1#\[}; s=${s%%]*}; echo "${s// /}"; }

[[ ${VMTEST:-} == 1 ]] || die "run me through tools/vmtest/run --systemd, not on the host"
deb_dir=${1:?usage: unit.sh DEB_DIR}
shopt -s nullglob
debs=("$deb_dir"/havip_*.deb)
[[ ${#debs[@]} -eq 1 ]] || die "expected one havip_*.deb in $deb_dir (built by make_deb.sh), found ${#debs[@]}"
deb=${debs[0]}
t_test=$EPOCHREALTIME
# The whole journal stays with the job's logs (<build>/vm-logs/vm_systemd_unit).
trap 'journalctl -b -o short-monotonic --no-pager >/vmtest/journal.txt 2>&1' EXIT
echo "guest kernel $(uname -r), uptime at job start $(uptime_s) s"

# --- 1. systemd is PID 1 --------------------------------------------------------
comm=$(cat /proc/1/comm)
check "PID 1 is systemd (/proc/1/comm: $comm)" [ "$comm" == systemd ]
state=$(systemctl is-system-running --wait)
echo "systemctl is-system-running: $state; $(systemctl --version | head -n 1)"
if [[ $state != running ]]; then
  systemctl list-units --failed --no-legend --no-pager
  die "system state '$state', wanted 'running' (failed units above)"
fi
ok "systemctl is-system-running: running"
measured "boot to job: $(systemd-analyze time 2>/dev/null | head -n 1)"

# --- 2. install, configure ------------------------------------------------------
# As on a fresh Debian machine: this host's policy-rc.d (kept from the lab's
# package installs) would stop the postinst's deb-systemd-invoke start; and
# man-db's trigger re-indexing every manual page costs about a minute under TCG.
if [[ -e /usr/sbin/policy-rc.d ]]; then
  mv /usr/sbin/policy-rc.d /usr/sbin/policy-rc.d.vmtest
  echo "guest: moved this host's /usr/sbin/policy-rc.d aside"
fi
rm -f /var/lib/man-db/auto-update
t=$EPOCHREALTIME
dpkg -i "$deb" || die "dpkg -i $deb failed"
measured "dpkg -i $(basename "$deb"): $(since "$t") s"
check "dpkg -s havip: install ok installed" [ "$(dpkg-query -W -f '${Status}' havip)" == "install ok installed" ]
check "/usr/lib/systemd/system/havipd.service installed" [ -s /usr/lib/systemd/system/havipd.service ]
enabled=$(systemctl is-enabled havipd.service)
check "postinst enabled the unit (systemctl is-enabled: $enabled)" [ "$enabled" == enabled ]
# The postinst started it, and ConditionFileNotEmpty= kept it from running
# without a configuration.
cond=$(prop ConditionResult) active=$(prop ActiveState)
journal_cond=$(unit_journal | grep -m1 'ConditionFileNotEmpty')
echo "journal: $journal_cond"
check "postinst's start without /etc/havip/havipd.conf: $active, ConditionResult=$cond" \
  [ "$active" == inactive -a "$cond" == no -a -n "$journal_cond" ]

# The guest's own root namespace: an eth0 of its own, nothing to do with the host's.
ip link add eth0 type dummy || die "ip link add eth0 type dummy"
ip addr add 10.11.12.1/24 dev eth0
ip link set eth0 up
# The seed's VI_1 (conf/master.conf) without its mail and track script.
write_conf() {
  cat >/etc/havip/havipd.conf <<EOF
vrrp_instance VI_1 {
    state MASTER
    interface eth0
    virtual_router_id 51
    priority $1
    advert_int 1
    virtual_ipaddress {
        10.11.12.99
    }
    authentication {
        auth_type PASS
        auth_pass 1111
    }
}
EOF
}
write_conf 100
havipd --check-config /etc/havip/havipd.conf >/dev/null || die "havipd --check-config rejects the test's config"
systemctl daemon-reload || die "systemctl daemon-reload"
# systemd logs "Changed A -> B" and "Got notification message ... (READY=1)"
# at debug level only.
systemd-analyze log-level debug

# --- 3. start: active only once READY=1 arrived ---------------------------------
up_start=$(uptime_s)
t=$EPOCHREALTIME
systemctl start havipd.service || die "systemctl start havipd failed: $(systemctl status --no-pager havipd 2>&1 | tail -n 5)"
took=$(since "$t")
up_returned=$(uptime_s)
after=$(systemctl show -p ActiveState,SubState,ExecMainPID,StatusText,NRestarts,WatchdogUSec havipd.service | paste -sd' ')
measured "systemctl start havipd returned after $took s"
echo "right after start: $after"
pid=$(prop ExecMainPID)
check "after start: ActiveState=active SubState=running" [ "$(prop ActiveState)/$(prop SubState)" == active/running ]
check "after start: WatchdogUSec=10s, NRestarts=0" [ "$(prop WatchdogUSec)/$(prop NRestarts)" == 10s/0 ]
check "after start: ExecMainPID $pid is havipd" [ "$(cat "/proc/$pid/comm" 2>/dev/null)" == havipd ]
l_pre=$(first_after "$up_start" 'Changed dead -> start-pre')
l_start=$(first_after "$up_start" 'Changed start-pre -> start')
l_ready=$(first_after "$up_start" "Got notification message from PID $pid \\(READY=1")
l_running=$(first_after "$up_start" 'Changed start -> running')
l_started=$(first_after "$up_start" 'Started havipd.service')
l_own=$(first_after "$up_start" 'havipd\[[0-9]+\]: .*running [0-9]+ instance')
printf 'journal: %s\n' "$l_pre" "$l_start" "$l_ready" "$l_running" "$l_started" "$l_own"
check "journal: dead -> start-pre (ExecStartPre) -> start (activating while havipd runs)" [ -n "$l_pre" -a -n "$l_start" ]
check "journal: READY=1 from the main PID $pid" [ -n "$l_ready" ]
check "journal: start -> running only after READY=1 ($(stamp "$l_ready") <= $(stamp "$l_running"))" \
  awk -v a="$(stamp "$l_ready")" -v b="$(stamp "$l_running")" 'BEGIN { exit !(a != "" && b != "" && a + 0 <= b + 0) }'
check "systemctl start returned after READY=1 (READY at $(stamp "$l_ready"), returned at $up_returned)" \
  awk -v a="$(stamp "$l_ready")" -v b="$up_returned" 'BEGIN { exit !(a != "" && a + 0 <= b + 0) }'
measured "havipd activating (state start, process running, not yet READY): $(awk -v a="$(stamp "$l_start")" -v b="$(stamp "$l_running")" 'BEGIN { printf "%.3f", b - a }') s"
if status_json=$(havipctl status 2>&1); then
  ok "havipctl status answers on /run/havipd/control.sock"
else
  bad "havipctl status: $status_json"
fi
echo "$status_json" | head -n 8

check "still the same havipd after havipctl status (MainPID $(prop ExecMainPID), NRestarts $(prop NRestarts))" \
  [ "$(prop ExecMainPID)" == "$pid" -a "$(prop NRestarts)" == 0 ]

# The instance starts as BACKUP and takes over after Master_Down_Interval.
for _ in $(seq 1 40); do
  ip -o addr show dev eth0 | grep -q ' 10\.11\.12\.99/' && break
  sleep 0.25
done
check "VIP 10.11.12.99 on eth0 (MASTER)" bash -c "ip -o addr show dev eth0 | grep -q ' 10\\.11\\.12\\.99/'"
for _ in $(seq 1 20); do [[ $(prop StatusText) == *MASTER* ]] && break; sleep 0.25; done
status_before=$(prop StatusText)
check "StatusText after takeover: '$status_before'" [ "$status_before" == "VI_1 MASTER prio 100" ]

# --- 4. reload: RELOADING=1 then READY=1 ----------------------------------------
write_conf 150
up_reload=$(uptime_s)
t=$EPOCHREALTIME
systemctl reload havipd.service || bad "systemctl reload havipd failed"
measured "systemctl reload havipd returned after $(since "$t") s, state then: $(prop ActiveState)/$(prop SubState)"
for _ in $(seq 1 40); do [[ $(prop ActiveState) == active && $(prop StatusText) == *150* ]] && break; sleep 0.25; done
unit_journal | awk -v t="$up_reload" '{ s = $0; sub(/^\[ */, "", s); if (s + 0 >= t) print }' |
  grep -E 'Reloading|Reloaded|Changed|RELOADING|READY|SIGHUP|reload' | sed 's/^/journal: /'
check "journal: running -> reload (ActiveState reloading)" [ -n "$(first_after "$up_reload" 'Changed running -> reload')" ]
check "journal: RELOADING=1 with MONOTONIC_USEC from havipd" [ -n "$(first_after "$up_reload" 'RELOADING=1, MONOTONIC_USEC=[0-9]+')" ]
check "journal: READY=1 after RELOADING=1" [ -n "$(first_after "$(stamp "$(first_after "$up_reload" 'RELOADING=1')")" 'READY=1')" ]
check "journal: reload -> running" [ -n "$(first_after "$up_reload" 'Changed reload -> running')" ]
# systemd 252 has no Type=notify-reload (253+): the reload job waits for
# READY=1 only when RELOADING=1 arrived before /bin/kill exited; say which.
l_rready=$(first_after "$(stamp "$(first_after "$up_reload" 'RELOADING=1')")" 'READY=1')
l_rdone=$(first_after "$up_reload" 'Job [0-9]+ havipd.service/reload finished')
measured "reload job finished $(awk -v a="$(stamp "$l_rready")" -v b="$(stamp "$l_rdone")" 'BEGIN { printf "%+.3f", b - a }') s after havipd's READY=1 (negative: before it)"
check "havipd logged the reload" [ -n "$(first_after "$up_reload" 'havipd\[[0-9]+\]: .*reload: ')" ]
status_after=$(prop StatusText)
check "back to active, same PID: $(prop ActiveState) $(prop ExecMainPID)" [ "$(prop ActiveState)" == active -a "$(prop ExecMainPID)" == "$pid" ]
check "StatusText updated: '$status_before' -> '$status_after'" [ "$status_after" == "VI_1 MASTER prio 150" ]

# --- 5. systemctl status carries STATUS= -------------------------------------------
sc_status=$(systemctl status --no-pager havipd.service 2>&1)
line=$(grep -m1 'Status: ' <<<"$sc_status")
echo "systemctl status: $line"
check "systemctl status shows Status: \"$status_after\"" grep -qF "Status: \"$status_after\"" <<<"$line"

# --- 6. watchdog: a stopped event loop is killed and restarted ---------------------
pid=$(prop ExecMainPID) restarts=$(prop NRestarts)
up_stop=$(uptime_s)
t=$EPOCHREALTIME
kill -STOP "$pid"
newpid=''
for _ in $(seq 1 120); do
  sleep 0.5
  p=$(prop ExecMainPID)
  if [[ $p != "$pid" && $p != 0 && $(prop ActiveState) == active ]]; then newpid=$p; break; fi
done
back=$(since "$t")
l_wd=$(first_after "$up_stop" 'Watchdog timeout')
l_kill=$(first_after "$up_stop" 'Killing process .* with signal SIGABRT')
l_exit=$(first_after "$up_stop" 'Main process exited')
l_fail=$(first_after "$up_stop" "Failed with result 'watchdog'")
l_sched=$(first_after "$up_stop" 'Scheduled restart job')
printf 'journal: %s\n' "$l_wd" "$l_kill" "$l_exit" "$l_fail" "$l_sched"
check "journal: Watchdog timeout" [ -n "$l_wd" ]
check "journal: SIGABRT to the stopped havipd" [ -n "$l_kill" ]
check "journal: Failed with result 'watchdog', restart scheduled" [ -n "$l_fail" -a -n "$l_sched" ]
measured "SIGSTOP -> watchdog timeout: $(awk -v a="$up_stop" -v b="$(stamp "$l_wd")" 'BEGIN { printf "%.2f", b - a }') s (WatchdogSec=10s, havipd pings every 5 s)"
measured "SIGSTOP -> active again with a new MainPID: $back s"
after=$(systemctl show -p ActiveState,SubState,ExecMainPID,NRestarts havipd.service | paste -sd' ')
echo "after the watchdog: $after"
check "restarted: new MainPID ${newpid:-none} (was $pid), active" [ -n "$newpid" ]
check "NRestarts $restarts -> $(prop NRestarts)" [ "$(prop NRestarts)" == $((restarts + 1)) ]

# --- 7. systemd-analyze security, online ----------------------------------------
sec=$(timeout 120 systemd-analyze security --no-pager havipd.service 2>&1)
exposure=$(grep -m1 'Overall exposure level' <<<"$sec")
echo "systemd-analyze security: $exposure"
level=$(grep -oE 'havipd\.service: [0-9]+\.[0-9]+' <<<"$exposure" | grep -oE '[0-9.]+$')
check "exposure ${level:-?} <= 2.5" awk -v l="${level:-99}" 'BEGIN { exit !(l + 0 <= 2.5) }'

# --- 8. stop ------------------------------------------------------------------
systemctl stop havipd.service || bad "systemctl stop havipd failed"
check "after stop: $(prop ActiveState) (Result=$(prop Result))" [ "$(prop ActiveState)" == inactive ]
check "VIP 10.11.12.99 removed from eth0" bash -c "! ip -o addr show dev eth0 | grep -q ' 10\\.11\\.12\\.99/'"
ip -o addr show dev eth0

measured "the test: $(since "$t_test") s"
if [[ $failures -gt 0 ]]; then
  echo "FAIL: $failures check(s) failed"
  unit_journal | tail -n 60 | sed 's/^/journal: /'
  exit 1
fi
echo "PASS: havipd.service under systemd $(systemctl --version | awk 'NR == 1 { print $2 }'): READY, reload, STATUS, watchdog, security"
