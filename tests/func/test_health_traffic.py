#!/usr/bin/env python3
"""Traffic follows health (issue 4). A client loop opens one session after
another while checks change servers' states; each server's traffic port
always accepts, its check goes to a separate port ('check port') that the
test opens and closes, so a session reaching a server after its DOWN line
is the proxy's doing, never the server's. Covered: sessions leave a DOWN
server and come back after UP; backup servers take over when no active
server is up (the first one only, all of them with option allbackups); a
backend with no server left logs HAProxy's line and closes new sessions;
a flapping server gets no session after any of its DOWN lines; slowstart
makes a returning server's share grow over the period. inter 200ms, fall
2, rise 2; every scenario runs with nbthread 1 and 4."""

import collections
import contextlib
import time

import lib
import tls

H = tls.HealthServer
CHK = tls.HEALTH_CHECK
# A session the proxy sent just before a DOWN line may be accepted by the
# (Python) server a little after the line was seen.
MARGIN = 0.15
REFUSED = 'Layer4 connection problem, info: "Connection refused"'


def srv(name, traffic, health=None, opts=""):
    """A server line: traffic port, checks on health's port when given."""
    port = " port %d" % health.port if health else ""
    return "    server %s 127.0.0.1:%d %s%s%s\n" % (name, traffic.port, CHK, port, opts)


def frontend(name, port, be):
    return "frontend %s\n    bind 127.0.0.1:%d\n    default_backend %s\n" % (name, port, be)


def names(port, k):
    return collections.Counter(tls.one_session(port) for _ in range(k))


def wait_sessions(traffic, t0, k, timeout=5.0):
    """Waits until k client sessions started after t0; returns their
    answers (server names, None for a session closed unanswered)."""
    got = lib.wait_for(lambda: len(traffic.between(t0)) >= k, timeout)
    lib.ok(got, "%d sessions after %.1fs, want %d" % (len(traffic.between(t0)), timeout, k))
    return traffic.between(t0)


@lib.test
@tls.threads
def sessions_leave_a_down_server_and_come_back(n):
    """Both servers take sessions; from s1's DOWN line on every new session
    goes to s2 and none reaches s1; after its UP line s1 takes sessions
    again. No session is ever closed unanswered."""
    with H("s1") as s1, H("s2") as s2, H("h1") as h1:
        port = lib.free_port()
        p = tls.health_proxy(frontend("fe", port, "be") + "backend be\n"
                             + srv("s1", s1, h1) + srv("s2", s2), n)
        lt = p.logtail
        with tls.Traffic(port) as tr:
            t = time.monotonic()
            lib.ok(lib.wait_for(lambda: len(s1.sessions_since(t)) >= 3
                                and len(s2.sessions_since(t)) >= 3, 5),
                   "both servers up, yet: %s" % collections.Counter(tr.between(t)))

            m = lt.mark()
            h1.set_mode("refuse")
            t_down, l = lt.wait("Server be/s1 is DOWN", 3, m, "s1 DOWN")
            tls.expect_line(l, "Server be/s1 is DOWN, reason: %s, check duration: <D>ms. 1 active "
                            "and 0 backup servers left. <D> sessions active, 0 requeued, 0 "
                            "remaining in queue." % REFUSED)
            after = wait_sessions(tr, t_down + MARGIN, 20)
            lib.eq(set(after), {"s2"}, "servers of the sessions after s1's DOWN line")
            lib.eq(s1.sessions_since(t_down + MARGIN), [], "s1's sessions after its DOWN line")

            m = lt.mark()
            h1.set_mode("serve")
            t_up, l = lt.wait("Server be/s1 is UP", 3, m, "s1 UP")
            tls.expect_line(l, "Server be/s1 is UP, reason: Layer4 check passed, check duration: "
                            "<D>ms. 2 active and 0 backup servers online. 0 sessions requeued, "
                            "0 total in queue.")
            lib.ok(lib.wait_for(lambda: len(s1.sessions_since(t_up)) >= 3, 3),
                   "s1 gets no session after its UP line")
        lib.lacks(tr.between(0), None, "answers (None: a session closed unanswered)")


