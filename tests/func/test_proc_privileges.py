#!/usr/bin/env python3
"""Privileges (reference §1.8): 'user'/'group' (and uid/gid) are dropped
after binding, with the supplementary groups; 'chroot' confines the
process and it still serves; in master-worker mode the worker drops
them; stats socket files get their configured owner and mode before the
drop. Runs as root (skipped otherwise: nothing to drop)."""
import os
import pwd
import socket
import stat

import lib
import procutil as pu


def ids():
    try:
        pw = pwd.getpwnam("nobody")
        return pw.pw_uid, pw.pw_gid
    except KeyError:
        return None


def skip_unless_root():
    if os.geteuid() != 0 or ids() is None:
        print("    (not root or no 'nobody' user: nothing to drop)")
        return True
    return False


def expect_ids(pid, uid, gid):
    lib.eq(pu.status_field(pid, "Uid"), [str(uid)] * 4, "real/effective/saved/fs uid")
    lib.eq(pu.status_field(pid, "Gid"), [str(gid)] * 4, "real/effective/saved/fs gid")
    lib.eq(pu.status_field(pid, "Groups"), [], "supplementary groups")


@lib.test
def user_and_group_dropped_after_binding():
    if skip_unless_root():
        return
    uid, gid = ids()
    with lib.tcp_echo() as echo:
        port = lib.free_port()
        cfg = lib.config(pu.tcp_config(port, echo.port, "    uid %d\n    gid %d" % (uid, gid)))
        p = lib.start(cfg, ready_ports=[port])
        # the socket listens before the drop; a process that serves has
        # dropped
        lib.eq(pu.echo_once(port), b"ping\n", "serves after the drop")
        expect_ids(p.pid, uid, gid)
        lib.stop(p)


@lib.test
def user_by_name():
    if skip_unless_root():
        return
    uid, gid = ids()
    with lib.tcp_echo() as echo:
        port = lib.free_port()
        cfg = lib.config(pu.tcp_config(port, echo.port, "    user nobody"))
        p = lib.start(cfg, ready_ports=[port])
        lib.eq(pu.echo_once(port), b"ping\n", "serves after the drop")
        lib.eq(pu.status_field(p.pid, "Uid"), [str(uid)] * 4, "uid")
        lib.stop(p)


@lib.test
def chrooted_process_still_serves():
    if skip_unless_root():
        return
    uid, gid = ids()
    jail = lib.tmpdir()
    with lib.tcp_echo() as echo:
        port = lib.free_port()
        cfg = lib.config(pu.tcp_config(port, echo.port, "    chroot %s\n    uid %d\n    gid %d" % (jail, uid, gid)))
        p = lib.start(cfg, ready_ports=[port])
        for _ in range(3):
            lib.eq(pu.echo_once(port), b"ping\n", "serves from the chroot")
        lib.eq(os.readlink("/proc/%d/root" % p.pid), jail, "root directory of the process")
        lib.eq(pu.status_field(p.pid, "Uid"), [str(uid)] * 4, "uid")
        lib.stop(p)


@lib.test
def master_worker_worker_drops_master_keeps():
    if skip_unless_root():
        return
    uid, gid = ids()
    with lib.tcp_echo() as echo:
        port = lib.free_port()
        d = lib.tmpdir()
        cfg = lib.config(pu.tcp_config(port, echo.port, "    uid %d\n    gid %d" % (uid, gid)), directory=d)
        m = pu.spawn(["-W", "-db", "-f", cfg])
        lib.ok(lib.wait_port(port, proc=m), "listening:\n" + pu.output(m))
        ws = lib.wait_for(lambda: pu.children(m.pid))
        lib.ok(ws, "a worker")
        lib.eq(pu.echo_once(port), b"ping\n", "the worker serves")
        expect_ids(ws[0], uid, gid)
        lib.eq(pu.status_field(m.pid, "Uid")[0], "0", "the master stays root")
        m.terminate()
        m.wait(10)


@lib.test
def stats_socket_owner_and_mode_set_before_the_drop():
    if skip_unless_root():
        return
    uid, gid = ids()
    with lib.tcp_echo() as echo:
        port = lib.free_port()
        d = lib.tmpdir()
        os.chmod(d, 0o755)
        sock = os.path.join(d, "admin.sock")
        cfg = lib.config(pu.tcp_config(
            port, echo.port,
            "    stats socket %s mode 640 user nobody level admin\n    uid %d\n    gid %d" % (sock, uid, gid)))
        p = lib.start(cfg, ready_ports=[port])
        if "stats socket is not served" in lib.logs(p):
            print("    (this build does not serve the stats socket yet)")
            lib.stop(p)
            return
        lib.ok(lib.wait_unix(sock), "stats socket answers")
        st = os.stat(sock)
        lib.eq(stat.S_IMODE(st.st_mode), 0o640, "mode")
        lib.eq(st.st_uid, uid, "owner")
        with socket.socket(socket.AF_UNIX) as s:
            s.connect(sock)
            s.sendall(b"show info\n")
            data = b""
            while True:
                c = s.recv(65536)
                if not c:
                    break
                data += c
        lib.contains(data.decode(), "Pid: %d" % p.pid, "show info after the drop")
        lib.stop(p)


lib.main()
