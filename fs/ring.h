/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A byte ring (FIFO) that grows on demand, doubling from ZF_RING_MIN bytes
 * up to a maximum fixed at init, in a mapping of its own: zf_ring_release()
 * gives the memory back to the system at once (malloc would keep freed
 * megabyte chunks in its arenas once glibc's mmap threshold has grown, so
 * a thousand closed streams stayed a gigabyte of zunfs's RSS). Not
 * thread-safe: its owner locks. No FUSE.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#define ZF_RING_MIN (64u << 10)

struct zf_ring {
	char *buf; /* cap bytes (mmap), NULL until the first put */
	size_t cap, max; /* bytes: mapped now; at most */
	size_t head, len; /* offset of the oldest byte; bytes held */
};

/* An empty ring of at most max bytes (a power of two, at least
 * ZF_RING_MIN); nothing is mapped yet. */
void zf_ring_init(struct zf_ring *r, size_t max);

/* Whether n more bytes fit without dropping any (growing if need be). */
bool zf_ring_fits(const struct zf_ring *r, size_t n);

/*
 * Appends n bytes, growing the mapping as needed. Past max (or when a
 * growth fails: no memory) the oldest bytes are dropped to make room, the
 * start of data too when n alone is more than fits. Returns how many
 * bytes were dropped, 0 when all fitted.
 */
size_t zf_ring_put(struct zf_ring *r, const char *data, size_t n);

/* Moves up to size of the oldest bytes into buf: how many. */
size_t zf_ring_take(struct zf_ring *r, char *buf, size_t size);

/* Unmaps the memory; the ring is empty (and may be used again). */
void zf_ring_release(struct zf_ring *r);
