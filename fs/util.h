/* SPDX-License-Identifier: Apache-2.0 */
/* Small helpers: ids, times, cleanup attributes. */
#pragma once

#include <stddef.h>
#include <stdlib.h>

/* A random (version 4) uuid, 36 characters and a NUL. 0 or -errno. */
int zf_uuid_new(char buf[37]);

/* Now in RFC 3339, UTC, milliseconds: "2026-11-26T00:15:54.123Z". */
void zf_now_rfc3339(char *buf, size_t size);

/*
 * Grows *data (capacity *cap, doubling from 1 KiB) to hold need bytes plus a
 * NUL. 0 or -ENOMEM; *data is unchanged on failure.
 */
int zf_grow(char **data, size_t *cap, size_t need);

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
