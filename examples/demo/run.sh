#!/bin/sh
# The quickstart (make run): demo certificates, two demo TLS backends and
# sluice on examples/quickstart.cfg, all stopped together by Ctrl-C.
#
#   sh examples/demo/run.sh [<sluice binary>]      (default: build/sluice)
#
# Environment: QS_PORT (8443), QS_A_PORT (9443), QS_B_PORT (9444) pick the
# ports; DEMO_DIR (build/demo) is where the certificates go.
# `make run` installs what is missing and builds sluice before calling this.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
sluice=${1:-$root/build/sluice}
DEMO_DIR=${DEMO_DIR:-$root/build/demo}

for tool in python3 openssl; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "demo: $tool is missing: run 'make deps'" >&2
		exit 1
	fi
done
if [ ! -x "$sluice" ]; then
	echo "demo: $sluice is not built: run 'make'" >&2
	exit 1
fi

sh "$here/certs.sh" "$DEMO_DIR"
# check the configuration before anything starts listening
"$sluice" -c -f "$root/examples/quickstart.cfg" >/dev/null
exec python3 "$here/demo.py" --sluice "$sluice" --certs "$DEMO_DIR" \
    --config "$root/examples/quickstart.cfg"
