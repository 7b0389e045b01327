/* Converters that encode, hash, digest and format dates (HAProxy's
 * sample.c): hex, base64/base64url, url_dec/url_enc, json, be2dec/be2hex,
 * sdbm/djb2/wt6/crc32/crc32c/xxh32/xxh64, digest/sha1/sha2/hmac,
 * http_date/ltime/utime. Registered in conv_rt.c's dispatch through
 * smp_conv_codec[]. */
#include <arpa/inet.h>
#include <ctype.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/lb.h"
#include "engine/smp_rt.h"
#include "lib/xxhash.h"



/* ---- encodings ------------------------------------------------------------------ */

static const char hexd[] = "0123456789ABCDEF";

CONV(c_hex)
{
	struct smp_chunk *o = smp_run_out(run, v, NULL);
	for (size_t i = 0; i < v->len; i++) {
		unsigned char b = (unsigned char)v->ptr[i];
		chunk_addc(o, hexd[b >> 4]);
		chunk_addc(o, hexd[b & 15]);
	}
	cv_out_chunk(v, SMP_T_STR, o);
	return true;
}

static int
hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	ch = (char)tolower((unsigned char)ch);
	return ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
}

CONV(c_hex2i)
{
	long long r = 0;
	size_t i = 0;
	bool neg = false;
	if (i < v->len && v->ptr[i] == '-')
		neg = true, i++;
	for (; i < v->len && hexval(v->ptr[i]) >= 0; i++)
		r = (long long)((unsigned long long)r << 4) | hexval(v->ptr[i]);
	v->type = SMP_T_SINT;
	v->sint = neg ? -r : r;
	return true;
}

CONV(c_htonl)
{
	uint32_t u = htonl((uint32_t)v->sint);
	struct smp_chunk *o = smp_run_out(run, NULL, NULL);
	chunk_add(o, &u, 4);
	cv_out_chunk(v, SMP_T_BIN, o);
	return true;
}

static bool
b64_enc(struct smp_run *run, struct smp_val *v, bool url)
{
	const char *al = url ? "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	                     : "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	struct smp_chunk *o = smp_run_out(run, v, NULL);
	const unsigned char *p = (const unsigned char *)v->ptr;
	size_t i = 0;
	for (; i + 2 < v->len; i += 3) {
		uint32_t x = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		chunk_addc(o, al[x >> 18]);
		chunk_addc(o, al[(x >> 12) & 63]);
		chunk_addc(o, al[(x >> 6) & 63]);
		chunk_addc(o, al[x & 63]);
	}
	if (i < v->len) {
		uint32_t x = (uint32_t)p[i] << 16;
		if (i + 1 < v->len)
			x |= (uint32_t)p[i + 1] << 8;
		chunk_addc(o, al[x >> 18]);
		chunk_addc(o, al[(x >> 12) & 63]);
		if (i + 1 < v->len)
			chunk_addc(o, al[(x >> 6) & 63]);
		else if (!url)
			chunk_addc(o, '=');
		if (!url)
			chunk_addc(o, '=');
	}
	cv_out_chunk(v, SMP_T_STR, o);
	return true;
}

static int
b64_val(char ch, bool url)
{
	if (ch >= 'A' && ch <= 'Z')
		return ch - 'A';
	if (ch >= 'a' && ch <= 'z')
		return ch - 'a' + 26;
	if (ch >= '0' && ch <= '9')
		return ch - '0' + 52;
	if (ch == (url ? '-' : '+'))
		return 62;
	if (ch == (url ? '_' : '/'))
		return 63;
	return -1;
}

/* Decodes base64 (url: base64url, padding optional) of p[0..n) into o.
 * false on invalid input. */
static bool
b64_decode(const char *p, size_t n, bool url, struct smp_chunk *o)
{
	uint32_t acc = 0;
	int bits = 0;
	size_t i = 0, pad = 0;
	if (!url && n % 4)
		return false;
	for (; i < n; i++) {
		if (p[i] == '=') {
			pad++;
			continue;
		}
		if (pad)
			return false;
		int x = b64_val(p[i], url);
		if (x < 0)
			return false;
		acc = acc << 6 | (uint32_t)x;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			chunk_addc(o, (char)(acc >> bits));
		}
	}
	if (pad > 2 || (url && n % 4 == 1 && !pad))
		return false;
	return true;
}

static bool
b64_dec(struct smp_run *run, struct smp_val *v, bool url)
{
	struct smp_chunk *o = smp_run_out(run, v, NULL);
	if (!b64_decode(v->ptr, v->len, url, o))
		return false;
	cv_out_chunk(v, SMP_T_BIN, o);
	return true;
}

