#!/usr/bin/env python3
"""Stats socket commands that change servers, frontends and sessions
(reference §3.3, §3.4, §4.8), checked on real traffic through a TCP
frontend whose servers announce their name: disable/enable server, drain,
weight 0, set addr, health down/up, check-port, disable/enable/shutdown
frontend, set maxconn server (queueing) and frontend, shutdown session(s),
show sess, the exact answers and errors, and the levels. Passes against
haproxy 2.6 (SLUICE_ORACLE=1)."""

import contextlib
import re
import socket
import time

import lib
from cli_srv_lab import Lab, agent, alive, closed, read_line, refused, status


@lib.test
def errors_and_answers():
    with contextlib.ExitStack() as st:
        lab = Lab(st, backend_opts="", servers=["s1", "s2"])
        want = {
            "set server be": "Require 'backend/server'.\n\n",
            "set server be/nosuch state ready": "No such server.\n\n",
            "set server nobe/s1 state ready": "No such backend.\n\n",
            "set server be/s1": "usage: set server <backend>/<server> addr | agent | agent-addr | "
                                "agent-port | agent-send | check-addr | check-port | fqdn | "
                                "health | ssl | state | weight\n\n",
            "set server be/s1 bogus": "usage: set server <backend>/<server> addr | agent | "
                                      "agent-addr | agent-port | agent-send | check-addr | "
                                      "check-port | fqdn | health | ssl | state | weight\n\n",
            "set server be/s1 state bogus":
                "'set server <srv> state' expects 'ready', 'drain' and 'maint'.\n\n",
            "set server be/s1 health bogus":
                "'set server <srv> health' expects 'up', 'stopping', or 'down'.\n\n",
            "set server be/s1 agent up": "agent checks are not enabled on this server.\n\n",
            "set server be/s1 weight 300":
                "Absolute weight can only be between 0 and 256 inclusive.\n\n",
            "set server be/s1 weight": "Require <weight> or <weight%>.\n\n",
            "set server be/s1 weight abc": "Empty weight string empty or preceded by garbage\n",
            "set server be/s1 addr": "set server <b>/<s> addr requires an address and "
                                     "optionally a port.\n\n",
            "set server be/s1 addr bogus": "Invalid addr 'bogus' by 'stats socket command'\n\n",
            "set server be/s1 check-port": "set server <b>/<s> check-port requires a port.\n\n",
            "set server be/s1 check-port 80": "health checks are not enabled on this server\n",
            "set server be/s1 agent-send x": "agent checks are not enabled on this server.\n\n",
            "set server be/s1 fqdn x": "set server <b>/<s> fqdn failed because no resolution "
                                       "is configured.\n\n",
            "set server be/s1 ssl on": "'set server <srv> ssl' cannot be set.  default-server "
                                       "should define ssl settings\n\n",
            "get weight be": "Require 'backend/server'.\n\n",
            "get weight be/x": "No such server.\n\n",
            "get weight nobe/s1": "No such backend.\n\n",
            "get weight be/s1": "1 (initial 1)\n\n",
            "set weight be/s1": "Require <weight> or <weight%>.\n\n",
            "disable server be": "Require 'backend/server'.\n\n",
            "enable health be/s1": "Health check was not configured on this server, cannot "
                                   "enable.\n\n",
            "enable agent be/s1": "Agent was not configured on this server, cannot enable.\n\n",
            "disable health be/s1": "\n",
            "disable frontend": "A frontend name is expected.\n\n",
            "disable frontend nofe": "No such frontend.\n\n",
            "disable frontend be": "No such frontend.\n\n",
            "enable frontend fe": "All sockets are already enabled.\n\n",
            "shutdown frontend nofe": "No such frontend.\n\n",
            "set maxconn frontend": "A frontend name is expected.\n\n",
            "set maxconn frontend fe": "Integer value expected.\n\n",
            "set maxconn server be/s1": "Require <maxconn>.\n\n",
            "set maxconn server be/s1 abc": "maxconn string empty or preceded by garbage\n",
            "set maxconn global": "Expects an integer value.\n\n",
            "set maxconn global 999999999": "Value out of range.\n\n",
            "set rate-limit connections global": "Expects an integer value.\n\n",
            "shutdown session": "Session pointer expected (use 'show sess').\n\n",
            "shutdown session 0xdead": "No such session (use 'show sess').\n\n",
            "shutdown sessions server be/x": "No such server.\n\n",
            "show sess 0x1": "Session not found.\n\n",
        }
        for cmd, answer in want.items():
            lib.eq(lab.a(cmd), answer, cmd)
        usage = lab.a("set rate-limit bogus global 5")
        lib.ok(usage.startswith("'set rate-limit' only supports :\n   - 'connections global'"),
               "rate-limit usage: %r" % usage)
        lib.stop(lab.p)


