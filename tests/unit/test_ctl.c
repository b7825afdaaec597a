/* SPDX-License-Identifier: Apache-2.0 */
/* ctl commands: parsing, and the states each runs from; exec command lines. */
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
	assert_string_equal(c.signal, "9");
	assert_int_equal(zf_ctl_parse("kill 064", &c, NULL, 0), 0);
	assert_string_equal(c.signal, "064");
	assert_int_equal(zf_ctl_parse("kill SIGVTALRM", &c, NULL, 0), 0);
	assert_string_equal(c.signal, "SIGVTALRM");
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
		/* found by fuzzing: strtol's white space and sign are not the
		 * engine's, and a long number was cut to fit c.signal */
		"kill \v9", "kill \f9", "kill +9", "kill 00000000000000009",
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
	assert_int_equal(zf_ctl_allowed(&c, ZF_STATE_RUNNING, true), 0);
	assert_int_equal(zf_ctl_allowed(&c, ZF_STATE_PAUSED, true), 0);
	assert_int_equal(zf_ctl_allowed(&c, ZF_STATE_STOPPED, true), -EBUSY);
	assert_int_equal(zf_ctl_allowed(&c, ZF_STATE_RUNNING, false), -EBUSY);
	zf_ctl_parse("start", &c, NULL, 0);
	assert_int_equal(zf_ctl_allowed(&c, ZF_STATE_STOPPED, true), 0);
	assert_int_equal(zf_ctl_allowed(&c, ZF_STATE_CREATED, true), 0);
	assert_int_equal(zf_ctl_allowed(&c, ZF_STATE_RUNNING, true), -EBUSY);
	assert_int_equal(zf_ctl_allowed(&c, ZF_STATE_EMPTY, false), -EBUSY);
	zf_ctl_parse("pause", &c, NULL, 0);
	assert_int_equal(zf_ctl_allowed(&c, ZF_STATE_RUNNING, true), 0);
	assert_int_equal(zf_ctl_allowed(&c, ZF_STATE_PAUSED, true), -EBUSY);
	zf_ctl_parse("unpause", &c, NULL, 0);
	assert_int_equal(zf_ctl_allowed(&c, ZF_STATE_PAUSED, true), 0);
	assert_int_equal(zf_ctl_allowed(&c, ZF_STATE_RUNNING, true), -EBUSY);
	assert_string_equal(zf_ctl_task_state(ZF_CTL_STOP), "container_stopping");
	assert_string_equal(zf_ctl_task_state(ZF_CTL_RESIZE), "");
}

static void test_exec_parse(void **state)
{
	struct zf_exec_line e;
	char reason[128];

	(void)state;
	assert_int_equal(zf_exec_parse("ls /", &e, NULL, 0), 0);
	assert_ptr_equal(e.args, e.argv);
	assert_string_equal(e.args[0], "ls");
	assert_string_equal(e.args[1], "/");
	assert_null(e.args[2]);
	assert_false(e.with_stdin);
	assert_false(e.tty);
	zf_exec_line_free(&e);
	assert_null(e.argv);

	assert_int_equal(zf_exec_parse("  sh -c 'echo \\\"a b\\\"' \"x\\\"y\"", &e, NULL, 0), 0);
	assert_string_equal(e.args[0], "sh");
	assert_string_equal(e.args[1], "-c");
	assert_string_equal(e.args[2], "echo \\\"a b\\\"");
	assert_string_equal(e.args[3], "x\"y");
	assert_null(e.args[4]);
	zf_exec_line_free(&e);

	/* the leading flags, in any number and order; later ones are the command's */
	assert_int_equal(zf_exec_parse("-i cat -t", &e, NULL, 0), 0);
	assert_true(e.with_stdin);
	assert_false(e.tty);
	assert_ptr_equal(e.args, e.argv + 1);
	assert_string_equal(e.args[0], "cat");
	assert_string_equal(e.args[1], "-t");
	zf_exec_line_free(&e);
	assert_int_equal(zf_exec_parse("-t sh", &e, NULL, 0), 0);
	assert_true(e.with_stdin);
	assert_true(e.tty);
	zf_exec_line_free(&e);
	assert_int_equal(zf_exec_parse("-ti -i -it top", &e, NULL, 0), 0);
	assert_true(e.with_stdin);
	assert_true(e.tty);
	assert_ptr_equal(e.args, e.argv + 3);
	zf_exec_line_free(&e);
	/* a quoted flag is still a flag (it is the same word); "-ti" in two is two */
	assert_int_equal(zf_exec_parse("'-i' -tt sh", &e, NULL, 0), 0);
	assert_true(e.with_stdin);
	assert_false(e.tty);
	assert_string_equal(e.args[0], "-tt");
	zf_exec_line_free(&e);

	static const struct {
		const char *line, *why;
	} bad[] = {
		{ "", "exec: no command given" },
		{ " \t\n", "exec: no command given" },
		{ "-i", "exec: no command given" },
		{ "-it -t", "exec: no command given" },
		{ "sh -c 'ls", "exec: the command line has an unclosed quote" },
		{ "echo \"a\\\"", "exec: the command line has an unclosed quote" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		print_message("'%s'\n", bad[i].line);
		e.argv = (char **)&e;
		reason[0] = '\0';
		assert_int_equal(zf_exec_parse(bad[i].line, &e, reason, sizeof(reason)), -EINVAL);
		assert_string_equal(reason, bad[i].why);
		assert_ptr_equal(e.argv, (char **)&e); /* untouched */
		assert_int_equal(zf_exec_parse(bad[i].line, &e, NULL, 0), -EINVAL);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_good),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_allowed),
		cmocka_unit_test(test_exec_parse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