CONV(c_base64) { return b64_enc(run, v, false); }
CONV(c_ub64enc) { return b64_enc(run, v, true); }
CONV(c_b64dec) { return b64_dec(run, v, false); }
CONV(c_ub64dec) { return b64_dec(run, v, true); }

/* url_dec([<in_form>]): url_decode(); '+' is a space in forms (and
 * after a '?'). An invalid escape fails. */
CONV(c_url_dec)
{
	bool form = cv_arg_int(c, 0, 0) != 0;
	struct smp_chunk *o = smp_run_out(run, v, NULL);
	for (size_t i = 0; i < v->len; i++) {
		char ch = v->ptr[i];
		if (ch == '+') {
			chunk_addc(o, form ? ' ' : '+');
		} else if (ch == '%') {
			if (i + 2 >= v->len || hexval(v->ptr[i + 1]) < 0 ||
			    hexval(v->ptr[i + 2]) < 0)
				return false;
			chunk_addc(o, (char)(hexval(v->ptr[i + 1]) << 4 |
			                     hexval(v->ptr[i + 2])));
			i += 2;
		} else {
			if (ch == '?')
				form = true;
			chunk_addc(o, ch);
		}
	}
	cv_out_chunk(v, SMP_T_STR, o);
	return true;
}

CONV(c_url_enc)
{
	struct smp_chunk *o = smp_run_out(run, v, NULL);
	for (size_t i = 0; i < v->len; i++) {
		unsigned char ch = (unsigned char)v->ptr[i];
		if (isalnum(ch) || strchr("-._~", ch))
			chunk_addc(o, (char)ch);
		else {
			chunk_addc(o, '%');
			chunk_addc(o, hexd[ch >> 4]);
			chunk_addc(o, hexd[ch & 15]);
		}
	}
	cv_out_chunk(v, SMP_T_STR, o);
	return true;
}

/* json([<input-code>]): sample_conv_json(). ascii escapes bytes above
 * 127 one by one; the utf8 modes decode UTF-8 and fail (utf8, utf8p) or
 * skip (utf8s, utf8ps) invalid sequences. */
CONV(c_json)
{
	const char *mode = cv_arg_str(c, 0) ? cv_arg_str(c, 0) : "";
	bool utf8 = !strncmp(mode, "utf8", 4), skip = strchr(mode, 's') != NULL;
	struct smp_chunk *o = smp_run_out(run, v, NULL);
	const unsigned char *p = (const unsigned char *)v->ptr;
	for (size_t i = 0; i < v->len; i++) {
		unsigned ch = p[i];
		if (ch == '"')
			chunk_add(o, "\\\"", 2);
		else if (ch == '\\')
			chunk_add(o, "\\\\", 2);
		else if (ch == '/')
			chunk_add(o, "\\/", 2);
		else if (ch == '\b')
			chunk_add(o, "\\b", 2);
		else if (ch == '\f')
			chunk_add(o, "\\f", 2);
		else if (ch == '\r')
			chunk_add(o, "\\r", 2);
		else if (ch == '\n')
			chunk_add(o, "\\n", 2);
		else if (ch == '\t')
			chunk_add(o, "\\t", 2);
		else if (ch < 32 || (ch > 126 && !utf8))
			chunk_addf(o, "\\u%04x", ch);
		else if (ch > 126) {
			int n = ch >= 0xf0 ? 3 : ch >= 0xe0 ? 2 : ch >= 0xc0 ? 1 : -1;
			unsigned cp = n == 3 ? ch & 7 : n == 2 ? ch & 15 : ch & 31;
			bool ok = n > 0 && i + (size_t)n < v->len;
			for (int k = 1; ok && k <= n; k++) {
				if ((p[i + (size_t)k] & 0xc0) != 0x80)
					ok = false;
				else
					cp = cp << 6 | (p[i + (size_t)k] & 0x3f);
			}
			if (!ok) {
				if (!skip)
					return false;
				continue;
			}
			if (cp < 0x10000)
				chunk_addf(o, "\\u%04x", cp);
			else
				chunk_add(o, (const char *)p + i, (size_t)n + 1);
			i += (size_t)n;
		} else
			chunk_addc(o, (char)ch);
	}
	cv_out_chunk(v, SMP_T_STR, o);
	return true;
}

