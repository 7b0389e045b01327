/*
 * loadtool: the small load generator and backend of the passthrough benchmark
 * (bench/run.py). wrk drives real TLS through the proxies; this tool drives
 * the proxy's connection path harder than real handshakes can on a 2-core
 * machine, because neither side does any crypto: the client replays a real
 * recorded ClientHello (so the proxy inspects and routes it on SNI exactly as
 * a browser's) and the backend answers with a fixed number of bytes, as a
 * ServerHello flight would.
 *
 *   loadtool serve PORT RESP
 *       backend on 127.0.0.1:PORT: on a connection's first data, write RESP
 *       bytes; keep the connection until the peer closes it.
 *   loadtool rate PORT HELLO CONC SECONDS RESP
 *       keep CONC connections in flight for SECONDS: connect, send the file
 *       HELLO, read RESP bytes, close, start again. Prints one line:
 *       "conns N errors E seconds S rate R p50_us A p99_us B".
 *   loadtool hold PORT HELLO N RESP
 *       open N connections as above but keep them open once RESP bytes have
 *       come back (tunnels established, then idle). Prints "ready K failed F"
 *       then waits until its standard input closes.
 *
 * Linux only (epoll, accept4), single-threaded, bounded in time: rate stops
 * after SECONDS and hold gives up on connections after 30 s.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAXEV 512

/* Per-fd state, indexed by fd (the fd table is bounded by RLIMIT_NOFILE). */
struct conn {
	uint64_t start_ns;   /* rate: when connect() was called */
	uint32_t got;        /* response bytes received (client) */
	uint8_t  state;      /* 0 free, 1 connecting, 2 waiting for response, 3 held */
	uint8_t  answered;   /* serve: response already written */
};

static struct conn *conns;
static int nconns;
static char *hello;
static size_t hello_len;
static char *resp;
static unsigned resp_len;
static struct sockaddr_in dst;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void die(const char *what)
{
	perror(what);
	exit(2);
}

static void fd_table(void)
{
	nconns = (int)sysconf(_SC_OPEN_MAX);
	if (nconns < 1024)
		nconns = 1024;
	conns = calloc((size_t)nconns, sizeof(*conns));
	if (!conns)
		die("calloc");
}

static void load_hello(const char *path)
{
	FILE *f = fopen(path, "rb");
	struct stat st;

	if (!f || fstat(fileno(f), &st) < 0)
		die(path);
	hello_len = (size_t)st.st_size;
	hello = malloc(hello_len ? hello_len : 1);
	if (!hello || fread(hello, 1, hello_len, f) != hello_len)
		die("read hello");
	fclose(f);
}

static void set_dst(const char *port)
{
	memset(&dst, 0, sizeof(dst));
	dst.sin_family = AF_INET;
	dst.sin_port = htons((uint16_t)atoi(port));
	dst.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
}

static void ep_set(int ep, int op, int fd, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.fd = fd };

	if (epoll_ctl(ep, op, fd, &ev) < 0)
		die("epoll_ctl");
}

/* Starts one client connection; returns its fd or -1 (counted as an error). */
static int client_open(int ep)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1;

	if (fd < 0)
		return -1;
	if (fd >= nconns) {
		close(fd);
		return -1;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	conns[fd].start_ns = now_ns();
	conns[fd].got = 0;
	conns[fd].state = 1;
	if (connect(fd, (struct sockaddr *)&dst, sizeof(dst)) < 0 && errno != EINPROGRESS) {
		conns[fd].state = 0;
		close(fd);
		return -1;
	}
	ep_set(ep, EPOLL_CTL_ADD, fd, EPOLLOUT);
	return fd;
}

static void client_close(int fd)
{
	conns[fd].state = 0;
	close(fd);
}

/*
 * Advances client connection fd on an event. Returns 1 when the response is
 * complete, -1 on an error (the fd is then closed), 0 otherwise.
 */
