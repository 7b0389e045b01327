#!/usr/bin/env python3
"""The Prometheus exporter (reference §5.2): 'http-request use-service
prometheus-exporter if { path /metrics }'. A strict exposition-format
check of the whole output (text format 0.0.4), HAProxy's metric names,
labels and enumerated state series, scope= and no-maint, HTTP details
(content-type, 503 outside /metrics, HEAD), and values after real traffic
through a TCP frontend."""

import http.client
import re
import socket

import lib

NAME = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\\\|\\"|\\n)*)"')
VALUE = re.compile(r"^(NaN|[+-]Inf|[+-]?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?)$")


def parse_exposition(text):
    """Checks text strictly; returns {family: {"type", "help", "samples":
    [(labels dict, value str)]}}."""
    fams = {}
    cur = None
    lib.ok(text.endswith("\n"), "output ends with a newline")
    for n, line in enumerate(text.split("\n")[:-1], 1):
        lib.ok(line != "", "line %d is empty" % n)
        if line.startswith("# HELP "):
            name, _, help_ = line[7:].partition(" ")
            lib.ok(NAME.match(name), "HELP name %r (line %d)" % (name, n))
            lib.ok(name not in fams, "family %s declared twice (line %d)" % (name, n))
            fams[name] = {"help": help_, "type": None, "samples": []}
            cur = name
            continue
        if line.startswith("# TYPE "):
            name, _, typ = line[7:].partition(" ")
            lib.eq(name, cur, "TYPE right after its HELP (line %d)" % n)
            lib.ok(fams[name]["type"] is None, "one TYPE per family (%s)" % name)
            lib.ok(typ in ("gauge", "counter"), "type %r of %s" % (typ, name))
            lib.eq(fams[name]["samples"], [], "TYPE before samples (%s)" % name)
            fams[name]["type"] = typ
            continue
        lib.ok(not line.startswith("#"), "unknown comment line %d: %r" % (n, line))
        m = re.match(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$", line)
        lib.ok(m, "sample line %d: %r" % (n, line))
        name, labels, value = m.group(1), m.group(3), m.group(4)
        lib.eq(name, cur, "sample of the current family (line %d)" % n)
        lib.ok(fams[name]["type"] is not None, "TYPE before samples (%s)" % name)
        lab = {}
        if labels is not None:
            rest = labels
            while rest:
                lm = LABEL.match(rest)
                lib.ok(lm, "labels of line %d: %r" % (n, labels))
                lib.ok(lm.group(1) not in lab, "label repeated on line %d" % n)
                lab[lm.group(1)] = lm.group(2)
                rest = rest[lm.end():]
                if rest:
                    lib.ok(rest.startswith(","), "label separator on line %d" % n)
                    rest = rest[1:]
        lib.ok(VALUE.match(value), "value %r on line %d" % (value, n))
        if fams[name]["type"] == "counter":
            lib.ok(name.endswith("_total") or name in COUNTERS_WITHOUT_TOTAL,
                   "counter %s ends in _total" % name)
        fams[name]["samples"].append((lab, value))
    for name, f in fams.items():
        lib.ok(f["samples"], "family %s has samples" % name)
    return fams


# HAProxy 2.6's counters whose name does not end in _total
COUNTERS_WITHOUT_TOTAL = {"haproxy_process_failed_resolutions"}


def setup():
    port, fe_port, down = lib.free_ports(3)
    echo_cm = lib.tcp_echo()
    echo = echo_cm.__enter__()
    cfg = lib.config("""\
defaults
    timeout client 5s
    timeout server 5s
    timeout connect 5s
frontend prom
    mode http
    bind 127.0.0.1:%d
    http-request use-service prometheus-exporter if { path /metrics }
frontend fe_tcp
    mode tcp
    bind 127.0.0.1:%d
    default_backend be_web
backend be_web
    mode tcp
    server s1 127.0.0.1:%d
    server s2 127.0.0.1:%d check inter 100ms
    server s3 127.0.0.1:%d disabled
""" % (port, fe_port, echo.port, down, echo.port))
    p = lib.start(cfg, ready_ports=[port, fe_port])
    return p, port, fe_port, echo_cm


def scrape(port, query=""):
    st, h, body = lib.http_get(port, "/metrics" + query)
    lib.eq(st, 200, "status")
    lib.eq(h.get("content-type"), "text/plain; version=0.0.4", "content-type")
    lib.eq(h.get("cache-control"), "no-cache", "cache-control")
    return parse_exposition(body.decode())


def sample(fams, name, **labels):
    for lab, v in fams[name]["samples"]:
        if lab == labels:
            return v
    lib.fail("no sample %s%r" % (name, labels))


@lib.test
def exposition_format_and_families():
    p, port, fe_port, echo = setup()
    fams = scrape(port)
    for name in ("haproxy_process_nbthread", "haproxy_process_uptime_seconds",
                 "haproxy_process_build_info", "haproxy_process_current_connections",
                 "haproxy_frontend_current_sessions", "haproxy_frontend_sessions_total",
                 "haproxy_frontend_status", "haproxy_frontend_http_requests_total",
                 "haproxy_backend_status", "haproxy_backend_active_servers",
                 "haproxy_server_status", "haproxy_server_check_status",
                 "haproxy_server_weight", "haproxy_backend_agg_server_status"):
        lib.ok(name in fams, "family %s present" % name)
    lib.eq(fams["haproxy_frontend_sessions_total"]["type"], "counter", "type")
    lib.eq(fams["haproxy_frontend_current_sessions"]["type"], "gauge", "type")
    lib.eq(list(fams["haproxy_process_build_info"]["samples"][0][0]), ["version"], "build_info labels")
    # TCP proxies get no http_* series
    for name, f in fams.items():
        if "_http_" in name:
            for lab, _ in f["samples"]:
                lib.ok(lab.get("proxy") != "fe_tcp" and lab.get("proxy") != "be_web",
                       "%s has a series for a TCP proxy" % name)
    lib.eq(sample(fams, "haproxy_frontend_status", proxy="fe_tcp", state="UP"), "1", "fe_tcp UP")
    lib.eq(sample(fams, "haproxy_frontend_status", proxy="fe_tcp", state="DOWN"), "0", "fe_tcp DOWN")
    states = [lab["state"] for lab, _ in fams["haproxy_server_status"]["samples"]
              if lab["server"] == "s1"]
    lib.eq(states, ["DOWN", "UP", "MAINT", "DRAIN", "NOLB"], "server states")
    lib.eq(sample(fams, "haproxy_server_status", proxy="be_web", server="s3", state="MAINT"), "1", "s3")
    # check_status only for checked servers
    checked = {lab["server"] for lab, _ in fams["haproxy_server_check_status"]["samples"]}
    lib.eq(checked, {"s2"}, "servers with check_status series")
    lib.stop(p)
    echo.__exit__(None, None, None)


@lib.test
def values_after_traffic():
    p, port, fe_port, echo = setup()
    # s2 goes DOWN after its first failed check
    lib.ok(lib.wait_for(lambda: sample(scrape(port), "haproxy_server_status", proxy="be_web",
                                       server="s2", state="DOWN") == "1"), "s2 DOWN")
    # the readiness probe of the test harness was a session too
    before = scrape(port)

    def delta(fams, name, **labels):
        return int(sample(fams, name, **labels)) - int(sample(before, name, **labels))

    for i in range(3):
        s = socket.create_connection(("127.0.0.1", fe_port), timeout=5)
        s.sendall(b"ping")
        lib.eq(s.recv(4), b"ping", "echo through fe_tcp")
        s.close()
    # bytes are added when a session ends, after the client has closed
    def settled():
        fams = scrape(port)
        return (delta(fams, "haproxy_backend_sessions_total", proxy="be_web") == 3 and
                delta(fams, "haproxy_frontend_bytes_in_total", proxy="fe_tcp") >= 12)
    ok = lib.wait_for(settled)
    fams = scrape(port)
    lib.ok(ok, "backend sessions_total: +%d" % delta(fams, "haproxy_backend_sessions_total", proxy="be_web"))
    lib.eq(delta(fams, "haproxy_frontend_sessions_total", proxy="fe_tcp"), 3, "frontend sessions_total")
    lib.eq(delta(fams, "haproxy_frontend_connections_total", proxy="fe_tcp"), 3, "connections_total")
    lib.eq(delta(fams, "haproxy_server_sessions_total", proxy="be_web", server="s1"), 3, "s1 sessions")
    lib.eq(delta(fams, "haproxy_server_sessions_total", proxy="be_web", server="s2"), 0, "s2 sessions")
    lib.ok(delta(fams, "haproxy_frontend_bytes_in_total", proxy="fe_tcp") >= 12, "bytes in")
    lib.eq(sample(fams, "haproxy_server_status", proxy="be_web", server="s1", state="UP"), "1", "s1 UP")
    lib.eq(sample(fams, "haproxy_server_check_status", proxy="be_web", server="s2", state="L4CON"), "1", "s2 L4CON")
    lib.eq(sample(fams, "haproxy_backend_active_servers", proxy="be_web"), "1", "active servers")
    lib.eq(sample(fams, "haproxy_backend_agg_server_status", proxy="be_web", state="DOWN"), "1", "agg DOWN")
    lib.eq(sample(fams, "haproxy_backend_agg_server_status", proxy="be_web", state="MAINT"), "1", "agg MAINT")
    lib.ok(int(sample(fams, "haproxy_frontend_http_requests_total", proxy="prom")) >= 1, "requests of prom")
    lib.stop(p)
    echo.__exit__(None, None, None)


@lib.test
def scope_and_no_maint():
    p, port, fe_port, echo = setup()
    fams = scrape(port, "?scope=server")
    lib.ok(all(n.startswith("haproxy_server_") for n in fams), "only server families: %s" % sorted(fams)[:3])
    fams = scrape(port, "?scope=global&scope=backend")
    lib.ok(all(n.startswith(("haproxy_process_", "haproxy_backend_")) for n in fams), "process+backend")
    lib.ok("haproxy_process_nbthread" in fams and "haproxy_backend_status" in fams, "both scopes")
    st, h, body = lib.http_get(port, "/metrics?scope=")
    lib.eq((st, body), (200, b""), "empty scope: nothing")
    st, h, body = lib.http_get(port, "/metrics?scope=nosuch")
    lib.eq(st, 400, "unknown scope")
    fams = scrape(port, "?scope=server&no-maint")
    servers = {lab["server"] for lab, _ in fams["haproxy_server_status"]["samples"]}
    lib.eq(servers, {"s1", "s2"}, "no-maint hides s3")
    lib.stop(p)
    echo.__exit__(None, None, None)


@lib.test
def other_paths_and_head():
    p, port, fe_port, echo = setup()
    st, h, body = lib.http_get(port, "/")
    lib.eq(st, 503, "outside /metrics")
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    c.request("HEAD", "/metrics")
    r = c.getresponse()
    lib.eq(r.status, 200, "HEAD status")
    lib.eq(r.read(), b"", "HEAD body")
    # the connection stays usable
    c.request("GET", "/metrics?scope=global")
    r = c.getresponse()
    lib.eq(r.status, 200, "second request on the connection")
    parse_exposition(r.read().decode())
    c.close()
    lib.stop(p)
    echo.__exit__(None, None, None)


def raw(port, data, timeout=5):
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    s.sendall(data)
    out = b""
    try:
        while True:
            d = s.recv(65536)
            if not d:
                break
            out += d
    except socket.timeout:
        out += b"<timeout>"
    except ConnectionResetError:
        out += b"<reset>"
    s.close()
    return out


@lib.test
def bad_input_gets_an_error_and_a_close():
    port = lib.free_port()
    cfg = lib.config("""\
defaults
    timeout client 5s
    timeout server 5s
    timeout connect 5s
    timeout http-request 300ms
frontend prom
    mode http
    bind 127.0.0.1:%d
    http-request use-service prometheus-exporter if { path /metrics }
""" % port)
    p = lib.start(cfg, ready_ports=[port])
    out = raw(port, b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(range(256)))
    lib.ok(out.startswith(b"HTTP/1.1 400 Bad request\r\n"), "binary junk: %r" % out[:40])
    big = b"GET /metrics HTTP/1.1\r\nX-Big: " + b"a" * (1 << 20) + b"\r\n\r\n"
    try:
        out = raw(port, big)
    except (BrokenPipeError, ConnectionResetError):
        out = b"HTTP/1.1 400 (reset while sending)"
    lib.ok(out.startswith(b"HTTP/1.1 400"), "1 MB header: %r" % out[:40])
    # a half-written request: 408 once timeout http-request expires
    out = raw(port, b"GET /metr")
    lib.ok(out.startswith(b"HTTP/1.1 408 Request Time-out\r\n"), "partial request: %r" % out[:60])
    # many clients at once, all served
    import threading
    results = []

    def one():
        try:
            st, h, body = lib.http_get(port, "/metrics?scope=global")
            results.append(st)
        except OSError as e:
            results.append(str(e))
    ts = [threading.Thread(target=one) for _ in range(40)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    lib.eq(results, [200] * 40, "40 concurrent scrapes")
    lib.ok(p.poll() is None, "still running")
    lib.stop(p)


lib.main()
