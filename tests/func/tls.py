"""TLS passthrough helpers for the functional tests (Python 3 standard
library + the openssl CLI).

- certs: a throw-away CA and EC P-256 leaf certificates generated at run
  time (once per script, in a temp dir), one CN/SAN per backend, so a test
  proves WHICH backend answered by the certificate the client receives.
- tls_backend / plain_backend: threaded servers on 127.0.0.1 free ports that
  record what they see (SNI, ALPN, peers, PROXY headers, concurrency).
- Client: builds a real ClientHello with ssl.MemoryBIO, sends it through the
  proxy in a chosen shape (whole, 1-byte TCP segments, several TLS records),
  then completes the handshake by pumping bytes between socket and BIOs.
- tls12_hello / server_cert_cn: a hand-built TLS 1.2 ClientHello of any size
  (padding extension, several records) and a reader of the server's
  plaintext Certificate message, for hellos OpenSSL would never send.
- proxy(): writes a config (global nbthread N, mode tcp defaults, a "ready"
  frontend for readiness polling that never reaches a backend) and starts
  the binary; threads() runs a scenario with nbthread 1 and 4.
"""

import contextlib
import functools
import os
import re
import select
import socket
import ssl
import struct
import subprocess
import threading
import time
import traceback

import lib

NBTHREADS = (1, 4)

# --------------------------------------------------------------- certificates

_certs = None
_certs_lock = threading.Lock()


class Certs:
    """A CA and leaf certificates under one temp dir; leaves are made on
    first use and cached."""

    def __init__(self):
        self.dir = lib.tmpdir()
        self.ca_key = os.path.join(self.dir, "ca.key")
        self.ca = os.path.join(self.dir, "ca.crt")
        self._leaves = {}
        _openssl("req", "-x509", "-new", "-newkey", "ec", "-pkeyopt",
                 "ec_paramgen_curve:P-256", "-nodes", "-keyout", self.ca_key,
                 "-out", self.ca, "-days", "2", "-subj", "/CN=sluice func test CA",
                 "-addext", "basicConstraints=critical,CA:TRUE",
                 "-addext", "keyUsage=critical,keyCertSign,cRLSign")

    def leaf(self, name):
        """(certfile, keyfile) for CN=name, SAN DNS:name, signed by the CA."""
        with _certs_lock:
            if name in self._leaves:
                return self._leaves[name]
            base = os.path.join(self.dir, re.sub(r"[^A-Za-z0-9.-]", "_", name))
            key, csr, crt = base + ".key", base + ".csr", base + ".crt"
            _openssl("req", "-new", "-newkey", "ec", "-pkeyopt",
                     "ec_paramgen_curve:P-256", "-nodes", "-keyout", key,
                     "-out", csr, "-subj", "/CN=" + name,
                     "-addext", "subjectAltName=DNS:" + name)
            _openssl("x509", "-req", "-in", csr, "-CA", self.ca, "-CAkey",
                     self.ca_key, "-set_serial", str(int.from_bytes(os.urandom(8), "big")),
                     "-days", "2", "-copy_extensions", "copy", "-out", crt)
            self._leaves[name] = (crt, key)
            return crt, key


