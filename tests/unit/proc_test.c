/* The process helpers of engine/proc.c that need no fork: the pidfile
 * format, the fd overhead, and the pool of listening sockets that crosses
 * a master's re-exec (export to the environment, import back). */
#include <arpa/inet.h>
#include <check.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "engine/proc.h"
#include "lib/util.h"
#include "parser/cfg.h"

Suite *suite_proc(void);

static struct cfg *
load(const char *text)
{
	struct cfg_opts o = { .check_files = true };
	struct diag d = { 0 };
	struct cfg *cfg = cfg_load_string("t.cfg", text, strlen(text), &o, true, &d);
	ck_assert_msg(cfg != NULL && d.nerrors == 0, "config loads");
	diag_free(&d);
	return cfg;
}

/* A listening socket on 127.0.0.1, any port; *ss gets its address. */
static int
listening(struct sockaddr_storage *ss)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in in = { .sin_family = AF_INET };
	in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&in, sizeof(in)), 0);
	ck_assert_int_eq(listen(fd, 8), 0);
	socklen_t sl = sizeof(*ss);
	memset(ss, 0, sizeof(*ss));
	getsockname(fd, (struct sockaddr *)ss, &sl);
	return fd;
}

START_TEST(pidfile_is_pid_and_newline)
{
	char path[] = "/tmp/sluice-proc-test-XXXXXX";
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(proc_write_pidfile(path, 4242), 0);
	FILE *f = fopen(path, "r");
	char buf[32] = "";
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	unlink(path);
	buf[n] = '\0';
	ck_assert_str_eq(buf, "4242\n");
}
END_TEST

START_TEST(overhead_counts_listeners_and_stats_sockets)
{
	/* observed on HAProxy 2.6: 17 with one bind, 28 with a stats socket */
	struct cfg *cfg = load("frontend f\n bind 127.0.0.1:1\n");
	ck_assert_int_eq(proc_fd_overhead(cfg), 17);
	cfg_free(cfg);
	cfg = load("global\n stats socket /tmp/x.sock\nfrontend f\n bind 127.0.0.1:1\n");
	ck_assert_int_eq(proc_fd_overhead(cfg), 28);
	cfg_free(cfg);
	cfg = load("global\n stats socket /tmp/x.sock\n stats maxconn 4\nfrontend f\n"
	           " bind 127.0.0.1:1,127.0.0.1:2\nfrontend g\n bind 127.0.0.1:3\n");
	ck_assert_int_eq(proc_fd_overhead(cfg), 16 + 3 + 5);
	cfg_free(cfg);
}
END_TEST

START_TEST(pool_takes_each_socket_once)
{
	struct sockaddr_storage a, b;
	int fa1 = listening(&a), fb = listening(&b);
	proc_fd_add(fa1, &a, false);
	proc_fd_add(fb, &b, false);
	ck_assert_int_eq(proc_fd_take(&a), fa1);
	ck_assert_int_eq(proc_fd_take(&a), -1);
	ck_assert_int_eq(proc_fd_take(&b), fb);
	proc_fds_reset();
	ck_assert_int_eq(proc_fd_take(&b), fb);
	/* a was not taken again: closed and forgotten */
	proc_fds_close_unused();
	ck_assert_int_eq(proc_fds_count(), 1);
	ck_assert_int_eq(fcntl(fa1, F_GETFD), -1);
	proc_fds_free();
	ck_assert_int_eq(proc_fds_count(), 0);
	ck_assert_int_eq(fcntl(fb, F_GETFD), -1);
}
END_TEST

START_TEST(pool_crosses_exec_through_the_environment)
{
	struct sockaddr_storage a;
	int fd = listening(&a);
	proc_fd_add(fd, &a, false);
	proc_fds_export();
	const char *env = getenv("SLUICE_LISTEN_FDS");
	ck_assert_ptr_nonnull(env);
	char *want = xasprintf("%d 127.0.0.1:%u\n", fd, ntohs(((struct sockaddr_in *)&a)->sin_port));
	ck_assert_str_eq(env, want);
	free(want);
	/* close-on-exec cleared for the exec */
	ck_assert_int_eq(fcntl(fd, F_GETFD) & FD_CLOEXEC, 0);
	/* the new image: */
	proc_fds_forget();
	proc_fds_import();
	ck_assert_ptr_null(getenv("SLUICE_LISTEN_FDS"));
	ck_assert_int_eq(proc_fds_count(), 1);
	ck_assert_int_eq(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
	ck_assert_int_eq(proc_fd_take(&a), fd);
	proc_fds_free();
}
END_TEST

START_TEST(import_ignores_what_is_not_a_listening_socket)
{
	int p[2];
	ck_assert_int_eq(pipe(p), 0);
	char *env = xasprintf("%d 127.0.0.1:1\nx y\n2\n-5 a\n99999 127.0.0.1:2\n", p[0]);
	setenv("SLUICE_LISTEN_FDS", env, 1);
	free(env);
	proc_fds_import();
	ck_assert_int_eq(proc_fds_count(), 0);
	close(p[0]);
	close(p[1]);
}
END_TEST

Suite *
suite_proc(void)
{
	Suite *s = suite_create("proc");
	TCase *tc = tcase_create("proc");
	tcase_add_test(tc, pidfile_is_pid_and_newline);
	tcase_add_test(tc, overhead_counts_listeners_and_stats_sockets);
	tcase_add_test(tc, pool_takes_each_socket_once);
	tcase_add_test(tc, pool_crosses_exec_through_the_environment);
	tcase_add_test(tc, import_ignores_what_is_not_a_listening_socket);
	suite_add_tcase(s, tc);
	return s;
}
