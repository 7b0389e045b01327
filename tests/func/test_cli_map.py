#!/usr/bin/env python3
"""Maps and ACLs edited at run time on the stats socket (reference §3.4,
doc/runtime-api.md "Maps and ACLs at run time"): a passthrough frontend
routes with use_backend %[req.ssl_sni,lower,map(FILE,be_default)] and an
ACL file; add/set/del/clear/prepare/commit on the socket change where the
next connection goes (proved by the certificate of the backend that
answers), show/get answer in HAProxy's format. Everything runs at level
user, as HAProxy 2.6 allows it. Passes against haproxy 2.6 too."""
import contextlib
import os
import re

import lib
import tls


cli = lib.cli


CFG = """global
    nbthread 4
    stats socket %(dir)s/admin.sock level admin
    stats socket %(dir)s/user.sock level user
defaults
    mode tcp
    timeout connect 2s
    timeout client 10s
    timeout server 10s
frontend fe
    bind 127.0.0.1:%(port)d
    tcp-request inspect-delay 5s
    tcp-request content accept if { req.ssl_hello_type 1 }
    acl listed req.ssl_sni -f %(dir)s/list.acl
    use_backend be_b if listed
    use_backend %%[req.ssl_sni,lower,map(%(dir)s/sni.map,be_default)]
    default_backend be_default
backend be_default
    server d 127.0.0.1:%(d)d
backend be_a
    server a 127.0.0.1:%(a)d
backend be_b
    server b 127.0.0.1:%(b)d
"""

# the backends answer with a certificate for their own name
CN = {"default.test": "be_default", "a.test": "be_a", "b.test": "be_b"}


class Env:
    pass


@contextlib.contextmanager
def setup():
    with tls.tls_backend("default.test") as d, tls.tls_backend("a.test") as a, \
            tls.tls_backend("b.test") as b:
        e = Env()
        e.dir = lib.tmpdir()
        e.map = lib.write(os.path.join(e.dir, "sni.map"),
                          "# routes\na.example.test be_a\nb.example.test   be_b\n")
        e.acl = lib.write(os.path.join(e.dir, "list.acl"), "listed.example.test\n")
        e.port = lib.free_port()
        text = CFG % {"dir": e.dir, "port": e.port, "d": d.port, "a": a.port,
                      "b": b.port}
        e.user = os.path.join(e.dir, "user.sock")
        e.p = lib.start(lib.config(text), ready_ports=[e.port])
        if not lib.wait_unix(e.user):
            lib.fail("stats socket not ready\n" + lib.logs(e.p))
        yield e
        lib.stop(e.p)
        # the ASan build reports bad accesses and leaks on exit: none may
        # involve the maps (sessions cut by the stop are another matter)
        out = lib.logs(e.p)
        if "Sanitizer" in out:
            for mine in ("patref", "cmd_map", "engine/maps.c", "-after-free",
                         "double-free"):
                lib.lacks(out, mine, "sanitizer report")


def route(e, sni):
    """The backend the next connection with this SNI reaches."""
    cn, _, _ = tls.tls_cn(e.port, sni=sni)
    return CN[cn]


def ok(e, cmd):
    """A command that succeeds silently: the answer is one empty line."""
    lib.eq(cli(e.user, cmd), "\n", cmd)


def lines(ans):
    if ans == "\n":
        return []
    lib.ok(ans.endswith("\n\n"), "answer ends with an empty line: %r" % ans)
    return ans[:-2].split("\n")


LIST_RE = re.compile(r"^(\d+) \((.*)\) (.*)\. curr_ver=(\d+) next_ver=(\d+) entry_cnt=(\d+)$")


def listing(e, what):
    """show map|acl: {id: (file, description, curr, next, count)}, without
    HAProxy's internal httpclient references."""
    ls = lines(cli(e.user, "show %s" % what))
    lib.eq(ls[0], "# id (file) description", "listing header")
    out = {}
    for l in ls[1:]:
        m = LIST_RE.match(l)
        lib.ok(m, "listing line: %r" % l)
        if "file 'httpclient'" in l:
            continue
        out[int(m.group(1))] = (m.group(2), m.group(3), int(m.group(4)),
                                int(m.group(5)), int(m.group(6)))
    return out


