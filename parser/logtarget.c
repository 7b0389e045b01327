/* "log" lines in global and proxies, with HAProxy's parse_logsrv()
 * messages ("log : ..."). */
#include "logtarget.h"

#include <stdlib.h>
#include <string.h>

#include "global.h"
#include "optutil.h"
#include "proxy.h"
#include "tables.h"

const char *const logt_facilities[] = {
	"kern", "user", "mail", "daemon", "auth", "syslog", "lpr", "news",
	"uucp", "cron", "auth2", "ftp", "ntp", "audit", "alert", "cron2",
	"local0", "local1", "local2", "local3", "local4", "local5", "local6",
	"local7", NULL,
};

const char *const logt_levels[] = {
	"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug",
	NULL,
};

static const char *const format_names[] = {
	[LOG_FMT_LOCAL] = "local", [LOG_FMT_RFC3164] = "rfc3164",
	[LOG_FMT_RFC5424] = "rfc5424", [LOG_FMT_PRIORITY] = "priority",
	[LOG_FMT_SHORT] = "short", [LOG_FMT_TIMED] = "timed",
	[LOG_FMT_ISO] = "iso", [LOG_FMT_RAW] = "raw", [LOG_FMT_RAW + 1] = NULL,
};

const char *
logt_format_name(enum log_format f)
{
	return format_names[f];
}

static int
name_index(const char *const *names, const char *s)
{
	for (int i = 0; names[i]; i++)
		if (strcmp(names[i], s) == 0)
			return i;
	return -1;
}

struct cfg_log_list *
logt_list_new(void)
{
	return xcalloc(1, sizeof(struct cfg_log_list));
}

static void
log_free(struct cfg_log *l)
{
	if (l == NULL)
		return;
	addr_clear(&l->addr);
	free(l->ranges);
	free(l);
}

void
logt_list_clear(struct cfg_log_list *l)
{
	for (size_t i = 0; i < l->v.n; i++)
		log_free(l->v.v[i]);
	l->v.n = 0;
	l->global = false;
}

void
logt_list_free(struct cfg_log_list *l)
{
	if (l == NULL)
		return;
	logt_list_clear(l);
	free(l->v.v);
	free(l);
}

/* "sample <ranges>:<size>" */
static int
parse_sample(struct cfg_ctx *cx, const struct cfg_word *w, struct cfg_log *l)
{
	const char *colon = strrchr(w->s, ':');
	char *ranges = NULL;
	int ret = -1;
	unsigned maxhi = 0;

	if (colon == NULL) {
		cx_error(cx, w, "log : Missing sample size");
		return -1;
	}
	ranges = xstrndup(w->s, (size_t)(colon - w->s));
	long long size;
	if (!ou_int(colon + 1, &size) || size <= 0 || size > 0x7fffffff) {
		cx_error(cx, w, "log : wrong sample size '%s' for sample range '%s'",
		         colon + 1, ranges);
		goto out;
	}
	char *save = NULL;
	for (char *r = strtok_r(ranges, ",", &save); r; r = strtok_r(NULL, ",", &save)) {
		long long lo, hi;
		char *dash = strchr(r, '-');
		bool ok;
		if (dash) {
			*dash = '\0';
			ok = ou_int(r, &lo) && ou_int(dash + 1, &hi);
			*dash = '-';
		} else {
			ok = ou_int(r, &lo);
			hi = lo;
		}
		if (!ok || lo <= 0 || hi < lo || hi > 0x7fffffff) {
			cx_error(cx, w, "log : wrong sample range '%s'", r);
			goto out;
		}
		l->ranges = xrealloc(l->ranges, (l->nranges + 1) * sizeof(*l->ranges));
		l->ranges[l->nranges].lo = (unsigned)lo;
		l->ranges[l->nranges].hi = (unsigned)hi;
		l->nranges++;
		if ((unsigned)hi > maxhi)
			maxhi = (unsigned)hi;
	}
	if ((unsigned)size < maxhi) {
		cx_error(cx, w, "log : sample size %lld should be greater or equal to %u the maximum of the high ranges limits",
		         size, maxhi);
		goto out;
	}
	l->sample_size = (unsigned)size;
	ret = 0;
out:
	free(ranges);
	return ret;
}

/* log <target> [len <n>] [format <f>] [sample <r>:<s>] <facility> [<max> [<min>]]
 * log global | no log */
