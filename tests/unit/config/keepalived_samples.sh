#!/bin/sh
# havipd --check-config over the keepalived.conf samples Debian ships
# (/usr/share/doc/keepalived/samples, gzipped or not). Each must either load
# (exit 0) or be refused (exit 1) with every error an "unsupported: ..." line:
# never "unknown keyword" for something keepalived documents, never another
# error, never a crash. Prints a table: sample, result, unsupported keywords.
# One exception, judged by keepalived itself: an error about a line that
# keepalived 2.2.7 rejects too (`keepalived -t` prints "Unknown keyword 'X'")
# is not havip's doing, nor is a vrrp_sync_group left empty by such lines
# (keepalived removes a sync group that has no virtual router).
# keepalived is a bootstrap dependency, so a missing directory is a failure.
# Usage: keepalived_samples.sh HAVIPD [SAMPLES_DIR]
set -u
havipd=$1
samples=${2:-/usr/share/doc/keepalived/samples}
if [ ! -d "$samples" ]; then
  echo "FAIL: $samples is missing: install keepalived (tools/bootstrap installs it)"
  exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

found=0
for f in "$samples"/keepalived.conf*; do
  [ -e "$f" ] || continue
  found=$((found + 1))
  case $f in
    *.gz) gunzip -c "$f" >"$work/$(basename "$f" .gz)" ;;
    *) cp "$f" "$work/" ;;
  esac
done
if [ $found -eq 0 ]; then
  echo "FAIL: no keepalived.conf* in $samples"
  exit 1
fi

fail=0
loaded=0
refused=0
printf '%-40s %-8s %s\n' sample result "unsupported keywords"
for conf in "$work"/keepalived.conf*; do
  name=$(basename "$conf")
  "$havipd" --check-config "$conf" >"$work/out" 2>"$work/err"
  rc=$?
  # Error lines: FILE:LINE:COL: message (not warnings, not the "N errors" tail).
  grep -v ': warning: ' "$work/err" | grep -E "^$conf:[0-9]+:[0-9]+: " | sed "s|^$conf:[0-9]*:[0-9]*: ||" >"$work/errors"
  keywords=$(sed -n 's/^unsupported: \([^ (]*\).*/\1/p' "$work/errors" | sort -u | tr '\n' ' ')
  if [ $rc -eq 0 ]; then
    loaded=$((loaded + 1))
    printf '%-40s %-8s %s\n' "$name" loaded "-"
  elif [ $rc -eq 1 ]; then
    refused=$((refused + 1))
    printf '%-40s %-8s %s\n' "$name" refused "$keywords"
    if [ ! -s "$work/errors" ]; then
      echo "FAIL: $name: refused without a located error:"; cat "$work/err"; fail=1
    elif grep -v '^unsupported: ' "$work/errors" >"$work/other"; then
      keepalived -t -l -D -f "$conf" >"$work/ka" 2>&1
      emptied=no
      while IFS= read -r line; do
        word=$(printf '%s\n' "$line" | sed -n "s/^unknown keyword '\([^']*\)'.*/\1/p")
        group=$(printf '%s\n' "$line" | sed -n "s/^vrrp_sync_group '\([^']*\)' has no group.*/\1/p")
        if [ -n "$word" ] && grep -qF "Unknown keyword '$word'" "$work/ka"; then
          echo "  (keepalived 2.2.7 rejects it too: $line)"
          case $line in *" in vrrp_sync_group") emptied=yes ;; esac
        elif [ -n "$group" ] && [ $emptied = yes ]; then
          echo "  (left empty by the lines keepalived rejects too: $line)"
        else
          echo "FAIL: $name: refused for something other than 'unsupported: ...': $line"; fail=1
        fi
      done <"$work/other"
    fi
  else
    printf '%-40s %-8s %s\n' "$name" "exit $rc" ""
    echo "FAIL: $name: exit status $rc (a crash or signal?):"; cat "$work/err"; fail=1
  fi
done
echo "samples: $found, loaded $loaded, refused (unsupported only) $refused"
[ $fail -eq 0 ] && echo "keepalived samples: all passed"
exit $fail
