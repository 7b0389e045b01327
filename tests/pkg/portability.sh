#!/bin/sh
# Portability is proven, not hoped (issue 8): an OS test (#if/#ifdef of
# __linux__, __FreeBSD__, __OpenBSD__) outside lib/compat* is an error;
# code uses feature macros (HAVE_SPLICE, HAVE_ACCEPT4...) set by the
# GNUmakefile and shims in lib/compat*. Prints each offending line as
# file:line: error: ... and exits 1 when there is one.
#
#   sh tests/pkg/portability.sh [source root]
set -u
cd "${1:-$(dirname "$0")/../..}" || exit 2
found=$(find lib parser proto engine health stats tests/unit tests/fuzz bench \
	    -type f \( -name '*.c' -o -name '*.h' -o -name '*.l' -o -name '*.y' \) \
	    ! -path 'lib/compat*' 2>/dev/null | sort |
	xargs grep -nHE '^[[:space:]]*#[[:space:]]*(if|ifdef|ifndef|elif)\b.*\b__(linux|linux__|FreeBSD__|OpenBSD__)\b' 2>/dev/null)
if [ -n "$found" ]; then
	printf '%s\n' "$found" | sed 's/^\([^:]*:[0-9]*\):[[:space:]]*\(.*\)/\1: error: OS test outside lib\/compat* (use a feature macro or a lib\/compat shim): \2/'
	exit 1
fi
echo "portability: no OS test outside lib/compat*"
exit 0
