/* SPDX-License-Identifier: Apache-2.0 */
/* A tmpfs volume's size read as the kernel reads it, and the rule that keeps
 * one user's tmpfs volumes within -o tmpfs_max (fs/tmpfs.c). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "../../backend/engine.h"
#include "../../fs/tmpfs.h"

#define MiB (1LL << 20)
#define GiB (1LL << 30)
#define RAM ((uint64_t)24 * GiB)

static void test_parse_size(void **state)
{
	static const struct {
		const char *s;
		int64_t bytes;
	} good[] = {
		{ "0", 0 },	    { "4096", 4096 },	{ "64k", 64 * 1024 },
		{ "64K", 64 * 1024 }, { "64m", 64 * MiB },	{ "2g", 2 * GiB },
		{ "2G", 2 * GiB },    { "1t", 1024 * GiB }, { "50%", 12 * GiB },
		{ "100%", 24 * GiB }, { "0%", 0 },
	};
	static const char *const bad[] = { "", "m", "-1", "1.5g", "64mb", "64 m", "101%", "1x",
					   "99999999999999999999", "9000000000000p", " 1", "0x10" };
	int64_t v;

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		v = -1;
		assert_int_equal(zf_tmpfs_parse_size(good[i].s, RAM, &v), 0);
		assert_int_equal(v, good[i].bytes);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(zf_tmpfs_parse_size(bad[i], RAM, &v), -EINVAL);
}

/* driverOptions of one volume: type, device, o (NULL: left out) */
static int size_of(const char *type, const char *o, int64_t *ret)
{
	struct zf_kv kv[3];
	size_t n = 0;

	if (type)
		kv[n++] = (struct zf_kv){ (char *)"type", (char *)type };
	kv[n++] = (struct zf_kv){ (char *)"device", (char *)"tmpfs" };
	if (o)
		kv[n++] = (struct zf_kv){ (char *)"o", (char *)o };
	return zf_tmpfs_size(kv, n, RAM, ret);
}

static void test_size(void **state)
{
	int64_t v = -1;

	(void)state;
	assert_int_equal(zf_tmpfs_size(NULL, 0, RAM, &v), 0); /* no options: the engine's disk */
	assert_int_equal(size_of(NULL, "size=1m", &v), 0);
	assert_int_equal(size_of("tmpfs", NULL, &v), 1);
	assert_int_equal(v, 0); /* none given */
	assert_int_equal(size_of("tmpfs", "uid=1000,mode=0700", &v), 1);
	assert_int_equal(v, 0);
	assert_int_equal(size_of("tmpfs", "size=64m", &v), 1);
	assert_int_equal(v, 64 * MiB);
	assert_int_equal(size_of("tmpfs", "mode=1777,size=10%,uid=1", &v), 1);
	assert_int_equal(v, (int64_t)(RAM * 10 / 100));
	/* the last of size= and nr_blocks= wins, as in the kernel */
	assert_int_equal(size_of("tmpfs", "nr_blocks=100,size=2m", &v), 1);
	assert_int_equal(v, 2 * MiB);
	assert_int_equal(size_of("tmpfs", "size=2m,nr_blocks=100", &v), 1);
	assert_int_equal(v, 100 * 4096);
	assert_int_equal(size_of("tmpfs", "nr_blocks=1k", &v), 1);
	assert_int_equal(v, 1024 * 4096);
	/* 0 is no limit at all */
	assert_int_equal(size_of("tmpfs", "size=0", &v), 1);
	assert_int_equal(v, ZF_TMPFS_UNLIMITED);
	assert_int_equal(size_of("tmpfs", "size=64m,nr_blocks=0", &v), 1);
	assert_int_equal(v, ZF_TMPFS_UNLIMITED);
	assert_int_equal(size_of("tmpfs", "size=lots", &v), -EINVAL);
	assert_int_equal(size_of("tmpfs", "nr_blocks=10%", &v), -EINVAL);
	assert_int_equal(size_of("tmpfs", "size=", &v), -EINVAL);
}

static void test_admit(void **state)
{
	int64_t got = -1;
	char why[300];

	(void)state;
	assert_int_equal(zf_tmpfs_default(GiB), ZF_TMPFS_DEFAULT);
	assert_int_equal(zf_tmpfs_default(16 * MiB), 16 * MiB);
	assert_int_equal(zf_tmpfs_default(0), ZF_TMPFS_DEFAULT); /* never 0: no limit */
	/* none given: the default */
	assert_int_equal(zf_tmpfs_admit(0, 0, GiB, &got, why, sizeof(why)), 0);
	assert_int_equal(got, 64 * MiB);
	/* up to the share exactly */
	assert_int_equal(zf_tmpfs_admit(GiB, 0, GiB, &got, why, sizeof(why)), 0);
	assert_int_equal(got, GiB);
	assert_int_equal(zf_tmpfs_admit(512 * MiB, 512 * MiB, GiB, &got, why, sizeof(why)), 0);
	/* over the cap alone */
	assert_int_equal(zf_tmpfs_admit(GiB + 1, 0, GiB, &got, why, sizeof(why)), -EDQUOT);
	assert_non_null(strstr(why, "more than the 1 GiB of memory this mount allows a user"));
	/* over what is left of the share */
	assert_int_equal(zf_tmpfs_admit(512 * MiB + 4096, 512 * MiB, GiB, &got, why, sizeof(why)),
			 -EDQUOT);
	assert_non_null(strstr(why, "beside the 512 MiB this user's tmpfs volumes hold already"));
	assert_int_equal(zf_tmpfs_admit(0, GiB - MiB, GiB, &got, why, sizeof(why)), -EDQUOT);
	/* no limit at all */
	assert_int_equal(zf_tmpfs_admit(ZF_TMPFS_UNLIMITED, 0, GiB, &got, why, sizeof(why)),
			 -EDQUOT);
	assert_non_null(strstr(why, "no size limit"));
	/* tmpfs_max=0: none at all */
	assert_int_equal(zf_tmpfs_admit(0, 0, 0, &got, why, sizeof(why)), -EDQUOT);
	/* a share held past the cap (the cap lowered since) */
	assert_int_equal(zf_tmpfs_admit(MiB, INT64_MAX, GiB, &got, why, sizeof(why)), -EDQUOT);
}

static void test_with_size(void **state)
{
	struct zf_kv in[] = { { (char *)"type", (char *)"tmpfs" },
			      { (char *)"device", (char *)"tmpfs" },
			      { (char *)"o", (char *)"uid=1000" } };
	struct zf_kv *out;
	size_t n;
	int64_t v;

	(void)state;
	assert_int_equal(zf_tmpfs_with_size(in, 3, 64 * MiB, &out, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(out[2].key, "o");
	assert_string_equal(out[2].value, "size=67108864,uid=1000");
	assert_int_equal(zf_tmpfs_size(out, n, RAM, &v), 1);
	assert_int_equal(v, 64 * MiB);
	zf_tmpfs_opts_free(out, n);
	/* no o: one is made */
	assert_int_equal(zf_tmpfs_with_size(in, 2, 16 * MiB, &out, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(out[0].value, "tmpfs");
	assert_string_equal(out[2].key, "o");
	assert_string_equal(out[2].value, "size=16777216");
	zf_tmpfs_opts_free(out, n);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_size),
		cmocka_unit_test(test_size),
		cmocka_unit_test(test_admit),
		cmocka_unit_test(test_with_size),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
