// bench_ipvs: programs, reads back and reloads a large IPVS table through
// havip's lib/ipvs (desiredTable, readTable, reconcile, GenlIpvs::apply, the
// path lib/lb takes) and does the same with ipvsadm in the same kernel, then
// prints both times and their ratio. Root, and a kernel with ip_vs loaded:
// bench/ipvs/run boots one under qemu. It works in network namespaces of its
// own (unshare), so the caller's IPVS table is never touched.
//
// Each repetition runs two blocks, each in a new namespace with an empty
// table (see Bench::freshNamespace); their order alternates:
//   havip:   cold program; read back; reload one weight against the table just
//            read (what a reload costs in messages); reload it back the way
//            lib/lb does it (desiredTable + readTable + reconcile + apply);
//            `ipvsadm -e` of one weight for comparison.
//   ipvsadm: `ipvsadm -C`; `ipvsadm -R` of the same table in ipvsadm-save -n
//            format; `ipvsadm -Ln` of it to /dev/null.
// Every table is checked against the desired one outside the timed sections.
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <spawn.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/model.h"
#include "ipvs/genl_ipvs.h"
#include "ipvs/reconcile.h"
#include "log/log.h"

extern char** environ;

namespace {

using namespace havip;

struct Options {
  std::size_t services = 10000;
  std::size_t dests = 10;
  int reps = 3;
  std::string ipvsadm = "ipvsadm";
  std::string saveFile = "/tmp/bench_ipvs.save";
  bool withIpvsadm = true;
  // Every block in the same namespace, flushed in between: then each cold start
  // meets the kernel's dest trash of the previous table (see freshNamespace()).
  bool reuseNamespace = false;
  ipvs::GenlOptions genl;
};

[[noreturn]] void usage(const char* argv0, const char* why) {
  if (why != nullptr) std::fprintf(stderr, "%s: %s\n", argv0, why);
  std::fprintf(stderr,
               "usage: %s [--services N] [--dests M] [--reps R] [--ipvsadm PATH] [--save-file PATH]\n"
               "          [--batch-messages N] [--batch-bytes N] [--no-ipvsadm] [--reuse-namespace]\n"
               "--no-ipvsadm skips ipvsadm's measurements (ipvsadm -C still flushes);\n"
               "--reuse-namespace runs every block in one namespace, flushed in between.\n",
               argv0);
  std::exit(2);
}

std::size_t number(const char* argv0, std::string_view text) {
  std::size_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || end != text.data() + text.size() || v == 0) usage(argv0, "expected a positive number");
  return v;
}

Options parseOptions(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    auto value = [&]() -> std::string_view {
      if (i + 1 >= argc) usage(argv[0], "missing value");
      return argv[++i];
    };
    if (arg == "--services") {
      o.services = number(argv[0], value());
    } else if (arg == "--dests") {
      o.dests = number(argv[0], value());
    } else if (arg == "--reps") {
      o.reps = static_cast<int>(number(argv[0], value()));
    } else if (arg == "--ipvsadm") {
      o.ipvsadm = value();
    } else if (arg == "--save-file") {
      o.saveFile = value();
    } else if (arg == "--batch-messages") {
      o.genl.batchMessages = number(argv[0], value());
    } else if (arg == "--batch-bytes") {
      o.genl.batchBytes = number(argv[0], value());
    } else if (arg == "--no-ipvsadm") {
      o.withIpvsadm = false;
    } else if (arg == "--reuse-namespace") {
      o.reuseNamespace = true;
    } else {
      usage(argv[0], "unknown option");
    }
  }
  // 250 VIPs per /24 of 10.0.0.0/16; 100 destinations per /24 would need more.
  if (o.services > 250 * 256) usage(argv[0], "at most 64000 services");
  return o;
}

// --- Measuring ---------------------------------------------------------------

struct Sample {
  double wallMs = 0;
  double userMs = 0;  // CPU time in user space (ours: encoding, parsing, reconcile)
  double sysMs = 0;   // CPU time in the kernel on our behalf (IPVS itself, netlink)
};

