#!/bin/sh
# havipd --check-config on the shipped configs (exit 0, one summary line per
# instance and virtual server, the seed's tracking trap as a warning) and on a
# config with an unknown keyword at 7:5
# (exit 1, the position in the output). Usage: check_config_cli.sh HAVIPD SRC
set -u
havipd=$1
src=$2
fail=0
out=$(mktemp)
trap 'rm -f "$out"' EXIT

for conf in "$src/conf/master.conf" "$src/conf/backup.conf" "$src/tests/testdata/config/seed-verbatim.conf"; do
  if "$havipd" --check-config "$conf" >"$out" 2>&1; then
    if ! grep -q '^vrrp_instance VI_1: eth0 vrid 51 ' "$out"; then
      echo "FAIL: $conf: no summary line for VI_1:"; cat "$out"; fail=1
    fi
  else
    echo "FAIL: $conf should pass --check-config:"; cat "$out"; fail=1
  fi
done
for conf in "$src/conf/master.conf" "$src/conf/backup.conf"; do
  "$havipd" -t "$conf" >"$out" 2>&1
  if ! grep -q '^virtual_server 10.11.12.99:80 TCP: rr NAT ' "$out"; then
    echo "FAIL: $conf: no summary line for the virtual server:"; cat "$out"; fail=1
  fi
done

# The seed's trap is a warning (exit stays 0) at the track_script entry.
if "$havipd" --check-config "$src/conf/master.conf" >"$out" 2>&1; then
  if ! grep -qF "$src/conf/master.conf:32:9: warning: vrrp_instance VI_1: track_script chk_service (weight 2) moves this router's priority between 100 and 102 only" "$out"; then
    echo "FAIL: master.conf: no tracking warning:"; cat "$out"; fail=1
  fi
fi
if ! "$havipd" --check-config "$src/tests/testdata/config/lint/fixed-master.conf" >"$out" 2>&1; then
  echo "FAIL: fixed-master.conf should pass:"; cat "$out"; fail=1
elif grep -q "warning" "$out"; then
  echo "FAIL: fixed-master.conf should have no warning:"; cat "$out"; fail=1
fi

broken="$src/tests/testdata/config/unknown-7-5.conf"
if "$havipd" --check-config "$broken" >"$out" 2>&1; then
  echo "FAIL: $broken should fail --check-config"; cat "$out"; fail=1
elif ! grep -q "^$broken:7:5: unknown keyword 'advert_intervall'" "$out"; then
  echo "FAIL: $broken: expected ...:7:5: in:"; cat "$out"; fail=1
fi

if "$havipd" -t /nonexistent/havip.conf >"$out" 2>&1; then
  echo "FAIL: an unreadable file should fail"; fail=1
elif ! grep -q '^/nonexistent/havip.conf: cannot read: No such file or directory' "$out"; then
  echo "FAIL: unreadable file message:"; cat "$out"; fail=1
fi

[ $fail -eq 0 ] && echo "check-config CLI: all passed"
exit $fail