/* be2dec(<sep>,<chunk_size>[,<truncate>]) / be2hex(...) */
static bool
be2(struct smp_run *run, const struct smp_conv_call *c, struct smp_val *v,
    bool hex)
{
	const char *sep = cv_arg_str(c, 0) ? cv_arg_str(c, 0) : "";
	long long csz = cv_arg_int(c, 1, 1), trunc = cv_arg_int(c, 2, 0);
	if (csz < 1 || csz > 8)
		return false;
	const unsigned char *p = (const unsigned char *)v->ptr;
	size_t n = v->len;
	if (trunc)
		n -= n % (size_t)csz;
	struct smp_chunk *o = smp_run_out(run, v, NULL);
	for (size_t i = 0; i < n; i += (size_t)csz) {
		size_t k = (size_t)csz < n - i ? (size_t)csz : n - i;
		if (i)
			chunk_add(o, sep, strlen(sep));
		if (hex) {
			for (size_t j = 0; j < k; j++) {
				chunk_addc(o, hexd[p[i + j] >> 4]);
				chunk_addc(o, hexd[p[i + j] & 15]);
			}
		} else {
			unsigned long long x = 0;
			for (size_t j = 0; j < k; j++)
				x = x << 8 | p[i + j];
			chunk_addf(o, "%llu", x);
		}
	}
	cv_out_chunk(v, SMP_T_STR, o);
	return true;
}

CONV(c_be2dec) { return be2(run, c, v, false); }
CONV(c_be2hex) { return be2(run, c, v, true); }

/* ---- hashes ------------------------------------------------------------------ */

static bool
hash_out(struct smp_val *v, const struct smp_conv_call *c, uint32_t h)
{
	if (cv_arg_int(c, 0, 0))
		h = lb_full_hash(h);
	v->type = SMP_T_SINT;
	v->sint = h;
	return true;
}

CONV(c_sdbm) { return hash_out(v, c, lb_hash_sdbm(v->ptr, v->len)); }
CONV(c_djb2) { return hash_out(v, c, lb_hash_djb2(v->ptr, v->len)); }
CONV(c_wt6) { return hash_out(v, c, lb_hash_wt6(v->ptr, v->len)); }
CONV(c_crc32) { return hash_out(v, c, lb_hash_crc32(v->ptr, v->len)); }

CONV(c_crc32c)
{
	uint32_t crc = 0xffffffffu;
	for (size_t i = 0; i < v->len; i++) {
		crc ^= (unsigned char)v->ptr[i];
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0x82f63b78u & (0u - (crc & 1)));
	}
	return hash_out(v, c, ~crc);
}

static uint32_t
rd32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

#define ROTL32(x, r) (((x) << (r)) | ((x) >> (32 - (r))))

static uint32_t
xxh32(const unsigned char *p, size_t len, uint32_t seed)
{
	const uint32_t P1 = 2654435761u, P2 = 2246822519u, P3 = 3266489917u,
	               P4 = 668265263u, P5 = 374761393u;
	const unsigned char *end = p + len;
	uint32_t h;
	if (len >= 16) {
		uint32_t v1 = seed + P1 + P2, v2 = seed + P2, v3 = seed,
		         v4 = seed - P1;
		do {
			v1 = ROTL32(v1 + rd32(p) * P2, 13) * P1; p += 4;
			v2 = ROTL32(v2 + rd32(p) * P2, 13) * P1; p += 4;
			v3 = ROTL32(v3 + rd32(p) * P2, 13) * P1; p += 4;
			v4 = ROTL32(v4 + rd32(p) * P2, 13) * P1; p += 4;
		} while (p + 16 <= end);
		h = ROTL32(v1, 1) + ROTL32(v2, 7) + ROTL32(v3, 12) + ROTL32(v4, 18);
	} else {
		h = seed + P5;
	}
	h += (uint32_t)len;
	for (; p + 4 <= end; p += 4)
		h = ROTL32(h + rd32(p) * P3, 17) * P4;
	for (; p < end; p++)
		h = ROTL32(h + *p * P5, 11) * P1;
	h ^= h >> 15;
	h *= P2;
	h ^= h >> 13;
	h *= P3;
	h ^= h >> 16;
	return h;
}

CONV(c_xxh32)
{
	v->sint = xxh32((const unsigned char *)v->ptr, v->len,
	                (uint32_t)cv_arg_int(c, 0, 0));
	v->type = SMP_T_SINT;
	return true;
}

CONV(c_xxh64)
{
	v->sint = (long long)hash_xxh64(v->ptr, v->len,
	                                (uint64_t)cv_arg_int(c, 0, 0));
	v->type = SMP_T_SINT;
	return true;
}

