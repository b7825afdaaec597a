/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A hijacked engine connection (attach, exec): after the HTTP upgrade the
 * socket carries the container's stdin one way and its output the other.
 * zf_stream_read gives the output bytes (demultiplexed when the container
 * has no tty); zf_stream_write sends to stdin.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct zf_stream;

/* Takes fd and the bytes already read past the headers (copied). */
int zf_stream_new(int fd, bool multiplexed, const char *leftover, size_t leftover_len,
		  struct zf_stream **ret_stream);
void zf_stream_free(struct zf_stream *s);

/* Waits up to timeout_ms (-1: forever) for output; 0 at the end of the
 * stream, -EAGAIN on timeout, else the byte count or -errno. */
ssize_t zf_stream_read(struct zf_stream *s, char *buf, size_t size, int timeout_ms);
/* Sends all of buf, waiting up to timeout_ms per chunk; -EAGAIN on timeout. */
ssize_t zf_stream_write(struct zf_stream *s, const char *buf, size_t size, int timeout_ms);
/* No more input: the container sees EOF on stdin. */
void zf_stream_close_write(struct zf_stream *s);
/* Ends a zf_stream_read that waits in another thread (it returns 0). */
void zf_stream_shutdown(struct zf_stream *s);
