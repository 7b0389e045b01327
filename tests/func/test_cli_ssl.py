#!/usr/bin/env python3
"""Runtime certificate updates on the stats socket (issue #6, reference
§3.4): show ssl cert (list, details, "*<file>" for the transaction), set /
commit / abort / new / del ssl cert, show / add / del ssl crt-list, and
their error answers, byte for byte as haproxy 2.6.12 answers them. What a
client sees proves the effect: a NEW connection gets the committed
certificate (its SHA-256 fingerprint), a connection opened before keeps
working, an aborted or failed transaction changes nothing, a crt-list line
added at run time serves its SNI and stops when deleted.

The frontend is "mode tcp" with "bind ... ssl crt <a.pem> crt-list
<list.txt>", relaying to a plain echo backend. Passes with SLUICE_ORACLE=1.
HAProxy 2.6 ends the alpn list of "show ssl crt-list" with a NUL byte
(sluice does not, doc/compatibility.md): the answers are compared without
NUL bytes."""

import contextlib
import hashlib
import os
import re
import ssl
import subprocess
import threading

import lib
import tls_term as tt

P = tt.pki()


def _read(path):
    with open(path, "rb") as f:
        return f.read()


@contextlib.contextmanager
def lab(nbthread=1):
    """a.pem (first crt, a.example.test) and list.txt (b.pem for
    b.example.test with [alpn h2]) on one terminating bind, stats sockets
    at three levels. Yields an object: .port .d .a .b (paths) .p and
    .ask(cmd, level="admin")."""
    d = lib.tmpdir()
    a, b = P.leaf("a.example.test", tag="v1"), P.leaf("b.example.test")
    tt.copy_pem(a, os.path.join(d, "a.pem"))
    tt.copy_pem(b, os.path.join(d, "b.pem"))
    lib.write(os.path.join(d, "list.txt"), "%s/b.pem [alpn h2] b.example.test\n" % d)
    glob = ("    stats socket %(d)s/admin.sock level admin\n"
            "    stats socket %(d)s/op.sock level operator\n"
            "    stats socket %(d)s/user.sock level user\n" % {"d": d})
    with tt.terminating("crt %s/a.pem crt-list %s/list.txt" % (d, d), nbthread=nbthread,
                        glob=glob) as (port, p, be):
        lib.wait_unix(os.path.join(d, "admin.sock"))
        env = type("Lab", (), {})()
        env.port, env.d, env.p, env.be = port, d, p, be
        env.a, env.b, env.list = d + "/a.pem", d + "/b.pem", d + "/list.txt"
        env.leaf_a, env.leaf_b = a, b
        env.ask = lambda cmd, level="admin": lib.cli(os.path.join(d, level + ".sock"), cmd).replace("\x00", "")
        yield env


def fp(port, sni):
    c = tt.served(port, sni)
    lib.eq(c.banner, "echo", "backend greeting through the terminated session")
    return c.fp


def payload(cmd, data):
    """cmd with data as its payload (" <<", lines, the empty line)."""
    text = data.decode() if isinstance(data, bytes) else data
    return cmd + " <<\n" + text.rstrip("\n") + "\n"


def openssl_field(leaf, field):
    """notBefore / notAfter of leaf as OpenSSL prints them."""
    out = subprocess.run(["openssl", "x509", "-noout", "-" + field.lower(), "-in", leaf.crt],
                         stdout=subprocess.PIPE, check=True).stdout.decode().strip()
    return out.split("=", 1)[1]


def details(leaf, name, status="Used", chain=0):
    der = leaf.der
    ca = "/CN=sluice tls-term test CA"
    return ("Filename: %s\nStatus: %s\nSerial: %X\nnotBefore: %s\nnotAfter: %s\n"
            "Subject Alternative Name: DNS:%s\nAlgorithm: EC256\nSHA1 FingerPrint: %s\n"
            "Subject: /CN=%s\nIssuer: %s\n%sOCSP Response Key: \n\n" % (
                name, status, leaf.serial, openssl_field(leaf, "startdate"),
                openssl_field(leaf, "enddate"), leaf.cn, hashlib.sha1(der).hexdigest().upper(),
                leaf.cn, ca, ("Chain Subject: %s\nChain Issuer: %s\n" % (ca, ca)) * chain))


