/* SPDX-License-Identifier: Apache-2.0 */
#include <string.h>
#include <sys/mman.h>

#include "ring.h"

void zf_ring_init(struct zf_ring *r, size_t max)
{
	*r = (struct zf_ring){ .max = max < ZF_RING_MIN ? ZF_RING_MIN : max };
}

bool zf_ring_fits(const struct zf_ring *r, size_t n)
{
	return n <= r->max - r->len;
}

/* Copies len bytes from the ring's offset from into out (wrapping). */
static void copy_out(const struct zf_ring *r, size_t from, char *out, size_t len)
{
	size_t first = r->cap - from;

	if (first > len)
		first = len;
	memcpy(out, r->buf + from, first);
	memcpy(out + first, r->buf, len - first);
}

/* A mapping of the smallest doubling of cap (from ZF_RING_MIN, up to max)
 * that holds need bytes, the content moved to its start; false when
 * mmap fails (the ring is as it was). */
static bool grow(struct zf_ring *r, size_t need)
{
	size_t ncap = r->cap ? r->cap : ZF_RING_MIN;
	char *nbuf;

	while (ncap < need && ncap < r->max)
		ncap *= 2;
	if (ncap > r->max)
		ncap = r->max;
	if (ncap <= r->cap)
		return false;
	nbuf = mmap(NULL, ncap, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (nbuf == MAP_FAILED)
		return false;
	if (r->len)
		copy_out(r, r->head, nbuf, r->len);
	if (r->buf)
		munmap(r->buf, r->cap);
	r->buf = nbuf;
	r->cap = ncap;
	r->head = 0;
	return true;
}

size_t zf_ring_put(struct zf_ring *r, const char *data, size_t n)
{
	size_t dropped = 0, tail, first;

	if (r->len + n > r->cap)
		grow(r, r->len + n);
	if (n > r->cap) {
		/* more than the ring holds: only data's end is kept */
		dropped = r->len + (n - r->cap);
		data += n - r->cap;
		n = r->cap;
		r->head = r->len = 0;
	} else if (r->len + n > r->cap) {
		size_t lose = r->len + n - r->cap;

		r->head = (r->head + lose) % r->cap;
		r->len -= lose;
		dropped = lose;
	}
	if (n == 0)
		return dropped;
	tail = (r->head + r->len) % r->cap;
	first = r->cap - tail;
	if (first > n)
		first = n;
	memcpy(r->buf + tail, data, first);
	memcpy(r->buf, data + first, n - first);
	r->len += n;
	return dropped;
}

size_t zf_ring_take(struct zf_ring *r, char *buf, size_t size)
{
	size_t n = r->len < size ? r->len : size;

	if (n == 0)
		return 0;
	copy_out(r, r->head, buf, n);
	r->head = (r->head + n) % r->cap;
	r->len -= n;
	return n;
}

void zf_ring_release(struct zf_ring *r)
{
	if (r->buf)
		munmap(r->buf, r->cap);
	zf_ring_init(r, r->max);
}