double toMs(const timeval& tv) { return static_cast<double>(tv.tv_sec) * 1e3 + static_cast<double>(tv.tv_usec) / 1e3; }

class Stopwatch {
 public:
  Stopwatch() : start_(std::chrono::steady_clock::now()) { getrusage(RUSAGE_SELF, &usage_); }
  Sample stop() const {
    const auto end = std::chrono::steady_clock::now();
    rusage now{};
    getrusage(RUSAGE_SELF, &now);
    return Sample{std::chrono::duration<double, std::milli>(end - start_).count(),
                  toMs(now.ru_utime) - toMs(usage_.ru_utime), toMs(now.ru_stime) - toMs(usage_.ru_stime)};
  }

 private:
  std::chrono::steady_clock::time_point start_;
  rusage usage_{};
};

// Runs a tool to completion with stdin and stdout redirected; its wall time
// (spawn to reap, so one exec included) and its own CPU times.
std::optional<Sample> runTool(const std::vector<std::string>& args, const char* stdinPath, const char* stdoutPath) {
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, stdinPath, O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, stdoutPath, O_WRONLY, 0);
  const auto start = std::chrono::steady_clock::now();
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    std::fprintf(stderr, "cannot run %s: %s\n", argv[0], std::strerror(rc));
    return std::nullopt;
  }
  int status = 0;
  rusage usage{};
  if (wait4(pid, &status, 0, &usage) != pid) {
    std::fprintf(stderr, "wait4 %s: %s\n", argv[0], std::strerror(errno));
    return std::nullopt;
  }
  const auto end = std::chrono::steady_clock::now();
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::string line;
    for (const auto& a : args) line += a + " ";
    std::fprintf(stderr, "%sfailed (wait status %d)\n", line.c_str(), status);
    return std::nullopt;
  }
  return Sample{std::chrono::duration<double, std::milli>(end - start).count(), toMs(usage.ru_utime),
                toMs(usage.ru_stime)};
}

// Samples by name, in first-recorded order, for the medians at the end.
class Results {
 public:
  void add(const std::string& name, const Sample& s) {
    if (samples_.find(name) == samples_.end()) order_.push_back(name);
    samples_[name].push_back(s);
  }
  void note(const std::string& name, std::size_t value) { counts_[name] = value; }
  bool has(const std::string& name) const { return samples_.count(name) != 0; }
  // Median of each field on its own.
  Sample median(const std::string& name) const {
    const auto& v = samples_.at(name);
    auto mid = [&v](double Sample::*field) {
      std::vector<double> xs;
      for (const auto& s : v) xs.push_back(s.*field);
      std::sort(xs.begin(), xs.end());
      const std::size_t n = xs.size();
      return n % 2 == 1 ? xs[n / 2] : (xs[n / 2 - 1] + xs[n / 2]) / 2;
    };
    return Sample{mid(&Sample::wallMs), mid(&Sample::userMs), mid(&Sample::sysMs)};
  }
  std::string all(const std::string& name) const {
    std::string out;
    for (const auto& s : samples_.at(name)) out += (out.empty() ? "" : " ") + std::to_string(std::lround(s.wallMs));
    return out;
  }
  std::size_t count(const std::string& name) const { return counts_.at(name); }
  const std::vector<std::string>& names() const { return order_; }

 private:
  std::vector<std::string> order_;
  std::map<std::string, std::vector<Sample>> samples_;
  std::map<std::string, std::size_t> counts_;
};

// --- The table ---------------------------------------------------------------

