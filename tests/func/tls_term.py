"""TLS termination helpers for tests/func/test_tls_term*.py (Python 3
standard library + the openssl CLI).

- PKI: a throw-away CA (and a second, untrusted one) made at run time with
  the openssl CLI, leaves in ECDSA P-256 or RSA 2048 with any SANs
  (wildcards included), client certificates, a CRL and OCSP responses
  made with "openssl ca -gencrl" / "openssl ocsp" against a small index
  file the PKI keeps itself. A Leaf knows its files (.crt, .key, .pem =
  cert + key as HAProxy's "crt" loads it) and its SHA-256 fingerprint, so
  a test proves WHICH certificate a listener served.
- dial(): one TLS client connection with every knob a test turns (SNI,
  ALPN, versions, ciphers, a client certificate, a session to resume);
  returns a Conn (fingerprint, CN, version, cipher, ALPN, reused) or
  raises Refused with what the client saw.
- s_client(): "openssl s_client" for what Python's ssl cannot show (OCSP
  staples, ticket hints).
"""

import contextlib
import hashlib
import os
import re
import select
import socket
import ssl
import subprocess
import threading
import time

import lib
import tls

# ------------------------------------------------------------------ the PKI


def openssl(*args, inp=None):
    """Runs the openssl CLI; fails the test on a non-zero exit. Returns
    stdout (bytes)."""
    p = subprocess.run(["openssl"] + [str(a) for a in args], input=inp,
                       stdin=None if inp is not None else subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode != 0:
        lib.fail("openssl %s failed:\n%s" % (" ".join(map(str, args)), p.stderr.decode()))
    return p.stdout


def _keygen(kind, keyfile):
    if kind == "rsa":
        openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048",
                "-out", keyfile)
    else:
        openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
                "-out", keyfile)


def _read(path):
    with open(path, "rb") as f:
        return f.read()


class Leaf:
    """A certificate signed by a CA of the PKI.
    .crt .key .pem (cert then key, HAProxy's crt file), .der, .fp (SHA-256
    of the DER, hex), .serial (int), .cn, .kind ("ec"|"rsa")."""

    def __init__(self, name, crt, key, pem, serial, cn, kind, ca):
        self.name, self.crt, self.key, self.pem = name, crt, key, pem
        self.serial, self.cn, self.kind, self.ca = serial, cn, kind, ca
        self.der = ssl.PEM_cert_to_DER_cert(_read(crt).decode())
        self.fp = hashlib.sha256(self.der).hexdigest()

    def __repr__(self):
        return "<Leaf %s %s %s>" % (self.name, self.kind, self.fp[:12])


class CA:
    """One certificate authority: key, self-signed cert, index file (the
    openssl ca database: every leaf it signs, R for revoked)."""

    def __init__(self, pki, name, cn):
        self.pki, self.name = pki, name
        d = pki.dir
        self.key = os.path.join(d, name + "-ca.key")
        self.crt = os.path.join(d, name + "-ca.crt")
        self.index = os.path.join(d, name + "-index.txt")
        self.cnf = os.path.join(d, name + "-ca.cnf")
        self.crlnumber = os.path.join(d, name + "-crlnumber")
        self._entries = []   # [status, expiry, revoked-at, serial hex, subject]
        _keygen("ec", self.key)
        openssl("req", "-x509", "-new", "-key", self.key, "-out", self.crt, "-days", "3",
                "-subj", "/CN=" + cn, "-addext", "basicConstraints=critical,CA:TRUE",
                "-addext", "keyUsage=critical,keyCertSign,cRLSign,digitalSignature")
        lib.write(self.crlnumber, "1000\n")
        lib.write(self.cnf, "[ca]\ndefault_ca = CA_default\n"
                  "[CA_default]\ndatabase = %s\ncrlnumber = %s\ndefault_md = sha256\n"
                  "default_crl_days = 1\n" % (self.index, self.crlnumber))
        self._write_index()

    def _write_index(self):
        lib.write(self.index, "".join("\t".join(e) + "\n" for e in self._entries))
        lib.write(self.index + ".attr", "unique_subject = no\n")

    def register(self, serial, subject):
        exp = time.strftime("%y%m%d%H%M%SZ", time.gmtime(time.time() + 2 * 86400))
        self._entries.append(["V", exp, "", "%X" % serial, "unknown", subject])
        self._write_index()

    def revoke(self, leaf):
        """Marks leaf revoked in the index (crl() and ocsp() then say so)."""
        now = time.strftime("%y%m%d%H%M%SZ", time.gmtime(time.time() - 60))
        for e in self._entries:
            if e[3] == "%X" % leaf.serial:
                e[0], e[2] = "R", now
        self._write_index()

    def crl(self, path):
        """A PEM CRL listing the revoked leaves, written to path."""
        openssl("ca", "-gencrl", "-config", self.cnf, "-keyfile", self.key,
                "-cert", self.crt, "-out", path)
        return path

    def ocsp(self, leaf, path):
        """A DER OCSP response for leaf (good, or revoked), signed by the CA
        itself, valid one day, written to path."""
        req = path + ".req"
        openssl("ocsp", "-issuer", self.crt, "-cert", leaf.crt, "-reqout", req, "-no_nonce")
        openssl("ocsp", "-index", self.index, "-rsigner", self.crt, "-rkey", self.key,
                "-CA", self.crt, "-reqin", req, "-respout", path, "-ndays", "1")
        return path


