/* Maps and ACLs at run time (reference §3.4): show, get, add, set, del,
 * clear, prepare and commit over the pattern references of
 * engine/patref.h, with HAProxy 2.6's words and error strings. All are
 * allowed at level user, as in 2.6 (reference §0 #18).
 *
 * Which references a command accepts follows what HAProxy 2.6 does (not
 * always symmetric): "show/clear/prepare/commit map" want a map, their
 * "acl" forms an ACL; "get", "add map", "set map", "del map" take any
 * reference; "add acl" refuses a two-column one; "del acl" wants an ACL
 * and says "Unknown map identifier" otherwise (sic). */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "engine/patref.h"
#include "engine/smp_rt.h"
#include "stats/cli.h"

#define ANY_REF (PATREF_MAP | PATREF_ACL)

/* "map" or "acl": the second keyword of the command. */
static bool
is_acl(const struct cli_ctx *c)
{
	return !strcmp(c->cmd->kw[1], "acl");
}

static const char *
arg(const struct cli_ctx *c, int i)
{
	return i < c->nargs && c->args[i] ? c->args[i] : "";
}

static struct patref_reg *
registry(const struct cli_ctx *c)
{
	return c->eng ? smp_rt_patrefs(c->eng->cfg) : NULL;
}

static void
unknown(struct cli_ctx *c, bool acl)
{
	if (acl)
		cli_err(c, "Unknown ACL identifier. Please use #<id> or <file>.");
	else
		cli_err(c, "Unknown map identifier. Please use #<id> or <file>.");
}

/* "@<ver>" at args[i]: the version (HAProxy reads it with strtoul, so
 * "@x" is 0) and i moves past it. */
static bool
version_arg(const struct cli_ctx *c, int *i, unsigned *ver)
{
	const char *a = arg(c, *i);
	if (a[0] != '@')
		return false;
	*ver = (unsigned)strtoul(a + 1, NULL, 10);
	(*i)++;
	return true;
}

/* ---- show ------------------------------------------------------------------ */

/* Cursor: pos[0] = 0 listing / 1 contents, pos[1] = next index, pos[2] =
 * reference id, pos[3] = version. The registry outlives the connection
 * (one per config); indexes are re-read at each step, so a concurrent
 * edit may shift an entry in or out of a dump but never dangles. */
static enum cli_ret
show_io(struct cli_ctx *c)
{
	struct patref_reg *reg = registry(c);
	unsigned kind = is_acl(c) ? PATREF_ACL : PATREF_MAP;
	if (!reg)
		return CLI_DONE;
	if (c->pos[0] == 0) {
		if (c->pos[1] == 0)
			sbuf_adds(c->out, "# id (file) description\n");
		for (size_t i = (size_t)c->pos[1]; i < reg->refs.n; i++) {
			const struct patref *r = reg->refs.v[i];
			c->pos[1] = (long)i + 1;
			if (!(r->kinds & kind))
				continue;
			sbuf_addf(c->out, "%d (%s) %s. curr_ver=%u next_ver=%u entry_cnt=%llu\n",
			          r->id, r->file ? r->file : "", r->desc.s ? r->desc.s : "",
			          r->curr_ver, r->next_ver, r->entry_cnt);
			if (c->out->len > CLI_CHUNK)
				return CLI_MORE;
		}
		return CLI_DONE;
	}
	char name[32];
	snprintf(name, sizeof(name), "#%ld", c->pos[2]);
	const struct patref *r = patref_find(reg, name, ANY_REF);
	if (!r)
		return CLI_DONE;
	for (size_t i = (size_t)c->pos[1]; i < r->elts.n; i++) {
		const struct patref_elt *e = r->elts.v[i];
		c->pos[1] = (long)i + 1;
		if (e->gen != (unsigned)c->pos[3])
			continue;
		if (e->value)
			sbuf_addf(c->out, "%p %s %s\n", (const void *)e, e->key, e->value);
		else
			sbuf_addf(c->out, "%p %s\n", (const void *)e, e->key);
		if (c->out->len > CLI_CHUNK)
			return CLI_MORE;
	}
	return CLI_DONE;
}

static enum cli_ret
show_parse(struct cli_ctx *c)
{
	bool acl = is_acl(c);
	int i = 2;
	unsigned ver = 0;
	bool has_ver = version_arg(c, &i, &ver);
	if (!has_ver && !*arg(c, 2)) {
		c->pos[0] = 0;
		return CLI_MORE;
	}
	const struct patref *r = patref_find(registry(c), arg(c, i),
	                                     acl ? PATREF_ACL : PATREF_MAP);
	if (!r) {
		unknown(c, acl);
		return CLI_DONE;
	}
	c->pos[0] = 1;
	c->pos[2] = r->id;
	c->pos[3] = has_ver ? (long)ver : (long)r->curr_ver;
	return CLI_MORE;
}

