#!/usr/bin/env python3
"""Two sluice nodes sharing a virtual IP with keepalived (doc/scale-out.md,
examples/keepalived/): the configurations are the shipped examples with
this lab's addresses, the VRRP health script is the shipped
check-sluice. The virtual IP sits on node 1; when node 1's sluice stops,
its script fails, the IP moves to node 2 and clients keep being served.

The lab is private network namespaces made by the test: a bridge
namespace and three hosts (node 1, node 2, a client) on veth pairs, with
127.77.x.0/24 addresses (route_localnet) so nothing can leave the
machine. It needs root, `ip` (iproute2) with netns support, keepalived
and socat; without them the test is skipped and says which is missing."""

import contextlib
import os
import shutil
import socket
import subprocess
import time

import lib

EX = os.path.join(lib.ROOT, "examples", "keepalived")
PORT = 8443


def sh(*argv, check=True):
    r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=20)
    if check and r.returncode != 0:
        lib.fail("%s: exit %d: %s" % (" ".join(argv), r.returncode, r.stdout.decode(errors="replace")))
    return r


def ns_exec(ns, *argv, check=True):
    return sh("ip", "netns", "exec", ns, *argv, check=check)


def can_run():
    if os.geteuid() != 0:
        return "needs root to create network namespaces"
    for t in ("ip", "keepalived", "socat"):
        if shutil.which(t) is None:
            return "needs %s" % t
    name = "sltprobe%d" % os.getpid()
    r = subprocess.run(["ip", "netns", "add", name], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT)
    if r.returncode != 0:
        return "cannot create a network namespace here: %s" % r.stdout.decode(errors="replace").strip()
    subprocess.run(["ip", "netns", "del", name])
    return None