def _openssl(*args):
    p = subprocess.run(["openssl"] + list(args), stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if p.returncode != 0:
        lib.fail("openssl %s failed:\n%s" % (" ".join(args), p.stderr.decode()))


def certs():
    global _certs
    with _certs_lock:
        if _certs is None:
            _certs = Certs()
    return _certs


# ------------------------------------------------------------- backends

class _State:
    """What a backend saw. Lists are appended from server threads."""

    def __init__(self, name):
        self.name = name
        self.port = 0
        self.conns = 0
        self.active = 0
        self.max_active = 0
        self.accepted_at = []      # time.monotonic() of each accept
        self.peers = []            # (ip, port) of each accepted connection
        self.snis = []             # SNI the TLS server saw (None: none)
        self.alpns = []            # ALPN the TLS server selected
        self.proxy = []            # parsed PROXY headers (dicts), see read_proxy_header
        self.data = []             # plain backends: bytes received per connection
        self.errors = []
        self.lock = threading.Lock()
        self.stopping = False

    def _enter(self, peer):
        with self.lock:
            self.conns += 1
            self.active += 1
            self.max_active = max(self.max_active, self.active)
            self.accepted_at.append(time.monotonic())
            self.peers.append(peer)

    def _leave(self):
        with self.lock:
            self.active -= 1


def _serve(ls, st, handle):
    def one(c, peer):
        st._enter(peer)
        try:
            handle(c)
        except (OSError, ssl.SSLError, ValueError) as e:
            st.errors.append(repr(e))
        finally:
            # count the connection gone before closing it: once closed, the
            # proxy may open the next one at once (max_active stays exact)
            st._leave()
            c.close()

    def loop():
        while not st.stopping:
            try:
                c, peer = ls.accept()
            except OSError:
                break
            c.settimeout(30)
            threading.Thread(target=one, args=(c, peer), daemon=True).start()

    threading.Thread(target=loop, daemon=True).start()


def _listener(backlog=128):
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((lib.LOOPBACK, 0))
    ls.listen(backlog)
    return ls


@contextlib.contextmanager
def _running(ls, st, handle):
    st.port = ls.getsockname()[1]
    _serve(ls, st, handle)
    try:
        yield st
    finally:
        st.stopping = True
        with contextlib.suppress(OSError):
            ls.shutdown(socket.SHUT_RDWR)
        ls.close()


def tls_backend(name, cert=None, alpn=("h2", "http/1.1"), proxy_header=False):
    """A TLS server with the certificate of <cert> (default: <name>).
    After the handshake it sends "<name>\\n" then echoes until EOF.
    proxy_header: read a PROXY v1/v2 header before the handshake (parsed
    into .proxy). Yields the _State."""
    crt, key = certs().leaf(cert or name)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(crt, key)
    if alpn:
        ctx.set_alpn_protocols(list(alpn))
    st = _State(name)

    def sni_cb(sslobj, server_name, _ctx):
        st.snis.append(server_name)

    ctx.sni_callback = sni_cb

    def handle(c):
        if proxy_header:
            st.proxy.append(read_proxy_header(c))
        s = ctx.wrap_socket(c, server_side=True, do_handshake_on_connect=False)
        s.do_handshake()
        st.alpns.append(s.selected_alpn_protocol())
        s.sendall(("%s\n" % name).encode())
        while True:
            d = s.recv(65536)
            if not d:
                break
            s.sendall(d)
        with contextlib.suppress(OSError):
            s.shutdown(socket.SHUT_RDWR)

    return _running(_listener(), st, handle)


def plain_backend(name, mode="echo", proxy_header=False, banner=True, reply=b""):
    """A plain TCP server. Modes:
      echo      send "<name>\\n" (if banner) then echo until EOF, close
      record    read until EOF, keep the bytes in .data, then send reply
                and close (half-close test: the answer follows the client's FIN)
      idle      accept and never read nor write (until the peer closes)
      hold      read until EOF, then keep the connection open without
                writing until the backend stops (the proxy must close it)
      finfirst  send "<name>\\n", shut the write side, record what still
                arrives in .data until EOF
    proxy_header: parse a PROXY v1/v2 header first (into .proxy)."""
    st = _State(name)

    def handle(c):
        if proxy_header:
            st.proxy.append(read_proxy_header(c))
        if mode == "echo":
            if banner:
                c.sendall(("%s\n" % name).encode())
            while True:
                d = c.recv(65536)
                if not d:
                    break
                c.sendall(d)
        elif mode == "record":
            st.data.append(_read_all(c))
            c.sendall(reply)
        elif mode == "idle":
            c.settimeout(60)
            while c.recv(65536):
                pass
        elif mode == "hold":
            st.data.append(_read_all(c))
            while not st.stopping:
                time.sleep(0.05)
        elif mode == "finfirst":
            c.sendall(("%s\n" % name).encode())
            c.shutdown(socket.SHUT_WR)
            st.data.append(_read_all(c))
        else:
            raise ValueError(mode)

    return _running(_listener(), st, handle)


def _read_all(c):
    buf = bytearray()
    while True:
        d = c.recv(65536)
        if not d:
            return bytes(buf)
        buf += d


@contextlib.contextmanager
def blackhole():
    """A port where TCP connects never complete: a listener with backlog 0
    whose single accept-queue slot is taken by a connection nobody accepts,
    so the kernel drops further SYNs (no external address needed). Yields
    the port."""
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.bind((lib.LOOPBACK, 0))
    ls.listen(0)
    port = ls.getsockname()[1]
    fillers = []
    try:
        # Two fillers: depending on the kernel, backlog 0 leaves room for one.
        for _ in range(2):
            f = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            f.setblocking(False)
            with contextlib.suppress(BlockingIOError):
                f.connect((lib.LOOPBACK, port))
            fillers.append(f)
        yield port
    finally:
        for f in fillers:
            f.close()
        ls.close()


@contextlib.contextmanager
def refused_port():
    """A port where connect() is refused at once: bound, never listening,
    and kept bound so that no concurrent test can take it. Yields it."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((lib.LOOPBACK, 0))
    try:
        yield s.getsockname()[1]
    finally:
        s.close()


# -------------------------------------------------------- PROXY protocol

V2_SIG = b"\r\n\r\n\x00\r\nQUIT\n"


def _recv_exact(s, n):
    buf = bytearray()
    while len(buf) < n:
        d = s.recv(n - len(buf))
        if not d:
            raise EOFError("EOF after %d of %d bytes" % (len(buf), n))
        buf += d
    return bytes(buf)


def read_proxy_header(s):
    """Reads exactly one PROXY v1 or v2 header from socket s (never more) and
    returns a dict: version, raw, command, family, src, sport, dst, dport,
    tlvs [(type, value)]; v1 adds 'line'."""
    head = _recv_exact(s, 5)
    if head == b"PROXY":
        raw = head
        while not raw.endswith(b"\r\n"):
            if len(raw) > 107:
                raise ValueError("PROXY v1 line too long: %r" % raw)
            raw += _recv_exact(s, 1)
        return parse_proxy_v1(raw)
    raw = head + _recv_exact(s, len(V2_SIG) - 5)
    if raw != V2_SIG:
        raise ValueError("no PROXY header: %r" % raw)
    raw += _recv_exact(s, 4)
    raw += _recv_exact(s, struct.unpack("!H", raw[14:16])[0])
    return parse_proxy_v2(raw)


def parse_proxy_v1(raw):
    line = raw[:-2].decode("ascii")
    f = line.split(" ")
    h = {"version": 1, "raw": raw, "line": line, "family": f[1], "tlvs": []}
    if f[1] in ("TCP4", "TCP6"):
        h.update(src=f[2], dst=f[3], sport=int(f[4]), dport=int(f[5]))
    return h


def parse_proxy_v2(raw):
    vc, fam, ln = raw[12], raw[13], struct.unpack("!H", raw[14:16])[0]
    h = {"version": vc >> 4, "raw": raw, "command": vc & 15, "family": fam,
         "length": ln, "tlvs": []}
    body = raw[16:16 + ln]
    off = 0
    if fam == 0x11:
        h["src"] = socket.inet_ntop(socket.AF_INET, body[0:4])
        h["dst"] = socket.inet_ntop(socket.AF_INET, body[4:8])
        h["sport"], h["dport"] = struct.unpack("!HH", body[8:12])
        off = 12
    elif fam == 0x21:
        h["src"] = socket.inet_ntop(socket.AF_INET6, body[0:16])
        h["dst"] = socket.inet_ntop(socket.AF_INET6, body[16:32])
        h["sport"], h["dport"] = struct.unpack("!HH", body[32:36])
        off = 36
    while off + 3 <= len(body):
        t, l = body[off], struct.unpack("!H", body[off + 1:off + 3])[0]
        h["tlvs"].append((t, body[off + 3:off + 3 + l]))
        off += 3 + l
    return h


def proxy_v1(src, dst, sport, dport):
    return ("PROXY TCP4 %s %s %d %d\r\n" % (src, dst, sport, dport)).encode()


def proxy_v2(src, dst, sport, dport, tlvs=()):
    body = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!HH", sport, dport)
    for t, v in tlvs:
        body += struct.pack("!BH", t, len(v)) + v
    return V2_SIG + bytes([0x21, 0x11]) + struct.pack("!H", len(body)) + body


# ----------------------------------------------------------------- client

def client_context(alpn=None):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False  # the SNI sent is not always the name checked
    ctx.load_verify_locations(certs().ca)
    if alpn:
        ctx.set_alpn_protocols(list(alpn))
    return ctx


def send_whole(sock, hello):
    sock.sendall(hello)


def send_bytewise(sock, hello):
    """One byte per TCP segment: TCP_NODELAY plus a tiny pause between sends
    so that the peer's reads really see the hello grow byte by byte (the
    pause forces segmentation; it is not a wait for readiness)."""
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    for i in range(len(hello)):
        sock.sendall(hello[i:i + 1])
        time.sleep(0.0005)


def reframe(hello, parts=None, sizes=None):
    """Re-frames the handshake bytes of a ClientHello (one or more records)
    into <parts> TLS handshake records of about equal size, or into records
    whose payloads have the given sizes (the rest in a last record)."""
    body = bytearray()
    off = 0
    while off < len(hello):
        ln = struct.unpack("!H", hello[off + 3:off + 5])[0]
        body += hello[off + 5:off + 5 + ln]
        off += 5 + ln
    ver = hello[1:3]
    if sizes is None:
        step = -(-len(body) // parts)
        sizes = [step] * (parts - 1)
    out = bytearray()
    off = 0
    for ln in list(sizes) + [len(body)]:
        chunk = body[off:off + ln]
        if chunk:
            out += b"\x16" + ver + struct.pack("!H", len(chunk)) + chunk
        off += len(chunk)
    return bytes(out)


def send_records(parts):
    """A send function for Client.handshake: the hello in <parts> records."""
    def send(sock, hello):
        sock.sendall(reframe(hello, parts))
    return send


def send_sizes(sizes):
    """A send function: the hello in records of these payload sizes (+ rest)."""
    def send(sock, hello):
        sock.sendall(reframe(hello, sizes=sizes))
    return send


class Client:
    """One TLS connection through the proxy, driven through MemoryBIOs.

    c = Client(port, sni="a.demo.test", alpn=["h2"])   # TCP connect, hello built
    c.handshake(send=send_bytewise)                   # or send_whole / send_records(3)
    c.cn, c.alpn, c.readline()                         # backend cert CN, ALPN, banner
    c.echo(data); c.close()
    .hello: the ClientHello bytes; .bytes_in/.bytes_out: raw TCP bytes."""

    def __init__(self, port, sni=None, alpn=None, timeout=10.0, source=None):
        self.timeout = timeout
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        if source:
            self.sock.bind((source, 0))
        self.sock.settimeout(timeout)
        self.sock.connect((lib.LOOPBACK, port))
        self.incoming, self.outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
        self.tls = client_context(alpn).wrap_bio(self.incoming, self.outgoing,
                                                 server_hostname=sni)
        try:
            self.tls.do_handshake()
        except ssl.SSLWantReadError:
            pass
        self.hello = self.outgoing.read()
        self.bytes_in = 0
        self.bytes_out = 0
        self.cn = None
        self.alpn = None
        self._buf = bytearray()

    @property
    def local_port(self):
        return self.sock.getsockname()[1]

    def _flush(self):
        d = self.outgoing.read()
        if d:
            self.sock.sendall(d)
            self.bytes_out += len(d)

    def _feed(self):
        d = self.sock.recv(65536)
        if not d:
            self.incoming.write_eof()
        else:
            self.bytes_in += len(d)
            self.incoming.write(d)
        return d

    def send_hello(self, send=send_whole):
        send(self.sock, self.hello)
        self.bytes_out += len(self.hello)

    def handshake(self, send=send_whole):
        """Sends the hello with <send>, completes the handshake and returns
        the CN of the certificate the backend presented."""
        self.send_hello(send)
        return self.finish()

    def finish(self):
        while True:
            try:
                self.tls.do_handshake()
                break
            except ssl.SSLWantReadError:
                self._flush()
                if not self._feed():
                    raise ConnectionError("EOF during handshake")
        self._flush()
        cert = self.tls.getpeercert()
        self.cn = dict(x[0] for x in cert["subject"])["commonName"]
        self.alpn = self.tls.selected_alpn_protocol()
        return self.cn

    def recv(self, n=65536):
        """Application data (b"" at EOF)."""
        while True:
            try:
                return self.tls.read(n)
            except ssl.SSLWantReadError:
                self._flush()
                if not self._feed():
                    with contextlib.suppress(ssl.SSLError):
                        return self.tls.read(n)
                    return b""
            except (ssl.SSLZeroReturnError, ssl.SSLEOFError):
                return b""

    def readline(self):
        while b"\n" not in self._buf:
            d = self.recv()
            if not d:
                break
            self._buf += d
        line, _, rest = bytes(self._buf).partition(b"\n")
        self._buf = bytearray(rest)
        return line.decode()

    def send(self, data):
        self.tls.write(data)
        self._flush()

    def echo(self, data):
        """Sends data and reads as many bytes back at the same time (a
        single-threaded select loop: no deadlock on large payloads).
        Returns the bytes read back."""
        got = bytearray(self._buf)
        self._buf = bytearray()
        todo = memoryview(data)
        pending = bytearray()
        deadline = time.monotonic() + max(self.timeout, 60)
        self.sock.setblocking(False)
        try:
            while len(got) < len(data):
                if todo and len(pending) < (1 << 18):
                    n = self.tls.write(todo[:16384])
                    todo = todo[n:]
                pending += self.outgoing.read()
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError("echo: %d of %d bytes back" % (len(got), len(data)))
                r, w, _ = select.select([self.sock], [self.sock] if pending else [], [],
                                        min(left, 1.0))
                if w:
                    try:
                        n = self.sock.send(pending)
                        del pending[:n]
                        self.bytes_out += n
                    except BlockingIOError:
                        pass
                if r:
                    try:
                        d = self.sock.recv(1 << 18)
                    except BlockingIOError:
                        continue
                    if not d:
                        raise ConnectionError("EOF after %d of %d bytes" % (len(got), len(data)))
                    self.bytes_in += len(d)
                    self.incoming.write(d)
                    while True:
                        try:
                            got += self.tls.read(1 << 18)
                        except ssl.SSLWantReadError:
                            break
            while pending:
                select.select([], [self.sock], [], 5)
                n = self.sock.send(pending)
                del pending[:n]
                self.bytes_out += n
        finally:
            self.sock.settimeout(self.timeout)
        return bytes(got)

    def shutdown_write(self):
        self.sock.shutdown(socket.SHUT_WR)

    def drain(self):
        """Reads raw bytes until EOF (counted in bytes_in)."""
        while True:
            d = self.sock.recv(65536)
            if not d:
                return
            self.bytes_in += len(d)

    def close(self):
        """Orderly close: FIN, read the backend's rest until EOF, close, so
        the proxy sees a normal end (no RST from unread data)."""
        with contextlib.suppress(OSError):
            self.shutdown_write()
            self.drain()
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.sock.close()


def tls_cn(port, sni=None, alpn=None, send=send_whole, **kw):
    """One full connection: handshake, banner, close. Returns (cn, banner, alpn)."""
    c = Client(port, sni=sni, alpn=alpn, **kw)
    try:
        cn = c.handshake(send)
        banner = c.readline()
        return cn, banner, c.alpn
    finally:
        c.close()


# ------------------------------------------------ hand-built TLS 1.2 hello

def _ext(t, body):
    return struct.pack("!HH", t, len(body)) + body


def tls12_hello(sni=None, alpn=None, size=None, record_max=16384, raw_sni=None, extra=()):
    """A TLS 1.2-only ClientHello (ECDHE-ECDSA suites, so a P-256 server
    answers with a plaintext Certificate) of about <size> bytes on the wire
    (padding extension 21), framed in records of at most record_max bytes.
    raw_sni: SNI bytes as sent (no lower-casing by any library); extra:
    more extensions as (type, body)."""
    exts = b""
    name = raw_sni if raw_sni is not None else (sni.encode() if sni else None)
    if name:
        exts += _ext(0, struct.pack("!HBH", len(name) + 3, 0, len(name)) + name)
    exts += _ext(10, struct.pack("!H", 4) + b"\x00\x1d\x00\x17")       # groups
    exts += _ext(11, b"\x01\x00")                                      # point formats
    exts += _ext(13, struct.pack("!H", 6) + b"\x04\x03\x05\x03\x08\x04")  # sig algs
    exts += _ext(0xff01, b"\x00")                                      # renegotiation_info
    if alpn:
        lst = b"".join(bytes([len(p)]) + p.encode() for p in alpn)
        exts += _ext(16, struct.pack("!H", len(lst)) + lst)
    for t, b in extra:
        exts += _ext(t, b)
    suites = b"\xc0\x2b\xc0\x2c\xcc\xa9"
    body = (b"\x03\x03" + os.urandom(32) + b"\x20" + os.urandom(32)
            + struct.pack("!H", len(suites)) + suites + b"\x01\x00")
    if size:
        # choose the padding so that records + headers total <size> bytes
        msg_len = 4 + len(body) + 2 + len(exts) + 4
        pad = max(0, size - msg_len - 5)
        while pad > 0 and msg_len + pad + 5 * -(-(msg_len + pad) // record_max) > size:
            pad -= 1
        exts += _ext(21, b"\x00" * pad)
    body += struct.pack("!H", len(exts)) + exts
    msg = b"\x01" + struct.pack("!I", len(body))[1:] + body
    out = bytearray()
    for i in range(0, len(msg), record_max):
        chunk = msg[i:i + record_max]
        out += b"\x16\x03\x01" + struct.pack("!H", len(chunk)) + chunk
    return bytes(out)


def ech_outer_extension():
    """An encrypted_client_hello (0xfe0d) extension of the outer type with
    random contents: enough for a proxy to see ECH; a server without ECH
    keys ignores it and completes the handshake on the outer hello."""
    enc, payload = os.urandom(32), os.urandom(160)
    return (0xfe0d, b"\x00" + struct.pack("!HHB", 1, 1, 42)
            + struct.pack("!H", len(enc)) + enc + struct.pack("!H", len(payload)) + payload)


def server_cert_cn(sock):
    """Reads a TLS 1.2 server flight from sock up to the Certificate message
    and returns the CN of the first certificate (plain DER walk)."""
    hs = bytearray()
    while True:
        hdr = _recv_exact(sock, 5)
        body = _recv_exact(sock, struct.unpack("!H", hdr[3:5])[0])
        if hdr[0] == 21:
            raise ConnectionError("TLS alert %r" % body)
        if hdr[0] != 22:
            raise ValueError("unexpected record type %d" % hdr[0])
        hs += body
        off = 0
        while off + 4 <= len(hs):
            t = hs[off]
            ln = int.from_bytes(hs[off + 1:off + 4], "big")
            if off + 4 + ln > len(hs):
                break
            if t == 11:
                msg = hs[off + 4:off + 4 + ln]
                clen = int.from_bytes(msg[3:6], "big")
                return der_cn(bytes(msg[6:6 + clen]))
            off += 4 + ln


def der_cn(der):
    """The last commonName (OID 2.5.4.3) in a DER certificate: the subject's,
    since the issuer comes first in a TBSCertificate."""
    i = der.rfind(b"\x06\x03\x55\x04\x03")
    if i < 0:
        return None
    ln = der[i + 6]
    return der[i + 7:i + 7 + ln].decode()


# ---------------------------------------------------------- proxy configs

GLOBAL = """\
global
    nbthread %(nbthread)d
