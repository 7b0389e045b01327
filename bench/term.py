#!/usr/bin/env python3
"""Termination benchmark: sluice against haproxy 2.6 ending TLS in mode http.

Same method as bench/run.py (whose machinery this reuses): both proxies run
the same configuration (bench/termination.cfg.in: one thread, mode http,
`bind ... ssl crt` with a certificate made for the run, a plain-HTTP nginx
backend, and a plain-HTTP frontend), pinned to one core while the load tools
and nginx share the other; the proxies take turns, one short slice at a time,
and the median of the slices is kept.

  hs-ecdsa   full TLS 1.3 handshakes, ECDSA P-256 certificate: parallel
             `openssl s_time -new` (never resumes), TLS_AES_128_GCM_SHA256,
             X25519 (OpenSSL's first key share)
  hs-rsa     the same with an RSA 2048 certificate
  resumed    wrk with "Connection: close" over TLS: a TCP connection, a
             resumed handshake (wrk keeps the session ticket) and a request
  ka-tls     wrk over TLS with keep-alive
  ka-plain   wrk in plain HTTP with keep-alive
  idle       a fresh proxy; N TLS connections with their handshake done and no
             request, held by a Python client; VmRSS before and after

  make bench                      both benchmarks (passthrough, then this)
  bench/term.py --quick           this one, under a minute
  bench/term.py --help
"""

import argparse
import json
import os
import re
import socket
import ssl
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run as common  # noqa: E402  (bench/run.py: the shared machinery)

HS_CONC = 4        # s_time processes in parallel, so the proxy never waits for one
HS_SUITE = "TLS_AES_128_GCM_SHA256"
PROXIES = common.PROXIES
log = common.log


class TermBench(common.Bench):
    PHASES = ("hs_ecdsa", "hs_rsa", "resumed", "ka_tls", "ka_plain")
    DIRECT = ("resumed", "ka_tls", "ka_plain")

    def __init__(self, args, tools):
        super().__init__(args, tools)
        self.nginx_plain = common.free_port()
        self.fe_rsa = {name: common.free_port() for name in PROXIES}
        self.fe_plain = {name: common.free_port() for name in PROXIES}

    def setup(self):
        self.start_nginx(plain_port=self.nginx_plain)
        _, _, ecdsa = self.make_cert("ecdsa", common.EC_P256)
        _, _, rsa = self.make_cert("rsa", common.RSA_2048)
        self.write_configs("termination.cfg.in", lambda name: {
            "@FE_RSA@": self.fe_rsa[name], "@FE_PLAIN@": self.fe_plain[name],
            "@ECDSA_PEM@": ecdsa, "@RSA_PEM@": rsa, "@NGINX_PLAIN@": self.nginx_plain})
        # slice() is given the ECDSA port; the other phases go to their own
        self.port_of = {}
        for name in PROXIES:
            self.port_of[self.fe[name]] = {"hs_rsa": self.fe_rsa[name],
                                           "ka_plain": self.fe_plain[name]}

    def direct_port(self, phase):
        return self.nginx_plain if phase == "ka_plain" else self.nginx_port

    def handshakes(self, port, secs):
        """HS_CONC `openssl s_time -new` in parallel for secs: full handshakes."""
        argv = [self.tools["openssl"], "s_time", "-new", "-tls1_3", "-ciphersuites", HS_SUITE,
                "-connect", "127.0.0.1:%d" % port, "-time", str(secs)]
        t0 = time.monotonic()
        ps = [subprocess.Popen(self.pinned(self.a.load_cpu, argv), stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True)
              for _ in range(HS_CONC)]
        outs = [p.communicate(timeout=secs + 30)[0] for p in ps]
        wall = time.monotonic() - t0
        n = errors = 0
        for p, out in zip(ps, outs):
            m = re.search(r"^(\d+) connections in [\d.]+s", out, re.M)
            if m:
                n += int(m.group(1))
            if p.returncode != 0 or not m or "ERROR" in out:
                errors += 1
        return {"requests": n, "rate": n / wall, "errors": errors}

    def run_phase(self, phase, port, secs):
        port = self.port_of.get(port, {}).get(phase, port)
        if phase.startswith("hs_"):
            return self.handshakes(port, secs)
        return self.wrk(port, secs, close=phase == "resumed",
                        scheme="http" if phase == "ka_plain" else "https")

    def idle_warm(self, name):
        # OpenSSL's first handshake allocates tables once per process
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        with socket.create_connection(("127.0.0.1", self.fe[name]), timeout=5) as s:
            with ctx.wrap_socket(s) as t:
                t.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                while t.recv(4096):
                    pass

    def hold_argv(self, name):
        return [sys.executable, os.path.abspath(__file__), "--hold",
                str(self.fe[name]), str(self.idle_n)]


def hold(port, n):
    """The idle phase's client: n TLS 1.3 connections to port, handshake done
    (certificate not verified, no session reuse), no request. Prints "ready K
    failed F" and keeps them until stdin closes; gives up after 60 s."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    conns, failed = [], 0
    end = time.monotonic() + 60
    for _ in range(n):
        if time.monotonic() > end:
            failed += 1
            continue
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=5)
            conns.append(ctx.wrap_socket(s, server_hostname="localhost"))
        except OSError:
            failed += 1
    print("ready %d failed %d" % (len(conns), failed), flush=True)
    sys.stdin.read()
    for c in conns:
        c.close()
    return 0


def summarize(load, idles):
    """{metric: {column: value}} from the slices' medians."""
    s = {}
    for name in PROXIES + ("direct",):
        ph = load[name]
        v = {"errors": sum(r["errors"] for p in ph.values() for r in p)}
        for phase in TermBench.PHASES:
            v[phase + "_rate"] = common.med([r.get("rate") for r in ph[phase]])
            v[phase + "_p50"] = common.med([r.get("p50") for r in ph[phase]])
            v[phase + "_p99"] = common.med([r.get("p99") for r in ph[phase]])
            v[phase + "_busy"] = common.med([r.get("busy") for r in ph[phase]])
            v[phase + "_cpu"] = common.med([
                r["cpu"] / r["requests"] * 1e6 if r.get("requests") and "cpu" in r else None
                for r in ph[phase]])
        if name in idles:
            ids = idles[name]
            v.update({
                "idle_before": common.med([i["before"] / 1024 for i in ids]),
                "idle_after": common.med([i["after"] / 1024 for i in ids]),
                "idle_per": common.med([i["per_conn"] for i in ids]),
                "idle_failed": sum(i["failed"] for i in ids),
            })
        for k, x in v.items():
            s.setdefault(k, {})[name] = x
    return s


