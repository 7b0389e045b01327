/* "userlist" sections (userlist.h), with HAProxy 2.6's messages
 * (cfg_parse_users() and userlist_postinit()). */
#include "userlist.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/passwd.h"
#include "resolve.h"

/* HAProxy's invalid_char(): the first character not allowed in a name. */
static const char *
bad_char(const char *s)
{
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '.' && *s != '_' &&
		    *s != '-' && *s != ':')
			return s;
	return NULL;
}

const struct cfg_userlist *
ulist_find(const struct cfg *cfg, const char *name)
{
	for (size_t i = 0; cfg && name && i < cfg->userlists.n; i++)
		if (strcmp(cfg->userlists.v[i]->name, name) == 0)
			return cfg->userlists.v[i];
	return NULL;
}

bool
ulist_section(struct cfg_ctx *cx, struct cfg_word *w, int n)
{
	if (n < 2) {
		cx_error(cx, &w[0], "'%s' expects <name> as arguments.", w[0].s);
		return false;
	}
	if (n > 2) {
		cx_error(cx, &w[2], "'%s' cannot handle unexpected argument '%s'.", w[0].s, w[2].s);
		return false;
	}
	const char *bad = bad_char(w[1].s);
	if (bad) {
		cx_error(cx, &w[1], "character '%c' is not permitted in '%s' name '%s'.",
		         *bad, w[0].s, w[1].s);
		return false;
	}
	if (ulist_find(cx->cfg, w[1].s)) {
		/* HAProxy goes on filling the last list created */
		cx_warn(cx, &w[1], "ignoring duplicated userlist '%s'.", w[1].s);
		return cx->cfg->userlists.n > 0;
	}
	struct cfg_userlist *ul = xcalloc(1, sizeof(*ul));
	ul->name = xstrdup(w[1].s);
	ul->loc = w[0].loc;
	VEC_PUSH(cx->cfg->userlists, ul);
	return true;
}

/* The value after option word i ("" when the line ends, as HAProxy reads
 * its empty trailing arguments). */
static const char *
opt_val(struct cfg_word *w, int n, int i)
{
	return i + 1 < n ? w[i + 1].s : "";
}

static void
group_line(struct cfg_ctx *cx, struct cfg_userlist *ul, struct cfg_word *w, int n)
{
	if (n < 2 || w[1].s[0] == '\0') {
		cx_error(cx, &w[0], "'%s' expects <name> as arguments.", w[0].s);
		return;
	}
	const char *bad = bad_char(w[1].s);
	if (bad) {
		cx_error(cx, &w[1], "character '%c' is not permitted in '%s' name '%s'.",
		         *bad, w[0].s, w[1].s);
		return;
	}
	if (ulist_has_group(ul, w[1].s)) {
		cx_warn(cx, &w[1], "ignoring duplicated group '%s' in userlist '%s'.",
		        w[1].s, ul->name);
		return;
	}
	char *users = NULL;
	/* an empty word where an option is expected ends the line there */
	for (int i = 2; i < n && w[i].s[0]; i += 2) {
		if (strcmp(w[i].s, "users") != 0) {
			cx_error(cx, &w[i], "'%s' only supports 'users' option.", w[0].s);
			free(users);
			return;
		}
		free(users);
		users = xstrdup(opt_val(w, n, i));
	}
	struct cfg_ul_group g = { xstrdup(w[1].s), users, w[0].loc };
	VEC_PUSH(ul->groups, g);
}

static void
user_line(struct cfg_ctx *cx, struct cfg_userlist *ul, struct cfg_word *w, int n)
{
	if (n < 2 || w[1].s[0] == '\0') {
		cx_error(cx, &w[0], "'%s' expects <name> as arguments.", w[0].s);
		return;
	}
	for (size_t i = 0; i < ul->users.n; i++)
		if (strcmp(ul->users.v[i].name, w[1].s) == 0) {
			cx_warn(cx, &w[1], "ignoring duplicated user '%s' in userlist '%s'.",
			        w[1].s, ul->name);
			return;
		}
	struct cfg_ul_user u = { .name = xstrdup(w[1].s), .loc = w[0].loc };
	int rc = 0;
	for (int i = 2; i < n && w[i].s[0] && rc == 0; i += 2) {
		const char *v = opt_val(w, n, i);
		if (strcmp(w[i].s, "password") == 0) {
			/* HAProxy fails here only where crypt() returns NULL (the
			 * BSDs); libxcrypt returns a "*" token it accepts: such a
			 * user can never log in, say so */
			if (!pw_hash_supported(v))
				cx_warn(cx, i + 1 < n ? &w[i + 1] : &w[i],
				        "the encrypted password used for user '%s' is not supported by crypt(3): this user can never be authenticated.",
				        u.name);
			free(u.pass);
			u.pass = xstrdup(v);
		} else if (strcmp(w[i].s, "insecure-password") == 0) {
			free(u.pass);
			u.pass = xstrdup(v);
			u.insecure = true;
		} else if (strcmp(w[i].s, "groups") == 0) {
			free(u.groups_names);
			u.groups_names = xstrdup(v);
		} else {
			cx_error(cx, &w[i], "'%s' only supports 'password', 'insecure-password' and 'groups' options.",
			         w[0].s);
			rc = -1;
		}
	}
	/* HAProxy keeps the user it had already added when an option is
	 * wrong; the config is refused anyway */
	VEC_PUSH(ul->users, u);
}

