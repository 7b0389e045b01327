/* OS shims of the process model: see compat_proc.h. */
#include "lib/compat_proc.h"

#include <errno.h>

#ifdef __linux__
#include <sys/mman.h>
#include <sys/prctl.h>
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