class PKI:
    """Certificates for one test script under one temp dir. .ca is the
    trusted CA, .other an untrusted one (same CN shapes, other key)."""

    def __init__(self):
        self.dir = lib.tmpdir()
        self.ca = CA(self, "main", "sluice tls-term test CA")
        self._other = None
        self._leaves = {}
        self._lock = threading.Lock()

    @property
    def other(self):
        if self._other is None:
            self._other = CA(self, "other", "sluice tls-term untrusted CA")
        return self._other

    def leaf(self, name, sans=None, kind="ec", client=False, ca=None, cn=None, tag=""):
        """The Leaf for CN <cn or name> with SAN DNS entries <sans> (default
        [name]), key kind "ec" (P-256) or "rsa" (2048), a server or client
        (client=True: extendedKeyUsage clientAuth) certificate, signed by
        <ca> (default the trusted one). Cached by all of these; tag makes a
        second distinct certificate for the same parameters."""
        ca = ca or self.ca
        sans = list(sans) if sans is not None else [name]
        key = (name, tuple(sans), kind, client, ca.name, cn, tag)
        with self._lock:
            if key in self._leaves:
                return self._leaves[key]
            base = os.path.join(self.dir, "%s-%s%s-%s%s" % (
                re.sub(r"[^A-Za-z0-9.-]", "_", name), kind, "-cli" if client else "",
                ca.name, ("-" + tag) if tag else ""))
            k, csr, crt, pem, ext = (base + ".key", base + ".csr", base + ".crt",
                                     base + ".pem", base + ".ext")
            _keygen(kind, k)
            subj = "/CN=" + (cn or name)
            openssl("req", "-new", "-key", k, "-out", csr, "-subj", subj)
            lines = ["basicConstraints=CA:FALSE"]
            if sans:
                lines.append("subjectAltName=" + ",".join("DNS:" + s for s in sans))
            lines.append("extendedKeyUsage=" + ("clientAuth" if client else "serverAuth"))
            lib.write(ext, "\n".join(lines) + "\n")
            # 16 hex digits exactly: the index file wants an even length, as
            # OpenSSL prints serials
            serial = (int.from_bytes(os.urandom(8), "big") >> 2) | (1 << 62)
            openssl("x509", "-req", "-in", csr, "-CA", ca.crt, "-CAkey", ca.key,
                    "-set_serial", str(serial), "-days", "2", "-extfile", ext, "-out", crt)
            with open(pem, "wb") as f:
                f.write(_read(crt) + _read(k))
            ca.register(serial, subj)
            leaf = Leaf(name, crt, k, pem, serial, cn or name, kind, ca)
            self._leaves[key] = leaf
            return leaf


_pki = None


def pki():
    """The script's PKI (made on first use)."""
    global _pki
    if _pki is None:
        _pki = PKI()
    return _pki


