/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Small probes for the integration tests, for what shell tools do not show:
 * the errno of write() and close(), poll() wakeups, O_NONBLOCK opens.
 *   zf-testtool write FILE       stdin to FILE; prints "ok" or "STEP: ERRNAME"
 *   zf-testtool poll FILE MS     reads FILE, then polls it: "changed" or "timeout"
 *   zf-testtool nbread FILE      one O_NONBLOCK read: "data", "eof" or ERRNAME
 *   zf-testtool rename FROM TO   rename(2): "ok" or "rename: ERRNAME" (mv words EINVAL oddly)
 *   zf-testtool fsops            a script of file system calls from stdin, each printed
 *                                back with its result (fsops.c)
 *   zf-testtool readloop FILE N  open+read+close N times: prints mean microseconds (bench)
 *   zf-testtool preads FILE N    one open, 8 threads each pread()ing it N times at offsets
 *                                0 and 7 (FILE written meanwhile when opened O_RDWR:
 *                                "rw:FILE"): "ok", or the first error
 *   zf-testtool throttle PORT RATE IDLE
 *                                a TCP relay on 127.0.0.1 to 127.0.0.1:PORT whose replies
 *                                flow at RATE bytes a second (all connections together),
 *                                so a pull from a local registry takes long enough to watch;
 *                                prints the port it listens on, exits after IDLE seconds
 *                                without a connection
 *   zf-testtool truncate FILE SIZE
 *                                truncate(2): "ok" or "truncate: ERRNAME"
 *   zf-testtool heldat DIR GO    enters DIR (a descriptor held on it), waits for the file GO
 *                                to exist, then runs an fsops script there (stdin)
 *   zf-testtool swap A B SECONDS, hammer FILE SECONDS MARK
 *                                both sides of a race on one name (race.c)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "fsops.h"
#include "race.h"

static int report(const char *step, int err)
{
	printf("%s: %s\n", step, strerrorname_np(err) ? strerrorname_np(err) : "?");
	return 1;
}

static int do_write(const char *path)
{
	char buf[65536];
	ssize_t n;
	int fd = open(path, O_WRONLY | O_TRUNC);

	if (fd < 0)
		return report("open", errno);
	while ((n = read(0, buf, sizeof(buf))) > 0) {
		if (write(fd, buf, (size_t)n) != n)
			return report("write", errno);
	}
	if (close(fd) < 0)
		return report("close", errno);
	printf("ok\n");
	return 0;
}

static int do_poll(const char *path, int ms)
{
	char buf[4096];
	struct pollfd p;
	/* non-blocking, so reading what is there never waits (events never ends) */
	int fd = open(path, O_RDONLY | O_NONBLOCK);

	if (fd < 0)
		return report("open", errno);
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	p.fd = fd;
	p.events = POLLIN;
	p.revents = 0;
	int r = poll(&p, 1, ms);
	if (r < 0)
		return report("poll", errno);
	printf("%s\n", r > 0 && (p.revents & POLLIN) ? "changed" : "timeout");
	close(fd);
	return 0;
}

static int do_nbread(const char *path)
{
	char buf[4096];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_NONBLOCK);

	if (fd < 0)
		return report("open", errno);
	n = read(fd, buf, sizeof(buf));
	if (n < 0)
		return report("read", errno);
	printf("%s\n", n > 0 ? "data" : "eof");
	close(fd);
	return 0;
}

static int do_readloop(const char *path, int n)
{
	struct timespec a, b;
	char buf[4096];

	clock_gettime(CLOCK_MONOTONIC, &a);
	for (int i = 0; i < n; i++) {
		int fd = open(path, O_RDONLY);

		if (fd < 0)
			return report("open", errno);
		while (read(fd, buf, sizeof(buf)) > 0)
			;
		close(fd);
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("%.1f\n", ((double)(b.tv_sec - a.tv_sec) * 1e6 + (double)(b.tv_nsec - a.tv_nsec) / 1e3) / n);
	return 0;
}

/* The relay of `throttle`: one bucket of bytes for every connection. */
static struct {
	pthread_mutex_t lock;
	int64_t next_ns; /* when the next byte may go (CLOCK_MONOTONIC) */
	int64_t rate; /* bytes a second */
	in_port_t target; /* network order */
	atomic_int active; /* connections open */
	atomic_llong last_ns; /* when the last one ended or began */
} relay = { .lock = PTHREAD_MUTEX_INITIALIZER };

static int64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/* Waits until n more bytes may go at the relay's rate. */
static void relay_wait(size_t n)
{
	int64_t at;
	struct timespec t;

	pthread_mutex_lock(&relay.lock);
	at = relay.next_ns > now_ns() ? relay.next_ns : now_ns();
	relay.next_ns = at + (int64_t)n * 1000000000 / relay.rate;
	at = relay.next_ns;
	pthread_mutex_unlock(&relay.lock);
	t.tv_sec = at / 1000000000;
	t.tv_nsec = at % 1000000000;
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL) == EINTR)
		;
}