%(glob)s
defaults
    mode tcp
    timeout connect 2s
    timeout client 10s
    timeout server 10s
%(defaults)s
frontend ready
    bind 127.0.0.1:%(ready)d
    tcp-request connection reject

"""


def config_text(body, nbthread, glob="", defaults=""):
    ready = lib.free_port()
    return ready, GLOBAL % {"nbthread": nbthread, "glob": glob, "defaults": defaults,
                            "ready": ready} + body


def proxy(body, nbthread, glob="", defaults=""):
    """Starts the binary on global+defaults+<body> and waits until it
    listens ("ready" frontend: connections there are rejected, so the
    readiness probes never reach a backend nor change balancing state)."""
    ready, text = config_text(body, nbthread, glob, defaults)
    p = lib.start(lib.config(text), ready_ports=[ready])
    # the ready frontend comes first in the file: with several threads the
    # test's own listeners may be bound a moment later. Wait for them too,
    # briefly (a test may bind a port on purpose that never listens).
    # Without connecting: a probe would be a session of the test.
    for port in re.findall(r"^\s*bind\s+127\.0\.0\.1:(\d+)\b", body, re.M):
        lib.wait_for(lambda: lib.port_listening(int(port)), 2.0)
    p.cfgtext = text
    return p


def stdout_lines(p):
    with open(os.path.join(p.logdir, "stdout"), "rb") as f:
        return f.read().decode("utf-8", "replace").splitlines()


def wait_log(p, pred=lambda l: True, n=1, timeout=5.0):
    """Waits until n stdout lines satisfy pred; returns them."""
    def have():
        ls = [l for l in stdout_lines(p) if pred(l)]
        return ls if len(ls) >= n else None
    got = lib.wait_for(have, timeout)
    if not got:
        lib.fail("fewer than %d matching log lines after %.1fs\n%s" % (n, timeout, lib.logs(p)))
    return got


def threads(fn):
    """Decorator: runs fn(nbthread) for nbthread 1 and 4; a failure names
    which. The proxies a run started are stopped after it."""
    @functools.wraps(fn)
    def run():
        for n in NBTHREADS:
            before = list(lib._procs)
            try:
                fn(n)
            except lib.Failure as e:
                raise lib.Failure("nbthread %d: %s" % (n, e)) from None
            except Exception as e:
                raise lib.Failure("nbthread %d: %s" % (n, traceback.format_exc())) from e
            finally:
                for p in list(lib._procs):
                    if p not in before:
                        lib.stop(p)
    return run


def connect(port, timeout=10.0, source=None):
    """A plain TCP connection to the proxy."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if source:
        s.bind((source, 0))
    s.settimeout(timeout)
    s.connect((lib.LOOPBACK, port))
    return s