// Service i: 10.0.(i/250).(i%250+1):80 rr, NAT. Its real server j is the
// (i*dests+j)-th of 192.168.0.1 .. 192.168.255.250 (250 per /24), on port 80,
// then 81 for the next 64,000, and so on: every endpoint distinct.
std::vector<config::VirtualServer> makeConfig(std::size_t services, std::size_t dests) {
  std::vector<config::VirtualServer> out(services);
  for (std::size_t i = 0; i < services; ++i) {
    auto& vs = out[i];
    vs.address = net::Ipv4Address::fromHostOrder(0x0a000000u | static_cast<std::uint32_t>((i / 250) << 8) |
                                                 static_cast<std::uint32_t>(i % 250 + 1));
    vs.port = 80;
    vs.protocol = config::Protocol::Tcp;
    vs.scheduler = "rr";
    vs.forwarding = config::ForwardingMethod::Nat;
    vs.realServers.resize(dests);
    for (std::size_t j = 0; j < dests; ++j) {
      const std::size_t k = i * dests + j;
      auto& rs = vs.realServers[j];
      rs.address = net::Ipv4Address::fromHostOrder(0xc0a80000u | static_cast<std::uint32_t>(((k / 250) % 256) << 8) |
                                                   static_cast<std::uint32_t>(k % 250 + 1));
      rs.port = static_cast<std::uint16_t>(80 + k / 64000);
      rs.weight = 1;
    }
  }
  return out;
}

std::string endpoint(net::Ipv4Address a, std::uint16_t port) { return a.toString() + ":" + std::to_string(port); }

// What `ipvsadm-save -n` prints for the table, i.e. what ipvsadm-restore feeds `ipvsadm -R`.
bool writeSaveFile(const ipvs::Table& table, const std::string& path) {
  std::ofstream out(path, std::ios::trunc);
  for (const auto& e : table) {
    const std::string vip = endpoint(e.service.key.address, e.service.key.port);
    out << "-A -t " << vip << " -s " << e.service.scheduler << "\n";
    for (const auto& d : e.destinations) {
      out << "-a -t " << vip << " -r " << endpoint(d.address, d.port) << " -m -w " << d.weight << "\n";
    }
  }
  out.close();
  return static_cast<bool>(out);
}

// Does the kernel hold exactly `desired` (no more services, same config)?
bool matches(const ipvs::Table& desired, const ipvs::Table& actual, const char* what) {
  const auto ops = ipvs::reconcile(desired, actual, ipvs::keysOf(actual));
  if (ops.empty() && actual.size() == desired.size()) return true;
  std::fprintf(stderr, "MISMATCH after %s: %zu services in the kernel, %zu wanted, %zu operations to fix%s%s\n", what,
               actual.size(), desired.size(), ops.size(), ops.empty() ? "" : "; first: ",
               ops.empty() ? "" : ops.front().toString().c_str());
  return false;
}

std::string fmtMs(double ms) {
  char buf[32];
  std::snprintf(buf, sizeof buf, ms < 10 ? "%.2f ms" : "%.0f ms", ms);
  return buf;
}

struct Deltas {
  std::size_t sendCalls, messages, datagrams;
};
Deltas since(const ipvs::GenlIpvs::Counters& before, const ipvs::GenlIpvs::Counters& after) {
  return {after.sendCalls - before.sendCalls, after.messagesSent - before.messagesSent,
          after.datagramsReceived - before.datagramsReceived};
}

class Bench {
 public:
  explicit Bench(Options options) : o_(std::move(options)) {}

  bool prepare() {
    config_ = makeConfig(o_.services, o_.dests);
    desired_ = ipvs::desiredTable(config_);
    keys_ = ipvs::keysOf(desired_);
    // The reload changes one real server's weight in the middle of the table.
    changedService_ = o_.services / 2;
    changedDest_ = o_.dests / 2;
    changed_ = config_;
    changed_[changedService_].realServers[changedDest_].weight = 2;
    if (o_.withIpvsadm && !writeSaveFile(desired_, o_.saveFile)) {
      std::fprintf(stderr, "cannot write %s\n", o_.saveFile.c_str());
      return false;
    }
    return true;
  }