@lib.test
@tls.threads
def backup_servers_take_over(n):
    """Actives first; with every active DOWN the first backup takes all
    new sessions ("Running on backup."), or every backup with option
    allbackups; the active takes them back once UP."""
    with contextlib.ExitStack() as st:
        a1, b1, b2 = (st.enter_context(H(x)) for x in ("a1", "b1", "b2"))
        ha = st.enter_context(H("ha"))
        p1, p2 = lib.free_ports(2)
        servers = srv("a1", a1, ha) + srv("b1", b1, opts=" backup") + srv("b2", b2, opts=" backup")
        p = tls.health_proxy(frontend("fe", p1, "be") + frontend("fe_all", p2, "be_all")
                             + "backend be\n" + servers
                             + "backend be_all\n    option allbackups\n" + servers, n)
        lt = p.logtail
        lib.eq(dict(names(p1, 6)), {"a1": 6}, "be, active up")
        lib.eq(dict(names(p2, 6)), {"a1": 6}, "be_all, active up")

        m = lt.mark()
        ha.set_mode("refuse")
        for be in ("be", "be_all"):
            _, l = lt.wait("Server %s/a1 is DOWN" % be, 3, m, be + "/a1 DOWN")
            tls.expect_line(l, "Server %s/a1 is DOWN, reason: %s, check duration: <D>ms. 0 active "
                            "and 2 backup servers left. Running on backup. 0 sessions active, "
                            "0 requeued, 0 remaining in queue." % (be, REFUSED))
        lib.lacks(lt.text(m), "has no server available", "log")
        lib.eq(dict(names(p1, 8)), {"b1": 8}, "be, active down: first backup only")
        got = names(p2, 8)
        lib.eq(set(got), {"b1", "b2"}, "be_all, active down: every backup (%s)" % dict(got))

        m = lt.mark()
        ha.set_mode("serve")
        for be in ("be", "be_all"):
            _, l = lt.wait("Server %s/a1 is UP" % be, 3, m, be + "/a1 UP")
            tls.expect_line(l, "Server %s/a1 is UP, reason: Layer4 check passed, check duration: "
                            "<D>ms. 1 active and 2 backup servers online. 0 sessions requeued, "
                            "0 total in queue." % be)
        lib.eq(dict(names(p1, 6)), {"a1": 6}, "be, active back")
        lib.eq(dict(names(p2, 6)), {"a1": 6}, "be_all, active back")


@lib.test
@tls.threads
def no_server_available(n):
    """The last server going DOWN: its DOWN line, then 'backend be has no
    server available!'; new sessions are closed without reaching it; they
    reach it again once it is UP."""
    with H("s1") as s1, H("h1") as h1:
        port = lib.free_port()
        p = tls.health_proxy(frontend("fe", port, "be") + "backend be\n" + srv("s1", s1, h1), n)
        lt = p.logtail
        lib.eq(tls.one_session(port), "s1", "server before DOWN")
        m = lt.mark()
        h1.set_mode("refuse")
        t_down, l = lt.wait("Server be/s1 is DOWN", 3, m, "s1 DOWN")
        tls.expect_line(l, "Server be/s1 is DOWN, reason: %s, check duration: <D>ms. 0 active "
                        "and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining "
                        "in queue." % REFUSED)
        lt.wait(lambda x: x == "backend be has no server available!", 3, m, "no server")
        state = [l for _, l in lt.all(lambda x: not x.startswith("Connect from"), m)]
        lib.eq(state[:2], [l, "backend be has no server available!"], "lines")
        lib.eq([tls.one_session(port) for _ in range(4)], [None] * 4, "sessions with no server")
        lib.eq(s1.sessions_since(t_down + MARGIN), [], "s1's sessions after its DOWN line")
        m = lt.mark()
        h1.set_mode("serve")
        lt.wait("Server be/s1 is UP", 3, m, "s1 UP")
        lib.eq(tls.one_session(port), "s1", "server after UP")


@lib.test
@tls.threads
def on_marked_down_shutdown_sessions(n):
    """A live session on a server marked DOWN is cut at once with
    'on-marked-down shutdown-sessions' and left alone without it."""
    with H("s1") as s1, H("h1") as h1:
        p1, p2 = lib.free_ports(2)
        cut_opt = " on-marked-down shutdown-sessions"
        p = tls.health_proxy(frontend("fe_cut", p1, "cut") + frontend("fe_keep", p2, "keep")
                             + "backend cut\n" + srv("s1", s1, h1, cut_opt)
                             + "backend keep\n" + srv("s1", s1, h1), n)
        lt = p.logtail
        cut, keep = tls.connect(p1), tls.connect(p2)
        with cut, keep:
            for c in (cut, keep):
                c.sendall(b"x")
                lib.eq(tls.readline(c), "s1", "held session")
            m = lt.mark()
            h1.set_mode("refuse")
            for be in ("cut", "keep"):
                _, l = lt.wait("Server %s/s1 is DOWN" % be, 3, m, be + "/s1 DOWN")
                tls.expect_line(l, "Server %s/s1 is DOWN, reason: %s, check duration: <D>ms. 0 "
                                "active and 0 backup servers left. 1 sessions active, 0 "
                                "requeued, 0 remaining in queue." % (be, REFUSED))
            lib.ok(tls.time_to_eof(cut, 2.0) < 1.0, "cut session closed late")
            lib.ok(tls.silent_for(keep, 0.5), "kept session got data or EOF")


