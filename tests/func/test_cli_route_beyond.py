#!/usr/bin/env python3
"""Beyond HAProxy: "show route" and "show sni" on the stats socket
(doc/runtime-api.md, "Beyond HAProxy: show route, show sni").

show route runs a frontend's rules on a synthetic ClientHello and must
say which rules matched (file:line), the backend, and the server the
balancer would pick now, without changing anything: the next real
connection goes where it said. show sni counts connections and bytes per
server name, with bounded memory."""
import contextlib
import os
import re

import lib
import tls

BEYOND_HAPROXY = True


cli = lib.cli


CFG = """global
    stats socket %(dir)s/admin.sock level admin
    stats socket %(dir)s/user.sock level user
    stats socket %(dir)s/oper.sock level operator
defaults
    mode tcp
    timeout client 10s
    timeout server 10s
    timeout connect 5s
frontend fe
    bind 127.0.0.1:%(port)d
    tcp-request inspect-delay 3s
    tcp-request content set-var(sess.seen) req.ssl_sni
    tcp-request content reject if { req.ssl_sni -i evil.example.test }
    tcp-request content accept if { req.ssl_hello_type 1 }
    acl is_a req.ssl_sni -i a.example.test
    use_backend be_a if is_a
    use_backend be_h2 if { req.ssl_alpn h2 } !is_a
    default_backend be_def
frontend fe_nodelay
    bind 127.0.0.1:%(port2)d
    use_backend be_a if { req.ssl_sni a.example.test }
    default_backend be_def
backend be_a
    server a1 127.0.0.1:%(a1)d
    server a2 127.0.0.1:%(a2)d
backend be_h2
    balance source
    server h1 127.0.0.1:%(a1)d
    server h2 127.0.0.1:%(a2)d
backend be_def
    server d1 127.0.0.1:%(d1)d
"""


@contextlib.contextmanager
def setup():
    with tls.plain_backend("a1") as a1, tls.plain_backend("a2") as a2, \
            tls.plain_backend("d1") as d1:
        d = lib.tmpdir()
        port, port2 = lib.free_ports(2)
        text = CFG % {"dir": d, "port": port, "port2": port2, "a1": a1.port,
                      "a2": a2.port, "d1": d1.port}
        cfg = lib.config(text)
        # readiness through the stats socket only: a probe of the ports
        # would be a connection that "show sni" counts
        p = lib.start(cfg)
        for n in ("admin", "oper", "user"):
            lib.ok(lib.wait_unix(os.path.join(d, n + ".sock")), "stats socket\n" + lib.logs(p))
        env = type("Env", (), {})()
        env.p, env.port, env.port2, env.dir, env.cfg = p, port, port2, d, cfg
        env.lines = text.split("\n")
        env.sock = os.path.join(d, "admin.sock")
        try:
            yield env
        finally:
            lib.stop(p)


def line_of(env, text):
    """The config line number holding text (1-based)."""
    for i, l in enumerate(env.lines):
        if text in l:
            return i + 1
    lib.fail("no line with %r" % text)


def routed_to(port, sni, alpn=None):
    """Sends a ClientHello through the proxy; the name of the backend
    server that answered."""
    s = tls.connect(port)
    s.sendall(tls.tls12_hello(sni=sni, alpn=alpn))
    name = tls.readline(s)
    s.close()
    return name


def result(out):
    m = re.search(r"^result: (.*)$", out, re.M)
    lib.ok(m, "no result line in:\n" + out)
    return m.group(1)


