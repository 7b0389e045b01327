#!/usr/bin/env python3
"""userlist sections and HTTP basic authentication (issue #6):
http-request auth unless { http_auth(<userlist>) } with insecure-password
and crypt(3) hashes ($1$ $5$ $6$ $y$ $2b$, those the system crypt
supports), wrong and malformed credentials, http_auth_group(<userlist>)
(the user name) and the ACL http_auth_group with groups from "group ...
users" and "user ... groups", the stats page behind a userlist, and the
configuration errors HAProxy gives (unknown userlist, group or user)."""

import base64
import ctypes
import ctypes.util

import http_lab as H
import lib

# crypt(3) of "secret" with fixed salts (made with libxcrypt's crypt())
HASHES = {
    "md5": "$1$abcdefgh$cHJi5PXp/ki/ktXzqlk6I1",
    "sha256": "$5$dLZ0oAo0WJjwX9/u$1R1rzPyevHRLgrw98UsNx7yCbE7l1RbRTtUhlWq1sx5",
    "sha512": "$6$abcdefgh$ltjgWl6579NluT/Vi1nwEvcil.G5Nbc4NiXZaNGStk8PSwGfQv72N2CKPPrVACtLtip/cZ/1GM/O6IND4WQhG.",
    "yescrypt": "$y$j9T$yVbYyuisA1L8JO0ApriFE/$3AIwaLDgsYFf5uLhccX5m7ZvE4eOBKEPFtPS230h8UD",
    "bcrypt": "$2b$05$En.mkSFSXDBRwPHJaVgHne8cBWL8oPiUf43Tyn5D2nWf4L9/4bH5K",
}


def crypt_supports(h):
    """Whether the system crypt gives h back for "secret" (the binary
    under test uses the same library); True when it cannot be asked."""
    try:
        name = ctypes.util.find_library("crypt")
        c = ctypes.CDLL(name) if name else ctypes.CDLL(None)
        c.crypt.restype = ctypes.c_char_p
        c.crypt.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
    except (OSError, AttributeError):
        return True
    r = c.crypt(b"secret", h.encode())
    return r is not None and r.decode() == h


def basic(user, pw):
    return "Basic " + base64.b64encode(("%s:%s" % (user, pw)).encode()).decode()


def auth_hdrs(user, pw):
    return (("Host", "a"), ("Authorization", basic(user, pw)))


USERLIST = """\
userlist L
    group admin users bob
    group ops
    user bob insecure-password pw1
    user carol password %(sha512)s groups ops
    user dave insecure-password pw2 groups ops,admin
%(hashed)s
""" % {"sha512": HASHES["sha512"],
       "hashed": "".join("    user %s password %s\n" % (k, v) for k, v in HASHES.items())}


def auth_proxy(b, fe_rules, stats=False):
    port = lib.free_port()
    p = H.proxy(stats=stats, body=USERLIST + """\
frontend fe
    bind 127.0.0.1:%d
%s
    default_backend be
backend be
    server s1 127.0.0.1:%d
""" % (port, fe_rules, b.port))
    return port, p


@lib.test
def auth_unless_http_auth_checks_the_userlist():
    with H.backend() as b:
        port, p = auth_proxy(b, '    http-request auth realm "Lab Realm" unless { http_auth(L) }',
                             stats=True)
        with H.Client(port) as c:
            r = c.request("GET", "/")
            lib.eq((r.status, r.hdr("www-authenticate")), (401, ['Basic realm="Lab Realm"']),
                   "no credentials")
            lib.eq(c.request("GET", "/", auth_hdrs("bob", "pw1")).status, 200, "insecure-password")
            lib.eq(c.request("GET", "/", auth_hdrs("carol", "secret")).status, 200, "sha512 hash")
            for user, pw, what in (("bob", "pw2", "wrong password"),
                                   ("bob", "PW1", "passwords are case-sensitive"),
                                   ("bob", "pw1 ", "trailing blank"),
                                   ("carol", HASHES["sha512"], "the hash itself"),
                                   ("nobody", "pw1", "unknown user"),
                                   ("Bob", "pw1", "user names are case-sensitive"),
                                   ("", "", "empty credentials")):
                lib.eq(c.request("GET", "/", auth_hdrs(user, pw)).status, 401, what)
            for value, what in (("Bearer abc", "another scheme"),
                                ("Basic !!!!", "bad base64"),
                                ("Basic " + base64.b64encode(b"bobpw1").decode(), "no colon"),
                                ("Basic", "nothing after the scheme")):
                r = c.request("GET", "/", (("Host", "a"), ("Authorization", value)))
                lib.eq(r.status, 401, what)
            lib.eq(c.request("GET", "/", auth_hdrs("bob", "pw1")).status, 200,
                   "connection still usable after the 401s")
        lib.eq(len(b.requests), 3, "requests that reached the server")
        row = H.stat_row(p, "fe", "FRONTEND")
        lib.eq((row["hrsp_2xx"], row["hrsp_4xx"]), ("3", "12"), "answers counted by the frontend")
        lib.eq(b.requests[0].hdr("authorization"), [basic("bob", "pw1")], "credentials forwarded")


