/* SPDX-License-Identifier: Apache-2.0 */
/* Temp files (spec.yaml replacements): each uid's cap, the users' share of
 * the mount's, and root's share kept free. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <cmocka.h>

#include "../../fs/tempfiles.h"

#define UUID_A "11111111-1111-4111-8111-111111111111"
#define UUID_B "22222222-2222-4222-8222-222222222222"

/* n files named PREFIX0.. of owner in uuid: the first error, or 0 */
static int make(struct zf_tempfiles *t, const char *uuid, const char *prefix, unsigned owner,
		int n)
{
	char name[64];

	for (int i = 0; i < n; i++) {
		int r;

		snprintf(name, sizeof(name), "%s%d", prefix, i);
		if ((r = zf_temp_create(t, uuid, name, owner)) < 0)
			return r;
	}
	return 0;
}

/* one user at their cap leaves the others and root theirs */
static void test_per_uid(void **state)
{
	struct zf_tempfiles *t;

	(void)state;
	assert_int_equal(zf_tempfiles_new(&t), 0);
	assert_int_equal(make(t, UUID_A, "a", 1001, ZF_TEMP_PER_UID), 0);
	assert_int_equal(zf_temp_create(t, UUID_A, "one-more", 1001), -EDQUOT);
	assert_int_equal(zf_temp_create(t, UUID_B, "elsewhere", 1001), -EDQUOT);
	assert_int_equal(zf_temp_create(t, UUID_B, "sed1", 1002), 0);
	assert_int_equal(zf_temp_create(t, UUID_A, "sed1", 0), 0);
	/* a removed one is one more to make; rmdir gives back every owner's */
	assert_int_equal(zf_temp_remove(t, UUID_A, "a0", 1001), 0);
	assert_int_equal(zf_temp_create(t, UUID_B, "again", 1001), 0);
	zf_temp_remove_object(t, UUID_A);
	assert_int_equal(make(t, UUID_A, "b", 1001, ZF_TEMP_PER_UID - 1), 0);
	assert_int_equal(zf_temp_create(t, UUID_A, "past", 1001), -EDQUOT);
	assert_int_equal(zf_temp_create(t, UUID_A, "b0", 1002), 0); /* names are per uid */
	assert_int_equal(zf_temp_create(t, UUID_A, "b0", 1002), -EEXIST);
	zf_tempfiles_free(t);
}

/* users together stop short of the mount's cap: root's share stays free */
static void test_root_share(void **state)
{
	const int users = (ZF_TEMP_MAX - ZF_TEMP_PER_UID) / ZF_TEMP_PER_UID;
	struct zf_tempfiles *t;

	(void)state;
	assert_int_equal(zf_tempfiles_new(&t), 0);
	for (int u = 0; u < users; u++)
		assert_int_equal(make(t, UUID_A, "x", 2000 + (unsigned)u, ZF_TEMP_PER_UID), 0);
	assert_int_equal(zf_temp_create(t, UUID_A, "x", 3000), -ENOSPC);
	assert_int_equal(make(t, UUID_B, "r", 0, ZF_TEMP_PER_UID), 0);
	assert_int_equal(zf_temp_create(t, UUID_B, "past", 0), -EDQUOT);
	zf_temp_remove_object(t, UUID_B); /* root's go: the users' cap is as it was */
	assert_int_equal(zf_temp_create(t, UUID_A, "x", 3000), -ENOSPC);
	assert_int_equal(zf_temp_remove(t, UUID_A, "x0", 2000), 0);
	assert_int_equal(zf_temp_create(t, UUID_A, "x", 3000), 0);
	zf_tempfiles_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_per_uid),
		cmocka_unit_test(test_root_share),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