@lib.test
def levels():
    with contextlib.ExitStack() as st:
        lab = Lab(st)
        for cmd in ("disable server be/s1", "set server be/s1 state drain", "set weight be/s1 0",
                    "disable frontend fe", "shutdown sessions server be/s1",
                    "set maxconn global 10", "shutdown session 0x1", "enable health be/s1"):
            lib.eq(lab.o(cmd), "Permission denied\n\n", cmd + " at operator")
        lib.eq(lab.o("get weight be/s1"), "1 (initial 1)\n\n", "get weight at operator")
        lib.contains(lab.o("show sess"), "fe=GLOBAL", "show sess at operator")
        lib.eq(sorted(set(lab.whos(4))), ["s1", "s2"], "nothing changed")
        lib.stop(lab.p)


@lib.test
def disable_enable_server():
    with contextlib.ExitStack() as st:
        lab = Lab(st)
        lib.eq(sorted(set(lab.whos(4))), ["s1", "s2"], "both serve")
        lib.eq(lab.a("disable server be/s1"), "\n", "disable answer")
        lib.eq(status(lab.admin, "be", "s1"), "MAINT", "status")
        lib.eq(set(lab.whos(4)), {"s2"}, "disabled server gets nothing")
        lib.eq(lab.a("enable server be/s1"), "\n", "enable answer")
        lib.eq(sorted(set(lab.whos(4))), ["s1", "s2"], "back")
        lib.eq(lab.a("set server be/s2 state maint"), "\n", "maint")
        lib.eq(set(lab.whos(4)), {"s1"}, "maint server gets nothing")
        lib.eq(lab.a("set server be/s2 state ready"), "\n", "ready")
        lib.eq(sorted(set(lab.whos(4))), ["s1", "s2"], "ready again")
        lib.eq(lab.a("set server be/s2 health down"), "\n", "health down")
        lib.eq(set(lab.whos(4)), {"s1"}, "DOWN server gets nothing")
        lib.eq(lab.a("set server be/s2 health up"), "\n", "health up")
        lib.eq(sorted(set(lab.whos(4))), ["s1", "s2"], "UP again")
        lib.stop(lab.p)
        err = lib.logs(lab.p)
        lib.contains(err, "Server be/s1 is going DOWN for maintenance.", "stderr")
        lib.contains(err, "Server be/s2 is DOWN, changed from CLI. 1 active and 0 backup "
                          "servers left.", "stderr")
        lib.contains(err, "Server be/s2 is UP, changed from CLI. 2 active and 0 backup "
                          "servers online.", "stderr")