def time_to_eof(s, limit=10.0):
    """Seconds until the peer closes s (EOF or reset), reading and dropping
    data; fails after limit seconds."""
    t0 = time.monotonic()
    s.settimeout(limit)
    try:
        while s.recv(65536):
            pass
    except ConnectionResetError:
        pass
    except socket.timeout:
        lib.fail("connection still open after %.1fs" % limit)
    return time.monotonic() - t0


def recv_all(s, limit=10.0):
    """Bytes received until EOF or a reset (fails after limit seconds)."""
    s.settimeout(limit)
    buf = bytearray()
    try:
        while True:
            d = s.recv(65536)
            if not d:
                break
            buf += d
    except ConnectionResetError:
        pass
    except socket.timeout:
        lib.fail("connection still open after %.1fs" % limit)
    return bytes(buf)


def readline(s):
    buf = bytearray()
    while not buf.endswith(b"\n"):
        d = s.recv(1)
        if not d:
            break
        buf += d
    return buf.decode().rstrip("\n")


def silent_for(s, seconds):
    """True when nothing arrives on s for <seconds> (a bounded negative
    check: a queued/backlogged connection must stay silent)."""
    r, _, _ = select.select([s], [], [], seconds)
    return not r


# ------------------------------------------------------------------ logs

LOG_GLOBAL = "    log stdout format raw local0"
LOG_DEFAULTS = "    log global\n    option tcplog"