def entries(e, cmd):
    """show map|acl <ref>: [(ptr, 'key value')]"""
    out = []
    for l in lines(cli(e.user, cmd)):
        m = re.match(r"^(0x[0-9a-f]+) (.*)$", l)
        lib.ok(m, "entry line: %r" % l)
        out.append((m.group(1), m.group(2)))
    return out


@lib.test
def listing_numbers_references_as_haproxy():
    with setup() as e:
        maps = listing(e, "map")
        lib.eq(len(maps), 1, "one map: %r" % maps)
        (mid, (f, desc, cur, nxt, cnt)), = maps.items()
        lib.eq(f, e.map, "map file")
        lib.ok(re.match(r"^pattern loaded from file '%s' used by map at file '.*' line 16$"
                        % re.escape(e.map), desc), desc)
        lib.eq((cur, nxt, cnt), (0, 0, 2), "versions and count")
        acls = listing(e, "acl")
        # ids in creation order: the anonymous ACL of line 13, the file and
        # the expression of line 14, then the map (parsed after the file)
        lib.eq(sorted(acls), [0, 1, 2], "acl ids: %r" % acls)
        # HAProxy numbers its internal references (httpclient) before the
        # map; ours has none: the map comes after the ACLs either way
        lib.ok(mid > 2, "map id %d after the acls" % mid)
        lib.eq(acls[0][0], "", "inline reference has no file")
        lib.ok(re.match(r"^acl 'req.ssl_hello_type' file '.*' line 13$", acls[0][1]), acls[0][1])
        lib.eq(acls[1][0], e.acl, "acl file")
        lib.ok(re.match(r"^pattern loaded from file '%s' used by acl at file '.*' line 14$"
                        % re.escape(e.acl), acls[1][1]), acls[1][1])
        lib.ok(re.match(r"^acl 'req.ssl_sni' file '.*' line 14$", acls[2][1]), acls[2][1])
        lib.eq(acls[1][4], 1, "acl entries")
        # contents, by file name and by #id, in file order
        by_name = entries(e, "show map %s" % e.map)
        lib.eq([kv for _, kv in by_name], ["a.example.test be_a", "b.example.test be_b"],
               "map contents")
        lib.eq(entries(e, "show map #%d" % mid), by_name, "#id names the same map")
        lib.eq([kv for _, kv in entries(e, "show acl #1")], ["listed.example.test"], "acl")
        lib.eq([kv for _, kv in entries(e, "show acl #0")], ["1"], "inline acl")


@lib.test
def get_map_and_acl():
    with setup() as e:
        lib.eq(cli(e.user, "get map %s b.example.test" % e.map),
               'type=str, case=sensitive, found=yes, idx=tree, key="b.example.test", '
               'value="be_b", type="str"\n\n', "get map hit")
        lib.eq(cli(e.user, "get map %s nowhere.test" % e.map),
               "type=str, case=sensitive, found=no\n\n", "get map miss")
        lib.eq(cli(e.user, "get acl %s listed.example.test" % e.acl),
               'type=str, case=sensitive, match=yes, idx=tree, pattern="listed.example.test"\n\n',
               "get acl hit")
        lib.eq(cli(e.user, "get acl %s x" % e.acl),
               "type=str, case=sensitive, match=no\n\n", "get acl miss")
        lib.eq(cli(e.user, "get map #99 x"),
               "Unknown map identifier. Please use #<id> or <file>.\n\n", "unknown map")
        lib.eq(cli(e.user, "get map"), "Missing map identifier and/or key.\n\n", "no args")


