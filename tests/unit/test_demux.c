/* SPDX-License-Identifier: Apache-2.0 */
/* Docker's 8-byte frame headers, split anywhere across reads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "../../backend/demux.h"

/* Two frames: stdout "hello\n", stderr "oops". */
static const char stream[] = "\x01\x00\x00\x00\x00\x00\x00\x06hello\n"
			     "\x02\x00\x00\x00\x00\x00\x00\x04oops";
#define STREAM_LEN (sizeof(stream) - 1)

static void test_whole(void **state)
{
	struct zf_demux d = { .hdr_have = 0 };
	char out[64];
	size_t n, used;

	(void)state;
	used = zf_demux_feed(&d, stream, STREAM_LEN, out, sizeof(out), &n);
	assert_int_equal(used, STREAM_LEN);
	assert_int_equal(n, 10);
	assert_memory_equal(out, "hello\noops", 10);
	assert_int_equal(d.stream, 2);
}

static void test_every_split(void **state)
{
	(void)state;
	/* every way of cutting the stream in two, and byte by byte */
	for (size_t cut = 0; cut <= STREAM_LEN; cut++) {
		struct zf_demux d = { .hdr_have = 0 };
		char out[64];
		size_t total = 0, n;

		zf_demux_feed(&d, stream, cut, out, sizeof(out), &n);
		total += n;
		zf_demux_feed(&d, stream + cut, STREAM_LEN - cut, out + total, sizeof(out) - total, &n);
		total += n;
		assert_int_equal(total, 10);
		assert_memory_equal(out, "hello\noops", 10);
	}
	struct zf_demux d = { .hdr_have = 0 };
	char out[64];
	size_t total = 0, n;

	for (size_t i = 0; i < STREAM_LEN; i++) {
		zf_demux_feed(&d, stream + i, 1, out + total, sizeof(out) - total, &n);
		total += n;
	}
	assert_int_equal(total, 10);
	assert_memory_equal(out, "hello\noops", 10);
}

static void test_small_out(void **state)
{
	struct zf_demux d = { .hdr_have = 0 };
	char out[4], all[16];
	size_t off = 0, total = 0, n;

	(void)state;
	/* an output buffer smaller than a frame: feed the rest again */
	while (off < STREAM_LEN) {
		off += zf_demux_feed(&d, stream + off, STREAM_LEN - off, out, sizeof(out), &n);
		memcpy(all + total, out, n);
		total += n;
	}
	assert_int_equal(total, 10);
	assert_memory_equal(all, "hello\noops", 10);
}

static void test_big_size(void **state)
{
	/* a size over 16 MiB is read as big-endian, not truncated */
	struct zf_demux d = { .hdr_have = 0 };
	char out[8];
	size_t n;

	(void)state;
	zf_demux_feed(&d, "\x01\x00\x00\x00\x01\x02\x03\x04", 8, out, sizeof(out), &n);
	assert_int_equal(d.remaining, 0x01020304);
	assert_int_equal(n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_whole),
		cmocka_unit_test(test_every_split),
		cmocka_unit_test(test_small_out),
		cmocka_unit_test(test_big_size),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
