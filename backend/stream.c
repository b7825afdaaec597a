/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "demux.h"
#include "stream.h"

struct zf_stream {
	int fd;
	bool multiplexed;
	struct zf_demux demux;
	char raw[16384]; /* read from fd, not yet demultiplexed */
	size_t raw_off, raw_len;
};

int zf_stream_new(int fd, bool multiplexed, const char *leftover, size_t leftover_len,
		  struct zf_stream **ret_stream)
{
	struct zf_stream *s = calloc(1, sizeof(*s));

	if (!s)
		return -ENOMEM;
	if (leftover_len > sizeof(s->raw)) {
		free(s);
		return -EPROTO;
	}
	s->fd = fd;
	s->multiplexed = multiplexed;
	memcpy(s->raw, leftover, leftover_len);
	s->raw_len = leftover_len;
	*ret_stream = s;
	return 0;
}

void zf_stream_free(struct zf_stream *s)
{
	if (!s)
		return;
	close(s->fd);
	free(s);
}

static int wait_fd(int fd, short events, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = events };
	int r;

	do
		r = poll(&p, 1, timeout_ms);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return -errno;
	return r == 0 ? -EAGAIN : 0;
}

ssize_t zf_stream_read(struct zf_stream *s, char *buf, size_t size, int timeout_ms)
{
	for (;;) {
		ssize_t n;

		if (s->raw_off < s->raw_len) {
			size_t out = 0, used;

			if (!s->multiplexed) {
				out = s->raw_len - s->raw_off;
				if (out > size)
					out = size;
				memcpy(buf, s->raw + s->raw_off, out);
				s->raw_off += out;
				return (ssize_t)out;
			}
			used = zf_demux_feed(&s->demux, s->raw + s->raw_off, s->raw_len - s->raw_off,
					     buf, size, &out);
			s->raw_off += used;
			if (out > 0)
				return (ssize_t)out;
			continue; /* only headers so far: read more */
		}
		n = wait_fd(s->fd, POLLIN, timeout_ms);
		if (n < 0)
			return n;
		n = recv(s->fd, s->raw, sizeof(s->raw), 0);
		if (n < 0)
			return errno == EINTR ? -EAGAIN : -errno;
		if (n == 0)
			return 0;
		s->raw_off = 0;
		s->raw_len = (size_t)n;
	}
}

ssize_t zf_stream_write(struct zf_stream *s, const char *buf, size_t size, int timeout_ms)
{
	size_t done = 0;

	while (done < size) {
		int r = wait_fd(s->fd, POLLOUT, timeout_ms);
		ssize_t n;

		if (r < 0)
			return done ? (ssize_t)done : r;
		/* never blocks past the wait: a full socket takes part of it */
		n = send(s->fd, buf + done, size - done, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return done ? (ssize_t)done : -errno;
		}
		done += (size_t)n;
	}
	return (ssize_t)done;
}

void zf_stream_close_write(struct zf_stream *s)
{
	shutdown(s->fd, SHUT_WR);
}

void zf_stream_shutdown(struct zf_stream *s)
{
	shutdown(s->fd, SHUT_RDWR);
}
