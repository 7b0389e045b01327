#!/usr/bin/env python3
"""Active health checks at layers 4 and 6 (issue 4): a server that refuses,
one whose connect never completes, one that accepts then closes, one that
stops and comes back, TLS checks (check-ssl) against a TLS server, a plain
server, a silent server and a server with the wrong certificate. Each ends
in HAProxy's state, with HAProxy's log lines (reference §4.8), within
fall x inter (+ one interval) and back within rise x inter (+ one
interval). Timings: inter 200ms, fall 2, rise 2. Every scenario runs with
nbthread 1 and 4."""

import contextlib
import time

import lib
import tls

H = tls.HealthServer
CHK = tls.HEALTH_CHECK
# time for the poller, the threads and a loaded machine
SLACK = 0.4
LHC = "    option log-health-checks\n"


def backend(name, servers, lines=""):
    """'backend <name>' with <lines> and one server per (name, port, opts)."""
    return "backend %s\n%s%s" % (name, lines, "".join(
        "    server %s 127.0.0.1:%d %s\n" % s for s in servers))


def start(n, *backends, defaults=""):
    """A proxy with these backends (no frontend needs them: HAProxy checks
    every server of every backend), and the time it was up: checks start
    with the proxy, and a loaded machine may take a second to exec it."""
    p = tls.health_proxy("".join(backends), n, defaults=defaults)
    return p, time.monotonic()


def down(be, srv, reason, left="0 active and 0 backup servers left"):
    return ("Server %s/%s is DOWN, reason: %s, check duration: <D>ms. %s. "
            "0 sessions active, 0 requeued, 0 remaining in queue." % (be, srv, reason, left))


def sentinel(srv):
    """A backend whose HTTP check targets srv (a HealthServer in http mode):
    its count of checks tells that other servers were checked too."""
    return backend("sentinel", [("s1", srv.port, CHK)], "    option httpchk\n")


def wait_checks(srv, k, timeout=3.0):
    """Waits until srv has seen k more checks."""
    want = srv.checks + k
    lib.ok(lib.wait_for(lambda: srv.checks >= want, timeout),
           "%s checked %d times, want %d" % (srv.name, srv.checks, want))


REFUSED = 'Layer4 connection problem, info: "Connection refused"'


@lib.test
@tls.threads
def refused_server_goes_down_with_haproxy_line(n):
    """The first failure of a new server marks it DOWN (reference §0 #17):
    well within fall x inter + one interval of the start. The DOWN line
    names the reason and errno text, the servers left; a backend left
    with none says so."""
    with H("s1", "refuse") as r, H("s2", "serve") as ok, H("sentinel", "http") as sen:
        p, t0 = start(n,
                      backend("be", [("s1", r.port, CHK), ("s2", ok.port, CHK)]),
                      backend("solo", [("s1", r.port, CHK)]),
                      backend("lhc", [("s1", r.port, "check inter 200ms fall 3 rise 2")], LHC),
                      sentinel(sen))
        lt = p.logtail
        t, l = lt.wait("Server be/s1 is DOWN", what="be/s1 DOWN")
        tls.expect_line(l, down("be", "s1", REFUSED, "1 active and 0 backup servers left"))
        lib.ok(t - t0 <= tls.FALL * tls.INTER + tls.INTER + SLACK,
               "DOWN after %.2fs" % (t - t0))
        t, l = lt.wait("Server solo/s1 is DOWN", what="solo/s1 DOWN")
        tls.expect_line(l, down("solo", "s1", REFUSED))
        lt.wait(lambda x: x == "backend solo has no server available!", what="no server")
        # fall 3, yet the first failure already says DOWN
        _, l = lt.wait("Health check for server lhc/s1", what="lhc/s1 check")
        tls.expect_line(l, "Health check for server lhc/s1 failed, reason: %s, "
                        "check duration: <D>ms, status: 0/2 DOWN." % REFUSED)
        _, l = lt.wait("Server lhc/s1 is DOWN", what="lhc/s1 DOWN")
        # the check line already gave the reason
        lib.eq(l, "Server lhc/s1 is DOWN. 0 active and 0 backup servers left. "
               "0 sessions active, 0 requeued, 0 remaining in queue.", "lhc/s1 DOWN line")
        wait_checks(sen, 3)
        lib.lacks(lt.text(), "be/s2", "log")