@lib.test
def show_ssl_cert_and_crt_list():
    with lab() as e:
        listing = "# filename\n%s\n%s\n\n" % (e.a, e.b)
        lib.eq(e.ask("show ssl cert"), listing, "show ssl cert")
        lib.eq(e.ask("show ssl cert", "op"), listing, "show ssl cert at operator level")
        # sic: HAProxy's answer below operator
        lib.eq(e.ask("show ssl cert", "user"), "Can't allocate memory!\n\n", "at user level")
        lib.eq(e.ask("show ssl cert " + e.a), details(e.leaf_a, e.a), "details of a.pem")
        lib.eq(e.ask("show ssl cert " + e.b), details(e.leaf_b, e.b), "details of b.pem")
        lib.eq(e.ask("show ssl cert %s/nope.pem" % e.d),
               "Can't display the certificate: Not found or the certificate is a bundle!\n\n")
        lib.eq(e.ask("show ssl cert *" + e.a),
               "Can't display the certificate: Not found or the certificate is a bundle!\n\n",
               "no transaction to show")
        lib.eq(e.ask("show ssl crt-list"), e.list + "\n\n")
        lib.eq(e.ask("show ssl crt-list " + e.list), "# %s\n%s [alpn h2] b.example.test\n\n" % (e.list, e.b))
        lib.eq(e.ask("show ssl crt-list -n %s//" % e.list), "# %s\n%s:1 [alpn h2] b.example.test\n\n" % (e.list, e.b))
        lib.eq(e.ask("show ssl crt-list -n"), "'show ssl crt-list -n' expects a filename or a directory\n\n")
        lib.eq(e.ask("show ssl crt-list %s/nope" % e.d), "didn't find the specified filename\n\n")
        lib.eq(e.ask("show ssl crt-list", "op"), "Permission denied\n\n")


@lib.test
def commit_changes_what_new_clients_see():
    with lab() as e:
        new = P.leaf("a.example.test", tag="v2")
        lib.ok(new.fp != e.leaf_a.fp, "two distinct certificates")
        lib.eq(fp(e.port, "a.example.test"), e.leaf_a.fp, "before")
        live = tt.dial(e.port, "a.example.test")
        try:
            lib.eq(e.ask(payload("set ssl cert " + e.a, _read(new.pem))),
                   "Transaction created for certificate %s!\n\n" % e.a)
            lib.eq(fp(e.port, "a.example.test"), e.leaf_a.fp, "a transaction changes nothing yet")
            lib.eq(e.ask("show ssl cert"), "# transaction\n*%s\n# filename\n%s\n%s\n\n" % (e.a, e.a, e.b))
            lib.eq(e.ask("show ssl cert *" + e.a), details(new, "*" + e.a, "Unused"), "the transaction")
            lib.eq(e.ask("show ssl cert " + e.a), details(e.leaf_a, e.a), "still the old one")
            # one context uses a.pem: one dot
            lib.eq(e.ask("commit ssl cert " + e.a), "Committing %s.\nSuccess!\n\n" % e.a)
            lib.eq(fp(e.port, "a.example.test"), new.fp, "a new client sees the new certificate")
            lib.eq(fp(e.port, None), new.fp, "and so does one without SNI (default certificate)")
            lib.eq(fp(e.port, "b.example.test"), e.leaf_b.fp, "the other one is unchanged")
            lib.eq(e.ask("show ssl cert " + e.a), details(new, e.a), "details after commit")
            lib.eq(e.ask("show ssl cert"), "# filename\n%s\n%s\n\n" % (e.a, e.b), "no transaction left")
            # the connection opened before keeps its session
            lib.eq(live.fp, e.leaf_a.fp)
            lib.eq(live.echo(b"still here\n"), b"still here\n", "live connection after the commit")
        finally:
            live.close()