static int
kw_log(struct cfg_ctx *cx, const struct cfg_kw *kw, struct cfg_word *w, int n,
       int argi)
{
	struct cfg_log_list **listp;
	struct cfg_log *l = NULL;
	int i;

	if (cx->sect == SEC_GLOBAL)
		listp = &cx->cfg->global->logs;
	else if (cx->px)
		listp = &cx->px->logs;
	else
		return -1;
	if (*listp == NULL)
		*listp = logt_list_new();

	if (cx->negate) {
		/* "no log" drops inherited targets and "log global" */
		if (n > argi) {
			cx_error(cx, &w[argi], "log : 'no log' does not expect arguments");
			return -1;
		}
		logt_list_clear(*listp);
		return 0;
	}
	if (n > argi && strcmp(w[argi].s, "global") == 0 && n == argi + 1) {
		if (cx->sect == SEC_GLOBAL) {
			cx_error(cx, &w[argi], "log : 'global' is not supported for a global syslog server");
			return -1;
		}
		(*listp)->global = true;
		return 0;
	}
	if (n < argi + 2) {
		cx_error(cx, &w[n - 1], "log : expects <address> and <facility>  as arguments");
		return -1;
	}

	l = xcalloc(1, sizeof(*l));
	l->loc = w[0].loc;
	l->maxlen = 1024;
	l->level_max = 7;
	l->level_min = 0;
	i = argi + 1;
	while (i < n) {
		const char *o = w[i].s;
		struct cfg_word *val = i + 1 < n ? &w[i + 1] : &w[i];
		const char *v = i + 1 < n ? w[i + 1].s : "";
		if (strcmp(o, "len") == 0) {
			long long len;
			if (!ou_int(v, &len) || len < 80 || len > 65535) {
				cx_error(cx, val, "log : invalid log length '%s', must be between 80 and 65535", v);
				goto err;
			}
			l->maxlen = (int)len;
		} else if (strcmp(o, "format") == 0) {
			int f = name_index(format_names, v);
			if (f < 0) {
				cx_error(cx, val, "log : unknown log format '%s'", v);
				goto err;
			}
			l->format = (enum log_format)f;
			l->format_set = true;
		} else if (strcmp(o, "sample") == 0) {
			if (parse_sample(cx, val, l) < 0)
				goto err;
		} else {
			break;
		}
		i += 2;
	}
	if (i >= n) {
		cx_error(cx, &w[n - 1], "log : expects <address> and <facility>  as arguments");
		goto err;
	}
	l->facility = name_index(logt_facilities, w[i].s);
	if (l->facility < 0) {
		cx_error(cx, &w[i], "log : unknown log facility '%s'", w[i].s);
		goto err;
	}
	if (++i < n) {
		l->level_max = name_index(logt_levels, w[i].s);
		if (l->level_max < 0) {
			cx_error(cx, &w[i], "log : unknown optional log level '%s'", w[i].s);
			goto err;
		}
		if (++i < n) {
			l->level_min = name_index(logt_levels, w[i].s);
			if (l->level_min < 0) {
				cx_error(cx, &w[i], "log : unknown optional minimum log level '%s'", w[i].s);
				goto err;
			}
			if (++i < n) {
				cx_error(cx, &w[i], "log : cannot handle unexpected argument '%s'", w[i].s);
				goto err;
			}
		}
	}
	if (addr_parse(cx, &w[argi], "log : ",
	               ADDR_F_LOG | ADDR_F_UNIX | ADDR_F_FD | ADDR_F_DGRAM |
	               ADDR_F_NO_PORT_OK, &l->addr) < 0)
		goto err;
	if (l->addr.kind == ADDR_RING) {
		cx_error(cx, &w[argi], "log : ring@ targets are not supported by sluice yet (no 'ring' sections)");
		goto err;
	}
	VEC_PUSH((*listp)->v, l);
	return 0;
err:
	log_free(l);
	return -1;
}

const struct cfg_kw log_kws[] = {
	{ { "log", KW_SUPPORTED,
	    "global | <target> [len <n>] [format <fmt>] [sample <ranges>:<size>] <facility> [<max> [<min>]]",
	    NULL }, KW_GLOBAL | KW_PROXY | KW_NEG, kw_log },
	{ { NULL, 0, NULL, NULL }, 0, NULL },
};