# option tcplog (reference §4.2):
# %ci:%cp [%t] %ft %b/%s %Tw/%Tc/%Tt %B %ts %ac/%fc/%bc/%sc/%rc %sq/%bq
TCPLOG = re.compile(
    r"^(?P<ci>[0-9.]+):(?P<cp>\d+) "
    r"\[(?P<t>\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d\.\d{3})\] "
    r"(?P<ft>\S+) (?P<b>\S+)/(?P<s>\S+) "
    r"(?P<Tw>-?\d+)/(?P<Tc>-?\d+)/(?P<Tt>\+?-?\d+) (?P<B>\+?\d+) (?P<ts>\S\S) "
    r"(?P<ac>\d+)/(?P<fc>\d+)/(?P<bc>\d+)/(?P<sc>\d+)/(?P<rc>\+?\d+) "
    r"(?P<sq>\d+)/(?P<bq>\d+)$")


def tcplog(p, frontend="fe", n=1, timeout=5.0):
    """The first n tcplog lines of <frontend> on the proxy's stdout, as
    match dicts (fails on a line of that frontend that does not parse)."""
    def mine(l):
        return (" %s " % frontend) in l
    lines = wait_log(p, mine, n, timeout)
    out = []
    for l in lines[:n]:
        m = TCPLOG.match(l)
        if not m:
            lib.fail("log line does not match the tcplog layout:\n%s" % l)
        d = m.groupdict()
        d["line"] = l
        out.append(d)
    return out


