/* Active health checks (issue 4, DESIGN.md "Health and stats"): one
 * dedicated thread with its own event_base runs every health check and
 * agent check of the engine's backends, one timer per checked server, and
 * reports each result through engine/server.h (srv_check_report,
 * srv_agent_report). Checks never touch sessions.
 *
 * The engine calls health_start() once its backends exist (before the
 * workers run traffic) and health_stop() before freeing them. */
#ifndef SLUICE_HEALTH_HEALTH_H
#define SLUICE_HEALTH_HEALTH_H

struct engine;

/* Starts checking every server with "check" or "agent-check" of eng's
 * backends. Servers that "track" another one run no check of their own.
 * Problems (a server without a port to check...) are logged and that
 * check is skipped. Returns 0, or -1 when the thread cannot start. */
int health_start(struct engine *eng);

/* Stops the checks and frees their state; safe without health_start. */
void health_stop(void);

#endif
