#!/usr/bin/env python3
"""show errors (reference §3.4): HAProxy captures HTTP protocol errors
only, so in TCP mode it always answers the empty report
"Total events captured on [<date>] : 0", even after malformed
ClientHellos; proxy arguments are checked as HAProxy checks them (a name,
#<id> or a number; "No such proxy." for unknown names and 0); operator
level is needed."""
import datetime
import os
import re
import socket

import lib

CFG = """global
    stats socket %(dir)s/admin.sock level admin
    stats socket %(dir)s/oper.sock level operator
    stats socket %(dir)s/user.sock level user
defaults
    mode tcp
    timeout client 5s
    timeout server 5s
    timeout connect 5s
frontend fe
    bind 127.0.0.1:%(port)d
    tcp-request inspect-delay 1s
    tcp-request content accept if { req.ssl_hello_type 1 }
    default_backend be
backend be
    server s1 127.0.0.1:%(srv)d
"""

REPORT = re.compile(r"^Total events captured on \[(\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d)\.\d{3}\] : 0\n\n$")


cli = lib.cli


def start():
    d = lib.tmpdir()
    port, srv = lib.free_ports(2)
    p = lib.start(lib.config(CFG % {"dir": d, "port": port, "srv": srv}), ready_ports=[port])
    for n in ("admin", "oper", "user"):
        lib.ok(lib.wait_unix(os.path.join(d, n + ".sock")), n + " stats socket")
    return p, port, d


def empty_report(out):
    m = REPORT.match(out)
    lib.ok(m, "empty report expected, got %r" % out)
    # the date is the local time now
    when = datetime.datetime.strptime(m.group(1), "%d/%b/%Y:%H:%M:%S")
    lib.ok(abs((datetime.datetime.now() - when).total_seconds()) < 60, "date %s is now" % m.group(1))


@lib.test
def empty_report_in_tcp_mode():
    p, port, d = start()
    adm = os.path.join(d, "admin.sock")
    # a malformed ClientHello and plain text: counted and logged, not captured
    for junk in (b"\x16\x03\x01\x00\x05\x01\x00\x00\x09\x03", b"GET / HTTP/1.0\r\n\r\n"):
        s = socket.create_connection((lib.LOOPBACK, port), timeout=5)
        s.sendall(junk)
        s.close()
    # the GLOBAL proxy is 1, fe 2, be 3 (reference §0 #19)
    for cmd in ("show errors", "show errors fe", "show errors be", "show errors #2",
                "show errors 2", "show errors 3", "show errors 1", "show errors -1",
                "show errors 99", "show errors 2x", "show errors fe request",
                "show errors be response", "show errors fe bogus"):
        empty_report(cli(adm, cmd))
    lib.stop(p)


@lib.test
def unknown_proxy():
    p, port, d = start()
    adm = os.path.join(d, "admin.sock")
    for cmd in ("show errors nosuch", "show errors 0", "show errors #99", "show errors #1",
                "show errors request", "show errors response", "show errors GLOBAL",
                "show errors abc1"):
        lib.eq(cli(adm, cmd), "No such proxy.\n\n", cmd)
    lib.stop(p)


@lib.test
def operator_level():
    p, port, d = start()
    lib.eq(cli(os.path.join(d, "user.sock"), "show errors"), "Permission denied\n\n")
    empty_report(cli(os.path.join(d, "oper.sock"), "show errors"))
    lib.stop(p)


lib.main()
