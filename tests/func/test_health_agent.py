#!/usr/bin/env python3
"""Agent checks and tcp-check sequences (issue 4). An agent (agent-check,
agent-port, agent-inter) answers down, up, drain, maint, ready or a weight
percentage; the server's state, HAProxy's log lines (reference §4.8) and
where new sessions go follow. The Redis recipe (tcp-check send PING /
expect +PONG / send QUIT / expect +OK) passes against a Redis-like server
and fails, with HAProxy's step diagnostics, against an error reply, an
empty reply and silence. inter 200ms, fall 2, rise 2; every scenario runs
with nbthread 1 and 4."""

import collections
import contextlib

import lib
import tls

H = tls.HealthServer
CHK = tls.HEALTH_CHECK
LHC = "    option log-health-checks\n"
LEFT1 = "1 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue."
LEFT0 = "0 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in queue."
ONLINE1 = "1 active and 0 backup servers online. 0 sessions requeued, 0 total in queue."
ONLINE2 = "2 active and 0 backup servers online. 0 sessions requeued, 0 total in queue."


def agent_opts(agent):
    return "%s weight 10 agent-check agent-port %d agent-inter 200ms" % (CHK, agent.port)


def pair(be, s1, s2, agent, lines="", fe_port=None):
    """Backend <be> with s1 (agent-checked) and s2, both weight 10, and a
    frontend on fe_port when given."""
    fe = ""
    if fe_port:
        fe = "frontend fe_%s\n    bind 127.0.0.1:%d\n    default_backend %s\n" % (be, fe_port, be)
    return fe + ("backend %s\n%s    server s1 127.0.0.1:%d %s\n"
                 "    server s2 127.0.0.1:%d %s weight 10\n"
                 % (be, lines, s1.port, agent_opts(agent), s2.port, CHK))


def shares(port, k):
    return collections.Counter(tls.one_session(port) for _ in range(k))


def agent_answers(agent, text, k=2):
    """Makes the agent say text and waits until it was asked k times since
    (the first answer given has then been read)."""
    agent.agent = text
    want = agent.checks + k
    lib.ok(lib.wait_for(lambda: agent.checks >= want, 3),
           "agent asked %d times, want %d" % (agent.checks, want))


@lib.test
@tls.threads
def agent_replies(n):
    """down -> DOWN (L7STS code 0, info "via agent : down", a comment after
    '#' shown in parentheses), drain -> drain state, maint -> maintenance,
    up -> a logged successful agent check; no new session goes to a DOWN
    or draining server."""
    with contextlib.ExitStack() as st:
        s1 = st.enter_context(H("s1"))
        s2 = st.enter_context(H("s2"))
        ag = {r: st.enter_context(H("agent-" + r, "agent", agent=t)) for r, t in (
            ("down", b"down\n"), ("drain", b"drain\n"), ("maint", b"maint\n"),
            ("up", b"up\n"), ("comment", b"down # going away\n"))}
        p_down, p_drain = lib.free_ports(2)
        p = tls.health_proxy(
            pair("ag_down", s1, s2, ag["down"], fe_port=p_down)
            + pair("ag_drain", s1, s2, ag["drain"], fe_port=p_drain)
            + pair("ag_maint", s1, s2, ag["maint"])
            + pair("ag_up", s1, s2, ag["up"], LHC)
            + pair("ag_comment", s1, s2, ag["comment"]), n)
        lt = p.logtail
        _, l = lt.wait("Server ag_down/s1 is DOWN", 3, what="ag_down/s1 DOWN")
        tls.expect_line(l, 'Server ag_down/s1 is DOWN, reason: Layer7 wrong status, code: 0, '
                        'info: "via agent : down", check duration: <D>ms. ' + LEFT1)
        _, l = lt.wait("Server ag_comment/s1 is DOWN", 3, what="ag_comment/s1 DOWN")
        tls.expect_line(l, 'Server ag_comment/s1 is DOWN, reason: Layer7 wrong status, '
                        'code: 0, info: "via agent : down (going away)", check duration: '
                        '<D>ms. ' + LEFT1)
        _, l = lt.wait("Server ag_drain/s1", 3, what="ag_drain/s1 drain")
        lib.eq(l, "Server ag_drain/s1 enters drain state. " + ONLINE1, "drain line")
        _, l = lt.wait("Server ag_maint/s1", 3, what="ag_maint/s1 maint")
        lib.eq(l, "Server ag_maint/s1 is going DOWN for maintenance. " + LEFT1, "maint line")
        _, l = lt.wait("Agent check for server ag_up/s1", 3, what="ag_up/s1 agent check")
        tls.expect_line(l, 'Agent check for server ag_up/s1 succeeded, reason: Layer7 check '
                        'passed, code: 0, info: "via agent : up", check duration: <D>ms, '
                        'status: 1/1 UP.')
        lib.eq(dict(shares(p_down, 8)), {"s2": 8}, "sessions with s1 DOWN")
        lib.eq(dict(shares(p_drain, 8)), {"s2": 8}, "sessions with s1 draining")
        lib.lacks(lt.text(), "ag_up/s1 is DOWN", "log")


