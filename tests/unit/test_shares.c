/* SPDX-License-Identifier: Apache-2.0 */
/* fs/fuse/shares.c: each user's share of the mount's handles, parked
 * requests and engine room. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../fs/fuse/shares.h"

static void take_n(enum zf_share s, unsigned uid, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		assert_int_equal(zf_share_take(s, uid), 0);
}

static void give_n(enum zf_share s, unsigned uid, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		zf_share_give(s, uid);
}

/* One user at their cap: refused with the cap's errno, another user not. */
static void test_per_user(void **state)
{
	const struct zf_share_cap *cap = &zf_share_caps[ZF_SHARE_HANDLES];

	(void)state;
	take_n(ZF_SHARE_HANDLES, 1000, cap->per_user);
	assert_int_equal(zf_share_take(ZF_SHARE_HANDLES, 1000), -EMFILE);
	assert_int_equal(zf_share_take(ZF_SHARE_HANDLES, 1001), 0);
	assert_int_equal(zf_share_held(ZF_SHARE_HANDLES, 1000), cap->per_user);
	zf_share_give(ZF_SHARE_HANDLES, 1000);
	assert_int_equal(zf_share_take(ZF_SHARE_HANDLES, 1000), 0);
	give_n(ZF_SHARE_HANDLES, 1000, cap->per_user);
	zf_share_give(ZF_SHARE_HANDLES, 1001);
	assert_int_equal(zf_share_held(ZF_SHARE_HANDLES, 1000), 0);
}

/* The users together stop short of the total: the rest is root's, who is
 * refused only past the total. */
static void test_root_reserve(void **state)
{
	const struct zf_share_cap *cap = &zf_share_caps[ZF_SHARE_PARKED];
	unsigned users = (cap->total - cap->root_reserve) / cap->per_user, uid = 2000;

	(void)state;
	for (unsigned u = 0; u < users; u++)
		take_n(ZF_SHARE_PARKED, uid + u, cap->per_user);
	assert_int_equal(zf_share_take(ZF_SHARE_PARKED, uid + users), -EAGAIN);
	take_n(ZF_SHARE_PARKED, 0, cap->total); /* root past any user's cap */
	assert_int_equal(zf_share_take(ZF_SHARE_PARKED, 0), -EAGAIN); /* the total */
	give_n(ZF_SHARE_PARKED, 0, cap->total);
	for (unsigned u = 0; u < users; u++)
		give_n(ZF_SHARE_PARKED, uid + u, cap->per_user);
	assert_int_equal(zf_share_take(ZF_SHARE_PARKED, uid + users), 0);
	zf_share_give(ZF_SHARE_PARKED, uid + users);
}

/* The shares are apart: a user at the room's cap still opens files. */
static void test_apart(void **state)
{
	const struct zf_share_cap *cap = &zf_share_caps[ZF_SHARE_ROOM];

	(void)state;
	take_n(ZF_SHARE_ROOM, 3000, cap->per_user);
	assert_int_equal(zf_share_take(ZF_SHARE_ROOM, 3000), -EAGAIN);
	assert_int_equal(zf_share_take(ZF_SHARE_HANDLES, 3000), 0);
	zf_share_give(ZF_SHARE_HANDLES, 3000);
	give_n(ZF_SHARE_ROOM, 3000, cap->per_user);
	/* giving back what was never taken changes nothing */
	zf_share_give(ZF_SHARE_ROOM, 3000);
	assert_int_equal(zf_share_held(ZF_SHARE_ROOM, 3000), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_per_user),
		cmocka_unit_test(test_root_reserve),
		cmocka_unit_test(test_apart),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
