/* SPDX-License-Identifier: Apache-2.0 */
/* The events log: line format, reader positions, a view per owner (one
 * user's flood leaves another's lines), skip lines, the bounds. */
#include <pthread.h>
#include <regex.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "../../fs/eventlog.h"

static int count_lines(const char *buf, const char *needle)
{
	int n = 0;

	for (const char *p = buf; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

static void test_lines(void **state)
{
	struct zf_eventlog *log = NULL;
	char buf[1024];
	uint64_t pos;
	size_t n;
	regex_t re;

	(void)state;
	assert_int_equal(zf_eventlog_new(4, &log), 0);
	pos = zf_eventlog_tail(log, 0);
	assert_int_equal(zf_eventlog_read(log, 0, &pos, buf, sizeof(buf), 0), 0);
	assert_false(zf_eventlog_ready(log, 0, pos));
	zf_eventlog_add(log, 0, ZF_KIND_CONTAINER, "web", NULL, "Empty");
	zf_eventlog_add(log, 0, ZF_KIND_CONTAINER, "web", "Empty", "Creating");
	assert_true(zf_eventlog_ready(log, 0, pos));
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
	assert_false(zf_eventlog_ready(log, 0, pos));
	/* a reader that fell behind the ring is told how many it lost, where */
	for (int i = 0; i < 6; i++)
		zf_eventlog_add(log, 0, ZF_KIND_VOLUME, "v", "Creating", "Available");
	pos = 0;
	n = zf_eventlog_read(log, 0, &pos, buf, sizeof(buf), 0);
	buf[n] = '\0';
	assert_int_equal(pos, 8);
	assert_int_equal(strncmp(buf, "[zunfs: 4 events skipped]\n", 26), 0);
	assert_int_equal(count_lines(buf, "volumes/v Creating Available\n"), 4);
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
	assert_false(zf_eventlog_ready(log, 1003, zf_eventlog_tail(log, 1003)));
	n = zf_eventlog_read(log, 1001, &pos, buf, sizeof(buf), 0);
	buf[n] = '\0';
	assert_non_null(strstr(buf, "containers/mine"));
	assert_null(strstr(buf, "theirs"));
	assert_null(strstr(buf, "roots"));
	assert_int_equal(pos, 1); /* positions count a view's own lines */
	assert_int_equal(zf_eventlog_tail(log, 1001), 1);
	pos = 0;
	n = zf_eventlog_read(log, 0, &pos, buf, sizeof(buf), 0);
	buf[n] = '\0';
	assert_non_null(strstr(buf, "mine"));
	assert_non_null(strstr(buf, "theirs"));
	assert_non_null(strstr(buf, "roots"));
	assert_int_equal(pos, 3);
	zf_eventlog_free(log);
}

/* Two users, one floods: the other's unread lines are intact, the flooder's
 * and root's readers that fell behind get a skip line with the right count,
 * and root sees both users' lines. */
static void test_flood(void **state)
{
	static char buf[1 << 20];
	struct zf_eventlog *log;
	uint64_t a, b, root, b_late;
	char name[32];
	size_t n;

	(void)state;
	assert_int_equal(zf_eventlog_new(4096, &log), 0); /* zunfs's: 1024 a user */
	a = zf_eventlog_tail(log, 1001);
	b = zf_eventlog_tail(log, 1002);
	root = zf_eventlog_tail(log, 0);
	for (int i = 0; i < 5; i++) {
		snprintf(name, sizeof(name), "b%d", i);
		zf_eventlog_add(log, 1002, ZF_KIND_CONTAINER, name, NULL, "Empty");
	}
	b_late = zf_eventlog_tail(log, 1002);
	for (int i = 0; i < 5000; i++) {
		snprintf(name, sizeof(name), "a%d", i);
		zf_eventlog_add(log, 1001, ZF_KIND_CONTAINER, name, NULL, "Empty");
	}
	for (int i = 5; i < 10; i++) {
		snprintf(name, sizeof(name), "b%d", i);
		zf_eventlog_add(log, 1002, ZF_KIND_CONTAINER, name, NULL, "Empty");
	}
	/* B's reader, behind all of A's 5000: every one of its 10, no skip */
	n = zf_eventlog_read(log, 1002, &b, buf, sizeof(buf), 0);
	buf[n] = '\0';
	assert_int_equal(count_lines(buf, "\n"), 10);
	assert_null(strstr(buf, "skipped"));
	assert_null(strstr(buf, "containers/a"));
	for (int i = 0; i < 10; i++) {
		snprintf(name, sizeof(name), "containers/b%d - Empty\n", i);
		assert_non_null(strstr(buf, name));
	}
	assert_int_equal(b, 10);
	assert_int_equal(zf_eventlog_read(log, 1002, &b_late, buf, sizeof(buf), 0) > 0, 1);
	/* A's reader: 5000 - 1024 skipped, said first, then the last 1024 */
	n = zf_eventlog_read(log, 1001, &a, buf, sizeof(buf), 0);
	buf[n] = '\0';
	assert_int_equal(strncmp(buf, "[zunfs: 3976 events skipped]\n", 29), 0);
	assert_int_equal(count_lines(buf, "\n"), 1 + 1024);
	assert_non_null(strstr(buf, "containers/a3976 - Empty\n"));
	assert_null(strstr(buf, "containers/a3975 "));
	/* root's: 5010 - 4096 skipped, then both users' lines */
	n = zf_eventlog_read(log, 0, &root, buf, sizeof(buf), 0);
	buf[n] = '\0';
	assert_int_equal(strncmp(buf, "[zunfs: 914 events skipped]\n", 28), 0);
	assert_int_equal(count_lines(buf, "\n"), 1 + 4096);
	assert_non_null(strstr(buf, "containers/a4999 "));
	assert_non_null(strstr(buf, "containers/b9 "));
	assert_int_equal(root, 5010);
	zf_eventlog_free(log);
}

/* a reader that read part, then fell behind: the count is of what it missed */
static void test_skip_count(void **state)
{
	struct zf_eventlog *log;
	char buf[4096], want[64];
	uint64_t pos;
	size_t n;

	(void)state;
	assert_int_equal(zf_eventlog_new(64, &log), 0); /* 16 lines a user */
	pos = zf_eventlog_tail(log, 1001);
	for (int i = 0; i < 10; i++)
		zf_eventlog_add(log, 1001, ZF_KIND_VOLUME, "v", NULL, "Empty");
	n = zf_eventlog_read(log, 1001, &pos, buf, 200, 0); /* a few of them */
	assert_true(n > 0);
	assert_true(pos > 0 && pos < 10);
	for (int i = 0; i < 30; i++)
		zf_eventlog_add(log, 1001, ZF_KIND_VOLUME, "v", NULL, "Empty");
	/* 40 made, the last 16 kept: it missed those between pos and 24 */
	snprintf(want, sizeof(want), "[zunfs: %llu events skipped]\n",
		 (unsigned long long)(40 - 16 - pos));
	n = zf_eventlog_read(log, 1001, &pos, buf, sizeof(buf), 0);
	buf[n] = '\0';
	assert_int_equal(strncmp(buf, want, strlen(want)), 0);
	assert_int_equal(count_lines(buf, "\n"), 1 + 16);
	assert_int_equal(pos, 40);
	zf_eventlog_free(log);
}

struct adder {
	struct zf_eventlog *log;
	unsigned owner;
};

static void *add_later(void *arg)
{
	struct adder *ad = arg;
	struct timespec t = { 0, 50 * 1000000L };

	nanosleep(&t, NULL);
	zf_eventlog_add(ad->log, ad->owner, ZF_KIND_CONTAINER, "x", NULL, "Empty");
	return NULL;
}

static long ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/* a reader waits on its own view: another user's line neither ends its
 * wait nor makes it ready; its own does at once */
static void test_wait_own(void **state)
{
	struct zf_eventlog *log;
	struct adder other, own;
	struct timespec t0;
	pthread_t th;
	char buf[512];
	uint64_t pos;
	size_t n;

	(void)state;
	assert_int_equal(zf_eventlog_new(64, &log), 0);
	other = (struct adder){ log, 1002 };
	own = (struct adder){ log, 1001 };
	pos = zf_eventlog_tail(log, 1001);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pthread_create(&th, NULL, add_later, &other);
	n = zf_eventlog_read(log, 1001, &pos, buf, sizeof(buf), 400);
	pthread_join(th, NULL);
	assert_int_equal(n, 0);
	assert_true(ms_since(&t0) >= 350);
	assert_false(zf_eventlog_ready(log, 1001, pos));
	assert_true(zf_eventlog_ready(log, 0, 0));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pthread_create(&th, NULL, add_later, &own);
	n = zf_eventlog_read(log, 1001, &pos, buf, sizeof(buf), 5000);
	pthread_join(th, NULL);
	assert_true(n > 0);
	assert_true(ms_since(&t0) < 2000);
	zf_eventlog_free(log);
}

/* Memory: users' rings together are bounded; past it the ring whose newest
 * line is oldest gives its memory up, and its reader is told; a uid past
 * ZF_EVENTLOG_UIDS has no view (root still sees its lines). */
static void test_bounds(void **state)
{
	struct zf_eventlog *log;
	char buf[4096];
	uint64_t pos1, pos2;
	size_t n;

	(void)state;
	assert_int_equal(zf_eventlog_new(16, &log), 0); /* 4 a user, 64 in all: 16 full rings */
	pos1 = zf_eventlog_tail(log, 1);
	pos2 = zf_eventlog_tail(log, 2);
	for (unsigned uid = 1; uid <= 16; uid++)
		for (int i = 0; i < 4; i++)
			zf_eventlog_add(log, uid, ZF_KIND_VOLUME, "v", NULL, "Empty");
	zf_eventlog_add(log, 17, ZF_KIND_VOLUME, "v17", NULL, "Empty");
	n = zf_eventlog_read(log, 1, &pos1, buf, sizeof(buf), 0);
	buf[n] = '\0';
	assert_string_equal(buf, "[zunfs: 4 events skipped]\n");
	n = zf_eventlog_read(log, 2, &pos2, buf, sizeof(buf), 0);
	buf[n] = '\0';
	assert_int_equal(count_lines(buf, "volumes/v - Empty\n"), 4); /* uid 2's stay */
	n = zf_eventlog_read(log, 17, &(uint64_t){ 0 }, buf, sizeof(buf), 0);
	buf[n] = '\0';
	assert_non_null(strstr(buf, "volumes/v17 "));
	/* uid 1's next line finds room again (uid 2's ring is the oldest now) */
	zf_eventlog_add(log, 1, ZF_KIND_VOLUME, "again", NULL, "Empty");
	n = zf_eventlog_read(log, 1, &pos1, buf, sizeof(buf), 0);
	buf[n] = '\0';
	assert_non_null(strstr(buf, "volumes/again "));
	zf_eventlog_free(log);

	assert_int_equal(zf_eventlog_new(16, &log), 0);
	for (unsigned uid = 1; uid <= ZF_EVENTLOG_UIDS + 1; uid++)
		zf_eventlog_add(log, uid, ZF_KIND_VOLUME, "v", NULL, "Empty");
	assert_int_equal(zf_eventlog_tail(log, ZF_EVENTLOG_UIDS + 1), 0);
	assert_int_equal(zf_eventlog_read(log, ZF_EVENTLOG_UIDS + 1, &(uint64_t){ 0 }, buf,
					  sizeof(buf), 0),
			 0);
	assert_int_equal(zf_eventlog_tail(log, ZF_EVENTLOG_UIDS), 1);
	assert_int_equal(zf_eventlog_tail(log, 0), ZF_EVENTLOG_UIDS + 1);
	zf_eventlog_free(log);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_owners),
		cmocka_unit_test(test_flood),
		cmocka_unit_test(test_skip_count),
		cmocka_unit_test(test_wait_own),
		cmocka_unit_test(test_bounds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
