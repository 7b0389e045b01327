#!/usr/bin/env python3
"""HTTP and TLS sample fetches as a client sees them: their values put in
an "http-request return ... lf-string" body or an "http-response
set-header", and the ACLs built on them (hdr() comma splitting and
occurrences, fhdr, counts, cookies, url_param, base/base32, path, query,
request version; status, res.hdr, res.cook on the response; ssl_fc_*,
ssl_c_* on a TLS-terminated connection with a client certificate).
Every expected value was observed on haproxy 2.6.12 (this file passes
with SLUICE_ORACLE=1)."""

import os
import re
import socket
import ssl
import subprocess

import http_lab as H
import lib


def values(port, exprs, raw):
    """The values of exprs for the raw request (bytes), '|'-separated in
    the answer's body as HAProxy renders them."""
    with H.Client(port) as c:
        c.send(raw)
        r = c.response("GET")
    lib.eq(r.status, 200, "status of the return (%r)" % r)
    return r.body.decode("latin-1").split("|")


def fetch_proxy(exprs, extra=""):
    port = lib.free_port()
    body = "|".join("%%[%s]" % e for e in exprs)
    p = H.proxy("""\
frontend fe
    bind 127.0.0.1:%d
%s    http-request return status 200 content-type text/plain lf-string "%s"
""" % (port, extra, body))
    return port, p


def check_values(exprs_want, raw):
    exprs = [e for e, _ in exprs_want]
    port, _ = fetch_proxy(exprs)
    got = values(port, exprs, raw)
    for (e, want), g in zip(exprs_want, got):
        lib.eq(g, want, e)


@lib.test
def request_headers_split_count_and_occurrences():
    check_values([
        ("hdr(x-a)", "d"), ("hdr(x-a,1)", "a"), ("hdr(x-a,2)", "b"), ("hdr(x-a,-1)", "d"),
        ("hdr(x-a,-4)", "a"), ("hdr(x-a,5)", ""), ("req.fhdr(x-a)", "d"),
        ("req.fhdr(x-a,1)", "a, b ,c"), ("hdr_cnt(x-a)", "4"), ("req.fhdr_cnt(x-a)", "2"),
        ("hdr_cnt", "10"), ("hdr(x-none)", ""), ("hdr_cnt(x-none)", "0"),
        ("hdr(x-q,1)", '"a,b"'), ("hdr_cnt(x-q)", "2"), ("hdr_val(x-n)", "-7"),
        ("hdr_val(x-n,1)", "12"), ("req.hdr_ip(x-f,1)", "10.0.0.1"),
    ], b"GET /a/b.html?x=1&y=2 HTTP/1.1\r\nHost: ex.com\r\nX-A: a, b ,c\r\nX-A: d\r\n"
       b"X-Q: \"a,b\", c\r\nX-N: 12abc, -7\r\nX-F: 10.0.0.1:80\r\n\r\n")


@lib.test
def request_line_path_query_base():
    check_values([
        ("path", "/p;m=1/q%20r"), ("query", "a=1&b=&c&a=3"), ("url", "/p;m=1/q%20r?a=1&b=&c&a=3"),
        ("pathq", "/p;m=1/q%20r?a=1&b=&c&a=3"), ("base", "ex.com:80/p;m=1/q%20r"),
        ("baseq", "ex.com:80/p;m=1/q%20r?a=1&b=&c&a=3"), ("base32", "1909856589"),
        ("url32", "1284927622"), ("req.ver", "1.0"), ("method", "GET"),
        ("urlp(a)", "1"), ("urlp(b)", ""), ("urlp(c)", ""), ("urlp", "1"),
        ("url_param(a,&)", "3"), ("urlp_val(a)", "1"),
        # kept: an HTTP fetch in a log-format string of the frontend
        ("capture.req.method", "GET"), ("capture.req.ver", "HTTP/1.0"),
    ], b"GET /p;m=1/q%20r?a=1&b=&c&a=3 HTTP/1.0\r\nHost: ex.com:80\r\n\r\n")


@lib.test
def request_cookies():
    check_values([
        ("cook(s)", "3"), ("cook", "1"), ("req.cook_cnt(s)", "2"), ("cook_cnt", "6"),
        ("cook(b)", '"q"'), ("cook(c)", ""), ("cook(e)", "5"), ("cook_val(d)", "4"),
        ("req.cook(S)", ""),
    ], b"GET / HTTP/1.1\r\nHost: h\r\nCookie: s=1; t=2; s=3\r\n"
       b"Cookie: b=\"q\"; c\r\nCookie: d=4,e=5\r\n\r\n")


