#!/usr/bin/env bash
# make_deb.sh BUILD_DIR OUT_DIR — on the host, before vm_systemd_unit boots:
# builds havipd and havipctl and the package `cpack -G DEB` makes of them, into
# OUT_DIR (emptied first, so the guest can never install a stale .deb).
set -euo pipefail
build=$1 out=$2
fail() { echo "FAIL: $*" >&2; exit 1; }
[[ -r $build/CPackConfig.cmake ]] || fail "no $build/CPackConfig.cmake (cmake/packaging.cmake not included?)"
command -v dpkg-deb >/dev/null || fail "dpkg-deb is missing: cpack -G DEB needs it"
cmake --build "$build" --target havipd havipctl -j2 || fail "building havipd havipctl failed"
rm -rf "$out"
mkdir -p "$out"
start=$EPOCHREALTIME
(cd "$build" && cpack -G DEB -B "$out") || fail "cpack -G DEB failed"
shopt -s nullglob
debs=("$out"/havip_*.deb)
[[ ${#debs[@]} -eq 1 ]] || fail "expected one havip_*.deb in $out, found ${#debs[@]}"
echo "ok: built ${debs[0]} ($(stat -c %s "${debs[0]}") bytes)"
awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "measured: cpack -G DEB %.1f s\n", b - a }'
dpkg-deb -f "${debs[0]}" Package Version Depends
