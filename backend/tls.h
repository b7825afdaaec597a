/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TLS (OpenSSL) for the connections libcurl does not make: the hijacked
 * attach and exec streams. Their callers poll, read and write a plain file
 * descriptor, so a relay thread per stream speaks TLS to the engine and
 * plain bytes to one end of a socketpair; the caller gets the other end.
 * Shutting down its write side sends TLS close_notify (the engine sees the
 * end of stdin); closing it ends the relay.
 */
#pragma once

#include <stddef.h>
#include <sys/types.h>

#include "engine.h"

struct zf_tls; /* the client's settings: CA, certificate and key */
struct zf_tls_conn; /* one connection, before it is relayed */

/* Loads the files (engine.h's struct zf_engine_tls); err says which failed. */
int zf_tls_new(const struct zf_engine_tls *files, struct zf_tls **ret_tls, struct zf_err *err);
void zf_tls_free(struct zf_tls *t);

/*
 * Makes a TLS connection over the connected socket fd (taken: closed on
 * failure) to host (a name or an IP address, no brackets), checking the
 * engine's certificate names it. Reads and writes give up after
 * timeout_ms.
 */
int zf_tls_connect(struct zf_tls *t, int fd, const char *host, int timeout_ms,
		   struct zf_tls_conn **ret_conn, struct zf_err *err);
void zf_tls_conn_free(struct zf_tls_conn *c);

/* Some bytes: the count, 0 at the end, or -errno (-ETIMEDOUT, -EPROTO...). */
ssize_t zf_tls_read(struct zf_tls_conn *c, char *buf, size_t size);
/* All of buf: 0 or -errno. */
int zf_tls_write_all(struct zf_tls_conn *c, const char *buf, size_t len);

/*
 * Hands c to a new relay thread and gives the caller's end of the
 * socketpair in *ret_fd (SOCK_STREAM, close-on-exec). c is the relay's on
 * success, still the caller's on failure.
 */
int zf_tls_relay(struct zf_tls_conn *c, int *ret_fd);

/* Waits up to timeout_ms for every relay thread to end; 0 or -ETIMEDOUT. */
int zf_tls_relays_wait(int timeout_ms);
