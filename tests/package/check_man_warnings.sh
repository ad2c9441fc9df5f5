#!/bin/sh
# Each man page formats without a single groff warning (`man --warnings -l`,
# which turns on groff's -w w warnings), and renders its NAME section.
# usage: check_man_warnings.sh MAN_DIR
set -u
dir=$1
failed=0
for page in havipd.8 havipctl.8 havipd.conf.5; do
	if [ ! -f "$dir/$page" ]; then
		echo "FAIL: $dir/$page missing"
		failed=1
		continue
	fi
	out=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l "$dir/$page" 2>"${TMPDIR:-/tmp}/man-warn.$$")
	rc=$?
	warnings=$(cat "${TMPDIR:-/tmp}/man-warn.$$")
	rm -f "${TMPDIR:-/tmp}/man-warn.$$"
	if [ $rc -ne 0 ] || [ -n "$warnings" ]; then
		echo "FAIL: $page: man exited $rc with:"
		echo "$warnings"
		failed=1
	elif ! printf '%s\n' "$out" | grep -q '^NAME'; then
		echo "FAIL: $page: rendered without a NAME section"
		failed=1
	else
		echo "ok: $page ($(printf '%s\n' "$out" | wc -l) lines, no warnings)"
	fi
done
exit $failed