@lib.test
def drain_keeps_sessions():
    with contextlib.ExitStack() as st:
        lab = Lab(st)
        conns = [lab.connect() for _ in range(2)]
        on_s1 = [c for c, n in conns if n == "s1"][0]
        lib.eq(lab.a("set server be/s1 state drain"), "\n", "drain")
        lib.eq(status(lab.admin, "be", "s1"), "DRAIN", "status")
        lib.eq(set(lab.whos(4)), {"s2"}, "no new sessions on a draining server")
        lib.ok(alive(on_s1), "existing session on the draining server lives")
        lib.eq(lab.a("set server be/s1 weight 0"), "\n", "weight 0 while draining")
        lib.eq(lab.a("set server be/s1 state ready"), "\n", "ready")
        lib.eq(set(lab.whos(4)), {"s2"}, "weight 0: still nothing new")
        lib.eq(lab.a("get weight be/s1"), "0 (initial 1)\n\n", "get weight")
        lib.eq(lab.a("set weight be/s1 100%"), "\n", "set weight 100%")
        lib.eq(sorted(set(lab.whos(4))), ["s1", "s2"], "weight back")
        for c, _ in conns:
            c.close()
        lib.stop(lab.p)


@lib.test
def set_addr_moves_traffic():
    with contextlib.ExitStack() as st:
        lab = Lab(st, servers=["s1"])
        other = st.enter_context(lib.tcp_echo(host="127.0.0.2", banner=b"moved\n"))
        lib.eq(lab.who(), "s1", "before")
        lib.eq(lab.a("set server be/s1 addr 127.0.0.2"),
               "IP changed from '127.0.0.1' to '127.0.0.2' by 'stats socket command'\n\n",
               "addr only")
        lib.eq(lab.a("set server be/s1 addr 127.0.0.2 port %d" % other.port),
               "no need to change the addr, port changed from '%d' to '%d' by 'stats socket "
               "command'\n\n" % (lab.srv["s1"].port, other.port), "port only")
        lib.eq(lab.who(), "moved", "new sessions reach the new address")
        lib.eq(lab.a("set server be/s1 addr 127.0.0.2 port %d" % other.port),
               "no need to change the addr, no need to change the port by 'stats socket "
               "command'\n\n", "no change")
        lib.eq(lab.a("set server be/s1 addr 127.0.0.1 port %d" % lab.srv["s1"].port),
               "IP changed from '127.0.0.2' to '127.0.0.1', port changed from '%d' to '%d' by "
               "'stats socket command'\n\n" % (other.port, lab.srv["s1"].port), "both")
        lib.eq(lab.who(), "s1", "back")
        lib.stop(lab.p)


@lib.test
def check_port_drives_health():
    with contextlib.ExitStack() as st:
        closed_port = lib.free_port()
        lab = Lab(st, backend_opts="    default-server check inter 100 fall 1 rise 1\n")
        lib.ok(lib.wait_for(lambda: status(lab.admin, "be", "s2") == "UP", 5), "s2 UP first")
        lib.eq(lab.a("set server be/s2 check-port %d" % closed_port), "\n", "check-port")
        lib.ok(lib.wait_for(lambda: status(lab.admin, "be", "s2") == "DOWN", 5),
               "checks on the new port fail: %s" % status(lab.admin, "be", "s2"))
        lib.eq(set(lab.whos(4)), {"s1"}, "DOWN server gets nothing")
        lib.eq(lab.a("set server be/s2 check-port %d" % lab.srv["s2"].port), "\n", "port back")
        lib.ok(lib.wait_for(lambda: status(lab.admin, "be", "s2") == "UP", 5),
               "checks pass again")
        lib.eq(lab.a("disable health be/s2"), "\n", "disable health")
        lib.eq(status(lab.admin, "be", "s2"), "no check", "status without checks")
        lib.eq(lab.a("set server be/s2 check-port 1"),
               "health checks are not enabled on this server\n", "check-port while disabled")
        lib.eq(lab.a("set server be/s2 health down"), "\n", "forced down")
        time.sleep(0.5)  # health disabled: several check intervals, no change
        lib.eq(set(lab.whos(4)), {"s1"}, "no checks while disabled: still DOWN")
        lib.eq(lab.a("enable health be/s2"), "\n", "enable health")
        lib.ok(lib.wait_for(lambda: status(lab.admin, "be", "s2") == "UP", 5),
               "checks bring it back")
        lib.eq(lab.a("set server be/s2 check-port 99999"), "provided port is invalid\n", "range")
        lib.eq(lab.a("set server be/s2 check-port abc"), "provided port is not an integer\n",
               "integer")
        lib.eq(lab.a("set server be/s2 check-addr bogus"), "invalid addr 'bogus'\n", "addr")
        lib.stop(lab.p)