static int client_event(int ep, int fd, uint32_t events)
{
	char buf[16384];
	struct conn *c = &conns[fd];

	if (c->state == 1) {
		int err = 0;
		socklen_t len = sizeof(err);

		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err) {
			client_close(fd);
			return -1;
		}
		/* a ClientHello fits the socket buffer: one write */
		if (write(fd, hello, hello_len) != (ssize_t)hello_len) {
			client_close(fd);
			return -1;
		}
		c->state = 2;
		ep_set(ep, EPOLL_CTL_MOD, fd, EPOLLIN);
		return 0;
	}
	if (c->state == 2 || c->state == 3) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return 0;
		if (n <= 0) {
			client_close(fd);
			return -1;
		}
		if (c->state == 3)
			return 0;
		c->got += (uint32_t)n;
		if (c->got >= resp_len)
			return 1;
		return 0;
	}
	(void)events;
	return 0;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static int cmd_rate(char **av)
{
	int conc = atoi(av[2]);
	double secs = atof(av[3]);
	uint64_t t0, t_end, t_last;
	uint64_t done = 0, errors = 0;
	size_t lat_cap = 1 << 20, nlat = 0;
	uint32_t *lat = malloc(lat_cap * sizeof(*lat));
	struct epoll_event evs[MAXEV];
	int ep = epoll_create1(EPOLL_CLOEXEC);
	int inflight = 0;

	set_dst(av[0]);
	load_hello(av[1]);
	resp_len = (unsigned)atoi(av[4]);
	if (!lat || ep < 0)
		die("init");
	t0 = now_ns();
	t_end = t0 + (uint64_t)(secs * 1e9);
	for (int i = 0; i < conc; i++) {
		if (client_open(ep) >= 0)
			inflight++;
		else
			errors++;
	}
	t_last = t0;
	while (inflight > 0) {
		uint64_t t = now_ns();
		int n;

		if (t >= t_end)
			break;
		n = epoll_wait(ep, evs, MAXEV, 100);
		t_last = now_ns();
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;
			int r = client_event(ep, fd, evs[i].events);

			if (r == 0)
				continue;
			if (r > 0) {
				if (nlat == lat_cap) {
					uint32_t *nl = realloc(lat, lat_cap * 2 * sizeof(*lat));

					if (!nl)
						die("realloc");
					lat = nl;
					lat_cap *= 2;
				}
				lat[nlat++] = (uint32_t)((t_last - conns[fd].start_ns) / 1000);
				done++;
				client_close(fd);
			} else {
				errors++;
			}
			inflight--;
			if (t_last < t_end) {
				if (client_open(ep) >= 0)
					inflight++;
				else
					errors++;
			}
		}
	}
	{
		double el = (double)(t_last - t0) / 1e9;
		uint32_t p50 = 0, p99 = 0;

		if (nlat) {
			qsort(lat, nlat, sizeof(*lat), cmp_u32);
			p50 = lat[nlat / 2];
			p99 = lat[(nlat * 99) / 100];
		}
		printf("conns %llu errors %llu seconds %.3f rate %.1f p50_us %u p99_us %u\n",
		       (unsigned long long)done, (unsigned long long)errors, el,
		       el > 0 ? (double)done / el : 0.0, p50, p99);
	}
	free(lat);
	return 0;
}

static int cmd_hold(char **av)
{
	int want = atoi(av[2]);
	int opened = 0, ready = 0, failed = 0, connecting = 0;
	struct epoll_event evs[MAXEV];
	int ep = epoll_create1(EPOLL_CLOEXEC);
	uint64_t deadline = now_ns() + 30ull * 1000000000ull;
	char b;

	set_dst(av[0]);
	load_hello(av[1]);
	resp_len = (unsigned)atoi(av[3]);
	if (ep < 0)
		die("epoll");
	while (ready + failed < want && now_ns() < deadline) {
		int n;

		/* pace the opening so listen backlogs never overflow */
		while (opened < want && connecting < 256) {
			if (client_open(ep) >= 0)
				connecting++;
			else
				failed++;
			opened++;
		}
		n = epoll_wait(ep, evs, MAXEV, 100);
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;
			int r = client_event(ep, fd, evs[i].events);

			if (r > 0) {
				conns[fd].state = 3;
				ready++;
				connecting--;
			} else if (r < 0) {
				failed++;
				connecting--;
			}
		}
	}
	failed = want - ready;
	printf("ready %d failed %d\n", ready, failed);
	fflush(stdout);
	/* hold until the parent closes our stdin */
	while (read(0, &b, 1) > 0)
		;
	return 0;
}

static int cmd_serve(char **av)
{
	struct sockaddr_in a;
	struct epoll_event evs[MAXEV];
	int one = 1;
	int ls = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int ep = epoll_create1(EPOLL_CLOEXEC);

	set_dst(av[0]);
	resp_len = (unsigned)atoi(av[1]);
	resp = malloc(resp_len ? resp_len : 1);
	if (!resp || ls < 0 || ep < 0)
		die("init");
	/* bytes that look like a TLS handshake record stream, not zeros */
	for (unsigned i = 0; i < resp_len; i++)
		resp[i] = (char)(0x16 + i * 7);
	a = dst;
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(ls, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(ls, 4096) < 0)
		die("bind/listen");
	ep_set(ep, EPOLL_CTL_ADD, ls, EPOLLIN);
	printf("listening\n");
	fflush(stdout);
	for (;;) {
		int n = epoll_wait(ep, evs, MAXEV, -1);

		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;
			char buf[16384];

			if (fd == ls) {
				for (;;) {
					int c = accept4(ls, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

					if (c < 0)
						break;
					if (c >= nconns) {
						close(c);
						continue;
					}
					setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
					conns[c].answered = 0;
					ep_set(ep, EPOLL_CTL_ADD, c, EPOLLIN);
				}
				continue;
			}
			for (;;) {
				ssize_t r = read(fd, buf, sizeof(buf));

				if (r < 0 && errno == EAGAIN)
					break;
				if (r <= 0) {
					close(fd);
					break;
				}
				if (!conns[fd].answered) {
					conns[fd].answered = 1;
					/* small: the socket buffer takes it whole */
					if (write(fd, resp, resp_len) != (ssize_t)resp_len) {
						close(fd);
						break;
					}
				}
			}
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	fd_table();
	if (argc == 4 && !strcmp(argv[1], "serve"))
		return cmd_serve(argv + 2);
	if (argc == 7 && !strcmp(argv[1], "rate"))
		return cmd_rate(argv + 2);
	if (argc == 6 && !strcmp(argv[1], "hold"))
		return cmd_hold(argv + 2);
	fprintf(stderr, "usage: loadtool serve PORT RESP\n"
		"       loadtool rate PORT HELLO CONC SECONDS RESP\n"
		"       loadtool hold PORT HELLO N RESP\n");
	return 2;
}
