#!/usr/bin/env python3
"""`alpn h2,http/1.1` on a mode http bind (HAProxy's usual line) while
sluice runs HTTP/1.1 only (beyond HAProxy: haproxy would speak h2):

- `sluice -c` accepts it with a warning naming the line;
- running, h2 is not offered: a client offering h2 and http/1.1 gets
  http/1.1 and its request is answered; one offering only h2 gets no
  ALPN (HAProxy's answer when nothing is common) and can still talk
  HTTP/1.1;
- a mode tcp TLS bind still offers h2 (it only relays the bytes);
- `proto h2` (HTTP/2 without ALPN) stays refused."""

import lib
import tls_term as tt

BEYOND_HAPROXY = True

P = tt.pki()
A = P.leaf("a.test")


DEFAULTS = "defaults\n    timeout client 5s\n    timeout server 5s\n    timeout connect 5s\n"


def cfg(port, be_port, mode="http", alpn="h2,http/1.1", extra=""):
    return """frontend fe
    mode %s
    bind 127.0.0.1:%d ssl crt %s alpn %s%s
    default_backend be
backend be
    mode %s
    server s 127.0.0.1:%d
""" % (mode, port, A.pem, alpn, extra, mode, be_port)


@lib.test
def check_warns_and_names_the_line():
    path = lib.config(DEFAULTS + cfg(lib.free_port(), 1))
    r = lib.check(path)
    lib.eq(r.rc, 0, "valid: %r" % r)
    lib.contains(r.out + r.err, "'alpn h2,http/1.1': HTTP/2 is not run by this version of the "
                 "sluice engine: 'h2' is not offered, clients use HTTP/1.1", "warning")
    path = lib.config(DEFAULTS + cfg(lib.free_port(), 1, extra=" proto h2"))
    r = lib.run(["-db", "-f", path], timeout=10)
    lib.ok(r.rc != 0, "proto h2 refused: %r" % r)
    lib.contains(r.out + r.err, "'proto h2') is not run", "refusal")


@lib.test
def clients_get_http11():
    with lib.http_backend("s1") as be:
        port = lib.free_port()
        tt.proxy(cfg(port, be.port))
        c = tt.served(port, "a.test", banner=False, alpn=["h2", "http/1.1"])
        lib.eq(c.alpn, "http/1.1", "h2 and http/1.1 offered: http/1.1")
        c = tt.served(port, "a.test", banner=False, alpn=["h2"])
        lib.eq(c.alpn, None, "only h2 offered: no ALPN")
        st, _, body, conn = tt.https_get(port, "/x", sni="a.test",
                                         ctx=tt.context(alpn=["h2", "http/1.1"]))
        conn.close()
        lib.eq((st, body), (200, b"s1 /x\n"), "a request over it")


@lib.test
def mode_tcp_still_offers_h2():
    with lib.tcp_echo() as echo:
        port = lib.free_port()
        tt.proxy(cfg(port, echo.port, mode="tcp"))
        c = tt.served(port, "a.test", banner=False, alpn=["h2", "http/1.1"])
        lib.eq(c.alpn, "h2", "mode tcp: h2 offered")


lib.main()
