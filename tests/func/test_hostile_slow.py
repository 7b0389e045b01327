#!/usr/bin/env python3
"""Slow clients (slowloris) on every stage, as HAProxy 2.6 handles them
(observed on 2.6.12). Each slow client trickles a byte every 0.25 s, so
that no idle timeout alone would cut it; normal clients started during
the trickle must keep short round trips, and the cut must show in the
log (termination state, reference §4.6, §4.7) and the counters.

- TLS passthrough: a ClientHello trickled under "tcp-request
  inspect-delay": when the delay expires the rules run on what arrived
  (accept fails, the default backend gets the connection; a final
  "tcp-request content reject" closes it, "PR", counted in dreq).
  Without an inspect rule the bytes are forwarded as they come and only
  "timeout client" (idle) applies.
- TLS termination: the handshake is bounded by "timeout client" counted
  from the accept ("Timeout during SSL handshake").
- accept-proxy: a client that sends no PROXY header is cut at
  "timeout client" (HAProxy refuses a header split over several reads
  at once: see test_hostile_slow_beyond.py for sluice).
- HTTP: a trickled head gets 408 at "timeout http-request" ("cR--",
  ereq); without it "timeout client" runs between the reads, so a head
  trickled faster is not cut and gets its answer; a trickled body is
  not cut (each byte forwarded restarts "timeout server", which ends a
  stalled body with a 504, "sH--") unless "option http-buffer-request"
  makes "timeout http-request" cover it; the same over a TLS bind; a
  trickled second request on a keep-alive connection gets 408.
- 200 slow heads at once: a normal client keeps looping fast, all 200
  get 408 at their timeout, CurrConns returns to its baseline."""

import socket
import ssl
import time

import http_lab as H
import lib
import slow_lab as S
import tls
import tls_term

T = 2.0  # the stage timeout under test, seconds

STATS = "    stats socket %s level admin\n"


# ------------------------------------------------------ TLS passthrough

def passthrough(rules, d_port, a_port, sock):
    port = lib.free_port()
    p = tls.proxy("""\
frontend fe
    bind 127.0.0.1:%d
%s    use_backend be_a if { req.ssl_sni -i a.demo.test }
    default_backend be_d
backend be_a
    server s1 127.0.0.1:%d
backend be_d
    server s1 127.0.0.1:%d
""" % (port, rules, a_port, d_port), 1, glob=tls.LOG_GLOBAL + "\n" + STATS % sock,
        defaults=tls.LOG_DEFAULTS)
    return p, port


def normal_tls(port):
    def run():
        cn, banner, _ = tls.tls_cn(port, "a.demo.test")
        lib.eq((cn, banner), ("a.demo.test", "a.demo.test"), "normal client's CN and banner")
    return run


@lib.test
def passthrough_hello_trickled_goes_to_default_backend_at_inspect_delay():
    sock = S.stats_socket()
    with tls.tls_backend("a.demo.test") as a, tls.plain_backend("d", mode="echo") as d:
        p, port = passthrough("    tcp-request inspect-delay %dms\n"
                              "    tcp-request content accept if { req.ssl_hello_type 1 }\n"
                              % (T * 1000), d.port, a.port, sock)
        hello = S.hello_bytes("slow.demo.test")
        slow = S.Slow(port, hello)
        (_, rtts) = S.with_normal_clients(lambda: S.trickle([slow], T + 1.0), normal_tls(port))
        lib.eq(slow.how, "open", "the slow client after the inspect-delay")
        lib.eq(d.conns, 1, "connections on the default backend")
        at = d.accepted_at[0] - slow.t0
        lib.ok(T - 0.05 <= at < T + S.SLACK, "default backend reached after %.2fs, inspect-delay %.1fs"
               % (at, T))
        # what arrived is forwarded: the echo comes back after the banner
        lib.ok(lib.wait_for(lambda: S.trickle([slow], 0.2) and slow.got.startswith(b"d\n" + hello[:4])),
               "bytes forwarded to the default backend: %r" % slow.got[:40])
        slow.close()
        log = [l for l in tls.tcplog(p, n=len(rtts) + 1) if int(l["cp"]) == slow.local_port]
        lib.eq([(l["b"], l["ts"]) for l in log], [("be_d", "--")], "backend and state of the slow one")
        lib.ok(T * 1000 - 50 <= int(log[0]["Tw"]) < (T + S.SLACK) * 1000,
               "Tw %s: the inspect-delay" % log[0]["Tw"])


