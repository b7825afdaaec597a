/* SPDX-License-Identifier: Apache-2.0 */
/* ctl commands: parsing, and the states each runs from. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "../../fs/ctl.h"

static void test_parse_good(void **state)
{
	struct zf_ctl c;

	(void)state;
	assert_int_equal(zf_ctl_parse("start\n", &c, NULL, 0), 0);
	assert_int_equal(c.cmd, ZF_CTL_START);
	assert_int_equal(zf_ctl_parse("stop", &c, NULL, 0), 0);
	assert_int_equal(c.seconds, -1);
	assert_int_equal(zf_ctl_parse("  stop 5 \n", &c, NULL, 0), 0);
	assert_int_equal(c.cmd, ZF_CTL_STOP);
	assert_int_equal(c.seconds, 5);
	assert_int_equal(zf_ctl_parse("restart 0", &c, NULL, 0), 0);
	assert_int_equal(c.seconds, 0);
	assert_int_equal(zf_ctl_parse("kill", &c, NULL, 0), 0);
	assert_string_equal(c.signal, "SIGKILL");
	assert_int_equal(zf_ctl_parse("kill TERM", &c, NULL, 0), 0);
	assert_string_equal(c.signal, "TERM");
	assert_int_equal(zf_ctl_parse("kill sigusr1", &c, NULL, 0), 0);
	assert_int_equal(zf_ctl_parse("kill 9", &c, NULL, 0), 0);
	assert_int_equal(zf_ctl_parse("resize 24 80", &c, NULL, 0), 0);
	assert_int_equal(c.rows, 24);
	assert_int_equal(c.cols, 80);
	assert_int_equal(zf_ctl_parse("pause", &c, NULL, 0), 0);
	assert_int_equal(zf_ctl_parse("unpause", &c, NULL, 0), 0);
}

static void test_parse_bad(void **state)
{
	static const char *const bad[] = {
		"",	     "\n",	   "bogus",	  "Stop",	"stop -1",   "stop soon",
		"stop 1 2",  "kill NOPE",  "kill 0",	  "kill 65",	"resize 24", "resize 0 80",
		"resize a b", "pause now", "start 1",	  "a b c d e",
	};
	char reason[256];
	struct zf_ctl c;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		reason[0] = '\0';
		print_message("'%s'\n", bad[i]);
		assert_int_equal(zf_ctl_parse(bad[i], &c, reason, sizeof(reason)), -EINVAL);
		assert_true(strncmp(reason, "ctl: ", 5) == 0);
	}
	zf_ctl_parse("bogus", &c, reason, sizeof(reason));
	assert_non_null(strstr(reason, "unknown command 'bogus'"));
}

static void test_allowed(void **state)
{
	struct zf_ctl c;

	(void)state;
	zf_ctl_parse("stop", &c, NULL, 0);
	assert_int_equal(zf_ctl_allowed(&c, "Running", true), 0);
	assert_int_equal(zf_ctl_allowed(&c, "Paused", true), 0);
	assert_int_equal(zf_ctl_allowed(&c, "Stopped", true), -EBUSY);
	assert_int_equal(zf_ctl_allowed(&c, "Running", false), -EBUSY);
	zf_ctl_parse("start", &c, NULL, 0);
	assert_int_equal(zf_ctl_allowed(&c, "Stopped", true), 0);
	assert_int_equal(zf_ctl_allowed(&c, "Created", true), 0);
	assert_int_equal(zf_ctl_allowed(&c, "Running", true), -EBUSY);
	assert_int_equal(zf_ctl_allowed(&c, "Empty", false), -EBUSY);
	zf_ctl_parse("pause", &c, NULL, 0);
	assert_int_equal(zf_ctl_allowed(&c, "Running", true), 0);
	assert_int_equal(zf_ctl_allowed(&c, "Paused", true), -EBUSY);
	zf_ctl_parse("unpause", &c, NULL, 0);
	assert_int_equal(zf_ctl_allowed(&c, "Paused", true), 0);
	assert_int_equal(zf_ctl_allowed(&c, "Running", true), -EBUSY);
	assert_string_equal(zf_ctl_task_state(ZF_CTL_STOP), "container_stopping");
	assert_string_equal(zf_ctl_task_state(ZF_CTL_RESIZE), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_allowed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
