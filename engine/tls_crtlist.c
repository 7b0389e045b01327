/* Runtime crt-list commands: "show ssl crt-list [-n] [<list>]", "add ssl
 * crt-list <list> <cert>|<payload>", "del ssl crt-list <list>
 * <cert[:line]>" (HAProxy 2.6, reference §3.4; texts as observed on
 * 2.6.12). An added or deleted line changes the crt-list in the store
 * (never the file) and every bind using the list gets its contexts
 * rebuilt (tls_bind_rebuild): new handshakes see the change, live
 * connections keep their SSL_CTX. Stats socket thread, under st->lock. */
#include "engine/tls_cert.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/tls_int.h"
#include "parser/cfg.h"
#include "parser/global.h"
#include "parser/optutil.h"
#include "parser/proxy.h"
#include "parser/bind.h"

/* ---- one line --------------------------------------------------------------- */

/* Splits line into words on blanks; '[' and ']' are words of their own
 * wherever they stand. Returns the number of words (allocated). */
static size_t
split(const char *line, char ***out)
{
	VEC(char *) w = { 0 };
	const char *p = line;

	while (*p) {
		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			p++;
		if (*p == 0)
			break;
		if (*p == '[' || *p == ']') {
			VEC_PUSH(w, xstrndup(p, 1));
			p++;
			continue;
		}
		const char *s = p;
		while (*p && *p != ' ' && *p != '\t' && *p != '\r' && *p != '\n' &&
		       *p != '[' && *p != ']')
			p++;
		VEC_PUSH(w, xstrndup(s, (size_t)(p - s)));
	}
	*out = w.v;
	return w.n;
}

/* Options of a crt-list [...] block (HAProxy's ssl_bind_kws). */
static int
parse_opt(struct sslo_bind_conf *c, char **w, size_t n, size_t *i,
          const char *ca_base, char **err)
{
	const char *kw = w[*i];
	static const char *const with_arg[] = {
		"alpn", "npn", "ciphers", "ciphersuites", "curves", "ecdhe",
		"ca-file", "ca-verify-file", "crl-file", "verify", "ssl-min-ver",
		"ssl-max-ver", NULL,
	};
	const char *arg = NULL;

	if (strcmp(kw, "allow-0rtt") == 0) {
		c->allow_0rtt = true;
		return 0;
	}
	if (strcmp(kw, "no-ca-names") == 0) {
		c->no_ca_names = true;
		return 0;
	}
	for (const char *const *k = with_arg; *k; k++)
		if (strcmp(*k, kw) == 0) {
			if (*i + 1 >= n || strcmp(w[*i + 1], "]") == 0 || strcmp(w[*i + 1], "[") == 0) {
				*err = xasprintf("parsing [CLI:1]: ssl args out of '[]' for %s", kw);
				return -1;
			}
			arg = w[++*i];
			break;
		}
	if (arg == NULL) {
		*err = xasprintf("parsing [CLI:1]: unknown ssl keyword %s", kw);
		return -1;
	}
	char **dst = NULL;
	if (strcmp(kw, "verify") == 0) {
		if (strcmp(arg, "none") == 0)
			c->verify = SSLO_VERIFY_NONE;
		else if (strcmp(arg, "optional") == 0)
			c->verify = SSLO_VERIFY_OPTIONAL;
		else if (strcmp(arg, "required") == 0)
			c->verify = SSLO_VERIFY_REQUIRED;
		else {
			*err = xasprintf("'verify' : unknown verify method '%s', only 'none', 'optional', and 'required' are supported\n", arg);
			return -1;
		}
		return 0;
	}
	if (strcmp(kw, "ssl-min-ver") == 0 || strcmp(kw, "ssl-max-ver") == 0) {
		enum sslo_ver v = sslo_ver_parse(arg);
		if (v == SSLO_VER_UNSET) {
			*err = xasprintf("'%s' : unknown ssl/tls version", arg);
			return -1;
		}
		if (kw[5] == 'i')
			c->min_ver = v;
		else
			c->max_ver = v;
		return 0;
	}
	bool file = false;
	if (strcmp(kw, "alpn") == 0)
		dst = &c->alpn;
	else if (strcmp(kw, "npn") == 0)
		dst = &c->npn;
	else if (strcmp(kw, "ciphers") == 0)
		dst = &c->ciphers;
	else if (strcmp(kw, "ciphersuites") == 0)
		dst = &c->ciphersuites;
	else if (strcmp(kw, "curves") == 0)
		dst = &c->curves;
	else if (strcmp(kw, "ecdhe") == 0)
		dst = &c->ecdhe;
	else if (strcmp(kw, "ca-file") == 0)
		dst = &c->ca_file, file = true;
	else if (strcmp(kw, "ca-verify-file") == 0)
		dst = &c->ca_verify_file, file = true;
	else
		dst = &c->crl_file, file = true;
	free(*dst);
	*dst = file ? ou_path(ca_base, arg) : xstrdup(arg);
	if (file) {
		/* the store loads it on rebuild; say early when it cannot */
		FILE *f = fopen(*dst, "r");
		if (f == NULL) {
			*err = xasprintf("'%s' : unable to load %s", kw, *dst);
			return -1;
		}
		fclose(f);
	}
	return 0;
}

