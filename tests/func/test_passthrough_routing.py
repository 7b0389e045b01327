#!/usr/bin/env python3
"""TLS passthrough routing: a mode tcp frontend reads the ClientHello
(tcp-request inspect-delay + content accept on a hello) and picks the
backend from SNI or ALPN without decrypting. Each test proves which backend
answered by the certificate the client receives and by the backend's own
banner; every scenario runs with nbthread 1 and 4."""

import os
import time

import lib
import tls

INSPECT = """\
    tcp-request inspect-delay 5s
    tcp-request content accept if { req.ssl_hello_type 1 }
"""


def backends(**servers):
    """'backend be_<name>' sections, one server each: name -> port."""
    return "".join("backend be_%s\n    server s1 127.0.0.1:%d\n" % (n, p)
                   for n, p in servers.items())


def frontend(port, rules, default="be_d"):
    return "frontend fe\n    bind 127.0.0.1:%d\n%s%s    default_backend %s\n" % (
        port, INSPECT, rules, default)


def expect(port, sni, want, alpn=None):
    cn, banner, _ = tls.tls_cn(port, sni, alpn=alpn)
    lib.eq(cn, want, "certificate CN for SNI %r" % sni)
    lib.eq(banner, want, "backend banner for SNI %r" % sni)


@lib.test
@tls.threads
def sni_exact_match_picks_backend(n):
    with tls.tls_backend("a.demo.test") as a, tls.tls_backend("b.demo.test") as b, \
            tls.tls_backend("default.demo.test") as d:
        port = lib.free_port()
        tls.proxy(frontend(port, "    use_backend be_a if { req.ssl_sni a.demo.test }\n"
                                 "    use_backend be_b if { req_ssl_sni b.demo.test }\n")
                  + backends(a=a.port, b=b.port, d=d.port), n)
        expect(port, "a.demo.test", "a.demo.test")
        expect(port, "b.demo.test", "b.demo.test")
        expect(port, "c.demo.test", "default.demo.test")
        # an exact match is not a suffix match
        expect(port, "x.a.demo.test", "default.demo.test")
        lib.eq(a.snis, ["a.demo.test"], "SNI the backend itself saw")


@lib.test
@tls.threads
def sni_suffix_match_with_m_end(n):
    with tls.tls_backend("*.wild.demo.test") as w, tls.tls_backend("default.demo.test") as d:
        port = lib.free_port()
        tls.proxy(frontend(port, "    use_backend be_w if { req.ssl_sni -m end .wild.demo.test }\n")
                  + backends(w=w.port, d=d.port), n)
        expect(port, "x1.wild.demo.test", "*.wild.demo.test")
        expect(port, "a.b.wild.demo.test", "*.wild.demo.test")
        expect(port, "wild.demo.test", "default.demo.test")
        expect(port, "x.wild.demo.test.evil", "default.demo.test")


@lib.test
@tls.threads
def sni_regex_match(n):
    with tls.tls_backend("*.wild.demo.test") as w, tls.tls_backend("default.demo.test") as d:
        port = lib.free_port()
        tls.proxy(frontend(port, "    use_backend be_w if { req.ssl_sni -m reg ^[a-z0-9]+\\.wild\\.demo\\.test$ }\n")
                  + backends(w=w.port, d=d.port), n)
        expect(port, "node42.wild.demo.test", "*.wild.demo.test")
        expect(port, "a.b.wild.demo.test", "default.demo.test")
        expect(port, "node-1.wild.demo.test", "default.demo.test")


@lib.test
@tls.threads
def sni_map_file_dynamic_use_backend(n):
    with tls.tls_backend("a.demo.test") as a, tls.tls_backend("b.demo.test") as b, \
            tls.tls_backend("default.demo.test") as d:
        mapf = lib.write(os.path.join(lib.tmpdir(), "sni.map"),
                         "# sni backend\na.demo.test be_a\nb.demo.test be_b\n")
        port = lib.free_port()
        tls.proxy(frontend(port, "    use_backend %%[req.ssl_sni,lower,map(%s,be_d)]\n" % mapf)
                  + backends(a=a.port, b=b.port, d=d.port), n)
        expect(port, "a.demo.test", "a.demo.test")
        expect(port, "B.Demo.TEST", "b.demo.test")    # ,lower before the map
        expect(port, "nosuch.demo.test", "default.demo.test")  # map default
        expect(port, None, "default.demo.test")       # no SNI: fetch fails, default_backend


