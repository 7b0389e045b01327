/* Listening sockets of a worker (see listener.c). */
#ifndef SLUICE_ENGINE_LISTENER_H
#define SLUICE_ENGINE_LISTENER_H

#include <sys/socket.h>

struct worker;
struct frontend;
struct listener;
struct cfg_bind;

int listeners_open(struct worker *w, struct frontend *fe, const struct cfg_bind *b);
void listener_pause(struct listener *l);
void listener_resume(struct listener *l);
void listener_close(struct listener *l);
/* "127.0.0.1:443", "[::1]:443", "/path" (caller frees). */
char *listener_name(const struct sockaddr_storage *ss);

/* engine.c: re-check paused listeners of w after ms (0: now; any thread). */
void worker_wake_later(struct worker *w, int ms);

#endif
