/* "show route" (beyond HAProxy): explains where a TLS passthrough
 * connection with a given SNI, ALPN and client address would go, by
 * running a frontend's rules on a synthetic ClientHello without side
 * effects (stats/route_sim.c). The output format is documented in
 * doc/runtime-api.md, "Beyond HAProxy: show route, show sni". */
#ifndef SLUICE_STATS_ROUTE_H
#define SLUICE_STATS_ROUTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "lib/util.h"

struct engine;

#define ROUTE_USAGE "Usage: show route <frontend> sni=<name> [alpn=<proto>[,<proto>...]] [src=<ip>[:<port>]]"

struct route_req {
	const char *fe;          /* frontend name (or #<id>) */
	const char *sni;         /* NULL: not given; "": a hello without SNI */
	const char *alpn;        /* comma-separated list, or NULL */
	bool has_src;
	struct sockaddr_storage src;
};

/* Parses the words after "show route" (w[0] is the frontend). 0, or -1
 * with *err set to a static message (without the usage line). */
int route_parse_args(char **w, int n, struct route_req *r, const char **err);

/* Writes a TLS 1.3-style ClientHello (one record) offering sni (omitted
 * when empty) and the comma-separated alpn list (omitted when NULL or
 * empty) into buf. Returns its length, 0 when it does not fit in cap or
 * a name is longer than 255 bytes. */
size_t route_hello_build(uint8_t *buf, size_t cap, const char *sni,
                         const char *alpn);

/* The explanation, one line per step, into out. -1 with *err (static
 * text) when the frontend is unknown or not a TCP frontend. Reads the
 * runtime state (server states, lb position) and changes nothing. */
int route_explain(struct engine *eng, const struct route_req *r,
                  struct sbuf *out, const char **err);

#endif