class Lab:
    """Namespaces <p>-sw (bridge), <p>-n1, <p>-n2, <p>-cl."""

    def __init__(self, stack):
        self.p = "slk%d" % (os.getpid() % 100000)
        self.net = "127.77.%d" % (os.getpid() % 250 + 1)
        self.hosts = {"n1": 11, "n2": 12, "cl": 13}
        stack.callback(self.destroy)
        for n in ["sw"] + list(self.hosts):
            sh("ip", "netns", "add", self.ns(n))
            ns_exec(self.ns(n), "ip", "link", "set", "lo", "up")
        ns_exec(self.ns("sw"), "ip", "link", "add", "br0", "type", "bridge")
        ns_exec(self.ns("sw"), "ip", "link", "set", "br0", "up")
        for n, last in self.hosts.items():
            a, b = "%s%sa" % (self.p, n), "%s%sb" % (self.p, n)
            sh("ip", "link", "add", a, "type", "veth", "peer", "name", b)
            sh("ip", "link", "set", a, "netns", self.ns(n))
            sh("ip", "link", "set", b, "netns", self.ns("sw"))
            ns_exec(self.ns("sw"), "ip", "link", "set", b, "master", "br0", "up")
            ns_exec(self.ns(n), "ip", "link", "set", a, "name", "eth0")
            # 127/8 on a real interface: allowed only with route_localnet
            ns_exec(self.ns(n), "sysctl", "-qw", "net.ipv4.conf.all.route_localnet=1",
                    "net.ipv4.conf.eth0.route_localnet=1")
            ns_exec(self.ns(n), "ip", "addr", "add", "%s.%d/24" % (self.net, last), "dev", "eth0")
            ns_exec(self.ns(n), "ip", "link", "set", "eth0", "up")
        self.vip = "%s.100" % self.net

    def ns(self, n):
        return "%s-%s" % (self.p, n)

    def destroy(self):
        for n in ["cl", "n1", "n2", "sw"]:
            subprocess.run(["ip", "netns", "pids", self.ns(n)], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
            subprocess.run(["ip", "netns", "del", self.ns(n)], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)

    def holder(self):
        """The node whose eth0 has the virtual IP, or None."""
        for n in ("n1", "n2"):
            out = ns_exec(self.ns(n), "ip", "-4", "addr", "show", "dev", "eth0").stdout.decode()
            if " %s/" % self.vip in out:
                return n
        return None


def backend(stack, lab, node, d):
    """A server in node's namespace on 127.0.0.1:9443 that says its node's
    name and closes."""
    script = os.path.join(d, "backend.py")
    lib.write(script, "import socket\n"
                      "s = socket.socket()\n"
                      "s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
                      "s.bind(('127.0.0.1', 9443))\n"
                      "s.listen(64)\n"
                      "while True:\n"
                      "    c, _ = s.accept()\n"
                      "    try:\n"
                      "        c.sendall(b'%s\\n')\n"
                      "    except OSError:\n"
                      "        pass  # health checks reset their connections\n"
                      "    c.close()\n" % node)
    p = subprocess.Popen(["ip", "netns", "exec", lab.ns(node), "python3", script],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    stack.callback(lambda: (p.kill(), p.wait()))


def node_config(d, node):
    """The shipped sluice.cfg with this node's stats socket path and one
    server: the node's own backend."""
    with open(os.path.join(EX, "sluice.cfg")) as f:
        text = f.read()
    sock = os.path.join(d, "%s.sock" % node)
    text = text.replace("/run/sluice/admin.sock", sock)
    text = text.replace("/run/sluice/expose.sock", os.path.join(d, "%s-x.sock" % node))
    text = text.replace("log stdout format raw local0 info", "")
    # within this machine's fd limit
    text = text.replace("maxconn 20000", "maxconn 1000")
    # the lab's backends: port 9443 in each namespace
    text = text.replace("    server a2 127.0.0.1:9444 check\n", "")
    return lib.config(text, name="%s.cfg" % node, directory=d), sock


def keepalived_config(lab, d, n):
    with open(os.path.join(EX, "keepalived-node%d.conf" % n)) as f:
        text = f.read()
    sock = os.path.join(d, "n%d.sock" % n)
    text = text.replace("/etc/keepalived/check-sluice", os.path.join(EX, "check-sluice"))
    text = text.replace("/run/sluice/admin.sock", sock)
    # a 127/8 virtual IP: host scope, one address
    text = text.replace("192.0.2.100/24 dev eth0", "%s/32 dev eth0 scope host" % lab.vip)
    text = text.replace("192.0.2.", lab.net + ".")
    path = os.path.join(d, "keepalived-n%d.conf" % n)
    lib.write(path, text)
    return path


def start_keepalived(stack, lab, d, n):
    conf = keepalived_config(lab, d, n)
    log = open(os.path.join(d, "keepalived-n%d.log" % n), "wb")
    p = subprocess.Popen(["ip", "netns", "exec", lab.ns("n%d" % n), "keepalived", "-n", "-l",
                          "--vrrp", "-f", conf, "-p", os.path.join(d, "ka%d.pid" % n),
                          "-r", os.path.join(d, "vrrp%d.pid" % n)],
                         stdout=log, stderr=subprocess.STDOUT)

    def stop():
        p.terminate()
        try:
            p.wait(5)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
        log.close()
    stack.callback(stop)
    return p


def ask(lab):
    """Connects from the client namespace to the virtual IP and sends a
    ClientHello for a.example.org (the frontend routes on it); the name of
    the node that answered, or None."""
    r = ns_exec(lab.ns("cl"), "python3", "-c",
                "import socket, ssl\n"
                "ctx = ssl.create_default_context()\n"
                "inb, outb = ssl.MemoryBIO(), ssl.MemoryBIO()\n"
                "o = ctx.wrap_bio(inb, outb, server_hostname='a.example.org')\n"
                "try:\n"
                "    o.do_handshake()\n"
                "except ssl.SSLWantReadError:\n"
                "    pass\n"
                "try:\n"
                "    s = socket.create_connection(('%s', %d), timeout=1)\n"
                "    s.settimeout(1)\n"
                "    s.sendall(outb.read())\n"
                "    print(s.recv(10).decode().strip())\n"
                "except OSError:\n"
                "    print('')\n" % (lab.vip, PORT), check=False)
    return r.stdout.decode().strip() or None


def server_up(sock):
    for line in lib.cli(sock, "show stat").split("\n"):
        f = line.split(",")
        if f[:2] == ["app_a", "a1"]:
            return f[17] == "UP"
    return False


@lib.test
def virtual_ip_moves_when_a_node_stops():
    why = can_run()
    if why:
        lib.skip(why)
    with contextlib.ExitStack() as st:
        lab = Lab(st)
        d = lib.tmpdir()
        os.chmod(d, 0o755)
        nodes = {}
        for n in ("n1", "n2"):
            backend(st, lab, n, d)
            cfg, sock = node_config(d, n)
            nodes[n] = lib.start(cfg, prefix=["ip", "netns", "exec", lab.ns(n)])
            if not lib.wait_unix(sock):
                lib.fail("%s: no stats socket\n%s" % (n, lib.logs(nodes[n])))
            lib.ok(lib.wait_for(lambda: server_up(sock), 15),
                   "%s: its server is up\n%s" % (n, lib.logs(nodes[n])))
        for n in (1, 2):
            start_keepalived(st, lab, d, n)
        lib.ok(lib.wait_for(lambda: lab.holder() == "n1", 15),
               "node 1 takes the virtual IP (holder: %s)" % lab.holder())
        lib.ok(lib.wait_for(lambda: ask(lab) == "n1", 10), "clients reach node 1 through the VIP")
        lib.eq([ask(lab) for _ in range(5)], ["n1"] * 5, "node 1 serves")

        t0 = time.monotonic()
        lib.stop(nodes["n1"])
        lib.ok(lib.wait_for(lambda: lab.holder() == "n2", 20),
               "the virtual IP moves to node 2 (holder: %s)" % lab.holder())
        lib.ok(lib.wait_for(lambda: ask(lab) == "n2", 10), "clients reach node 2")
        took = time.monotonic() - t0
        lib.eq([ask(lab) for _ in range(10)], ["n2"] * 10, "node 2 serves every new connection")
        print("    failover took %.1f s" % took)


if __name__ == "__main__":
    lib.main()
