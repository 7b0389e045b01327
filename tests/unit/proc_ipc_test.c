/* engine/proc_ipc.c: descriptors passed over a unix socket, the master's
 * query to a worker's CLI channel, the state carried across an exec, and
 * HAProxy's _getsocks exchange (-x) from both ends, with a thread as the
 * old process. */
#include <arpa/inet.h>
#include <check.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "engine/proc.h"
#include "lib/util.h"

Suite *suite_proc_ipc(void);

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

START_TEST(fd_passing_and_closed_channel)
{
	int ch[2];
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, ch), 0);
	ck_assert_int_eq(proc_ipc_recv_fd(ch[1]), -1); /* nothing yet */
	int p[2];
	ck_assert_int_eq(pipe(p), 0);
	ck_assert_int_eq(proc_ipc_send_fd(ch[0], p[1]), 0);
	int got = proc_ipc_recv_fd(ch[1]);
	ck_assert_int_ge(got, 0);
	ck_assert_int_eq(write(got, "x", 1), 1);
	char c = 0;
	ck_assert_int_eq(read(p[0], &c, 1), 1);
	ck_assert_int_eq(c, 'x');
	close(got);
	close(ch[0]);
	ck_assert_int_eq(proc_ipc_recv_fd(ch[1]), -2);
	close(ch[1]);
	close(p[0]);
	close(p[1]);
}
END_TEST

/* A worker's CLI channel that answers "echo: <line>" once. */
static void *
fake_worker(void *arg)
{
	int chan = *(int *)arg, fd = -1;
	for (int i = 0; i < 500 && fd < 0; i++) {
		fd = proc_ipc_recv_fd(chan);
		if (fd < 0)
			usleep(10000);
	}
	if (fd < 0)
		return NULL;
	fcntl(fd, F_SETFL, 0);
	char buf[256];
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	char *out = xasprintf("echo: %s", buf);
	ck_assert_int_eq(write(fd, out, strlen(out)), (ssize_t)strlen(out));
	free(out);
	close(fd);
	return NULL;
}

START_TEST(query_through_the_channel)
{
	int ch[2];
	pthread_t t;
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, ch), 0);
	pthread_create(&t, NULL, fake_worker, &ch[1]);
	struct sbuf out = { 0 };
	ck_assert_int_eq(proc_ipc_query(ch[0], "show info", &out, 5000), 0);
	pthread_join(t, NULL);
	ck_assert_str_eq(out.s, "echo: show info\n");
	free(out.s);
	close(ch[0]);
	close(ch[1]);
	ck_assert_int_eq(proc_ipc_query(-1, "x", &out, 10), -1);
}
END_TEST

START_TEST(stash_and_read_back)
{
	int fd = proc_ipc_stash("1\nabc\n", 6);
	ck_assert_int_ge(fd, 0);
	size_t len = 0;
	char *s = proc_ipc_read_fd(fd, &len);
	ck_assert_uint_eq(len, 6);
	ck_assert_int_eq(memcmp(s, "1\nabc\n", 6), 0);
	free(s);
	/* twice: pread, the shared offset does not move */
	s = proc_ipc_read_fd(fd, &len);
	ck_assert_uint_eq(len, 6);
	free(s);
	close(fd);
}
END_TEST

struct old_proc {
	int lfd;
	int fds[3];
};

/* The old process: one _getsocks connection. */
static void *
old_process(void *arg)
{
	struct old_proc *o = arg;
	int c = accept(o->lfd, NULL, NULL);
	if (c < 0)
		return NULL;
	char buf[16] = { 0 };
	size_t n = 0;
	while (n < 10) {
		ssize_t r = read(c, buf + n, 10 - n);
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	ck_assert_str_eq(buf, "_getsocks\n");
	proc_getsocks_send(c, o->fds, 3);
	close(c);
	return NULL;
}

START_TEST(getsocks_round_trip)
{
	struct sockaddr_storage a, b;
	struct old_proc o;
	o.fds[0] = listening(&a);
	o.fds[1] = listening(&b);
	o.fds[2] = socket(AF_INET, SOCK_STREAM, 0); /* not listening: dropped */
	char *path = xasprintf("/tmp/sluice-getsocks-%d.sock", (int)getpid());
	unlink(path);
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	str_copy(sun.sun_path, sizeof(sun.sun_path), path);
	o.lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_eq(bind(o.lfd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	ck_assert_int_eq(listen(o.lfd, 4), 0);
	pthread_t t;
	pthread_create(&t, NULL, old_process, &o);
	ck_assert_int_eq(proc_getsocks_fetch(path), 0);
	pthread_join(t, NULL);
	ck_assert_uint_eq(proc_fds_count(), 2);
	int fa = proc_fd_take(&a), fb = proc_fd_take(&b);
	ck_assert_int_ge(fa, 0);
	ck_assert_int_ge(fb, 0);
	ck_assert_int_ne(fa, o.fds[0]); /* a copy of it */
	proc_fds_free();
	/* nobody there: HAProxy's failure */
	unlink(path);
	ck_assert_int_eq(proc_getsocks_fetch(path), -1);
	close(o.lfd);
	for (int i = 0; i < 3; i++)
		close(o.fds[i]);
	free(path);
}
END_TEST

Suite *
suite_proc_ipc(void)
{
	Suite *s = suite_create("proc_ipc");
	TCase *tc = tcase_create("proc_ipc");
	tcase_add_test(tc, fd_passing_and_closed_channel);
	tcase_add_test(tc, query_through_the_channel);
	tcase_add_test(tc, stash_and_read_back);
	tcase_add_test(tc, getsocks_round_trip);
	suite_add_tcase(s, tc);
	return s;
}