@lib.test
def passthrough_hello_trickled_rejected_at_inspect_delay():
    sock = S.stats_socket()
    with tls.tls_backend("a.demo.test") as a, tls.plain_backend("d", mode="echo") as d:
        p, port = passthrough("    tcp-request inspect-delay %dms\n"
                              "    tcp-request content accept if { req.ssl_hello_type 1 }\n"
                              "    tcp-request content reject\n" % (T * 1000), d.port, a.port, sock)
        slow = S.Slow(port, S.hello_bytes("a.demo.test"))
        (_, rtts) = S.with_normal_clients(lambda: S.trickle([slow], T + S.SLACK + 1), normal_tls(port))
        S.cut_within(slow, T, "trickled ClientHello, reject after the accept rule")
        lib.eq(slow.got, b"", "bytes the rejected client received")
        lib.eq(d.conns, 0, "connections on the default backend")
        log = [l for l in tls.tcplog(p, n=len(rtts) + 1) if int(l["cp"]) == slow.local_port]
        lib.eq(len(log), 1, "log lines of the slow client")
        lib.eq((log[0]["b"], log[0]["s"], log[0]["ts"]), ("fe", "<NOSRV>", "PR"), "its log line")
        row = S.stat(sock, "fe", "FRONTEND")
        lib.eq(row["dreq"], "1", "fe dreq")
        lib.eq(int(row["stot"]), len(rtts) + 1, "fe stot")


@lib.test
def passthrough_without_inspect_rule_forwards_a_trickle_at_once():
    """No tcp-request content rule: the connection goes to the server at
    once, bytes flow as they come; only the idle "timeout client" (here
    1 s) cuts it, once the trickle stops."""
    sock = S.stats_socket()
    with tls.tls_backend("a.demo.test") as a, tls.plain_backend("d", mode="echo") as d:
        p, port = passthrough("    timeout client 1s\n", d.port, a.port, sock)
        hello = S.hello_bytes("a.demo.test")[:14]   # 14 bytes: 3.5 s of trickle
        slow = S.Slow(port, hello)
        S.trickle([slow], len(hello) * S.STEP + 0.2)
        lib.eq((slow.how, slow.sent), ("open", len(hello)), "the trickling client after 3.5 s")
        lib.ok(d.accepted_at and d.accepted_at[0] - slow.t0 < 1.0, "backend reached at once")
        lib.ok(lib.wait_for(lambda: S.trickle([slow], 0.2) and
                            slow.got == b"d\n" + hello or slow.closed_at),
               "every trickled byte echoed: %r" % slow.got)
        S.trickle([slow], 1.0 + S.SLACK + 1)
        lib.ok(slow.closed_at is not None, "still open when idle")
        idle = slow.t0 + slow.closed_at - slow.last_at
        lib.ok(0.9 <= idle < 1.0 + S.SLACK, "closed %.2fs after the last byte, timeout client 1s" % idle)
        log = tls.tcplog(p)[0]
        lib.eq((log["b"], log["ts"]), ("be_d", "cD"), "backend and state")


# ------------------------------------------------------ TLS termination

@lib.test
def termination_handshake_trickled_cut_at_timeout_client():
    """50 clients trickling a ClientHello and 50 sending nothing."""
    pki = tls_term.pki()
    leaf = pki.leaf("a.example.test", sans=["a.example.test"])
    sock = S.stats_socket()
    with tls_term.terminating("crt %s" % leaf.pem, fe_extra="    timeout client %dms\n" % (T * 1000),
                              glob=STATS % sock) as (port, p, be):
        ctx = tls_term.context()
        hello = S.hello_bytes("a.example.test")
        slows = [S.Slow(port, hello if i % 2 else b"") for i in range(100)]

        def normal():
            c = tls_term.served(port, "a.example.test", ctx=ctx)
            lib.eq(c.banner, "echo", "banner through the terminated connection")
        S.with_normal_clients(lambda: S.trickle(slows, T + S.SLACK + 1), normal)
        for i, s in enumerate(slows):
            S.cut_within(s, T, "trickled ClientHello" if i % 2 else "silent client")
        lines = tls_term.wait_lines(p, "fe/1: Timeout during SSL handshake", n=len(slows))
        ports = sorted(int(l.split(" ")[0].rsplit(":", 1)[1]) for l in lines)
        lib.eq(ports, sorted(s.local_port for s in slows), "client ports of the handshake timeouts")
        S.wait_info(sock, "CurrConns", "0")


