#!/usr/bin/env python3
"""Every balance algorithm in TCP mode, observed by which server answers
(each backend server sends its name first): roundrobin and static-rr with
weights, leastconn, first, source (stable per client address), random,
hash req.ssl_sni (stable per SNI, map-based and consistent). Every
scenario runs with nbthread 1 and 4."""

import collections
import contextlib

import lib
import tls


@contextlib.contextmanager
def servers(names, tls_certs=False):
    with contextlib.ExitStack() as st:
        if tls_certs:
            yield [st.enter_context(tls.tls_backend(nm)) for nm in names]
        else:
            yield [st.enter_context(tls.plain_backend(nm)) for nm in names]


def pool(n, be_lines, srvs, opts=None, fe_lines=""):
    """A proxy whose backend 'be' has <be_lines> and one server per
    backend state in srvs (named after it), with per-server options."""
    port = lib.free_port()
    opts = opts or [""] * len(srvs)
    lines = "".join("    server %s 127.0.0.1:%d %s\n" % (s.name.split(".")[0], s.port, o)
                    for s, o in zip(srvs, opts))
    tls.proxy("frontend fe\n    bind 127.0.0.1:%d\n%s    default_backend be\n"
              "backend be\n%s%s" % (port, fe_lines, be_lines, lines), n)
    return port


def who(port, source=None):
    with tls.connect(port, source=source) as s:
        return tls.readline(s)


def counts(port, k):
    return collections.Counter(who(port) for _ in range(k))


@lib.test
@tls.threads
def roundrobin_follows_weights(n):
    with servers(["s1", "s2", "s3"]) as ss:
        port = pool(n, "    balance roundrobin\n", ss, ["weight 1", "weight 2", "weight 5"])
        for cycle in range(3):
            c = counts(port, 8)
            lib.eq(dict(c), {"s1": 1, "s2": 2, "s3": 5}, "servers over weight cycle %d" % cycle)


@lib.test
@tls.threads
def roundrobin_is_smooth(n):
    """Weights 1, 2, 5: the heavy server's 5 turns are interleaved with the
    others' (HAProxy: s3 s3 s2 s3 s3 s1 s3 s2), never 3 in a row; equal
    weights alternate."""
    with servers(["s1", "s2", "s3"]) as ss:
        port = pool(n, "    balance roundrobin\n", ss, ["weight 1", "weight 2", "weight 5"])
        seq = [who(port) for _ in range(16)]
        for i in range(len(seq) - 2):
            lib.ok(len(set(seq[i:i + 3])) > 1, "3 in a row: %s" % " ".join(seq))
    with servers(["s1", "s2"]) as ss:
        port = pool(n, "    balance roundrobin\n", ss, ["weight 2", "weight 2"])
        seq = [who(port) for _ in range(8)]
        for a, b in zip(seq, seq[1:]):
            lib.ok(a != b, "equal weights do not alternate: %s" % " ".join(seq))


@lib.test
@tls.threads
def static_rr_follows_weights(n):
    with servers(["s1", "s2"]) as ss:
        port = pool(n, "    balance static-rr\n", ss, ["weight 1", "weight 3"])
        for cycle in range(3):
            lib.eq(dict(counts(port, 4)), {"s1": 1, "s2": 3}, "servers over weight cycle %d" % cycle)


@lib.test
@tls.threads
def leastconn_picks_the_least_loaded_server(n):
    """Sessions are held open, so the loads are known exactly: after
    a (on X) and b, b is on the other server Y; c goes anywhere; d goes
    to the server c did not take."""
    with servers(["s1", "s2"]) as ss:
        port = pool(n, "    balance leastconn\n", ss)
        held, got = [], []
        try:
            for _ in range(4):
                # one at a time: each session is on its server before the next
                held.append(tls.connect(port))
                got.append(tls.readline(held[-1]))
            a, b, c, d = got
            lib.ok(a != b, "a on %s, b on %s" % (a, b))
            lib.ok(c != d, "c and d both on %s while the other server had one session less" % c)
        finally:
            for s in held:
                s.close()


@lib.test
@tls.threads
def first_fills_servers_in_order(n):
    with servers(["s1", "s2", "s3"]) as ss:
        port = pool(n, "    balance first\n", ss, ["maxconn 2"] * 3)
        held, got = [], []
        try:
            for _ in range(3):
                held.append(tls.connect(port))
                got.append(tls.readline(held[-1]))
            lib.eq(got, ["s1", "s1", "s2"], "held sessions")
            held[0].close()
            lib.ok(lib.wait_for(lambda: ss[0].active == 1, 5), "s1 did not see the close")
            # the server sees the close a moment before the proxy's other
            # threads see the slot free (sluice closes the server socket
            # first so that maxconn is never exceeded at the server): a
            # session in that moment goes to s2 and is let go
            def on_s1():
                s = tls.connect(port)
                if tls.readline(s) == "s1":
                    return s
                s.close()
                return None
            held[0] = lib.wait_for(on_s1, 5)
            lib.ok(held[0], "a new session once s1 has room")
        finally:
            for s in held:
                if s:
                    s.close()


@lib.test
@tls.threads
def source_is_stable_per_client_address(n):
    with servers(["s1", "s2", "s3"]) as ss:
        port = pool(n, "    balance source\n", ss)
        seen = {}
        for i in range(16):
            src = "127.0.0.%d" % (10 + i)
            got = {who(port, source=src) for _ in range(3)}
            lib.eq(len(got), 1, "servers for source %s: %s" % (src, got))
            seen[src] = got.pop()
        lib.ok(len(set(seen.values())) >= 2, "every source on one server: %s" % seen)


@lib.test
@tls.threads
def random_uses_every_server(n):
    with servers(["s1", "s2"]) as ss:
        port = pool(n, "    balance random\n", ss)
        c = counts(port, 40)
        lib.eq(set(c), {"s1", "s2"}, "servers used over 40 sessions")
        port = pool(n, "    balance random(3)\n", ss)
        lib.eq(set(counts(port, 40)), {"s1", "s2"}, "servers used with random(3)")


INSPECT = """\
    tcp-request inspect-delay 5s
    tcp-request content set-var(sess.sni) req.ssl_sni if { req.ssl_hello_type 1 }
    tcp-request content accept if { req.ssl_hello_type 1 }
"""


@lib.test
@tls.threads
def hash_sni_variable_is_stable_per_sni(n):
    """HAProxy 2.6 needs the SNI in a variable to hash it: by the time a
    server is picked, the hello is no longer input data and 'balance hash
    req.ssl_sni' falls back to round robin (see the _beyond file)."""
    names = ["s1.pool.demo.test", "s2.pool.demo.test", "s3.pool.demo.test"]
    with servers(names, tls_certs=True) as ss:
        for hash_type in ("map-based", "consistent"):
            port = pool(n, "    balance hash var(sess.sni)\n    hash-type %s\n" % hash_type,
                        ss, fe_lines=INSPECT)
            check_sni_hash(port, hash_type)


def check_sni_hash(port, hash_type):
    seen = {}
    for i in range(12):
        sni = "site%d.demo.test" % i
        got = set()
        for _ in range(2):
            cn, banner, _ = tls.tls_cn(port, sni)
            lib.eq(cn, banner, "certificate vs banner")
            got.add(cn)
        lib.eq(len(got), 1, "%s: servers for SNI %s: %s" % (hash_type, sni, got))
        seen[sni] = got.pop()
    lib.ok(len(set(seen.values())) >= 2, "%s: every SNI on one server: %s" % (hash_type, seen))


lib.main()