static bool
digest_out(struct smp_run *run, struct smp_val *v, const EVP_MD *md)
{
	unsigned char buf[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	if (!md || !EVP_Digest(v->ptr, v->len, buf, &n, md, NULL))
		return false;
	struct smp_chunk *o = smp_run_out(run, v, NULL);
	chunk_add(o, buf, n);
	cv_out_chunk(v, SMP_T_BIN, o);
	return true;
}

CONV(c_digest) { return digest_out(run, v, EVP_get_digestbyname(cv_arg_str(c, 0))); }
CONV(c_sha1) { return digest_out(run, v, EVP_sha1()); }

CONV(c_sha2)
{
	long long bits = cv_arg_int(c, 0, 256);
	const EVP_MD *md = bits == 224 ? EVP_sha224() : bits == 256 ? EVP_sha256()
	                 : bits == 384 ? EVP_sha384() : bits == 512 ? EVP_sha512()
	                 : NULL;
	return digest_out(run, v, md);
}

/* hmac(<alg>,<key>): the key is base64, given as text or as a variable
 * holding it. */
CONV(c_hmac)
{
	const EVP_MD *md = EVP_get_digestbyname(cv_arg_str(c, 0));
	const char *k = cv_arg_str(c, 1);
	struct smp_val var;
	struct smp_chunk key = { 0 };
	unsigned char buf[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	bool ok = false;

	if (!md || !k)
		return false;
	key.p = key.inl;
	key.cap = sizeof(key.inl);
	const char *kp = k;
	size_t kl = strlen(k);
	if (smp_var_get(run, k, &var, v) && smp_cast_keep(run, &var, SMP_T_STR, v)) {
		kp = var.ptr;
		kl = var.len;
	}
	if (b64_decode(kp, kl, false, &key) &&
	    HMAC(md, key.p, (int)key.len, (const unsigned char *)v->ptr, v->len,
	         buf, &n)) {
		struct smp_chunk *o = smp_run_out(run, v, NULL);
		chunk_add(o, buf, n);
		cv_out_chunk(v, SMP_T_BIN, o);
		ok = true;
	}
	if (key.p != key.inl)
		free(key.p);
	return ok;
}

/* ---- dates -------------------------------------------------------------------- */

static const char *const wdays[7] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
static const char *const mons[12] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };

CONV(c_http_date)
{
	long long t = v->sint + cv_arg_int(c, 0, 0);
	const char *unit = cv_arg_str(c, 1);
	if (unit && !strcmp(unit, "ms"))
		t /= 1000;
	else if (unit && !strcmp(unit, "us"))
		t /= 1000000;
	time_t tt = (time_t)t;
	struct tm tm;
	if (!gmtime_r(&tt, &tm))
		return false;
	struct smp_chunk *o = smp_run_out(run, NULL, NULL);
	chunk_addf(o, "%s, %02d %s %04d %02d:%02d:%02d GMT", wdays[tm.tm_wday],
	           tm.tm_mday, mons[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour,
	           tm.tm_min, tm.tm_sec);
	cv_out_chunk(v, SMP_T_STR, o);
	return true;
}

static bool
fmt_time(struct smp_run *run, const struct smp_conv_call *c, struct smp_val *v,
         bool utc)
{
	time_t tt = (time_t)(v->sint + cv_arg_int(c, 1, 0));
	struct tm tm;
	char buf[512];
	if (!(utc ? gmtime_r(&tt, &tm) : localtime_r(&tt, &tm)))
		return false;
	size_t n = strftime(buf, sizeof(buf), cv_arg_str(c, 0) ? cv_arg_str(c, 0) : "", &tm);
	struct smp_chunk *o = smp_run_out(run, NULL, NULL);
	chunk_add(o, buf, n);
	cv_out_chunk(v, SMP_T_STR, o);
	return true;
}

CONV(c_ltime) { return fmt_time(run, c, v, false); }
CONV(c_utime) { return fmt_time(run, c, v, true); }

const struct smp_conv_impl smp_conv_codec[] = {
	{ "b64dec", c_b64dec }, { "base64", c_base64 }, { "be2dec", c_be2dec },
	{ "be2hex", c_be2hex }, { "crc32", c_crc32 }, { "crc32c", c_crc32c },
	{ "digest", c_digest }, { "djb2", c_djb2 }, { "hex", c_hex },
	{ "hex2i", c_hex2i }, { "hmac", c_hmac }, { "htonl", c_htonl },
	{ "http_date", c_http_date }, { "json", c_json }, { "ltime", c_ltime },
	{ "sdbm", c_sdbm }, { "sha1", c_sha1 }, { "sha2", c_sha2 },
	{ "ub64dec", c_ub64dec }, { "ub64enc", c_ub64enc },
	{ "url_dec", c_url_dec }, { "url_enc", c_url_enc }, { "utime", c_utime },
	{ "wt6", c_wt6 }, { "xxh32", c_xxh32 }, { "xxh64", c_xxh64 },
	{ NULL, NULL },
};
