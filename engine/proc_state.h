/* Server states across reloads (reference §3.7): HAProxy's
 * "server-state-file" / "load-server-state-from-file", which read back a
 * "show servers state" dump at start-up, and sluice's carry-over of the
 * same dump from the old worker to the new one in a master-worker reload
 * (no file needed). proc_state.c. */
#ifndef SLUICE_ENGINE_PROC_STATE_H
#define SLUICE_ENGINE_PROC_STATE_H

#include <stdbool.h>
#include <stddef.h>

struct engine;

/* One server line of a dump. Strings point into the parsed text. */
struct proc_state_line {
	int line;                  /* 1 = first line after the version */
	const char *be_name, *srv_name, *srv_addr;
	/* the numeric fields as text: HAProxy checks them when it applies
	 * the line, so a bad value only skips that server */
	const char *op, *admin, *uweight, *iweight, *check_state, *agent_state, *port;
};

struct proc_state_file {
	char *text;                /* owned, cut into words */
	struct proc_state_line *v;
	size_t n, cap;
};

enum proc_state_res {
	PROC_STATE_OK,
	PROC_STATE_NO_VERSION,     /* first line is not "1" */
	PROC_STATE_CORRUPT,        /* a line has too few fields (*bad_line) */
};

/* Parses a dump: the version line "1", then lines of at least 20
 * space-separated fields (more are ignored); '#' lines and empty lines
 * are skipped. As HAProxy, one short line rejects the whole dump.
 * f is filled (free it with proc_state_free) even on error. */
enum proc_state_res proc_state_parse(const char *text, size_t len,
                                     struct proc_state_file *f, int *bad_line);
void proc_state_free(struct proc_state_file *f);

/* At start-up, before threads run: applies to every backend of eng
 * with "load-server-state-from-file global|local" its file, as HAProxy
 * (admin state, operational state, weight when the configured weight
 * did not change, port, disabled checks); warnings on stderr in
 * HAProxy's words. carried is a dump the master passed from the
 * previous worker (or NULL): it applies to the backends that have no
 * "load-server-state-from-file" line (sluice's default). */
void proc_state_load(struct engine *eng, const char *carried, size_t carried_len);

#endif