int
tls_crtlist_parse_line(const char *line, const char *ca_base, char **crt,
                       struct tls_crtlist_entry *e, char **err)
{
	char **w = NULL;
	size_t n = split(line, &w), i = 1;
	int ret = -1;

	*crt = NULL;
	if (n == 0) {
		ret = 0;
		goto out;
	}
	if (strcmp(w[0], "[") == 0 || strcmp(w[0], "]") == 0) {
		*err = xasprintf("parsing [CLI:1]: unexpected '%s'", w[0]);
		goto out;
	}
	if (i < n && strcmp(w[i], "[") == 0) {
		e->has_conf = true;
		for (i++; i < n && strcmp(w[i], "]") != 0; i++) {
			if (strcmp(w[i], "[") == 0) {
				*err = xstrdup("parsing [CLI:1]: too many '['");
				goto out;
			}
			if (parse_opt(&e->conf, w, n, &i, ca_base, err) < 0)
				goto out;
		}
		if (i >= n) {
			*err = xstrdup("parsing [CLI:1]: missing ']'");
			goto out;
		}
		i++;
	}
	for (; i < n; i++) {
		if (strcmp(w[i], "[") == 0 || strcmp(w[i], "]") == 0) {
			*err = xasprintf("parsing [CLI:1]: too many '%s'", w[i]);
			goto out;
		}
		VEC_PUSH(e->filters, xstrdup(w[i]));
	}
	*crt = xstrdup(w[0]);
	ret = 0;
out:
	for (size_t k = 0; k < n; k++)
		free(w[k]);
	free(w);
	return ret;
}

/* HAProxy's dump_crtlist_sslconf(), in its order. HAProxy ends the alpn
 * and npn lists with a NUL byte; sluice does not (doc/compatibility.md). */
static void
format_conf(const struct sslo_bind_conf *c, struct sbuf *out)
{
	const char *sep = "";

	sbuf_adds(out, " [");
#define ITEM(fmt, ...) do { sbuf_addf(out, "%s" fmt, sep, __VA_ARGS__); sep = " "; } while (0)
	if (c->npn)
		ITEM("npn %s", c->npn);
	if (c->alpn)
		ITEM("alpn %s", c->alpn);
	if (c->verify == SSLO_VERIFY_NONE)
		ITEM("verify %s", "none");
	else if (c->verify == SSLO_VERIFY_OPTIONAL)
		ITEM("verify %s", "optional");
	else if (c->verify == SSLO_VERIFY_REQUIRED)
		ITEM("verify %s", "required");
	if (c->no_ca_names)
		ITEM("%s", "no-ca-names");
	if (c->allow_0rtt)
		ITEM("%s", "allow-0rtt");
	if (c->ca_file)
		ITEM("ca-file %s", c->ca_file);
	if (c->crl_file)
		ITEM("crl-file %s", c->crl_file);
	if (c->ciphers)
		ITEM("ciphers %s", c->ciphers);
	if (c->ciphersuites)
		ITEM("ciphersuites %s", c->ciphersuites);
	if (c->curves)
		ITEM("curves %s", c->curves);
	if (c->ecdhe)
		ITEM("ecdhe %s", c->ecdhe);
	if (c->min_ver != SSLO_VER_UNSET)
		ITEM("ssl-min-ver %s", sslo_ver_name(c->min_ver));
	if (c->max_ver != SSLO_VER_UNSET)
		ITEM("ssl-max-ver %s", sslo_ver_name(c->max_ver));
#undef ITEM
	sbuf_addc(out, ']');
}

