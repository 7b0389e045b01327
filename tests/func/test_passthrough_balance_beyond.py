#!/usr/bin/env python3
"""Balancing beyond HAProxy 2.6: 'balance hash req.ssl_sni' hashes the SNI
of the hello the session was inspected on. HAProxy 2.6.12 has already
scheduled the hello for forwarding when it picks a server, so the fetch
finds no input and it falls back to round robin. Skipped by
make check-oracle."""

import contextlib

import lib
import tls

BEYOND_HAPROXY = True

INSPECT = """\
    tcp-request inspect-delay 5s
    tcp-request content accept if { req.ssl_hello_type 1 }
"""


@lib.test
@tls.threads
def hash_req_ssl_sni_is_stable_per_sni(n):
    names = ["s1.pool.demo.test", "s2.pool.demo.test", "s3.pool.demo.test"]
    with contextlib.ExitStack() as st:
        ss = [st.enter_context(tls.tls_backend(nm)) for nm in names]
        servers = "".join("    server %s 127.0.0.1:%d\n" % (s.name[:2], s.port) for s in ss)
        for hash_type in ("map-based", "consistent"):
            port = lib.free_port()
            tls.proxy("frontend fe\n    bind 127.0.0.1:%d\n%s    default_backend be\n"
                      "backend be\n    balance hash req.ssl_sni\n    hash-type %s\n%s"
                      % (port, INSPECT, hash_type, servers), n)
            seen = {}
            for i in range(12):
                sni = "site%d.demo.test" % i
                got = {tls.tls_cn(port, sni)[0] for _ in range(2)}
                lib.eq(len(got), 1, "%s: servers for SNI %s: %s" % (hash_type, sni, got))
                seen[sni] = got.pop()
            lib.ok(len(set(seen.values())) >= 2, "%s: every SNI on one server: %s"
                   % (hash_type, seen))


lib.main()
