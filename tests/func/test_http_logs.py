#!/usr/bin/env python3
"""HTTP logs and counters: option httplog lines field by field
(reference §4.3: client, dates, frontend, backend/server, the
TR/Tw/Tc/Tr/Ta timers, status, bytes, the 4-char termination state,
counters, captures, request line), the termination states of local
answers and aborted exchanges (LR, PR, SD, CD, sH, cR, CR, SC, PH;
§4.6), timeouts in the body (sD, cD) with the abort counters, queued
requests (Tw, queue positions), HTTP log-format variables (§4.4) and
the idle/header timers (§4.5), one line per request on a keep-alive
connection, UDP syslog framing of an httplog line (§4.1), and the HTTP
columns of 'show stat' (§3.6) and the Prometheus HTTP counters (§5.2)
after a known mix of requests."""

import re
import socket
import threading
import time

import http_lab as H
import lib

HOLD = 0.2  # the server holds /wait this long: a floor for Tr and Ta (s)


def handler(req):
    t = req.target.split("?")[0]
    if t == "/wait":
        time.sleep(HOLD)
    elif t == "/half":
        req.conn.close_after = True
        return b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc"
    elif t == "/stream":
        # sends until the proxy stops reading from it (the client left)
        req.conn.send(b"HTTP/1.1 200 OK\r\nContent-Length: 100000000\r\n\r\n")
        try:
            for _ in range(300):
                req.conn.send(b"x" * 1000)
                time.sleep(0.01)
        except OSError:
            pass
        req.conn.close_after = True
        return None
    elif t == "/slow":
        time.sleep(2)
    elif t == "/garbage":
        return b"NOT HTTP\r\n\r\n"
    elif t == "/teapot":
        return H.ok_response("tea", status=418, reason="Teapot")
    return H.default_handler(req)


def lab(fe_extra="", be_extra="", stats=False, nbthread=1):
    b = H.Backend("s1", handler)
    port = lib.free_port()
    p = H.proxy("""\
frontend fe
    bind 127.0.0.1:%d
%s    http-request redirect location /x if { path /redir }
    http-request return status 200 content-type text/plain string ok if { path /ret }
    http-request deny if { path /deny }
    use_backend be_none if { path /none }
    default_backend be
backend be
    timeout server 1s
%s    server s1 127.0.0.1:%d
backend be_none
""" % (port, fe_extra, be_extra, b.port), glob=H.LOG_GLOBAL, defaults=H.LOG_DEFAULTS,
                stats=stats, nbthread=nbthread)
    return b, port, p


def accept_time(t):
    st = time.strptime(t[:-4], "%d/%b/%Y:%H:%M:%S")
    return time.mktime(st) + int(t[-3:]) / 1000.0


@lib.test
def httplog_fields_of_a_proxied_request():
    b, port, p = lab()
    try:
        wall0 = time.time()
        with H.Client(port) as c:
            cport = c.local_port
            t0 = time.monotonic()
            r = c.request("GET", "/wait?q=1", (("Host", "h.test"),))
            elapsed = H.elapsed_ms(t0)
        log = H.httplog(p)[0]
        lib.eq((log["ci"], log["cp"]), ("127.0.0.1", str(cport)), "client ip:port")
        lib.ok(abs(accept_time(log["tr"]) - wall0) < 2, "request date %s" % log["tr"])
        lib.eq((log["ft"], log["b"], log["s"]), ("fe", "be", "s1"), "frontend, backend/server")
        TR, Tw, Tc, Tr, Ta = (int(log[k]) for k in ("TR", "Tw", "Tc", "Tr", "Ta"))
        lib.ok(0 <= TR < 100 and 0 <= Tw < 100 and 0 <= Tc < 100, "TR/Tw/Tc %d/%d/%d" % (TR, Tw, Tc))
        lib.ok(HOLD * 1000 - 5 <= Tr <= Ta <= elapsed + 50,
               "Tr %d <= Ta %d, server held %d ms, client saw %.0f ms" % (Tr, Ta, HOLD * 1000, elapsed))
        lib.eq(log["ST"], "200", "status")
        # HAProxy counts the bytes of its internal message form, not the
        # wire bytes: only close to what the client received
        lib.ok(abs(int(log["B"]) - len(r.raw)) <= 16, "bytes %s, the client got %d" % (log["B"], len(r.raw)))
        lib.eq((log["CC"], log["CS"], log["tsc"]), ("-", "-", "----"), "cookies and termination state")
        lib.eq("/".join(log[k] for k in ("ac", "fc", "bc", "sc", "rc")), "1/1/0/0/0", "counters")
        lib.eq((log["sq"], log["bq"]), ("0", "0"), "queues")
        lib.eq(log["r"], "GET /wait?q=1 HTTP/1.1", "request line")
    finally:
        b.close()