# ---------------------------------------------------------- accept-proxy

def accept_proxy(d_port, sock, t=T):
    port = lib.free_port()
    p = tls.proxy("""\
frontend fe
    bind 127.0.0.1:%d accept-proxy
    timeout client %dms
    default_backend be
backend be
    server s1 127.0.0.1:%d
""" % (port, t * 1000, d_port), 1, glob=tls.LOG_GLOBAL + "\n" + STATS % sock,
        defaults=tls.LOG_DEFAULTS)
    return p, port


def normal_proxied(port):
    hdr = tls.proxy_v2("10.1.2.3", "10.4.5.6", 1000, 2000)

    def run():
        with tls.connect(port) as c:
            c.sendall(hdr + b"ping\n")
            lib.eq(tls.readline(c), "d", "banner")
            lib.eq(tls.readline(c), "ping", "echo")
    return run


def proxy_header_timeouts(p, sock, slows, rtts):
    """The cut clients are logged as connection errors (reference §4.7),
    not as sessions: no ereq, no bytes, only the normal sessions count."""
    lines = tls_term.wait_lines(p, "fe/1: Timeout while waiting for PROXY protocol header",
                                n=len(slows))
    ports = sorted(int(l.split(" ")[0].rsplit(":", 1)[1]) for l in lines)
    lib.eq(ports, sorted(s.local_port for s in slows), "client ports of the PROXY timeouts")
    logs = tls.tcplog(p, n=len(rtts))
    lib.eq(sorted(set(l["ts"] for l in logs)), ["--"], "states of the normal sessions")
    lib.ok(not set(s.local_port for s in slows) & set(int(l["cp"]) for l in logs),
           "a cut client has a session log line")
    row = S.stat(sock, "fe", "FRONTEND")
    lib.eq((row["ereq"], row["stot"]), ("0", str(len(rtts))), "fe ereq, stot")
    S.wait_info(sock, "CurrConns", "0")


@lib.test
def accept_proxy_silent_client_cut_at_timeout_client():
    sock = S.stats_socket()
    with tls.plain_backend("d", mode="echo") as d:
        p, port = accept_proxy(d.port, sock)
        slow = S.Slow(port, b"")
        _, rtts = S.with_normal_clients(lambda: S.trickle([slow], T + S.SLACK + 1),
                                        normal_proxied(port))
        S.cut_within(slow, T, "client without a PROXY header")
        lib.eq(d.conns, len(rtts), "backend connections (the normal clients only)")
        proxy_header_timeouts(p, sock, [slow], rtts)


# ------------------------------------------------------------ HTTP mode

HEAD = b"GET /slow HTTP/1.1\r\nHost: a\r\nX-Pad: " + b"a" * 200


def http_proxy(b_port, fe_extra, bind_extra=""):
    port = lib.free_port()
    p = H.proxy("frontend fe\n    bind 127.0.0.1:%d%s\n%s    default_backend be\n"
                "backend be\n    server s1 127.0.0.1:%d\n" % (port, bind_extra, fe_extra, b_port),
                glob=H.LOG_GLOBAL, defaults=H.LOG_DEFAULTS, stats=True)
    return p, port


def normal_http(port):
    def run():
        lib.eq(H.get(port, "/normal").status, 200, "normal request")
    return run


def own_log(p, slow, n):
    """The httplog line of the Slow among the first n lines of fe (a
    normal client, answered, may have reused its port once it closed)."""
    ls = [l for l in H.httplog(p, n=n, timeout=10)
          if int(l["cp"]) == slow.local_port and "/normal" not in l["r"]]
    lib.eq(len(ls), 1, "log lines of the slow client")
    return ls[0]


