#!/usr/bin/env python3
"""Runtime certificate commands where sluice answers differently from
haproxy 2.6.12 on purpose (doc/runtime-api.md, "TLS certificates at run
time"): a second file while a transaction is pending is refused instead
of silently updating the pending one; a certificate named "*.crt" can be
updated under its own name; extra words after the one-line "add ssl
crt-list" are refused instead of dropped; ".issuer"/".sctl" payloads are
refused; an OCSP response set with "<file>.ocsp" is shown by its CertID."""

import os
import subprocess

import lib
import tls_term as tt

BEYOND_HAPROXY = True

P = tt.pki()


def _read(path):
    with open(path, "rb") as f:
        return f.read()


def fp(port, sni):
    c = tt.served(port, sni)
    lib.eq(c.banner, "echo", "backend greeting through the terminated session")
    return c.fp


def payload(cmd, data):
    text = data.decode() if isinstance(data, bytes) else data
    return cmd + " <<\n" + text.rstrip("\n") + "\n"


def lab(d, crt_name):
    a = P.leaf("a.example.test", tag="b1")
    tt.copy_pem(a, os.path.join(d, crt_name))
    tt.copy_pem(P.leaf("b.example.test"), os.path.join(d, "b.pem"))
    lib.write(os.path.join(d, "list.txt"), "%s/b.pem b.example.test\n" % d)
    glob = "    stats socket %s/admin.sock level admin\n" % d
    return a, tt.terminating("crt %s/%s crt-list %s/list.txt" % (d, crt_name, d), glob=glob)


@lib.test
def one_transaction_per_file():
    d = lib.tmpdir()
    a, ctx = lab(d, "a.pem")
    new = P.leaf("a.example.test", tag="b2")
    with ctx as (port, p, be):
        lib.wait_unix(d + "/admin.sock")
        ask = lambda c: lib.cli(d + "/admin.sock", c)
        lib.eq(ask(payload("set ssl cert %s/a.pem" % d, _read(new.pem))),
               "Transaction created for certificate %s/a.pem!\n\n" % d)
        lib.eq(ask(payload("set ssl cert %s/b.pem" % d, _read(a.pem))),
               "The ongoing transaction is about '%s/a.pem' but you are trying to set '%s/b.pem'\n"
               "Can't update %s/b.pem!\n\n" % (d, d, d))
        lib.eq(ask("commit ssl cert %s/a.pem" % d), "Committing %s/a.pem.\nSuccess!\n\n" % d)
        lib.eq(fp(port, "a.example.test"), new.fp, "the pending payload was not replaced")
        lib.eq(ask(payload("set ssl cert %s/a.pem.issuer" % d, _read(new.crt))),
               "sluice does not use '.issuer' files (the chain comes from '%s/a.pem').\n"
               "Can't load the payload\nCan't update %s/a.pem.issuer!\n\n" % (d, d))
        lib.eq(ask(payload("set ssl cert %s/a.pem.sctl" % d, "AAAA")),
               "sluice does not send SCT lists ('.sctl' files).\n"
               "Can't load the payload\nCan't update %s/a.pem.sctl!\n\n" % d)
        lib.eq(ask("add ssl crt-list %s/list.txt %s/a.pem [alpn h2] x.test" % (d, d)),
               "Can't edit the crt-list: options and SNI filters must be given in a payload "
               "('add ssl crt-list <list> <<').\n\n")
        lib.eq(ask("show ssl crt-list %s/list.txt" % d), "# %s/list.txt\n%s/b.pem b.example.test\n\n" % (d, d))


@lib.test
def certificate_named_crt():
    d = lib.tmpdir()
    a, ctx = lab(d, "site.crt")
    new = P.leaf("a.example.test", tag="b3")
    with ctx as (port, p, be):
        lib.wait_unix(d + "/admin.sock")
        ask = lambda c: lib.cli(d + "/admin.sock", c)
        lib.eq(ask(payload("set ssl cert %s/site.crt" % d, _read(new.pem))),
               "Transaction created for certificate %s/site.crt!\n\n" % d)
        lib.eq(ask("commit ssl cert %s/site.crt" % d), "Committing %s/site.crt.\nSuccess!\n\n" % d)
        lib.eq(fp(port, "a.example.test"), new.fp)


if __name__ == "__main__":
    lib.main()
