/* SPDX-License-Identifier: Apache-2.0 */
/* Per-uid counts (uidcount.h): a user's cap, the others' cap that keeps root's share,
 * root's own cap, and giving back. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "../../fs/uidcount.h"

static void test_user_cap(void **state)
{
	struct zf_uidcount s;
	const struct zf_uidcount_caps caps = { .user = 3 };

	(void)state;
	zf_uidcount_init(&s);
	for (int i = 0; i < 3; i++)
		assert_int_equal(zf_uidcount_take(&s, 1001, &caps), 0);
	assert_int_equal(zf_uidcount_take(&s, 1001, &caps), -EDQUOT);
	/* another user's share is whole, and root has no cap here */
	for (int i = 0; i < 3; i++)
		assert_int_equal(zf_uidcount_take(&s, 1002, &caps), 0);
	for (int i = 0; i < 100; i++)
		assert_int_equal(zf_uidcount_take(&s, 0, &caps), 0);
	assert_int_equal(zf_uidcount_held(&s, 1001), 3);
	assert_int_equal(zf_uidcount_held(&s, 0), 100);
	/* one given back is one more to take */
	zf_uidcount_give(&s, 1001);
	assert_int_equal(zf_uidcount_held(&s, 1001), 2);
	assert_int_equal(zf_uidcount_take(&s, 1001, &caps), 0);
	assert_int_equal(zf_uidcount_take(&s, 1001, &caps), -EDQUOT);
	for (int i = 0; i < 3; i++)
		zf_uidcount_give(&s, 1001);
	assert_int_equal(zf_uidcount_held(&s, 1001), 0);
	assert_int_equal(zf_uidcount_held(&s, 1002), 3);
	zf_uidcount_give(&s, 1001); /* none held: nothing happens */
	assert_int_equal(zf_uidcount_held(&s, 1001), 0);
	zf_uidcount_destroy(&s);
}

/* users together stop at others, which leaves root its own share */
static void test_root_share(void **state)
{
	static struct zf_uidcount s = ZF_UIDCOUNT_INIT;
	const struct zf_uidcount_caps caps = { .user = 4, .root = 4, .others = 12 };

	(void)state;
	for (unsigned uid = 1001; uid <= 1003; uid++)
		for (int i = 0; i < 4; i++)
			assert_int_equal(zf_uidcount_take(&s, uid, &caps), 0);
	assert_int_equal(zf_uidcount_take(&s, 1004, &caps), -ENOSPC);
	assert_int_equal(zf_uidcount_take(&s, 1001, &caps), -EDQUOT); /* its own cap first */
	for (int i = 0; i < 4; i++)
		assert_int_equal(zf_uidcount_take(&s, 0, &caps), 0);
	assert_int_equal(zf_uidcount_take(&s, 0, &caps), -EDQUOT);
	/* root's files do not count against the users' */
	zf_uidcount_give(&s, 0);
	zf_uidcount_give(&s, 1002);
	assert_int_equal(zf_uidcount_take(&s, 1004, &caps), 0);
	assert_int_equal(zf_uidcount_take(&s, 1005, &caps), -ENOSPC);
	zf_uidcount_destroy(&s);
}

/* many uids: the table grows, and entries given back leave it */
static void test_many_uids(void **state)
{
	struct zf_uidcount s;
	const struct zf_uidcount_caps caps = { .user = 1 };

	(void)state;
	zf_uidcount_init(&s);
	for (unsigned uid = 1; uid <= 1000; uid++)
		assert_int_equal(zf_uidcount_take(&s, uid, &caps), 0);
	for (unsigned uid = 1; uid <= 1000; uid += 2)
		zf_uidcount_give(&s, uid);
	for (unsigned uid = 1; uid <= 1000; uid++)
		assert_int_equal(zf_uidcount_held(&s, uid), uid % 2 ? 0 : 1);
	for (unsigned uid = 2; uid <= 1000; uid += 2)
		assert_int_equal(zf_uidcount_take(&s, uid, &caps), -EDQUOT);
	zf_uidcount_destroy(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_user_cap),
		cmocka_unit_test(test_root_share),
		cmocka_unit_test(test_many_uids),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
