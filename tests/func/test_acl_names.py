#!/usr/bin/env python3
"""Host names in IP patterns (doc/runtime-api.md "Maps and ACLs at run
time"), as HAProxy 2.6.12 does them (observed; passes with
SLUICE_ORACLE=1): a name in an ACL file is resolved while the proxy
starts; once it runs, a pattern added on the stats socket must be an
address ("'<name>' is not a valid IPv4 or IPv6 address."), and the set
rebuilt after an edit still holds the address the name had at start.
"localhost" is resolved from /etc/hosts: no DNS server is asked."""
import os

import lib

CFG = """global
    stats socket %(dir)s/admin.sock level admin
defaults
    mode http
    timeout connect 2s
    timeout client 10s
    timeout server 10s
frontend fe
    bind 127.0.0.1:%(port)d
    acl listed src -f %(dir)s/names.acl
    http-request deny if listed
    http-request return status 200
"""


def status(port):
    return lib.http_get(port)[0]


@lib.test
def names_resolve_at_start_only():
    d = lib.tmpdir()
    acl = lib.write(os.path.join(d, "names.acl"), "localhost\n")
    port = lib.free_port()
    p = lib.start(lib.config(CFG % {"dir": d, "port": port}), ready_ports=[port])
    sock = os.path.join(d, "admin.sock")
    if not lib.wait_unix(sock):
        lib.fail("stats socket not ready\n" + lib.logs(p))
    # localhost is 127.0.0.1, the client's address
    lib.eq(status(port), 403, "client listed by name at start")
    lib.eq(lib.cli(sock, "add acl %s localhost" % acl),
           "'localhost' is not a valid IPv4 or IPv6 address.\n\n", "a name added at run time")
    lib.eq(lib.cli(sock, "add acl %s 10.9.9.9" % acl), "\n", "an address added")
    shown = [l.split(" ", 1)[1] for l in lib.cli(sock, "show acl %s" % acl).splitlines() if l]
    lib.eq(shown, ["localhost", "10.9.9.9"], "show acl")
    # the set was rebuilt with the new entry: the name kept its address
    lib.eq(status(port), 403, "client still listed after the edit")
    lib.eq(lib.cli(sock, "del acl %s localhost" % acl), "\n", "del by name")
    lib.eq(status(port), 200, "client no longer listed")
    lib.stop(p)


lib.main()
