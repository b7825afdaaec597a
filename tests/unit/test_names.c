/* SPDX-License-Identifier: Apache-2.0 */
/* Object names: [a-zA-Z0-9][a-zA-Z0-9_.-]*, at most 63 bytes. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "../../fs/kinds.h"

static void test_valid(void **state)
{
	static const char *const good[] = { "a", "Z", "0", "web", "a.b", "a-b", "a_b", "x1.2-3_4",
					    "A.", "9-" };
	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_int_equal(zf_name_check(good[i]), 0);
}

static void test_invalid(void **state)
{
	static const char *const bad[] = { "", "-a", ".a", "_a", "a b", "a/b", "a:b", "a*",
					   "\xc3\xa9", "a\n", "..", "." };
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(zf_name_check(bad[i]), -EINVAL);
}

static void test_length(void **state)
{
	char name[80];

	(void)state;
	memset(name, 'a', sizeof(name));
	name[63] = '\0';
	assert_int_equal(zf_name_check(name), 0);
	name[63] = 'a';
	name[64] = '\0';
	assert_int_equal(zf_name_check(name), -ENAMETOOLONG);
}

static void test_kinds(void **state)
{
	(void)state;
	assert_int_equal(zf_kind_from_dir("containers"), ZF_KIND_CONTAINER);
	assert_int_equal(zf_kind_from_dir("volumes"), ZF_KIND_VOLUME);
	assert_int_equal(zf_kind_from_dir("container"), -ENOENT);
	assert_int_equal(zf_kind_from_word("capsule"), ZF_KIND_CAPSULE);
	assert_string_equal(zf_kind_dir(ZF_KIND_SANDBOX), "sandboxes");
	assert_true(zf_kind_supported(ZF_KIND_CONTAINER));
	assert_true(zf_kind_supported(ZF_KIND_CAPSULE));
	assert_true(zf_kind_supported(ZF_KIND_VOLUME));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_length),
		cmocka_unit_test(test_kinds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
