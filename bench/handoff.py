#!/usr/bin/env python3
"""Hand-off benchmark: one port for passthrough and termination.

bench/handoff.cfg.in is HAProxy's configuration for it: a mode tcp frontend
reads the SNI and sends the names it terminates to `server abns@... 
send-proxy-v2`, a mode http frontend that binds that socket with
`accept-proxy ssl`. sluice hands the connection over in-process
(doc/tls-termination.md, "One port for passthrough and termination"). It is
compared with the chain, which haproxy runs and `sluice -dH` too: over a
loopback TCP port (`--chain tcp`, the default, the form most configurations
use) or through the abns@ socket (`--chain abns`). Three columns, same
method as bench/term.py (pinned, slices taken in turns, medians): full
handshakes (ECDSA P-256), resumed handshakes with a request (wrk, close),
keep-alive HTTPS requests, memory per idle terminated connection.

  bench/handoff.py --quick        about two minutes
  bench/handoff.py --help
"""

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run as common  # noqa: E402
import term  # noqa: E402

log = common.log
PROXIES = common.PROXIES


class HandoffBench(term.TermBench):
    PHASES = ("hs_ecdsa", "resumed", "ka_tls")
    DIRECT = ()

    def setup(self):
        self.start_nginx(plain_port=self.nginx_plain)
        _, _, self.ecdsa = self.make_cert("ecdsa", common.EC_P256)
        self.term_port = {name: common.free_port() for name in PROXIES}
        self.port_of = {}

    def configure(self, kind):
        """Both proxies' configs with the terminating frontend on an abns@
        name or a loopback port (kind "abns" or "tcp")."""
        tag = "sluice-bench-%d" % os.getpid()
        self.write_configs("handoff.cfg.in", lambda name: {
            "@ECDSA_PEM@": self.ecdsa, "@NGINX_PLAIN@": self.nginx_plain,
            "@NGINX_TLS@": self.nginx_port,
            "@TERM@": "abns@%s-%s" % (tag, name) if kind == "abns"
                      else "127.0.0.1:%d" % self.term_port[name]})


ROWS = [
    ("hs_ecdsa_rate", "full handshakes/s (ECDSA P-256)", "%.0f"),
    ("hs_ecdsa_cpu", "  proxy CPU per handshake (us)", "%.1f"),
    ("resumed_rate", "resumed handshakes + request/s", "%.0f"),
    ("resumed_cpu", "  proxy CPU per connection (us)", "%.1f"),
    ("ka_tls_rate", "keep-alive HTTPS requests/s", "%.0f"),
    ("ka_tls_p50", "  latency p50 (ms)", "%.3f"),
    ("ka_tls_cpu", "  proxy CPU per request (us)", "%.2f"),
    ("idle_per", "memory per idle TLS connection (KiB)", "%.2f"),
]


def summarize(load, idles):
    """{metric: {proxy: median}} for HandoffBench.PHASES and the idle rounds."""
    s = {}
    for name in PROXIES:
        v = {}
        for phase in HandoffBench.PHASES:
            rs = load[name][phase]
            v[phase + "_rate"] = common.med([r.get("rate") for r in rs])
            v[phase + "_p50"] = common.med([r.get("p50") for r in rs])
            v[phase + "_cpu"] = common.med([r["cpu"] / r["requests"] * 1e6
                                            for r in rs if r.get("requests") and "cpu" in r])
        v["idle_per"] = common.med([i["per_conn"] for i in idles[name]])
        for k, x in v.items():
            s.setdefault(k, {})[name] = x
    return s


def fmt(f, v):
    return (f % v) if v is not None else "-"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    common.add_common_args(ap, 5000)
    ap.add_argument("--chain", choices=("tcp", "abns"), default="tcp",
                    help="what the chain goes through (default tcp: a loopback port)")
    a = ap.parse_args()
    if a.quick and a.idle == 5000:
        a.idle = 2000
    tools, ver, idle_n = common.prepare(a, ["wrk", "nginx", "openssl", "taskset"])
    b = HandoffBench(a, tools)
    b.idle_n = idle_n
    b.maxconn = 2 * idle_n + 64  # a terminated connection is two sessions
    base_args = a.sluice_args
    t0 = time.monotonic()
    cols = {}
    try:
        b.setup()
        for label, extra, kind in (("hand-off", "", "abns"), ("chain", " -dH", a.chain)):
            a.sluice_args = base_args + extra
            b.configure(kind)
            log("bench: sluice%s against haproxy, terminating frontend on %s" % (extra, kind))
            load = b.load()
            idles = {name: [] for name in PROXIES}
            for i in range(a.idle_rounds if common.wanted(a, "idle") else 0):
                for name in (PROXIES if i % 2 == 0 else tuple(reversed(PROXIES))):
                    log("bench: idle: %s%s with %d TLS connections" %
                        (name, extra if name == "sluice" else "", idle_n))
                    idles[name].append(b.idle(name))
            s = summarize(load, idles)
            cols["sluice " + label] = {k: v.get("sluice") for k, v in s.items()}
            # haproxy runs the same file: through abns@ beside the hand-off
            cols["haproxy " + kind] = {k: v.get("haproxy") for k, v in s.items()}
    finally:
        a.sluice_args = base_args
        b.cleanup()
    names = ["sluice hand-off", "sluice chain", "haproxy " + a.chain]
    if a.chain != "abns":
        names.append("haproxy abns")
    print()
    print("sluice hand-off benchmark: one port, passthrough + termination (mode http), "
          "median of %d slices of %ds per phase; chain over %s" % (a.rounds, a.duration,
                                                                   a.chain))
    print("sluice: %s   haproxy: %s" % (a.sluice, ver))
    head = "%-38s" % "metric" + "".join("%16s" % n for n in names) + "%10s%10s" % (
        "/s.chain", "/h." + a.chain)
    print(head)
    print("-" * len(head))
    for key, label, f in ROWS:
        label = label.replace("{n}", str(idle_n))
        vals = [cols[n].get(key) for n in names]
        row = "%-38s" % label + "".join("%16s" % fmt(f, v) for v in vals)
        for other in (vals[1], vals[2]):
            row += "%10s" % ("%.2f" % (vals[0] / other) if vals[0] and other else "-")
        print(row)
    print("proxy core: median %.0f%% used by others, %.0f%% stolen; %.0fs in all" % (
        common.med(b.other) or 0, common.med(b.steal) or 0, time.monotonic() - t0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
