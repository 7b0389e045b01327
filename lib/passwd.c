/* crypt(3) behind a thread-safe call (passwd.h). */
#include "passwd.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef HAVE_CRYPT_H
#include <crypt.h>
#endif

/* crypt(pass, setting) copied into out (NUL-terminated, cut to outsz);
 * false when crypt failed. */
static bool
do_crypt(const char *pass, const char *setting, char *out, size_t outsz)
{
	const char *r;
	bool ok = false;
#ifdef HAVE_CRYPT_R
	/* struct crypt_data is tens of KB with libxcrypt: not on a stack */
	struct crypt_data *cd = calloc(1, sizeof(*cd));
	if (cd == NULL)
		return false;
	r = crypt_r(pass, setting, cd);
	if (r && strlen(r) < outsz) {
		memcpy(out, r, strlen(r) + 1);
		ok = true;
	}
	free(cd);
#else
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	pthread_mutex_lock(&lock);
	r = crypt(pass, setting);
	if (r && strlen(r) < outsz) {
		memcpy(out, r, strlen(r) + 1);
		ok = true;
	}
	pthread_mutex_unlock(&lock);
#endif
	return ok;
}

bool
pw_hash_supported(const char *hash)
{
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
	/* a fuzzed "$6$rounds=999999999$..." or a huge yescrypt cost would
	 * take minutes or gigabytes: the config fuzzer skips crypt */
	return hash[0] != '*';
#else
	char out[512];
	return do_crypt("", hash, out, sizeof(out)) && out[0] != '*';
#endif
}

bool
pw_check(const char *pass, const char *stored, bool insecure)
{
	char out[512];
	if (stored == NULL || pass == NULL)
		return false;
	if (insecure)
		return strcmp(pass, stored) == 0;
	return do_crypt(pass, stored, out, sizeof(out)) && strcmp(out, stored) == 0;
}