@lib.test
@tls.threads
def flapping_server_gets_nothing_after_down(n):
    """Three DOWN/UP cycles under a steady stream of sessions: no session
    reaches s1 between any DOWN line and the next UP line (timestamps of
    the log lines as seen vs accept times at the server)."""
    with H("s1") as s1, H("s2") as s2, H("h1") as h1:
        port = lib.free_port()
        p = tls.health_proxy(frontend("fe", port, "be") + "backend be\n"
                             + srv("s1", s1, h1) + srv("s2", s2), n)
        lt = p.logtail
        windows = []
        with tls.Traffic(port) as tr:
            t = time.monotonic()
            lib.ok(lib.wait_for(lambda: len(s1.sessions_since(t)) >= 3, 5), "s1 gets nothing")
            for cycle in range(3):
                m = lt.mark()
                h1.set_mode("refuse")
                t_down, _ = lt.wait("Server be/s1 is DOWN", 3, m, "DOWN %d" % cycle)
                # sessions must happen while it is DOWN, or the check
                # below has nothing to look at (a slow machine)
                lib.ok(lib.wait_for(lambda: sum(1 for t, _ in list(tr.log)
                                                if t >= t_down + MARGIN) >= 3, 5),
                       "cycle %d: no session while s1 is DOWN" % cycle)
                m = lt.mark()
                h1.set_mode("serve")
                t_up, _ = lt.wait("Server be/s1 is UP", 3, m, "UP %d" % cycle)
                windows.append((t_down, t_up))
                lib.ok(lib.wait_for(lambda: len(s1.sessions_since(t_up)) >= 2, 3),
                       "cycle %d: s1 gets no session after UP" % cycle)
        for i, (t_down, t_up) in enumerate(windows):
            bad = [round(t - t_down, 3) for t in s1.sessions_since(t_down + MARGIN)
                   if t < t_up - MARGIN]
            lib.eq(bad, [], "cycle %d: s1 sessions (s after DOWN) while DOWN for %.2fs"
                   % (i, t_up - t_down))
            got = [x for t, x in tr.log if t_down + MARGIN <= t < t_up - MARGIN]
            lib.ok(got and set(got) == {"s2"}, "cycle %d: sessions while s1 DOWN: %s"
                   % (i, collections.Counter(got)))
        lib.lacks(tr.between(0), None, "answers (None: a session closed unanswered)")


@lib.test
@tls.threads
def slowstart_share_grows(n):
    """slowstart 3s on s2 (same weight as s1): after s2's UP line its share
    of new sessions starts small and reaches about half at the end of the
    period (HAProxy raises the weight once per second: about 5%, 27%, 41%,
    then 50%)."""
    with H("s1") as s1, H("s2") as s2, H("h2", "refuse") as h2:
        port = lib.free_port()
        p = tls.health_proxy(frontend("fe", port, "be") + "backend be\n"
                             + srv("s1", s1) + srv("s2", s2, h2, " slowstart 3s"), n)
        lt = p.logtail
        lt.wait("Server be/s2 is DOWN", 3, what="s2 DOWN")
        m = lt.mark()
        h2.set_mode("serve")
        t_up, _ = lt.wait("Server be/s2 is UP", 3, m, "s2 UP")
        with tls.Traffic(port) as tr:
            lib.ok(lib.wait_for(lambda: time.monotonic() > t_up + 3.8
                                and tr.between(t_up + 3.8), 6), "no session after 3.8s")

        def share(a, b):
            got = [x for x in tr.between(t_up + a, t_up + b)]
            lib.ok(len(got) >= 10, "only %d sessions in [%.1f, %.1f)s" % (len(got), a, b))
            return got.count("s2") / len(got)
        first, mid, last = share(0.1, 0.9), share(1.2, 2.8), share(3.2, 3.8)
        msg = "s2's share: %.2f, %.2f, %.2f" % (first, mid, last)
        lib.ok(first <= 0.25, msg + ": too high in the first second")
        lib.ok(first < mid < last, msg + ": not growing")
        lib.ok(0.4 <= last <= 0.6, msg + ": not about half at the end")
        lib.lacks(tr.between(0), None, "answers (None: a session closed unanswered)")


lib.main()