void
tls_crtlist_format(const struct tls_crtlist_entry *e, bool numbered,
                   struct sbuf *out)
{
	sbuf_adds(out, e->cert && e->cert->path ? e->cert->path : "");
	if (numbered)
		sbuf_addf(out, ":%d", e->line);
	if (e->has_conf)
		format_conf(&e->conf, out);
	for (size_t i = 0; i < e->filters.n; i++)
		sbuf_addf(out, " %s", e->filters.v[i]);
	sbuf_addc(out, '\n');
}

/* ---- the store -------------------------------------------------------------- */

/* path without its trailing slashes (allocated), as HAProxy looks up. */
static char *
strip_slashes(const char *path)
{
	size_t n = strlen(path);
	while (n > 0 && path[n - 1] == '/')
		n--;
	return xstrndup(path, n);
}

static int
cmp_list_path(const void *a, const void *b)
{
	return strcmp((*(struct tls_crtlist *const *)a)->path, (*(struct tls_crtlist *const *)b)->path);
}

int
tls_crtlist_show(struct tls_store *st, const char *file, bool numbered,
                 struct sbuf *out)
{
	int ret = 0;

	pthread_mutex_lock(&st->lock);
	if (file == NULL || *file == 0) {
		struct tls_crtlist **v = xcalloc(st->crtlists.n + 1, sizeof(*v));
		memcpy(v, st->crtlists.v, st->crtlists.n * sizeof(*v));
		qsort(v, st->crtlists.n, sizeof(*v), cmp_list_path);
		for (size_t i = 0; i < st->crtlists.n; i++)
			sbuf_addf(out, "%s\n", v[i]->path);
		free(v);
	} else {
		char *path = strip_slashes(file);
		struct tls_crtlist *l = tls_store_crtlist(st, path);
		if (l == NULL) {
			sbuf_adds(out, "didn't find the specified filename\n");
			ret = -1;
		} else {
			sbuf_addf(out, "# %s\n", l->path);
			for (size_t i = 0; i < l->entries.n; i++)
				tls_crtlist_format(l->entries.v[i], numbered, out);
		}
		free(path);
	}
	pthread_mutex_unlock(&st->lock);
	return ret;
}

/* The number of lines of the crt-list file as loaded, for numbering the
 * lines added at run time after them as HAProxy does. */
static int
linecount(struct tls_crtlist *l)
{
	if (l->linecount == 0) {
		FILE *f = fopen(l->path, "r");
		int c, last = '\n', n = 0;
		while (f && (c = getc(f)) != EOF) {
			n += c == '\n';
			last = c;
		}
		if (last != '\n')
			n++;
		if (f)
			fclose(f);
		l->linecount = n;
	}
	for (size_t i = 0; i < l->entries.n; i++)
		if (l->entries.v[i]->line > l->linecount)
			l->linecount = l->entries.v[i]->line;
	return l->linecount;
}

/* HAProxy words a context error of a bind as "Proxy '<px>': <what> for
 * bind '<addr>' at [<file>:<line>]." */