@lib.test
@tls.threads
def stopped_server_goes_down_and_comes_back(n):
    """An UP server that starts refusing: 'UP 1/2' then DOWN after fall
    failures, within fall x inter + one interval; once it listens again,
    'DOWN 1/2' then UP after rise successes, within rise x inter + one
    interval. Logged with and without option log-health-checks."""
    with H("s1", "serve") as s1, H("s2", "serve") as s2, H("sentinel", "http") as sen:
        p, _ = start(n,
                     backend("be", [("s1", s1.port, CHK), ("s2", s2.port, CHK)], LHC),
                     backend("be2", [("s1", s1.port, CHK)]),
                     sentinel(sen))
        lt = p.logtail
        lt.wait("Health check for server be/s1 succeeded", what="first check of be/s1")
        # be2 logs nothing while all is well: wait for a few more checks
        wait_checks(sen, 3)
        lib.lacks(lt.text(), "be2/s1", "log")

        m, t0 = lt.mark(), time.monotonic()
        s1.set_mode("refuse")
        t, l = lt.wait("Server be/s1 is DOWN", 3, m, "be/s1 DOWN")
        lib.eq(l, "Server be/s1 is DOWN. 1 active and 0 backup servers left. "
               "0 sessions active, 0 requeued, 0 remaining in queue.", "DOWN line")
        lib.ok(t - t0 <= tls.FALL * tls.INTER + tls.INTER + SLACK, "DOWN after %.2fs" % (t - t0))
        lib.ok(t - t0 >= (tls.FALL - 1) * tls.INTER * 0.75,
               "DOWN after %.2fs: fall 2 needs two failures" % (t - t0))
        checks = [l for _, l in lt.all(lambda x: x.startswith("Health check for server be/s1"), m)]
        lib.eq(len(checks), 2, "check lines before DOWN:\n" + "\n".join(checks))
        for l, st in zip(checks, ("1/2 UP", "0/2 DOWN")):
            tls.expect_line(l, "Health check for server be/s1 failed, reason: %s, "
                            "check duration: <D>ms, status: %s." % (REFUSED, st))
        _, l = lt.wait("Server be2/s1 is DOWN", 3, m, "be2/s1 DOWN")
        tls.expect_line(l, down("be2", "s1", REFUSED))
        lt.wait(lambda x: x == "backend be2 has no server available!", 3, m, "no server")

        m, t1 = lt.mark(), time.monotonic()
        s1.set_mode("serve")
        t, l = lt.wait("Server be/s1 is UP", 3, m, "be/s1 UP")
        lib.eq(l, "Server be/s1 is UP. 2 active and 0 backup servers online. "
               "0 sessions requeued, 0 total in queue.", "UP line")
        lib.ok(t - t1 <= tls.RISE * tls.INTER + tls.INTER + SLACK, "UP after %.2fs" % (t - t1))
        lib.ok(t - t1 >= (tls.RISE - 1) * tls.INTER * 0.75,
               "UP after %.2fs: rise 2 needs two successes" % (t - t1))
        checks = [l for _, l in lt.all(lambda x: x.startswith("Health check for server be/s1"), m)]
        lib.eq(len(checks), 2, "check lines before UP:\n" + "\n".join(checks))
        for l, st in zip(checks, ("1/2 DOWN", "2/2 UP")):
            tls.expect_line(l, "Health check for server be/s1 succeeded, reason: Layer4 check "
                            "passed, check duration: <D>ms, status: %s." % st)
        _, l = lt.wait("Server be2/s1 is UP", 3, m, "be2/s1 UP")
        tls.expect_line(l, "Server be2/s1 is UP, reason: Layer4 check passed, check duration: "
                        "<D>ms. 1 active and 0 backup servers online. 0 sessions requeued, "
                        "0 total in queue.")


@lib.test
@tls.threads
def connect_that_never_completes_is_layer4_timeout(n):
    """A connect that never completes is cut after min(timeout connect,
    inter) when 'timeout check' is set (here 200ms, not the 1s of timeout
    check): L4TOUT. A server that accepts and stays silent passes a plain
    TCP check."""
    with contextlib.ExitStack() as st:
        hole = st.enter_context(tls.blackhole())
        silent = st.enter_context(H("silent", "hang"))
        sen = st.enter_context(H("sentinel", "http"))
        p, _ = start(n,
                     backend("be", [("s1", hole, CHK)]),
                     backend("quiet", [("s1", silent.port, CHK)], LHC),
                     sentinel(sen),
                     defaults="    timeout check 1s")
        lt = p.logtail
        _, l = lt.wait("Server be/s1 is DOWN", 3, what="be/s1 DOWN")
        (d,) = tls.expect_line(l, down("be", "s1", "Layer4 timeout"))
        lib.ok(150 <= d <= 600, "check duration %dms, want about 200" % d)
        _, l = lt.wait("Health check for server quiet/s1", 3, what="quiet/s1 check")
        tls.expect_line(l, "Health check for server quiet/s1 succeeded, reason: Layer4 check "
                        "passed, check duration: <D>ms, status: 2/2 UP.")
        wait_checks(sen, 3)
        lib.lacks(lt.text(), "quiet/s1 is DOWN", "log")