@lib.test
def http_head_trickled_gets_408_at_timeout_http_request():
    with H.backend() as b:
        p, port = http_proxy(b.port, "    timeout http-request %dms\n" % (T * 1000))
        slow = S.Slow(port, HEAD)
        late = S.Slow(port, HEAD)   # idle 1 s, then trickles
        late.next_at = late.t0 + 1.0
        _, rtts = S.with_normal_clients(lambda: S.trickle([slow, late], T + 1.0 + S.SLACK + 1),
                                        normal_http(port))
        S.cut_within(slow, T, "trickled head")
        lib.eq(slow.got, H.ERR[408], "answer to the trickled head")
        # the timeout counts from the first byte of the request
        S.cut_within(late, T + 1.0, "head trickled after 1 s idle")
        lib.eq(late.got, H.ERR[408], "answer to the late head")
        l = own_log(p, slow, len(rtts) + 2)
        lib.eq((l["ST"], l["tsc"], l["r"], l["b"]), ("408", "cR--", "<BADREQ>", "fe"), "its log line")
        lib.ok(T * 1000 - 50 <= int(l["Ta"]) < (T + S.SLACK) * 1000, "Ta %s" % l["Ta"])
        row = H.stat_row(p, "fe", "FRONTEND")
        lib.eq((row["ereq"], row["hrsp_4xx"]), ("2", "2"), "fe ereq, hrsp_4xx")
        lib.eq(row["hrsp_2xx"], str(len(rtts)), "fe hrsp_2xx")
        lib.ok(not any(r.target == "/slow" for r in b.requests), "the slow request reached the server")


@lib.test
def http_head_trickled_without_http_request_timeout_is_not_cut():
    """Without "timeout http-request", "timeout client" (1 s) applies
    between the reads: a head sent a byte every 0.25 s for 5 s is served."""
    with H.backend() as b:
        p, port = http_proxy(b.port, "    timeout client 1s\n")
        req = b"GET /slow HTTP/1.1\r\nHost: a\r\n\r\n"
        slow = S.Slow(port, req, step=5.0 / len(req))
        S.with_normal_clients(lambda: S.trickle([slow], 5.0 + S.SLACK + 1), normal_http(port))
        lib.ok(slow.got.startswith(b"HTTP/1.1 200"), "answer to a head trickled over 5 s: %r" % slow.got[:100])
        lib.ok(slow.sent == len(req), "all sent")
        lib.ok(any(r.target == "/slow" for r in b.requests), "the slow request reached the server")
        # once it stops, the same timeout cuts the idle keep-alive connection
        lib.ok(slow.closed_at is not None and slow.closed_at > 5.0, "closed after the trickle, at %s" %
               slow.closed_at)


def post_head(n):
    return b"POST /up HTTP/1.1\r\nHost: a\r\nContent-Length: %d\r\n\r\n" % n


@lib.test
def http_body_trickled_is_not_cut_by_timeout_http_request():
    """A body trickled for 4 s with "timeout http-request 1s" and
    "timeout client 1s": the head is complete, the body streams to the
    server under the idle client timeout; the answer comes."""
    with H.backend() as b:
        p, port = http_proxy(b.port, "    timeout http-request 1s\n    timeout client 1s\n")
        body = b"x" * 16
        slow = S.Slow(port, body, prefix=post_head(len(body)))
        S.with_normal_clients(lambda: S.trickle([slow], 4.0 + S.SLACK + 1), normal_http(port))
        lib.ok(slow.got.startswith(b"HTTP/1.1 200"), "answer after the trickled body: %r" % slow.got[:100])
        ups = [r for r in b.requests if r.target == "/up"]
        lib.eq([r.body for r in ups], [body], "body at the server")