@lib.test
def commits_under_load():
    """Handshakes on 4 threads while the certificate is replaced back and
    forth: every client gets one of the two, none fails."""
    with lab(nbthread=4) as e:
        certs = [P.leaf("a.example.test", tag="load%d" % i) for i in range(2)]
        seen, errors, stop = [], [], threading.Event()

        def client():
            while not stop.is_set():
                try:
                    seen.append(fp(e.port, "a.example.test"))
                except Exception as x:  # any failure is the finding
                    errors.append(repr(x))

        workers = [threading.Thread(target=client) for _ in range(4)]
        for w in workers:
            w.start()
        try:
            for i in range(6):
                c = certs[i % 2]
                lib.eq(e.ask(payload("set ssl cert " + e.a, _read(c.pem))),
                       "Transaction created for certificate %s!\n\n" % e.a)
                lib.eq(e.ask("commit ssl cert " + e.a), "Committing %s.\nSuccess!\n\n" % e.a)
                lib.eq(fp(e.port, "a.example.test"), c.fp, "after commit %d" % (i + 1))
        finally:
            stop.set()
            for w in workers:
                w.join()
        lib.eq(errors, [], "handshakes during the commits")
        lib.ok(len(seen) > 10, "handshakes made: %d" % len(seen))
        lib.eq(sorted(set(seen) - {e.leaf_a.fp, certs[0].fp, certs[1].fp}), [], "certificates served")


@lib.test
def chain_in_the_payload():
    """The certificates after the first one are its chain: shown, and sent
    to new clients."""
    with lab() as e:
        new = P.leaf("a.example.test", tag="chain")
        pem = _read(new.crt) + _read(P.ca.crt) + _read(new.key)
        lib.eq(e.ask(payload("set ssl cert " + e.a, pem)), "Transaction created for certificate %s!\n\n" % e.a)
        lib.eq(e.ask("show ssl cert *" + e.a), details(new, "*" + e.a, "Unused", chain=1))
        lib.eq(e.ask("commit ssl cert " + e.a), "Committing %s.\nSuccess!\n\n" % e.a)
        lib.eq(e.ask("show ssl cert " + e.a), details(new, e.a, chain=1))
        rc, out = tt.s_client(e.port, "-showcerts", sni="a.example.test")
        lib.eq(out.count("-----BEGIN CERTIFICATE-----"), 2, "certificates sent (leaf, CA)")
        lib.contains(out, "1 s:CN = sluice tls-term test CA")


@lib.test
def ocsp_response_in_a_payload():
    """"set ssl cert <file>.ocsp" with the base64 of a DER response: shown
    by its CertID and as text, stapled once committed."""
    with lab() as e:
        a = e.leaf_a
        resp = P.ca.ocsp(a, os.path.join(e.d, "a.ocsp"))
        b64 = subprocess.run(["openssl", "base64", "-in", resp], stdout=subprocess.PIPE,
                             check=True).stdout.decode()
        lib.eq(e.ask(payload("set ssl cert %s.ocsp" % e.a, "not base64!")),
               "Error reading OCSP response in base64 formatCan't load the payload\n"
               "Can't update %s.ocsp!\n\n" % e.a)
        lib.eq(e.ask("show ssl cert %s.ocsp" % e.a), "\n", "no response yet")
        # HAProxy needs the issuer in the chain to staple
        lib.eq(e.ask(payload("set ssl cert " + e.a, _read(a.crt) + _read(P.ca.crt) + _read(a.key))),
               "Transaction created for certificate %s!\n\n" % e.a)
        lib.eq(e.ask(payload("set ssl cert %s.ocsp" % e.a, b64)),
               "Transaction updated for certificate %s!\n\n" % e.a)
        shown = e.ask("show ssl cert *" + e.a)
        key = shown.split("OCSP Response Key: ", 1)[1].split("\n", 1)[0]
        # the DER CertID ends with the serial number
        lib.ok(len(key) > 40 and key.endswith("%x" % a.serial), "CertID in hex: %r" % key)
        text = e.ask("show ssl cert *%s.ocsp" % e.a)
        lib.ok(text.startswith("OCSP Response Data:\n    OCSP Response Status: successful (0x0)\n"), text)
        lib.contains(text, "      Serial Number: %X\n    Cert Status: good\n" % a.serial)
        lib.lacks(text.rstrip("\n"), "\n\n", "no empty line inside the answer")
        lib.eq(e.ask("commit ssl cert " + e.a), "Committing %s.\nSuccess!\n\n" % e.a)
        lib.contains(e.ask("show ssl cert " + e.a), "OCSP Response Key: " + key + "\n")
        lib.eq(e.ask("show ssl cert %s.ocsp" % e.a), text)
        rc, out = tt.s_client(e.port, "-status", sni="a.example.test")
        lib.contains(out, "OCSP Response Status: successful", "the new response is stapled")
        # a new PEM comes without the response
        lib.eq(e.ask(payload("set ssl cert " + e.a, _read(a.crt) + _read(P.ca.crt) + _read(a.key))),
               "Transaction created for certificate %s!\n\n" % e.a)
        lib.contains(e.ask("show ssl cert *" + e.a), "\nOCSP Response Key: \n\n")
        lib.eq(e.ask("show ssl cert *%s.ocsp" % e.a), "\n")
        lib.eq(e.ask("abort ssl cert " + e.a), "Transaction aborted for certificate '%s'!\n\n" % e.a)


