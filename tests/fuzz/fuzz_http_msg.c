/* libFuzzer target for engine/http_msg: the input is
 *   <edits byte> <value length byte> <value bytes> <raw request>
 * The request is parsed (proto/http1_req); an accepted one becomes an
 * editable head, gets the edits the first byte selects with the value
 * (made valid for where it goes), is serialised and parsed again. When
 * the head as taken parses again, the edited one must too, keep every
 * field and carry the edits; the views must agree with the head. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine/http_msg.h"
#include "lib/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct h1q_hdr hdrs[256], hdrs2[256];

/* Keeps the bytes allowed by lo..hi minus the ones in bad. */
static size_t
clean(char *v, size_t n, char lo, char hi, const char *bad)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (v[i] >= lo && v[i] <= hi && !strchr(bad, v[i]))
			v[k++] = v[i];
	return k;
}

static void
check_views(const struct hmsg *m)
{
	const struct h1q_req *q = hmsg_req_view(m);
	if (q == NULL || q->nhdrs != m->nhdrs || q->uri != m->uri || q->uri_len != m->uri_len)
		abort();
	for (size_t i = 0; i < m->nhdrs; i++)
		if (q->hdrs[i].value != m->hdrs[i].value || q->hdrs[i].value_len != m->hdrs[i].value_len)
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	unsigned ops = data[0];
	size_t vl = data[1];
	if (2 + vl > size)
		return 0;
	char val[256], path[256], meth[256];
	memcpy(val, data + 2, vl);
	memcpy(path, data + 2, vl);
	memcpy(meth, data + 2, vl);
	/* header values: visible bytes and inner blanks */
	size_t l = clean(val, vl, 0x20, 0x7e, "");
	while (l && val[l - 1] == ' ')
		l--;
	size_t s = 0;
	while (s < l && val[s] == ' ')
		s++;
	const char *v = val + s;
	size_t vlen = l - s;
	size_t plen = clean(path, vl, 0x21, 0x7e, "#?");
	size_t mlen = clean(meth, vl, 'A', 'Z', "");
	size_t rlen = size - 2 - vl;
	char *buf = malloc(rlen ? rlen : 1);
	memcpy(buf, data + 2 + vl, rlen);

	struct h1q_limits lim;
	h1q_limits_default(&lim);
	struct h1q_req r = { .hdrs = hdrs, .hdrs_cap = ARRAY_SIZE(hdrs) };
	if (h1q_parse(buf, rlen, &lim, &r) != H1Q_OK) {
		free(buf);
		return 0;
	}
	struct hmsg m;
	if (hmsg_from_req(&m, &r, 16384) < 0)
		abort();
	check_views(&m);
	/* the head as taken may already not parse again (HAProxy's
	 * normalisation of "http://:80/" leaves "Host: :80" as it is): the
	 * checks below judge only what the edits change */
	struct sbuf out = { 0 };
	hmsg_write(&m, &out);
	struct h1q_limits big = lim;
	big.bufsize = 1 << 20;
	big.maxhdr = 1000; /* edits may add fields beyond the parse limit */
	struct h1q_req p = { .hdrs = hdrs2, .hdrs_cap = ARRAY_SIZE(hdrs2) };
	bool reparses = h1q_parse(out.s, out.len, &big, &p) == H1Q_OK;
	free(out.s);
	if (!reparses) {
		hmsg_free(&m);
		free(buf);
		return 0;
	}
	size_t n0 = m.nhdrs, nx = 0;
	while (hmsg_find(&m, "x-fz", 4, nx) >= 0)
		nx++;
	bool set = false, added = false, pathed = false, queried = false;
	/* CONNECT validates its target and Host apart from every other
	 * method: a change of method to or from it, or of its target, may
	 * make a request the parser refuses, as it must */
	bool was_connect = m.method_len == 7 && !memcmp(m.method, "CONNECT", 7);
	bool to_connect = mlen == 7 && !memcmp(meth, "CONNECT", 7);
	if ((ops & 1) && hmsg_set(&m, "x-fz", 4, v, vlen) == 0)
		set = true;
	if ((ops & 2) && m.nhdrs < 90 && hmsg_add(&m, "X-Fz-Add", 8, v, vlen) == 0)
		added = true;
	if ((ops & 4) && !was_connect && plen && path[0] == '/' &&
	    hmsg_set_path(&m, path, plen) == 0)
		pathed = true;
	/* a query holding "://" would make another form of URI readable
	 * as absolute: only origin-form URIs get one */
	if ((ops & 8) && !was_connect && m.uri_len && m.uri[0] == '/' &&
	    hmsg_set_query(&m, path, plen) == 0)
		queried = plen > 0;
	if ((ops & 16) && mlen && !was_connect && !to_connect)
		hmsg_set_method(&m, meth, mlen);
	if (ops & 32)
		hmsg_del(&m, "x-fz-add", 8), added = false;
	if ((ops & 64) && m.nhdrs > 0) {
		/* a field of the request itself (the framing ones stay) */
		const struct hmsg_hdr *h = &m.hdrs[0];
		if (!(h->name_len == 14 && !strncasecmp(h->name, "content-length", 14)) &&
		    !(h->name_len == 17 && !strncasecmp(h->name, "transfer-encoding", 17)) &&
		    !(h->name_len == 4 && !strncasecmp(h->name, "host", 4)))
			hmsg_set_value(&m, 0, v, vlen);
	}
	check_views(&m);
	if (hmsg_cost(&m) > 16384)
		abort();

	out = (struct sbuf){ 0 };
	hmsg_write(&m, &out);
	if (hmsg_req_view(&m)->head_len != out.len)
		abort();
	p = (struct h1q_req){ .hdrs = hdrs2, .hdrs_cap = ARRAY_SIZE(hdrs2) };
	if (h1q_parse(out.s, out.len, &big, &p) != H1Q_OK)
		abort();
	if (p.nhdrs != m.nhdrs || p.head_len != out.len)
		abort();
	if (p.uri_len != m.uri_len || memcmp(p.uri, m.uri, m.uri_len))
		abort();
	if (set) {
		const struct h1q_hdr *h = h1q_header(&p, "x-fz", 0);
		if (!h || h->value_len != vlen || memcmp(h->value, v, vlen))
			abort();
	}
	if (added && !h1q_header(&p, "x-fz-add", 0))
		abort();
	if ((ops & 32) && h1q_header(&p, "x-fz-add", 0))
		abort();
	if (!(ops & 32) && m.nhdrs != n0 - (set ? nx : 0) + (set ? 1 : 0) + (added ? 1 : 0))
		abort();
	if (pathed) {
		size_t pl;
		const char *pp = h1q_path(&p, &pl);
		if (!pp || pl != plen || memcmp(pp, path, plen))
			abort();
	}
	if (queried) {
		size_t ql;
		const char *qq = h1q_query(&p, &ql);
		if (!qq || ql != plen || memcmp(qq, path, plen))
			abort();
	}
	free(out.s);
	hmsg_free(&m);
	free(buf);
	return 0;
}
