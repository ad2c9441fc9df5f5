#!/bin/sh
# sanitizer_reports.sh reset|check DIR: the asan preset's bracket around the
# unit and netns tests. reset empties DIR; check fails, printing every report,
# if any sanitizer wrote one (ASAN_OPTIONS/UBSAN_OPTIONS log_path=DIR/...).
set -eu
action=$1 dir=$2
case $action in
  reset)
    rm -rf "$dir"
    mkdir -p "$dir"
    ;;
  check)
    [ -d "$dir" ] || { echo "sanitizer_reports: $dir is missing (was the reset test run?)"; exit 1; }
    count=0
    for report in "$dir"/*; do
      [ -e "$report" ] || continue
      count=$((count + 1))
      echo "== $report"
      cat "$report"
    done
    if [ "$count" -gt 0 ]; then
      echo "sanitizer_reports: $count report(s) in $dir"
      exit 1
    fi
    echo "sanitizer_reports: no reports in $dir"
    ;;
  *)
    echo "usage: sanitizer_reports.sh reset|check DIR" >&2
    exit 2
    ;;
esac
