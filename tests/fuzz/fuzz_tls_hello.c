/* libFuzzer target: bytes as the client's first flight to a terminating
 * bind (engine/tls.c): OpenSSL parses the record and the ClientHello,
 * then our ClientHello callback reads the server_name and
 * signature_algorithms extensions and picks a certificate among exact,
 * wildcard, excluded and ECDSA/RSA names. Setup writes two throw-away
 * certificates and a crt-list into a temp directory once. */
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "engine/tls.h"
#include "lib/util.h"
#include "parser/cfg.h"
#include "parser/diag.h"
#include "parser/proxy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct cfg *cfg;
static struct tls_store *st;
static struct tls_bind *tb;

static void
cert(const char *path, const char *cn, const char *san, bool rsa)
{
	EVP_PKEY *k = rsa ? EVP_RSA_gen(2048) : EVP_EC_gen("P-256");
	X509 *x = X509_new();
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_set_pubkey(x, k);
	X509_NAME *nm = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(nm, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, nm);
	X509V3_CTX v3;
	X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
	X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &v3, NID_subject_alt_name, san);
	X509_add_ext(x, e, -1);
	X509_EXTENSION_free(e);
	X509_sign(x, k, EVP_sha256());
	FILE *f = fopen(path, "w");
	PEM_write_X509(f, x);
	PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL);
	fclose(f);
	X509_free(x);
	EVP_PKEY_free(k);
}

static void
setup(void)
{
	char dir[] = "/tmp/sluice-fuzz-tls-XXXXXX";
	struct diag d = { 0 };
	struct cfg_opts o = { .check_files = true, .no_dns = true };

	signal(SIGPIPE, SIG_IGN);
	if (mkdtemp(dir) == NULL)
		abort();
	char *e = xasprintf("%s/e.pem", dir), *r = xasprintf("%s/r.pem", dir);
	char *l = xasprintf("%s/list", dir);
	cert(e, "a.test", "DNS:a.test,DNS:*.w.test", false);
	cert(r, "a.test", "DNS:a.test,DNS:b.test", true);
	FILE *f = fopen(l, "w");
	fprintf(f, "%s [alpn h2] *.x.test !no.x.test\n%s\n", r, e);
	fclose(f);
	char *text = xasprintf("frontend f\n bind 127.0.0.1:1 ssl crt %s crt %s crt-list %s alpn http/1.1\n",
	                       e, r, l);
	cfg = cfg_load_string("fuzz.cfg", text, strlen(text), &o, true, &d);
	if (cfg == NULL || (st = tls_store_new(cfg, &d)) == NULL) {
		diag_print(&d, stderr);
		abort();
	}
	tb = tls_store_bind(st, cfg->proxies.v[0]->binds.v[0]);
	diag_free(&d);
	/* the files are loaded: nothing reads them again */
	unlink(e);
	unlink(r);
	unlink(l);
	rmdir(dir);
	free(e);
	free(r);
	free(l);
	free(text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd[2];

	if (tb == NULL)
		setup();
	if (size > 60000 || socketpair(AF_UNIX, SOCK_STREAM, 0, fd) < 0)
		return 0;
	fcntl(fd[0], F_SETFL, O_NONBLOCK);
	if (write(fd[1], data, size) != (ssize_t)size) {
		close(fd[0]);
		close(fd[1]);
		return 0;
	}
	shutdown(fd[1], SHUT_WR);
	SSL *ssl = tls_bind_new_ssl(tb, fd[0]);
	for (int i = 0; ssl && i < 4 && SSL_do_handshake(ssl) != 1; i++)
		;
	SSL_free(ssl);
	ERR_clear_error();
	close(fd[0]);
	close(fd[1]);
	return 0;
}