  bool rep(int r) {
    std::printf("--- repetition %d\n", r + 1);
    if (!o_.withIpvsadm) return havipBlock();
    if (r % 2 == 0) return havipBlock() && ipvsadmBlock();
    return ipvsadmBlock() && havipBlock();
  }

  const Results& results() const { return results_; }

  // Each block starts in a network namespace of its own, with an empty IPVS
  // table and an empty dest trash. Why: a deleted destination waits in its
  // namespace's trash for 2-3 minutes (IP_VS_DEST_TRASH_PERIOD, 120 s, expired
  // by a 60 s timer), and every destination add scans the whole trash
  // linearly (ip_vs_trash_get_dest, to revive a match), so re-adding 100,000
  // destinations right after a flush is quadratic in the kernel for any tool. A director's cold start (boot, or
  // ipvsadm-restore at boot) meets an empty trash. The old namespace is
  // flushed first, so its teardown (when our socket closes) has little left to
  // do; the pause lets that teardown finish before anything is timed.
  bool freshNamespace() {
    if (ipvs_) {
      if (!flush()) return false;
      if (o_.reuseNamespace) return emptyTable();
      ipvs_.reset();
    }
    if (!o_.reuseNamespace || !startedOnce_) {
      if (::unshare(CLONE_NEWNET) != 0) {
        std::fprintf(stderr, "unshare(CLONE_NEWNET): %s\n", std::strerror(errno));
        return false;
      }
      if (!loopbackUp()) return false;
      ::sleep(2);
    }
    startedOnce_ = true;
    auto opened = ipvs::GenlIpvs::open(o_.genl);
    if (!opened) {
      std::fprintf(stderr, "cannot open IPVS: %s (is ip_vs loaded, are we root?)\n", opened.error().message().c_str());
      return false;
    }
    ipvs_ = std::move(*opened);
    return emptyTable();
  }

  void printInfo() {
    if (auto info = ipvs_->info()) {
      std::printf("IPVS %s, connection table %u; %zu services x %zu real servers, %d repetition(s), batches of %zu "
                  "messages / %zu bytes, %s\n",
                  info->versionString().c_str(), info->connectionTableSize, o_.services, o_.dests, o_.reps,
                  o_.genl.batchMessages, o_.genl.batchBytes,
                  o_.reuseNamespace ? "one namespace flushed between blocks" : "a fresh namespace per block");
    }
  }

  bool finish() { return flush(); }

