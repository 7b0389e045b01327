#!/bin/sh
# Makes the quickstart's demo certificates: a throw-away CA and one
# certificate per demo backend (CN and subjectAltName a.demo.test,
# b.demo.test), EC P-256, valid 30 days. Existing files are kept unless a
# certificate expires within a day.
#
#   sh examples/demo/certs.sh [<dir>]      (default: build/demo)
#
# Leaves <dir>/ca.crt, <dir>/{a,b}.demo.test.{crt,key}. The CA lets a client
# verify instead of using -k: curl --cacert <dir>/ca.crt ...
set -eu

dir=${1:-build/demo}
mkdir -p "$dir"
umask 077

# ossl ARGS...: runs openssl quietly; shows its messages only on failure.
ossl() {
	if ! out=$(openssl "$@" 2>&1); then
		printf '%s\n' "$out" >&2
		echo "demo: openssl $1 failed" >&2
		exit 1
	fi
}

fresh() {
	[ -s "$1" ] && openssl x509 -checkend 86400 -noout -in "$1" >/dev/null 2>&1
}

ca_new=0
if ! fresh "$dir/ca.crt" || [ ! -s "$dir/ca.key" ]; then
	ossl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$dir/ca.key" -out "$dir/ca.crt" -days 30 \
	    -subj "/CN=sluice demo CA" \
	    -addext "basicConstraints=critical,CA:TRUE" \
	    -addext "keyUsage=critical,keyCertSign,cRLSign"
	ca_new=1
fi

for name in a.demo.test b.demo.test; do
	crt=$dir/$name.crt key=$dir/$name.key
	if [ "$ca_new" = 0 ] && fresh "$crt" && [ -s "$key" ]; then
		continue
	fi
	# the extensions go through a file: "openssl x509 -copy_extensions"
	# only exists since OpenSSL 3.0
	printf 'subjectAltName=DNS:%s\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' \
	    "$name" >"$dir/$name.ext"
	ossl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -keyout "$key" -out "$dir/$name.csr" -subj "/CN=$name"
	ossl x509 -req -in "$dir/$name.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" \
	    -set_serial "0x$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')" -days 30 \
	    -extfile "$dir/$name.ext" -out "$crt"
	rm -f "$dir/$name.csr" "$dir/$name.ext"
	echo "demo: made $crt"
done
