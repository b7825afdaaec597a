/* SPDX-License-Identifier: Apache-2.0 */
/* The growing ring of a tty/exec session's output: order through wraps
 * and growth, doubling from 64 KiB to its maximum, the oldest dropped past
 * it, and its memory given back to the system at release (RSS). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../fs/ring.h"

#define MAX (1u << 20)

/* byte i of an endless test stream */
static char at(size_t i)
{
	return (char)('a' + (i * 7 + i / 251) % 26);
}

static void fill(char *buf, size_t from, size_t n)
{
	for (size_t i = 0; i < n; i++)
		buf[i] = at(from + i);
}

static void test_order_and_growth(void **state)
{
	static char in[300000], out[300000];
	struct zf_ring r;
	size_t put = 0, got = 0, n;

	(void)state;
	zf_ring_init(&r, MAX);
	assert_null(r.buf); /* nothing mapped before the first output */
	assert_int_equal(zf_ring_take(&r, out, sizeof(out)), 0);
	/* a little: the smallest mapping */
	fill(in, put, 1000);
	assert_int_equal(zf_ring_put(&r, in, 1000), 0);
	put += 1000;
	assert_int_equal(r.cap, ZF_RING_MIN);
	/* a reader taking part of it while more comes: wraps, then grows by doubling */
	for (int round = 0; round < 20; round++) {
		size_t k = 5000 + (size_t)round * 1700;

		fill(in, put, k);
		assert_int_equal(zf_ring_put(&r, in, k), 0);
		put += k;
		n = zf_ring_take(&r, out, k / 2);
		for (size_t i = 0; i < n; i++)
			assert_int_equal(out[i], at(got + i));
		got += n;
		assert_true(r.cap >= r.len && (r.cap & (r.cap - 1)) == 0 && r.cap <= MAX);
	}
	assert_true(r.cap > ZF_RING_MIN && r.cap < MAX); /* grew as far as needed only */
	while ((n = zf_ring_take(&r, out, 4096)) > 0) {
		for (size_t i = 0; i < n; i++)
			assert_int_equal(out[i], at(got + i));
		got += n;
	}
	assert_int_equal(got, put);
	zf_ring_release(&r);
	assert_null(r.buf);
}

/* past the maximum the oldest go, and put says how many */
static void test_drops(void **state)
{
	static char in[MAX + 5000], out[MAX];
	struct zf_ring r;
	size_t n;

	(void)state;
	zf_ring_init(&r, MAX);
	fill(in, 0, MAX - 10);
	assert_int_equal(zf_ring_put(&r, in, MAX - 10), 0);
	assert_int_equal(r.cap, MAX);
	assert_true(zf_ring_fits(&r, 10));
	assert_false(zf_ring_fits(&r, 11));
	fill(in, MAX - 10, 100);
	assert_int_equal(zf_ring_put(&r, in, 100), 90);
	n = zf_ring_take(&r, out, 10);
	assert_int_equal(n, 10);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(out[i], at(90 + i));
	/* more than the ring at once: all it held and the start of the new go */
	fill(in, 0, MAX + 5000);
	assert_int_equal(zf_ring_put(&r, in, MAX + 5000), (MAX - 10) + 5000);
	assert_int_equal(r.len, MAX);
	assert_int_equal(zf_ring_take(&r, out, 1), 1);
	assert_int_equal(out[0], at(5000));
	zf_ring_release(&r);
}

/* AddressSanitizer keeps the shadow of unmapped memory: an eighth of it */
#ifdef __SANITIZE_ADDRESS__
#define SHADOW_KIB (64 * 1024 / 8)
#else
#define SHADOW_KIB 0
#endif

static long rss_kib(void)
{
	long pages = 0, rss = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	assert_non_null(f);
	assert_int_equal(fscanf(f, "%ld %ld", &pages, &rss), 2);
	fclose(f);
	return rss * (sysconf(_SC_PAGESIZE) / 1024);
}

/* 64 full rings (64 MiB) released: the RSS is back where it was */
static void test_release_gives_back(void **state)
{
	static struct zf_ring rings[64];
	static char in[MAX];
	long before, full, after;

	(void)state;
	memset(in, 'x', sizeof(in));
	before = rss_kib();
	for (int i = 0; i < 64; i++) {
		zf_ring_init(&rings[i], MAX);
		for (int k = 0; k < 4; k++)
			zf_ring_put(&rings[i], in, MAX / 4);
	}
	full = rss_kib();
	for (int i = 0; i < 64; i++)
		zf_ring_release(&rings[i]);
	after = rss_kib();
	print_message("RSS: %ld KiB before, %ld KiB with 64 full rings, %ld KiB after release\n",
		      before, full, after);
	assert_true(full - before >= 60 * 1024);
	assert_true(after - before < 4 * 1024 + SHADOW_KIB);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order_and_growth),
		cmocka_unit_test(test_drops),
		cmocka_unit_test(test_release_gives_back),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
