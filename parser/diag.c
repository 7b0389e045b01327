#include "diag.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/util.h"

void
diag_add(struct diag *d, enum diag_level lvl, const struct cfg_loc *loc,
         const char *fmt, ...)
{
	va_list ap;
	vec_reserve((void **)&d->msgs, &d->cap, d->n + 1, sizeof(*d->msgs));
	struct diag_msg *m = &d->msgs[d->n++];
	m->level = lvl;
	if (loc)
		m->loc = *loc;
	else
		memset(&m->loc, 0, sizeof(m->loc));
	/* The message outlives the cfg whose file names loc points to. */
	if (m->loc.file)
		m->loc.file = xstrdup(m->loc.file);
	va_start(ap, fmt);
	m->text = xvasprintf(fmt, ap);
	va_end(ap);
	if (lvl == DIAG_ERROR)
		d->nerrors++;
	else if (lvl == DIAG_WARNING)
		d->nwarnings++;
}

void
diag_advise(struct diag *d, const struct cfg_loc *loc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = xvasprintf(fmt, ap);
	va_end(ap);
	diag_add(d, DIAG_WARNING, loc, "%s", msg);
	free(msg);
	d->msgs[d->n - 1].advice = true;
	d->nadvice++;
}

static const char *
level_name(enum diag_level l)
{
	switch (l) {
	case DIAG_ERROR: return "error";
	case DIAG_WARNING: return "warning";
	default: return "notice";
	}
}

char *
diag_format(const struct diag_msg *m)
{
	if (m->loc.file && m->loc.line > 0)
		return xasprintf("%s:%d:%d: %s: %s", m->loc.file, m->loc.line,
		                 m->loc.col > 0 ? m->loc.col : 1,
		                 level_name(m->level), m->text);
	if (m->loc.file)
		return xasprintf("%s: %s: %s", m->loc.file,
		                 level_name(m->level), m->text);
	return xasprintf("sluice: %s: %s", level_name(m->level), m->text);
}

void
diag_print(const struct diag *d, FILE *f)
{
	for (size_t i = 0; i < d->n; i++) {
		char *s = diag_format(&d->msgs[i]);
		fprintf(f, "%s\n", s);
		free(s);
	}
}

const struct diag_msg *
diag_find(const struct diag *d, const char *needle)
{
	for (size_t i = 0; i < d->n; i++)
		if (strstr(d->msgs[i].text, needle))
			return &d->msgs[i];
	return NULL;
}

void
diag_free(struct diag *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->msgs[i].text);
		free((char *)d->msgs[i].loc.file);
	}
	free(d->msgs);
	memset(d, 0, sizeof(*d));
}
