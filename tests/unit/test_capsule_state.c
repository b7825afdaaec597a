/* SPDX-License-Identifier: Apache-2.0 */
/* A capsule's status from its members. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "../../fs/capsule_state.h"

static const char *status(const struct zf_member_state *m, size_t n, const char *policy,
			  char *reason)
{
	return zf_state_word(zf_capsule_status(m, n, policy, reason, 200));
}

static void test_states(void **state)
{
	char reason[200];
	struct zf_member_state all_run[] = { { "a", "running", 0 }, { "b", "running", 0 } };
	struct zf_member_state done[] = { { "a", "exited", 0 }, { "b", "exited", 0 } };
	struct zf_member_state one_failed[] = { { "a", "running", 0 }, { "b", "exited", 3 } };
	struct zf_member_state half[] = { { "a", "running", 0 }, { "b", "exited", 0 } };
	struct zf_member_state starting[] = { { "a", "running", 0 }, { "b", "created", 0 } };
	struct zf_member_state odd[] = { { "a", "removing", 0 } };

	(void)state;
	assert_string_equal(status(all_run, 2, "always", reason), "Running");
	assert_string_equal(status(done, 2, "no", reason), "Finished");
	assert_string_equal(status(done, 2, "on-failure", reason), "Finished");
	/* under Always a finished member is restarted: not Finished */
	assert_string_equal(status(done, 2, "always", reason), "Running");
	assert_string_equal(status(one_failed, 2, "no", reason), "Failed");
	assert_string_equal(reason, "container b exited with code 3");
	assert_string_equal(status(one_failed, 2, "on-failure", reason), "Running");
	assert_string_equal(status(half, 2, "no", reason), "Running");
	assert_string_equal(reason, "1 of 2 containers have finished");
	assert_string_equal(status(starting, 2, "no", reason), "Starting");
	assert_string_equal(status(odd, 1, "no", reason), "Unknown");
	assert_string_equal(status(NULL, 0, "no", reason), "Unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = { cmocka_unit_test(test_states) };
	return cmocka_run_group_tests(tests, NULL, NULL);
}
