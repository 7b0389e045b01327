/* OS shims of the process model: see compat_proc.h. */
#include "lib/compat_proc.h"

#include <errno.h>

#ifdef __linux__
#include <sys/mman.h>
#include <sys/prctl.h>
#endif
#ifdef __OpenBSD__
#include <unistd.h>
#endif

int
compat_set_dumpable(void)
{
#ifdef __linux__
	return prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
#else
	return 0;
#endif
}

int
compat_parent_death_signal(int sig)
{
#ifdef __linux__
	return prctl(PR_SET_PDEATHSIG, sig, 0, 0, 0);
#else
	(void)sig;
	errno = ENOSYS;
	return -1;
#endif
}

int
compat_memfd(const char *name)
{
#ifdef __linux__
	return memfd_create(name, 0);
#else
	(void)name;
	errno = ENOSYS;
	return -1;
#endif
}

int
compat_sandbox(const char *const *rpaths, size_t nr, const char *const *wpaths,
               size_t nw)
{
#ifdef __OpenBSD__
	for (size_t i = 0; i < nr; i++)
		if (unveil(rpaths[i], "r") < 0 && errno != ENOENT)
			return -1;
	for (size_t i = 0; i < nw; i++)
		if (unveil(wpaths[i], "rw") < 0 && errno != ENOENT)
			return -1;
	if (unveil(NULL, NULL) < 0)
		return -1;
	/* inet/unix: traffic, checks, logs, stats sockets; dns: server
	 * addresses set by name at run time; sendfd: "_getsocks" hands
	 * the listeners to a new process; recvfd: the master's channel */
	return pledge("stdio rpath inet unix dns sendfd recvfd", NULL);
#else
	(void)rpaths;
	(void)nr;
	(void)wpaths;
	(void)nw;
	return 0;
#endif
}
