/* Servers' cookie values at run time (HAProxy's srv->cookie): the
 * configured "cookie" of a server, or its dynamic cookie ("cookie ...
 * dynamic" with dynamic-cookie-key), which the stats socket recomputes
 * ("enable/disable dynamic-cookie backend", "set dynamic-cookie-key
 * backend", "set server ... addr"). struct cfg_server stays read-only:
 * the value in effect is srv_state.cookie.
 *
 * Threads: srv_cookie_get() from any thread (workers on the request and
 * response paths, stats); everything else on the main thread (the CLI),
 * which is the only writer. */
#ifndef SLUICE_ENGINE_SRV_COOKIE_H
#define SLUICE_ENGINE_SRV_COOKIE_H

#include <stdatomic.h>
#include <stdbool.h>

#include "engine/srv_state.h"

struct backend;

/* The cookie value of srv now, or NULL. The string stays valid until
 * the backend is freed (values are never freed while it runs), so a
 * session may keep the pointer for its whole life. */
static inline const char *
srv_cookie_get(const struct srv_state *srv)
{
	return atomic_load_explicit(&((struct srv_state *)srv)->cookie, memory_order_acquire);
}

/* backend_new / backend_free. */
void srv_cookie_init(struct backend *be);
void srv_cookie_free(struct backend *be);

/* HAProxy's srv_set_dyncookie(): when the backend has dynamic cookies
 * enabled and a key, and srv has no cookie of its own, its cookie
 * becomes the hash of the key and its current address and port; a
 * warning on stderr when another server (neither in forced maintenance)
 * now has the same value. Otherwise nothing changes. Main thread. */
void srv_cookie_update(struct backend *be, struct srv_state *srv);

/* "enable dynamic-cookie backend": enables and recomputes every server;
 * "disable ...": disables and drops every cookie that is not a server's
 * own. Main thread. */
void srv_cookie_enable(struct backend *be, bool on);

/* "set dynamic-cookie-key backend": replaces the key (copied) and
 * recomputes every server. Main thread. */
void srv_cookie_set_key(struct backend *be, const char *key);

#endif
