#!/usr/bin/env python3
"""Hand-off benchmark: one port for passthrough and termination.

bench/handoff.cfg.in is HAProxy's configuration for it: a mode tcp frontend
reads the SNI and sends the names it terminates to `server abns@... 
send-proxy-v2`, a mode http frontend that binds that socket with
`accept-proxy ssl`. haproxy runs it through the socket; sluice hands the
connection over in-process (doc/tls-termination.md, "One port for
passthrough and termination"); `sluice -dH` goes through the socket as
haproxy does. Three columns, same method as bench/term.py (pinned, slices
taken in turns, medians): full handshakes (ECDSA P-256), resumed handshakes
with a request (wrk, close), keep-alive HTTPS requests, memory per idle
terminated connection.

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
        _, _, ecdsa = self.make_cert("ecdsa", common.EC_P256)
        tag = "sluice-bench-%d" % os.getpid()
        self.write_configs("handoff.cfg.in", lambda name: {
            "@ECDSA_PEM@": ecdsa, "@NGINX_PLAIN@": self.nginx_plain,
            "@NGINX_TLS@": self.nginx_port, "@ABNS@": "%s-%s" % (tag, name)})
        self.port_of = {}


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
        for label, extra in (("hand-off", ""), ("-dH", " -dH")):
            a.sluice_args = base_args + extra
            log("bench: sluice%s against haproxy" % extra)
            load = b.load()
            idles = {name: [] for name in PROXIES}
            for i in range(a.idle_rounds):
                for name in (PROXIES if i % 2 == 0 else tuple(reversed(PROXIES))):
                    log("bench: idle: %s%s with %d TLS connections" %
                        (name, extra if name == "sluice" else "", idle_n))
                    idles[name].append(b.idle(name))
            s = summarize(load, idles)
            cols["sluice " + label] = {k: v.get("sluice") for k, v in s.items()}
            cols.setdefault("haproxy", {})
            for k, v in s.items():  # haproxy ran twice: keep both medians' mean
                h = v.get("haproxy")
                if h is not None:
                    old = cols["haproxy"].get(k)
                    cols["haproxy"][k] = h if old is None else (old + h) / 2
    finally:
        a.sluice_args = base_args
        b.cleanup()
    names = ["sluice hand-off", "sluice -dH", "haproxy"]
    print()
    print("sluice hand-off benchmark: one port, passthrough + termination (mode http), "
          "median of %d slices of %ds per phase" % (a.rounds, a.duration))
    print("sluice: %s   haproxy: %s" % (a.sluice, ver))
    head = "%-40s" % "metric" + "".join("%17s" % n for n in names) + "%12s%12s" % (
        "/haproxy", "/-dH")
    print(head)
    print("-" * len(head))
    for key, label, f in ROWS:
        label = label.replace("{n}", str(idle_n))
        vals = [cols[n].get(key) for n in names]
        row = "%-40s" % label + "".join("%17s" % fmt(f, v) for v in vals)
        for other in (vals[2], vals[1]):
            row += "%12s" % ("%.2f" % (vals[0] / other) if vals[0] and other else "-")
        print(row)
    print("proxy core: median %.0f%% used by others, %.0f%% stolen; %.0fs in all" % (
        common.med(b.other) or 0, common.med(b.steal) or 0, time.monotonic() - t0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
