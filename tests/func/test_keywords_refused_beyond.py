#!/usr/bin/env python3
"""Keywords HAProxy accepts but sluice would not apply (issue "no keyword
accepted and silently ignored"): 'sluice -c' refuses those whose absence
changes what traffic sees, naming file:line:col, and warns about
tunables. HAProxy accepts all of these, hence sluice-only."""

import lib

BEYOND_HAPROXY = True

HEAD = """\
defaults
    mode http
    timeout connect 5s
    timeout client 30s
    timeout server 30s
frontend fe
    bind 127.0.0.1:%d
    default_backend be
backend be
    server s1 127.0.0.1:%d
""" % (lib.free_port(), lib.free_port())
FIRST = HEAD.count("\n") + 1  # line of the first added keyword

REFUSED = [
    ("retry-on conn-failure empty-response", 27,
     "'retry-on empty-response' is not supported by sluice: only connection failures are retried"),
    ("retry-on none", 14, "'retry-on none' is not supported by sluice"),
    ("option http-pretend-keepalive", 5, "'option http-pretend-keepalive' is not supported by sluice"),
    ("option accept-invalid-http-response", 5, "'option accept-invalid-http-response' is not supported by sluice"),
    ("option checkcache", 5, "'option checkcache' is not supported by sluice"),
    ("option independent-streams", 5, "'option independent-streams' is not supported by sluice"),
    ("option persist", 5, "'option persist' is not supported by sluice"),
    ("server s2 127.0.0.1:1 check-proto h1", 27, "'server be/s2' : 'check-proto' is not supported by sluice"),
]


@lib.test
def refused_with_location():
    for line, col, text in REFUSED:
        r = lib.check(lib.config(HEAD + "    " + line + "\n"))
        lib.eq(r.rc, 1, "exit status for '%s'\n%r" % (line, r))
        lib.contains(r.err, "t.cfg:%d:%d: error: %s" % (FIRST, col, text))


# what the engine does not run: -c says it as start-up would (a file -c
# calls valid starts); added to a frontend
HEAD_FE = """\
defaults
    mode http
    timeout connect 5s
    timeout client 30s
    timeout server 30s
backend be
    server s1 127.0.0.1:%d
frontend fe
    bind 127.0.0.1:%d
    default_backend be
""" % (lib.free_port(), lib.free_port())
FIRST_FE = HEAD_FE.count("\n") + 1
ENGINE_REFUSED = [
    ("monitor-uri /healthz", 5, "'monitor-uri' is not run by this version of the sluice engine yet"),
    ("option originalto", 5, "'option originalto' is not run by this version of the sluice engine yet"),
    ("http-request wait-for-body time 1s", 5,
     "'http-request wait-for-body' is not run by this version of the sluice engine yet"),
]


@lib.test
def engine_refusals_at_check_and_start():
    for line, col, text in ENGINE_REFUSED:
        path = lib.config(HEAD_FE + "    " + line + "\n")
        r = lib.check(path)
        lib.eq(r.rc, 1, "exit status for '%s'\n%r" % (line, r))
        lib.contains(r.err, "t.cfg:%d:%d: error: %s" % (FIRST_FE, col, text))
        r = lib.run(["-db", "-f", path], timeout=10)
        lib.eq(r.rc, 1, "start-up refused for '%s'\n%r" % (line, r))
        lib.contains(r.err, text)
    # and what it leaves out is a warning at -c
    r = lib.check(lib.config(HEAD_FE + "    option logasap\n"))
    lib.eq(r.rc, 0, repr(r))
    lib.contains(r.err, "t.cfg:%d:5: warning: 'option logasap' is ignored" % FIRST_FE)


@lib.test
def plain_conn_failure_stays_accepted():
    r = lib.check(lib.config(HEAD + "    retry-on conn-failure\n"))
    lib.eq(r.rc, 0, repr(r))
    lib.lacks(r.err, "retry-on")


@lib.test
def tunables_warn_with_location():
    r = lib.check(lib.config("global\n    tune.idletimer 1s\n    tune.chksize 32768\n" + HEAD))
    lib.eq(r.rc, 0, repr(r))
    lib.contains(r.err, "t.cfg:2:5: warning: 'tune.idletimer' is ignored by sluice")
    lib.contains(r.err, "t.cfg:3:5: warning: 'tune.chksize' is ignored by sluice")
    # the arguments are still checked as HAProxy does
    r = lib.check(lib.config("global\n    tune.idletimer\n" + HEAD))
    lib.eq(r.rc, 1, repr(r))


lib.main()
