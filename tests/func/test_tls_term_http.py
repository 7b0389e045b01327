#!/usr/bin/env python3
"""TLS termination and bridging in "mode http" (issue #6): HTTPS to a
plain HTTP server (offloading) with ssl_fc-driven rules and TLS facts
passed in headers, keep-alive over one TLS connection, HTTPS to an HTTPS
server (bridging) with "sni req.hdr(host)", a client certificate's DN
forwarded. The mode tcp side is in test_tls_term*.py. Behaviour
observed on haproxy 2.6.12."""

import http.client
import re

import lib
import tls
import tls_term as tt

P = tt.pki()
A = P.leaf("a.test")
ALICE = P.leaf("alice", client=True)

DEFAULTS = "    mode http\n    option httplog"


def quiet(be):
    """The backend's server prints no traceback when the proxy resets an
    idle server connection (HAProxy does)."""
    be.handle_error = lambda *a: None
    return be


def hdrs_of(be):
    """The headers of each request the backend saw, names in lower case
    (HAProxy writes the names of the headers it adds in lower case)."""
    return [{k.lower(): v for k, v in r[2].items()} for r in be.requests]


def http_proxy(body, nbthread=1):
    return tt.proxy(body, nbthread, defaults=DEFAULTS)


def get_plain(port, path="/"):
    c = http.client.HTTPConnection(lib.LOOPBACK, port, timeout=5)
    try:
        c.request("GET", path)
        r = c.getresponse()
        return r.status, r.read()
    finally:
        c.close()


@lib.test
def https_offloading_to_a_plain_server():
    with lib.http_backend("s1") as be:
        quiet(be)
        pp, pt = lib.free_ports(2)
        p = http_proxy("""frontend fe
    bind 127.0.0.1:%d
    bind 127.0.0.1:%d ssl crt %s alpn http/1.1
    http-request set-header X-Forwarded-Proto https if { ssl_fc }
    http-request set-header X-TLS "%%[ssl_fc_protocol] %%[ssl_fc_sni] %%[ssl_fc_alpn]" if { ssl_fc }
    default_backend be
backend be
    server s 127.0.0.1:%d
""" % (pp, pt, A.pem, be.port))
        status, hdrs, body, conn = tt.https_get(pt, "/secure", sni="a.test",
                                                ctx=tt.context(alpn=["http/1.1"]))
        conn.close()
        lib.eq((status, body), (200, b"s1 /secure\n"), "HTTPS answer")
        lib.eq(get_plain(pp, "/clear"), (200, b"s1 /clear\n"), "plain HTTP answer")
        h_tls, h_plain = hdrs_of(be)
        lib.eq(h_tls.get("x-forwarded-proto"), "https", "X-Forwarded-Proto over TLS")
        lib.eq(h_tls.get("x-tls"), "TLSv1.3 a.test http/1.1", "TLS facts over TLS")
        lib.eq((h_plain.get("x-forwarded-proto"), h_plain.get("x-tls")), (None, None),
               "no such headers in clear")
        lines = tt.wait_lines(p, " fe~ ", 1) + tt.wait_lines(p, " fe ", 1)
        lib.contains(lines[0], '"GET /secure HTTP/1.1"', "httplog line of the TLS request")
        lib.contains(lines[1], '"GET /clear HTTP/1.1"', "httplog line of the clear request")


@lib.test
def keep_alive_over_one_tls_connection():
    with lib.http_backend("s1") as be:
        quiet(be)
        pt = lib.free_port()
        p = http_proxy("""frontend fe
    bind 127.0.0.1:%d ssl crt %s
    http-request set-header X-Resumed %%[ssl_fc_is_resumed]
    default_backend be
backend be
    server s 127.0.0.1:%d
""" % (pt, A.pem, be.port))
        conn, ports = None, set()
        for i in range(20):
            status, hdrs, body, conn = tt.https_get(pt, "/r%d" % i, conn=conn)
            lib.eq((status, body), (200, ("s1 /r%d\n" % i).encode()), "request %d" % i)
            # http.client reconnects silently: the local port tells
            ports.add(conn.sock.getsockname()[1])
        conn.close()
        lib.eq(len(ports), 1, "client connections used")
        lib.eq(len(tt.wait_lines(p, " fe~ ", 20)), 20, "one httplog line per request")
        lib.eq([h.get("x-resumed") for h in hdrs_of(be)], ["0"] * 20, "ssl_fc_is_resumed")


