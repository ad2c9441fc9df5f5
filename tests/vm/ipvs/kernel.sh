#!/usr/bin/env bash
# Runs inside the vmtest guest (havip_vm_test vm_ipvs_kernel): ipvs_kernel_test
# in four phases, because what it proves depends on the module being there:
#   1. ip_vs modules hidden       -> Unavailable.*  (open() says FamilyNotFound)
#   2. installed, not loaded      -> Autoload.*     (open() loads ip_vs)
#   3. namespace with lo up       -> everything else (kernel vs fake vs ipvsadm)
#   4. a namespace with lo down   -> BareNamespace.*
set -euo pipefail

fail() { echo "FAIL: $*" >&2; exit 1; }
[[ ${VMTEST:-} == 1 ]] || fail "run me through tools/vmtest/run (ctest -L vm), not on the host"
bin=${HAVIP_TESTS:?}/ipvs_kernel_test
[[ -x $bin ]] || fail "$bin not built (cmake --build BUILD --target ipvs_kernel_test)"

ns=havipvm-ipvs
bare=havipvm-ipvs-bare
cleanup() { ip netns del "$ns" 2>/dev/null || true; ip netns del "$bare" 2>/dev/null || true; }
trap cleanup EXIT

phase() { echo "=== $* (uptime $(cut -d' ' -f1 /proc/uptime) s)"; }

phase "1. no ip_vs module to load"
! grep -q '^ip_vs ' /proc/modules || fail "ip_vs is loaded before the test loaded it"
# An empty directory over the modules, as on a kernel built without IPVS.
moddir=/usr/lib/modules/$(uname -r)/kernel/net/netfilter/ipvs
[[ -e $moddir/ip_vs.ko ]] || fail "no $moddir/ip_vs.ko in the guest"
mount -t tmpfs hidden "$moddir"
"$bin" --gtest_brief=1 --gtest_filter='Unavailable.*'
umount "$moddir"

phase "2. the module installed, not loaded: open() loads it"
"$bin" --gtest_brief=1 --gtest_filter='Autoload.*'

phase "3. ip_vs and schedulers loaded, namespace $ns"
modprobe -a ip_vs ip_vs_rr ip_vs_wrr ip_vs_wlc || fail "modprobe ip_vs failed"
ip netns add "$ns"
ip -n "$ns" link set lo up
ip netns exec "$ns" "$bin" --gtest_brief=1 --gtest_filter='-Unavailable.*:Autoload.*:BareNamespace.*'
# IPVS tables are per namespace: nothing leaked into the guest's own.
[[ -z $(ipvsadm -Ln | sed -n '4,$p') ]] || fail "services leaked out of $ns: $(ipvsadm -Ln)"

phase "4. namespace $bare, lo down"
ip netns add "$bare"
ip netns exec "$bare" "$bin" --gtest_brief=1 --gtest_filter='BareNamespace.*'
phase "PASS"
