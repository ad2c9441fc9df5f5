#!/bin/sh
# havipctl lint as users run it, no daemon anywhere: the seed's pair shows the
# trap (exit 1, "never moves mastership", a concrete fix), the fixed pair is
# clean (exit 0), a wrong command line is a usage error (exit 2), and a file
# that does not parse is a problem (exit 1). Usage: lint_cli.sh HAVIPCTL SRC
set -u
havipctl=$1
src=$2
fail=0
out=$(mktemp)
trap 'rm -f "$out"' EXIT

"$havipctl" lint "$src/conf/master.conf" "$src/conf/backup.conf" >"$out" 2>&1
rc=$?
if [ $rc -ne 1 ]; then
  echo "FAIL: seed pair: exit $rc, expected 1:"; cat "$out"; fail=1
fi
for expected in \
  "master.conf:32:9: problem: VI_1 (vrid 51): track_script chk_service never moves mastership" \
  "is at 102 with chk_service OK and 100 when it fails, still above the backup" \
  "a weight of 2 cannot bridge a priority gap of 10" \
  "Use weight -20 on both" \
  "havipctl lint: $src/conf/master.conf and $src/conf/backup.conf: 1 problem"; do
  if ! grep -qF "$expected" "$out"; then
    echo "FAIL: seed pair: no '$expected' in:"; cat "$out"; fail=1
  fi
done

fixed="$src/tests/testdata/config/lint"
"$havipctl" lint "$fixed/fixed-master.conf" "$fixed/fixed-backup.conf" >"$out" 2>&1
rc=$?
if [ $rc -ne 0 ]; then
  echo "FAIL: fixed pair: exit $rc, expected 0:"; cat "$out"; fail=1
elif ! grep -qF "track_script chk_memory [track_memory] moves mastership" "$out" ||
     ! grep -qF ": clean" "$out"; then
  echo "FAIL: fixed pair output:"; cat "$out"; fail=1
fi

"$havipctl" lint "$src/conf/master.conf" >"$out" 2>&1
rc=$?
if [ $rc -ne 2 ] || ! grep -qF "lint needs two files" "$out"; then
  echo "FAIL: one file: exit $rc, expected 2 and a usage message:"; cat "$out"; fail=1
fi

"$havipctl" lint "$src/conf/master.conf" "$src/tests/testdata/config/unknown-7-5.conf" >"$out" 2>&1
rc=$?
if [ $rc -ne 1 ] || ! grep -qF "unknown-7-5.conf:7:5: unknown keyword 'advert_intervall'" "$out"; then
  echo "FAIL: broken file: exit $rc, expected 1 and its error:"; cat "$out"; fail=1
fi

[ $fail -eq 0 ] && echo "lint CLI: all passed"
exit $fail
