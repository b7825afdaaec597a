/* SPDX-License-Identifier: Apache-2.0 */
/* The attach and detach step machine (backend/cinder_steps.c): the order
 * of the steps and what every failed one rolls back. The steps are fakes
 * that record their names and fail on demand; Cinder's own semantics are
 * the integration test's (tests/integration/test_cinder.sh). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "../../backend/cinder_steps.h"

struct rec {
	char log[512]; /* "reserve initialize ..." */
	const char *fail; /* the step that fails */
	const char *fail_too; /* a second one (an undo) */
};

static int step(void *ctx, const char *name, struct zf_err *err)
{
	struct rec *r = ctx;

	snprintf(r->log + strlen(r->log), sizeof(r->log) - strlen(r->log), "%s%s",
		 r->log[0] ? " " : "", name);
	if ((r->fail && strcmp(r->fail, name) == 0) || (r->fail_too && strcmp(r->fail_too, name) == 0))
		return zf_err_set(err, EIO, "%s failed", name);
	return 0;
}

#define STEP(n) \
	static int f_##n(void *ctx, struct zf_err *err) { return step(ctx, #n, err); }
STEP(reserve)
STEP(unreserve)
STEP(initialize)
STEP(terminate)
STEP(connect)
STEP(disconnect)
STEP(attach)
STEP(begin_detaching)
STEP(roll_detaching)
STEP(detach)
STEP(format)
STEP(mount)
STEP(umount)

static const struct zf_cinder_steps fake = {
	.reserve = f_reserve,
	.unreserve = f_unreserve,
	.initialize_connection = f_initialize,
	.terminate_connection = f_terminate,
	.connect = f_connect,
	.disconnect = f_disconnect,
	.attach = f_attach,
	.begin_detaching = f_begin_detaching,
	.roll_detaching = f_roll_detaching,
	.detach = f_detach,
	.format = f_format,
	.mount = f_mount,
	.umount = f_umount,
};

static void attach_case(const char *fail, const char *want)
{
	struct rec r = { .fail = fail };
	struct zf_err err = { { 0 } };

	assert_int_equal(zf_cinder_attach_run(&fake, &r, &err), fail ? -EIO : 0);
	assert_string_equal(r.log, want);
	if (fail) /* the failed step's words, not an undo's */
		assert_non_null(strstr(err.msg, fail));
}

/* the spec's order; each failure undoes what was done, newest first: the
 * volume back to available, nothing connected or mounted */
static void test_attach(void **state)
{
	(void)state;
	attach_case(NULL, "reserve initialize connect attach format mount");
	attach_case("reserve", "reserve");
	attach_case("initialize", "reserve initialize unreserve");
	attach_case("connect", "reserve initialize connect terminate unreserve");
	attach_case("attach", "reserve initialize connect attach disconnect terminate unreserve");
	/* attached: out by the spec's detach order */
	attach_case("format", "reserve initialize connect attach format begin_detaching disconnect "
			      "terminate detach");
	attach_case("mount", "reserve initialize connect attach format mount begin_detaching "
			     "disconnect terminate detach");
}

/* an undo that fails too does not hide the step's error nor stop the others */
static void test_attach_undo_fails(void **state)
{
	struct rec r = { .fail = "attach", .fail_too = "disconnect" };
	struct zf_err err = { { 0 } };

	(void)state;
	assert_int_equal(zf_cinder_attach_run(&fake, &r, &err), -EIO);
	assert_string_equal(r.log, "reserve initialize connect attach disconnect terminate unreserve");
	assert_string_equal(err.msg, "attach failed");
}

static void detach_case(bool begun, const char *fail, const char *fail_too, const char *want)
{
	struct rec r = { .fail = fail, .fail_too = fail_too };
	struct zf_err err = { { 0 } };

	assert_int_equal(zf_cinder_detach_run(&fake, &r, begun, &err), fail ? -EIO : 0);
	assert_string_equal(r.log, want);
}

static void test_detach(void **state)
{
	(void)state;
	detach_case(false, NULL, NULL, "begin_detaching umount disconnect terminate detach");
	/* a detach cut short resumes after begin_detaching */
	detach_case(true, NULL, NULL, "umount disconnect terminate detach");
	detach_case(false, "begin_detaching", NULL, "begin_detaching");
	/* still mounted (busy): back to in-use */
	detach_case(false, "umount", NULL, "begin_detaching umount roll_detaching");
	/* still connected: mounted again, back to in-use */
	detach_case(false, "disconnect", NULL, "begin_detaching umount disconnect mount roll_detaching");
	/* neither way: left detaching for a retry to resume */
	detach_case(false, "disconnect", "mount", "begin_detaching umount disconnect mount");
	/* the host side is gone: reported, a retry resumes */
	detach_case(false, "terminate", NULL, "begin_detaching umount disconnect terminate");
	detach_case(false, "detach", NULL, "begin_detaching umount disconnect terminate detach");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_attach),
		cmocka_unit_test(test_attach_undo_fails),
		cmocka_unit_test(test_detach),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
