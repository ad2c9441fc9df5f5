"""Shared by bench/failover and bench/memory: namespaces, daemons, small stats.

Everything here runs as root with iproute2. Namespaces carry the "bn-" prefix so
the benchmarks can run beside the netns tests; every namespace and process
made here is registered and removed by cleanup(), which the scripts call from
a finally block and from SIGINT/SIGTERM handlers.
"""

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

PREFIX = "bn-"
HUB = PREFIX + "hub"
VIP = "10.11.12.99"

SRC = Path(__file__).resolve().parent.parent


def default_bin() -> Path:
    env = os.environ.get("HAVIP_BIN")
    if env:
        return Path(env)
    for build in ("build-bench", "build"):
        if (SRC / build / "bin" / "havipd").exists():
            return SRC / build / "bin"
    return SRC / "build-bench" / "bin"


def die(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr)
    raise SystemExit(1)


def run(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(args, check=check, capture_output=True, text=True)


def need_root_and_tools(*tools: str) -> None:
    if os.geteuid() != 0:
        die("needs root (ip netns, raw sockets)")
    for tool in ("ip",) + tools:
        if shutil.which(tool) is None:
            die(f"{tool} is not installed (tools/bootstrap installs it)")


# Topology --------------------------------------------------------------------

_namespaces: list[str] = []
_processes: list[subprocess.Popen] = []


def netns_exists(name: str) -> bool:
    return name in run("ip", "netns", "list").stdout.split()


def remove_namespace(name: str) -> None:
    if not netns_exists(name):
        return
    pids = run("ip", "netns", "pids", name, check=False).stdout.split()
    for pid in pids:
        try:
            os.kill(int(pid), signal.SIGKILL)
        except (ProcessLookupError, ValueError):
            pass
    run("ip", "netns", "del", name, check=False)


def segment() -> None:
    """The hub namespace with bridge br0 (the seed's DMZ as one segment)."""
    remove_namespace(HUB)
    run("ip", "netns", "add", HUB)
    _namespaces.append(HUB)
    run("ip", "-n", HUB, "link", "add", "br0", "type", "bridge")
    run("ip", "-n", HUB, "link", "set", "br0", "up")


def host(name: str, address: str) -> str:
    """Namespace PREFIX+name with eth0 (address) bridged into the segment."""
    ns = PREFIX + name
    remove_namespace(ns)
    run("ip", "netns", "add", ns)
    _namespaces.insert(0, ns)
    port = "p-" + ns[:12]
    run("ip", "link", "add", "eth0", "netns", ns, "type", "veth", "peer", "name", port,
        "netns", HUB)
    run("ip", "-n", HUB, "link", "set", port, "master", "br0", "up")
    run("ip", "-n", ns, "link", "set", "lo", "up")
    run("ip", "-n", ns, "addr", "add", address, "dev", "eth0")
    run("ip", "-n", ns, "link", "set", "eth0", "up")
    # No IPv6 chatter (DAD, router solicitations) on the measured segment.
    run("ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1")
    if not wait_until(3, lambda: "state UP" in run("ip", "-n", ns, "-o", "link", "show",
                                                   "dev", "eth0").stdout):
        die(f"eth0 in {ns} did not come up")
    return ns


def mac_of(ns: str) -> str:
    out = run("ip", "-n", ns, "-o", "link", "show", "dev", "eth0").stdout
    found = re.search(r"link/ether ([0-9a-f:]{17})", out)
    if not found:
        die(f"no MAC address on eth0 in {ns}")
    return found.group(1)


def has_vip(ns: str) -> bool:
    """Judged by iproute2, not by the daemon."""
    out = run("ip", "-n", ns, "-o", "-4", "addr", "show", "dev", "eth0", check=False).stdout
    return f" inet {VIP}/" in out


def remove_vip(ns: str) -> None:
    run("ip", "-n", ns, "addr", "del", f"{VIP}/32", "dev", "eth0", check=False)


def wait_until(timeout_s: float, predicate, step_s: float = 0.01) -> bool:
    deadline = time.monotonic() + timeout_s
    while True:
        if predicate():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(step_s)


# Processes -------------------------------------------------------------------

def spawn(args: list[str], log: Path) -> subprocess.Popen:
    """Starts args in its own process group (so a crash can be simulated by
    SIGKILL to the whole group) with stdout+stderr appended to log."""
    with open(log, "ab") as out:
        proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    _processes.append(proc)
    return proc


def forget(proc: subprocess.Popen) -> None:
    """proc is reaped and its group signalled: never signal that pid again
    (it may be reused by a process that is not ours)."""
    if proc in _processes:
        _processes.remove(proc)


def stop(proc: subprocess.Popen, timeout_s: float = 5.0) -> None:
    if proc not in _processes:
        return
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout_s)
        except subprocess.TimeoutExpired:
            pass
    # The whole group, right after the leader went: a keepalived VRRP child
    # outliving its parent would keep advertising.
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()
    forget(proc)


def cleanup() -> None:
    for proc in list(reversed(_processes)):
        stop(proc, 3.0)
    for ns in list(_namespaces):
        remove_namespace(ns)
    _namespaces.clear()


def install_signal_cleanup() -> None:
    def handler(signum, _frame):
        cleanup()
        raise SystemExit(128 + signum)
    signal.signal(signal.SIGINT, handler)
    signal.signal(signal.SIGTERM, handler)