@lib.test
@tls.threads
def no_sni_goes_to_default_backend(n):
    with tls.tls_backend("a.demo.test") as a, tls.tls_backend("default.demo.test") as d:
        port = lib.free_port()
        tls.proxy(frontend(port, "    use_backend be_a if { req.ssl_sni -m found }\n")
                  + backends(a=a.port, d=d.port), n)
        expect(port, None, "default.demo.test")
        expect(port, "a.demo.test", "a.demo.test")
        lib.eq(d.snis, [None], "SNI the default backend saw")


@lib.test
@tls.threads
def sni_match_is_case_sensitive_unless_i(n):
    with tls.tls_backend("a.demo.test") as a, tls.tls_backend("b.demo.test") as b, \
            tls.tls_backend("default.demo.test") as d:
        port = lib.free_port()
        tls.proxy(frontend(port, "    use_backend be_a if { req.ssl_sni -i a.demo.test }\n"
                                 "    use_backend be_b if { req.ssl_sni b.demo.test }\n")
                  + backends(a=a.port, b=b.port, d=d.port), n)
        expect(port, "A.Demo.Test", "a.demo.test")
        expect(port, "B.DEMO.TEST", "default.demo.test")
        expect(port, "b.demo.test", "b.demo.test")
        lib.eq(a.snis, ["A.Demo.Test"], "the SNI is relayed as sent")


@lib.test
@tls.threads
def alpn_routing(n):
    with tls.tls_backend("b.demo.test") as h2, tls.tls_backend("default.demo.test") as d:
        port = lib.free_port()
        tls.proxy(frontend(port, "    use_backend be_h2 if { req.ssl_alpn h2 }\n")
                  + backends(h2=h2.port, d=d.port), n)
        cn, _, alpn = tls.tls_cn(port, "a.demo.test", alpn=["h2", "http/1.1"])
        lib.eq((cn, alpn), ("b.demo.test", "h2"), "h2 offered first")
        cn, _, alpn = tls.tls_cn(port, "a.demo.test", alpn=["http/1.1", "h2"])
        lib.eq((cn, alpn), ("b.demo.test", "h2"), "h2 offered second (server prefers h2)")
        cn, _, alpn = tls.tls_cn(port, "a.demo.test", alpn=["http/1.1"])
        lib.eq((cn, alpn), ("default.demo.test", "http/1.1"), "http/1.1 only")
        cn, _, alpn = tls.tls_cn(port, "a.demo.test")
        lib.eq((cn, alpn), ("default.demo.test", None), "no ALPN")


REQ = b"GET / HTTP/1.1\r\nHost: a.demo.test\r\n\r\n"


@lib.test
@tls.threads
def non_tls_bytes_go_to_default_backend_at_once(n):
    """Plain HTTP is not a hello: the hello test fails for good at the first
    byte, so the proxy does not wait for the 5 s inspect-delay."""
    with tls.tls_backend("a.demo.test") as a, tls.plain_backend("plain") as d:
        port = lib.free_port()
        tls.proxy(frontend(port, "    use_backend be_a if { req.ssl_sni -m end .demo.test }\n")
                  + backends(a=a.port, d=d.port), n)
        t0 = time.monotonic()
        with tls.connect(port) as s:
            s.sendall(REQ)
            lib.eq(tls.readline(s), "plain", "banner")
            got = b""
            while len(got) < len(REQ):
                d_ = s.recv(65536)
                if not d_:
                    break
                got += d_
        lib.eq(got, REQ, "request echoed by the default backend")
        lib.ok(time.monotonic() - t0 < 2.5, "took %.2fs: waited for the inspect-delay"
               % (time.monotonic() - t0))
        lib.eq(a.conns, 0, "connections on the SNI backend")


@lib.test
@tls.threads
def non_tls_bytes_rejected(n):
    with tls.tls_backend("default.demo.test") as d:
        port = lib.free_port()
        tls.proxy("frontend fe\n    bind 127.0.0.1:%d\n"
                  "    tcp-request inspect-delay 5s\n"
                  "    tcp-request content reject if !{ req.ssl_hello_type 1 }\n"
                  "    default_backend be_d\n" % port + backends(d=d.port), n)
        with tls.connect(port) as s:
            s.sendall(REQ)
            dt = tls.time_to_eof(s, limit=4)
        lib.ok(dt < 2.5, "closed after %.2fs: waited for the inspect-delay" % dt)
        lib.eq(d.conns, 0, "connections on the backend")
        # a real hello still passes
        expect(port, "a.demo.test", "default.demo.test")