@lib.test
def http_body_stalled_gets_504_at_timeout_server():
    """A body trickled for 4 s then stalled, "timeout client 1s",
    "timeout server 2s": each byte forwarded restarts the server's timer,
    so the trickle is not cut; once it stops, "timeout server" (not the
    client's) ends it with a 504, "sH--", counted in eresp. A client
    that leaves in the middle of its body is logged "CD--", counted in
    cli_abrt."""
    with H.backend() as b:
        port = lib.free_port()
        p = H.proxy("""\
frontend fe
    bind 127.0.0.1:%d
    timeout client 1s
    default_backend be
backend be
    timeout server 2s
    server s1 127.0.0.1:%d
""" % (port, b.port), glob=H.LOG_GLOBAL, defaults=H.LOG_DEFAULTS, stats=True)
        slow = S.Slow(port, b"x" * 16, prefix=post_head(100))
        _, rtts = S.with_normal_clients(lambda: S.trickle([slow], 4.0 + 2.0 + S.SLACK + 1),
                                        normal_http(port))
        lib.ok(slow.closed_at is not None, "still open after the stall")
        idle = slow.t0 + slow.closed_at - slow.last_at
        lib.eq(slow.sent, 16, "bytes trickled before the cut")
        lib.ok(2.0 - 0.05 <= idle < 2.0 + S.SLACK, "cut %.2fs after the last byte, timeout server 2s"
               % idle)
        # the rest of the body cannot be skipped: the 504 closes, and says so
        lib.eq(slow.got, H.ERR[504].replace(b"text/html\r\n\r\n", b"text/html\r\nconnection: close\r\n\r\n"),
               "answer to the stalled body")
        gone = S.Slow(port, b"", prefix=post_head(100) + b"abc")
        lib.ok(lib.wait_for(lambda: b.conns and len(b.conns) >= 1, 5), "server connection")
        time.sleep(0.2)  # lets the proxy forward the head before the FIN
        gone.sock.shutdown(socket.SHUT_WR)
        S.trickle([gone], 5)
        lib.ok(gone.closed_at is not None, "closed after the client's FIN")
        mine = dict((int(l["cp"]), l) for l in H.httplog(p, n=len(rtts) + 2, timeout=10))
        got = [(mine[x.local_port]["ST"], mine[x.local_port]["tsc"], mine[x.local_port]["r"])
               for x in (slow, gone)]
        lib.eq(got, [("504", "sH--", "POST /up HTTP/1.1"), ("-1", "CD--", "POST /up HTTP/1.1")],
               "log lines of the stalled body and the vanished client")
        be = H.stat_row(p, "be", "BACKEND")
        lib.eq((be["eresp"], be["cli_abrt"], be["hrsp_5xx"]), ("1", "1", "1"), "be eresp, cli_abrt, hrsp_5xx")


@lib.test
def http_buffered_body_trickled_gets_408_at_timeout_http_request():
    """option http-buffer-request: waiting for the body is part of the
    request, bounded by "timeout http-request" (408, the request line
    logged)."""
    with H.backend() as b:
        p, port = http_proxy(b.port, "    option http-buffer-request\n    timeout http-request %dms\n"
                             % (T * 1000))
        body = b"x" * 100
        slow = S.Slow(port, body, prefix=post_head(len(body)))
        _, rtts = S.with_normal_clients(lambda: S.trickle([slow], T + S.SLACK + 1), normal_http(port))
        S.cut_within(slow, T, "trickled body")
        lib.ok(slow.got.startswith(b"HTTP/1.1 408"), "answer: %r" % slow.got[:100])
        l = own_log(p, slow, len(rtts) + 1)
        lib.eq((l["ST"], l["tsc"], l["r"]), ("408", "cR--", "POST /up HTTP/1.1"), "its log line")
        lib.ok(not any(r.target == "/up" for r in b.requests), "the slow request reached the server")