@lib.test
def one_line_per_request_on_a_keep_alive_connection_with_local_answers():
    b, port, p = lab()
    try:
        with H.Client(port) as c:
            cport = str(c.local_port)
            for path in ("/a", "/redir", "/ret", "/deny", "/none"):
                c.request("GET", path)
            rd = c.request("GET", "/redir")
            c.request("POST", "/post", body=b"12345")
        logs = H.httplog(p, n=7)
        got = [(l["cp"], l["b"], l["s"], l["ST"], l["tsc"], l["r"]) for l in logs]
        lib.eq(got, [
            (cport, "be", "s1", "200", "----", "GET /a HTTP/1.1"),
            (cport, "fe", "<NOSRV>", "302", "LR--", "GET /redir HTTP/1.1"),
            (cport, "fe", "<NOSRV>", "200", "LR--", "GET /ret HTTP/1.1"),
            (cport, "fe", "<NOSRV>", "403", "PR--", "GET /deny HTTP/1.1"),
            (cport, "be_none", "<NOSRV>", "503", "SC--", "GET /none HTTP/1.1"),
            (cport, "fe", "<NOSRV>", "302", "LR--", "GET /redir HTTP/1.1"),
            (cport, "be", "s1", "200", "----", "POST /post HTTP/1.1"),
        ], "cp, backend, server, status, state, request of each line")
        # timers of what never reached a server: -1 for the phases not reached
        for l in logs[1:5]:
            lib.eq((l["Tw"], l["Tc"], l["Tr"]), ("-1", "-1", "-1"), "Tw/Tc/Tr of %s" % l["r"])
        lib.ok(abs(int(logs[5]["B"]) - len(rd.raw)) <= 16, "bytes %s of a redirect of %d" % (
            logs[5]["B"], len(rd.raw)))
    finally:
        b.close()


@lib.test
def termination_states_of_aborted_exchanges():
    b, port, p = lab(fe_extra="    timeout http-request 1s\n", be_extra="    retries 0\n")
    try:
        want = {}
        with H.Client(port) as c:   # the server closes in the middle of the body
            c.send(b"GET /half HTTP/1.1\r\nHost: a\r\n\r\n")
            c.read_until_close()
            want[c.local_port] = ("200", "SD--", "GET /half HTTP/1.1")
        with H.Client(port) as c:   # the client leaves in the middle of the body
            c.send(b"GET /stream HTTP/1.1\r\nHost: a\r\n\r\n")
            c.sock.recv(100)
            want[c.local_port] = ("200", "CD--", "GET /stream HTTP/1.1")
            c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        with H.Client(port) as c:   # timeout server before the response headers
            lib.eq(c.request("GET", "/slow").status, 504, "/slow")
            want[c.local_port] = ("504", "sH--", "GET /slow HTTP/1.1")
        with H.Client(port) as c:   # the server answers garbage
            lib.eq(c.request("GET", "/garbage").status, 502, "/garbage")
            want[c.local_port] = ("502", "PH--", "GET /garbage HTTP/1.1")
        with H.Client(port) as c:   # timeout http-request
            c.send(b"GET / HTTP/1.1\r\n")
            c.read_until_close()
            want[c.local_port] = ("408", "cR--", "<BADREQ>")
        with H.Client(port) as c:   # the client leaves in the middle of its headers
            c.send(b"GET / HTTP/1.1\r\nHost:")
            time.sleep(0.1)  # let the proxy read the partial head before the close
            want[c.local_port] = ("400", "CR--", "<BADREQ>")
        with H.Client(port) as c:   # an invalid request
            c.send(b"GET / HTTP/1.1\r\nHost : a\r\n\r\n")
            c.read_until_close()
            want[c.local_port] = ("400", "PR--", "<BADREQ>")
        logs = H.httplog(p, n=len(want), timeout=10)
        got = dict((int(l["cp"]), (l["ST"], l["tsc"], l["r"])) for l in logs)
        for cport, w in want.items():
            lib.eq(got.get(cport), w, "status, state, request of the exchange expecting %s" % (w,))
        bad = [l for l in logs if l["r"] == "<BADREQ>"]
        for l in bad:
            lib.eq((l["b"], l["s"], l["TR"], l["Tw"], l["Tc"], l["Tr"], l["B"]),
                   ("fe", "<NOSRV>", "-1", "-1", "-1", "-1", "0"), "fields of %s" % l["line"])
    finally:
        b.close()