/* ---- get --------------------------------------------------------------------- */

static bool
v4_contiguous(struct in_addr m)
{
	uint32_t inv = ~ntohl(m.s_addr);
	return (inv & (inv + 1)) == 0;
}

/* HAProxy indexes exact strings, prefixes and addresses in trees. */
static const char *
idx_kind(const struct patref_user *u, const struct acl_pattern *p)
{
	enum acl_match m = u->kind.regm ? ACL_M_REG : u->kind.m;
	if ((m == ACL_M_STR || m == ACL_M_BEG) && !p->icase)
		return "tree";
	if (m == ACL_M_IP && (p->af == AF_INET6 || v4_contiguous(p->m4)))
		return "tree";
	return "list";
}

static const char *
value_type(const struct patref_user *u, const struct smp_map_entry *me)
{
	switch (u->kind.out) {
	case MAP_OUT_INT:
		return "sint";
	case MAP_OUT_IP:
		return me->af == AF_INET6 ? "ipv6" : "ipv4";
	default:
		return "str";
	}
}

/* One line per compiled form of the reference, as HAProxy prints one per
 * pattern expression. */
static void
get_one(struct cli_ctx *c, struct patref_user *u, const char *value, bool acl)
{
	const char *type = u->kind.regm ? "regm" : acl_match_name(u->kind.m);
	const char *cs = u->kind.icase ? "insensitive" : "sensitive";
	struct smp_ctx ctx;
	struct smp_run run;
	struct smp_val v;
	const struct smp_map_entry *me = NULL;
	const struct acl_pattern *p = NULL;
	size_t caps[20];

	memset(&ctx, 0, sizeof(ctx));
	memset(&v, 0, sizeof(v));
	smp_run_init(&run, &ctx);
	run.final = true;
	v.type = SMP_T_STR;
	v.ptr = value;
	v.len = strlen(value);
	const struct smp_map *map = patref_acquire(u);
	enum acl_match m = u->kind.regm ? ACL_M_REG : u->kind.m;
	if (m != ACL_M_FOUND && m != ACL_M_BOOL &&
	    smp_cast(&run, &v, acl_match_input(m))) {
		me = smp_map_lookup(map, &run, &v, u->kind.regm ? caps : NULL, 10);
		if (me)
			p = smp_map_pattern_at(map, (size_t)(me - smp_map_entry_at(map, 0)));
	}
	if (!me) {
		sbuf_addf(c->out, "type=%s, case=%s, %s=no\n", type, cs,
		          acl ? "match" : "found");
	} else if (acl) {
		sbuf_addf(c->out, "type=%s, case=%s, match=yes, idx=%s, pattern=\"%s\"\n",
		          type, cs, idx_kind(u, p), me->key);
	} else if (!u->kind.values || !me->value) {
		sbuf_addf(c->out, "type=%s, case=%s, found=yes, idx=%s, key=\"%s\", value=none\n",
		          type, cs, idx_kind(u, p), me->key);
	} else {
		sbuf_addf(c->out, "type=%s, case=%s, found=yes, idx=%s, key=\"%s\", value=\"%s\", type=\"%s\"\n",
		          type, cs, idx_kind(u, p), me->key, me->value,
		          value_type(u, me));
	}
	patref_release(u);
	smp_run_done(&run);
}

static enum cli_ret
get_parse(struct cli_ctx *c)
{
	bool acl = is_acl(c);
	if (!*arg(c, 2) || !*arg(c, 3)) {
		cli_err(c, "Missing %s identifier and/or key.", acl ? "ACL" : "map");
		return CLI_DONE;
	}
	struct patref *r = patref_find(registry(c), arg(c, 2), ANY_REF);
	if (!r) {
		unknown(c, acl);
		return CLI_DONE;
	}
	for (size_t i = 0; i < r->users.n; i++)
		get_one(c, r->users.v[i], arg(c, 3), acl);
	return CLI_DONE;
}

/* ---- add --------------------------------------------------------------------- */

static void
publish(struct cli_ctx *c, struct patref *r)
{
	char *err = NULL;
	if (patref_publish(r, &err) < 0) {
		cli_err(c, "%s.", err);
		free(err);
	}
}

/* Adds one entry after checking it for every user: false (with the
 * error written) when it does not parse. */
static bool
add_one(struct cli_ctx *c, struct patref *r, unsigned gen, const char *key,
        const char *value)
{
	char *err = NULL;
	if (patref_check(r, key, value, &err) < 0) {
		cli_err(c, "%s.", err);
		free(err);
		return false;
	}
	patref_add(r, gen, key, value);
	return true;
}