@lib.test
def explains_rules_backend_and_server():
    with setup() as env:
        out = cli(env.sock, "show route fe sni=a.example.test alpn=h2,http/1.1 src=10.0.0.1:4000")
        lib.contains(out, "frontend fe: sni=a.example.test alpn=h2,http/1.1 src=10.0.0.1:4000 dst=127.0.0.1:%d\n" % env.port)
        f = env.cfg
        # every rule with its file:line and verdict, in evaluation order
        want = [
            "match %s:%d tcp-request content set-var(sess.seen) req.ssl_sni" % (f, line_of(env, "set-var(sess.seen)")),
            "no-match %s:%d tcp-request content reject if { req.ssl_sni -i evil.example.test } [{req.ssl_sni}=no]" % (f, line_of(env, "reject if")),
            "match %s:%d tcp-request content accept if { req.ssl_hello_type 1 } [{req.ssl_hello_type}=yes]" % (f, line_of(env, "accept if")),
            "match %s:%d use_backend be_a if is_a [is_a=yes]" % (f, line_of(env, "use_backend be_a if is_a")),
            "not-reached %s:%d use_backend be_h2" % (f, line_of(env, "use_backend be_h2")),
            "not-reached %s:%d default_backend be_def" % (f, line_of(env, "default_backend be_def")),
            "backend be_a: use_backend",
            "server a1: balance roundrobin: the next pick now",
            "result: backend be_a server a1",
        ]
        pos = 0
        for w in want:
            i = out.find(w, pos)
            lib.ok(i >= 0, "missing (in order) %r in:\n%s" % (w, out))
            pos = i
        lib.ok(out.endswith("\n\n"), "answer ends with an empty line")


@lib.test
def peek_does_not_take():
    with setup() as env:
        for _ in range(3):   # asking changes nothing
            lib.eq(result(cli(env.sock, "show route fe sni=a.example.test")),
                   "backend be_a server a1")
        lib.eq(routed_to(env.port, "a.example.test"), "a1", "first real connection")
        lib.eq(result(cli(env.sock, "show route fe sni=a.example.test")),
               "backend be_a server a2", "the next pick moved")
        lib.eq(routed_to(env.port, "a.example.test"), "a2", "went where announced")


@lib.test
def reject_default_and_alpn():
    with setup() as env:
        f = env.cfg
        out = cli(env.sock, "show route fe sni=EVIL.example.test")
        lib.contains(out, "match %s:%d tcp-request content reject" % (f, line_of(env, "reject if")))
        lib.contains(out, "=> connection closed")
        lib.contains(out, "not-reached %s:%d tcp-request content accept" % (f, line_of(env, "accept if")))
        lib.eq(result(out), "rejected by tcp-request content")
        lib.lacks(out, "\nbackend ")

        out = cli(env.sock, "show route fe sni=zzz.example.test")
        lib.contains(out, "no-match %s:%d use_backend be_h2 if { req.ssl_alpn h2 } !is_a [{req.ssl_alpn}=no !is_a=yes]"
                     % (f, line_of(env, "use_backend be_h2")))
        lib.contains(out, "match %s:%d default_backend be_def" % (f, line_of(env, "default_backend")))
        lib.eq(result(out), "backend be_def server d1")

        out = cli(env.sock, "show route fe sni=b.example.test alpn=h2 src=10.0.0.9:1234")
        lib.contains(out, "[{req.ssl_alpn}=yes !is_a=yes]")
        lib.contains(out, "balance source: hash of the client address 10.0.0.9:1234")
        lib.ok(re.search(r"^result: backend be_h2 server h[12]$", out, re.M), out)
        out = cli(env.sock, "show route fe sni=b.example.test alpn=h2")
        lib.contains(out, "note: no src= given")
        lib.contains(out, "depends on the client address")

        out = cli(env.sock, "show route fe sni= alpn=http/1.1")
        lib.contains(out, "sni=(none)")
        lib.eq(result(out), "backend be_def server d1")


@lib.test
def no_inspect_delay_is_explained():
    with setup() as env:
        out = cli(env.sock, "show route fe_nodelay sni=a.example.test")
        lib.contains(out, "note: frontend fe_nodelay has no tcp-request inspect-delay")
        # what really happens then: the rules do not see the SNI
        lib.contains(out, "no-match")
        lib.eq(result(out), "backend be_def server d1")


