#!/usr/bin/env python3
"""TLS session lifetime on a terminating bind, as HAProxy 2.6.12: the
session ticket's lifetime hint is OpenSSL's 7200 s when
'tune.ssl.lifetime' is not set (not the 300 s HAProxy's manual says), and
the value of 'tune.ssl.lifetime' when it is, in TLS 1.2 and 1.3; that
value is also how long a session may be resumed, from the cache (session
ID) as from a ticket. Passes with both binaries (SLUICE_ORACLE=1)."""

import time

import lib
import tls_term as tt

P = tt.pki()
A = P.leaf("a.test")


def hint(port, ver):
    """The ticket lifetime hint of a new session in TLS <ver>; the
    backend's greeting is read, so TLS 1.3 tickets have arrived."""
    c = tt.served(port, "a.test", ctx=tt.context(min_ver=ver, max_ver=ver))
    lib.eq(c.reused, False, "a new session")
    s = c.session
    lib.ok(s is not None and s.has_ticket, "TLS %s: no ticket" % ver)
    return s.ticket_lifetime_hint


@lib.test
def ticket_hint_is_openssl_default_unless_set():
    with tt.terminating("crt %s" % A.pem) as (port, p, be):
        lib.eq([hint(port, v) for v in ("1.2", "1.3")], [7200, 7200], "hints, lifetime unset")
    with tt.terminating("crt %s" % A.pem, glob="    tune.ssl.lifetime 60") as (port, p, be):
        lib.eq([hint(port, v) for v in ("1.2", "1.3")], [60, 60], "hints, tune.ssl.lifetime 60")
    with tt.terminating("crt %s" % A.pem, glob="    tune.ssl.lifetime 1h") as (port, p, be):
        lib.eq([hint(port, v) for v in ("1.2", "1.3")], [3600, 3600], "hints, tune.ssl.lifetime 1h")


def expires_after(port, ver, what, **ctxargs):
    """Seconds from a new session until offering it again gets a full
    handshake (polled every 0.25 s, at most 20 s)."""
    ctx = tt.context(min_ver=ver, max_ver=ver, **ctxargs)
    t0 = time.monotonic()
    c1 = tt.served(port, "a.test", ctx=ctx)
    sess = c1.session
    lib.ok(tt.served(port, "a.test", ctx=ctx, session=sess).reused,
           "%s: not resumed at once" % what)

    def gone():
        return not tt.served(port, "a.test", ctx=ctx, session=sess).reused
    lib.ok(lib.wait_for(gone, timeout=20, interval=0.25), "%s: still resumed after 20 s" % what)
    return time.monotonic() - t0


@lib.test
def lifetime_bounds_resumption():
    """tune.ssl.lifetime 2: a session resumes at once, no more after the
    lifetime (OpenSSL counts whole seconds: not before 1 s, and well
    before 20 s), by ticket as by session ID (no-tls-tickets)."""
    with tt.terminating("crt %s" % A.pem, glob="    tune.ssl.lifetime 2") as (port, p, be):
        for ver in ("1.2", "1.3"):
            t = expires_after(port, ver, "TLS %s ticket" % ver)
            lib.ok(t >= 1.0, "TLS %s: expired after %.2f s, lifetime 2 s" % (ver, t))
    with tt.terminating("crt %s no-tls-tickets" % A.pem, glob="    tune.ssl.lifetime 2") as (
            port, p, be):
        t = expires_after(port, "1.2", "TLS 1.2 session id")
        lib.ok(t >= 1.0, "TLS 1.2 session id: expired after %.2f s, lifetime 2 s" % t)


lib.main()
