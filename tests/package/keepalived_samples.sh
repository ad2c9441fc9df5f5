#!/bin/sh
# Runs `havipd --check-config` over every keepalived.conf sample Debian's
# keepalived 2.2.7 ships (/usr/share/doc/keepalived/samples, gunzipped into a
# temp dir) and prints, per sample, loaded or refused with the refusal
# keywords; then the counts (docs/migration.md quotes them).
# Asserts what must hold for any file: havipd exits 0 or 1 (never a crash or
# a usage error), a refusal ends with "FILE: N error(s)", and every other
# error line is located as FILE:LINE:COL.
# usage: keepalived_samples.sh HAVIPD [SAMPLES_DIR]
set -eu

havipd=$(realpath "$1")
samples=${2:-/usr/share/doc/keepalived/samples}
if [ ! -x "$havipd" ]; then
	echo "FAIL: $havipd is not executable (build havipd first)"
	exit 1
fi
if [ ! -d "$samples" ]; then
	echo "FAIL: $samples missing: install Debian's keepalived (tools/bootstrap does)"
	exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for f in "$samples"/keepalived.conf.*; do
	name=$(basename "$f" .gz)
	case $f in
	*.gz) gzip -dc "$f" >"$tmp/$name" ;;
	*) cp "$f" "$tmp/$name" ;;
	esac
done

loaded=0
refused=0
failed=0
: >"$tmp/all-refusals"
for conf in "$tmp"/keepalived.conf.*; do
	name=$(basename "$conf")
	rc=0
	(cd "$tmp" && "$havipd" --check-config "$name") >"$tmp/out" 2>"$tmp/err" || rc=$?
	case $rc in
	0)
		loaded=$((loaded + 1))
		echo "loaded   $name"
		;;
	1)
		refused=$((refused + 1))
		if ! tail -n 1 "$tmp/err" | grep -Eq "^$name: [0-9]+ errors?\$"; then
			echo "FAIL: $name: last line is not '$name: N errors': $(tail -n 1 "$tmp/err")"
			failed=1
		fi
		if sed '$d' "$tmp/err" | grep -Ev "^[^:]+:[0-9]+:[0-9]+: " >"$tmp/unlocated"; then
			echo "FAIL: $name: error lines without FILE:LINE:COL:"
			cat "$tmp/unlocated"
			failed=1
		fi
		# The reasons, shortened to what was refused.
		reasons=$(sed '$d' "$tmp/err" | grep -v '^[^ ]* warning: ' | sed -n \
			-e "s/^[^ ]* unsupported: \([^ ]*\).*$/unsupported: \1/p" \
			-e "s/^[^ ]* \(unknown keyword '[^']*'\).*/\1/p" \
			-e "s/^[^ ]* \(IPv6 is not supported\).*/\1/p" \
			-e "/unsupported:\|unknown keyword\|IPv6 is not/!s/^[^ ]* \(.*\)$/other: \1/p" |
			sort | uniq -c | sort -rn | awk '{c=$1; $1=""; printf "%s%s(x%d)", (NR>1?"; ":""), substr($0,2), c}')
		echo "refused  $name: $reasons"
		sed '$d' "$tmp/err" | sed -n 's/^[^ ]* unsupported: \([^ ]*\).*$/\1/p' >>"$tmp/all-refusals"
		;;
	*)
		failed=1
		echo "FAIL: $name: havipd --check-config exited $rc"
		cat "$tmp/err"
		;;
	esac
done
echo "samples: $((loaded + refused)): loaded $loaded, refused $refused"
echo "unsupported keywords, by number of samples' lines:"
sort "$tmp/all-refusals" | uniq -c | sort -rn
[ $((loaded + refused)) -gt 0 ] || { echo "FAIL: no samples in $samples"; exit 1; }
exit $failed