@lib.test
def errors_and_level():
    with setup() as env:
        lib.eq(cli(env.sock, "show route nosuch sni=a"), "No such frontend.\n\n")
        lib.eq(cli(env.sock, "show route be_a sni=a"), "No such frontend.\n\n")
        out = cli(env.sock, "show route fe")
        lib.contains(out, "Missing sni=")
        lib.contains(out, "Usage: show route <frontend> sni=<name>")
        lib.contains(cli(env.sock, "show route fe sni=a src=bogus"), "Invalid src")
        lib.contains(cli(env.sock, "show route fe sni=a what=1"), "Unknown argument")
        lib.eq(cli(os.path.join(env.dir, "user.sock"), "show route fe sni=a"), "Permission denied\n\n")
        lib.eq(cli(os.path.join(env.dir, "user.sock"), "show sni"), "Permission denied\n\n")
        lib.eq(result(cli(os.path.join(env.dir, "oper.sock"), "show route fe sni=a.example.test")),
               "backend be_a server a1")
        lib.contains(cli(env.sock, "help"), "show route <frontend> sni=<name>")
        lib.eq(cli(env.sock, "show sni nosuch"), "No such frontend.\n\n")


def sni_rows(env, fe=None):
    out = cli(env.sock, "show sni" + (" " + fe if fe else ""))
    lines = out.split("\n")
    lib.eq(lines[0], "# frontend sni conns bytes_in bytes_out", "header")
    lib.ok(out.endswith("\n\n"), "answer ends with an empty line")
    rows = {}
    for l in lines[1:]:
        if not l:
            continue
        f, name, c, bi, bo = l.split(" ")
        rows[(f, name)] = (int(c), int(bi), int(bo))
    return rows


@lib.test
def sni_counters():
    with setup() as env:
        lib.eq(sni_rows(env), {}, "nothing yet (show route counts nothing)")
        cli(env.sock, "show route fe sni=a.example.test")
        hello = tls.tls12_hello(sni="A.Example.Test")
        for _ in range(3):
            s = tls.connect(env.port)
            s.sendall(hello + b"ping")
            lib.eq(tls.readline(s), "a1" if _ != 1 else "a2")
            got = b""
            while len(got) < len(hello) + 4:
                got += s.recv(65536)
            s.close()
        s = tls.connect(env.port)
        s.sendall(tls.tls12_hello())
        tls.readline(s)
        s.close()
        s = tls.connect(env.port)
        s.sendall(b"GET / HTTP/1.0\r\n\r\n")   # not TLS: waits for the delay
        s.close()

        def complete():
            r = sni_rows(env)
            return r if sum(v[0] for v in r.values()) >= 5 else None
        rows = lib.wait_for(complete, timeout=10)
        lib.ok(rows, "5 connections counted: %r" % sni_rows(env))
        c, bi, bo = rows[("fe", "a.example.test")]
        lib.eq(c, 3, "connections of a.example.test (names are lower-cased)")
        lib.eq(bi, 3 * (len(hello) + 4), "bytes in")
        lib.eq(bo, 3 * (3 + len(hello) + 4), "bytes out (banner + echo)")
        lib.eq(rows[("fe", "(no-sni)")][0], 1, "hello without SNI")
        lib.eq(rows[("fe", "(no-hello)")][0], 1, "not TLS")
        lib.eq(sni_rows(env, "fe_nodelay"), {}, "one frontend only")
        # "clear counters" keeps them, "clear counters all" zeroes them
        lib.eq(cli(env.sock, "clear counters"), "\n")
        lib.eq(sni_rows(env)[("fe", "a.example.test")][0], 3, "kept by clear counters")
        lib.eq(cli(env.sock, "clear counters all"), "\n")
        lib.eq(sni_rows(env), {}, "zeroed by clear counters all")


@lib.test
def sni_memory_is_bounded():
    with setup() as env:
        n = 1024 + 30
        for i in range(n):
            s = tls.connect(env.port)
            s.sendall(tls.tls12_hello(sni="n%d.example.test" % i))
            tls.readline(s)
            s.close()

        def counted():
            r = sni_rows(env, "fe")
            return r if sum(v[0] for v in r.values()) >= n else None
        rows = lib.wait_for(counted, timeout=20)
        lib.ok(rows, "all counted: %d" % sum(v[0] for v in sni_rows(env, "fe").values()))
        names = [k for k in rows if not k[1].startswith("(")]
        lib.eq(len(names), 1024, "distinct names kept")
        lib.eq(rows[("fe", "(other)")][0], 30, "the rest, together")


lib.main()
