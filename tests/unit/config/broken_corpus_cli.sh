#!/bin/sh
# havipd --check-config on every config of the broken corpus
# (tests/testdata/config/broken): exit status 1, and the first line of stderr
# is the one in NAME.expect (FILE relative to the corpus, @DIR@ = the corpus
# directory). Usage: broken_corpus_cli.sh HAVIPD SRC
set -u
havipd=$1
dir=$2/tests/testdata/config/broken
fail=0
count=0
err=$(mktemp)
trap 'rm -f "$err"' EXIT

for conf in "$dir"/*.conf; do
  name=$(basename "$conf" .conf)
  count=$((count + 1))
  expected="$dir/$(head -n 1 "$dir/$name.expect" | sed "s|@DIR@|$dir|g")"
  "$havipd" --check-config "$conf" >/dev/null 2>"$err"
  rc=$?
  if [ $rc -ne 1 ]; then
    echo "FAIL: $name: exit status $rc, expected 1"; head -c 2000 "$err"; echo; fail=1
    continue
  fi
  first=$(head -n 1 "$err")
  if [ "$first" != "$expected" ]; then
    echo "FAIL: $name: first line of stderr"
    echo "  got:      $(printf '%s' "$first" | head -c 400)"
    echo "  expected: $expected"
    fail=1
  fi
done

if [ $count -lt 30 ]; then
  echo "FAIL: only $count configs in $dir (at least 30 expected)"; fail=1
fi
[ $fail -eq 0 ] && echo "broken corpus: all $count refused at their position"
exit $fail