def copy_pem(leaf, path, key_beside=False, extra=b""):
    """Writes leaf's certificate to path for a "crt" line: with its key in
    the same file, or (key_beside) in <path>.key as HAProxy also loads it.
    extra (bytes) is appended (a chain, an issuer)."""
    if key_beside:
        with open(path, "wb") as f:
            f.write(_read(leaf.crt) + extra)
        with open(path + ".key", "wb") as f:
            f.write(_read(leaf.key))
    else:
        with open(path, "wb") as f:
            f.write(_read(leaf.crt) + extra + _read(leaf.key))
    return path


# ------------------------------------------------------------------ clients

class Refused(Exception):
    """The listener refused the client: the handshake failed, or the first
    read after it found an alert, EOF or a reset instead of the banner."""


class Conn:
    """A terminated TLS connection: .sock (ssl.SSLSocket), .fp (SHA-256 of
    the certificate served, hex), .cn, .version, .cipher, .alpn, .reused,
    .session, .banner (first line the backend sent, when read)."""

    def __init__(self, s):
        self.sock = s
        der = s.getpeercert(binary_form=True)
        self.der = der
        self.fp = hashlib.sha256(der).hexdigest() if der else None
        self.cn = tls.der_cn(der) if der else None
        self.version = s.version()
        self.cipher = s.cipher()[0]
        self.alpn = s.selected_alpn_protocol()
        self.reused = s.session_reused
        self.banner = None
        self._session = None

    @property
    def session(self):
        """The TLS session to resume (kept by close(): a closed SSLSocket
        no longer gives it). In TLS 1.3 it exists once the server's ticket
        was read, i.e. after the banner."""
        s = self.sock.session if self._session is None else self._session
        return s

    def readline(self):
        buf = bytearray()
        while not buf.endswith(b"\n"):
            d = self.sock.recv(1)
            if not d:
                break
            buf += d
        return buf.decode("utf-8", "replace").rstrip("\n")

    def echo(self, data):
        self.sock.sendall(data)
        got = bytearray()
        while len(got) < len(data):
            d = self.sock.recv(65536)
            if not d:
                break
            got += d
        return bytes(got)

    def echo_big(self, data, timeout=30.0):
        """Sends data while reading the echo at the same time (no deadlock
        when data exceeds the socket buffers); returns what came back."""
        s = self.sock
        s.setblocking(False)
        got = bytearray()
        off = 0
        deadline = time.monotonic() + timeout
        try:
            while len(got) < len(data):
                if time.monotonic() > deadline:
                    raise TimeoutError("echo: %d of %d bytes back" % (len(got), len(data)))
                want_w = off < len(data)
                r, w, _ = select.select([s], [s] if want_w else [], [], 1.0)
                if w or s.pending():
                    try:
                        off += s.send(data[off:off + 16384])
                    except (ssl.SSLWantWriteError, ssl.SSLWantReadError):
                        pass
                if r or s.pending():
                    try:
                        d = s.recv(1 << 18)
                    except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
                        continue
                    if not d:
                        break
                    got += d
        finally:
            s.setblocking(True)
            s.settimeout(5.0)
        return bytes(got)

    def close(self):
        if self._session is None:
            with contextlib.suppress(OSError, ssl.SSLError, ValueError):
                self._session = self.sock.session
        with contextlib.suppress(OSError, ssl.SSLError):
            self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()


_VERSIONS = {"1.0": ssl.TLSVersion.TLSv1, "1.1": ssl.TLSVersion.TLSv1_1,
             "1.2": ssl.TLSVersion.TLSv1_2, "1.3": ssl.TLSVersion.TLSv1_3}