@lib.test
def key_in_its_own_payload():
    """"set ssl cert <file>.key" replaces only the key of the transaction."""
    with lab() as e:
        new = P.leaf("a.example.test", tag="v3")
        lib.eq(e.ask(payload("set ssl cert " + e.a, _read(new.crt))),
               "Transaction created for certificate %s!\n\n" % e.a)
        lib.eq(e.ask("commit ssl cert " + e.a),
               "The transaction must contain at least a certificate and a private key!\nCan't commit %s!\n\n" % e.a)
        lib.eq(e.ask(payload("set ssl cert %s.key" % e.a, _read(e.leaf_b.key))),
               "Transaction updated for certificate %s!\n\n" % e.a)
        lib.eq(e.ask("commit ssl cert " + e.a),
               "inconsistencies between private key and certificate loaded '%s'.\nCan't commit %s!\n\n" % (e.a, e.a))
        lib.eq(e.ask(payload("set ssl cert %s.key" % e.a, _read(new.key))),
               "Transaction updated for certificate %s!\n\n" % e.a)
        lib.eq(e.ask("commit ssl cert %s.key" % e.a),
               "The ongoing transaction is about '%s' but you are trying to set '%s.key'\nCan't commit %s.key!\n\n"
               % (e.a, e.a, e.a))
        lib.eq(e.ask("commit ssl cert " + e.a), "Committing %s.\nSuccess!\n\n" % e.a)
        lib.eq(fp(e.port, "a.example.test"), new.fp, "the certificate with its new key")


@lib.test
def abort_and_errors_change_nothing():
    with lab() as e:
        other = P.leaf("a.example.test", tag="v4")
        a, d = e.a, e.d
        lib.eq(e.ask("commit ssl cert " + a), "No ongoing transaction! !\nCan't commit %s!\n\n" % a)
        lib.eq(e.ask("abort ssl cert " + a), "No ongoing transaction!\n\n")
        lib.eq(e.ask(payload("set ssl cert %s/nope.pem" % d, _read(other.pem))),
               "Can't replace a certificate which is not referenced by the configuration!\n"
               "Can't update %s/nope.pem!\n\n" % d)
        lib.eq(e.ask(payload("set ssl cert " + a, "garbage")),
               "unable to load certificate from file '%s'.\nCan't load the payload\nCan't update %s!\n\n" % (a, a))
        lib.eq(e.ask(payload("set ssl cert %s.key" % a, "garbage")),
               "unable to load private key from file '%s'.\nCan't load the payload\nCan't update %s.key!\n\n" % (a, a))
        lib.eq(e.ask("show ssl cert"), "# filename\n%s\n%s\n\n" % (a, e.b), "failed sets open no transaction")
        lib.eq(e.ask(payload("set ssl cert " + a, _read(other.pem))),
               "Transaction created for certificate %s!\n\n" % a)
        lib.eq(e.ask("abort ssl cert " + e.b),
               "The ongoing transaction is about '%s' but you are trying to abort a transaction for '%s'\n\n" % (a, e.b))
        lib.eq(e.ask("commit ssl cert " + e.b),
               "The ongoing transaction is about '%s' but you are trying to set '%s'\nCan't commit %s!\n\n" % (a, e.b, e.b))
        lib.eq(e.ask("del ssl cert " + a),
               "Can't remove the certificate: ongoing transaction for the certificate '%s'\n\n" % a)
        lib.eq(e.ask("abort ssl cert " + a), "Transaction aborted for certificate '%s'!\n\n" % a)
        lib.eq(e.ask("abort ssl cert " + a), "No ongoing transaction!\n\n")
        lib.eq(fp(e.port, "a.example.test"), e.leaf_a.fp, "aborted: the certificate served is unchanged")
        # arguments and levels
        lib.eq(e.ask("commit ssl cert"), "'commit ssl cert expects a filename\n\n")
        lib.eq(e.ask("abort ssl cert"), "'abort ssl cert' expects a filename\n\n")
        lib.eq(e.ask("set ssl cert " + a), "'set ssl cert expects a filename and a certificate as a payload\n\n")
        lib.eq(e.ask("new ssl cert"), "'new ssl cert' expects a filename\n\n")
        lib.eq(e.ask("del ssl cert"), "'del ssl cert' expects a certificate name\n\n")
        lib.eq(e.ask(payload("set ssl cert " + a, _read(other.pem)), "op"), "Permission denied\n\n")
        lib.eq(e.ask("new ssl cert %s/x.pem" % d, "op"), "Permission denied\n\n")
        # sic: these two end with an empty line of their own
        lib.eq(e.ask("del ssl cert " + a),
               "Can't remove the certificate: certificate '%s' in use, can't be deleted!\n\n\n" % a)
        lib.eq(e.ask("del ssl cert %s/zz.pem" % d),
               "Can't remove the certificate: certificate '%s/zz.pem' doesn't exist!\n\n\n" % d)
        lib.eq(e.ask("set severity-output number;abort ssl cert " + a), "\n[3]: No ongoing transaction!\n\n")
        lib.eq(fp(e.port, "a.example.test"), e.leaf_a.fp, "still unchanged")