def wait_exit(proc: subprocess.Popen, timeout_s: float) -> bool:
    """Reaps proc after a signal to its group; false if it is still running."""
    try:
        proc.wait(timeout_s)
    except subprocess.TimeoutExpired:
        return False
    stop(proc)  # anything left in its group (a keepalived child) goes too
    return True


class Havipd:
    """havipd -f CONF -s SOCK, in a namespace. pid is havipd itself (ip netns exec execs)."""

    kind = "havipd"

    def __init__(self, bin_dir: Path, workdir: Path, name: str, ns: str, conf: Path):
        self.bin_dir, self.name, self.ns, self.conf = bin_dir, name, ns, conf
        self.sock = workdir / f"{name}.sock"
        self.log = workdir / f"{name}.log"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.sock.unlink(missing_ok=True)
        self.proc = spawn(["ip", "netns", "exec", self.ns, str(self.bin_dir / "havipd"),
                           "-f", str(self.conf), "-s", str(self.sock)], self.log)
        if not wait_until(5, lambda: self.ctl("status").returncode == 0, 0.02):
            die(f"havipd {self.name} did not answer on {self.sock} within 5 s (see {self.log})")

    def ctl(self, *args: str) -> subprocess.CompletedProcess:
        return run(str(self.bin_dir / "havipctl"), "-s", str(self.sock), *args, check=False)

    def vrrp_pids(self) -> list[int]:
        return [self.proc.pid] if self.proc else []

    def all_pids(self) -> list[int]:
        return self.vrrp_pids()

    def crash(self) -> None:
        os.killpg(self.proc.pid, signal.SIGKILL)

    def terminate(self) -> None:
        os.kill(self.proc.pid, signal.SIGTERM)

    def wait_exit(self, timeout_s: float) -> bool:
        return wait_exit(self.proc, timeout_s)

    def stop(self) -> None:
        if self.proc:
            stop(self.proc)


class Keepalived:
    """keepalived 2.2.7, VRRP only, foreground: the parent and its VRRP child."""

    kind = "keepalived"

    def __init__(self, workdir: Path, name: str, ns: str, conf: Path):
        self.name, self.ns, self.conf = name, ns, conf
        self.pidfile = workdir / f"{name}.pid"
        self.vrrp_pidfile = workdir / f"{name}-vrrp.pid"
        self.log = workdir / f"{name}.log"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.pidfile.unlink(missing_ok=True)
        self.vrrp_pidfile.unlink(missing_ok=True)
        self.proc = spawn(["ip", "netns", "exec", self.ns, "keepalived", "-n", "-l", "-D", "-P",
                           "-f", str(self.conf), "-p", str(self.pidfile),
                           "-r", str(self.vrrp_pidfile)], self.log)
        if not wait_until(5, lambda: self.vrrp_pidfile.exists()
                          and self.vrrp_pidfile.read_text().strip() != "", 0.02):
            die(f"keepalived {self.name} did not start its VRRP child within 5 s (see {self.log})")

    def vrrp_pids(self) -> list[int]:
        return [int(self.vrrp_pidfile.read_text().split()[0])]

    def all_pids(self) -> list[int]:
        return [self.proc.pid] + self.vrrp_pids()

    def crash(self) -> None:
        # Parent and VRRP child share the process group: one kill(2) takes
        # both at once, as a host losing power would (killing only the child
        # would let the parent respawn it: this command line has no -R).
        os.killpg(self.proc.pid, signal.SIGKILL)

    def terminate(self) -> None:
        # What `systemctl stop keepalived` does: SIGTERM to the parent, which
        # stops its VRRP child (priority-0 adverts, VIPs removed).
        os.kill(self.proc.pid, signal.SIGTERM)

    def wait_exit(self, timeout_s: float) -> bool:
        return wait_exit(self.proc, timeout_s)

    def stop(self) -> None:
        if self.proc:
            stop(self.proc)


def keepalived_conf(src: Path, dst: Path) -> None:
    """The seed instance as keepalived 2.2.7 accepts it: without the four
    in-instance lines it rejects (notify_email {...}, smtp_server,
    smtp_connect_timeout, router_id) and without havip's virtual_server block
    (keepalived runs here with -P, VRRP only). Everything else unchanged."""
    out, skipping_block = [], False
    for line in src.read_text().splitlines():
        stripped = line.strip()
        if stripped.startswith("virtual_server"):
            break
        if skipping_block:
            skipping_block = "}" not in stripped
            continue
        if re.match(r"notify_email\s*\{", stripped):
            skipping_block = "}" not in stripped
            continue
        if re.match(r"(smtp_server|smtp_connect_timeout|router_id)\s", stripped):
            continue
        out.append(line)
    dst.write_text("\n".join(out) + "\n")
    # keepalived -t exits non-zero on warnings too (chk_service is named
    # before it is defined, and its script is missing); only errors stop us.
    check = run("keepalived", "-t", "-f", str(dst), check=False)
    report = check.stdout + check.stderr
    (dst.parent / (dst.name + ".check")).write_text(report)
    if re.search(r"error", report, re.IGNORECASE):
        die(f"keepalived -t reports errors in {dst}:\n{report}")


# Statistics ------------------------------------------------------------------

def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100): an observed value, never an interpolation."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * p // 100))  # ceil(n * p / 100)
    return ordered[int(rank) - 1]


def median(values: list[float]) -> float:
    ordered = sorted(values)
    n = len(ordered)
    mid = n // 2
    return ordered[mid] if n % 2 else (ordered[mid - 1] + ordered[mid]) / 2