@lib.test
@tls.threads
def agent_drives_state_and_weight(n):
    """One agent changing its mind: down, up, 50% (s1's share of new
    sessions halves: about 1/3 with s2 at the same weight), 100%, drain,
    ready, maint, ready, each logged as HAProxy does."""
    with H("s1") as s1, H("s2") as s2, H("agent", "agent", agent=b"down\n") as ag:
        port = lib.free_port()
        p = tls.health_proxy(pair("be", s1, s2, ag, fe_port=port), n)
        lt = p.logtail

        _, l = lt.wait("Server be/s1 is DOWN", 3, what="DOWN by agent")
        tls.expect_line(l, 'Server be/s1 is DOWN, reason: Layer7 wrong status, code: 0, info: '
                        '"via agent : down", check duration: <D>ms. ' + LEFT1)
        m = lt.mark()
        ag.agent = b"up\n"
        _, l = lt.wait("Server be/s1 is UP", 3, m, "UP by agent")
        tls.expect_line(l, 'Server be/s1 is UP, reason: Layer7 check passed, code: 0, info: '
                        '"via agent : up", check duration: <D>ms. ' + ONLINE2)
        got = shares(port, 20)
        lib.ok(8 <= got["s1"] <= 12, "equal weights: %s" % dict(got))

        agent_answers(ag, b"50%\n")
        got = shares(port, 30)
        lib.ok(7 <= got["s1"] <= 12, "s1 at 50%% of weight 10: %s, want about 10 of 30"
               % dict(got))
        agent_answers(ag, b"100%\n")
        got = shares(port, 20)
        lib.ok(8 <= got["s1"] <= 12, "back to 100%%: %s" % dict(got))

        m = lt.mark()
        ag.agent = b"drain\n"
        _, l = lt.wait("Server be/s1", 3, m, "drain")
        lib.eq(l, "Server be/s1 enters drain state. " + ONLINE1, "drain line")
        lib.eq(dict(shares(port, 6)), {"s2": 6}, "sessions while s1 drains")
        m = lt.mark()
        ag.agent = b"ready\n"
        _, l = lt.wait("Server be/s1", 3, m, "ready after drain")
        lib.eq(l, "Server be/s1 is UP (leaving forced drain).", "ready line")
        m = lt.mark()
        ag.agent = b"maint\n"
        _, l = lt.wait("Server be/s1", 3, m, "maint")
        lib.eq(l, "Server be/s1 is going DOWN for maintenance. " + LEFT1, "maint line")
        lib.eq(dict(shares(port, 6)), {"s2": 6}, "sessions while s1 is in maintenance")
        m = lt.mark()
        ag.agent = b"ready\n"
        _, l = lt.wait("Server be/s1", 3, m, "ready after maint")
        lib.eq(l, "Server be/s1 is UP/READY (leaving forced maintenance).", "ready line")
        lib.ok(lib.wait_for(lambda: shares(port, 4)["s1"] > 0, 3), "s1 never used again")


REDIS = """\
    option tcp-check
    tcp-check send PING\\r\\n
    tcp-check expect string +PONG
    tcp-check send QUIT\\r\\n
    tcp-check expect string +OK
"""


@lib.test
@tls.threads
def redis_tcp_check(n):
    """The usual Redis recipe: passes against a server answering +PONG and
    +OK (L7OK, code 0, info "(tcp-check)"), the bytes sent are PING and
    QUIT; fails on -ERR (L7RSP, "did not match content"), on an empty
    response and on silence (L7TOUT naming the step)."""
    with contextlib.ExitStack() as st:
        ok = st.enter_context(H("ok", "redis"))
        err = st.enter_context(H("err", "agent", agent=b"-ERR unknown command\r\n"))
        empty = st.enter_context(H("empty", "close"))
        silent = st.enter_context(H("silent", "hang"))
        p = tls.health_proxy("".join(
            "backend %s\n%s%s    server s1 127.0.0.1:%d %s\n" % (be, REDIS, lhc, srv.port, CHK)
            for be, srv, lhc in (("ok", ok, LHC), ("err", err, ""), ("empty", empty, ""),
                                 ("silent", silent, ""))), n,
            defaults="    timeout check 400ms")
        lt = p.logtail
        _, l = lt.wait("Health check for server ok/s1", 3, what="ok/s1 check")
        tls.expect_line(l, 'Health check for server ok/s1 succeeded, reason: Layer7 check '
                        'passed, code: 0, info: "(tcp-check)", check duration: <D>ms, '
                        'status: 2/2 UP.')
        _, l = lt.wait("Server err/s1 is DOWN", 3, what="err/s1 DOWN")
        tls.expect_line(l, 'Server err/s1 is DOWN, reason: Layer7 invalid response, info: '
                        '"TCPCHK did not match content \'+PONG\' at step 2", check duration: '
                        '<D>ms. ' + LEFT0)
        _, l = lt.wait("Server empty/s1 is DOWN", 3, what="empty/s1 DOWN")
        tls.expect_line(l, 'Server empty/s1 is DOWN, reason: Layer7 invalid response, info: '
                        '"TCPCHK got an empty response at step 2", check duration: <D>ms. '
                        + LEFT0)
        _, l = lt.wait("Server silent/s1 is DOWN", 3, what="silent/s1 DOWN")
        (d,) = tls.expect_line(l, 'Server silent/s1 is DOWN, reason: Layer7 timeout, info: '
                               '" at step 2 of tcp-check (expect string \'+PONG\')", check '
                               'duration: <D>ms. ' + LEFT0)
        lib.ok(350 <= d <= 800, "check duration %dms, want about 400" % d)
        lib.ok(lib.wait_for(lambda: ok.checks >= 4, 3), "ok checked %d times" % ok.checks)
        lib.eq(ok.requests[:2], [b"PING\r\n", b"QUIT\r\n"], "bytes of the first check")
        lib.lacks(lt.text(), "ok/s1 is DOWN", "log")


lib.main()