@lib.test
def add_set_del_clear_change_routing():
    with setup() as e:
        lib.eq(route(e, "new.example.test"), "be_default", "before")
        ok(e, "add map %s new.example.test be_a" % e.map)
        lib.eq(route(e, "new.example.test"), "be_a", "after add map")
        lib.eq(route(e, "NEW.example.test"), "be_a", "lower applies before the map")
        ok(e, "set map %s new.example.test be_b" % e.map)
        lib.eq(route(e, "new.example.test"), "be_b", "after set map")
        # set by reference: the pointer show map prints
        ptr = [p for p, kv in entries(e, "show map %s" % e.map)
               if kv.startswith("new.example.test ")]
        lib.eq(len(ptr), 1, "one entry for the new key")
        ok(e, "set map %s #%s be_a" % (e.map, ptr[0]))
        lib.eq(route(e, "new.example.test"), "be_a", "after set map #ref")
        ok(e, "del map %s new.example.test" % e.map)
        lib.eq(route(e, "new.example.test"), "be_default", "after del map")
        lib.eq(route(e, "b.example.test"), "be_b", "file entry")
        ok(e, "clear map %s" % e.map)
        lib.eq(route(e, "b.example.test"), "be_default", "after clear map")
        lib.eq(entries(e, "show map %s" % e.map), [], "cleared")


@lib.test
def edit_errors_in_haproxy_words():
    with setup() as e:
        m = e.map
        lib.eq(cli(e.user, "del map %s nokey" % m), "Key not found.\n\n", "del")
        lib.eq(cli(e.user, "del map %s #0x1" % m), "Key not found.\n\n", "del #ref")
        lib.eq(cli(e.user, "set map %s nokey v" % m), "entry not found.\n\n", "set")
        lib.eq(cli(e.user, "set map %s #0x1 v" % m), "key or pattern not found.\n\n", "set #ref")
        lib.eq(cli(e.user, "show map #99"),
               "Unknown map identifier. Please use #<id> or <file>.\n\n", "show")
        lib.eq(cli(e.user, "show acl %s" % m),
               "Unknown ACL identifier. Please use #<id> or <file>.\n\n", "show acl of a map")
        lib.eq(cli(e.user, "add acl %s x" % m),
               "This ACL is shared with a map containing samples. You must use the "
               "command 'add map' to add values.\n\n", "add acl to a map")
        lib.eq(cli(e.user, "add map %s k" % m),
               "'add map' expects three parameters (map identifier, key and value) or one "
               "parameter (map identifier) and a payload\n\n", "add map without value")
        lib.eq(cli(e.user, "add acl %s" % e.acl),
               "'add acl' expects two parameters: ACL identifier and pattern.\n\n", "add acl")
        lib.eq(cli(e.user, "set map %s k" % m),
               "'set map' expects three parameters: map identifier, key and value.\n\n", "set")
        lib.eq(cli(e.user, "del map %s" % m),
               "This command expects two parameters: map identifier and key.\n\n", "del")
        lib.eq(cli(e.user, "clear map"), "Missing map identifier.\n\n", "clear")
        lib.eq(cli(e.user, "commit map %s" % m), "Missing version number.\n\n", "commit")
        lib.eq(cli(e.user, "commit map @1 %s" % m), "Version number out of range.\n\n",
               "commit beyond next_ver")
        lib.eq(cli(e.user, "add map @3 %s k v" % m),
               "Version number in the future, please use 'prepare map' before.\n\n", "future")
        # nothing changed
        lib.eq([kv for _, kv in entries(e, "show map %s" % m)],
               ["a.example.test be_a", "b.example.test be_b"], "map untouched")


@lib.test
def acl_file_edits_change_decisions():
    with setup() as e:
        lib.eq(route(e, "listed.example.test"), "be_b", "listed in the file")
        lib.eq(route(e, "other.example.test"), "be_default", "not listed")
        ok(e, "add acl %s other.example.test" % e.acl)
        lib.eq(route(e, "other.example.test"), "be_b", "after add acl")
        lib.eq(cli(e.user, "get acl #1 other.example.test"),
               'type=str, case=sensitive, match=yes, idx=tree, pattern="other.example.test"\n\n',
               "get acl after add")
        ok(e, "del acl %s other.example.test" % e.acl)
        lib.eq(route(e, "other.example.test"), "be_default", "after del acl")
        lib.eq(cli(e.user, "del acl %s other.example.test" % e.acl), "Key not found.\n\n",
               "del twice")
        ok(e, "clear acl %s" % e.acl)
        lib.eq(route(e, "listed.example.test"), "be_default", "after clear acl")
        lib.eq(entries(e, "show acl %s" % e.acl), [], "cleared")


