/* SPDX-License-Identifier: Apache-2.0 */
/* fs/fuse/fh.c: the kernel's ids for open files, and their references. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../fs/fuse/fh.h"

static int lasts, ends;

static void last(void *obj)
{
	(void)obj;
	lasts++;
}

static void at_end(void *obj)
{
	(void)obj;
	ends++;
}

/* A release while a request still holds the file: the object stays until
 * that request gives it back, and no later request finds it. */
static void test_release_during_request(void **state)
{
	int obj;
	uint64_t id;

	(void)state;
	lasts = 0;
	assert_int_equal(zf_fh_new(&obj, last, NULL, &id), 0);
	assert_ptr_equal(zf_fh_get(id), &obj); /* a request in flight */
	zf_fh_close(id); /* the kernel's RELEASE meanwhile */
	assert_int_equal(lasts, 0);
	assert_null(zf_fh_get(id)); /* later requests: EBADF */
	zf_fh_put(id); /* the request done */
	assert_int_equal(lasts, 1);
	assert_int_equal(zf_fh_count(), 0);
	zf_fh_put(id); /* unknown by now: nothing */
	zf_fh_close(id);
	assert_int_equal(lasts, 1);
}

/* Ids are never used twice, so a late request never finds a new file. */
static void test_ids(void **state)
{
	int a, b;
	uint64_t ia, ib;

	(void)state;
	assert_int_equal(zf_fh_new(&a, last, NULL, &ia), 0);
	zf_fh_close(ia);
	assert_int_equal(zf_fh_new(&b, last, NULL, &ib), 0);
	assert_int_not_equal(ia, ib);
	assert_null(zf_fh_get(ia));
	zf_fh_close(ib);
}

/* At the end, what is still open goes with at_end, not last. */
static void test_free_all(void **state)
{
	int a, b;
	uint64_t ia, ib;

	(void)state;
	lasts = ends = 0;
	assert_int_equal(zf_fh_new(&a, last, at_end, &ia), 0);
	assert_int_equal(zf_fh_new(&b, last, NULL, &ib), 0);
	zf_fh_free_all();
	assert_int_equal(ends, 1);
	assert_int_equal(lasts, 0);
	assert_int_equal(zf_fh_count(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_release_during_request),
		cmocka_unit_test(test_ids),
		cmocka_unit_test(test_free_all),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