@lib.test
def requests_refused_before_a_whole_head_are_counted():
    """HAProxy 2.6.12 counts a client gone before its first request, or
    in the middle of any request head, as a bad request: req_tot, ereq
    and hrsp_4xx, even under dontlognull (which only keeps an empty one
    out of the log); a 408 counts in req_tot too; a keep-alive connection
    closed between requests counts nothing."""
    b, port, p = lab(fe_extra="    timeout http-request 1s\n    option dontlognull\n", stats=True)
    try:
        with H.Client(port):        # nothing sent
            pass
        with H.Client(port) as c:   # half a head
            c.send(b"GET / HTTP/1.1\r\nHo")
        with H.Client(port) as c:   # one request, then gone between requests
            lib.eq(c.request("GET", "/ret").status, 200, "/ret")
        with H.Client(port) as c:   # one request, then half of the next
            lib.eq(c.request("GET", "/ret").status, 200, "/ret")
            c.send(b"GET /ret HTTP/1.1\r\n")
        with H.Client(port) as c:   # timeout http-request
            c.send(b"GET / HTTP/1.1\r\n")
            c.read_until_close()
        want = {"req_tot": "6", "ereq": "4", "hrsp_4xx": "4", "hrsp_2xx": "2"}

        def counters():
            row = H.stat_row(p, "fe", "FRONTEND")
            return dict((k, row[k]) for k in want)
        lib.ok(lib.wait_for(lambda: counters() == want, 10.0), "counters %s, want %s" % (counters(), want))
        logs = H.httplog(p, n=5, timeout=10)
        lib.eq(sorted((l["ST"], l["tsc"], l["r"]) for l in logs),
               sorted([("200", "LR--", "GET /ret HTTP/1.1"), ("200", "LR--", "GET /ret HTTP/1.1"),
                       ("400", "CR--", "<BADREQ>"), ("400", "CR--", "<BADREQ>"), ("408", "cR--", "<BADREQ>")]),
               "log lines (none for the connection that sent nothing)")
    finally:
        b.close()


