#define PCRE2_CODE_UNIT_WIDTH 8
#include "regex.h"

#include <pcre2.h>
#include <pthread.h>
#include <stdlib.h>

#include "util.h"

struct rx {
	pcre2_code *code;
};

/* Match data is per thread: a compiled pattern is shared by the threads
 * of the engine, its matches are not. A thread-specific key frees it
 * when its thread exits (workers, the health thread). */
static _Thread_local pcre2_match_data *tl_md;
static pthread_key_t md_key;
static pthread_once_t md_once = PTHREAD_ONCE_INIT;

static void
md_free(void *p)
{
	pcre2_match_data_free(p);
}

static void
md_key_init(void)
{
	(void)pthread_key_create(&md_key, md_free);
}

static pcre2_match_data *
md_get(void)
{
	if (tl_md == NULL) {
		tl_md = pcre2_match_data_create(16, NULL);
		if (tl_md == NULL)
			return NULL;
		pthread_once(&md_once, md_key_init);
		(void)pthread_setspecific(md_key, tl_md);
	}
	return tl_md;
}

struct rx *
rx_compile(const char *pattern, bool icase, char **err)
{
	int ec;
	PCRE2_SIZE off;
	pcre2_code *code = pcre2_compile((PCRE2_SPTR)pattern, PCRE2_ZERO_TERMINATED,
	                                 icase ? PCRE2_CASELESS : 0, &ec, &off, NULL);
	if (code == NULL) {
		PCRE2_UCHAR buf[256];
		if (pcre2_get_error_message(ec, buf, sizeof(buf)) < 0)
			buf[0] = '\0';
		*err = xasprintf("regex '%s' is invalid (error=%s, erroffset=%zu)",
		                 pattern, (char *)buf, (size_t)off);
		return NULL;
	}
	/* JIT when the platform has it: it only speeds matching up. */
	(void)pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
	struct rx *rx = xcalloc(1, sizeof(*rx));
	rx->code = code;
	return rx;
}

bool
rx_match(const struct rx *rx, const char *s, size_t len)
{
	if (md_get() == NULL)
		return false;
	return pcre2_match(rx->code, (PCRE2_SPTR)s, len, 0, 0, tl_md, NULL) >= 0;
}

int
rx_exec(const struct rx *rx, const char *s, size_t len, size_t start,
        bool notbol, size_t *ovec, int nvec)
{
	if (md_get() == NULL)
		return -1;
	int rc = pcre2_match(rx->code, (PCRE2_SPTR)s, len, start,
	                     notbol ? PCRE2_NOTBOL : 0, tl_md, NULL);
	if (rc < 0)
		return -1;
	PCRE2_SIZE *ov = pcre2_get_ovector_pointer(tl_md);
	uint32_t have = pcre2_get_ovector_count(tl_md);
	/* rc == 0: the ovector was too small; every pair it holds is set */
	int got = rc == 0 ? (int)have : rc;
	for (int i = 0; i < nvec; i++) {
		bool set = i < got && (uint32_t)i < have &&
		           ov[2 * i] != PCRE2_UNSET;
		ovec[2 * i] = set ? (size_t)ov[2 * i] : RX_UNSET;
		ovec[2 * i + 1] = set ? (size_t)ov[2 * i + 1] : RX_UNSET;
	}
	return got < nvec ? got : nvec;
}

int
rx_groups(const struct rx *rx)
{
	uint32_t n = 0;
	pcre2_pattern_info(rx->code, PCRE2_INFO_CAPTURECOUNT, &n);
	return (int)n;
}

void
rx_free(struct rx *rx)
{
	if (rx == NULL)
		return;
	pcre2_code_free(rx->code);
	free(rx);
}
