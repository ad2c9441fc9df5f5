# shellcheck shell=bash
# Verdicts and time arithmetic shared by every netns and vm test script.
# Source first; the script exits with "$failures" (0: every check passed).
#
#   check DESCRIPTION CMD...      CMD's success is the check: "ok: ..." or "FAIL: ..."
#   check_not DESCRIPTION CMD...  the same, CMD must fail
#   fail MSG / ok MSG             a verdict the script decided itself
#   topo_fail MSG                 a harness or precondition problem: FAIL and exit 1
#   measured MSG                  a figure for the report, not a verdict
#   now_s                         wall clock, seconds with nanoseconds (the clock of pcap and ip -ts)
#   elapsed FROM TO / since FROM  TO - FROM / now - FROM, seconds, 3 decimals
#   plus A B                      A + B, 3 decimals
#   le A B / ge A B               numeric comparisons of decimals (awk, not bash integers)

failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
ok() { echo "ok: $*"; }
check() {
  local what=$1
  shift
  if "$@"; then ok "$what"; else fail "$what"; fi
}
check_not() {
  local what=$1
  shift
  if "$@"; then fail "$what"; else ok "$what"; fi
}
# Not a verdict on the daemon: stop here (the caller's EXIT trap prints logs).
topo_fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
  exit 1
}
measured() { echo "measured: $*"; }

now_s() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
since() { elapsed "$1" "$(now_s)"; }
plus() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a + b }'; }
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a <= b) }'; }
ge() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a >= b) }'; }