def crc32c(data):
    """CRC-32C (Castagnoli), as the PROXY v2 CRC32C TLV carries it."""
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


# ------------------------------------------------------------ health checks
#
# Helpers for tests/func/test_health_*.py: a check target whose behaviour is
# switched at run time (HealthServer), a timestamped tail of the proxy's
# stdout (LogTail) and a client loop that records which server took each
# new session (Traffic). Health-check and server-state messages are logged
# through "log stdout format raw" (reference §4.8); the proxy's defaults
# need "log global".

HEALTH_GLOBAL = "    log stdout format raw local0"
HEALTH_DEFAULTS = "    log global"


class LogTail:
    """Every stdout line of a started proxy with the time.monotonic() at
    which a poller (every 5 ms) first saw it: an upper bound of when the
    proxy wrote it, late by a few ms at most."""

    def __init__(self, p):
        self.p = p
        self.lines = []            # [(t, line)]
        self.lock = threading.Lock()
        self._stop = False
        self._path = os.path.join(p.logdir, "stdout")
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self):
        pos, part = 0, b""
        while not self._stop:
            try:
                with open(self._path, "rb") as f:
                    f.seek(pos)
                    d = f.read()
            except OSError:
                d = b""
            if d:
                pos += len(d)
                now = time.monotonic()
                part += d
                *done, part = part.split(b"\n")
                with self.lock:
                    for l in done:
                        self.lines.append((now, l.decode("utf-8", "replace")))
            if self.p.poll() is not None and not d:
                break
            time.sleep(0.005)

    def stop(self):
        self._stop = True

    def mark(self):
        """An index: wait(start=mark) only looks at lines seen after now."""
        with self.lock:
            return len(self.lines)

    def all(self, pred=lambda l: True, start=0):
        with self.lock:
            return [(t, l) for t, l in self.lines[start:] if pred(l)]

    def wait(self, pred, timeout=5.0, start=0, what=None):
        """(t, line) of the first line from index start on that satisfies
        pred (a callable, or a substring); fails after timeout seconds."""
        if isinstance(pred, str):
            needle = pred
            pred = lambda l: needle in l  # noqa: E731
        got = lib.wait_for(lambda: (self.all(pred, start) or [None])[0], timeout, 0.005)
        if not got:
            lib.fail("no log line %safter %.1fs\n%s" % (
                "(%s) " % what if what else "", timeout, lib.logs(self.p)))
        return got

    def text(self, start=0):
        return "\n".join(l for _, l in self.all(start=start))


