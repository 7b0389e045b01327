/* Per-SNI counters of a passthrough frontend ("show sni", beyond
 * HAProxy): connections and bytes per server name the clients sent.
 *
 * One table per frontend, owned by struct frontend (engine.c creates and
 * frees it). Cost on the data path: one lookup under the table's mutex
 * per session, when it is routed (or ends without being routed), then
 * atomic additions when it ends; never anything per byte.
 *
 * Memory is bounded: at most SNI_STATS_MAX distinct names per frontend;
 * names seen after that are counted together under "(other)". Entries
 * are never freed while the engine runs (sessions keep a pointer to
 * theirs): "clear" zeroes counters but keeps names and the limit. */
#ifndef SLUICE_ENGINE_SNI_STATS_H
#define SLUICE_ENGINE_SNI_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct session;
struct sni_stats;
struct sni_ent;

#define SNI_STATS_MAX 1024

/* The rows that are not a name. */
enum sni_kind {
	SNI_NAME,      /* a ClientHello with this server_name */
	SNI_NONE,      /* a complete ClientHello without server_name */
	SNI_NO_HELLO,  /* no complete, valid ClientHello seen before routing
	                  (not TLS, malformed, or nothing arrived yet) */
	SNI_OTHER,     /* a name beyond SNI_STATS_MAX */
};

struct sni_stats *sni_stats_new(void);
void sni_stats_free(struct sni_stats *t);

/* The entry counting name (len bytes; compared and kept in lower case),
 * created if needed; SNI_OTHER's once the table is full. kind other than
 * SNI_NAME ignores name. Never NULL. Thread-safe. */
struct sni_ent *sni_stats_get(struct sni_stats *t, enum sni_kind kind,
                              const char *name, size_t len);
/* Counts one connection and its bytes. Thread-safe, lock-free. */
void sni_stats_add(struct sni_ent *e, uint64_t bytes_in, uint64_t bytes_out);

/* Session hooks (engine/session.c). route: once the session is routed,
 * while its ClientHello is still known (it is parsed here if the rules
 * did not): finds its entry. end: at session end, counts the session
 * with its bytes (finding the entry first if route was not called). */
void sni_stats_route(struct session *s);
void sni_stats_end(struct session *s);

/* A copy of the counters, for "show sni". name is NUL-terminated (not
 * escaped: names are the bytes the client sent, lower-cased). */
struct sni_row {
	enum sni_kind kind;
	char name[256];
	uint64_t conns, bytes_in, bytes_out;
};
/* Fills *rows (malloc'd, caller frees) with every entry that counted
 * something, names first by connections (most first) then name, then
 * the rows of other kinds; returns their number. */
size_t sni_stats_snapshot(struct sni_stats *t, struct sni_row **rows);
/* Number of distinct names kept (at most SNI_STATS_MAX). */
size_t sni_stats_names(struct sni_stats *t);
/* Zeroes every counter. */
void sni_stats_clear(struct sni_stats *t);

/* "(no-sni)", "(no-hello)", "(other)", or NULL for SNI_NAME. */
const char *sni_kind_label(enum sni_kind k);

#endif