@lib.test
def timeouts_during_the_body_and_abort_counters():
    def h(req):
        if req.target == "/stall":  # the body never ends
            req.conn.send(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc")
            time.sleep(3)
            return None
        return H.ok_response(b"x" * 5000000)
    with H.backend(handler=h) as b:
        port_s, port_c = lib.free_ports(2)
        p = H.proxy("""\
frontend fe_s
    bind 127.0.0.1:%d
    default_backend be_s
frontend fe_c
    bind 127.0.0.1:%d
    timeout client 1s
    default_backend be_c
backend be_s
    timeout server 1s
    server s1 127.0.0.1:%d
backend be_c
    server s1 127.0.0.1:%d
""" % (port_s, port_c, b.port, b.port), glob=H.LOG_GLOBAL, defaults=H.LOG_DEFAULTS, stats=True)
        with H.Client(port_s) as c:   # timeout server in the middle of the body
            c.send(b"GET /stall HTTP/1.1\r\nHost: a\r\n\r\n")
            lib.eq(c.read_until_close(), b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nabc", "truncated answer")
        with H.Client(port_c) as c:   # a client that stops reading a big answer
            c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            c.send(b"GET /big HTTP/1.1\r\nHost: a\r\n\r\n")
            c.sock.recv(100)
            lib.wait_for(lambda: [l for l in H.stdout_lines(p) if " fe_c " in l], timeout=5)
        ls = H.httplog(p, "fe_s")[0], H.httplog(p, "fe_c")[0]
        lib.eq([(l["ST"], l["tsc"]) for l in ls], [("200", "sD--"), ("200", "cD--")], "status and state")
        lib.ok(1000 <= int(ls[0]["Ta"]) < 2500, "Ta %s with timeout server 1s" % ls[0]["Ta"])
        lib.eq((H.stat_row(p, "be_s", "BACKEND")["srv_abrt"], H.stat_row(p, "be_s", "s1")["srv_abrt"]),
               ("1", "1"), "srv_abrt of be_s")
        lib.eq((H.stat_row(p, "be_c", "BACKEND")["cli_abrt"], H.stat_row(p, "be_c", "s1")["cli_abrt"]),
               ("1", "1"), "cli_abrt of be_c")


@lib.test
def idle_and_header_timers_on_a_keep_alive_connection():
    with H.backend() as b:
        port = lib.free_port()
        p = H.simple(port, b.port, fe_extra='    log-format "%r|%Th|%Ti|%TR|%Tq|%Tt|%Tu|%rt|%lc"\n',
                     glob=H.LOG_GLOBAL, defaults="    log global")
        with H.Client(port) as c:
            time.sleep(0.15)  # known idle time before the first request
            c.request("GET", "/1")
            time.sleep(0.3)   # idle between requests
            c.send(b"GET /2 HTTP/1.1\r\n")
            time.sleep(0.1)   # the head arrives in two parts: a floor for TR
            c.send(b"Host: a\r\n\r\n")
            c.response()
        lines = H.wait_log(p, lambda l: l.startswith("GET /"), n=2)
        f = [dict(zip(("r", "Th", "Ti", "TR", "Tq", "Tt", "Tu", "rt", "lc"), l.split("|"))) for l in lines]
        t = [dict((k, int(v)) for k, v in d.items() if k != "r") for d in f]
        lib.eq([d["r"] for d in f], ["GET /1 HTTP/1.1", "GET /2 HTTP/1.1"], "requests")
        for d, idle in zip(t, (150, 300)):
            lib.ok(d["Th"] == 0, "Th %d of a plain connection" % d["Th"])
            lib.ok(idle - 20 <= d["Ti"] < idle + 400, "Ti %d after %d ms idle" % (d["Ti"], idle))
            lib.eq(d["Tq"], d["Th"] + d["Ti"] + d["TR"], "Tq = Th + Ti + TR")
            lib.eq(d["Tu"], d["Tt"] - d["Ti"], "Tu = Tt - Ti")
            lib.ok(d["Tt"] >= d["Tq"], "Tt %d >= Tq %d" % (d["Tt"], d["Tq"]))
        lib.ok(t[0]["TR"] < 50, "TR %d of a head sent at once" % t[0]["TR"])
        lib.ok(90 <= t[1]["TR"] < 500, "TR %d of a head sent in two parts 100 ms apart" % t[1]["TR"])
        lib.eq([(d["rt"], d["lc"]) for d in t], [(0, 0), (1, 1)], "request and log counters")


@lib.test
def queued_requests_log_their_wait_and_queue_position():
    def slow(req):
        time.sleep(0.3)
        return H.default_handler(req)
    with H.backend(handler=slow) as b:
        port = lib.free_port()
        p = H.proxy("frontend fe\n    bind 127.0.0.1:%d\n    default_backend be\n"
                    "backend be\n    timeout queue 5s\n    server s1 127.0.0.1:%d maxconn 1\n"
                    % (port, b.port), glob=H.LOG_GLOBAL, defaults=H.LOG_DEFAULTS)
        cs = [H.Client(port) for _ in range(3)]
        ts = [threading.Thread(target=c.request, args=("GET", "/%d" % i)) for i, c in enumerate(cs)]
        for t in ts:
            t.start()
        for t in ts:
            t.join(10)
        for c in cs:
            c.close()
        logs = sorted(H.httplog(p, n=3), key=lambda l: int(l["Tw"]))
        tw = [int(l["Tw"]) for l in logs]
        lib.ok(tw[0] < 100 and 250 <= tw[1] < 500 and 550 <= tw[2] < 900,
               "Tw of three requests for a server with maxconn 1 held 300 ms each: %r" % tw)
        lib.eq([(l["sq"], l["bq"]) for l in logs], [("0", "0"), ("0", "1"), ("0", "2")],
               "server and backend queue positions")
        lib.eq(len(b.requests), 3, "requests at the server")


@lib.test
def captures_and_http_log_format_variables():
    b = H.Backend("s1", handler)
    try:
        port, fmt_port = lib.free_ports(2)
        p = H.proxy("""\
frontend fe
    bind 127.0.0.1:%d
    capture request header User-Agent len 10
    capture request header Host len 32
    capture response header X-Server len 5
    default_backend be
backend be
    server s1 127.0.0.1:%d
frontend fmt
    bind 127.0.0.1:%d
    log-format "%%HM|%%HP|%%HPO|%%HQ|%%HU|%%HV|%%ST|%%[capture.req.hdr(0)]|%%{+Q}r|%%U"
    capture request header X-Id len 8
    default_backend be
""" % (port, b.port, fmt_port), glob=H.LOG_GLOBAL, defaults=H.LOG_DEFAULTS)
        H.get(port, "/c", headers=(("Host", "cap.test"), ("User-Agent", "a-very-long-agent/1.0")))
        log = H.httplog(p)[0]
        lib.eq((log["hr"], log["hs"]), ("{a-very-lon|cap.test}", "{s1}"), "captures")
        req = b"POST /p/q.html?a=1&b=2 HTTP/1.1\r\nHost: f\r\nX-Id: id-7\r\nContent-Length: 3\r\n\r\nxyz"
        with H.Client(fmt_port) as c:
            c.send(req)
            c.response("POST")
        line = H.wait_log(p, lambda l: l.startswith("POST|"))[0]
        head, _, u = line.rpartition("|")
        lib.eq(head, 'POST|/p/q.html|/p/q.html|?a=1&b=2|/p/q.html?a=1&b=2|HTTP/1.1|200|id-7|'
               '"POST /p/q.html?a=1&b=2 HTTP/1.1"', "log-format line")
        lib.ok(abs(int(u) - len(req)) <= 16, "%%U %s for a request of %d bytes" % (u, len(req)))
    finally:
        b.close()


@lib.test
def show_stat_http_columns_after_a_known_mix():
    b, port, p = lab(stats=True)
    try:
        with H.Client(port) as c:
            for _ in range(5):
                c.request("GET", "/a")
            c.request("GET", "/teapot")
            c.request("GET", "/redir")
            c.request("GET", "/ret")
            c.request("GET", "/deny")
            c.request("GET", "/none")
            c.request("GET", "/garbage")
        with H.Client(port) as c:
            c.send(b"GET / HTTP/1.1\r\nHost : a\r\n\r\n")
            c.read_until_close()
        H.httplog(p, n=12)
        fe = H.stat_row(p, "fe", "FRONTEND")
        cols = ("req_tot", "hrsp_1xx", "hrsp_2xx", "hrsp_3xx", "hrsp_4xx", "hrsp_5xx", "hrsp_other",
                "ereq", "dreq", "intercepted")
        lib.eq(dict((k, fe[k]) for k in cols),
               {"req_tot": "12", "hrsp_1xx": "0", "hrsp_2xx": "6", "hrsp_3xx": "1", "hrsp_4xx": "3",
                "hrsp_5xx": "2", "hrsp_other": "0", "ereq": "1", "dreq": "1", "intercepted": "2"},
               "frontend row")
        lib.eq((fe["mode"], fe["stot"]), ("http", "2"), "frontend mode and sessions")
        s1 = H.stat_row(p, "be", "s1")
        lib.eq(dict((k, s1[k]) for k in ("hrsp_2xx", "hrsp_4xx", "hrsp_5xx", "eresp", "stot")),
               {"hrsp_2xx": "5", "hrsp_4xx": "1", "hrsp_5xx": "0", "eresp": "1", "stot": "7"},
               "server row (the 502 is the proxy's, not the server's)")
        be = H.stat_row(p, "be", "BACKEND")
        lib.eq(dict((k, be[k]) for k in ("req_tot", "hrsp_2xx", "hrsp_4xx", "hrsp_5xx")),
               {"req_tot": "7", "hrsp_2xx": "5", "hrsp_4xx": "1", "hrsp_5xx": "1"}, "backend row")
    finally:
        b.close()



@lib.test
def prometheus_http_counters_after_a_known_mix():
    with H.backend() as b:
        port, mport = lib.free_ports(2)
        H.proxy("""\
frontend fe
    bind 127.0.0.1:%d
    http-request deny if { path /deny }
    http-request redirect location /x if { path /redir }
    default_backend be
frontend metrics
    bind 127.0.0.1:%d
    http-request use-service prometheus-exporter
backend be
    server s1 127.0.0.1:%d
""" % (port, mport, b.port))
        with H.Client(port) as c:
            for _ in range(3):
                c.request("GET", "/")
            c.request("GET", "/deny")
            c.request("GET", "/redir")
        text = H.get(mport, "/metrics").body.decode()
        want = [
            'haproxy_frontend_http_requests_total{proxy="fe"} 5',
            'haproxy_frontend_http_responses_total{proxy="fe",code="1xx"} 0',
            'haproxy_frontend_http_responses_total{proxy="fe",code="2xx"} 3',
            'haproxy_frontend_http_responses_total{proxy="fe",code="3xx"} 1',
            'haproxy_frontend_http_responses_total{proxy="fe",code="4xx"} 1',
            'haproxy_frontend_http_responses_total{proxy="fe",code="5xx"} 0',
            'haproxy_frontend_http_responses_total{proxy="fe",code="other"} 0',
            'haproxy_backend_http_requests_total{proxy="be"} 3',
            'haproxy_backend_http_responses_total{proxy="be",code="2xx"} 3',
            'haproxy_server_http_responses_total{proxy="be",server="s1",code="2xx"} 3',
            'haproxy_server_http_responses_total{proxy="be",server="s1",code="4xx"} 0',
        ]
        lines = set(text.splitlines())
        missing = [w for w in want if w not in lines]
        lib.ok(not missing, "metrics missing or different: %s\n%s" % (missing, "\n".join(
            l for l in text.splitlines() if "http_re" in l and not l.startswith("#"))))


@lib.test
def httplog_over_udp_syslog():
    b = H.Backend("s1", handler)
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind((lib.LOOPBACK, 0))
    u.settimeout(5)
    try:
        port = lib.free_port()
        p = H.proxy("frontend fe\n    bind 127.0.0.1:%d\n    default_backend be\n"
                    "backend be\n    server s1 127.0.0.1:%d\n" % (port, b.port),
                    glob="    log-tag httplab\n    log 127.0.0.1:%d local0" % u.getsockname()[1],
                    defaults=H.LOG_DEFAULTS)
        with H.Client(port) as c:
            cport = c.local_port
            c.request("GET", "/udp")
        dgram = u.recv(65536).decode()
        m = re.match(r"^<134>[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d httplab\[%d\]: (.*?)\n?$" % p.pid, dgram)
        lib.ok(m, "syslog framing: %r" % dgram)
        log = H.HTTPLOG.match(m.group(1))
        lib.ok(log, "httplog layout: %r" % m.group(1))
        lib.eq((log["cp"], log["b"], log["s"], log["ST"], log["tsc"], log["r"]),
               (str(cport), "be", "s1", "200", "----", "GET /udp HTTP/1.1"), "fields")
    finally:
        u.close()
        b.close()


lib.main()