def log_tail(p):
    """The LogTail of proxy p (started on first use)."""
    if getattr(p, "logtail", None) is None:
        p.logtail = LogTail(p)
    return p.logtail


def health_proxy(body, nbthread, defaults=""):
    """tls.proxy() with health messages logged raw on stdout; returns the
    process, its LogTail already running."""
    p = proxy(body, nbthread, glob=HEALTH_GLOBAL,
              defaults=HEALTH_DEFAULTS + ("\n" + defaults if defaults else ""))
    log_tail(p)
    return p


class HealthServer:
    """A check target on a fixed 127.0.0.1 port whose behaviour is the
    attribute .mode, read at each accepted connection (set_mode() changes
    it; "refuse" closes the listener, leaving it re-binds the same port):

      refuse  nothing listens: connect() is refused (L4CON)
      close   accept, then close the write side at once (FIN, no reply)
              and drain until the peer closes
      hang    accept, read and drop everything, never answer
      http    read a request head, answer "HTTP/1.1 <status> <reason>"
              (.status, .reason), close
      agent   send .agent (e.g. b"down\\n"), close
      redis   answer "+PONG\\r\\n" to each "PING" line, "+OK" to QUIT
      tls     a TLS handshake with the certificate of <name> (or .cert),
              then close
      https   a TLS handshake, then as http
      serve   the traffic mode: wait for the client's first bytes; a
              connection that closes before sending any is a check, one
              that sends is a session: recorded in .sessions as
              (accept time, first bytes), answered "<name>\\n", closed
              when the peer closes (so only checks that send nothing, the
              plain TCP connect, can target a "serve" port)

    .checks counts connections accepted in every mode but "serve"'s
    sessions; .requests keeps the first bytes of each http/redis check.
    HAProxy's plain TCP check never completes the handshake (it resets the
    connection before its final ACK), so such checks are never accepted
    nor counted: count the checks of an HTTP "sentinel" instead."""

    def __init__(self, name, mode="serve", status=200, reason="OK", agent=b"up\n",
                 cert=None):
        self.name, self.mode = name, mode
        self.status, self.reason, self.agent, self.cert = status, reason, agent, cert
        self.sessions, self.requests, self.errors = [], [], []
        self.checks = 0
        self.lock = threading.Lock()
        self._ls = None
        self._closing = False
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((lib.LOOPBACK, 0))
        self.port = s.getsockname()[1]
        if mode in ("tls", "https"):
            certs().leaf(cert or name)  # made now, not within a check's timeout
        if mode == "refuse":
            s.close()
        else:
            self._listen(s)

    # -- listener

    def _listen(self, s=None):
        if s is None:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            # the port was ours a moment ago; an outgoing connection may
            # hold it as its local port for a short while
            if not lib.wait_for(lambda: _try_bind(s, self.port), 3.0):
                lib.fail("cannot bind 127.0.0.1:%d again" % self.port)
        s.listen(128)
        self._ls = s
        threading.Thread(target=self._accept, args=(s,), daemon=True).start()

    def _accept(self, ls):
        while True:
            try:
                c, _ = ls.accept()
            except OSError:
                if ls is self._ls:
                    continue  # ECONNABORTED and the like: keep serving
                return
            t = time.monotonic()
            threading.Thread(target=self._one, args=(c, t, self.mode), daemon=True).start()

    def set_mode(self, mode):
        """Switches behaviour; from or to "refuse" the listener is closed
        or opened again on the same port."""
        if mode == "refuse" and self._ls is not None:
            ls, self._ls = self._ls, None
            with contextlib.suppress(OSError):
                ls.shutdown(socket.SHUT_RDWR)
            ls.close()
        elif mode != "refuse" and self._ls is None and not self._closing:
            self._listen()
        self.mode = mode

    def close(self):
        self._closing = True
        self.set_mode("refuse")

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()

    # -- connections

    def _one(self, c, t, mode):
        try:
            c.settimeout(30)
            if mode == "serve":
                try:
                    d = c.recv(4096)
                except OSError:
                    d = b""
                if not d:
                    with self.lock:
                        self.checks += 1
                    return
                with self.lock:
                    self.sessions.append((t, d))
                c.sendall(("%s\n" % self.name).encode())
                while c.recv(4096):
                    pass
                return
            with self.lock:
                self.checks += 1
            if mode == "close":
                # FIN first, then drain: closing with unread bytes would
                # send a RST instead, depending on timing
                c.shutdown(socket.SHUT_WR)
                while c.recv(4096):
                    pass
                return
            if mode == "hang":
                while c.recv(4096) and not self._closing:
                    pass
            elif mode == "http":
                self._http(c)
            elif mode == "agent":
                c.sendall(self.agent)
            elif mode == "redis":
                f = c.makefile("rb")
                for l in f:
                    self.requests.append(l)
                    if l.strip().upper() == b"PING":
                        c.sendall(b"+PONG\r\n")
                    elif l.strip().upper() == b"QUIT":
                        c.sendall(b"+OK\r\n")
                        break
                    else:
                        c.sendall(b"-ERR unknown command\r\n")
            elif mode in ("tls", "https"):
                crt, key = certs().leaf(self.cert or self.name)
                ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
                ctx.load_cert_chain(crt, key)
                s = ctx.wrap_socket(c, server_side=True)
                if mode == "https":
                    self._http(s)
                with contextlib.suppress(OSError, ssl.SSLError):
                    s.unwrap()
        except (OSError, ssl.SSLError, ValueError) as e:
            self.errors.append(repr(e))
        finally:
            c.close()

    def _http(self, c):
        buf = bytearray()
        while b"\r\n\r\n" not in buf:
            d = c.recv(4096)
            if not d:
                break
            buf += d
        self.requests.append(bytes(buf))
        c.sendall(("HTTP/1.1 %d %s\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                   % (self.status, self.reason)).encode())

    def sessions_since(self, t0):
        with self.lock:
            return [t for t, _ in self.sessions if t >= t0]


def _try_bind(s, port):
    try:
        s.bind((lib.LOOPBACK, port))
        return True
    except OSError:
        return False


class Traffic:
    """A client thread opening one session after another through the proxy
    on <port>: connect, send "x", read the server's name line, close.
    .log holds (time before connect, server name or None when the proxy
    closed or failed)."""

    def __init__(self, port, pause=0.0):
        self.port, self.pause = port, pause
        self.log = []
        self._stop = False
        self._t = threading.Thread(target=self._run, daemon=True)
        self._t.start()

    def _run(self):
        while not self._stop:
            t = time.monotonic()
            name = None
            try:
                with socket.create_connection((lib.LOOPBACK, self.port), timeout=5) as s:
                    s.sendall(b"x")
                    name = readline(s) or None
            except OSError:
                pass
            self.log.append((t, name))
            if self.pause:
                time.sleep(self.pause)

    def stop(self):
        self._stop = True
        self._t.join(10)

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.stop()

    def between(self, t0, t1=float("inf")):
        return [n for t, n in list(self.log) if t0 <= t < t1]


def one_session(port, timeout=5.0):
    """The name of the server that answers one session through the proxy
    (None when the proxy closes without an answer)."""
    try:
        with socket.create_connection((lib.LOOPBACK, port), timeout=timeout) as s:
            s.sendall(b"x")
            return readline(s) or None
    except OSError:
        return None


# inter 200ms, fall 2, rise 2: DOWN within fall x inter (+ one interval)
# of a failure, UP within rise x inter (+ one interval) of a recovery
INTER, FALL, RISE = 0.2, 2, 2
HEALTH_CHECK = "check inter 200ms fall 2 rise 2"


def expect_line(line, pattern, what="log line"):
    """Fails unless line is exactly pattern, where each "<D>" in pattern
    stands for a number (a check duration); returns those numbers."""
    rx = "^" + re.escape(pattern).replace(re.escape("<D>"), r"(\d+)") + "$"
    m = re.match(rx, line)
    if not m:
        lib.fail("%s:\n  got  %s\n  want %s" % (what, line, pattern))
    return [int(g) for g in m.groups()]
