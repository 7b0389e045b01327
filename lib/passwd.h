/* Password checks for userlist sections (HAProxy's check_user()): crypt(3)
 * hashes ($1$, $5$, $6$, $y$... whatever the system's crypt supports) and
 * plain "insecure" passwords. crypt is deliberately slow (sha512-crypt
 * takes milliseconds) and runs inline, in the calling thread, as in
 * HAProxy. Thread-safe: crypt_r where the system has it, else crypt()
 * under a lock. */
#ifndef SLUICE_LIB_PASSWD_H
#define SLUICE_LIB_PASSWD_H

#include <stdbool.h>

/* Whether the system crypt understands hash: crypt("", hash) gives a
 * result that is not a failure (NULL or a "*"-token from libxcrypt). */
bool pw_hash_supported(const char *hash);

/* Whether pass matches stored: when insecure, stored is the password
 * itself; else stored is a crypt(3) hash and pass is hashed with it as
 * the setting. A NULL stored never matches. */
bool pw_check(const char *pass, const char *stored, bool insecure);

#endif
