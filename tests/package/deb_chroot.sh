#!/bin/sh
# The .deb installs with apt into a fresh Debian 12 chroot and puts every
# file where the man pages say; the service is enabled and not started; a
# remove keeps the conffiles, a purge removes everything.
#
# 1. A fresh `debootstrap --variant=minbase bookworm` chroot from the mirror
#    in /etc/apt/sources.list(.d). The first run debootstraps and keeps the
#    pristine result as BUILD/package-test/bookworm-minbase.tar; later runs
#    unpack that tarball (every run starts from the same untouched chroot).
#    Delete the tarball to debootstrap again.
# 2. cpack -G DEB from BUILD (output under BUILD/package-test/cpack).
# 3. apt-get install ./havip_*.deb inside it (apt resolves Depends from the
#    mirror), the checks, apt-get remove, apt-get purge, the checks.
# Needs root, debootstrap and the network. /proc is not mounted: nothing
# here needs it.
# usage: deb_chroot.sh BUILD_DIR SOURCE_DIR
set -eu

build=$(realpath "$1")
source=$(realpath "$2")
work=$build/package-test
cache=$work/bookworm-minbase.tar
root=$work/chroot
suite=bookworm

fail() {
	echo "FAIL: $*"
	exit 1
}
[ "$(id -u)" = 0 ] || fail "needs root (debootstrap and chroot)"
command -v debootstrap >/dev/null || fail "debootstrap is not installed (apt-get install debootstrap)"
command -v cpack >/dev/null || fail "cpack is not installed"

now() { date +%s.%N; }
t_start=$(now)
phase_start=$t_start
phase() {
	t=$(now)
	awk -v t="$t" -v s="$t_start" -v p="$phase_start" -v what="$1" \
		'BEGIN { printf "[%6.1f s] %s (%.1f s)\n", t - s, what, t - p }'
	phase_start=$t
}

# Anything mounted under the chroot is unmounted before it is removed; a
# mount that cannot be undone stops the removal rather than recursing into it.
cleanup() {
	if [ -d "$root" ]; then
		for m in $(findmnt -rn -o TARGET | grep "^$root" | sort -r); do
			umount "$m" || umount -l "$m" || true
		done
		if findmnt -rn -o TARGET | grep -q "^$root"; then
			echo "cleanup: $root still has mounts; not removing it"
		else
			rm -rf "$root"
		fi
	fi
}
trap cleanup EXIT INT TERM
cleanup
mkdir -p "$work"

