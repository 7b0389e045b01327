#!/bin/sh
# Builds packaging/rpm/sluice.spec with rpmbuild from a tarball of the
# tree and checks the package's file list. Not part of make check (CI is
# Debian): on Debian, `apt-get install rpm` and run it by hand; the
# systemd scriptlet macros, which only Fedora/RHEL define, are stubbed.
#
#   sh tests/pkg/rpm.sh
set -eu
cd "$(dirname "$0")/../.."
command -v rpmbuild >/dev/null 2>&1 || { echo "pkg: rpm: skipped (no rpmbuild)"; exit 0; }
V=$(cat VERSION)
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/SOURCES"
tar -cf - --exclude='./build*' --exclude=./.git --exclude='__pycache__' . |
	(mkdir "$T/sluice-$V" && cd "$T/sluice-$V" && tar -xf -)
(cd "$T" && tar -czf "SOURCES/sluice-$V.tar.gz" "sluice-$V")
set --
if ! rpm --eval '%{?_unitdir}' | grep -q .; then
	set -- --nodeps --define '_unitdir /usr/lib/systemd/system' \
	    --define 'systemd_post() :' --define 'systemd_preun() :' \
	    --define 'systemd_postun_with_restart() :' --define 'build_ldflags %{nil}' \
	    --define 'debug_package %{nil}'
fi
rpmbuild -bb --define "_topdir $T" "$@" packaging/rpm/sluice.spec >"$T/log" 2>&1 ||
	{ tail -30 "$T/log"; echo "0 passed, 1 failed"; exit 1; }
list=$(rpm -qlp "$T"/RPMS/*/sluice-"$V"-*.rpm)
fail=0
for f in /usr/sbin/sluice /etc/sluice/sluice.cfg /usr/share/man/man8/sluice.8 \
         /usr/share/man/man5/sluice.cfg.5 /usr/lib/systemd/system/sluice.service \
         /usr/share/sluice/examples/quickstart.cfg /var/lib/sluice; do
	printf '%s\n' "$list" | grep -q "^$f" || { echo "pkg: rpm: $f missing"; fail=1; }
done
rpm -qp --configfiles "$T"/RPMS/*/sluice-"$V"-*.rpm | grep -q '^/etc/sluice/sluice.cfg$' ||
	{ echo "pkg: rpm: sluice.cfg is not a config file"; fail=1; }
if [ $fail -eq 0 ]; then echo "pkg: rpm: ok"; echo "1 passed, 0 failed"; else echo "0 passed, 1 failed"; fi
exit $fail
