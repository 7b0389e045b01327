#!/usr/bin/env python3
"""sluice only: which 'mode http' proxies this version runs (the stats
page and the Prometheus exporter, engine/support.c) and how it refuses
the others at start-up, naming the line."""

import lib

BEYOND_HAPROXY = True

HEAD = """\
defaults
    mode http
    timeout client 5s
    timeout server 5s
    timeout connect 5s
"""


@lib.test
def http_proxying_is_refused_naming_the_line():
    port = lib.free_port()
    cfg = lib.config(HEAD + """\
frontend fe
    bind 127.0.0.1:%d
    default_backend be
backend be
    server s1 127.0.0.1:9
""" % port)
    r = lib.run(["-db", "-f", cfg], timeout=10)
    lib.eq(r.rc, 1, "exit status")
    lib.contains(r.err, "t.cfg:6:1: error: frontend 'fe' is in 'mode http' and forwards to a backend")
    lib.contains(r.err, "t.cfg:9:1: error: backend 'be' is in 'mode http'")


@lib.test
def other_http_rules_are_refused():
    port = lib.free_port()
    cfg = lib.config(HEAD + """\
frontend st
    bind 127.0.0.1:%d
    stats enable
    http-request set-header X-A b
""" % port)
    r = lib.run(["-db", "-f", cfg], timeout=10)
    lib.eq(r.rc, 1, "exit status")
    lib.contains(r.err, "t.cfg:9:5: error: 'http-request set-header' is not run by this version")


@lib.test
def a_mode_http_proxy_must_serve_something():
    port = lib.free_port()
    cfg = lib.config(HEAD + "frontend st\n    bind 127.0.0.1:%d\n" % port)
    r = lib.run(["-db", "-f", cfg], timeout=10)
    lib.eq(r.rc, 1, "exit status")
    lib.contains(r.err, "serves neither the stats page nor the Prometheus exporter")


@lib.test
def stats_and_exporter_run():
    port, port2 = lib.free_ports(2)
    cfg = lib.config(HEAD + """\
frontend st
    bind 127.0.0.1:%d
    http-request deny if { path_beg /private }
    http-request allow
    stats enable
frontend prom
    bind 127.0.0.1:%d
    http-request use-service prometheus-exporter
""" % (port, port2))
    p = lib.start(cfg, ready_ports=[port, port2])
    st, h, body = lib.http_get(port, "/haproxy?stats;csv")
    lib.eq(st, 200, "default stats uri")
    st, h, body = lib.http_get(port, "/private/x")
    lib.eq(st, 403, "http-request deny")
    lib.contains(body, b"<h1>403 Forbidden</h1>")
    st, h, body = lib.http_get(port2, "/anything")
    lib.eq(st, 200, "unconditional use-service")
    lib.stop(p)


lib.main()