@lib.test
def frontend_pause_resume_shutdown():
    with contextlib.ExitStack() as st:
        lab = Lab(st)
        lib.eq(lab.a("disable frontend fe"), "\n", "disable")
        lib.eq(lab.a("disable frontend fe"), "All sockets are already disabled.\n\n", "again")
        lib.eq(status(lab.admin, "fe", "FRONTEND"), "PAUSED", "status")
        lib.ok(refused(lab.port), "paused frontend refuses connections")
        lib.eq(lab.a("enable frontend fe"), "\n", "enable")
        lib.ok(lab.who() in ("s1", "s2"), "served again")
        held, _ = lab.connect()
        lib.eq(lab.a("disable frontend #2"), "\n", "disable by id")
        lib.ok(alive(held), "pausing keeps established sessions")
        lib.eq(lab.a("enable frontend #2"), "\n", "enable by id")
        lib.eq(lab.a("shutdown frontend fe"), "\n", "shutdown")
        lib.eq(status(lab.admin, "fe", "FRONTEND"), "STOP", "status")
        lib.ok(refused(lab.port), "stopped frontend refuses connections")
        lib.eq(lab.a("enable frontend fe"),
               "Frontend was previously shut down, cannot enable.\n\n", "enable after stop")
        lib.eq(lab.a("disable frontend fe"),
               "Frontend was previously shut down, cannot disable.\n\n", "disable after stop")
        lib.eq(lab.a("shutdown frontend fe"), "Frontend was already shut down.\n\n", "twice")
        held.close()
        lib.stop(lab.p)
        err = lib.logs(lab.p)
        lib.contains(err, "Paused frontend fe.", "stderr")
        lib.contains(err, "Resumed frontend fe.", "stderr")
        lib.contains(err, "Proxy fe stopped (cumulated conns: FE: ", "stderr")


def sess_of(lab, client):
    """The show sess line of the session of a client socket."""
    port = client.getsockname()[1]
    for line in lab.a("show sess").split("\n"):
        if " src=127.0.0.1:%d " % port in line:
            return line
    return None


@lib.test
def show_and_shutdown_session():
    with contextlib.ExitStack() as st:
        lab = Lab(st)
        c1, n1 = lab.connect()
        c2, n2 = lab.connect()
        line = lib.wait_for(lambda: sess_of(lab, c1), 5)
        lib.ok(line, "the session is listed")
        lib.ok(re.match(r"^0x[0-9a-f]+: proto=tcpv4 src=127\.0\.0\.1:\d+ fe=fe be=be srv=%s "
                        r"ts=[0-9a-f]+ .*age=\d+s " % n1, line), "show sess line: %r" % line)
        own = [l for l in lab.a("show sess").split("\n") if "fe=GLOBAL" in l]
        lib.eq(len(own), 1, "the CLI's own stream")
        lib.ok(re.match(r"^0x[0-9a-f]+: proto=unix_stream src=unix:1 fe=GLOBAL be=<NONE> "
                        r"srv=<none> ts=[0-9a-f]+ ", own[0]), "CLI line: %r" % own[0])
        ptr = line.split(":")[0]
        detail = lab.a("show sess %s" % ptr)
        lib.ok(detail.startswith("%s: [" % ptr), "detail: %r" % detail)
        lib.contains(detail, "  frontend=fe (id=2 mode=tcp)", "detail")
        lib.contains(detail, "  backend=be (id=3 mode=tcp)", "detail")
        lib.contains(detail, "  server=%s (id=%d)" % (n1, 1 if n1 == "s1" else 2), "detail")
        lib.eq(lab.a("shutdown session %s" % ptr), "\n", "shutdown session")
        lib.ok(closed(c1), "the killed session is closed")
        lib.ok(alive(c2), "the other one lives")
        lib.ok(lib.wait_for(lambda: sess_of(lab, c1) is None, 5), "gone from show sess")
        lib.eq(lab.a("show sess %s" % ptr), "Session not found.\n\n", "gone")
        c2.close()
        lib.stop(lab.p)


