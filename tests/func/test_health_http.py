#!/usr/bin/env python3
"""HTTP health checks (issue 4): option httpchk against servers answering
200 / 500 / 404, http-check expect status, http-check disable-on-404, a
server that never answers (L7TOUT per timeout check), HTTP checks over TLS
(check-ssl), the request bytes on the wire (reference §6.3) and recovery
from 500 to 200 within rise x inter (+ one interval). Log lines are
HAProxy's (reference §4.8). inter 200ms, fall 2, rise 2; every scenario
runs with nbthread 1 and 4."""

import contextlib
import time

import lib
import tls

H = tls.HealthServer
CHK = tls.HEALTH_CHECK
SLACK = 0.4
LHC = "    option log-health-checks\n"
LEFT0 = "0 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue."
ONLINE1 = "1 active and 0 backup servers online. 0 sessions requeued, 0 total in queue."


def backend(name, port, lines="", opts=""):
    return "backend %s\n%s    server s1 127.0.0.1:%d %s%s\n" % (name, lines, port, CHK, opts)


@lib.test
@tls.threads
def status_decides(n):
    """200 passes (L7OK, code 200); 500 and 404 fail (L7STS with the code
    and the server's reason phrase as info); 'http-check expect status 500'
    turns the tables; with disable-on-404 a 404 puts the server in the
    'stopping' state (L7OKC: UP for persistence, no new sessions)."""
    with contextlib.ExitStack() as st:
        ok = st.enter_context(H("ok", "http"))
        e500 = st.enter_context(H("e500", "http", status=500, reason="Internal Server Error"))
        e404 = st.enter_context(H("e404", "http", status=404, reason="Not Found"))
        hc = "    option httpchk GET /health\n"
        p = tls.health_proxy(
            backend("b200", ok.port, LHC + hc)
            + backend("b500", e500.port, hc)
            + backend("b404", e404.port, hc)
            + backend("want500", e500.port, LHC + hc + "    http-check expect status 500\n")
            + backend("want500got200", ok.port, hc + "    http-check expect status 500\n")
            + backend("d404", e404.port, hc + "    http-check disable-on-404\n"), n)
        lt = p.logtail
        _, l = lt.wait("Health check for server b200/s1", 3, what="b200/s1 check")
        tls.expect_line(l, "Health check for server b200/s1 succeeded, reason: Layer7 check "
                        "passed, code: 200, check duration: <D>ms, status: 2/2 UP.")
        for be, code, why in (("b500", 500, "Internal Server Error"), ("b404", 404, "Not Found"),
                              ("want500got200", 200, "OK")):
            _, l = lt.wait("Server %s/s1 is DOWN" % be, 3, what=be + "/s1 DOWN")
            tls.expect_line(l, 'Server %s/s1 is DOWN, reason: Layer7 wrong status, code: %d, '
                            'info: "%s", check duration: <D>ms. %s' % (be, code, why, LEFT0))
            lt.wait(lambda x, be=be: x == "backend %s has no server available!" % be, 3,
                    what="%s has no server" % be)
        _, l = lt.wait("Health check for server want500/s1", 3, what="want500/s1 check")
        tls.expect_line(l, "Health check for server want500/s1 succeeded, reason: Layer7 check "
                        "passed, code: 500, check duration: <D>ms, status: 2/2 UP.")
        _, l = lt.wait("Server d404/s1 is stopping", 3, what="d404/s1 stopping")
        tls.expect_line(l, "Server d404/s1 is stopping, reason: Layer7 check conditionally "
                        "passed, code: 404, check duration: <D>ms. 0 active and 0 backup "
                        "servers online. 0 sessions requeued, 0 total in queue.")
        lt.wait(lambda x: x == "backend d404 has no server available!", 3, what="d404 no server")
        k = ok.checks
        lib.ok(lib.wait_for(lambda: ok.checks >= k + 4, 3), "ok checked %d times" % ok.checks)
        text = lt.text()
        for be in ("b200", "want500"):
            lib.lacks(text, "%s/s1 is DOWN" % be, "log")
        lib.lacks(text, "d404/s1 is DOWN", "log")
        lib.eq(set(ok.requests), {b"GET /health HTTP/1.0\r\n\r\n"}, "check requests")