@lib.test
def prepare_and_commit_swap_a_whole_version():
    with setup() as e:
        m = e.map
        lib.eq(cli(e.user, "prepare map %s" % m), "New version created: 1\n\n", "prepare")
        ok(e, "add map @1 %s v.example.test be_a" % m)
        lib.eq([kv for _, kv in entries(e, "show map @1 %s" % m)],
               ["v.example.test be_a"], "the new version")
        (f, _, cur, nxt, _), = [v for v in listing(e, "map").values()]
        lib.eq((cur, nxt), (0, 1), "versions while prepared")
        # the current version still routes
        lib.eq(route(e, "v.example.test"), "be_default", "not committed yet")
        lib.eq(route(e, "a.example.test"), "be_a", "old version serves")
        ok(e, "commit map @1 %s" % m)
        lib.eq(route(e, "v.example.test"), "be_a", "committed")
        lib.eq(route(e, "a.example.test"), "be_default", "old version gone")
        lib.eq([kv for _, kv in entries(e, "show map %s" % m)], ["v.example.test be_a"],
               "show map shows the current version")
        (f, _, cur, nxt, _), = [v for v in listing(e, "map").values()]
        lib.eq((cur, nxt), (1, 1), "versions after commit")
        lib.eq(cli(e.user, "commit map @1 %s" % m), "Version number out of range.\n\n",
               "commit twice")
        # acls have versions too
        lib.eq(cli(e.user, "prepare acl %s" % e.acl), "New version created: 1\n\n", "acl")
        ok(e, "add acl @1 %s w.example.test" % e.acl)
        lib.eq(route(e, "w.example.test"), "be_default", "acl not committed")
        ok(e, "commit acl @1 %s" % e.acl)
        lib.eq(route(e, "w.example.test"), "be_b", "acl committed")
        lib.eq(route(e, "listed.example.test"), "be_default", "old acl version gone")


@lib.test
def add_map_payload():
    with setup() as e:
        ans = cli(e.user, "add map %s <<\nk1.example.test be_a\nk2.example.test\tbe_b\n" % e.map)
        lib.eq(ans, "\n", "payload accepted")
        lib.eq(route(e, "k1.example.test"), "be_a", "first payload line")
        lib.eq(route(e, "k2.example.test"), "be_b", "second payload line")
        # a line without a value stops there, the earlier ones stay
        ans = cli(e.user, "add map %s <<\nk3.example.test be_a\nk4.example.test\n" % e.map)
        lib.eq(ans, "Missing value for key 'k4.example.test'.\n\n", "missing value")
        lib.eq(route(e, "k3.example.test"), "be_a", "line before the error")


@lib.test
def edits_while_traffic_flows():
    """Four worker threads route connections while the socket edits the
    map over and over: every connection reaches a backend the map allows
    at some point, and the process survives (run it on the ASan build)."""
    import threading
    with setup() as e:
        seen, errors = [], []
        stop = threading.Event()

        def client():
            while not stop.is_set():
                try:
                    seen.append(route(e, "hot.example.test"))
                except Exception as x:  # a failed connection is a bug here
                    errors.append(repr(x))
                    return

        ts = [threading.Thread(target=client) for _ in range(3)]
        for t in ts:
            t.start()
        try:
            for i in range(60):
                ok(e, "add map %s hot.example.test %s" % (e.map, ("be_a", "be_b")[i % 2]))
                ok(e, "del map %s hot.example.test" % e.map)
                ans = cli(e.user, "add map %s <<\nhot.example.test be_a\nx%d.example.test be_b\n" % (e.map, i))
                lib.eq(ans, "\n", "payload")
                ok(e, "clear map %s" % e.map)
        finally:
            stop.set()
            for t in ts:
                t.join()
        lib.eq(errors, [], "connections failed")
        lib.ok(seen, "some connections went through")
        lib.ok(set(seen) <= {"be_default", "be_a", "be_b"}, "backends seen: %r" % set(seen))
        lib.ok(e.p.poll() is None, "still running\n" + lib.logs(e.p))


lib.main()
