/* SPDX-License-Identifier: Apache-2.0 */
/* fs/fuse/nodes.c: the kernel's node ids for the tree's paths. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "../../fs/fuse/nodes.h"

static char path[4096];

static const char *path_of(uint64_t ino)
{
	int r = zf_node_path(ino, path, sizeof(path));

	return r == 0 ? path : r == -ESTALE ? "ESTALE" : r == -ENOENT ? "ENOENT" : "?";
}

static int teardown(void **state)
{
	(void)state;
	zf_nodes_free_all();
	assert_int_equal(zf_nodes_count(), 1);
	return 0;
}

/* A name looked up twice is one node; its path is its parents' names. */
static void test_ref_and_path(void **state)
{
	uint64_t c, n, n2, f;

	(void)state;
	assert_string_equal(path_of(ZF_NODE_ROOT_ID), "/");
	assert_int_equal(zf_node_ref(ZF_NODE_ROOT_ID, "containers", S_IFDIR, &c), 0);
	assert_int_equal(zf_node_ref(c, "web", S_IFDIR, &n), 0);
	assert_int_equal(zf_node_ref(c, "web", S_IFDIR, &n2), 0);
	assert_int_equal(n, n2);
	assert_int_equal(zf_node_ref(n, "status", S_IFREG, &f), 0);
	assert_string_equal(path_of(f), "/containers/web/status");
	assert_int_equal(zf_node_child_path(n, "spec.yaml", path, sizeof(path)), 0);
	assert_string_equal(path, "/containers/web/spec.yaml");
	assert_int_equal(zf_node_ref(12345, "x", S_IFREG, &f), -ENOENT);
	assert_int_equal(zf_node_child_path(n, "x", path, 10), -ENAMETOOLONG);
}

/* A node goes when the kernel forgot every reference and its children. */
static void test_forget(void **state)
{
	uint64_t d, f;

	(void)state;
	assert_int_equal(zf_node_ref(ZF_NODE_ROOT_ID, "volumes", S_IFDIR, &d), 0);
	assert_int_equal(zf_node_ref(d, "v", S_IFDIR, &f), 0);
	assert_int_equal(zf_nodes_count(), 3);
	zf_node_forget(d, 1); /* its child keeps it */
	assert_string_equal(path_of(f), "/volumes/v");
	zf_node_forget(f, 1);
	assert_int_equal(zf_nodes_count(), 1);
	assert_string_equal(path_of(f), "ENOENT");
	zf_node_forget(ZF_NODE_ROOT_ID, 1); /* the root stays */
	assert_string_equal(path_of(ZF_NODE_ROOT_ID), "/");
}

/* An unlinked name's node answers what it was; a new node takes the name. */
static void test_unlink_orphan(void **state)
{
	struct zf_orphan info = { .known = true, .mode = S_IFREG | 0644, .size = 6 }, got;
	uint64_t f, f2;

	(void)state;
	assert_int_equal(zf_node_ref(ZF_NODE_ROOT_ID, "scratch", S_IFREG, &f), 0);
	zf_node_unlinked(ZF_NODE_ROOT_ID, "scratch", &info);
	assert_string_equal(path_of(f), "ESTALE");
	got = zf_node_orphan_info(f);
	assert_true(got.known);
	assert_int_equal(got.size, 6);
	assert_int_equal(zf_node_ref(ZF_NODE_ROOT_ID, "scratch", S_IFREG, &f2), 0);
	assert_int_not_equal(f, f2); /* never the same id twice */
	assert_string_equal(path_of(f2), "/scratch");
	assert_false(zf_node_orphan_info(f2).known);
}

/* A rename moves the node (and what is below it); one renamed over is an
 * orphan; an exchange swaps the names. */
static void test_rename(void **state)
{
	struct zf_orphan info = { .known = true, .mode = S_IFREG | 0644, .size = 33 };
	uint64_t dir, a, b, sub, spec, tmp;

	(void)state;
	assert_int_equal(zf_node_ref(ZF_NODE_ROOT_ID, "d", S_IFDIR, &dir), 0);
	assert_int_equal(zf_node_ref(dir, "a", S_IFDIR, &a), 0);
	assert_int_equal(zf_node_ref(a, "sub", S_IFREG, &sub), 0);
	assert_int_equal(zf_node_ref(dir, "b", S_IFDIR, &b), 0);
	assert_int_equal(zf_node_renamed(dir, "a", ZF_NODE_ROOT_ID, "a2", false, NULL), 0);
	assert_string_equal(path_of(sub), "/a2/sub");
	assert_int_equal(zf_node_renamed(ZF_NODE_ROOT_ID, "a2", dir, "b", true, NULL), 0);
	assert_string_equal(path_of(a), "/d/b");
	assert_string_equal(path_of(b), "/a2");
	/* a temp file over spec.yaml: the old spec.yaml an orphan of 33 bytes */
	assert_int_equal(zf_node_ref(dir, "spec.yaml", S_IFREG, &spec), 0);
	assert_int_equal(zf_node_ref(dir, "new", S_IFREG, &tmp), 0);
	assert_int_equal(zf_node_renamed(dir, "new", dir, "spec.yaml", false, &info), 0);
	assert_string_equal(path_of(tmp), "/d/spec.yaml");
	assert_string_equal(path_of(spec), "ESTALE");
	assert_int_equal(zf_node_orphan_info(spec).size, 33);
	/* below an orphaned directory, nothing has a path */
	zf_node_unlinked(dir, "b", NULL);
	assert_string_equal(path_of(sub), "ESTALE");
}

/* A name that is now of another type gets a new node. */
static void test_type_change(void **state)
{
	uint64_t d, l;

	(void)state;
	assert_int_equal(zf_node_ref(ZF_NODE_ROOT_ID, "x.y", S_IFDIR, &d), 0);
	assert_int_equal(zf_node_ref(ZF_NODE_ROOT_ID, "x.y", S_IFLNK, &l), 0);
	assert_int_not_equal(d, l);
	assert_string_equal(path_of(d), "ESTALE");
	assert_string_equal(path_of(l), "/x.y");
}

/* The node at a path, for the kernel cache's invalidation. */
static void test_find(void **state)
{
	uint64_t c, n, f, ino, parent;
	const char *name;

	(void)state;
	assert_int_equal(zf_node_ref(ZF_NODE_ROOT_ID, "containers", S_IFDIR, &c), 0);
	assert_int_equal(zf_node_ref(c, "web", S_IFDIR, &n), 0);
	assert_int_equal(zf_node_ref(n, "status", S_IFREG, &f), 0);
	assert_int_equal(zf_node_find("/containers/web/status", &ino, &parent, &name), 0);
	assert_int_equal(ino, f);
	assert_int_equal(parent, n);
	assert_string_equal(name, "status");
	assert_int_equal(zf_node_find("/", &ino, &parent, &name), 0);
	assert_int_equal(ino, ZF_NODE_ROOT_ID);
	assert_null(name);
	assert_int_equal(zf_node_find("/containers/other", &ino, &parent, &name), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_ref_and_path, teardown),
		cmocka_unit_test_teardown(test_forget, teardown),
		cmocka_unit_test_teardown(test_unlink_orphan, teardown),
		cmocka_unit_test_teardown(test_rename, teardown),
		cmocka_unit_test_teardown(test_type_change, teardown),
		cmocka_unit_test_teardown(test_find, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