@lib.test
def new_certificate_through_a_crt_list_line():
    with lab() as e:
        n = P.leaf("n.example.test")
        path = e.d + "/n.pem"
        lib.eq(e.ask("new ssl cert " + e.a), "Certificate '%s' already exists!\n\n" % e.a)
        lib.eq(e.ask("new ssl cert " + path), "New empty certificate store '%s'!\n\n" % path)
        lib.eq(e.ask("show ssl cert " + path), "Filename: %s\nStatus: Empty\nOCSP Response Key: \n\n" % path)
        lib.eq(e.ask("add ssl crt-list %s %s" % (e.list, path)),
               "Can't edit the crt-list: certificate '%s' is empty!\n\n" % path)
        lib.eq(e.ask(payload("set ssl cert " + path, _read(n.pem))),
               "Transaction created for certificate %s!\n\n" % path)
        # nothing uses it yet: no dot
        lib.eq(e.ask("commit ssl cert " + path), "Committing %s\nSuccess!\n\n" % path)
        lib.eq(e.ask("show ssl cert " + path), details(n, path, "Unused"))
        lib.eq(fp(e.port, "n.example.test"), e.leaf_a.fp, "not served yet: the default certificate")
        lib.eq(e.ask(payload("add ssl crt-list " + e.list, "%s [alpn h2] n.example.test" % path)),
               "Inserting certificate '%s' in crt-list '%s'.\nSuccess!\n\n" % (path, e.list))
        lib.eq(e.ask("show ssl crt-list -n " + e.list),
               "# %s\n%s:1 [alpn h2] b.example.test\n%s:2 [alpn h2] n.example.test\n\n" % (e.list, e.b, path))
        lib.eq(fp(e.port, "n.example.test"), n.fp, "served for its SNI once added")
        lib.eq(e.ask("del ssl cert " + path),
               "Can't remove the certificate: certificate '%s' in use, can't be deleted!\n\n\n" % path)
        lib.eq(e.ask("del ssl crt-list %s %s:1" % (e.list, path)),
               "Can't delete the entry: found a certificate '%s' but the line number is incorrect, "
               "please specify a correct line number preceded by colons (2)!\n\n" % path)
        lib.eq(e.ask("del ssl crt-list %s %s" % (e.list, path)),
               "Entry '%s' deleted in crtlist '%s'!\n\n" % (path, e.list))
        lib.eq(fp(e.port, "n.example.test"), e.leaf_a.fp, "deleted: back to the default certificate")
        lib.eq(e.ask("del ssl cert " + path), "Certificate '%s' deleted!\n\n" % path)
        lib.eq(e.ask("show ssl cert"), "# filename\n%s\n%s\n\n" % (e.a, e.b))


