/* Load balancing: picks a server of a backend for a new session
 * (reference §1.9 "balance", "hash-type", "hash-balance-factor", §1.11
 * "weight", "backup"; HAProxy's lb_fwrr, lb_fwlc, lb_fas, lb_map, lb_chash).
 * Pure logic: no I/O, no event loop.
 *
 * One struct lb per backend, shared by every worker thread. All calls take
 * the backend's mutex, as HAProxy takes its per-backend lbprm lock; every
 * pick is O(log n) (roundrobin, leastconn), O(log points) (consistent
 * hashing, random) or O(1) (map-based hashing, static-rr), plus the servers
 * skipped because they are full, as in HAProxy. Rebuilding a map or a
 * consistent-hash ring after a state or weight change is O(size) under the
 * lock: changes are rare (health checks, the stats socket).
 *
 * Server selection, as HAProxy does it:
 * - A server is usable when it is UP, READY (not MAINT, not DRAIN) and its
 *   weight is not 0. Only usable servers get new sessions.
 * - Active (non-backup) usable servers are used if there is at least one.
 *   Otherwise the first usable backup in declaration order gets everything,
 *   or, with "option allbackups", the backups are balanced like actives.
 * - A server is full when it has a maxconn and either a queue or cur_sess
 *   at its (dynamic, minconn/fullconn) maxconn.
 * - Algorithms that choose freely (roundrobin, static-rr, leastconn, first,
 *   random, and the round-robin fallback of hashing) skip full servers.
 * - Deterministic choices (a hash of a key, the first backup) do not skip:
 *   when that server is full the session must wait for it. HAProxy queues
 *   it on the server; here lb_pick reports "full" and the engine queues it
 *   in the backend, and the retry hashes to the same server. (So a freed
 *   slot must wake the sessions waiting for that server, not only the
 *   backend queue's head; a per-server queue would do it.)
 * - avoid (redispatch) is soft: another server is preferred, but avoid is
 *   returned when it is the only one left. Map-based hashing ignores it.
 * - roundrobin, leastconn, first, random and consistent hashing follow
 *   weight changes at run time (lb_is_dynamic). static-rr and map-based
 *   hashing use the configured weight and only follow 0 / not 0, as
 *   HAProxy does (its CLI only accepts 0% and 100% there).
 * - L7 algorithms (uri, url_param, hdr) in a tcp backend are roundrobin,
 *   as HAProxy turns them into roundrobin with a warning. rdp-cookie is
 *   not L7 in HAProxy (it reads the TCP payload) and works in tcp mode.
 */
#ifndef SLUICE_ENGINE_LB_H
#define SLUICE_ENGINE_LB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "engine/srv_state.h"

struct cfg_proxy;
struct lb;

/* What hashing algorithms hash. The engine fills what the backend's
 * algorithm needs (lb_needs); NULL members mean "not available", in which
 * case HAProxy falls back to round robin:
 * - src: client address for "balance source" (IPv4: its 4 bytes, IPv6: its
 *   16 bytes; any other family falls back).
 * - data/len: the bytes for hash, uri, url_param, hdr and rdp-cookie, as
 *   the engine extracted them (uri len/depth/whole/path-only, the
 *   parameter's value, the header value or its domain, the cookie value,
 *   the "balance hash" expression converted to binary). data != NULL with
 *   len 0 hashes the empty string, as HAProxy does for an empty sample. */
struct lb_key {
	const struct sockaddr *src;
	const void *data;
	size_t len;
};

/* Fills st[0..be->servers.n) from the configuration: cfg pointer, id (the
 * forced "id" or the first free number from 1 in declaration order, as
 * HAProxy's puid), op UP, admin MAINT for "disabled" and unresolved
 * servers ("init-addr none") else READY, uweight = weight, counters 0. */
void lb_srv_init(struct srv_state *st, const struct cfg_proxy *be);

/* Builds the structure for backend be whose n servers' states are
 * servers[0..n) (declaration order, ids set). Reads balance, hash-type,
 * hash-balance-factor, option allbackups, mode and fullconn from be.
 * servers must outlive the lb. Never fails (allocation aborts). */
struct lb *lb_new(const struct cfg_proxy *be, struct srv_state *servers, size_t n);
void lb_free(struct lb *lb);

/* Call after changing srv's op, admin, uweight or queued (srv belongs to
 * lb): repositions it, rebuilds maps and rings, changes the group in use
 * (actives, first backup, all backups). */
void lb_update(struct lb *lb, struct srv_state *srv);

/* Chooses a server for a new session (see above for the rules).
 * - non-NULL: use it; one session was charged to it (cur_sess + 1): call
 *   lb_release() when the session ends. *full is false.
 * - NULL, *full true: usable servers exist but the ones this session may
 *   use are full: queue the session in the backend and pick again when a
 *   slot frees (timeout queue).
 * - NULL, *full false: no usable server (503 / connection closed).
 * key may be NULL (nothing to hash: round robin). full may be NULL. */
struct srv_state *lb_pick(struct lb *lb, const struct lb_key *key,
                          const struct srv_state *avoid, bool *full);

/* The server lb_pick(lb, key, NULL, full) would return now, without
 * choosing it: nothing is charged and the structure is left exactly as
 * it was (round-robin turn, random state...), so the next real pick is
 * not changed (the stats socket's "show route"). */
struct srv_state *lb_peek(struct lb *lb, const struct lb_key *key, bool *full);

/* Charges one session to srv chosen without lb_pick (persistence cookie,
 * use-server, stick table), so that leastconn, random and
 * hash-balance-factor see it. Does not check fullness: see lb_srv_full. */
void lb_take(struct lb *lb, struct srv_state *srv);

/* A session charged by lb_pick/lb_take ended. */
void lb_release(struct lb *lb, struct srv_state *srv);

/* True when srv has a maxconn and no free slot (or a queue), using the
 * dynamic maxconn (minconn / fullconn) as HAProxy does. */
bool lb_srv_full(struct lb *lb, const struct srv_state *srv);

/* True for hash-based algorithms (source, hash, uri, url_param, hdr,
 * rdp-cookie, random): HAProxy's "hash input" kind, which option
 * redispatch does not leave at the first retry. */
bool lb_is_hash(const struct lb *lb);

/* True when weights can change at run time (see above). */
bool lb_is_dynamic(const struct lb *lb);

/* The algorithm really used ("roundrobin" for L7 ones in tcp mode), as
 * the stats "algo" column names it: roundrobin, static-rr, leastconn,
 * first, source, uri, url_param, hdr, random, rdp-cookie, hash. */
const char *lb_algo_name(const struct lb *lb);

/* Which lb_key members the engine must fill. */
#define LB_NEED_SRC  0x1u
#define LB_NEED_DATA 0x2u
unsigned lb_needs(const struct lb *lb);

/* HAProxy's hash functions (hash-type <function>) and its 32-bit full
 * avalanche mixer; exposed for the engine's converters and for tests. */
uint32_t lb_hash_sdbm(const void *p, size_t len);
uint32_t lb_hash_djb2(const void *p, size_t len);
uint32_t lb_hash_wt6(const void *p, size_t len);
uint32_t lb_hash_crc32(const void *p, size_t len);
uint32_t lb_full_hash(uint32_t a);

#endif