@lib.test
def binary_headers_tls_facts_on_plain_and_first_request():
    long = b"a" * 300
    exprs = ["req.hdrs_bin,hex", "ssl_fc", "ssl_fc_is_resumed", "ssl_fc_has_sni", "ssl_c_used",
             "ssl_fc_has_crt", "http_first_req"]
    port, _ = fetch_proxy(exprs)
    raw = b"GET / HTTP/1.1\r\nHost: ex\r\nX-Long: " + long + b"\r\n\r\n"
    with H.Client(port) as c:
        c.send(raw)
        first = c.response("GET").body.decode().split("|")
        c.send(raw)
        second = c.response("GET").body.decode().split("|")
    # <varint len><name><varint len><value>... then two empty strings;
    # 300 is the two-byte varint FC 03
    lib.eq(first[0], "04686F737402657806782D6C6F6E67FC03" + "61" * 300 + "0000", "req.hdrs_bin")
    lib.eq(first[1:], ["0", "0", "0", "", "", "1"], "TLS facts of a plain connection, first request")
    lib.eq(second[-1], "0", "http_first_req of the second request")


@lib.test
def acls_see_every_value():
    port = lib.free_port()
    H.proxy("""\
frontend fe
    bind 127.0.0.1:%d
    http-request return status 200 content-type text/plain string one if { hdr(x-a) b }
    http-request return status 200 content-type text/plain string two if { cook(s) 1 }
    http-request return status 200 content-type text/plain string three if { urlp(a) 3 }
    http-request return status 200 content-type text/plain string four if { path_beg /z/ } { path_end .js }
    http-request return status 200 content-type text/plain string none
""" % port)
    def ask(raw):
        with H.Client(port) as c:
            c.send(raw)
            return c.response("GET").body
    lib.eq(ask(b"GET / HTTP/1.1\r\nX-A: a, b\r\nX-A: c\r\n\r\n"), b"one", "hdr ACL, 2nd value")
    lib.eq(ask(b"GET / HTTP/1.1\r\nCookie: s=1; s=2\r\n\r\n"), b"two", "cook ACL, first cookie")
    lib.eq(ask(b"GET /?a=1&a=3 HTTP/1.1\r\n\r\n"), b"three", "urlp ACL, 2nd parameter")
    lib.eq(ask(b"GET /z/a.js?q HTTP/1.1\r\n\r\n"), b"four", "path_beg and path_end")
    lib.eq(ask(b"GET /z/a.css HTTP/1.1\r\nX-A: a\r\n\r\n"), b"none", "nothing matches")


def resp_handler(req):
    return (b"HTTP/1.0 302 Found\r\nX-A: r1, r2\r\nSet-Cookie: sid=abc; Path=/; "
            b"Expires=Wed, 21 Oct 2026 07:28:00 GMT\r\nSet-Cookie: t=9\r\nContent-Length: 0\r\n\r\n")


@lib.test
def response_fetches_in_http_response_rules():
    with H.backend(handler=resp_handler) as b:
        port = lib.free_port()
        exprs = ["status", "res.ver", "res.hdr(x-a)", "shdr(x-a,1)", "res.fhdr(x-a)",
                 "res.hdr_cnt(x-a)", "hdr(x-a)", "res.cook(sid)", "scook(t)", "res.cook_cnt",
                 "scook(Path)", "capture.req.uri"]
        fmt = "|".join("%%[%s]" % e for e in exprs)
        H.proxy("""\
frontend fe
    bind 127.0.0.1:%d
    default_backend be
backend be
    http-response set-header X-Out "%s"
    server s1 127.0.0.1:%d
""" % (port, fmt, b.port))
        r = H.get(port, "/q?x")
        got = r.hdr("x-out")
        lib.eq(len(got), 1, "one X-Out header (%r)" % r)
            # capture.req.uri: the request line is kept only by a frontend
        # that logs it (here: none)
        want = ["302", "1.0", "r2", "r1", "r1, r2", "2", "r2", "abc", "9", "4", "", ""]
        for e, w, g in zip(exprs, want, got[0].split("|")):
            lib.eq(g, w, e)


@lib.test
def captured_request_line_with_httplog():
    with H.backend() as b:
        port = lib.free_port()
        p = H.proxy("""\
frontend fe
    bind 127.0.0.1:%d
    http-response set-header X-Out "%%[capture.req.method]|%%[capture.req.uri]|%%[capture.req.ver]"
    default_backend be
backend be
    server s1 127.0.0.1:%d
""" % (port, b.port), glob=H.LOG_GLOBAL, defaults=H.LOG_DEFAULTS)
        r = H.get(port, "/q?x")
        lib.eq(r.hdr("x-out"), ["GET|/q?x|HTTP/1.1"], "captured request line")


def set_cookie_handler(req):
    return H.ok_response("ok", headers=(("Set-Cookie", "sid=1; Path=/"),))


@lib.test
def capture_cookie_in_httplog():
    with H.backend(handler=set_cookie_handler) as b:
        port = lib.free_port()
        p = H.proxy("""\
frontend fe
    bind 127.0.0.1:%d
    capture cookie sid len 6
    default_backend be
backend be
    server s1 127.0.0.1:%d
""" % (port, b.port), glob=H.LOG_GLOBAL, defaults=H.LOG_DEFAULTS)
        with H.Client(port) as c:
            # the first cookie whose name starts with "sid", cut to 6
            c.request("GET", "/a", (("Host", "t"), ("Cookie", "a=1; sidx=abcdefgh; sid=2")))
            c.request("GET", "/b", (("Host", "t"), ("Cookie", 'a="x;y", sid=2')))
            c.request("GET", "/c")
        got = [(l["CC"], l["CS"]) for l in H.httplog(p, n=3)]
        lib.eq(got, [("sidx=a", "sid=1"), ("sid=2", "sid=1"), ("-", "sid=1")], "%CC %CS")