@lib.test
def https_head_trickled_gets_408_at_timeout_http_request():
    pki = tls_term.pki()
    leaf = pki.leaf("a.example.test", sans=["a.example.test"])
    with H.backend() as b:
        p, port = http_proxy(b.port, "    timeout http-request %dms\n" % (T * 1000),
                             bind_extra=" ssl crt %s" % leaf.pem)
        ctx = tls_term.context()
        raw = socket.create_connection((lib.LOOPBACK, port), timeout=10)
        s = ctx.wrap_socket(raw, server_hostname="a.example.test")
        t0 = time.monotonic()

        def slow():
            got, i = b"", 0
            while True:
                if i < len(HEAD):
                    try:
                        s.sendall(HEAD[i:i + 1])
                        i += 1
                    except (ssl.SSLError, OSError):
                        i = len(HEAD)  # the proxy has closed: read what it sent
                s.settimeout(S.STEP)
                try:
                    d = s.recv(65536)
                except socket.timeout:
                    continue
                except (ssl.SSLError, OSError):
                    d = b""
                if not d:
                    return got, time.monotonic() - t0, i
                got += d

        def normal():
            c = tls_term.dial(port, "a.example.test", ctx=ctx, banner=False)
            try:
                c.sock.sendall(b"GET /normal HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
                out = b""
                while True:
                    d = c.sock.recv(65536)
                    if not d:
                        break
                    out += d
                lib.ok(out.startswith(b"HTTP/1.1 200"), "normal answer: %r" % out[:100])
            finally:
                c.close()
        (got, took, sent), rtts = S.with_normal_clients(slow, normal)
        s.close()
        lib.ok(T - 0.05 <= took < T + S.SLACK, "cut after %.2fs (%d bytes), want %.1fs" % (took, sent, T))
        lib.eq(got, H.ERR[408], "answer to the trickled head")
        l = [l for l in H.httplog(p, n=len(rtts) + 1, timeout=10) if l["ST"] == "408"]
        lib.eq([(x["tsc"], x["r"]) for x in l], [("cR--", "<BADREQ>")], "the 408 log line")


@lib.test
def keepalive_second_request_trickled_gets_408():
    with H.backend() as b:
        p, port = http_proxy(b.port, "    timeout http-request %dms\n    timeout http-keep-alive 1s\n"
                             % (T * 1000))
        first = b"GET /first HTTP/1.1\r\nHost: a\r\n\r\n"
        slow = S.Slow(port, HEAD, prefix=first)
        _, rtts = S.with_normal_clients(lambda: S.trickle([slow], T + S.SLACK + 1), normal_http(port))
        S.cut_within(slow, T, "trickled second request (keep-alive 1s, http-request 2s)")
        lib.ok(slow.got.startswith(b"HTTP/1.1 200"), "first answer: %r" % slow.got[:60])
        lib.ok(slow.got.endswith(H.ERR[408]), "then a 408: %r" % slow.got[-120:])
        mine = [l for l in H.httplog(p, n=len(rtts) + 2, timeout=10) if int(l["cp"]) == slow.local_port]
        lib.eq([(l["ST"], l["tsc"]) for l in mine], [("200", "----"), ("408", "cR--")], "its log lines")


@lib.test
def two_hundred_slow_heads_do_not_slow_a_normal_client():
    N = 200
    with H.backend() as b:
        p, port = http_proxy(b.port, "    timeout http-request %dms\n" % (T * 1000))
        slows = []
        t0 = time.monotonic()
        for _ in range(N):
            slows.append(S.Slow(port, HEAD))
        opened = time.monotonic() - t0
        _, rtts = S.with_normal_clients(lambda: S.trickle(slows, T + opened + S.SLACK + 2),
                                        normal_http(port))
        late = [s for s in slows if s.closed_at is None]
        lib.eq(len(late), 0, "slow clients still open")
        for s in slows:
            S.cut_within(s, T, "slow head %d" % s.local_port)
        bad = [s for s in slows if s.got != H.ERR[408]]
        lib.eq(len(bad), 0, "slow clients without a 408 (first: %r)" % (bad[0].got[:80] if bad else b""))
        for s in slows:
            s.close()
        # 0, not a value read at the start: a readiness probe's connection
        # may still be counted then
        S.wait_info(p.sock, "CurrConns", "0")
        row = H.stat_row(p, "fe", "FRONTEND")
        lib.eq((row["ereq"], row["hrsp_4xx"]), (str(N), str(N)), "fe ereq, hrsp_4xx")
        cuts = [s.closed_at for s in slows]
        print("    %d slow heads cut after %.2f-%.2f s; normal round trips %d, max %.0f ms, mean %.1f ms"
              % (N, min(cuts), max(cuts), len(rtts), max(rtts) * 1000, sum(rtts) / len(rtts) * 1000))


lib.main()
