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


# Added for bench/scale and bench/idle ----------------------------------------
# (new functions only: nothing above changes behaviour)

def loadavg() -> str:
    """The 1-, 5- and 15-minute load averages, as /proc/loadavg prints them."""
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def smaps_rollup(pid: int) -> dict[str, int]:
    """kB per field of /proc/PID/smaps_rollup (Rss, Pss, ...)."""
    out = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        found = re.match(r"^(\w+):\s+(\d+) kB", line)
        if found:
            out[found.group(1)] = int(found.group(2))
    return out


CLK_TCK = os.sysconf("SC_CLK_TCK")


def proc_cpu_s(pid: int, children: bool = True) -> float:
    """utime + stime (+ cutime + cstime: reaped children) of PID, seconds."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2:].split()
    # fields[0] is field 3 (state); utime is field 14, cstime field 17.
    ticks = int(fields[11]) + int(fields[12])
    if children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / CLK_TCK


CPUACCT = Path("/sys/fs/cgroup/cpuacct")
_cgroups: list[Path] = []


def cgroup_cpu(name: str) -> Path | None:
    """A fresh cgroup-v1 cpuacct group CPUACCT/name (removed by cleanup_cgroups());
    None when cpuacct is not mounted or not writable."""
    path = CPUACCT / name
    try:
        if path.exists():
            remove_cgroup(path)
        path.mkdir()
    except OSError:
        return None
    _cgroups.append(path)
    return path


def cgroup_usage_s(path: Path) -> float:
    """CPU time (user + system) of every task that ever ran in the group, seconds."""
    return int((path / "cpuacct.usage").read_text()) / 1e9


def cgroup_pids(path: Path) -> list[int]:
    return [int(p) for p in (path / "cgroup.procs").read_text().split()]


def remove_cgroup(path: Path) -> None:
    """Moves whatever is left in the group back to the root group, then removes it."""
    for _ in range(50):
        try:
            for pid in (path / "cgroup.procs").read_text().split():
                try:
                    (path.parent / "cgroup.procs").write_text(pid)
                except OSError:
                    pass
            path.rmdir()
            return
        except FileNotFoundError:
            return
        except OSError:
            time.sleep(0.05)


def cleanup_cgroups() -> None:
    for path in list(reversed(_cgroups)):
        remove_cgroup(path)
    _cgroups.clear()


def spawn_in_cgroup(args: list[str], log: Path, cgroup: Path | None) -> subprocess.Popen:
    """spawn(), but the child joins cgroup (cgroup.procs) before it execs, so
    the daemon and everything it forks are accounted there from the start."""
    if cgroup is None:
        return spawn(args, log)
    procs = str(cgroup / "cgroup.procs")

    def join() -> None:
        with open(procs, "w") as f:
            f.write(str(os.getpid()))

    with open(log, "ab") as out:
        proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True,
                                preexec_fn=join)
    _processes.append(proc)
    return proc


class ForkWatch:
    """Counts processes created by a tree of processes, from the kernel's
    process events connector (NETLINK_CONNECTOR, CN_IDX_PROC): every fork
    and exit on the machine is recorded (monotonic ns) by a thread; count()
    replays them in order, following the descendants of the given root
    pids. Threads (child pid != child tgid) are not counted."""

    def __init__(self):
        import socket
        import struct
        import threading
        self.events: list[tuple[int, int, int, int]] = []  # (ts, kind, a, b)
        self.lost = 0
        self.error = None
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, 11)  # NETLINK_CONNECTOR
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
        self.sock.bind((os.getpid(), 1))  # CN_IDX_PROC group
        payload = (1).to_bytes(4, "little")  # PROC_CN_MCAST_LISTEN
        cn = struct.pack("<IIIIHH", 1, 1, 0, 0, len(payload), 0) + payload
        self.sock.send(struct.pack("<IHHII", 16 + len(cn), 3, 0, 0, os.getpid()) + cn)  # NLMSG_DONE
        self.running = True
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        import struct
        while self.running:
            try:
                data = self.sock.recv(65536)
            except OSError as err:  # ENOBUFS: events were lost
                if not self.running:
                    return
                self.lost += 1
                self.error = str(err)
                continue
            offset = 0
            while offset + 16 <= len(data):
                length = struct.unpack_from("<I", data, offset)[0]
                body = offset + 16 + 20  # nlmsghdr + cn_msg
                if length < 16 or body + 16 > len(data):
                    break
                what, _cpu, ts = struct.unpack_from("<IIQ", data, body)
                if what == 0x1:  # PROC_EVENT_FORK: parent pid, tgid, child pid, tgid
                    _ppid, ptgid, cpid, ctgid = struct.unpack_from("<IIII", data, body + 16)
                    if cpid == ctgid:
                        self.events.append((ts, 1, ptgid, ctgid))
                elif what == 0x80000000:  # PROC_EVENT_EXIT: pid, tgid
                    pid, tgid = struct.unpack_from("<II", data, body + 16)
                    if pid == tgid:
                        self.events.append((ts, 2, tgid, 0))
                offset += (length + 3) & ~3

    def count(self, roots: list[int], parents: list[int], start_ns: int, end_ns: int) -> tuple[int, int]:
        """(processes created by roots or their descendants, of which by one
        of parents directly) in [start_ns, end_ns), time.monotonic_ns() instants."""
        tree, forks, direct = set(roots), 0, 0
        for ts, kind, a, b in list(self.events):
            if ts >= end_ns:
                break
            if kind == 1 and a in tree:
                tree.add(b)
                if ts >= start_ns:
                    forks += 1
                    direct += a in parents
            elif kind == 2 and a in tree and a not in roots:
                tree.discard(a)
        return forks, direct

    def close(self) -> None:
        self.running = False
        try:
            self.sock.close()
        except OSError:
            pass


def pcap_frames(path: Path):
    """(ns CLOCK_REALTIME, frame bytes) of each frame of a pcap written by
    tcpdump -w: either timestamp precision, Ethernet link type only."""
    import struct
    data = path.read_bytes() if path.exists() else b""
    if len(data) < 24:
        return
    magics = {0xA1B2C3D4: ("<", 1000), 0xA1B23C4D: ("<", 1),
              0xD4C3B2A1: (">", 1000), 0x4D3CB2A1: (">", 1)}
    magic = struct.unpack_from("<I", data, 0)[0]
    if magic not in magics:
        die(f"{path}: not a pcap file")
    order, to_ns = magics[magic]
    if struct.unpack_from(order + "I", data, 20)[0] != 1:
        die(f"{path}: link type is not Ethernet")
    offset = 24
    while offset + 16 <= len(data):
        sec, frac, caplen, _ = struct.unpack_from(order + "IIII", data, offset)
        yield sec * 1_000_000_000 + frac * to_ns, data[offset + 16: offset + 16 + caplen]
        offset += 16 + caplen


def vrrp_fields(frame: bytes) -> tuple[str, int, int] | None:
    """(source address, VRID, priority) of an Ethernet frame carrying VRRP, else None."""
    if len(frame) < 34 or frame[12:14] != b"\x08\x00":
        return None
    ihl = (frame[14] & 0x0F) * 4
    if frame[23] != 112 or len(frame) < 14 + ihl + 4:
        return None
    return ".".join(str(b) for b in frame[26:30]), frame[14 + ihl + 1], frame[14 + ihl + 2]


def read_vrrp_pcap(path: Path) -> list[tuple[int, str, int, int]]:
    """(ns CLOCK_REALTIME, source address, VRID, priority) of each VRRP packet in a pcap."""
    out = []
    for ts, frame in pcap_frames(path):
        fields = vrrp_fields(frame)
        if fields:
            out.append((ts, *fields))
    return out


def find_instances(doc) -> list[dict]:
    """Every object with a "vrid" and a "state" in havipctl's JSON."""
    found = []
    if isinstance(doc, dict):
        if "vrid" in doc and "state" in doc:
            return [doc]
        for value in doc.values():
            found += find_instances(value)
    elif isinstance(doc, list):
        for value in doc:
            found += find_instances(value)
    return found


def addresses(ns: str, dev: str = "eth0") -> set[str]:
    """IPv4 addresses on dev in ns, as ADDR/LEN, judged by iproute2."""
    out = run("ip", "-n", ns, "-o", "-4", "addr", "show", "dev", dev, check=False).stdout
    return set(re.findall(r" inet ([0-9.]+/\d+)", out))