static int send_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* One connection: the client's bytes on as they come, the replies metered. */
static void *relay_main(void *arg)
{
	int client = (int)(intptr_t)arg, server;
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = relay.target,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	/* small slices (a twentieth of a second's worth), so the rate holds evenly */
	size_t slice = (size_t)(relay.rate / 20);
	char buf[65536];

	slice = slice < 1024 ? 1024 : slice > sizeof(buf) ? sizeof(buf) : slice;

	server = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (server >= 0 && connect(server, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		struct pollfd p[2] = { { .fd = client, .events = POLLIN },
				       { .fd = server, .events = POLLIN } };

		while (poll(p, 2, -1) > 0) {
			ssize_t n;

			if (p[0].revents) {
				n = recv(client, buf, sizeof(buf), 0);
				if (n <= 0 || send_all(server, buf, (size_t)n) < 0)
					break;
			}
			if (p[1].revents) {
				n = recv(server, buf, slice, 0);
				if (n <= 0)
					break;
				relay_wait((size_t)n);
				if (send_all(client, buf, (size_t)n) < 0)
					break;
			}
		}
	}
	if (server >= 0)
		close(server);
	close(client);
	relay.last_ns = now_ns();
	relay.active--;
	return NULL;
}

static int do_throttle(int port, long long rate, int idle_s)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (port <= 0 || port > 65535 || rate <= 0 || idle_s <= 0) {
		fprintf(stderr, "zf-testtool throttle: PORT RATE IDLE, all positive\n");
		return 2;
	}
	relay.rate = rate;
	relay.target = htons((uint16_t)port);
	relay.last_ns = now_ns();
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 64) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) < 0)
		return report("listen", errno);
	printf("%d\n", ntohs(sa.sin_port));
	fflush(stdout);
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		pthread_t t;
		int c;

		if (poll(&p, 1, 200) <= 0) {
			if (relay.active == 0 &&
			    now_ns() - relay.last_ns > (int64_t)idle_s * 1000000000)
				return 0;
			continue;
		}
		c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0)
			continue;
		relay.active++;
		relay.last_ns = now_ns();
		if (pthread_create(&t, NULL, relay_main, (void *)(intptr_t)c) != 0) {
			close(c);
			relay.active--;
			continue;
		}
		pthread_detach(t);
	}
}

/* Concurrent preads on one open file (and writes, for "rw:"): a FUSE
 * daemon serves them on several threads at once. */
struct preads {
	int fd, n;
	bool write;
	atomic_int err;
};

static void *preads_main(void *arg)
{
	struct preads *p = arg;
	char buf[4096];

	for (int i = 0; i < p->n && !atomic_load(&p->err); i++) {
		ssize_t r = pread(p->fd, buf, sizeof(buf), (i & 1) ? 7 : 0);

		if (r < 0)
			atomic_store(&p->err, errno);
		if (p->write && pwrite(p->fd, "image: busybox\n", 15, 0) < 0)
			atomic_store(&p->err, errno);
	}
	return NULL;
}

static int cmd_preads(const char *file, int n)
{
	struct preads p = { .n = n };
	pthread_t t[8];
	int e;

	p.write = strncmp(file, "rw:", 3) == 0;
	p.fd = open(p.write ? file + 3 : file, p.write ? O_RDWR : O_RDONLY);
	if (p.fd < 0) {
		printf("open: %s\n", strerrorname_np(errno));
		return 1;
	}
	for (int i = 0; i < 8; i++)
		pthread_create(&t[i], NULL, preads_main, &p);
	for (int i = 0; i < 8; i++)
		pthread_join(t[i], NULL);
	close(p.fd);
	e = atomic_load(&p.err);
	printf("%s\n", e ? strerrorname_np(e) : "ok");
	return e != 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "write") == 0)
		return do_write(argv[2]);
	/* what a set-user-ID copy of this tool runs as (test_nosuid) */
	if (argc == 2 && strcmp(argv[1], "euid") == 0) {
		printf("euid=%d\n", (int)geteuid());
		return 0;
	}
	if (argc == 4 && strcmp(argv[1], "poll") == 0)
		return do_poll(argv[2], atoi(argv[3]));
	if (argc == 3 && strcmp(argv[1], "nbread") == 0)
		return do_nbread(argv[2]);
	if (argc == 4 && strcmp(argv[1], "preads") == 0)
		return cmd_preads(argv[2], atoi(argv[3]));
	if (argc == 4 && strcmp(argv[1], "readloop") == 0)
		return do_readloop(argv[2], atoi(argv[3]));
	if (argc == 4 && strcmp(argv[1], "rename") == 0) {
		if (rename(argv[2], argv[3]) < 0)
			return report("rename", errno);
		printf("ok\n");
		return 0;
	}
	if (argc == 4 && strcmp(argv[1], "truncate") == 0) {
		if (truncate(argv[2], atoll(argv[3])) < 0)
			return report("truncate", errno);
		printf("ok\n");
		return 0;
	}
	if (argc == 5 && strcmp(argv[1], "swap") == 0)
		return zf_race_swap(argv[2], argv[3], atoi(argv[4]));
	if (argc == 5 && strcmp(argv[1], "hammer") == 0)
		return zf_race_hammer(argv[2], atoi(argv[3]), argv[4]);
	if (argc == 4 && strcmp(argv[1], "heldat") == 0) {
		int fd = open(argv[2], O_RDONLY | O_DIRECTORY);

		if (fd < 0 || fchdir(fd) < 0)
			return report("heldat", errno);
		while (access(argv[3], F_OK) < 0)
			usleep(100000);
		return zf_fsops_main();
	}
	if (argc == 2 && strcmp(argv[1], "fsops") == 0)
		return zf_fsops_main();
	if (argc == 5 && strcmp(argv[1], "throttle") == 0)
		return do_throttle(atoi(argv[2]), atoll(argv[3]), atoi(argv[4]));
	fprintf(stderr, "usage: zf-testtool write FILE | euid | poll FILE MS | nbread FILE | rename FROM TO"
			" | fsops | throttle PORT RATE IDLE | truncate FILE SIZE | swap A B S"
			" | hammer FILE S MARK | heldat DIR GO\n");
	return 2;
}