def context(alpn=None, min_ver=None, max_ver=None, ciphers=None, cert=None,
            verify=True, tickets=True):
    """A client SSLContext. min_ver/max_ver: "1.0".."1.3" (below 1.2 also
    lowers OpenSSL's security level so that the client really offers it);
    ciphers: TLS <= 1.2 list (Python cannot choose TLS 1.3 suites: use
    s_client -ciphersuites); cert: a Leaf to present. The server
    certificate is verified against the PKI's CA unless verify is false
    (the name is not checked: the SNI sent is not always the name served)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    if verify:
        ctx.load_verify_locations(pki().ca.crt)
    else:
        ctx.verify_mode = ssl.CERT_NONE
    if min_ver:
        ctx.minimum_version = _VERSIONS[min_ver]
    if max_ver:
        ctx.maximum_version = _VERSIONS[max_ver]
    low = (min_ver or "1.2") < "1.2"
    if ciphers or low:
        ctx.set_ciphers((ciphers or "DEFAULT") + (":@SECLEVEL=0" if low else ""))
    if alpn:
        ctx.set_alpn_protocols(list(alpn))
    if cert is not None:
        ctx.load_cert_chain(cert.crt, cert.key)
    if not tickets:
        ctx.options |= ssl.OP_NO_TICKET
    return ctx


def dial(port, sni=None, ctx=None, session=None, banner=True, timeout=5.0, source=None,
         **ctxargs):
    """A TLS connection to 127.0.0.1:port. With banner (the default: the
    backends of these tests greet first), the first line is read into
    .banner: in TLS 1.3 a refused client certificate only shows there.
    Raises Refused(reason) when the listener refuses."""
    ctx = ctx or context(**ctxargs)
    raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    raw.settimeout(timeout * lib.SLOW)  # SLOW: under valgrind
    if source:
        raw.bind((source, 0))
    raw.connect((lib.LOOPBACK, port))
    try:
        s = ctx.wrap_socket(raw, server_hostname=sni, session=session)
    except (ssl.SSLError, OSError) as e:
        raw.close()
        raise Refused("handshake: %r" % e) from None
    c = Conn(s)
    if banner:
        try:
            line = c.readline()
        except (ssl.SSLError, OSError) as e:
            c.close()
            raise Refused("after handshake: %r" % e) from None
        if not line:
            c.close()
            raise Refused("after handshake: EOF")
        c.banner = line
    return c


def served(port, sni=None, **kw):
    """The Conn of one connection (closed): which certificate, version,
    cipher, ALPN... Raises Refused."""
    c = dial(port, sni=sni, **kw)
    c.close()
    return c


def refused(port, sni=None, **kw):
    """The reason text when the listener refuses; fails the test when the
    connection works."""
    try:
        c = dial(port, sni=sni, **kw)
    except Refused as e:
        return str(e)
    c.close()
    lib.fail("connection accepted (cert %s, %s %s), want a refusal" % (
        c.cn, c.version, c.cipher))


def s_client(port, *args, sni=None, inp=b"", timeout=10):
    """Runs "openssl s_client -connect 127.0.0.1:port [-servername sni]
    args..." with stdin inp; returns (rc, stdout+stderr text)."""
    argv = ["openssl", "s_client", "-connect", "127.0.0.1:%d" % port]
    if sni:
        argv += ["-servername", sni]
    argv += list(args)
    p = subprocess.run(argv, input=inp, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=timeout * lib.SLOW)
    return p.returncode, p.stdout.decode("utf-8", "replace")


# ------------------------------------------------------------------ proxies

LOG = "    log stdout format raw local0"


# engine/support.c's wording for a part of issue #6 not built yet
NOT_YET = "is not run by this version of the sluice engine"


def proxy(body, nbthread=1, glob="", defaults="", log=True, args=()):
    """tls.proxy() with (log) every traffic log line on stdout (raw).
    When sluice refuses the configuration because a part of TLS
    termination/bridging is not built yet (engine/support.c's NOT_YET
    error), the sub-test is skipped, saying which: such a test starts
    to run, and to count, as soon as the refusal goes."""
    g = (LOG + "\n" if log else "") + glob
    d = ("    log global\n" if log else "") + defaults
    # the "ready" frontend comes last: listeners start in config order,
    # so when it accepts, the test's own listeners do too (polling those
    # would leave failed-handshake lines and counts behind)
    ready, text = tls.config_text("", nbthread, glob=g.rstrip("\n"), defaults=d.rstrip("\n"))
    head, sep, ready_fe = text.partition("frontend ready\n")
    text = head + body + "\n" + sep + ready_fe
    try:
        p = lib.start(lib.config(text), args=args, ready_ports=[ready])
    except lib.Failure as e:
        refusals = [l for l in str(e).splitlines() if NOT_YET in l]
        if refusals and not lib.ORACLE:
            lib.skip(refusals[0].split("error: ", 1)[-1])
        raise
    p.cfgtext = text
    return p


def lines(p, needle):
    """stdout lines of p containing needle."""
    return [l for l in tls.stdout_lines(p) if needle in l]


