/* SPDX-License-Identifier: Apache-2.0 */
/* The events ring: line format, reader positions, falling behind. */
#include <regex.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "../../fs/eventlog.h"

static void test_lines(void **state)
{
	struct zf_eventlog *log = NULL;
	char buf[1024];
	uint64_t pos;
	size_t n;
	regex_t re;

	(void)state;
	assert_int_equal(zf_eventlog_new(4, &log), 0);
	pos = zf_eventlog_tail(log);
	assert_int_equal(zf_eventlog_read(log, 0, &pos, buf, sizeof(buf), 0), 0);
	zf_eventlog_add(log, 0, ZF_KIND_CONTAINER, "web", NULL, "Empty");
	zf_eventlog_add(log, 0, ZF_KIND_CONTAINER, "web", "Empty", "Creating");
	n = zf_eventlog_read(log, 0, &pos, buf, sizeof(buf), 0);
	buf[n] = '\0';
	assert_int_equal(regcomp(&re,
				 "^20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z "
				 "containers/web - Empty\n"
				 "20[^ ]+Z containers/web Empty Creating\n$",
				 REG_EXTENDED),
			 0);
	assert_int_equal(regexec(&re, buf, 0, NULL, 0), 0);
	regfree(&re);
	assert_int_equal(pos, 2);
	/* a reader that fell behind the ring skips to the oldest kept line */
	for (int i = 0; i < 6; i++)
		zf_eventlog_add(log, 0, ZF_KIND_VOLUME, "v", "Creating", "Available");
	pos = 0;
	n = zf_eventlog_read(log, 0, &pos, buf, sizeof(buf), 0);
	assert_int_equal(pos, 8);
	/* only whole lines fit a small buffer */
	pos = 4;
	n = zf_eventlog_read(log, 0, &pos, buf, 60, 0);
	assert_true(n > 0 && n <= 60 && buf[n - 1] == '\n');
	assert_int_equal(pos, 5);
	zf_eventlog_free(log);
}

/* with allow_other, a user's reader sees its own objects' lines; root all */
static void test_owners(void **state)
{
	struct zf_eventlog *log;
	char buf[1024];
	uint64_t pos = 0;
	size_t n;

	(void)state;
	assert_int_equal(zf_eventlog_new(8, &log), 0);
	zf_eventlog_add(log, 1001, ZF_KIND_CONTAINER, "mine", NULL, "Empty");
	zf_eventlog_add(log, 1002, ZF_KIND_CONTAINER, "theirs", NULL, "Empty");
	zf_eventlog_add(log, 0, ZF_KIND_VOLUME, "roots", NULL, "Empty");
	n = zf_eventlog_read(log, 1001, &pos, buf, sizeof(buf), 0);
	buf[n] = '\0';
	assert_non_null(strstr(buf, "containers/mine"));
	assert_null(strstr(buf, "theirs"));
	assert_null(strstr(buf, "roots"));
	assert_int_equal(pos, 3); /* passed over, not waited on */
	pos = 0;
	n = zf_eventlog_read(log, 0, &pos, buf, sizeof(buf), 0);
	buf[n] = '\0';
	assert_non_null(strstr(buf, "theirs"));
	assert_non_null(strstr(buf, "roots"));
	zf_eventlog_free(log);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_owners),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