@lib.test
def shutdown_sessions_server():
    with contextlib.ExitStack() as st:
        lab = Lab(st)
        conns = [lab.connect() for _ in range(4)]
        lib.eq(lab.a("shutdown sessions server be/s1"), "\n", "answer")
        for c, n in conns:
            if n == "s1":
                lib.ok(closed(c), "session on s1 closed")
            else:
                lib.ok(alive(c), "session on s2 lives")
            c.close()
        lib.eq(sorted(set(lab.whos(4))), ["s1", "s2"], "new sessions still go to s1")
        lib.stop(lab.p)


@lib.test
def maxconn_server_queues():
    with contextlib.ExitStack() as st:
        lab = Lab(st, servers=["s1"])
        lib.eq(lab.a("set maxconn server be/s1 1"), "\n", "maxconn 1")
        first, n = lab.connect()
        lib.eq(n, "s1", "first served")
        second = socket.create_connection(("127.0.0.1", lab.port), timeout=5)
        second.settimeout(0.5)
        try:
            got = second.recv(10)
        except socket.timeout:
            got = None
        lib.eq(got, None, "second connection waits in the queue")
        lib.eq(lab.a("set maxconn server be/s1 2"), "\n", "maxconn 2")
        second.settimeout(5)
        lib.eq(read_line(second), "s1", "queued session proceeds when maxconn grows")
        lib.eq(lab.a("set maxconn server be/s1 1"), "\n", "maxconn 1 again")
        second.close()
        lib.ok(alive(first), "first still there")
        third = socket.create_connection(("127.0.0.1", lab.port), timeout=5)
        third.settimeout(0.5)
        try:
            got = third.recv(10)
        except socket.timeout:
            got = None
        lib.eq(got, None, "third waits")
        first.close()
        third.settimeout(5)
        lib.eq(read_line(third), "s1", "served when the slot frees")
        third.close()
        lib.stop(lab.p)


@lib.test
def maxconn_frontend_and_global():
    with contextlib.ExitStack() as st:
        lab = Lab(st)
        lib.eq(lab.a("set maxconn global 100"), "\n", "global")
        info = lab.a("show info")
        lib.contains(info, "\nMaxconn: 100\n", "show info")
        lib.lacks(info, "\nHard_maxconn: 100\n", "show info")
        lib.eq(lab.a("set maxconn frontend fe 10"), "\n", "frontend 10")
        conns = [lab.connect() for _ in range(3)]
        lib.eq(len([n for _, n in conns if n]), 3, "three at once")
        for c, _ in conns:
            c.close()
        # the last step: haproxy's own stats socket misbehaves while one
        # of its frontends is full, so nothing is asked after this
        lib.eq(lab.a("set maxconn frontend fe 1"), "\n", "frontend 1")
        first, _ = lab.connect()
        second = socket.create_connection(("127.0.0.1", lab.port), timeout=5)
        second.settimeout(0.5)
        try:
            got = second.recv(10)
        except socket.timeout:
            got = None
        lib.eq(got, None, "second waits in the backlog")
        first.close()
        second.settimeout(5)
        lib.ok(read_line(second) in ("s1", "s2"), "accepted when the first leaves")
        second.close()
        lib.stop(lab.p)