# targets of issue #6: handshakes within 5% of haproxy, keep-alive requests
# at least haproxy's, memory per idle terminated connection below haproxy's
ROWS = [
    ("hs_ecdsa_rate", "full handshakes/s (ECDSA P-256)", "%.0f", (">=", 0.95)),
    ("hs_ecdsa_cpu", "  proxy CPU per handshake (us)", "%.1f", ("<=", 1.05)),
    ("hs_ecdsa_busy", "  proxy CPU use (% of its core)", "%.0f", None),
    ("hs_rsa_rate", "full handshakes/s (RSA 2048)", "%.0f", (">=", 0.95)),
    ("hs_rsa_cpu", "  proxy CPU per handshake (us)", "%.1f", ("<=", 1.05)),
    ("hs_rsa_busy", "  proxy CPU use (% of its core)", "%.0f", None),
    ("resumed_rate", "resumed handshakes/s (wrk, close)", "%.0f", (">=", 0.95)),
    ("resumed_cpu", "  proxy CPU per connection (us)", "%.1f", ("<=", 1.05)),
    ("resumed_busy", "  proxy CPU use (% of its core)", "%.0f", None),
    ("ka_tls_rate", "keep-alive HTTPS requests/s (wrk)", "%.0f", (">=", 1.0)),
    ("ka_tls_p50", "  latency p50 (ms)", "%.3f", None),
    ("ka_tls_p99", "  latency p99 (ms)", "%.3f", None),
    ("ka_tls_cpu", "  proxy CPU per request (us)", "%.2f", ("<=", 1.0)),
    ("ka_tls_busy", "  proxy CPU use (% of its core)", "%.0f", None),
    ("ka_plain_rate", "keep-alive HTTP requests/s (wrk)", "%.0f", (">=", 1.0)),
    ("ka_plain_p50", "  latency p50 (ms)", "%.3f", None),
    ("ka_plain_p99", "  latency p99 (ms)", "%.3f", None),
    ("ka_plain_cpu", "  proxy CPU per request (us)", "%.2f", ("<=", 1.0)),
    ("ka_plain_busy", "  proxy CPU use (% of its core)", "%.0f", None),
    ("idle_before", "RSS before idle connections (MiB)", "%.1f", None),
    ("idle_after", "RSS with {n} idle TLS conns (MiB)", "%.1f", None),
    ("idle_per", "  memory per idle connection (KiB)", "%.2f", ("<=", 1.0)),
]
DIRECT_KEYS = ("resumed_rate", "ka_tls_rate", "ka_tls_p50", "ka_tls_p99",
               "ka_plain_rate", "ka_plain_p50", "ka_plain_p99")


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "--hold":
        return hold(int(sys.argv[2]), int(sys.argv[3]))
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    common.add_common_args(ap, 5000)
    a = ap.parse_args()
    if a.quick and a.idle == 5000:
        a.idle = 2000
    tools, ver, idle_n = common.prepare(a, ["wrk", "nginx", "openssl", "taskset"])
    b = TermBench(a, tools)
    b.idle_n = idle_n
    b.maxconn = idle_n + 64
    t0 = time.monotonic()
    try:
        b.setup()
        load = b.load()
        idles = {name: [] for name in PROXIES}
        for i in range(a.idle_rounds if common.wanted(a, "idle") else 0):
            for name in (PROXIES if i % 2 == 0 else tuple(reversed(PROXIES))):
                log("bench: idle: %s with %d TLS connections" % (name, idle_n))
                idles[name].append(b.idle(name))
    finally:
        b.cleanup()
    s = summarize(load, idles)
    cpus = "proxies on CPU %d, nginx/wrk/openssl on CPU %d" % (a.proxy_cpu, a.load_cpu) \
        if b.pin else "no pinning"
    print()
    print("sluice termination benchmark (mode http, TLS 1.3): median of %d slices of %ds "
          "per phase; %s" % (a.rounds, a.duration, cpus))
    print("sluice: %s   haproxy: %s" % (a.sluice, ver))
    print(common.table(s, idle_n, ROWS, DIRECT_KEYS))
    pr = common.paired(load, [ph for ph in TermBench.PHASES if common.wanted(a, ph)])
    if pr:
        print(pr)
    print("client errors: %s; idle connections not established: %s" % (
        ", ".join("%s %d" % (n, s["errors"][n]) for n in PROXIES),
        ", ".join("%s %d" % (n, s["idle_failed"][n]) for n in PROXIES)))
    print("proxy core: median %.0f%% used by others (loopback softirq, other processes), "
          "%.0f%% stolen; %.0fs in all" % (common.med(b.other) or 0, common.med(b.steal) or 0,
                                           time.monotonic() - t0))
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"summary": s, "load": load, "idle": idles, "idle_n": idle_n,
                              "args": vars(a)}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
