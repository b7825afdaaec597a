/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A small HTTP/1.1 client for the engine's API, on libcurl, over a unix
 * socket, TCP, or TLS over TCP. One easy handle per request: callers may be on any thread.
 */
#pragma once

#include <stddef.h>

#include "engine.h"

struct zf_http;

/* url: "unix:///path", "tcp://host:port" or "http://host:port". */
int zf_http_new(const char *url, struct zf_http **ret_http);
/*
 * As zf_http_new; with tls (not NULL), url is "tcp://host:port" spoken to
 * over HTTPS, hijacked streams included (tls.h). err says what failed.
 */
int zf_http_new_tls(const char *url, const struct zf_engine_tls *tls, struct zf_http **ret_http,
		    struct zf_err *err);
void zf_http_free(struct zf_http *h);

/* A header line ("Name: value") sent with every zf_http_request*() call
 * after this one (e.g. Cinder's X-Auth-Token). Not thread-safe: set up first. */
int zf_http_add_header(struct zf_http *h, const char *line);
/* Who answers, in transport errors ("cannot reach PEER at URL"): "the engine" unless set. */
int zf_http_set_peer(struct zf_http *h, const char *peer);

struct zf_http_reply {
	long status; /* HTTP status */
	char *body; /* NUL-terminated, owned by the reply */
	size_t len;
};

void zf_http_reply_clear(struct zf_http_reply *r);

/*
 * Sends METHOD path (path starts with '/', query already escaped) with an
 * optional JSON body (or raw bytes when body_len > 0). timeout_s 0: none.
 * Returns 0 when a reply arrived, whatever its status, or a negative errno
 * when the transport failed (err says why).
 */
int zf_http_request(struct zf_http *h, const char *method, const char *path,
		    const char *body, long timeout_s, struct zf_http_reply *ret_reply,
		    struct zf_err *err);

/* As zf_http_request, with a body of any type and length (e.g. a tar). */
int zf_http_request_body(struct zf_http *h, const char *method, const char *path,
			 const char *content_type, const void *body, size_t body_len,
			 long timeout_s, struct zf_http_reply *ret_reply, struct zf_err *err);

/* Called for each line of a streamed reply; return non-zero to stop. */
typedef int (*zf_http_line_cb)(const char *line, size_t len, void *userdata);

/*
 * GET path and hand the reply to line_cb a line at a time until the stream
 * ends, line_cb returns non-zero, or *stop turns true (checked about once a
 * second). on_open (may be NULL) runs once the reply headers arrived with a
 * 2xx status. Returns 0 when stopped by the caller, -EPIPE when the engine
 * ended the stream, or another negative errno.
 */
int zf_http_stream_lines(struct zf_http *h, const char *path, zf_http_line_cb line_cb,
			 void (*on_open)(void *userdata), void *userdata,
			 const volatile bool *stop, struct zf_err *err);

/*
 * Sends METHOD path (no body) and hands a 2xx reply to line_cb a line at a
 * time as it arrives (the last one too, if no newline ends it), until the
 * reply ends or line_cb returns non-zero. timeout_s 0: none. Returns 0 when
 * a reply arrived, whatever its status, with the status in *ret_reply and,
 * when it is not 2xx, the reply's body (line_cb saw none of it); or a
 * negative errno when the transport failed (err says why).
 */
int zf_http_request_lines(struct zf_http *h, const char *method, const char *path,
			  long timeout_s, zf_http_line_cb line_cb, void *userdata,
			  struct zf_http_reply *ret_reply, struct zf_err *err);

/*
 * Sends METHOD path (with an optional JSON body) asking to upgrade the
 * connection to a raw stream, as Docker's attach and exec start do. On 101
 * (or 200) returns 0, the socket in *ret_fd and, in *ret_leftover (the
 * caller's), what was read past the headers. Otherwise the errno of the
 * status, with the reply's body in err->msg.
 */
int zf_http_hijack(struct zf_http *h, const char *method, const char *path, const char *body,
		   int *ret_fd, char **ret_leftover, size_t *ret_leftover_len, struct zf_err *err);

/* As zf_http_stream_lines, but hands over the raw bytes as they come. */
int zf_http_stream_raw(struct zf_http *h, const char *path, zf_http_line_cb chunk_cb,
		       void *userdata, const volatile bool *stop, struct zf_err *err);

/* The errno for an HTTP status (the one table of it): 0 for 2xx and 304. */
int zf_http_status_errno(long status);

/* curl-escaped copy of s, for a query string; NULL on OOM. Caller frees. */
char *zf_http_escape(const char *s);