@lib.test
def https_bridging_with_sni_from_host():
    with tt.https_backend("srv", cert="srv.test") as be:
        pt = lib.free_port()
        p = http_proxy("""frontend fe
    bind 127.0.0.1:%d ssl crt %s
    default_backend be
backend be
    server s 127.0.0.1:%d ssl verify required ca-file %s sni req.hdr(host)
""" % (pt, A.pem, be.port, tls.certs().ca))
        status, hdrs, body, conn = tt.https_get(pt, "/x", headers={"Host": "srv.test"})
        conn.close()
        lib.eq((status, body), (200, b"srv /x\n"), "answer of the HTTPS server")
        lib.eq(be.snis, ["srv.test"], "SNI the server saw: the Host header")
        status, hdrs, body, conn = tt.https_get(pt, "/y", headers={"Host": "wrong.test"})
        conn.close()
        # the server's certificate is checked against the SNI sent
        lib.eq(status, 503, "a Host the server certificate does not match: 503")
        lib.eq(be.snis[-1], "wrong.test", "SNI the server saw")


@lib.test
def client_certificate_facts_forwarded():
    with lib.http_backend("s1") as be:
        quiet(be)
        pt = lib.free_port()
        p = http_proxy("""frontend fe
    bind 127.0.0.1:%d ssl crt %s verify optional ca-file %s
    http-request set-header X-Client-Cert %%[ssl_c_used]
    http-request set-header X-Client-DN %%[ssl_c_s_dn] if { ssl_c_used }
    http-request set-header X-Client-Verify %%[ssl_c_verify]
    default_backend be
backend be
    server s 127.0.0.1:%d
""" % (pt, A.pem, P.ca.crt, be.port))
        status, hdrs, body, conn = tt.https_get(pt, "/with", ctx=tt.context(cert=ALICE))
        conn.close()
        status, hdrs, body, conn = tt.https_get(pt, "/without")
        conn.close()
        got = [(r[1], h.get("x-client-cert"), h.get("x-client-dn"), h.get("x-client-verify"))
               for r, h in zip(be.requests, hdrs_of(be))]
        lib.eq(got, [("/with", "1", "/CN=alice", "0"), ("/without", "0", None, "0")],
               "headers the server saw")


HTTPSLOG = re.compile(
    r'^127\.0\.0\.1:\d+ \[\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d\.\d{3}\] fe~ be/s '
    r'\d+/\d+/\d+/\d+/\d+ 200 \d+ - - ---- \d+/\d+/\d+/\d+/0 0/0 '
    r'"GET (?P<path>\S+) HTTP/1\.1" (?P<tls>\S+) (?P<sni>[^/]+)/(?P<ver>[^/]+)/(?P<cipher>\S+)$')


@lib.test
def httpslog_tls_fields():
    with lib.http_backend("s1") as be:
        quiet(be)
        pt = lib.free_port()
        p = http_proxy("""frontend fe
    bind 127.0.0.1:%d ssl crt %s
    option httpslog
    default_backend be
backend be
    server s 127.0.0.1:%d
""" % (pt, A.pem, be.port))
        ctx = tt.context(max_ver="1.2")
        status, hdrs, body, conn = tt.https_get(pt, "/first", sni="a.test", ctx=ctx)
        sess = conn.sock.session
        conn.close()
        status, hdrs, body, conn = tt.https_get(pt, "/resumed", sni="a.test", ctx=ctx,
                                                session=sess)
        conn.close()
        status, hdrs, body, conn = tt.https_get(pt, "/nosni")
        conn.close()
        got = []
        for l in tt.wait_lines(p, " fe~ ", 3):
            m = HTTPSLOG.match(l)
            lib.ok(m, "httpslog line layout:\n" + l)
            got.append(m.groups())
        lib.eq(sorted(got), sorted([
            ("/first", "0/0000000000000000/0/0/0", "a.test", "TLSv1.2",
             "ECDHE-ECDSA-AES256-GCM-SHA384"),
            ("/resumed", "0/0000000000000000/0/0/1", "a.test", "TLSv1.2",
             "ECDHE-ECDSA-AES256-GCM-SHA384"),
            ("/nosni", "0/0000000000000000/0/0/0", "-", "TLSv1.3", "TLS_AES_256_GCM_SHA384")]),
            "fc_err/ssl_fc_err/ssl_c_err/ssl_c_ca_err/ssl_fc_is_resumed sni/version/cipher")


lib.main()