 private:
  // Without a local routing table (lo down) the kernel calls every address
  // "not unicast" and refuses real servers with EINVAL.
  static bool loopbackUp() {
    const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    ifreq ifr{};
    std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
    bool ok = ::ioctl(fd, SIOCGIFFLAGS, &ifr) == 0;
    ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP);
    ok = ok && ::ioctl(fd, SIOCSIFFLAGS, &ifr) == 0;
    if (!ok) std::fprintf(stderr, "cannot bring lo up: %s\n", std::strerror(errno));
    ::close(fd);
    return ok;
  }

  bool flush() {
    if (auto s = runTool({o_.ipvsadm, "-C"}, "/dev/null", "/dev/null")) {
      record("flush: ipvsadm -C", *s);
      return true;
    }
    return false;
  }

  bool emptyTable() {
    auto services = ipvs_->services();
    if (services && services->empty()) return true;
    std::fprintf(stderr, "the IPVS table is not empty before a cold start\n");
    return false;
  }

  bool readAll(ipvs::Table& out) {
    auto t = ipvs::readTable(*ipvs_, {});
    if (!t) {
      std::fprintf(stderr, "readTable: %s\n", t.error().message().c_str());
      return false;
    }
    out = std::move(*t);
    return true;
  }

  bool applyAll(const std::vector<ipvs::Operation>& ops, const char* what) {
    auto results = ipvs_->apply(ops);
    if (!results) {
      std::fprintf(stderr, "%s: apply: %s\n", what, results.error().message().c_str());
      return false;
    }
    for (std::size_t i = 0; i < ops.size(); ++i) {
      if ((*results)[i]) {
        std::fprintf(stderr, "%s: %s: %s\n", what, ops[i].toString().c_str(), (*results)[i].message().c_str());
        return false;
      }
    }
    return true;
  }

  // The weight the kernel has for the changed real server (one dump).
  std::optional<std::uint32_t> changedWeight() {
    const auto& e = desired_[changedService_];
    auto dests = ipvs_->destinations(e.service.key);
    if (!dests) return std::nullopt;
    for (const auto& d : *dests) {
      if (d.sameEndpoint(e.destinations[changedDest_])) return d.weight;
    }
    return std::nullopt;
  }

  bool havipBlock() {
    if (!freshNamespace()) return false;

    // Cold start, as lib/lb's reconcile does it, minus its status re-read.
    {
      const auto before = ipvs_->counters();
      Stopwatch all;
      Stopwatch phase;
      auto desired = ipvs::desiredTable(config_);
      const Sample build = phase.stop();
      auto keys = ipvs::keysOf(desired);
      Stopwatch readPhase;
      auto actual = ipvs::readTable(*ipvs_, [&keys](const ipvs::ServiceKey& k) { return keys.count(k) > 0; });
      const Sample read = readPhase.stop();
      if (!actual) {
        std::fprintf(stderr, "cold: readTable: %s\n", actual.error().message().c_str());
        return false;
      }
      Stopwatch reconcilePhase;
      auto ops = ipvs::reconcile(desired, *actual, {});
      const Sample diff = reconcilePhase.stop();
      Stopwatch applyPhase;
      if (!applyAll(ops, "cold")) return false;
      const Sample apply = applyPhase.stop();
      const Sample total = all.stop();
      const auto d = since(before, ipvs_->counters());
      record("cold: havip", total);
      record("cold/desiredTable", build);
      record("cold/readTable (empty)", read);
      record("cold/reconcile", diff);
      record("cold/apply", apply);
      results_.note("cold ops", ops.size());
      results_.note("cold messages", d.messages);
      results_.note("cold sendmsg", d.sendCalls);
      results_.note("cold datagrams", d.datagrams);
      std::printf("    %zu operations, %zu messages in %zu sendmsg, %zu datagrams received\n", ops.size(), d.messages,
                  d.sendCalls, d.datagrams);
    }

    // Read back: what lib/lb does before every reconcile.
    ipvs::Table table;
    {
      const auto before = ipvs_->counters();
      Stopwatch sw;
      auto t = ipvs::readTable(*ipvs_, [this](const ipvs::ServiceKey& k) { return keys_.count(k) > 0; });
      const Sample s = sw.stop();
      if (!t) {
        std::fprintf(stderr, "read back: %s\n", t.error().message().c_str());
        return false;
      }
      table = std::move(*t);
      const auto d = since(before, ipvs_->counters());
      record("read: havip", s);
      results_.note("read messages", d.messages);
      results_.note("read sendmsg", d.sendCalls);
      results_.note("read datagrams", d.datagrams);
      std::printf("    %zu dump requests, %zu datagrams received\n", d.messages, d.datagrams);
      if (!matches(desired_, table, "havip's cold start")) return false;
    }

    // Reload with one weight changed, against the table just read: the
    // messages a one-change reload writes.
    {
      const auto before = ipvs_->counters();
      Stopwatch sw;
      auto desired = ipvs::desiredTable(changed_);
      auto ops = ipvs::reconcile(desired, table, ipvs::keysOf(table));
      if (!applyAll(ops, "reload")) return false;
      const Sample s = sw.stop();
      const auto d = since(before, ipvs_->counters());
      record("reload: havip apply", s);
      results_.note("reload ops", ops.size());
      results_.note("reload messages", d.messages);
      results_.note("reload sendmsg", d.sendCalls);
      std::printf("    reload: %zu operation(s): %s; %zu message(s) in %zu sendmsg\n", ops.size(),
                  ops.empty() ? "-" : ops.front().toString().c_str(), d.messages, d.sendCalls);
      if (changedWeight() != 2u) {
        std::fprintf(stderr, "reload: the kernel does not have weight 2 for the changed real server\n");
        return false;
      }
    }

    // Back to weight 1 the way lib/lb reloads: desired, full read, reconcile, apply.
    {
      const auto before = ipvs_->counters();
      Stopwatch sw;
      auto desired = ipvs::desiredTable(config_);
      auto keys = ipvs::keysOf(desired);
      auto actual = ipvs::readTable(*ipvs_, [&keys](const ipvs::ServiceKey& k) { return keys.count(k) > 0; });
      if (!actual) {
        std::fprintf(stderr, "reload (lb): readTable: %s\n", actual.error().message().c_str());
        return false;
      }
      auto ops = ipvs::reconcile(desired, *actual, keys);
      if (!applyAll(ops, "reload (lb)")) return false;
      const Sample s = sw.stop();
      const auto d = since(before, ipvs_->counters());
      record("reload (lb path): havip", s);
      results_.note("reload lb ops", ops.size());
      results_.note("reload lb messages", d.messages);
      std::printf("    reload (lb path): %zu operation(s), %zu messages (%zu of them dump requests)\n", ops.size(),
                  d.messages, d.messages - ops.size());
      if (changedWeight() != 1u) {
        std::fprintf(stderr, "reload (lb): the kernel does not have weight 1 back\n");
        return false;
      }
    }

    // What an operator would type for the same one-weight change.
    if (o_.withIpvsadm) {
      const auto& e = desired_[changedService_];
      const auto& dest = e.destinations[changedDest_];
      auto s = runTool({o_.ipvsadm, "-e", "-t", endpoint(e.service.key.address, e.service.key.port), "-r",
                        endpoint(dest.address, dest.port), "-m", "-w", "2"},
                       "/dev/null", "/dev/null");
      if (!s) return false;
      record("reload: ipvsadm -e", *s);
      if (changedWeight() != 2u) {
        std::fprintf(stderr, "ipvsadm -e: the kernel does not have weight 2\n");
        return false;
      }
    }
    return true;
  }

  bool ipvsadmBlock() {
    if (!freshNamespace()) return false;
    auto restore = runTool({o_.ipvsadm, "-R"}, o_.saveFile.c_str(), "/dev/null");
    if (!restore) return false;
    record("cold: ipvsadm -R", *restore);
    ipvs::Table table;
    if (!readAll(table) || !matches(desired_, table, "ipvsadm -R")) return false;
    auto list = runTool({o_.ipvsadm, "-Ln"}, "/dev/null", "/dev/null");
    if (!list) return false;
    record("read: ipvsadm -Ln", *list);
    return true;
  }

  void record(const std::string& name, const Sample& s) {
    results_.add(name, s);
    std::printf("  %-28s %10s  (user %s, sys %s)\n", name.c_str(), fmtMs(s.wallMs).c_str(), fmtMs(s.userMs).c_str(),
                fmtMs(s.sysMs).c_str());
    std::fflush(stdout);
  }

  Options o_;
  std::unique_ptr<ipvs::GenlIpvs> ipvs_;
  bool startedOnce_ = false;
  std::vector<config::VirtualServer> config_;
  std::vector<config::VirtualServer> changed_;
  ipvs::Table desired_;
  std::set<ipvs::ServiceKey> keys_;
  std::size_t changedService_ = 0;
  std::size_t changedDest_ = 0;
  Results results_;
};

