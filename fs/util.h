/* SPDX-License-Identifier: Apache-2.0 */
/* Small helpers: ids, times, cleanup attributes. */
#pragma once

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

/* A random (version 4) uuid, 36 characters and a NUL. 0 or -errno. */
int zf_uuid_new(char buf[37]);

/* CLOCK_MONOTONIC time ms from now, for pthread_cond_timedwait on a
 * condition made with zf_cond_init_monotonic. */
void zf_deadline_ms(struct timespec *ret_t, int ms);
/* The same on another clock (CLOCK_REALTIME for pthread_timedjoin_np). */
void zf_deadline_on(clockid_t clock, int ms, struct timespec *ret_t);
void zf_cond_init_monotonic(pthread_cond_t *cond);

/* Now in RFC 3339, UTC, milliseconds: "2026-11-26T00:15:54.123Z". */
void zf_now_rfc3339(char *buf, size_t size);

/*
 * Grows *data (capacity *cap, doubling from 1 KiB) to hold need bytes plus a
 * NUL. 0 or -ENOMEM; *data is unchanged on failure.
 */
int zf_grow(char **data, size_t *cap, size_t need);

/* FNV-1a over len bytes, on from h (start with ZF_FNV_OFFSET): hash tables
 * and a served text's identity (fs/fuse/cache.c). */
#define ZF_FNV_OFFSET 1469598103934665603ull
uint64_t zf_fnv1a(uint64_t h, const void *data, size_t len);

/* Writes all of buf to fd, through short writes and EINTR: 0 or -errno. */
int zf_write_all(int fd, const void *buf, size_t len);

static inline void zf_freep(void *p)
{
	free(*(void **)p);
}

#define _cleanup_free_ __attribute__((cleanup(zf_freep)))

/* Hands ownership on: returns p and sets it NULL. */
#define TAKE_PTR(p)                              \
	({                                       \
		__typeof__(p) _ptr_ = (p);       \
		(p) = NULL;                      \
		_ptr_;                           \
	})