void
ulist_keyword(struct cfg_ctx *cx, struct cfg_word *w, int n)
{
	struct cfg *cfg = cx->cfg;
	if (cfg->userlists.n == 0)
		return;
	struct cfg_userlist *ul = cfg->userlists.v[cfg->userlists.n - 1];
	if (strcmp(w[0].s, "group") == 0)
		group_line(cx, ul, w, n);
	else if (strcmp(w[0].s, "user") == 0)
		user_line(cx, ul, w, n);
	else
		cx_error(cx, &w[0], "unknown keyword '%s' in '%s' section", w[0].s, "users");
}

static long
group_idx(const struct cfg_userlist *ul, const char *g, size_t len)
{
	for (size_t i = 0; i < ul->groups.n; i++)
		if (strlen(ul->groups.v[i].name) == len &&
		    strncmp(ul->groups.v[i].name, g, len) == 0)
			return (long)i;
	return -1;
}

static struct cfg_ul_user *
user_find(const struct cfg_userlist *ul, const char *u, size_t len)
{
	for (size_t i = 0; i < ul->users.n; i++)
		if (strlen(ul->users.v[i].name) == len &&
		    strncmp(ul->users.v[i].name, u, len) == 0)
			return &ul->users.v[i];
	return NULL;
}

static void
add_group(struct cfg_ul_user *u, size_t gi)
{
	for (size_t i = 0; i < u->groups.n; i++)
		if (u->groups.v[i] == gi)
			return;
	VEC_PUSH(u->groups, gi);
}

/* The next non-empty item of the comma list at *pp (strtok() in HAProxy
 * skips empty ones): its start, *len set, *pp moved past it; NULL at the
 * end. */
static const char *
next_item(const char **pp, size_t *len)
{
	const char *p = *pp;
	while (p && *p == ',')
		p++;
	if (p == NULL || *p == '\0')
		return NULL;
	*len = strcspn(p, ",");
	*pp = p + *len;
	return p;
}

int
ulists_resolve(struct cfg *cfg, struct diag *d)
{
	int rc = 0;
	size_t len;
	for (size_t l = 0; l < cfg->userlists.n; l++) {
		struct cfg_userlist *ul = cfg->userlists.v[l];
		for (size_t i = 0; i < ul->users.n; i++) {
			struct cfg_ul_user *u = &ul->users.v[i];
			const char *it = u->groups_names, *p;
			while ((p = next_item(&it, &len))) {
				long gi = group_idx(ul, p, len);
				if (gi < 0) {
					diag_error(d, &u->loc, "userlist '%s': no such group '%.*s' specified in user '%s'",
					           ul->name, (int)len, p, u->name);
					rc = -1;
					continue;
				}
				add_group(u, (size_t)gi);
			}
		}
		for (size_t i = 0; i < ul->groups.n; i++) {
			struct cfg_ul_group *g = &ul->groups.v[i];
			const char *it = g->users_names, *p;
			while ((p = next_item(&it, &len))) {
				struct cfg_ul_user *u = user_find(ul, p, len);
				if (u == NULL) {
					diag_error(d, &g->loc, "userlist '%s': no such user '%.*s' specified in group '%s'",
					           ul->name, (int)len, p, g->name);
					rc = -1;
					continue;
				}
				add_group(u, i);
			}
		}
	}
	return rc;
}

bool
ulist_check(const struct cfg_userlist *ul, const char *user, const char *pass)
{
	const struct cfg_ul_user *u = ul && user ? user_find(ul, user, strlen(user)) : NULL;
	return u && pw_check(pass, u->pass, u->insecure);
}

bool
ulist_has_group(const struct cfg_userlist *ul, const char *g)
{
	return ul && g && group_idx(ul, g, strlen(g)) >= 0;
}

bool
ulist_in_group(const struct cfg_userlist *ul, const char *user, const char *g)
{
	const struct cfg_ul_user *u = ul && user ? user_find(ul, user, strlen(user)) : NULL;
	for (size_t i = 0; u && i < u->groups.n; i++)
		if (strcmp(ul->groups.v[u->groups.v[i]].name, g) == 0)
			return true;
	return false;
}

void
ulists_free(struct cfg *cfg)
{
	for (size_t l = 0; l < cfg->userlists.n; l++) {
		struct cfg_userlist *ul = cfg->userlists.v[l];
		for (size_t i = 0; i < ul->users.n; i++) {
			struct cfg_ul_user *u = &ul->users.v[i];
			free(u->name);
			free(u->pass);
			free(u->groups_names);
			free(u->groups.v);
		}
		free(ul->users.v);
		for (size_t i = 0; i < ul->groups.n; i++) {
			free(ul->groups.v[i].name);
			free(ul->groups.v[i].users_names);
		}
		free(ul->groups.v);
		free(ul->name);
		free(ul);
	}
	free(cfg->userlists.v);
}
