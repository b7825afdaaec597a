/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Requests parked until their row can answer them, holding no thread: a
 * read of `events`, `until/STATE`, `tty` or `exec` with nothing to give
 * yet, and a write to a stdin that takes no more for now. The row's source
 * kicks the handle (zf_wait_kick) when something changed; one thread, the
 * waker, then asks the row again, on its own thread, as the request's
 * caller, and answers what can be answered. Writes are also tried again
 * every WAIT_WRITE_RETRY_MS (a stream's stdin says nothing when it drains).
 *
 * An interrupt (a signal to the reader) is answered EINTR at once; zunfs
 * stopping answers every parked read with its row's `stopped` value and
 * every write with what went so far. Each parked request counts against
 * its user's ZF_SHARE_PARKED share (shares.h).
 *
 * Locking: one lock of its own, taken last (under the registry lock or
 * poll_lock is fine); rows are called without it.
 */
#pragma once

#include <stdint.h>

#include "private.h"

#define WAIT_WRITE_RETRY_MS 50

int zf_waits_start(void);
/* zunfs stops: every parked request is answered, and new ones at once. */
void zf_waits_stopping(void);
/* After the loop: ends the waker (answering what is left). */
void zf_waits_end(void);

/* The handle's kick count: take it before asking the row, hand it to
 * zf_wait_read/zf_wait_write, so a kick in between is not lost. */
uint64_t zf_wait_kicks(struct zf_handle *h);
/* Something changed for h: its parked requests are asked again. */
void zf_wait_kick(struct zf_handle *h);
/* Kicks every handle with parked requests that match(h, data) says. */
void zf_wait_kick_matching(bool (*match)(const struct zf_handle *h, const void *data),
			   const void *data);

/*
 * Parks read req (size bytes at off) of h, whose row said -EAGAIN after
 * kicks was taken; fh: the request's reference on h (fh.h), which the
 * wait takes over and gives back once answered. Answers req itself:
 * EAGAIN past the caller's share, EINTR if interrupted, the row's answer
 * later.
 */
void zf_wait_read(fuse_req_t req, const struct zf_req *who, struct zf_handle *h, uint64_t fh,
		  size_t size, off_t off, uint64_t kicks);
/* Parks write req: size bytes of buf (copied) at off, of which done went
 * already. Answered with the count that went in the end (or an errno if
 * none did). fh as for a read. */
void zf_wait_write(fuse_req_t req, const struct zf_req *who, struct zf_handle *h, uint64_t fh,
		   const char *buf, size_t size, off_t off, size_t done, uint64_t kicks);
/* h is being freed: it leaves the kick queue (it has no parked requests:
 * the kernel releases a file only when its requests are answered). */
void zf_wait_forget(struct zf_handle *h);
