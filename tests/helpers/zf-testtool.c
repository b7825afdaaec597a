/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Small probes for the integration tests, for what shell tools do not show:
 * the errno of write() and close(), poll() wakeups, O_NONBLOCK opens.
 *   zf-testtool write FILE       stdin to FILE; prints "ok" or "STEP: ERRNAME"
 *   zf-testtool poll FILE MS     reads FILE, then polls it: "changed" or "timeout"
 *   zf-testtool nbread FILE      one O_NONBLOCK read: "data", "eof" or ERRNAME
 *   zf-testtool rename FROM TO   rename(2): "ok" or "rename: ERRNAME" (mv words EINVAL oddly)
 *   zf-testtool readloop FILE N  open+read+close N times: prints mean microseconds (bench)
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "write") == 0)
		return do_write(argv[2]);
	if (argc == 4 && strcmp(argv[1], "poll") == 0)
		return do_poll(argv[2], atoi(argv[3]));
	if (argc == 3 && strcmp(argv[1], "nbread") == 0)
		return do_nbread(argv[2]);
	if (argc == 4 && strcmp(argv[1], "readloop") == 0)
		return do_readloop(argv[2], atoi(argv[3]));
	if (argc == 4 && strcmp(argv[1], "rename") == 0) {
		if (rename(argv[2], argv[3]) < 0)
			return report("rename", errno);
		printf("ok\n");
		return 0;
	}
	fprintf(stderr, "usage: zf-testtool write FILE | poll FILE MS | nbread FILE | rename FROM TO\n");
	return 2;
}
