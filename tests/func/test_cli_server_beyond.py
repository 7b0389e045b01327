#!/usr/bin/env python3
"""Stats socket server/frontend/session commands where sluice goes beyond
HAProxy 2.6 or says clearly what it does not do: raising a full
frontend's maxconn releases the clients waiting in the backlog (HAProxy's
stats socket answers nothing while its frontend is full), the
ssl-sessions and http-compression rate limits are refused with a reason,
and show sess prints sluice's session phase."""

import contextlib
import socket

import lib
from cli_srv_lab import Lab, read_line

BEYOND_HAPROXY = True


@lib.test
def raise_full_frontend_maxconn():
    with contextlib.ExitStack() as st:
        lab = Lab(st)
        lib.eq(lab.a("set maxconn frontend fe 1"), "\n", "frontend 1")
        first, _ = lab.connect()
        second = socket.create_connection(("127.0.0.1", lab.port), timeout=5)
        second.settimeout(0.5)
        try:
            got = second.recv(10)
        except socket.timeout:
            got = None
        lib.eq(got, None, "second waits in the backlog")
        lib.eq(lab.a("set maxconn frontend fe 10"), "\n", "frontend 10")
        second.settimeout(5)
        lib.ok(read_line(second) in ("s1", "s2"), "accepted as soon as the limit grows")
        first.close()
        second.close()
        lib.stop(lab.p)


@lib.test
def unsupported_rate_limits_say_so():
    with contextlib.ExitStack() as st:
        lab = Lab(st)
        lib.eq(lab.a("set rate-limit ssl-sessions global 5"),
               "'set rate-limit ssl-sessions' is not supported by sluice (no TLS termination).\n\n",
               "ssl-sessions")
        lib.eq(lab.a("set rate-limit http-compression global 5"),
               "'set rate-limit http-compression' is not supported by sluice (no HTTP "
               "compression).\n\n", "http-compression")
        lib.stop(lab.p)


@lib.test
def show_sess_phase():
    with contextlib.ExitStack() as st:
        lab = Lab(st)
        c, _ = lab.connect()
        port = c.getsockname()[1]
        line = [l for l in lab.a("show sess").split("\n") if "src=127.0.0.1:%d " % port in l]
        lib.eq(len(line), 1, "listed once")
        lib.contains(line[0], " state=forward ", "phase")
        ptr = line[0].split(":")[0]
        detail = lab.a("show sess %s" % ptr)
        lib.contains(detail, " state=forward conn_tries=1 ", "detail")
        all_ = lab.a("show sess all")
        lib.contains(all_, "%s: [" % ptr, "show sess all")
        c.close()
        lib.stop(lab.p)


lib.main()