@lib.test
@tls.threads
def accept_then_close(n):
    """A server that accepts then closes without a word: a plain TCP check
    passes (L4OK, stays UP); an HTTP check gets no response (L7RSP, no
    info); a tcp-check expect gets an empty response (L7RSP with info)."""
    with H("s1", "close") as c:
        tcpchk = ("    option tcp-check\n    tcp-check send PING\\r\\n\n"
                  "    tcp-check expect string +PONG\n")
        p, _ = start(n,
                     backend("plain", [("s1", c.port, CHK)], LHC),
                     backend("http", [("s1", c.port, CHK)], "    option httpchk\n"),
                     backend("tcpchk", [("s1", c.port, CHK)], tcpchk))
        lt = p.logtail
        _, l = lt.wait("Server http/s1 is DOWN", 3, what="http/s1 DOWN")
        tls.expect_line(l, down("http", "s1", "Layer7 invalid response"))
        _, l = lt.wait("Server tcpchk/s1 is DOWN", 3, what="tcpchk/s1 DOWN")
        tls.expect_line(l, down("tcpchk", "s1", 'Layer7 invalid response, info: '
                                '"TCPCHK got an empty response at step 2"'))
        _, l = lt.wait("Health check for server plain/s1", 3, what="plain/s1 check")
        tls.expect_line(l, "Health check for server plain/s1 succeeded, reason: Layer4 check "
                        "passed, check duration: <D>ms, status: 2/2 UP.")
        wait_checks(c, 6)
        lib.lacks(lt.text(), "plain/s1 is DOWN", "log")


@lib.test
@tls.threads
def tls_checks(n):
    """check-ssl: a real handshake. A TLS server passes (L6OK, with and
    without verification); a plain server that closes fails the handshake
    (L6RSP, "SSL handshake failure"), one that waits for a request times out
    (L6TOUT); a certificate for another name fails verification (L6RSP)."""
    ca = tls.certs().ca
    # a handshake under ASan on a loaded machine can take longer than
    # 200ms, the check timeout with inter 200ms: 500ms here
    CHK = "check inter 500ms fall 2 rise 2"
    vfy = " check-ssl verify required ca-file %s check-sni " % ca
    with contextlib.ExitStack() as st:
        good = st.enter_context(H("good.health.test", "tls"))
        wrong = st.enter_context(H("wrong.health.test", "tls", cert="other.health.test"))
        closing = st.enter_context(H("closing", "close"))
        http = st.enter_context(H("http", "http"))
        p, _ = start(n,
                     backend("ok", [("s1", good.port, CHK + " check-ssl verify none")], LHC),
                     backend("ver", [("s1", good.port, CHK + vfy + "good.health.test")], LHC),
                     backend("wrong", [("s1", wrong.port, CHK + vfy + "wrong.health.test")]),
                     backend("plain", [("s1", closing.port, CHK + " check-ssl verify none")]),
                     backend("silent", [("s1", http.port, CHK + " check-ssl verify none")]))
        lt = p.logtail
        for be in ("ok", "ver"):
            _, l = lt.wait("Health check for server %s/s1" % be, 3, what=be + "/s1 check")
            tls.expect_line(l, "Health check for server %s/s1 succeeded, reason: Layer6 check "
                            "passed, check duration: <D>ms, status: 2/2 UP." % be)
        _, l = lt.wait("Server wrong/s1 is DOWN", 3, what="wrong/s1 DOWN")
        tls.expect_line(l, down("wrong", "s1", 'Layer6 invalid response, info: "Server '
                                'presented an SSL certificate different from the expected one"'))
        _, l = lt.wait("Server plain/s1 is DOWN", 3, what="plain/s1 DOWN")
        tls.expect_line(l, down("plain", "s1", 'Layer6 invalid response, info: '
                                '"SSL handshake failure"'))
        _, l = lt.wait("Server silent/s1 is DOWN", 3, what="silent/s1 DOWN")
        tls.expect_line(l, down("silent", "s1", "Layer6 timeout"))
        wait_checks(good, 6, timeout=8.0)
        lib.lacks(lt.text(), "ok/s1 is DOWN", "log")
        lib.lacks(lt.text(), "ver/s1 is DOWN", "log")


lib.main()