@lib.test
@tls.threads
def request_on_the_wire(n):
    """'option httpchk' alone sends 'OPTIONS / HTTP/1.0'; with a method, a
    URI and HTTP/1.1 plus 'http-check send hdr Host', the Host header
    and 'connection: close' (reference §6.3)."""
    with H("a", "http") as a, H("b", "http") as b:
        tls.health_proxy(
            backend("bare", a.port, "    option httpchk\n")
            + backend("full", b.port, "    option httpchk GET /health HTTP/1.1\n"
                      "    http-check send hdr Host example.com\n"), n)
        lib.ok(lib.wait_for(lambda: a.requests and b.requests, 3), "no check requests")
        lib.eq(a.requests[0], b"OPTIONS / HTTP/1.0\r\n\r\n", "bare httpchk request")
        lib.eq(b.requests[0], b"GET /health HTTP/1.1\r\nhost: example.com\r\n"
               b"connection: close\r\n\r\n", "httpchk with method, uri, version, host")


@lib.test
@tls.threads
def silent_server_is_layer7_timeout(n):
    """A server that accepts and never answers the request: L7TOUT after
    'timeout check' (400ms here, twice inter)."""
    with H("s1", "hang") as s1:
        p = tls.health_proxy(backend("be", s1.port, "    option httpchk\n"), n,
                             defaults="    timeout check 400ms")
        _, l = p.logtail.wait("Server be/s1 is DOWN", 3, what="be/s1 DOWN")
        (d,) = tls.expect_line(l, "Server be/s1 is DOWN, reason: Layer7 timeout, check "
                               "duration: <D>ms. " + LEFT0)
        lib.ok(350 <= d <= 800, "check duration %dms, want about 400" % d)


@lib.test
@tls.threads
def http_over_tls(n):
    """check-ssl with option httpchk: the HTTP check runs inside TLS."""
    with H("ok.health.test", "https") as ok, \
            H("bad.health.test", "https", status=503, reason="Service Unavailable") as bad:
        hc = "    option httpchk GET /ping\n"
        p = tls.health_proxy(backend("ok", ok.port, LHC + hc, " check-ssl verify none")
                             + backend("bad", bad.port, hc, " check-ssl verify none"), n)
        lt = p.logtail
        _, l = lt.wait("Health check for server ok/s1", 3, what="ok/s1 check")
        tls.expect_line(l, "Health check for server ok/s1 succeeded, reason: Layer7 check "
                        "passed, code: 200, check duration: <D>ms, status: 2/2 UP.")
        _, l = lt.wait("Server bad/s1 is DOWN", 3, what="bad/s1 DOWN")
        tls.expect_line(l, 'Server bad/s1 is DOWN, reason: Layer7 wrong status, code: 503, '
                        'info: "Service Unavailable", check duration: <D>ms. ' + LEFT0)
        lib.eq(ok.requests[0], b"GET /ping HTTP/1.0\r\n\r\n", "request inside TLS")


@lib.test
@tls.threads
def recovery_and_disable_on_404(n):
    """500 -> DOWN; 200 -> UP within rise x inter + one interval, logged
    with the code; 404 under disable-on-404 -> stopping; 200 -> UP again."""
    with H("s1", "http", status=500, reason="Internal Server Error") as s1:
        p = tls.health_proxy(backend("be", s1.port, "    option httpchk GET /\n"
                                     "    http-check disable-on-404\n"), n)
        lt = p.logtail
        lt.wait("Server be/s1 is DOWN", 3, what="be/s1 DOWN")

        m, t0 = lt.mark(), time.monotonic()
        s1.status, s1.reason = 200, "OK"
        t, l = lt.wait("Server be/s1 is UP", 3, m, "be/s1 UP")
        tls.expect_line(l, "Server be/s1 is UP, reason: Layer7 check passed, code: 200, "
                        "check duration: <D>ms. " + ONLINE1)
        lib.ok(t - t0 <= tls.RISE * tls.INTER + tls.INTER + SLACK, "UP after %.2fs" % (t - t0))

        m = lt.mark()
        s1.status, s1.reason = 404, "Not Found"
        _, l = lt.wait("Server be/s1 is stopping", 3, m, "be/s1 stopping")
        tls.expect_line(l, "Server be/s1 is stopping, reason: Layer7 check conditionally "
                        "passed, code: 404, check duration: <D>ms. 0 active and 0 backup "
                        "servers online. 0 sessions requeued, 0 total in queue.")
        m = lt.mark()
        s1.status, s1.reason = 200, "OK"
        _, l = lt.wait("Server be/s1 is UP", 3, m, "be/s1 UP again")
        tls.expect_line(l, "Server be/s1 is UP, reason: Layer7 check passed, code: 200, "
                        "check duration: <D>ms. " + ONLINE1)


lib.main()