# ---- TLS ----------------------------------------------------------------------

def _openssl(*args, cwd=None):
    p = subprocess.run(["openssl"] + list(args), cwd=cwd, stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode != 0:
        lib.fail("openssl %s: %s" % (" ".join(args), p.stderr.decode()))
    return p.stdout.decode()


def make_certs(d):
    """A CA, the proxy's certificate (PEM with its key) and a client
    certificate with a known subject and serial."""
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
    _openssl("req", "-x509", "-new", *ec, "-keyout", "ca.key", "-out", "ca.crt", "-days", "2",
             "-subj", "/CN=fetch test CA", "-addext", "basicConstraints=critical,CA:TRUE",
             cwd=d)
    for name, subj, serial in (("srv", "/CN=srv.test", "4660"),
                               ("cli", "/C=FR/O=Test Org/CN=client1", "16951245")):
        _openssl("req", "-new", *ec, "-keyout", name + ".key", "-out", name + ".csr",
                 "-subj", subj, cwd=d)
        _openssl("x509", "-req", "-in", name + ".csr", "-CA", "ca.crt", "-CAkey", "ca.key",
                 "-set_serial", serial, "-days", "2", "-out", name + ".crt", cwd=d)
    with open(os.path.join(d, "srv.pem"), "w") as f:
        for n in ("srv.crt", "srv.key"):
            with open(os.path.join(d, n)) as g:
                f.write(g.read())


def asn1_time(openssl_date):
    """'Nov 29 18:50:00 2026 GMT' -> '261129185000Z' (a UTCTime)."""
    months = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
    m = re.match(r"(\w+)\s+(\d+) (\d\d):(\d\d):(\d\d) (\d{4})", openssl_date)
    mon, day, hh, mi, ss, yy = m.groups()
    return "%s%02d%02d%s%s%sZ" % (yy[2:], months.index(mon) + 1, int(day), hh, mi, ss)


@lib.test
def tls_connection_and_client_certificate():
    d = lib.tmpdir()
    make_certs(d)
    port = lib.free_port()
    exprs = ["ssl_fc", "ssl_fc_sni", "ssl_fc_has_sni", "ssl_fc_protocol", "ssl_fc_cipher",
             "ssl_fc_alpn", "ssl_fc_has_crt", "ssl_fc_is_resumed", "ssl_c_used", "ssl_c_verify",
             "ssl_c_err", "ssl_c_ca_err", "ssl_c_s_dn", "ssl_c_i_dn", "ssl_c_s_dn(CN)",
             "ssl_c_s_dn(O)", "ssl_c_serial,hex", "ssl_c_sha1,hex", "ssl_c_notafter",
             "ssl_c_version", "ssl_f_s_dn(CN)"]
    fmt = "|".join("%%[%s]" % e for e in exprs)
    H.proxy("""\
frontend fe
    bind 127.0.0.1:%d ssl crt %s/srv.pem ca-file %s/ca.crt verify optional alpn http/1.1
    http-request return status 200 content-type text/plain lf-string "%s"
""" % (port, d, d, fmt))
    ctx = ssl.create_default_context(cafile=os.path.join(d, "ca.crt"))
    ctx.check_hostname = False
    ctx.load_cert_chain(os.path.join(d, "cli.crt"), os.path.join(d, "cli.key"))
    ctx.set_alpn_protocols(["http/1.1"])
    with socket.create_connection((lib.LOOPBACK, port), timeout=5) as raw:
        with ctx.wrap_socket(raw, server_hostname="a.test") as s:
            s.sendall(b"GET / HTTP/1.1\r\nHost: a.test\r\n\r\n")
            data = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
                head, _, body = data.partition(b"\r\n\r\n")
                m = re.search(rb"(?i)content-length: *(\d+)", head)
                if m and len(body) >= int(m.group(1)):
                    break
            proto, cipher = s.version(), s.cipher()[0]
    head, _, body = data.partition(b"\r\n\r\n")
    got = body.decode().split("|")
    sha1 = _openssl("x509", "-in", os.path.join(d, "cli.crt"), "-noout", "-fingerprint",
                    "-sha1").split("=", 1)[1].strip().replace(":", "")
    end = asn1_time(_openssl("x509", "-in", os.path.join(d, "cli.crt"), "-noout",
                             "-enddate").split("=", 1)[1].strip())
    want = ["1", "a.test", "1", proto, cipher, "http/1.1", "1", "0", "1", "0", "0", "0",
            "/C=FR/O=Test Org/CN=client1", "/CN=fetch test CA", "client1", "Test Org",
            "0102A7CD", sha1, end, "1", "srv.test"]
    lib.eq(len(got), len(want), "values (%r)" % body)
    for e, w, g in zip(exprs, want, got):
        lib.eq(g, w, e)


lib.main()
