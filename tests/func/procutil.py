"""Helpers for the process-model tests (tests/func/test_proc_*.py):
processes started without lib.start()'s -db, daemons found through
their pidfile, child processes, and traffic generators that count what a
reload must never cause (refused or reset connections, lost bytes)."""

import atexit
import os
import re
import signal
import socket
import subprocess
import threading

import lib

_pids = []


def track(pid):
    """Kills pid (SIGKILL) when the script ends, if still alive."""
    _pids.append(pid)


def _cleanup():
    for pid in _pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass


atexit.register(_cleanup)


def spawn(args, env=None):
    """Starts the binary with args (no -db added); stdout/stderr go to
    files read by output(). Returns the Popen."""
    e = dict(os.environ)
    if env:
        e.update(env)
    d = lib.tmpdir()
    out = open(os.path.join(d, "stdout"), "wb")
    err = open(os.path.join(d, "stderr"), "wb")
    p = subprocess.Popen(lib.wrap_argv([lib.BIN] + list(args), d), env=e,
                         stdin=subprocess.DEVNULL,
                         stdout=out, stderr=err, start_new_session=True)
    p.logdir = d
    track(p.pid)
    return p


def output(p):
    """What p wrote on stderr so far."""
    with open(os.path.join(p.logdir, "stderr"), "rb") as f:
        return f.read().decode("utf-8", "replace")


def alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def wait_dead(pid, timeout=10.0):
    return lib.wait_for(lambda: not alive(pid), timeout) is not None


def children(pid):
    """Live child pids of pid."""
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                st = f.read().split(")")[-1].split()
        except OSError:
            continue
        if int(st[1]) == pid and st[0] != "Z":
            out.append(int(d))
    return sorted(out)


def status_field(pid, name):
    """A line of /proc/<pid>/status ("Uid", "Gid"...) as a list of words."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(name + ":"):
                return line.split()[1:]
    return None


def read_pid(path, timeout=10.0):
    """The pid in a pidfile once it exists."""
    def get():
        try:
            with open(path) as f:
                t = f.read()
            return int(t) if t.endswith("\n") else None
        except (OSError, ValueError):
            return None
    return lib.wait_for(get, timeout)


def tcp_config(port, backend_port, extra_global="", extra_fe=""):
    return """global
%s
defaults
    mode tcp
    timeout client 30s
    timeout server 30s
    timeout connect 2s
frontend fe
    bind 127.0.0.1:%d
%s
    default_backend be
backend be
    server s1 127.0.0.1:%d
