/* SPDX-License-Identifier: Apache-2.0 */
/* HTTP status to errno: one table. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "../../backend/http.h"

static void test_map(void **state)
{
	static const struct {
		long status;
		int err;
	} cases[] = {
		{ 200, 0 },	      { 201, 0 },	    { 204, 0 },		  { 304, 0 },
		{ 400, -EINVAL },     { 401, -EACCES },	    { 403, -EACCES },	  { 404, -ENOENT },
		{ 408, -ETIMEDOUT },  { 409, -EBUSY },	    { 413, -EFBIG },	  { 500, -EIO },
		{ 501, -EOPNOTSUPP }, { 503, -EAGAIN },	    { 504, -ETIMEDOUT },  { 418, -EIO },
		{ 302, -EIO },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		print_message("status %ld\n", cases[i].status);
		assert_int_equal(zf_http_status_errno(cases[i].status), cases[i].err);
	}
}

static void test_url(void **state)
{
	struct zf_http *h = NULL;

	(void)state;
	assert_int_equal(zf_http_new("unix:///run/docker.sock", &h), 0);
	zf_http_free(h);
	assert_int_equal(zf_http_new("tcp://127.0.0.1:2375", &h), 0);
	zf_http_free(h);
	assert_int_equal(zf_http_new("http://127.0.0.1:2375/", &h), 0);
	zf_http_free(h);
	assert_int_equal(zf_http_new("ftp://x", &h), -EINVAL);
	assert_int_equal(zf_http_new("unix://relative", &h), -EINVAL);
	assert_int_equal(zf_http_new("tcp://", &h), -EINVAL);
}

static void test_unreachable(void **state)
{
	struct zf_http_reply reply = { 0 };
	struct zf_err err = { { 0 } };
	struct zf_http *h = NULL;

	(void)state;
	assert_int_equal(zf_http_new("unix:///nonexistent/zunfs-test.sock", &h), 0);
	assert_int_equal(zf_http_request(h, "GET", "/version", NULL, 5, &reply, &err),
			 -ECONNREFUSED);
	assert_non_null(strstr(err.msg, "cannot reach the engine at /nonexistent/zunfs-test.sock"));
	zf_http_free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_map),
		cmocka_unit_test(test_url),
		cmocka_unit_test(test_unreachable),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