static void
decorate(const struct tls_bind *b, char **err)
{
	const struct cfg_bind *cb = b->cfg;
	const char *e = *err ? *err : "";
	size_t n = strlen(e);

	if (cb == NULL || cb->px == NULL || strncmp(e, "Proxy '", 7) == 0)
		return;
	while (n > 0 && (e[n - 1] == '\n' || e[n - 1] == '.'))
		n--;
	char *d = xasprintf("Proxy '%s': %.*s for bind '%s' at [%s:%d].\n", cb->px->name,
	                    (int)n, e, cb->text, cb->loc.file ? cb->loc.file : "", cb->loc.line);
	free(*err);
	*err = d;
}

/* Rebuilds every bind using l; on failure, *err is set and the binds
 * already rebuilt are counted in *done (the caller restores them). */
static int
rebuild_users(struct tls_store *st, struct tls_crtlist *l, size_t *done, char **err)
{
	*done = 0;
	for (size_t i = 0; i < st->binds.n; i++) {
		struct tls_bind *b = st->binds.v[i];
		if (!tls_bind_uses_list(b, l))
			continue;
		if (tls_bind_rebuild(b, err) < 0) {
			decorate(b, err);
			return -1;
		}
		++*done;
	}
	return 0;
}

/* After a failed change is undone: the binds rebuilt with the change
 * get their contexts built again without it. */
static void
restore_users(struct tls_store *st, struct tls_crtlist *l, size_t done)
{
	for (size_t i = 0; i < st->binds.n && done > 0; i++) {
		struct tls_bind *b = st->binds.v[i];
		char *err = NULL;
		if (!tls_bind_uses_list(b, l))
			continue;
		(void)tls_bind_rebuild(b, &err);
		free(err);
		done--;
	}
}

static void
entry_remove(struct tls_crtlist *l, size_t at)
{
	memmove(&l->entries.v[at], &l->entries.v[at + 1],
	        (l->entries.n - at - 1) * sizeof(l->entries.v[0]));
	l->entries.n--;
}

static void
entry_insert(struct tls_crtlist *l, size_t at, struct tls_crtlist_entry *e)
{
	VEC_PUSH(l->entries, e);
	memmove(&l->entries.v[at + 1], &l->entries.v[at],
	        (l->entries.n - at - 1) * sizeof(l->entries.v[0]));
	l->entries.v[at] = e;
}

static const char *
global_base(struct tls_store *st, bool ca)
{
	const struct cfg_global *g = st->cfg ? st->cfg->global : NULL;
	return g == NULL ? NULL : ca ? g->ca_base : g->crt_base;
}

int
tls_crtlist_add(struct tls_store *st, const char *file, const char *line,
                struct sbuf *out)
{
	char *path = strip_slashes(file), *crt = NULL, *err = NULL;
	struct tls_crtlist_entry *e = xcalloc(1, sizeof(*e));
	struct tls_crtlist *l;
	struct tls_cert *c;
	size_t len = strlen(line), done = 0;
	int ret = -1;

	pthread_mutex_lock(&st->lock);
	if ((l = tls_store_crtlist(st, path)) == NULL) {
		err = xasprintf("crt-list '%s' does not exist!", path);
		goto fail;
	}
	if (len > 0 && line[len - 1] == '\n')
		len--;
	if (len == 0 || memchr(line, '\n', len)) {
		err = xstrdup("only one line of payload is supported!");
		goto fail;
	}
	char *one = xstrndup(line, len);
	int r = tls_crtlist_parse_line(one, global_base(st, true), &crt, e, &err);
	free(one);
	if (r < 0)
		goto fail;
	if (crt == NULL) {
		err = xstrdup("'add ssl crtlist' should contain the certificate name in the payload");
		goto fail;
	}
	char *full = ou_path(global_base(st, false), crt);
	free(crt);
	crt = full;
	if ((c = tls_store_cert(st, crt)) == NULL) {
		err = xasprintf("certificate '%s' does not exist!", crt);
		goto fail;
	}
	if (c->cert == NULL) {
		err = xasprintf("certificate '%s' is empty!", crt);
		goto fail;
	}
	e->cert = c;
	e->line = linecount(l) + 1;
	VEC_PUSH(l->entries, e);
	sbuf_addf(out, "Inserting certificate '%s' in crt-list '%s'", crt, l->path);
	if (rebuild_users(st, l, &done, &err) < 0) {
		size_t n = err ? strlen(err) : 0;
		/* HAProxy has written the failing bind's dot too */
		for (size_t i = 0; i <= done; i++)
			sbuf_addc(out, '.');
		l->entries.n--;
		restore_users(st, l, done);
		sbuf_addf(out, "\n%s%sFailed!\n", err ? err : "", n && err[n - 1] != '\n' ? "\n" : "");
		/* the answer is HAProxy's streamed one, not a "Can't" error */
		ret = 0;
		goto done;
	}
	for (size_t i = 0; i < done; i++)
		sbuf_addc(out, '.');
	sbuf_adds(out, "\nSuccess!\n");
	l->linecount = e->line;
	e = NULL;
	ret = 0;
	goto done;
fail:
	sbuf_addf(out, "Can't edit the crt-list: %s\n", err ? err : "");
done:
	pthread_mutex_unlock(&st->lock);
	if (e)
		tls_crtlist_entry_free(e);
	free(err);
	free(crt);
	free(path);
	return ret;
}