# 1. the chroot
mirror=$(sed -n "s/^URIs:[[:space:]]*//p" /etc/apt/sources.list.d/*.sources 2>/dev/null |
	tr ' ' '\n' | grep -E '/debian/?$' | head -n 1 || true)
if [ -z "$mirror" ] && [ -f /etc/apt/sources.list ]; then
	mirror=$(awk '$1 == "deb" && $3 == "'$suite'" { print $2; exit }' /etc/apt/sources.list)
fi
[ -n "$mirror" ] || fail "no Debian mirror found in /etc/apt/sources.list(.d)"
if [ ! -f "$cache" ]; then
	echo "debootstrap --variant=minbase $suite from $mirror (cold: no $cache)"
	rm -rf "$root"
	debootstrap --variant=minbase "$suite" "$root" "$mirror" >"$work/debootstrap.log" 2>&1 ||
		{ tail -n 30 "$work/debootstrap.log"; fail "debootstrap failed"; }
	tar -C "$root" -cf "$cache.tmp" . && mv "$cache.tmp" "$cache"
	phase "debootstrap (cold), tarball cached"
else
	mkdir -p "$root"
	tar -C "$root" -xf "$cache"
	phase "chroot unpacked from $cache"
fi
in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
	DEBIAN_FRONTEND=noninteractive LC_ALL=C "$@"; }
cp /etc/resolv.conf "$root/etc/resolv.conf"
printf 'deb %s %s main\n' "$mirror" "$suite" >"$root/etc/apt/sources.list"
[ -d "$root/run/systemd/system" ] && fail "the chroot has /run/systemd/system: the test needs systemd absent"

# 2. the package
rm -rf "$work/cpack"
(cd "$build" && cpack -G DEB -B "$work/cpack") >"$work/cpack.log" 2>&1 ||
	{ cat "$work/cpack.log"; fail "cpack -G DEB failed"; }
deb=$(ls "$work"/cpack/havip_*.deb 2>/dev/null | head -n 1)
[ -n "$deb" ] || fail "cpack made no havip_*.deb (see $work/cpack.log)"
echo "package: $(basename "$deb"): $(dpkg-deb -f "$deb" Depends)"
phase "cpack"

# 3. install with apt
cp "$deb" "$root/tmp/"
in_root apt-get update -q >"$work/apt.log" 2>&1 || { cat "$work/apt.log"; fail "apt-get update failed"; }
in_root apt-get install -y -q --no-install-recommends "/tmp/$(basename "$deb")" >>"$work/apt.log" 2>&1 ||
	{ tail -n 40 "$work/apt.log"; fail "apt-get install ./$(basename "$deb") failed"; }
phase "apt-get update + install"

failed=0
check() {
	# check DESCRIPTION COMMAND...: runs COMMAND, reports ok or FAIL.
	what=$1
	shift
	if "$@" >"$work/check.out" 2>&1; then
		echo "ok: $what"
	else
		echo "FAIL: $what"
		sed 's/^/    /' "$work/check.out"
		failed=1
	fi
}
status_is() { [ "$(in_root dpkg-query -W -f '${db:Status-Abbrev}' havip 2>/dev/null | tr -d ' ')" = "$1" ]; }

check "dpkg: havip installed (ii)" status_is ii
installed=$(python3 "$source/tests/package/manfiles.py" "$source/docs/man")
for path in $installed; do
	check "man FILES: $path present" test -e "$root$path"
done
for page in man8/havipd.8.gz man8/havipctl.8.gz man5/havipd.conf.5.gz; do
	check "man page /usr/share/man/$page present" test -f "$root/usr/share/man/$page"
done
check "havipd --version in the chroot prints havipd $(dpkg-deb -f "$deb" Version)" \
	sh -c "chroot '$root' /usr/sbin/havipd --version | grep -qx 'havipd $(dpkg-deb -f "$deb" Version)'"
check "havipctl --version runs in the chroot" chroot "$root" /usr/sbin/havipctl --version
check "havipd --check-config /etc/havip/havipd.conf.example exits 0" \
	chroot "$root" /usr/sbin/havipd --check-config /etc/havip/havipd.conf.example
check "conffile /etc/havip/havipd.conf.example registered" \
	sh -c "chroot '$root' dpkg-query -W -f '\${Conffiles}' havip | grep -q ' /etc/havip/havipd.conf.example '"
wants=$root/etc/systemd/system/multi-user.target.wants/havipd.service
check "enabled: multi-user.target.wants/havipd.service -> the unit" \
	sh -c "[ -L '$wants' ] && readlink '$wants' | grep -Eq '^(/usr)?/lib/systemd/system/havipd.service$'"
rooted_here() {
	# Processes whose root is the chroot: a daemon the install started.
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/root" 2>/dev/null)" = "$root" ] && echo "pid ${p#/proc/}: $(cat "$p/comm" 2>/dev/null)"
	done
	return 0
}
no_process_in_root() {
	found=$(rooted_here)
	[ -z "$found" ] || { echo "$found"; return 1; }
}
check "no process runs in the chroot (no daemon started without systemd)" no_process_in_root
phase "checks after install"

# 4. remove: programs gone, conffile kept; purge: everything gone
in_root apt-get remove -y -q havip >>"$work/apt.log" 2>&1 || { tail -n 20 "$work/apt.log"; fail "apt-get remove failed"; }
check "after remove: dpkg status rc (config-files)" status_is rc
check "after remove: /usr/sbin/havipd gone" test ! -e "$root/usr/sbin/havipd"
check "after remove: conffile /etc/havip/havipd.conf.example kept" test -f "$root/etc/havip/havipd.conf.example"
check "after remove: unit masked until purge (/etc/systemd/system/havipd.service -> /dev/null)" \
	sh -c "[ \"\$(readlink '$root/etc/systemd/system/havipd.service')\" = /dev/null ]"
in_root apt-get purge -y -q havip >>"$work/apt.log" 2>&1 || { tail -n 20 "$work/apt.log"; fail "apt-get purge failed"; }
check "after purge: dpkg knows no havip" sh -c "! chroot '$root' dpkg-query -W havip"
for path in $installed /usr/share/man/man8/havipd.8.gz /usr/share/man/man8/havipctl.8.gz \
	/usr/share/man/man5/havipd.conf.5.gz /etc/havip /usr/share/doc/havip; do
	check "after purge: $path gone" test ! -e "$root$path"
done
check "after purge: enable symlink gone" test ! -e "$wants" -a ! -L "$wants"
check "after purge: no deb-systemd-helper state left for havipd" \
	sh -c "! find '$root/var/lib/systemd' -name 'havipd*' 2>/dev/null | grep -q ."
check "after purge: no mask left (/etc/systemd/system/havipd.service)" \
	test ! -e "$root/etc/systemd/system/havipd.service" -a ! -L "$root/etc/systemd/system/havipd.service"
phase "remove + purge + checks"

[ $failed = 0 ] && echo "PASS: deb installed, checked and purged in a fresh $suite chroot" || true
exit $failed
