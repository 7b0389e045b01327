/* OS shims of the process model (engine/proc*.c): what Linux offers and
 * the BSDs do without. Each returns 0 / -1 (errno set, ENOSYS when the
 * OS has no such thing). */
#ifndef SLUICE_LIB_COMPAT_PROC_H
#define SLUICE_LIB_COMPAT_PROC_H

#include <stddef.h>

/* The process may dump core after a setuid() (set-dumpable):
 * PR_SET_DUMPABLE on Linux; elsewhere nothing to do (0). */
int compat_set_dumpable(void);
/* sig is sent to this process when its parent dies (a worker does not
 * outlive its master): PR_SET_PDEATHSIG on Linux; -1/ENOSYS elsewhere. */
int compat_parent_death_signal(int sig);
/* An anonymous file in memory (memfd_create on Linux), or -1/ENOSYS:
 * the caller falls back to an unlinked temporary file. Not
 * close-on-exec. */
int compat_memfd(const char *name);

/* Restricts the serving process to what it needs once started. On
 * OpenBSD: unveil(2) of each rpaths[i] read-only and of each wpaths[i]
 * (UNIX sockets it may connect to again: syslog) read-write, then
 * pledge(2) "stdio rpath inet unix dns sendfd recvfd". Elsewhere
 * nothing (0). */
int compat_sandbox(const char *const *rpaths, size_t nr,
                   const char *const *wpaths, size_t nw);

#endif
