/* "userlist <name>" sections (HAProxy's auth.c): users with a crypt(3)
 * hash or a plain password, and groups. Owned by struct cfg (cfg->userlists),
 * freed by ulist_free(). Used by the fetches http_auth(<userlist>),
 * http_auth_group(<userlist>) and the ACL http_auth_group (engine). */
#ifndef SLUICE_PARSER_USERLIST_H
#define SLUICE_PARSER_USERLIST_H

#include "cfg.h"
#include "kw.h"

struct cfg_ul_user {
	char *name;
	char *pass;             /* hash or plain password; NULL: none given */
	bool insecure;          /* "insecure-password" was seen (sticky, as in
	                           HAProxy: a later "password" keeps it) */
	char *groups_names;     /* "groups a,b" as written, or NULL */
	VEC(size_t) groups;     /* indexes in the list's groups, after resolve */
	struct cfg_loc loc;
};

struct cfg_ul_group {
	char *name;
	char *users_names;      /* "users a,b" as written, or NULL */
	struct cfg_loc loc;
};

struct cfg_userlist {
	char *name;
	struct cfg_loc loc;
	VEC(struct cfg_ul_user) users;
	VEC(struct cfg_ul_group) groups;
};

/* Starts a section from its line w[0..n); false after reporting. */
bool ulist_section(struct cfg_ctx *cx, struct cfg_word *w, int n);
/* A line inside the current section (it goes to the last list created,
 * as in HAProxy, even after an ignored duplicate "userlist" line). */
void ulist_keyword(struct cfg_ctx *cx, struct cfg_word *w, int n);
/* Resolve pass: "groups" of users and "users" of groups must name members
 * of the same list; each problem is an error at the line that names it. */
int ulists_resolve(struct cfg *cfg, struct diag *d);
const struct cfg_userlist *ulist_find(const struct cfg *cfg, const char *name);
/* HAProxy's check_user(): user exists in ul and pass matches. */
bool ulist_check(const struct cfg_userlist *ul, const char *user, const char *pass);
/* Whether user of ul belongs to the group named g. */
bool ulist_in_group(const struct cfg_userlist *ul, const char *user, const char *g);
/* Whether ul declares the group g. */
bool ulist_has_group(const struct cfg_userlist *ul, const char *g);
void ulists_free(struct cfg *cfg);

#endif