@lib.test
def every_hash_the_system_crypt_supports_works():
    with H.backend() as b:
        port, _ = auth_proxy(b, "    http-request auth unless { http_auth(L) }")
        tried = 0
        # (slow hashes on a loaded machine: haproxy took over 5 s once)
        with H.Client(port, timeout=30.0) as c:
            for name, h in HASHES.items():
                if not crypt_supports(h):
                    continue
                tried += 1
                lib.eq(c.request("GET", "/", auth_hdrs(name, "secret")).status, 200, name)
                lib.eq(c.request("GET", "/", auth_hdrs(name, "Secret")).status, 401,
                       name + " with a wrong password")
        lib.ok(tried >= 1, "no hash supported by the system crypt")


@lib.test
def http_auth_group_gives_the_user_and_matches_groups():
    with H.backend() as b:
        port, _ = auth_proxy(b, """\
    acl is_admin http_auth_group(L) admin
    acl is_ops http_auth_group(L) ops
    http-request set-var(txn.admin) str(yes) if is_admin
    http-request set-var(txn.ops) str(yes) if is_ops
    http-request return status 200 content-type text/plain lf-string "a=%[http_auth(L)] u=%[http_auth_group(L)] admin=%[var(txn.admin)] ops=%[var(txn.ops)]" if { path /who }
    http-request auth realm Admin if { path_beg /admin } !is_admin
""")
        with H.Client(port) as c:
            for creds, want in (
                    (None, b"a= u= admin= ops="),
                    (("bob", "pw1"), b"a=1 u=bob admin=yes ops="),
                    (("bob", "bad"), b"a=0 u= admin= ops="),
                    (("carol", "secret"), b"a=1 u=carol admin= ops=yes"),
                    (("dave", "pw2"), b"a=1 u=dave admin=yes ops=yes"),
                    (("nobody", "x"), b"a=0 u= admin= ops=")):
                hdrs = auth_hdrs(*creds) if creds else (("Host", "a"),)
                r = c.request("GET", "/who", hdrs)
                lib.eq((r.status, r.body), (200, want), "who am I as %s" % (creds,))
            lib.eq(c.request("GET", "/admin/x", auth_hdrs("bob", "pw1")).status, 200,
                   "admin via 'group admin users bob'")
            lib.eq(c.request("GET", "/admin/x", auth_hdrs("dave", "pw2")).status, 200,
                   "admin via 'user dave groups ops,admin'")
            r = c.request("GET", "/admin/x", auth_hdrs("carol", "secret"))
            lib.eq((r.status, r.hdr("www-authenticate")), (401, ['Basic realm="Admin"']),
                   "carol is not in admin")
            lib.eq(c.request("GET", "/admin/x", auth_hdrs("bob", "nope")).status, 401,
                   "wrong password, right group")
            lib.eq(c.request("GET", "/other", auth_hdrs("carol", "secret")).status, 200,
                   "other paths are open")


@lib.test
def stats_page_behind_a_userlist():
    port = lib.free_port()
    H.proxy(USERLIST + """\
listen st
    bind 127.0.0.1:%d
    stats enable
    stats uri /stats
    stats http-request auth realm Stats unless { http_auth_group(L) admin }
""" % port)
    # HAProxy closes the connection after the stats page's 401: one each
    with H.Client(port) as c:
        r = c.request("GET", "/stats")
        lib.eq((r.status, r.hdr("www-authenticate")), (401, ['Basic realm="Stats"']), "no credentials")
    with H.Client(port) as c:
        lib.eq(c.request("GET", "/stats", auth_hdrs("carol", "secret")).status, 401, "not in admin")
    with H.Client(port) as c:
        r = c.request("GET", "/stats;csv", auth_hdrs("dave", "pw2"))
        lib.eq(r.status, 200, "admin")
        lib.contains(r.body.decode(), "st,FRONTEND,", "stats CSV")


def refused(text, needle):
    d = lib.tmpdir()
    r = lib.check(lib.config(text, directory=d))
    lib.ok(r.rc != 0, "config accepted:\n%r" % r)
    lib.contains(r.out + r.err, needle)


FE = """\
frontend f
    mode http
    bind 127.0.0.1:%d
    timeout client 5s
""" % 1


@lib.test
def configuration_errors():
    refused("userlist L\n    user a insecure-password x\n" + FE +
            "    http-request auth unless { http_auth(M) }\n",
            "unable to find userlist 'M' referenced in arg 1 of ACL keyword 'http_auth' in proxy 'f'.")
    refused("userlist L\n    user a insecure-password x groups nope\n",
            "userlist 'L': no such group 'nope' specified in user 'a'")
    refused("userlist L\n    group g users a,zz\n    user a insecure-password x\n",
            "userlist 'L': no such user 'zz' specified in group 'g'")
    refused("userlist L\n    group ops\n" + FE +
            "    acl g1 http_auth_group(L) ops nog\n    http-request deny if g1\n",
            "acl g1 http_auth_group(): invalid group 'nog'.")
    refused("userlist L\n    user a secret\n", "'user' only supports 'password', 'insecure-password' and 'groups' options.")
    refused("userlist L\n    foo bar\n", "unknown keyword 'foo' in 'users' section")
    refused("userlist\n", "'userlist' expects <name> as arguments.")


lib.main()