/* The payload form: "key value" per line, split as HAProxy splits it
 * (the key ends at the first blank, the value at the end of the line). */
static void
add_payload(struct cli_ctx *c, struct patref *r, unsigned gen)
{
	size_t len = c->payload_len;
	if (len && c->payload[len - 1] == '\n')
		len--;
	char *buf = xstrndup(c->payload, len);
	char *p = buf, *key, *value;
	bool added = false;
	int rc;
	while ((rc = patref_payload_next(&p, &key, &value)) != 0) {
		if (rc < 0) {
			cli_err(c, "Missing value for key '%s'.", key);
			break;
		}
		if (!add_one(c, r, gen, key, value))
			break;
		added = true;
	}
	free(buf);
	if (added && gen == r->curr_ver)
		publish(c, r);
}

static enum cli_ret
add_parse(struct cli_ctx *c)
{
	bool acl = is_acl(c);
	int i = 2;
	unsigned gen = 0;
	bool has_ver = version_arg(c, &i, &gen);
	bool payload = c->payload != NULL;

	if (acl) {
		if (!*arg(c, i) || !*arg(c, i + 1)) {
			cli_err(c, "'add acl' expects two parameters: ACL identifier and pattern.");
			return CLI_DONE;
		}
	} else if (!*arg(c, i) || (!payload && (!*arg(c, i + 1) || !*arg(c, i + 2)))) {
		cli_err(c, "'add map' expects three parameters (map identifier, key and value) or one parameter (map identifier) and a payload");
		return CLI_DONE;
	}
	struct patref *r = patref_find(registry(c), arg(c, i), ANY_REF);
	if (!r) {
		unknown(c, acl);
		return CLI_DONE;
	}
	if (!has_ver) {
		gen = r->curr_ver;
	} else if (patref_future(r, gen)) {
		cli_err(c, "Version number in the future, please use 'prepare %s' before.",
		        acl ? "acl" : "map");
		return CLI_DONE;
	}
	if (acl && r->two_cols) {
		cli_err(c, "This ACL is shared with a map containing samples. You must use the command 'add map' to add values.");
		return CLI_DONE;
	}
	if (!acl && payload) {
		add_payload(c, r, gen);
		return CLI_DONE;
	}
	if (add_one(c, r, gen, arg(c, i + 1), acl ? NULL : arg(c, i + 2)) &&
	    gen == r->curr_ver)
		publish(c, r);
	return CLI_DONE;
}

/* ---- set, del ---------------------------------------------------------------- */

/* A key written "#<ptr>" names an entry by the pointer "show map"
 * printed: *elt is that entry (NULL for a plain key). False, after
 * writing missing (HAProxy's text differs per command), when no entry
 * has that pointer. */
static bool
ref_elt(struct cli_ctx *c, struct patref *r, const char *key,
        const char *missing, struct patref_elt **elt)
{
	*elt = NULL;
	if (key[0] != '#')
		return true;
	*elt = patref_elt_by_ptr(r, key + 1);
	if (*elt)
		return true;
	cli_err(c, "%s", missing);
	return false;
}

static enum cli_ret
set_parse(struct cli_ctx *c)
{
	if (!*arg(c, 2) || !*arg(c, 3) || !*arg(c, 4)) {
		cli_err(c, "'set map' expects three parameters: map identifier, key and value.");
		return CLI_DONE;
	}
	struct patref *r = patref_find(registry(c), arg(c, 2), ANY_REF);
	if (!r) {
		unknown(c, false);
		return CLI_DONE;
	}
	const char *key = arg(c, 3), *value = arg(c, 4);
	struct patref_elt *elt;
	if (!ref_elt(c, r, key, "key or pattern not found.", &elt))
		return CLI_DONE;
	char *err = NULL;
	if (patref_check(r, elt ? elt->key : key, value, &err) < 0) {
		cli_err(c, "%s.", err);
		free(err);
		return CLI_DONE;
	}
	if (!patref_set(r, elt, key, value)) {
		cli_err(c, "entry not found.");
		return CLI_DONE;
	}
	publish(c, r);
	return CLI_DONE;
}

static enum cli_ret
del_parse(struct cli_ctx *c)
{
	bool acl = is_acl(c);
	if (!*arg(c, 2) || !*arg(c, 3)) {
		cli_err(c, "This command expects two parameters: %s identifier and key.",
		        acl ? "ACL" : "map");
		return CLI_DONE;
	}
	struct patref *r = patref_find(registry(c), arg(c, 2),
	                               acl ? PATREF_ACL : ANY_REF);
	if (!r) {
		unknown(c, false);
		return CLI_DONE;
	}
	const char *key = arg(c, 3);
	struct patref_elt *elt;
	if (!ref_elt(c, r, key, "Key not found.", &elt))
		return CLI_DONE;
	if (!patref_del(r, elt, key)) {
		cli_err(c, "Key not found.");
		return CLI_DONE;
	}
	publish(c, r);
	return CLI_DONE;
}

