/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The bench's measuring probes (scripts/bench), in C so that the tool's own
 * cost stays out of what is measured (a shell's read -r reads a byte a call).
 *   zf-benchtool readloop FILE N    open+read to EOF+close, N times: median microseconds
 *   zf-benchtool statloop FILE N    stat(), N times: median microseconds
 *   zf-benchtool pingpong FILE N    FILE opened read-write (a tty file); a line written,
 *                                   read back to its newline, N times: median microseconds
 *   zf-benchtool rawattach SOCK ID N
 *                                   the same through the Engine API itself: POST
 *                                   /containers/ID/attach upgraded on the unix socket
 *                                   SOCK, kept open (what `docker attach` does, without
 *                                   the CLI); ID runs `cat` with stdin open, no tty
 *   zf-benchtool changed FILE       reads FILE until its text changes: prints the
 *                                   realtime clock then, in nanoseconds
 *   zf-benchtool gone SOCK ID       asks the engine on SOCK for container ID every
 *                                   millisecond until it has none (404); the time
 *                                   between asks is the figure's resolution
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static double now_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Prints the median of the n samples. */
static int print_median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	printf("%.1f\n", n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2);
	free(v);
	return 0;
}

static int fail(const char *what)
{
	fprintf(stderr, "zf-benchtool: %s: %s\n", what, strerror(errno));
	return 1;
}

static int readloop(const char *path, int n)
{
	double *v = calloc((size_t)n, sizeof(*v));
	char buf[4096];

	for (int i = 0; v && i < n; i++) {
		double t = now_us();
		int fd = open(path, O_RDONLY);

		if (fd < 0)
			return fail(path);
		while (read(fd, buf, sizeof(buf)) > 0)
			;
		close(fd);
		v[i] = now_us() - t;
	}
	return v ? print_median(v, n) : 1;
}

static int statloop(const char *path, int n)
{
	double *v = calloc((size_t)n, sizeof(*v));
	struct stat st;

	for (int i = 0; v && i < n; i++) {
		double t = now_us();

		if (stat(path, &st) < 0)
			return fail(path);
		v[i] = now_us() - t;
	}
	return v ? print_median(v, n) : 1;
}

/* Reads from fd until a newline in the payload; mux: the engine's 8-byte
 * frame headers (stdout/stderr multiplexed, no tty) are skipped. */
static int read_line(int fd, int mux)
{
	static unsigned char buf[65536];
	static size_t have, pos, frame_left;

	for (;;) {
		while (pos < have) {
			if (mux && frame_left == 0) {
				if (have - pos < 8)
					break;
				frame_left = (size_t)buf[pos + 4] << 24 | (size_t)buf[pos + 5] << 16 |
					     (size_t)buf[pos + 6] << 8 | buf[pos + 7];
				pos += 8;
				continue;
			}
			if (mux)
				frame_left--;
			if (buf[pos++] == '\n')
				return 0;
		}
		memmove(buf, buf + pos, have - pos);
		have -= pos;
		pos = 0;
		ssize_t r = read(fd, buf + have, sizeof(buf) - have);

		if (r <= 0)
			return -1;
		have += (size_t)r;
	}
}

static int pingpong_fd(int fd, int n, int mux)
{
	double *v = calloc((size_t)n, sizeof(*v));
	char line[64];

	for (int i = 0; v && i < n + 5; i++) {
		int len = snprintf(line, sizeof(line), "ping %d\n", i);
		double t = now_us();

		if (write(fd, line, (size_t)len) != len || read_line(fd, mux) < 0)
			return fail("ping");
		if (i >= 5) /* the first few warm up */
			v[i - 5] = now_us() - t;
	}
	return v ? print_median(v, n) : 1;
}

static int pingpong(const char *path, int n)
{
	int fd = open(path, O_RDWR);

	if (fd < 0)
		return fail(path);
	int r = pingpong_fd(fd, n, 0);

	close(fd);
	return r;
}

