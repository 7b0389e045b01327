#!/bin/sh
# make check-pkg: builds the Debian package (make deb), checks it with
# lintian at the error level, installs it with dpkg -i, checks the
# installed configuration with the installed binary, runs sluice in the
# foreground on the packaged configuration (as the packaged user, in the
# packaged chroot) until its stats socket answers and for a few seconds
# more, then purges the package and checks that nothing is left.
# Needs root and dpkg; no systemd as PID 1. Prints "N passed, N failed".
#
#   sh tests/pkg/deb.sh [build-dir]
set -u
B=${1:-build}
cd "$(dirname "$0")/../.."
pass=0
fail=0
ok() { pass=$((pass + 1)); echo "pkg: deb/$1: ok"; }
ko() { fail=$((fail + 1)); echo "pkg: deb/$1: FAIL"; shift; for l in "$@"; do echo "    $l"; done; }
finish() {
	echo "$pass passed, $fail failed"
	[ "$fail" -eq 0 ]
	exit $?
}

if [ "$(id -u)" -ne 0 ] || ! command -v dpkg-buildpackage >/dev/null 2>&1; then
	echo "pkg: deb: skipped (needs root and dpkg-buildpackage: make deps)"
	finish
fi
if dpkg -s sluice >/dev/null 2>&1; then
	echo "pkg: deb: a sluice package is already installed; purging it first"
	dpkg --purge sluice >/dev/null
fi

log=$(mktemp)
trap 'rm -f "$log"; [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null' EXIT

# 1. build
if make --no-print-directory deb B="$B" >"$log" 2>&1; then
	ok build
else
	ko build "$(tail -30 "$log")"
	finish
fi
deb=$(ls "$B"/deb/sluice_*.deb | head -1)

# 2. lintian, errors only
if command -v lintian >/dev/null 2>&1; then
	if lintian --fail-on error "$deb" >"$log" 2>&1; then ok lintian; else ko lintian "$(cat "$log")"; fi
else
	ko lintian "lintian is missing: make deps installs it"
fi

# 3. install
if dpkg -i "$deb" >"$log" 2>&1; then ok install; else ko install "$(cat "$log")"; finish; fi
if getent passwd sluice >/dev/null; then ok user; else ko user "no sluice user after install"; fi
if dpkg-query -W -f='${Conffiles}\n' sluice | grep -q '^ */etc/sluice/sluice.cfg '; then
	ok conffile
else
	ko conffile "$(dpkg-query -W -f='${Conffiles}\n' sluice)"
fi
for f in /usr/sbin/sluice /lib/systemd/system/sluice.service /etc/logrotate.d/sluice \
         /usr/share/man/man8/sluice.8.gz /usr/share/man/man5/sluice.cfg.5.gz \
         /usr/share/sluice/examples/quickstart.cfg; do
	[ -e "$f" ] || missing="${missing:-} $f"
done
if [ -z "${missing:-}" ]; then ok files; else ko files "missing:$missing"; fi
if grep -q '^[[:space:]]*user sluice' /etc/sluice/sluice.cfg; then ok runs-as-sluice; else ko runs-as-sluice "$(cat /etc/sluice/sluice.cfg)"; fi

# 4. the installed binary checks the installed configuration
if /usr/sbin/sluice -c -f /etc/sluice/sluice.cfg >"$log" 2>&1 && grep -q 'Configuration file is valid' "$log"; then
	ok check-config
else
	ko check-config "$(cat "$log")"
fi

# 5. runs in the foreground on it: the stats socket answers, the process
# stays up, it dropped to the sluice user, and SIGTERM stops it
mkdir -p /run/sluice   # systemd's RuntimeDirectory (tmpfiles.d also makes it)
rm -f /run/sluice/admin.sock
/usr/sbin/sluice -db -f /etc/sluice/sluice.cfg >"$log" 2>&1 &
pid=$!
answer=
i=0
while [ $i -lt 100 ]; do   # poll up to 10 s
	if [ -S /run/sluice/admin.sock ]; then
		answer=$(python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(5)
s.connect("/run/sluice/admin.sock")
s.sendall(b"show info\n")
data = b""
while True:
    d = s.recv(65536)
    if not d:
        break
    data += d
sys.stdout.write(data.decode())
' 2>/dev/null)
		[ -n "$answer" ] && break
	fi
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
	i=$((i + 1))
done
if printf '%s\n' "$answer" | grep -q '^Name: sluice'; then ok stats-socket; else ko stats-socket "no answer from /run/sluice/admin.sock" "$(cat "$log")"; fi
uid=$(awk '/^Uid:/ {print $2}' "/proc/$pid/status" 2>/dev/null)
if [ -n "$uid" ] && [ "$uid" = "$(id -u sluice)" ]; then ok privileges-dropped; else ko privileges-dropped "uid '$uid'"; fi
# a few seconds of running: still there
i=0
while [ $i -lt 30 ] && kill -0 "$pid" 2>/dev/null; do sleep 0.1; i=$((i + 1)); done
if kill -0 "$pid" 2>/dev/null; then ok stays-up; else ko stays-up "exited early" "$(cat "$log")"; fi
kill -TERM "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
pid=
ok stopped

# 6. purge leaves nothing behind
if dpkg --purge sluice >"$log" 2>&1; then ok purge; else ko purge "$(cat "$log")"; fi
left=
for f in /usr/sbin/sluice /etc/sluice /var/lib/sluice /run/sluice /usr/share/sluice \
         /usr/share/doc/sluice /lib/systemd/system/sluice.service /etc/logrotate.d/sluice \
         /etc/rsyslog.d/49-sluice.conf /etc/default/sluice /usr/lib/tmpfiles.d/sluice.conf \
         /usr/share/man/man8/sluice.8.gz /usr/share/man/man5/sluice.cfg.5.gz \
         /etc/systemd/system/multi-user.target.wants/sluice.service \
         /var/lib/systemd/deb-systemd-helper-enabled/sluice.service.dsh-also \
         /var/lib/systemd/deb-systemd-helper-enabled/multi-user.target.wants/sluice.service; do
	[ -e "$f" ] && left="$left $f"
done
if dpkg -s sluice >/dev/null 2>&1; then left="$left (dpkg still knows sluice)"; fi
if [ -z "$left" ]; then ok nothing-left; else ko nothing-left "left:$left"; fi
finish