int
tls_crtlist_del(struct tls_store *st, const char *file, const char *entry,
                struct sbuf *out)
{
	char *path = strip_slashes(file), *crt = xstrdup(entry), *err = NULL;
	struct sbuf lines = { 0 };
	struct tls_crtlist *l;
	struct tls_cert *c;
	size_t done = 0, at = 0, found = 0;
	long linenum = 0;
	int ret = -1;

	pthread_mutex_lock(&st->lock);
	char *colon = strchr(crt, ':');
	if (colon) {
		char *end;
		errno = 0;
		linenum = strtol(colon + 1, &end, 10);
		if (end == colon + 1 || *end != 0 || errno) {
			err = xasprintf("wrong line number after colons in '%s'!", entry);
			goto fail;
		}
		*colon = 0;
	}
	if ((l = tls_store_crtlist(st, path)) == NULL) {
		err = xasprintf("crt-list '%s' does not exist!", path);
		goto fail;
	}
	if ((c = tls_store_cert(st, crt)) == NULL) {
		err = xasprintf("certificate '%s' does not exist!", crt);
		goto fail;
	}
	if (c->cert == NULL) {
		err = xasprintf("certificate '%s' is empty!", crt);
		goto fail;
	}
	for (size_t i = 0; i < l->entries.n; i++) {
		const struct tls_crtlist_entry *x = l->entries.v[i];
		if (x->cert != c)
			continue;
		sbuf_addf(&lines, "%s%d", lines.len ? ", " : "", x->line);
		if (linenum == 0 || x->line == linenum) {
			if (found == 0)
				at = i;
			found++;
		}
	}
	if (lines.len == 0) {
		err = xasprintf("certificate '%s' can't be found in crt-list '%s'!", crt, path);
		goto fail;
	}
	if (found == 0) {
		err = xasprintf("found a certificate '%s' but the line number is incorrect, please specify a correct line number preceded by colons (%s)!",
		                crt, lines.s);
		goto fail;
	}
	if (linenum == 0 && found > 1) {
		err = xasprintf("found the certificate '%s' in several entries, please specify a line number preceded by colons (%s)!",
		                crt, lines.s);
		goto fail;
	}
	struct tls_crtlist_entry *e = l->entries.v[at];
	entry_remove(l, at);
	if (rebuild_users(st, l, &done, &err) < 0) {
		entry_insert(l, at, e);
		restore_users(st, l, done);
		goto fail;
	}
	tls_crtlist_entry_free(e);
	sbuf_addf(out, "Entry '%s' deleted in crtlist '%s'!\n", crt, path);
	ret = 0;
	goto done;
fail:
	sbuf_addf(out, "Can't delete the entry: %s\n", err ? err : "");
done:
	pthread_mutex_unlock(&st->lock);
	free(lines.s);
	free(err);
	free(crt);
	free(path);
	return ret;
}