static int rawattach(const char *sock, const char *id, int n)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	char req[512], head[4096];
	size_t got = 0;
	int fd = socket(AF_UNIX, SOCK_STREAM, 0), len;

	snprintf(a.sun_path, sizeof(a.sun_path), "%s", sock);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0)
		return fail(sock);
	len = snprintf(req, sizeof(req),
		       "POST /containers/%s/attach?stream=1&stdin=1&stdout=1&stderr=1 HTTP/1.1\r\n"
		       "Host: docker\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n"
		       "Content-Length: 0\r\n\r\n",
		       id);
	if (write(fd, req, (size_t)len) != len)
		return fail("attach");
	/* the 101 reply's head, byte by byte: the stream starts right after */
	while (got < sizeof(head) - 1 &&
	       !(got >= 4 && memcmp(head + got - 4, "\r\n\r\n", 4) == 0)) {
		if (read(fd, head + got, 1) != 1)
			return fail("attach reply");
		got++;
	}
	head[got] = '\0';
	if (strncmp(head, "HTTP/1.1 101", 12) != 0 && strncmp(head, "HTTP/1.1 200", 12) != 0) {
		fprintf(stderr, "zf-benchtool: attach: %s\n", head);
		return 1;
	}
	int r = pingpong_fd(fd, n, 1);

	close(fd);
	return r;
}

static int changed(const char *path)
{
	char first[256], now[256];
	ssize_t n0 = -1, n;
	struct timespec t, nap = { 0, 50 * 1000 };

	for (;;) {
		int fd = open(path, O_RDONLY);

		if (fd < 0)
			return fail(path);
		n = read(fd, now, sizeof(now));
		close(fd);
		if (n0 < 0) {
			memcpy(first, now, n > 0 ? (size_t)n : 0);
			n0 = n;
		} else if (n != n0 || memcmp(first, now, (size_t)n) != 0) {
			clock_gettime(CLOCK_REALTIME, &t);
			printf("%lld\n", (long long)t.tv_sec * 1000000000LL + t.tv_nsec);
			return 0;
		}
		nanosleep(&nap, NULL);
	}
}

/* The HTTP status of GET PATH on the unix socket SOCK (a connection each). */
static int http_status(const char *sock, const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	char req[512], reply[64] = "";
	int fd = socket(AF_UNIX, SOCK_STREAM, 0), len, code = -1;
	ssize_t n;

	snprintf(a.sun_path, sizeof(a.sun_path), "%s", sock);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	len = snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\nHost: docker\r\n\r\n", path);
	if (write(fd, req, (size_t)len) == len && (n = read(fd, reply, sizeof(reply) - 1)) > 12)
		code = atoi(reply + 9); /* "HTTP/1.x NNN" */
	close(fd);
	return code;
}

static int gone(const char *sock, const char *id)
{
	char path[256];
	struct timespec nap = { 0, 1000 * 1000 };

	snprintf(path, sizeof(path), "/containers/%s/json", id);
	for (int i = 0; i < 120000; i++) {
		int code = http_status(sock, path);

		if (code == 404)
			return 0;
		if (code < 0)
			return fail("the engine");
		nanosleep(&nap, NULL);
	}
	fprintf(stderr, "zf-benchtool: %s still there after 2 minutes\n", id);
	return 1;
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "gone") == 0)
		return gone(argv[2], argv[3]);
	if (argc == 4 && strcmp(argv[1], "readloop") == 0)
		return readloop(argv[2], atoi(argv[3]));
	if (argc == 4 && strcmp(argv[1], "statloop") == 0)
		return statloop(argv[2], atoi(argv[3]));
	if (argc == 4 && strcmp(argv[1], "pingpong") == 0)
		return pingpong(argv[2], atoi(argv[3]));
	if (argc == 5 && strcmp(argv[1], "rawattach") == 0)
		return rawattach(argv[2], argv[3], atoi(argv[4]));
	if (argc == 3 && strcmp(argv[1], "changed") == 0)
		return changed(argv[2]);
	fprintf(stderr, "usage: zf-benchtool readloop FILE N | statloop FILE N | pingpong FILE N"
			" | rawattach SOCK ID N | changed FILE | gone SOCK ID\n");
	return 2;
}
