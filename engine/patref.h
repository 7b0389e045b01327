/* Pattern references (HAProxy's pat_ref): the entries of one map or ACL
 * pattern file, or of one ACL's inline patterns, shared by every map
 * converter and ACL that names that file, each user compiling them with
 * its own match method ("user" here, a pattern_expr in HAProxy). The
 * runtime API (stats/cmd_map.c) edits a reference and every user sees the
 * change. References are numbered as HAProxy numbers them (creation
 * order, parse-time uses before the log-format strings HAProxy parses
 * after the configuration), and carry versions for prepare/commit.
 *
 * Threads. Workers look maps and ACLs up on every session; the CLI (the
 * main thread, only) edits them. Each user holds an immutable compiled
 * snapshot of the current version. An edit compiles new snapshots with no
 * lock held, then swaps each one in under the user's write lock and frees
 * the old one after unlocking. A lookup takes the read lock only around
 * the lookup and the copy of its result (patref_acquire/patref_release):
 * the lock is the grace period that makes the free safe, so readers never
 * see a torn or freed snapshot, and a writer blocks them only for a
 * pointer swap. Readers never block each other (one atomic operation on
 * an uncontended lock); an epoch scheme would save that operation but
 * needs every worker to report quiescent states, which the engine has no
 * hook for.
 *
 * Ownership: a registry belongs to one config's side tables (smp_init.c)
 * and frees its references, their entries and users. */
#ifndef SLUICE_ENGINE_PATREF_H
#define SLUICE_ENGINE_PATREF_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "engine/smp_rt.h"
#include "lib/util.h"

struct cfg;

enum patref_kind { PATREF_MAP = 1u, PATREF_ACL = 2u };

/* One entry. Its address is what "show map" prints and "#0x..." names. */
struct patref_elt {
	char *key;
	char *value;            /* NULL in a one-column (ACL) reference */
	unsigned gen;           /* version it belongs to */
	int line;               /* line in the file, 0 when added at run time */
};

struct patref;

/* One compiled form of a reference. */
struct patref_user {
	struct patref *ref;
	struct smp_map_kind kind;
	pthread_rwlock_t lock;  /* read: a lookup; write: swapping snap */
	struct smp_map *snap;   /* the entries of curr_ver, compiled */
};

struct patref {
	int id;
	char *file;             /* NULL for an ACL's inline patterns */
	struct sbuf desc;       /* "pattern loaded from file ... used by ..." */
	unsigned kinds;         /* PATREF_MAP, PATREF_ACL */
	bool two_cols;          /* entries have values */
	unsigned curr_ver, next_ver;
	unsigned long long entry_cnt;
	VEC(struct patref_elt *) elts;   /* file order, then additions */
	VEC(struct patref_user *) users;
};

struct patref_reg {
	VEC(struct patref *) refs;       /* by creation */
	VEC(int) ids;                    /* taken ids */
};

void patref_reg_free(struct patref_reg *reg);

/* The reference of file, created and loaded (one or two columns) on first
 * use. id: the id to give it (-1: the next free one). NULL with *err when
 * the file cannot be read or was loaded with the other column count
 * (HAProxy's words). */
struct patref *patref_file(struct patref_reg *reg, const char *file,
                           bool two_cols, int id, char **err);
/* A new empty reference for an ACL's inline patterns. */
struct patref *patref_inline(struct patref_reg *reg, int id);
/* Appends an entry of version 0 (configuration time). */
void patref_push(struct patref *ref, const char *key, const char *value,
                 int line);
/* Appends a use to the description: "map at file 'h.cfg' line 12" or,
 * for an inline reference, "acl 'src' file 'h.cfg' line 3". */
void patref_describe(struct patref *ref, unsigned kind, const char *kw,
                     const char *cfgfile, int line);
/* The user of ref compiled as k (shared with an earlier identical one),
 * compiled now. NULL with *err when an entry does not parse for k. */
struct patref_user *patref_user_get(struct patref *ref,
                                    const struct smp_map_kind *k, char **err);

/* Lookups (any thread): the current snapshot, valid until the release. */
const struct smp_map *patref_acquire(struct patref_user *u);
void patref_release(struct patref_user *u);
/* Whether v (already of the method's input type) matches. */
bool patref_acl_match(struct patref_user *u, struct smp_run *run,
                      const struct smp_val *v);

/* ---- edits, main thread only ---- */

/* "#<id>" or a file name, among references of kind; NULL if none. */
struct patref *patref_find(const struct patref_reg *reg, const char *name,
                           unsigned kind);
/* Whether key/value parse for every user: 0, or -1 with *err (HAProxy's
 * words, no final period). */
int patref_check(const struct patref *ref, const char *key, const char *value,
                 char **err);
void patref_add(struct patref *ref, unsigned gen, const char *key,
                const char *value);
/* The entry whose address "#0x..." (s after '#') names, or NULL. */
struct patref_elt *patref_elt_by_ptr(const struct patref *ref, const char *s);
/* Deletes elt, or every entry of key (any version): how many. */
size_t patref_del(struct patref *ref, struct patref_elt *elt, const char *key);
/* Sets the value of elt, or of every entry of key: how many. */
size_t patref_set(struct patref *ref, struct patref_elt *elt, const char *key,
                  const char *value);
/* Deletes the entries of version gen. */
void patref_clear(struct patref *ref, unsigned gen);
/* Opens a new version: its number. */
unsigned patref_prepare(struct patref *ref);
/* Whether gen is beyond next_ver (HAProxy's "in the future"). */
bool patref_future(const struct patref *ref, unsigned gen);
/* Makes gen current and drops older entries; -1 when out of range. */
int patref_commit(struct patref *ref, unsigned gen);
/* Recompiles every user from the entries of curr_ver and publishes the
 * snapshots. Entries were checked, so this fails only on a regex that
 * PCRE2 refuses now; then the old snapshots stay and -1 is returned. */
int patref_publish(struct patref *ref, char **err);

/* The next entry of an "add map" payload, split as HAProxy 2.6 splits it:
 * the key ends at the first blank (so it may hold a newline), blanks are
 * skipped, the value runs to the end of the line. *p advances in place
 * (the buffer is cut with NULs). 1: an entry; 0: the end; -1: a key with
 * no value (*key is set, the rest of the payload). */
int patref_payload_next(char **p, char **key, char **value);

/* The registry of the configuration the engine runs (smp_init.c). */
struct patref_reg *smp_rt_patrefs(const struct cfg *cfg);

#endif
