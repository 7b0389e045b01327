#!/bin/sh
# Installs what building and testing sluice needs, with the platform's
# package manager. Does nothing when everything is already there. Uses sudo
# only when not root.
#
#   sh .ci/deps.sh              install what is missing
#   sh .ci/deps.sh --dry-run    only print what would be installed
#   SLUICE_DEPS_NO_ORACLE=1     skip haproxy (only `make check-oracle` needs it)
set -eu

DRY=0
for a in "$@"; do
	case "$a" in
	--dry-run|-n) DRY=1 ;;
	*) echo "usage: sh .ci/deps.sh [--dry-run]" >&2; exit 2 ;;
	esac
done

SUDO=
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		SUDO=sudo
	elif command -v doas >/dev/null 2>&1; then
		SUDO=doas
	else
		echo "deps: not root and neither sudo nor doas is available" >&2
		exit 1
	fi
fi

ORACLE=haproxy
[ "${SLUICE_DEPS_NO_ORACLE:-0}" = 1 ] && ORACLE=

# run CMD...: runs (or, with --dry-run, prints) a privileged command.
run() {
	echo "deps: $*"
	[ "$DRY" = 1 ] && return 0
	$SUDO "$@"
}

os=$(uname -s)
missing=
case "$os" in
Linux)
	if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
		echo "deps: only Debian and Ubuntu (apt-get) are supported on Linux;" >&2
		echo "deps: install a C compiler, GNU make, pkg-config, flex, bison, libevent," >&2
		echo "deps: OpenSSL and Check headers, python3, openssl, curl, socat, clang, haproxy" >&2
		exit 1
	fi
	# libcrypt-dev: crypt_r for userlist password hashes (-lcrypt)
	for p in build-essential pkg-config flex bison libevent-dev libssl-dev libpcre2-dev libcrypt-dev check \
	         python3 openssl curl socat clang libclang-rt-dev \
	         mandoc dpkg-dev debhelper fakeroot lintian keepalived iproute2 valgrind strace $ORACLE; do
		st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
		case "$st" in
		*" installed") ;;
		*) missing="$missing $p" ;;
		esac
	done
	if [ -z "$missing" ]; then
		echo "deps: everything is installed"
		exit 0
	fi
	export DEBIAN_FRONTEND=noninteractive
	run apt-get update -q
	# shellcheck disable=SC2086
	run env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
	;;
FreeBSD)
	# cc (clang), openssl, mandoc and libcrypt come with the base system.
	for p in gmake pkgconf flex bison libevent pcre2 check python3 curl socat $ORACLE; do
		pkg info -e "$p" >/dev/null 2>&1 || missing="$missing $p"
	done
	if [ -z "$missing" ]; then
		echo "deps: everything is installed"
		exit 0
	fi
	# shellcheck disable=SC2086
	run env ASSUME_ALWAYS_YES=yes pkg install -y $missing
	;;
OpenBSD)
	# cc (clang), pkg-config, crypt(3) (in libc) and LibreSSL come with the base system; the
	# OpenSSL 3 package gives the API the build expects.
	for p in gmake flex bison libevent pcre2 check python curl socat openssl $ORACLE; do
		pkg_info -e "$p-*" >/dev/null 2>&1 || missing="$missing $p"
	done
	if [ -z "$missing" ]; then
		echo "deps: everything is installed"
		exit 0
	fi
	list=
	for p in $missing; do
		case "$p" in
		python) list="$list python%3" ;;
		openssl) list="$list openssl%3" ;;
		*) list="$list $p" ;;
		esac
	done
	# shellcheck disable=SC2086
	run pkg_add -I $list
	;;
*)
	echo "deps: unsupported system '$os' (Debian/Ubuntu, FreeBSD, OpenBSD)" >&2
	exit 1
	;;
esac
echo "deps: done"