""" % (extra_global, port, extra_fe, backend_port)


def echo_once(port, data=b"ping\n", timeout=5.0):
    """Connects, sends data, reads it back from the echo backend."""
    with socket.create_connection((lib.LOOPBACK, port), timeout=timeout) as s:
        s.sendall(data)
        got = b""
        while len(got) < len(data):
            d = s.recv(65536)
            if not d:
                break
            got += d
        return got


class ClientLoop:
    """Opens, uses and closes connections through port in a loop; counts
    failures (refused, reset, short echo)."""

    def __init__(self, port):
        self.port, self.ok, self.errors = port, 0, []
        self.stopping = False
        self.t = threading.Thread(target=self.run, daemon=True)
        self.t.start()

    def run(self):
        while not self.stopping:
            try:
                if echo_once(self.port) == b"ping\n":
                    self.ok += 1
                else:
                    self.errors.append("short echo")
            except OSError as e:
                self.errors.append(repr(e))

    def stop(self):
        self.stopping = True
        self.t.join(10)


class Tunnel:
    """A long-lived connection through port with data flowing both ways:
    a thread sends numbered chunks, another checks they come back."""

    def __init__(self, port):
        self.s = socket.create_connection((lib.LOOPBACK, port), timeout=10)
        self.s.settimeout(None)  # idle for a while is normal for a tunnel
        self.sent = self.recvd = 0
        self.error = None
        self.stopping = False
        self.buf = b""
        self.tr = threading.Thread(target=self.reader, daemon=True)
        self.tr.start()

    def pump(self, n=1):
        """Sends n chunks and waits until they are echoed."""
        for _ in range(n):
            chunk = ("%08d" % self.sent).encode() * 128
            self.s.sendall(chunk)
            self.sent += len(chunk)
        return lib.wait_for(lambda: self.recvd >= self.sent or self.error, 10) and not self.error

    def reader(self):
        try:
            while not self.stopping:
                d = self.s.recv(65536)
                if not d:
                    if not self.stopping:
                        self.error = "closed by peer"
                    return
                self.recvd += len(d)
        except OSError as e:
            if not self.stopping:
                self.error = repr(e)

    def closed_by_peer(self, timeout=5.0):
        return lib.wait_for(lambda: self.error is not None, timeout) is not None

    def close(self):
        self.stopping = True
        try:
            # shutdown() first: a close() alone waits for the reader's recv()
            self.s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        try:
            self.s.close()
        except OSError:
            pass


def wait_log(p, text, timeout=10.0):
    return lib.wait_for(lambda: text in output(p), timeout) is not None


# ---- server states and the master CLI (test_proc_state*.py) ----

HEADER = ("# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight "
          "srv_iweight srv_time_since_last_change srv_check_status srv_check_result "
          "srv_check_health srv_check_state srv_agent_state bk_f_forced_id srv_f_forced_id "
          "srv_fqdn srv_port srvrecord srv_use_ssl srv_check_port srv_check_addr "
          "srv_agent_addr srv_agent_port")


def line(be, sid, name, port, op=2, admin=0, uw=1, iw=1, addr="127.0.0.1"):
    return "3 %s %d %s %s %d %d %d %d 17 1 0 0 0 0 0 0 - %d - 0 0 - - 0" % (
        be, sid, name, addr, op, admin, uw, iw, port)


def state_config(port, sock, ports, glob="", be_extra="", s1_extra=""):
    return """global
    stats socket %s level admin
%s
defaults
    mode tcp
    timeout client 30s
    timeout server 30s
    timeout connect 2s
frontend fe
    bind 127.0.0.1:%d
    default_backend be
backend be
%s
    server s1 127.0.0.1:%d%s
    server s2 127.0.0.1:%d weight 10
    server s3 127.0.0.1:%d
    server s4 127.0.0.1:%d
""" % (sock, glob, port, be_extra, ports[0], s1_extra, ports[1], ports[2], ports[3])


def stat(sock):
    """{server: (status, weight, addr)} from show stat."""
    out = lib.cli(sock, "show stat")
    rows = [r.split(",") for r in out.split("\n") if r and not r.startswith("#")]
    return {r[1]: (r[17], r[18], r[73]) for r in rows if r[0] == "be" and r[1] != "BACKEND"}


def start_master(text, d, args):
    """A master (args: -W...) in the foreground on config text in d."""
    cfg = lib.config(text, directory=d)
    p = spawn(list(args) + ["-db", "-f", cfg])
    return p, cfg


def reload(m, pred, tries=3):
    """SIGUSR2 until pred(): HAProxy's master may miss a signal sent
    right after its startup."""
    for _ in range(tries):
        m.send_signal(signal.SIGUSR2)
        if lib.wait_for(pred, 4):
            return True
    return False


def worker_is_new(sock, old):
    """The worker's stats socket answers from a process other than old."""
    def get():
        try:
            out = lib.cli(sock, "show info")
        except OSError:
            return None
        m = re.search(r"^Pid: (\d+)", out, re.M)
        return int(m.group(1)) if m and int(m.group(1)) not in old else None
    return lib.wait_for(get, 10)


def worker_pid(sock):
    m = re.search(r"^Pid: (\d+)", lib.cli(sock, "show info"), re.M)
    return int(m.group(1))


def mcli(path, cmd):
    """One command line to the master CLI, answered at EOF (as socat);
    retried while HAProxy's master CLI refuses or resets connections
    right after start-up or a reload."""
    def once():
        try:
            with socket.socket(socket.AF_UNIX) as s:
                s.settimeout(10)
                s.connect(path)
                s.sendall(cmd.encode() + b"\n")
                s.shutdown(socket.SHUT_WR)
                data = b""
                while True:
                    c = s.recv(65536)
                    if not c:
                        return data.decode()
                    data += c
        except (ConnectionRefusedError, ConnectionResetError, FileNotFoundError):
            return None
    return lib.wait_for(once, 10)