@lib.test
def crt_list_errors():
    with lab() as e:
        L, d = e.list, e.d
        lib.eq(e.ask("add ssl crt-list " + L), "'add ssl crtlist' expects a filename and a certificate name\n\n")
        lib.eq(e.ask("add ssl crt-list %s/nope.txt %s" % (d, e.a)),
               "Can't edit the crt-list: crt-list '%s/nope.txt' does not exist!\n\n" % d)
        lib.eq(e.ask("add ssl crt-list %s %s/zz.pem" % (L, d)),
               "Can't edit the crt-list: certificate '%s/zz.pem' does not exist!\n\n" % d)
        lib.eq(e.ask(payload("add ssl crt-list " + L, "%s\n%s" % (e.a, e.b))),
               "Can't edit the crt-list: only one line of payload is supported!\n\n")
        lib.eq(e.ask(payload("add ssl crt-list " + L, "%s [bogus 1] z.test" % e.a)),
               "Can't edit the crt-list: parsing [CLI:1]: unknown ssl keyword bogus\n\n")
        lib.eq(e.ask(payload("add ssl crt-list " + L, "%s [alpn]" % e.a)),
               "Can't edit the crt-list: parsing [CLI:1]: ssl args out of '[]' for alpn\n\n")
        lib.eq(e.ask(payload("add ssl crt-list " + L, "%s [verify bogus]" % e.a)),
               "Can't edit the crt-list: 'verify' : unknown verify method 'bogus', only 'none', "
               "'optional', and 'required' are supported\n\n\n")
        lib.eq(e.ask(payload("add ssl crt-list " + L, "%s [ssl-min-ver TLSv9]" % e.a)),
               "Can't edit the crt-list: 'TLSv9' : unknown ssl/tls version\n\n")
        lib.eq(e.ask(payload("add ssl crt-list " + L, "%s [alpn h2] x.test ] y" % e.a)),
               "Can't edit the crt-list: parsing [CLI:1]: too many ']'\n\n")
        # a line OpenSSL refuses when the bind's context is built: the
        # streamed answer ends in "Failed!" and the line is not added
        cfg = e.p.args[e.p.args.index("-f") + 1]
        line = [i + 1 for i, l in enumerate(e.p.cfgtext.splitlines()) if "bind 127.0.0.1:%d ssl" % e.port in l][0]
        lib.eq(e.ask(payload("add ssl crt-list " + L, "%s [ciphers BOGUS]" % e.a)),
               "Inserting certificate '%s' in crt-list '%s'.\nProxy 'fe': unable to set SSL cipher list to 'BOGUS' "
               "for bind '127.0.0.1:%d' at [%s:%d].\nFailed!\n\n" % (e.a, L, e.port, cfg, line))
        lib.eq(e.ask("del ssl crt-list " + L), "'del ssl crtlist' expects a filename and a certificate name\n\n")
        lib.eq(e.ask("del ssl crt-list %s %s" % (L, e.a)),
               "Can't delete the entry: certificate '%s' can't be found in crt-list '%s'!\n\n" % (e.a, L))
        lib.eq(e.ask("del ssl crt-list %s %s:x" % (L, e.b)),
               "Can't delete the entry: wrong line number after colons in '%s:x'!\n\n" % e.b)
        lib.eq(e.ask("del ssl crt-list %s/nope.txt %s" % (d, e.b)),
               "Can't delete the entry: crt-list '%s/nope.txt' does not exist!\n\n" % d)
        lib.eq(e.ask("del ssl crt-list %s %s/zz.pem" % (L, d)),
               "Can't delete the entry: certificate '%s/zz.pem' does not exist!\n\n" % d)
        lib.eq(e.ask("add ssl crt-list %s %s" % (L, e.a), "op"), "Permission denied\n\n")
        lib.eq(e.ask("show ssl crt-list -n " + L), "# %s\n%s:1 [alpn h2] b.example.test\n\n" % (L, e.b),
               "nothing was added")
        lib.eq(fp(e.port, "b.example.test"), e.leaf_b.fp)


if __name__ == "__main__":
    lib.main()