/* ---- clear, prepare, commit ----------------------------------------------------- */

static enum cli_ret
clear_parse(struct cli_ctx *c)
{
	bool acl = is_acl(c);
	int i = 2;
	unsigned gen = 0;
	bool has_ver = version_arg(c, &i, &gen);
	if (!*arg(c, i)) {
		cli_err(c, "Missing %s identifier.", acl ? "ACL" : "map");
		return CLI_DONE;
	}
	struct patref *r = patref_find(registry(c), arg(c, i),
	                               acl ? PATREF_ACL : PATREF_MAP);
	if (!r) {
		unknown(c, acl);
		return CLI_DONE;
	}
	if (!has_ver)
		gen = r->curr_ver;
	patref_clear(r, gen);
	if (gen == r->curr_ver)
		publish(c, r);
	return CLI_DONE;
}

static enum cli_ret
prepare_parse(struct cli_ctx *c)
{
	bool acl = is_acl(c);
	struct patref *r = patref_find(registry(c), arg(c, 2),
	                               acl ? PATREF_ACL : PATREF_MAP);
	if (!r) {
		unknown(c, acl);
		return CLI_DONE;
	}
	cli_msg(c, 6, "New version created: %u", patref_prepare(r));
	return CLI_DONE;
}

static enum cli_ret
commit_parse(struct cli_ctx *c)
{
	bool acl = is_acl(c);
	int i = 2;
	unsigned gen = 0;
	if (!version_arg(c, &i, &gen)) {
		cli_err(c, "Missing version number.");
		return CLI_DONE;
	}
	struct patref *r = patref_find(registry(c), arg(c, i),
	                               acl ? PATREF_ACL : PATREF_MAP);
	if (!r) {
		unknown(c, acl);
		return CLI_DONE;
	}
	if (patref_commit(r, gen) < 0) {
		cli_err(c, "Version number out of range.");
		return CLI_DONE;
	}
	publish(c, r);
	return CLI_DONE;
}

#define U CLI_LEVEL_USER
const struct cli_cmd cli_cmds_map[] = {
	{ { "add", "acl", NULL }, "add acl [@<ver>] <acl> <pattern>",
	  "add an acl entry", U, add_parse, NULL },
	{ { "add", "map", NULL }, "add map [@<ver>] <map> <key> <val>",
	  "add a map entry (payload: one \"key value\" per line)", U, add_parse, NULL },
	{ { "clear", "acl", NULL }, "clear acl [@<ver>] <acl>",
	  "clear the entries of an acl version", U, clear_parse, NULL },
	{ { "clear", "map", NULL }, "clear map [@<ver>] <map>",
	  "clear the entries of a map version", U, clear_parse, NULL },
	{ { "commit", "acl", NULL }, "commit acl @<ver> <acl>",
	  "make an acl version current", U, commit_parse, NULL },
	{ { "commit", "map", NULL }, "commit map @<ver> <map>",
	  "make a map version current", U, commit_parse, NULL },
	{ { "del", "acl", NULL }, "del acl <acl> [<key>|#<ref>]",
	  "delete acl entries", U, del_parse, NULL },
	{ { "del", "map", NULL }, "del map <map> [<key>|#<ref>]",
	  "delete map entries", U, del_parse, NULL },
	{ { "get", "acl", NULL }, "get acl <acl> <value>",
	  "match a value against an acl", U, get_parse, NULL },
	{ { "get", "map", NULL }, "get map <acl> <value>",
	  "look a value up in a map", U, get_parse, NULL },
	{ { "prepare", "acl", NULL }, "prepare acl <acl>",
	  "start a new acl version", U, prepare_parse, NULL },
	{ { "prepare", "map", NULL }, "prepare map <acl>",
	  "start a new map version", U, prepare_parse, NULL },
	{ { "set", "map", NULL }, "set map <map> [<key>|#<ref>] <value>",
	  "modify a map entry", U, set_parse, NULL },
	{ { "show", "acl", NULL }, "show acl [@<ver>] <acl>]",
	  "list acls or dump an acl's entries", U, show_parse, show_io },
	{ { "show", "map", NULL }, "show map [@ver] [map]",
	  "list maps or dump a map's entries", U, show_parse, show_io },
	{ .kw = { NULL } },
};
