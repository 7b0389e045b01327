#!/usr/bin/env python3
"""sluice only: what 'mode http' features this version does not run yet
is refused at start-up naming the line (engine/support.c); the stats page
and the exporter run in the HTTP engine."""

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
def what_http_mode_does_not_run_yet_is_refused_naming_the_line():
    port = lib.free_port()
    cfg = lib.config(HEAD + """\
frontend fe
    bind 127.0.0.1:%d
    monitor-uri /health
    default_backend be
backend be
    cookie SRV insert indirect nocache maxidle 30m
    server s1 127.0.0.1:9 cookie s1
backend be2
    dynamic-cookie-key k
    cookie D insert dynamic
    server s1 127.0.0.1:9
""" % port)
    r = lib.run(["-db", "-f", cfg], timeout=10)
    lib.eq(r.rc, 1, "exit status")
    lib.contains(r.err, "t.cfg:8:5: error: 'monitor-uri' is not run by this version")
    # cookie persistence runs, dated and dynamic cookies too
    # (test_http_cookie.py, test_http_cookie_dates.py)
    lib.lacks(r.err, "cookie")


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
