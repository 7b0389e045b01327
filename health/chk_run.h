/* The check runner: one thread with its own event_base runs every check
 * of a set of targets (a server's health check or its agent check), each
 * on its own timer. It reports results through hooks, never touches
 * sessions, and owns everything it allocates (chk_runner_free).
 *
 * health.c wires it to the engine (hooks = the server-state functions of
 * engine/server.h); unit tests wire it to their own hooks. */
#ifndef SLUICE_HEALTH_CHK_RUN_H
#define SLUICE_HEALTH_CHK_RUN_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "health/chk.h"

struct cfg;
struct cfg_proxy;
struct cfg_server;
struct chk_target;

/* What the stats socket changed at run time for one check (engine/
 * server.h srv_rt, "disable health|agent"), asked before each check. */
struct chk_override {
	bool disabled;                  /* skip the check (rescheduled) */
	bool addr_set, port_set;        /* "set server ... addr [port]" */
	struct sockaddr_storage addr;
	bool chk_addr_set;              /* check-addr / agent-addr */
	struct sockaddr_storage chk_addr;
	int chk_port;                   /* check-port / agent-port, 0: none */
	char *agent_send;               /* agent-send (allocated), NULL: none */
};

struct chk_hooks {
	/* A health check finished (never an agent check). */
	void (*report)(void *arg, struct chk_target *t, const struct chk_result *r);
	/* An agent check finished: reply is the agent's line, or NULL when
	 * there was none (r says why). */
	void (*agent)(void *arg, struct chk_target *t, const char *reply,
	              const struct chk_result *r);
	/* Optional: the delay before the next check of t in ms (before
	 * spread-checks jitter). NULL: inter / fastinter / downinter from
	 * the runner's own count of the results (HAProxy's health). */
	uint32_t (*interval)(void *arg, struct chk_target *t);
	/* Optional: fills what http-check send-state reports; NULL: the
	 * runner's count and the config. */
	void (*view)(void *arg, struct chk_target *t, struct chk_srv_view *v);
	/* Optional: fills o (zeroed before) with the runtime overrides of
	 * t; the runner frees o->agent_send. NULL: none ever. */
	void (*override)(void *arg, struct chk_target *t, struct chk_override *o);
	/* Optional: a check of t starts (on true) or has ended (false,
	 * before report/agent is called). */
	void (*running)(void *arg, struct chk_target *t, bool on);
};

struct chk_runner;

/* A runner for cfg's targets; hooks are called on the runner's thread. */
struct chk_runner *chk_runner_new(const struct cfg *cfg, const struct chk_hooks *h,
                                  void *arg);
/* Adds the health check (agent false) or the agent check of srv of
 * backend px; user is handed back by chk_target_user(). Returns NULL with
 * *err (allocated) when the check cannot run (e.g. no port to check). */
struct chk_target *chk_runner_add(struct chk_runner *r, const struct cfg_proxy *px,
                                  const struct cfg_server *srv, bool agent,
                                  void *user, char **err);
/* Starts the thread; the first checks are spread over the smallest
 * interval as HAProxy's start_checks() does. 0 or -1. */
int chk_runner_start(struct chk_runner *r);
/* Stops the thread (if started) and frees everything. */
void chk_runner_free(struct chk_runner *r);

void *chk_target_user(const struct chk_target *t);
const struct cfg_server *chk_target_server(const struct chk_target *t);
const struct cfg_proxy *chk_target_proxy(const struct chk_target *t);
bool chk_target_is_agent(const struct chk_target *t);
/* The runner's health count (0..rise+fall-1) and whether it counts the
 * server as up, as HAProxy's check->health. */
int chk_target_health(const struct chk_target *t, bool *up);

#endif
