#!/usr/bin/env python3
"""'show info' counts stats socket connections as HAProxy 2.6.12 does:
each one (whatever the number of commands it carries, the asking one
included) adds 1 to CumConns and CumReq and is in Jobs while open, but
never in CurrConns, ConnRate or SessRate. A master CLI '@1' command is a
connection of the worker's too, and a worker under a master has one more
listener and 'Unstoppable Jobs: 1'. Passes with both binaries
(SLUICE_ORACLE=1)."""

import os
import re

import lib
import procutil as pu

FIELDS = ("CurrConns", "CumConns", "CumReq", "ConnRate", "MaxConnRate", "SessRate",
          "MaxSessRate", "Jobs", "Unstoppable Jobs", "Listeners")


def info(text):
    got = {}
    for k in FIELDS:
        m = re.search(r"^%s: (\d+)$" % re.escape(k), text, re.M)
        lib.ok(m, "no %s in show info:\n%s" % (k, text))
        got[k] = int(m.group(1))
    return got


def config(d, port):
    sock = os.path.join(d, "admin.sock")
    return sock, lib.config("""\
global
    stats socket %s level admin
defaults
    mode http
    timeout client 10s
    timeout server 10s
    timeout connect 5s
frontend fe
    bind 127.0.0.1:%d
    http-request return status 200
""" % (sock, port), directory=d)


@lib.test
def stats_socket_connections_are_counted():
    d = lib.tmpdir()
    sock, cfg = config(d, lib.free_port())
    # readiness on the socket alone: no TCP connection moves the rates
    p = lib.start(cfg)
    lib.ok(lib.wait_unix(sock), "no stats socket\n" + lib.logs(p))
    first = info(lib.cli(sock, "show info"))
    n = 5
    for _ in range(n):
        out = lib.cli(sock, "show version; show version; show version")
        lib.ok(out.count("\n") >= 3, "three answers: %r" % out)
    # one connection kept open while asking
    with lib.unix_connect(sock) as idle:
        idle.sendall(b"prompt\n")
        lib.ok(idle.recv(100).startswith(b"\n> "), "interactive prompt")
        now = info(lib.cli(sock, "show info"))
    lib.eq((now["CumConns"] - first["CumConns"], now["CumReq"] - first["CumReq"]),
           (n + 2, n + 2), "CumConns, CumReq: one per connection (the asking ones too)")
    lib.eq((now["CurrConns"], now["ConnRate"], now["MaxConnRate"], now["SessRate"],
            now["MaxSessRate"]), (0, 0, 0, 0, 0), "CurrConns and rates")
    # listeners: the frontend's and the stats socket
    lib.eq((now["Listeners"], now["Jobs"], now["Unstoppable Jobs"]), (2, 4, 0),
           "Listeners, Jobs (+ 2 open CLI connections), Unstoppable Jobs")
    lib.stop(p)


@lib.test
def master_cli_commands_are_worker_connections():
    d = lib.tmpdir()
    msock = os.path.join(d, "master.sock")
    sock, cfg = config(d, lib.free_port())
    p = lib.start(cfg, args=["-W", "-S", msock])
    lib.ok(lib.wait_unix(sock) and lib.wait_unix(msock), "no sockets\n" + lib.logs(p))
    first = info(lib.cli(sock, "show info"))
    for _ in range(3):
        pu.mcli(msock, "show proc")  # the master's own: not the worker's
    for _ in range(3):
        lib.contains(pu.mcli(msock, "@1 show version"), "\n")
    now = info(pu.mcli(msock, "@1 show info"))
    lib.eq(now["CumConns"] - first["CumConns"], 4, "CumConns: 3 @1 commands and the asking one")
    lib.eq(now["CumReq"] - first["CumReq"], 4, "CumReq")
    lib.eq((now["Listeners"], now["Unstoppable Jobs"], now["Jobs"]), (3, 1, 4),
           "Listeners (+ the master's channel), Unstoppable Jobs, Jobs")
    lib.stop(p)


lib.main()
