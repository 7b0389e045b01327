#!/usr/bin/env python3
"""Passthrough benchmark: sluice against haproxy 2.6 on this machine.

Both proxies run the same configuration (bench/passthrough.cfg.in: one
thread, same timeouts, each proxy's default splicing; only the listening port
differs) in front of the same backends, pinned to one core; nginx, wrk and
bench/loadtool share the other core. Both proxies stay up during the load
phases and take turns, one short slice at a time, so that a burst of other
activity on this machine hits both alike; the median of the slices is kept.

  keep-alive   wrk over TLS through the proxy to nginx, keep-alive
  tls-conn     wrk with "Connection: close": a new TCP connection and TLS 1.3
               handshake per request (wrk resumes sessions with tickets)
  replay       loadtool replays a recorded ClientHello (SNI sink.bench.test)
               to a backend that answers like a ServerHello flight: the
               proxy's connection path without crypto on the client or
               backend side, so that the proxy's core is the bottleneck
  idle         a fresh proxy; N TLS-shaped tunnels are opened and left idle;
               VmRSS before and after

wrk straight to nginx ("direct") shows the ceiling of the load core. Proxy
CPU time is the /proc/<pid>/stat utime+stime delta over a slice, divided by
its requests or connections. Loopback only; every phase is bounded in time.
Python 3 standard library only.

  bench/run.py                    full run (about 4 minutes)
  bench/run.py --quick            under a minute
  make bench                      this, then bench/term.py (termination)
  bench/run.py --help

bench/term.py reuses this file's machinery (Bench, its hooks run_phase,
direct_port, hold_argv and idle_warm, prepare(), table()).
"""

import argparse
import json
import os
import re
import resource
import shutil
import signal
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
CLK_TCK = os.sysconf("SC_CLK_TCK")
SINK_SNI = "sink.bench.test"
SINK_RESP = 2048          # bytes the sink answers, about a ServerHello flight
EC_P256 = ["ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"]
RSA_2048 = ["rsa:2048"]
WRK_CONNS = 50
REPLAY_CONC = 50
PROXIES = ("sluice", "haproxy")

# tool -> Debian package that provides it
TOOLS = {"wrk": "wrk", "nginx": "nginx", "haproxy": "haproxy",
         "openssl": "openssl", "taskset": "util-linux", "perf": "linux-perf"}


def log(msg):
    print(msg, flush=True)


def find_tool(name):
    return shutil.which(name) or next(
        (p for p in ("/usr/sbin/" + name, "/sbin/" + name) if os.access(p, os.X_OK)), None)