def wait_lines(p, needle, n=1, timeout=5.0):
    return tls.wait_log(p, lambda l: needle in l, n, timeout)


@contextlib.contextmanager
def terminating(bind_opts, nbthread=1, glob="", defaults="", fe_extra="", name="echo",
                more=""):
    """A "mode tcp" frontend fe on a free port, "bind ... ssl <bind_opts>",
    option tcplog, relaying to a plain backend that greets "<name>\\n" and
    echoes. more: extra config sections. Yields (port, proc, backend)."""
    with tls.plain_backend(name) as be:
        port = lib.free_port()
        p = proxy("""frontend fe
    bind 127.0.0.1:%d ssl %s
    option tcplog
%s    default_backend be
backend be
    server s 127.0.0.1:%d
%s""" % (port, bind_opts, fe_extra, be.port, more), nbthread, glob=glob, defaults=defaults)
        try:
            yield port, p, be
        finally:
            lib.stop(p)


@contextlib.contextmanager
def https_backend(name="s1", cert=None):
    """lib.http_backend's server over TLS with the tls.certs() certificate
    of <cert> (default <name>): answers "<name> <path>", header X-Server;
    .requests (method, path, headers), .snis (SNI of each handshake)."""
    import http.server
    crt, key = tls.certs().leaf(cert or name)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(crt, key)
    snis = []
    ctx.sni_callback = lambda sslobj, sni, _ctx: snis.append(sni)
    srv = http.server.ThreadingHTTPServer((lib.LOOPBACK, 0), lib._NamedHandler)
    srv.daemon_threads = True
    srv.handle_error = lambda *a: None   # refused handshakes are expected
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True, do_handshake_on_connect=False)
    srv.name, srv.status, srv.requests, srv.snis = name, 200, [], snis
    srv.port = srv.server_address[1]
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    try:
        yield srv
    finally:
        srv.shutdown()
        srv.server_close()


def https_get(port, path="/", sni=None, headers=None, ctx=None, conn=None, session=None):
    """One GET over TLS (conn: an open http.client.HTTPSConnection to
    reuse; session: a TLS session to resume, with the same ctx). Returns
    (status, headers, body, conn)."""
    import http.client
    if conn is None:
        ctx = ctx or context()
        conn = http.client.HTTPSConnection(lib.LOOPBACK, port, timeout=5 * lib.SLOW, context=ctx)
        # connect to 127.0.0.1 whatever the SNI (http.client sends its
        # host as SNI), resuming <session> if given
        conn.host = sni or lib.LOOPBACK

        def connect():
            raw = socket.create_connection((lib.LOOPBACK, port), timeout=5 * lib.SLOW)
            conn.sock = ctx.wrap_socket(raw, server_hostname=sni, session=session)
        conn.connect = connect
    conn.request("GET", path, headers=headers or {})
    r = conn.getresponse()
    return r.status, r.headers, r.read(), conn


def tls_echo_backend(name, cert=None, min_ver=None, max_ver=None, client_ca=None):
    """tls.tls_backend with protocol limits ("1.2", "1.3"), recording
    the version and cipher of each handshake in .versions/.ciphers,
    whether it resumed a session in .reused and the client certificate's
    CN in .peers_cn (client_ca: a CA file; a client certificate signed
    by it is then required)."""
    crt, key = tls.certs().leaf(cert or name)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(crt, key)
    if client_ca:
        ctx.load_verify_locations(client_ca)
        ctx.verify_mode = ssl.CERT_REQUIRED
    if min_ver:
        ctx.minimum_version = _VERSIONS[min_ver]
    if max_ver:
        ctx.maximum_version = _VERSIONS[max_ver]
    st = tls._State(name)
    st.versions, st.ciphers, st.reused, st.peers_cn = [], [], [], []

    def handle(c):
        s = ctx.wrap_socket(c, server_side=True)
        st.versions.append(s.version())
        st.ciphers.append(s.cipher()[0])
        st.reused.append(s.session_reused)
        der = s.getpeercert(binary_form=True)
        st.peers_cn.append(tls.der_cn(der) if der else None)
        s.sendall(("%s\n" % name).encode())
        while True:
            d = s.recv(65536)
            if not d:
                break
            s.sendall(d)

    return tls._running(tls._listener(), st, handle)