// The summary; false when a target is missed.
bool report(const Options& o, const Results& r) {
  std::printf("\n=== medians of %d repetition(s); wall time, then user/sys CPU ===\n", o.reps);
  std::printf("%-44s %-24s %-24s %s\n", "operation", "havip lib", "ipvsadm", "ipvsadm/havip");
  auto cell = [&r](const std::string& name) -> std::string {
    if (!r.has(name)) return "-";
    const auto m = r.median(name);
    return fmtMs(m.wallMs) + " (" + std::to_string(std::lround(m.userMs)) + "/" +
           std::to_string(std::lround(m.sysMs)) + ")";
  };
  auto ratio = [&r](const std::string& ours, const std::string& theirs) -> std::string {
    if (!r.has(ours) || !r.has(theirs)) return "-";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1fx", r.median(theirs).wallMs / r.median(ours).wallMs);
    return buf;
  };
  auto row = [&](const std::string& what, const std::string& ours, const std::string& theirs) {
    std::printf("%-44s %-24s %-24s %s\n", what.c_str(), cell(ours).c_str(), cell(theirs).c_str(),
                ratio(ours, theirs).c_str());
  };
  const std::string table = std::to_string(o.services) + " x " + std::to_string(o.dests);
  row("cold program " + table + " (vs ipvsadm -R)", "cold: havip", "cold: ipvsadm -R");
  row("read back whole table (vs ipvsadm -Ln)", "read: havip", "read: ipvsadm -Ln");
  row("reload 1 weight, apply (vs ipvsadm -e)", "reload: havip apply", "reload: ipvsadm -e");
  row("reload 1 weight, lb path: read+apply", "reload (lb path): havip", "");
  row("flush (ipvsadm -C)", "", "flush: ipvsadm -C");

  std::printf("\ncold start, havip, by phase (median wall ms):");
  for (const char* p : {"cold/desiredTable", "cold/readTable (empty)", "cold/reconcile", "cold/apply"}) {
    std::printf("  %s %s", p + 5, fmtMs(r.median(p).wallMs).c_str());
  }
  std::printf("\nmessages: cold %zu operations in %zu messages, %zu sendmsg, %zu datagrams received;\n"
              "          read back %zu dump requests, %zu datagrams;\n"
              "          one-weight reload %zu operation(s), %zu message(s) in %zu sendmsg;\n"
              "          lb-path reload %zu message(s) (%zu write(s) + the dump requests of a full read)\n",
              r.count("cold ops"), r.count("cold messages"), r.count("cold sendmsg"), r.count("cold datagrams"),
              r.count("read messages"), r.count("read datagrams"), r.count("reload ops"),
              r.count("reload messages"), r.count("reload sendmsg"), r.count("reload lb messages"),
              r.count("reload lb ops"));
  for (const auto& name : r.names()) {
    if (name.find('/') == std::string::npos) std::printf("  all runs, %-26s %s ms\n", name.c_str(), r.all(name).c_str());
  }

  bool ok = true;
  auto target = [&ok](bool met, const std::string& text) {
    std::printf("%s  %s\n", met ? "MET " : "MISS", text.c_str());
    ok = ok && met;
  };
  std::printf("\ntargets:\n");
  if (r.has("cold: ipvsadm -R")) {
    const double x = r.median("cold: ipvsadm -R").wallMs / r.median("cold: havip").wallMs;
    target(x >= 5, "cold program at least 5x faster than ipvsadm -R (" + std::to_string(x) + "x)");
  }
  if (r.has("read: ipvsadm -Ln")) {
    target(r.median("read: havip").wallMs <= r.median("read: ipvsadm -Ln").wallMs,
           "read back no slower than ipvsadm -Ln");
  }
  target(r.count("reload messages") == 1 && r.count("reload ops") == 1,
         "one-weight reload writes O(1) messages (" + std::to_string(r.count("reload messages")) + ")");
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  const Options options = parseOptions(argc, argv);
  log::setupLogging(log::Level::warn, false);
  Bench bench(options);
  if (!bench.freshNamespace()) return 2;
  bench.printInfo();
  if (!bench.prepare()) return 2;
  for (int r = 0; r < options.reps; ++r) {
    if (!bench.rep(r)) {
      std::fprintf(stderr, "repetition %d failed\n", r + 1);
      return 2;
    }
  }
  bench.finish();
  return report(options, bench.results()) ? 0 : 1;
}