def ensure_tools(want, no_install):
    """Returns {tool: path}; installs missing ones with apt-get when root,
    otherwise says what is missing and exits."""
    missing = [t for t in want if not find_tool(t)]
    if missing and not no_install and os.geteuid() == 0 and shutil.which("apt-get"):
        pkgs = sorted({TOOLS[t] for t in missing})
        log("bench: installing " + " ".join(pkgs) + " (apt-get)")
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        cmd = ["apt-get", "install", "-y", "-qq"] + pkgs
        if subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL).returncode != 0:
            subprocess.run(["apt-get", "update", "-qq"], env=env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        missing = [t for t in want if not find_tool(t)]
    if missing:
        sys.exit("bench: missing tools: %s (Debian packages: %s)" % (
            " ".join(missing), " ".join(sorted({TOOLS[t] for t in missing}))))
    return {t: find_tool(t) for t in want}


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_port(port, proc, name, logfile, timeout=10.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if proc.poll() is not None:
            tail = ""
            if os.path.exists(logfile):
                with open(logfile, errors="replace") as f:
                    tail = ":\n" + "".join(f.readlines()[-10:])
            raise RuntimeError("%s exited with %d before listening on %d%s" % (
                name, proc.returncode, port, tail))
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("%s: nothing listens on port %d after %.0fs" % (name, port, timeout))


def record_client_hello(sni):
    """A real ClientHello from this machine's OpenSSL (TLS 1.3 key share,
    ALPN h2 and http/1.1), recorded without any network."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.set_alpn_protocols(["h2", "http/1.1"])
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(inc, out, server_hostname=sni)
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return out.read()


def proc_cpu(pid):
    """utime+stime of the whole process, in seconds."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def proc_rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def cpu_times(cpu):
    """(busy, steal, total) jiffies of one CPU from /proc/stat."""
    with open("/proc/stat") as f:
        for line in f:
            if line.startswith("cpu%d " % cpu):
                v = [int(x) for x in line.split()[1:]]
                idle = v[3] + v[4]
                steal = v[7] if len(v) > 7 else 0
                total = sum(v[:8])
                return total - idle - steal, steal, total
    return 0, 0, 1


def stop(proc, timeout=5.0):
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}


def parse_wrk(out):
    """Requests, rate, p50/p99 latency (ms) and error count from wrk's output."""
    r = {"requests": 0, "rate": 0.0, "p50": None, "p99": None, "errors": 0}
    m = re.search(r"(\d+) requests in", out)
    if m:
        r["requests"] = int(m.group(1))
    m = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if m:
        r["rate"] = float(m.group(1))
    for pct in ("50", "99"):
        m = re.search(r"^\s+%s%%\s+([\d.]+)(us|ms|s|m)\s*$" % pct, out, re.M)
        if m:
            r["p" + pct] = float(m.group(1)) * _UNITS[m.group(2)]
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if m:
        # read errors are the server's close after "Connection: close"
        r["errors"] += int(m.group(1)) + int(m.group(3)) + int(m.group(4))
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if m:
        r["errors"] += int(m.group(1))
    return r


class Bench:
    def __init__(self, args, tools):
        self.a = args
        self.tools = tools
        self.work = tempfile.mkdtemp(prefix="sluice-bench-")
        self.procs = []
        self.pin = len(os.sched_getaffinity(0)) >= 2
        if not self.pin:
            log("bench: one CPU only: nothing is pinned, numbers mean little")
        self.nginx_port, self.sink_port = free_port(), free_port()
        self.fe = {name: free_port() for name in PROXIES}
        self.binary = {"sluice": args.sluice, "haproxy": tools["haproxy"]}
        self.cfg = {}
        self.other = []    # % of the proxy core used by others, per slice
        self.steal = []    # % stolen by the hypervisor from the proxy core

    # --- processes -----------------------------------------------------
    def pinned(self, cpu, argv):
        if not self.pin:
            return argv
        return [self.tools["taskset"], "-c", str(cpu)] + argv

    def spawn(self, argv, name, **kw):
        logf = open(os.path.join(self.work, name + ".log"), "ab")
        kw.setdefault("stdout", logf)
        kw.setdefault("stderr", logf)
        p = subprocess.Popen(argv, stdin=kw.pop("stdin", subprocess.DEVNULL), **kw)
        logf.close()
        self.procs.append(p)
        return p

    def cleanup(self):
        for p in reversed(self.procs):
            stop(p)
        if self.a.keep:
            log("bench: files kept in " + self.work)
        else:
            shutil.rmtree(self.work, ignore_errors=True)

    # --- setup ---------------------------------------------------------
    def make_cert(self, name, newkey):
        """A self-signed certificate for localhost made for the run, e.g.
        newkey ["ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"] or
        ["rsa:2048"]. Returns (crt, key, pem with both) paths."""
        w = self.work
        crt, key = os.path.join(w, name + ".crt"), os.path.join(w, name + ".key")
        subprocess.run([self.tools["openssl"], "req", "-x509", "-newkey"] + newkey + [
                        "-nodes", "-subj", "/CN=localhost", "-days", "2",
                        "-keyout", key, "-out", crt],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        pem = os.path.join(w, name + ".pem")
        with open(pem, "w") as out:
            for path in (crt, key):
                with open(path) as f:
                    out.write(f.read())
        return crt, key, pem

    def start_nginx(self, plain_port=None):
        """nginx on self.nginx_port over TLS (ECDSA P-256), and in plain HTTP
        on plain_port when given."""
        w = self.work
        crt, key, _ = self.make_cert("nginx", EC_P256)
        with open(os.path.join(HERE, "nginx.conf.in")) as f:
            conf = f.read()
        plain = "listen 127.0.0.1:%d;" % plain_port if plain_port else ""
        conf = conf.replace("@WORK@", w).replace("@PORT@", str(self.nginx_port))
        conf = conf.replace("@CRT@", crt).replace("@KEY@", key).replace("@PLAIN_LISTEN@", plain)
        with open(os.path.join(w, "nginx.conf"), "w") as f:
            f.write(conf)
        ng = self.spawn(self.pinned(self.a.load_cpu, [
            self.tools["nginx"], "-p", w, "-e", os.path.join(w, "nginx.err"),
            "-c", os.path.join(w, "nginx.conf")]), "nginx")
        wait_port(self.nginx_port, ng, "nginx", os.path.join(w, "nginx.err"))
        if plain_port:
            wait_port(plain_port, ng, "nginx", os.path.join(w, "nginx.err"))

    def write_configs(self, template, fields):
        """Fills template (a file of bench/) with fields ({"@X@": value},
        plus @FE@ = each proxy's port and @MAXCONN@) once per proxy, and has
        each proxy check it."""
        with open(os.path.join(HERE, template)) as f:
            tmpl = f.read()
        for name in PROXIES:
            cfg = tmpl.replace("@FE@", str(self.fe[name]))
            cfg = cfg.replace("@MAXCONN@", str(self.maxconn))
            for k, v in fields(name).items():
                cfg = cfg.replace(k, str(v))
            self.cfg[name] = os.path.join(self.work, name + ".cfg")
            with open(self.cfg[name], "w") as f:
                f.write(cfg)
            r = subprocess.run([self.binary[name], "-c", "-f", self.cfg[name]],
                               capture_output=True, text=True)
            if r.returncode != 0:
                raise RuntimeError("%s rejects the benchmark config:\n%s%s" % (
                    name, r.stdout, r.stderr))

    def setup(self):
        w = self.work
        self.start_nginx()

        self.hello = os.path.join(w, "hello.bin")
        with open(self.hello, "wb") as f:
            f.write(record_client_hello(SINK_SNI))
        sink = self.spawn(self.pinned(self.a.load_cpu, [
            self.a.loadtool, "serve", str(self.sink_port), str(SINK_RESP)]), "sink")
        wait_port(self.sink_port, sink, "loadtool serve", os.path.join(w, "sink.log"))

        splice = {"default": "", "off": "    no option splice-auto\n",
                  "auto": "    option splice-auto\n"}[self.a.splice]
        self.write_configs("passthrough.cfg.in", lambda name: {
            "@SPLICE@": splice, "@NGINX@": self.nginx_port, "@SINK@": self.sink_port})

    def start_proxy(self, name):
        extra = self.a.sluice_args.split() if name == "sluice" else []
        argv = [self.binary[name], "-db"] + extra + ["-f", self.cfg[name]]
        p = self.spawn(self.pinned(self.a.proxy_cpu, argv), name)
        wait_port(self.fe[name], p, name, os.path.join(self.work, name + ".log"))
        time.sleep(0.2)
        return p

    # --- one slice of load ------------------------------------------------
    def wrk(self, port, secs, close=False, scheme="https"):
        argv = [self.tools["wrk"], "-t1", "-c%d" % WRK_CONNS, "-d%ds" % secs, "--latency"]
        if close:
            argv += ["-H", "Connection: close"]
        argv.append("%s://localhost:%d/" % (scheme, port))
        r = subprocess.run(self.pinned(self.a.load_cpu, argv), capture_output=True,
                           text=True, timeout=secs + 30)
        return parse_wrk(r.stdout)

    def replay(self, port, secs):
        r = subprocess.run(self.pinned(self.a.load_cpu, [
            self.a.loadtool, "rate", str(port), self.hello, str(REPLAY_CONC),
            str(secs), str(SINK_RESP)]), capture_output=True, text=True, timeout=secs + 30)
        m = re.search(r"conns (\d+) errors (\d+) seconds ([\d.]+) rate ([\d.]+) "
                      r"p50_us (\d+) p99_us (\d+)", r.stdout)
        if not m:
            raise RuntimeError("loadtool rate: " + r.stdout + r.stderr)
        return {"requests": int(m.group(1)), "errors": int(m.group(2)),
                "rate": float(m.group(4)), "p50": int(m.group(5)) / 1e3,
                "p99": int(m.group(6)) / 1e3}

    # the load phases in order, and those also run straight to nginx
    PHASES = ("ka", "tls", "replay")
    DIRECT = ("ka", "tls")

    def run_phase(self, phase, port, secs):
        """One slice of phase against port: {"requests", "rate", "errors", ...}."""
        if phase == "replay":
            return self.replay(port, secs)
        return self.wrk(port, secs, close=phase == "tls")

    def direct_port(self, phase):
        """Where the direct column's load goes for phase."""
        return self.nginx_port

    def hold_argv(self, name):
        """The command that opens self.idle_n idle connections to proxy
        name, prints "ready K failed F" and holds them until its stdin closes."""
        return [self.a.loadtool, "hold", str(self.fe[name]), self.hello, str(self.idle_n),
                str(SINK_RESP)]

    def idle_warm(self, name):
        """Runs before the idle phase's first RSS reading, for one-time
        allocations that are not the connections' (none here)."""

    def slice(self, phase, port, pid, secs):
        """Runs one phase for secs against port; with pid, adds the proxy's
        CPU time and how busy its core was."""
        c0, t0 = (proc_cpu(pid) if pid else 0), time.monotonic()
        k0 = cpu_times(self.a.proxy_cpu)
        res = self.run_phase(phase, port, secs)
        k1 = cpu_times(self.a.proxy_cpu)
        c1, t1 = (proc_cpu(pid) if pid else 0), time.monotonic()
        if pid:
            res["cpu"] = c1 - c0
            res["busy"] = 100.0 * (c1 - c0) / (t1 - t0)
            tot = max(k1[2] - k0[2], 1)
            # what ran on the proxy's core besides the proxy: other processes,
            # and the loopback softirq work the load core's sends cause there
            self.other.append(max(0.0, 100.0 * (k1[0] - k0[0]) / tot - res["busy"]))
            self.steal.append(100.0 * (k1[1] - k0[1]) / tot)
        return res

    def load(self, perf_name=None):
        """All load phases, proxies alternating. Returns {proxy: {phase: [slices]}}."""
        procs = {name: self.start_proxy(name) for name in PROXIES}
        res = {name: {ph: [] for ph in self.PHASES} for name in PROXIES + ("direct",)}
        perf = None
        try:
            for name in PROXIES:  # warm-up: page faults, caches, nginx's state
                self.wrk(self.fe[name], 1)
            if perf_name:
                perf = subprocess.Popen(
                    [self.tools["perf"], "record", "-g", "-F", "1999", "-o",
                     os.path.join(self.work, "perf.data"), "-p", str(procs[perf_name].pid)],
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                time.sleep(0.5)
            d, n = self.a.duration, self.a.rounds
            for phase in self.PHASES:
                if not wanted(self.a, phase):
                    continue
                log("bench: %s: %d x %ds per proxy" % (phase, n, d))
                for i in range(n):
                    order = list(PROXIES) if i % 2 == 0 else list(reversed(PROXIES))
                    if phase in self.DIRECT and not perf_name and i < self.a.direct_rounds:
                        order.append("direct")
                    for name in order:
                        if perf_name and name != perf_name:
                            continue
                        if name == "direct":
                            s = self.slice(phase, self.direct_port(phase), None, d)
                        else:
                            s = self.slice(phase, self.fe[name], procs[name].pid, d)
                            if procs[name].poll() is not None:
                                raise RuntimeError("%s exited during %s (see %s.log)" % (
                                    name, phase, name))
                        res[name][phase].append(s)
            return res
        finally:
            if perf:
                perf.send_signal(signal.SIGINT)
                perf.wait(60)
            for p in procs.values():
                stop(p)

    def syscalls(self):
        """Syscalls per connection (replay, tls) and per request (keep-alive)
        of each proxy, counted by strace -c: slow, but free of the noise of a
        shared machine. Returns {proxy: {phase: {syscall: per_unit}}}."""
        out = {}
        for name in PROXIES:
            p = self.start_proxy(name)
            try:
                self.wrk(self.fe[name], 1)
                out[name] = {}
                for phase in ("ka", "tls", "replay"):
                    trace = os.path.join(self.work, "strace-%s-%s.txt" % (name, phase))
                    st = subprocess.Popen([self.tools["strace"], "-c", "-f", "-o", trace,
                                           "-p", str(p.pid)],
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                    time.sleep(0.5)
                    res = self.slice(phase, self.fe[name], p.pid, 2)
                    time.sleep(0.2)
                    st.send_signal(signal.SIGINT)
                    st.wait(30)
                    calls = {}
                    with open(trace) as f:
                        for line in f:
                            m = re.match(r"\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(?:\d+\s+)?(\w+)$",
                                         line)
                            if m and m.group(2) != "total":
                                calls[m.group(2)] = int(m.group(1)) / max(res["requests"], 1)
                    out[name][phase] = calls
            finally:
                stop(p)
        return out

    def idle(self, name):
        p = self.start_proxy(name)
        hold = None
        try:
            self.idle_warm(name)
            time.sleep(0.3)
            before = proc_rss_kib(p.pid)
            hold = subprocess.Popen(self.pinned(self.a.load_cpu, self.hold_argv(name)),
                                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
            line = hold.stdout.readline()
            m = re.match(r"ready (\d+) failed (\d+)", line)
            if not m:
                raise RuntimeError("%s: %r" % (" ".join(self.hold_argv(name)[:2]), line))
            time.sleep(1.0)  # the proxy settles: buffers of the handshakes go back
            after = proc_rss_kib(p.pid)
            ready = int(m.group(1))
            return {"before": before, "after": after, "conns": ready,
                    "failed": int(m.group(2)),
                    "per_conn": (after - before) / ready if ready else None}
        finally:
            if hold:
                hold.stdin.close()
                hold.wait(30)
            stop(p)


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def paired(load, phases):
    """One line on the rates of phases, slice by slice: sluice's rate over
    haproxy's in the same round (the two ran one after the other, so a
    slow moment of the machine hits both), as the median and quartiles of
    those ratios, and each proxy's median over the rate without a proxy
    (direct), when measured: near 1.0 both are held by the load's core,
    not by the proxy's, and the ratio between them is noise."""
    out = []
    for ph in phases:
        a, b = load["sluice"][ph], load["haproxy"][ph]
        r = sorted(x["rate"] / y["rate"] for x, y in zip(a, b)
                   if x.get("rate") and y.get("rate"))
        if not r:
            continue
        q = statistics.quantiles(r, n=4) if len(r) > 1 else [r[0]] * 3
        t = "%s %.2f [%.2f-%.2f]" % (ph, q[1], q[0], q[2])
        d = med([x.get("rate") for x in load["direct"].get(ph, [])])
        if d:
            t += " (of direct: sluice %.2f, haproxy %.2f)" % (
                med([x.get("rate") for x in a]) / d, med([x.get("rate") for x in b]) / d)
        out.append(t)
    return "rate ratios slice by slice, median [quartiles]: " + "; ".join(out) if out else ""


def summarize(load, idles):
    """{metric: {column: value}} from the slices' medians."""
    s = {}
    for name in PROXIES + ("direct",):
        ph = load[name]

        def g(phase, key):
            return med([r.get(key) for r in ph[phase]])

        def per(phase):
            return med([r["cpu"] / r["requests"] * 1e6 if r.get("requests") and "cpu" in r
                        else None for r in ph[phase]])
        v = {
            "ka_rate": g("ka", "rate"), "ka_p50": g("ka", "p50"), "ka_p99": g("ka", "p99"),
            "ka_cpu": per("ka"), "ka_busy": g("ka", "busy"),
            "tls_rate": g("tls", "rate"), "tls_cpu": per("tls"), "tls_busy": g("tls", "busy"),
            "rp_rate": g("replay", "rate"), "rp_p50": g("replay", "p50"),
            "rp_p99": g("replay", "p99"), "rp_cpu": per("replay"),
            "rp_busy": g("replay", "busy"),
            "errors": sum(r["errors"] for p in ph.values() for r in p),
        }
        if name in idles:
            ids = idles[name]
            v.update({
                "idle_before": med([i["before"] / 1024 for i in ids]),
                "idle_after": med([i["after"] / 1024 for i in ids]),
                "idle_per": med([i["per_conn"] for i in ids]),
                "idle_failed": sum(i["failed"] for i in ids),
            })
        for k, x in v.items():
            s.setdefault(k, {})[name] = x
    return s


# (key, label, format, target): target is (op, bound) on the ratio or None
ROWS = [
    ("ka_rate", "keep-alive requests/s (wrk, TLS)", "%.0f", (">=", 1.0)),
    ("ka_p50", "  latency p50 (ms)", "%.3f", None),
    ("ka_p99", "  latency p99 (ms)", "%.3f", None),
    ("ka_cpu", "  proxy CPU per request (us)", "%.2f", ("<=", 1.0)),
    ("ka_busy", "  proxy CPU use (% of its core)", "%.0f", None),
    ("tls_rate", "new TLS connections/s (wrk, resumed)", "%.0f", (">=", 1.0)),
    ("tls_cpu", "  proxy CPU per connection (us)", "%.1f", ("<=", 1.0)),
    ("tls_busy", "  proxy CPU use (% of its core)", "%.0f", None),
    ("rp_rate", "new connections/s (hello replay)", "%.0f", (">=", 1.0)),
    ("rp_p50", "  connect to answer p50 (ms)", "%.3f", None),
    ("rp_p99", "  connect to answer p99 (ms)", "%.3f", None),
    ("rp_cpu", "  proxy CPU per connection (us)", "%.1f", ("<=", 1.0)),
    ("rp_busy", "  proxy CPU use (% of its core)", "%.0f", None),
    ("idle_before", "RSS before idle connections (MiB)", "%.1f", None),
    ("idle_after", "RSS with {n} idle connections (MiB)", "%.1f", None),
    ("idle_per", "  memory per idle connection (KiB)", "%.2f", ("<=", 0.5)),
]


def table(s, idle_n, rows=None, direct_keys=("ka_rate", "ka_p50", "ka_p99", "tls_rate")):
    """The side-by-side table of rows (default ROWS) from summarize()'s s;
    the direct column for direct_keys only."""
    fmt_row = "%-38s %9s %9s %6s  %-15s %9s"
    head = fmt_row % ("metric", "sluice", "haproxy", "ratio", "target", "direct")
    lines = [head, "-" * len(head)]
    for key, label, fmt, target in rows or ROWS:
        a, b = s[key].get("sluice"), s[key].get("haproxy")
        d = s[key].get("direct") if key in direct_keys else None
        ratio = a / b if a is not None and b else None
        t = ""
        if target and ratio is not None:
            op, bound = target
            ok = ratio >= bound if op == ">=" else ratio <= bound
            t = "%s %g %s" % (op, bound, "ok" if ok else "MISSED")
        lines.append(fmt_row % (
            label.format(n=idle_n), fmt % a if a is not None else "-",
            fmt % b if b is not None else "-", "%.2f" % ratio if ratio is not None else "-",
            t, fmt % d if d is not None else ""))
    return "\n".join(lines)


def raise_nofile():
    """Raises the open-file limit as far as allowed; returns the soft limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = 65536
    if hard != resource.RLIM_INFINITY and hard < want:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (want, want))
            return want
        except (ValueError, OSError):
            want = hard
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    except (ValueError, OSError):
        return soft
    return want


def add_common_args(ap, idle_default):
    """The options run.py and term.py share."""
    ap.add_argument("--quick", action="store_true", help="2 slices of 2 s per phase")
    ap.add_argument("--rounds", type=int, help="slices per phase and proxy (default 5, quick 2)")
    ap.add_argument("--duration", type=int, help="seconds per slice (default 5, quick 2)")
    ap.add_argument("--idle", type=int, default=idle_default,
                    help="idle connections (default %d)" % idle_default)
    ap.add_argument("--idle-rounds", type=int, help="idle measurements per proxy (default 2, quick 1)")
    ap.add_argument("--phases", help="only these phases, comma-separated (the names of the "
                    "'bench: NAME:' progress lines, and idle); default all")
    ap.add_argument("--sluice", default=os.path.join(HERE, "..", "build", "sluice"))
    ap.add_argument("--loadtool", default=os.path.join(HERE, "..", "build", "bench", "loadtool"))
    ap.add_argument("--haproxy", help="haproxy binary (default: from PATH)")
    ap.add_argument("--sluice-args", default="", help="extra sluice command-line options")
    ap.add_argument("--proxy-cpu", type=int, default=0)
    ap.add_argument("--load-cpu", type=int, default=1)
    ap.add_argument("--json", help="also write every measurement to this file")
    ap.add_argument("--keep", action="store_true", help="keep the work directory (logs, configs)")
    ap.add_argument("--no-install", action="store_true", help="never run apt-get")


def wanted(a, phase):
    """Whether --phases asks for phase (all when not given)."""
    return not a.phases or phase in a.phases.split(",")


def prepare(a, want):
    """Fills the defaults of add_common_args() options, checks the binaries
    and installs or names the tools of want (plus haproxy). Returns (tools,
    haproxy version line, number of idle connections the fd limit allows)."""
    a.rounds = a.rounds or (2 if a.quick else 5)
    a.duration = a.duration or (2 if a.quick else 5)
    a.idle_rounds = a.idle_rounds or (1 if a.quick else 2)
    a.direct_rounds = 1 if a.quick else 2
    a.sluice = os.path.abspath(a.sluice)
    a.loadtool = os.path.abspath(a.loadtool)
    for path in (a.sluice, a.loadtool):
        if not os.access(path, os.X_OK):
            sys.exit("bench: %s is missing: run 'make bench'" % path)
    if sys.platform != "linux":
        sys.exit("bench: Linux only (taskset, /proc, epoll)")
    tools = ensure_tools(want + ([] if a.haproxy else ["haproxy"]), a.no_install)
    if a.haproxy:
        tools["haproxy"] = a.haproxy
    ver = subprocess.run([tools["haproxy"], "-v"], capture_output=True, text=True).stdout
    ver = ver.splitlines()[0] if ver else "?"
    if "version 2.6" not in ver:
        log("bench: warning: the oracle is haproxy 2.6; this is: " + ver)
    nofile = raise_nofile()
    # each idle connection costs the proxy two descriptors
    idle_n = min(a.idle, (nofile - 200) // 2)
    if idle_n < a.idle:
        log("bench: open-file limit %d cannot be raised: %d idle connections instead of %d" % (
            nofile, idle_n, a.idle))
    return tools, ver, idle_n


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_common_args(ap, 10000)
    ap.add_argument("--splice", choices=("default", "off", "auto"), default="default",
                    help="default: each proxy's own (sluice splices, haproxy does not); "
                    "off / auto: 'no option splice-auto' / 'option splice-auto' for both")
    ap.add_argument("--perf", action="store_true",
                    help="then one more load pass of one proxy under perf record, and its report")
    ap.add_argument("--perf-proxy", choices=PROXIES, default="sluice",
                    help="the proxy --perf profiles (default sluice)")
    ap.add_argument("--syscalls", action="store_true",
                    help="also count each proxy's syscalls per connection and per "
                    "request with strace (a noise-free view on a busy machine)")
    a = ap.parse_args()
    want = ["wrk", "nginx", "openssl", "taskset"]
    if a.perf:
        want.append("perf")
    if a.syscalls:
        want.append("strace")
        TOOLS["strace"] = "strace"
    tools, ver, idle_n = prepare(a, want)

    b = Bench(a, tools)
    b.idle_n = idle_n
    b.maxconn = idle_n + 64
    t0 = time.monotonic()
    perf_report = sysc = None
    try:
        b.setup()
        load = b.load()
        idles = {name: [] for name in PROXIES}
        for i in range(a.idle_rounds if wanted(a, "idle") else 0):
            for name in (PROXIES if i % 2 == 0 else tuple(reversed(PROXIES))):
                log("bench: idle: %s with %d connections" % (name, idle_n))
                idles[name].append(b.idle(name))
        if a.syscalls:
            log("bench: counting syscalls (strace)")
            sysc = b.syscalls()
        if a.perf:
            log("bench: perf pass (%s only, not counted)" % a.perf_proxy)
            b.load(perf_name=a.perf_proxy)
            perf_report = ""
            for sort in ("dso", "dso,symbol"):
                r = subprocess.run([tools["perf"], "report", "-i",
                                    os.path.join(b.work, "perf.data"), "--stdio",
                                    "--no-children", "--percent-limit", "0.8", "-g", "none",
                                    "--sort", sort], capture_output=True, text=True)
                perf_report += "\n".join(line.rstrip(" -") for line in r.stdout.splitlines()
                                         if line.strip() and not line.startswith("#")) + "\n\n"
    finally:
        b.cleanup()
    s = summarize(load, idles)
    cpus = "proxies on CPU %d, nginx/wrk/loadtool on CPU %d" % (a.proxy_cpu, a.load_cpu) \
        if b.pin else "no pinning"
    print()
    print("sluice passthrough benchmark: median of %d slices of %ds per phase; %s" % (
        a.rounds, a.duration, cpus))
    print("sluice: %s (splice: %s)   haproxy: %s" % (a.sluice, a.splice, ver))
    print(table(s, idle_n))
    pr = paired(load, [ph for ph in Bench.PHASES if wanted(a, ph)])
    if pr:
        print(pr)
    print("client errors: %s; idle connections not established: %s" % (
        ", ".join("%s %d" % (n, s["errors"][n]) for n in PROXIES),
        ", ".join("%s %d" % (n, s["idle_failed"][n]) for n in PROXIES)))
    print("proxy core: median %.0f%% used by others (loopback softirq, other processes), "
          "%.0f%% stolen; %.0fs in all" % (med(b.other) or 0, med(b.steal) or 0,
                                           time.monotonic() - t0))
    if sysc:
        print()
        for phase, unit in (("replay", "connection (hello replay)"),
                            ("tls", "TLS connection (wrk, resumed handshake and a request)"),
                            ("ka", "keep-alive request")):
            print("syscalls per %s:" % unit)
            names = sorted(set(sysc["sluice"][phase]) | set(sysc["haproxy"][phase]),
                           key=lambda k: -sysc["sluice"][phase].get(k, 0))
            for n in ["total"] + names:
                v = [sum(sysc[p][phase].values()) if n == "total" else sysc[p][phase].get(n, 0)
                     for p in PROXIES]
                if max(v) >= 0.05:
                    print("  %-16s %8.2f %8.2f" % (n, v[0], v[1]))
    if perf_report:
        print()
        print("perf: where %s spends CPU (all load phases; above 0.8%%):" % a.perf_proxy)
        print(perf_report.rstrip())
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"summary": s, "load": load, "idle": idles, "idle_n": idle_n,
                       "syscalls": sysc,
                       "args": vars(a)}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