@lib.test
def rate_limit_connections():
    with contextlib.ExitStack() as st:
        lab = Lab(st)
        lib.eq(lab.a("set rate-limit connections global 2"), "\n", "limit 2/s")
        lib.contains(lab.a("show info"), "\nConnRateLimit: 2\n", "show info")
        t0 = time.monotonic()
        lab.whos(7)
        took = time.monotonic() - t0
        lib.ok(took >= 1.5, "7 connections at 2/s took %.2fs" % took)
        lib.eq(lab.a("set rate-limit connections global 0"), "\n", "no limit")
        t0 = time.monotonic()
        lab.whos(7)
        took = time.monotonic() - t0
        lib.ok(took < 1.0, "7 connections without a limit took %.2fs" % took)
        lib.eq(lab.a("set rate-limit sessions global 2"), "\n", "sessions 2/s")
        lib.contains(lab.a("show info"), "\nSessRateLimit: 2\n", "show info")
        t0 = time.monotonic()
        lab.whos(7)
        took = time.monotonic() - t0
        lib.ok(took >= 1.5, "7 sessions at 2/s took %.2fs" % took)
        lib.stop(lab.p)


@lib.test
def agent_send_addr_and_port():
    with contextlib.ExitStack() as st:
        a1 = agent(st, lambda got: "down" if b"hello" in got else "up ready")
        a2 = agent(st, lambda got: "drain")
        lab = Lab(st, servers=["s1"], backend_opts="    default-server agent-check agent-port "
                  "%d agent-inter 400\n" % a1)
        lib.ok(lib.wait_for(lambda: status(lab.admin, "be", "s1") == "no check", 5), "UP first: %s" % status(lab.admin, "be", "s1"))
        lib.eq(lab.a("set server be/s1 agent-send hello"), "\n", "agent-send")
        lib.ok(lib.wait_for(lambda: status(lab.admin, "be", "s1") == "DOWN (agent)", 5),
               "the agent got the new text: %s" % status(lab.admin, "be", "s1"))
        lib.eq(lab.a("set server be/s1 agent-send bye"), "\n", "agent-send again")
        lib.ok(lib.wait_for(lambda: status(lab.admin, "be", "s1") == "no check", 5), "UP again: %s" % status(lab.admin, "be", "s1"))
        lib.eq(lab.a("set server be/s1 agent-port %d" % a2), "\n", "agent-port")
        lib.ok(lib.wait_for(lambda: status(lab.admin, "be", "s1") == "DRAIN (agent)", 5),
               "the other agent drains it: %s" % status(lab.admin, "be", "s1"))
        lib.eq(lab.a("set server be/s1 agent-addr 127.0.0.1 port %d" % a1), "\n", "agent-addr")
        lib.ok(lib.wait_for(lambda: status(lab.admin, "be", "s1") == "no check", 5), "back to a1: %s" % status(lab.admin, "be", "s1"))
        lib.eq(lab.a("set server be/s1 agent down"), "\n", "agent down")
        lib.eq(status(lab.admin, "be", "s1"), "DOWN (agent)", "forced by the CLI")
        lib.eq(lab.a("disable agent be/s1"), "\n", "disable agent")
        lib.eq(lab.a("set server be/s1 agent up"), "agent checks are not enabled on this "
               "server.\n\n", "agent up while disabled")
        lib.eq(lab.a("set server be/s1 agent-port 70000"), "agent checks are not enabled on "
               "this server\n", "agent-port while disabled")
        lib.eq(lab.a("enable agent be/s1"), "\n", "enable agent")
        lib.ok(lib.wait_for(lambda: status(lab.admin, "be", "s1") == "no check", 5), "agent again: %s" % status(lab.admin, "be", "s1"))
        lib.eq(lab.a("set server be/s1 agent-port 70000"), "provided port is invalid\n", "range")
        lib.eq(lab.a("set server be/s1 agent-port"), "set server <b>/<s> agent-port requires a "
               "port.\n\n", "missing")
        lib.stop(lab.p)


lib.main()
