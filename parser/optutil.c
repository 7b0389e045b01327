/* Value parsers with HAProxy's acceptance rules (see optutil.h). */
#include "optutil.h"

#include <ctype.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/util.h"

enum ou_time
ou_time(const char *s, enum time_unit unit, uint32_t *ms, char *bad)
{
	uint64_t v = 0;
	const char *p = s;

	*bad = '\0';
	if (*p == '\0')
		return OU_TIME_EMPTY;
	if (!isdigit((unsigned char)*p)) {
		*bad = *p;
		return OU_TIME_BADCHAR;
	}
	while (isdigit((unsigned char)*p)) {
		v = v * 10 + (uint64_t)(*p - '0');
		if (v > (1ull << 40))
			return OU_TIME_OVER;
		p++;
	}
	uint64_t mul_us; /* microseconds per unit */
	if (*p == '\0')
		mul_us = unit == TIME_UNIT_S ? 1000000 : 1000;
	else if (strncmp(p, "us", 2) == 0)
		mul_us = 1, p += 2;
	else if (strncmp(p, "ms", 2) == 0)
		mul_us = 1000, p += 2;
	else if (*p == 's')
		mul_us = 1000000, p++;
	else if (*p == 'm')
		mul_us = 60000000, p++;
	else if (*p == 'h')
		mul_us = 3600000000ull, p++;
	else if (*p == 'd')
		mul_us = 86400000000ull, p++;
	else {
		*bad = *p;
		return OU_TIME_BADCHAR;
	}
	if (*p) {
		*bad = *p;
		return OU_TIME_BADCHAR;
	}
	uint64_t us = v * mul_us;
	uint64_t r = (us + 999) / 1000;
	if (r > 2147483647u)
		return OU_TIME_OVER;
	*ms = (uint32_t)r;
	return OU_TIME_OK;
}

bool
ou_int(const char *s, long long *v)
{
	char *end;

	if (*s == '\0')
		return false;
	errno = 0;
	*v = strtoll(s, &end, 10);
	return *end == '\0' && errno == 0;
}

long long
ou_atol(const char *s, bool *strict)
{
	long long v;

	if (ou_int(s, &v)) {
		*strict = true;
		return v;
	}
	*strict = false;
	return atoll(s);
}

bool
ou_user(const char *name, uid_t *uid)
{
	struct passwd *pw = getpwnam(name);

	if (pw == NULL)
		return false;
	*uid = pw->pw_uid;
	return true;
}

bool
ou_group(const char *name, gid_t *gid)
{
	struct group *gr = getgrnam(name);

	if (gr == NULL)
		return false;
	*gid = gr->gr_gid;
	return true;
}

char *
ou_path(const char *base, const char *path)
{
	if (base == NULL || *path == '/' || *path == '@')
		return xstrdup(path);
	return xasprintf("%s/%s", base, path);
}