# fetch (or fetch,converters) -> value HAProxy computes on the hello, for
# the two hellos of hello_fetch_values; None: differs per hello (below)
FETCHES = [
    ("req.ssl_sni", "a.demo.test"),
    ("req_ssl_sni", "a.demo.test"),
    ("req.ssl_ver", "196611"),          # (3 << 16) | 3: the hello's TLS 1.2 version
    ("req_ssl_ver", "196611"),
    ("req.ssl_hello_type", "1"),
    ("req.ssl_alpn", None),
    ("req.ssl_st_ext", None),
    ("req.ssl_ec_ext", "1"),
    ("req.len", None),
    ("req_len", None),
    ("req.payload(0,3),hex", "160301"),
    ("src", "127.0.0.1"),
    ("src_port", None),
    ("dst", "127.0.0.1"),
    ("dst_port", None),
    ("req.ssl_sni,upper", "A.DEMO.TEST"),
    ("req.ssl_sni,field(1,.)", "a"),
    ("req.ssl_sni,word(2,.)", "demo"),
    ("req.ssl_sni,regsub(\\.demo\\.test$,)", "a"),
    ("src,ipmask(8)", "127.0.0.0"),
    ("req.ssl_ec_ext,bool", "1"),
    ("req.ssl_ec_ext,not", "0"),
    ("always_true", "1"),
    ("always_false", "0"),
]


@lib.test
@tls.threads
def hello_fetch_values(n):
    """What each TCP-mode fetch returns on a complete hello, stored with
    set-var during inspection and printed by log-format: a TLS 1.3 hello
    from OpenSSL (ALPN h2,http/1.1, session ticket extension) and a
    hand-built TLS 1.2 hello (no ALPN, no session ticket extension)."""
    with tls.tls_backend("a.demo.test") as a:
        port = lib.free_port()
        sets = "".join("    tcp-request content set-var(sess.v%d) %s if { req.ssl_hello_type 1 }\n"
                       % (i, f) for i, (f, _) in enumerate(FETCHES))
        fmt = " ".join("%%[var(sess.v%d)]" % i for i in range(len(FETCHES)))
        p = tls.proxy("frontend fe\n    bind 127.0.0.1:%d\n    log-format \"fe %s\"\n"
                      "    tcp-request inspect-delay 5s\n%s"
                      "    tcp-request content accept if { req.ssl_hello_type 1 }\n"
                      "    default_backend be\nbackend be\n    server s1 127.0.0.1:%d\n"
                      % (port, fmt, sets, a.port), n, glob=tls.LOG_GLOBAL, defaults="    log global")
        c = tls.Client(port, "a.demo.test", alpn=["h2", "http/1.1"])
        cport, hello13 = c.local_port, c.hello
        c.handshake()
        c.close()
        line = tls.wait_log(p, lambda l: l.startswith("fe "))[0]
        per = {"req.ssl_alpn": "h2", "req.ssl_st_ext": "1", "req.len": str(len(hello13)),
               "req_len": str(len(hello13)), "src_port": str(cport), "dst_port": str(port)}
        for (f, want), got in zip(FETCHES, line.split(" ")[1:]):
            lib.eq(got, per.get(f, want), "%s on the TLS 1.3 hello" % f)
        hello12 = tls.tls12_hello("a.demo.test")
        with tls.connect(port) as s:
            s.sendall(hello12)
            lib.eq(tls.server_cert_cn(s), "a.demo.test", "CN")
            cport = s.getsockname()[1]
        line = tls.wait_log(p, lambda l: l.startswith("fe "), n=2)[1]
        per = {"req.ssl_alpn": "-", "req.ssl_st_ext": "0", "req.len": str(len(hello12)),
               "req_len": str(len(hello12)), "src_port": str(cport), "dst_port": str(port)}
        for (f, want), got in zip(FETCHES, line.split(" ")[1:]):
            lib.eq(got, per.get(f, want), "%s on the TLS 1.2 hello" % f)


@lib.test
@tls.threads
def tcp_request_connection_reject_by_source(n):
    with tls.tls_backend("a.demo.test") as a:
        port = lib.free_port()
        tls.proxy("frontend fe\n    bind 127.0.0.1:%d\n"
                  "    tcp-request connection reject if { src 127.0.0.2 }\n"
                  "    default_backend be\nbackend be\n    server s1 127.0.0.1:%d\n"
                  % (port, a.port), n)
        try:
            with tls.connect(port, source="127.0.0.2") as s:
                lib.ok(tls.time_to_eof(s, 5) < 2, "rejected connection closed late")
        except ConnectionResetError:
            pass  # the reset may even beat connect() back to the caller
        lib.eq(a.conns, 0, "connections from the rejected source")
        cn, _, _ = tls.tls_cn(port, "a.demo.test")
        lib.eq(cn, "a.demo.test", "CN for another source")


lib.main()
