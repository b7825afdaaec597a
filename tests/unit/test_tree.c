/* SPDX-License-Identifier: Apache-2.0 */
/* What a path names in the tree. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "../../fs/tree.h"

static void test_parse(void **state)
{
	struct zf_path p;

	(void)state;
	assert_int_equal(zf_path_parse("/", &p), 0);
	assert_int_equal(p.node, ZF_NODE_ROOT);
	assert_int_equal(zf_path_parse("/events", &p), 0);
	assert_int_equal(p.node, ZF_NODE_EVENTS);
	assert_int_equal(zf_path_parse("/version", &p), 0);
	assert_int_equal(p.node, ZF_NODE_VERSION);
	assert_int_equal(zf_path_parse("/volumes", &p), 0);
	assert_int_equal(p.node, ZF_NODE_KIND_DIR);
	assert_int_equal(p.kind, ZF_KIND_VOLUME);
	assert_int_equal(zf_path_parse("/containers/web", &p), 0);
	assert_int_equal(p.node, ZF_NODE_OBJECT);
	assert_string_equal(p.name, "web");
	assert_int_equal(zf_path_parse("/containers/web/status", &p), 0);
	assert_int_equal(p.node, ZF_NODE_FILE);
	assert_int_equal(p.file, ZF_FILE_STATUS);
	assert_int_equal(zf_path_parse("/containers/web/ctl", &p), 0);
	assert_int_equal(p.file, ZF_FILE_CTL);
	assert_int_equal(zf_path_parse("/containers/web/until", &p), 0);
	assert_int_equal(p.node, ZF_NODE_UNTIL_DIR);
	assert_int_equal(zf_path_parse("/containers/web/until/Running", &p), 0);
	assert_int_equal(p.node, ZF_NODE_UNTIL);
	assert_string_equal(p.leaf, "Running");
	assert_int_equal(zf_path_parse("/containers/web/.spec.yaml.swp", &p), 0);
	assert_int_equal(p.node, ZF_NODE_OTHER);
	/* a name mkdir will refuse still parses: mkdir says why */
	assert_int_equal(zf_path_parse("/containers/a b", &p), 0);
	assert_int_equal(p.node, ZF_NODE_OBJECT);
}

static void test_nothing_there(void **state)
{
	struct zf_path p;

	(void)state;
	assert_int_equal(zf_path_parse("/nope", &p), -ENOENT);
	assert_int_equal(zf_path_parse("/events/x", &p), -ENOENT);
	assert_int_equal(zf_path_parse("/containers/web/until/running", &p), -ENOENT);
	assert_int_equal(zf_path_parse("/containers/web/until/Running/x", &p), -ENOENT);
	assert_int_equal(zf_path_parse("/containers/web/status/x", &p), -ENOENT);
	assert_int_equal(zf_path_parse("/capsules/c/until/Stopped", &p), -ENOENT); /* not a capsule state */
	/* ctl is a container's file only */
	assert_int_equal(zf_path_parse("/volumes/v/ctl", &p), 0);
	assert_int_equal(p.node, ZF_NODE_OTHER);
	assert_int_equal(zf_path_parse("relative", &p), -ENOENT);
}

/* capsules/NAME/containers/CNAME/...: a container path with its capsule */
static void test_members(void **state)
{
	struct zf_path p;

	(void)state;
	assert_int_equal(zf_path_parse("/capsules/web/containers", &p), 0);
	assert_int_equal(p.node, ZF_NODE_MEMBERS);
	assert_int_equal(p.kind, ZF_KIND_CAPSULE);
	assert_string_equal(p.name, "web");
	assert_int_equal(zf_path_parse("/capsules/web/containers/db", &p), 0);
	assert_int_equal(p.node, ZF_NODE_OBJECT);
	assert_int_equal(p.kind, ZF_KIND_CONTAINER);
	assert_string_equal(p.name, "db");
	assert_string_equal(p.capsule, "web");
	assert_int_equal(zf_path_parse("/capsules/web/containers/db/tty", &p), 0);
	assert_int_equal(p.node, ZF_NODE_FILE);
	assert_int_equal(p.file, ZF_FILE_TTY);
	assert_string_equal(p.capsule, "web");
	assert_int_equal(zf_path_parse("/capsules/web/containers/db/until/Running", &p), 0);
	assert_int_equal(p.node, ZF_NODE_UNTIL);
	assert_int_equal(zf_path_parse("/capsules/web/containers/db/.spec.yaml.swp", &p), 0);
	assert_int_equal(p.node, ZF_NODE_OTHER);
	/* a capsule's own files, its merged logs among them */
	assert_int_equal(zf_path_parse("/capsules/web/logs", &p), 0);
	assert_int_equal(p.node, ZF_NODE_FILE);
	assert_int_equal(p.file, ZF_FILE_LOGS);
	assert_string_equal(p.capsule, "");
	/* no members below a member, and containers/ has no such directory */
	assert_int_equal(zf_path_parse("/capsules/web/containers/db/containers/x", &p), -ENOENT);
	assert_int_equal(zf_path_parse("/containers/web/containers", &p), 0);
	assert_int_equal(p.node, ZF_NODE_OTHER);
	assert_int_equal(zf_path_parse("/containers/web", &p), 0);
	assert_string_equal(p.capsule, "");
}

static void test_volume_data(void **state)
{
	struct zf_path p;

	(void)state;
	const char *deep = "/volumes/v/data/a/b c/../d", *top = "/volumes/v/data";

	assert_int_equal(zf_path_parse(top, &p), 0);
	assert_int_equal(p.node, ZF_NODE_DATA);
	assert_string_equal(&top[p.rel], "");
	assert_int_equal(zf_path_parse(deep, &p), 0);
	assert_int_equal(p.node, ZF_NODE_DATA);
	assert_string_equal(p.name, "v");
	assert_string_equal(&deep[p.rel], "a/b c/../d");
	assert_int_equal(zf_path_parse("/containers/c/data", &p), 0);
	assert_int_equal(p.node, ZF_NODE_OTHER);
}

static void test_modes(void **state)
{
	(void)state;
	assert_int_equal(zf_file_mode(ZF_FILE_SPEC), 0644);
	assert_int_equal(zf_file_mode(ZF_FILE_CTL), 0200);
	assert_int_equal(zf_file_mode(ZF_FILE_STATUS), 0444);
	assert_int_equal(zf_file_mode(ZF_FILE_INSPECT), 0444);
	assert_string_equal(zf_file_name(ZF_FILE_REASON), "status_reason");
	assert_true(zf_file_in_kind(ZF_FILE_CTL, ZF_KIND_CONTAINER));
	assert_false(zf_file_in_kind(ZF_FILE_CTL, ZF_KIND_VOLUME));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_nothing_there),
		cmocka_unit_test(test_members),
		cmocka_unit_test(test_volume_data),
		cmocka_unit_test(test_modes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
