/* SPDX-License-Identifier: Apache-2.0 */
/* The SQLite store on :memory: and on a file (schema, reopen). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../fs/store.h"

static struct zf_record rec(const char *uuid, const char *name)
{
	struct zf_record r = { .kind = ZF_KIND_CONTAINER, .owner = 1000 };

	snprintf(r.uuid, sizeof(r.uuid), "%s", uuid);
	snprintf(r.name, sizeof(r.name), "%s", name);
	snprintf(r.status, sizeof(r.status), "Empty");
	snprintf(r.created_at, sizeof(r.created_at), "2026-01-01T00:00:00.000Z");
	snprintf(r.updated_at, sizeof(r.updated_at), "2026-01-01T00:00:00.000Z");
	r.spec = "";
	r.status_reason = "";
	return r;
}

static void test_crud(void **state)
{
	struct zf_store *s = NULL;
	struct zf_record *all = NULL;
	size_t n = 0;
	struct zf_record a = rec("u1", "web"), b = rec("u2", "web"), c = rec("u3", "db");

	(void)state;
	assert_int_equal(zf_store_open(":memory:", &s), 0);
	assert_int_equal(strlen(zf_store_instance(s)), 36);
	assert_int_equal(zf_store_insert(s, &a), 0);
	/* one live name per kind */
	assert_int_equal(zf_store_insert(s, &b), -EEXIST);
	assert_int_equal(zf_store_insert(s, &c), 0);
	a.spec = "image: busybox\n";
	a.status_reason = "why";
	snprintf(a.status, sizeof(a.status), "Running");
	snprintf(a.engine_id, sizeof(a.engine_id), "abc");
	snprintf(a.task_state, sizeof(a.task_state), "container_starting");
	assert_int_equal(zf_store_update(s, &a), 0);
	/* a name being deleted is free for a new object */
	a.deleting = true;
	assert_int_equal(zf_store_update(s, &a), 0);
	assert_int_equal(zf_store_insert(s, &b), 0);
	assert_int_equal(zf_store_load(s, &all, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(all[0].uuid, "u1");
	assert_string_equal(all[0].spec, "image: busybox\n");
	assert_string_equal(all[0].status, "Running");
	assert_string_equal(all[0].status_reason, "why");
	assert_string_equal(all[0].engine_id, "abc");
	assert_string_equal(all[0].task_state, "container_starting");
	assert_true(all[0].deleting);
	assert_int_equal(all[0].owner, 1000);
	assert_int_equal(all[0].kind, ZF_KIND_CONTAINER);
	zf_records_free(all, n);
	assert_int_equal(zf_store_delete(s, "u1"), 0);
	assert_int_equal(zf_store_delete(s, "u1"), -ENOENT);
	struct zf_record ghost = rec("nope", "x");
	assert_int_equal(zf_store_update(s, &ghost), -ENOENT);
	assert_int_equal(zf_store_load(s, &all, &n), 0);
	assert_int_equal(n, 2);
	zf_records_free(all, n);
	zf_store_close(s);
}

static void test_file_reopen(void **state)
{
	char dir[] = "/tmp/zunfs-store-XXXXXX", path[64];
	struct zf_store *s = NULL;
	struct zf_record a = rec("u1", "web"), *all = NULL;
	char instance[40];
	size_t n;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/zunfs.db", dir);
	assert_int_equal(zf_store_open(path, &s), 0);
	snprintf(instance, sizeof(instance), "%s", zf_store_instance(s));
	assert_int_equal(zf_store_insert(s, &a), 0);
	zf_store_close(s);
	assert_int_equal(zf_store_open(path, &s), 0);
	/* the instance id is the store's for good: it labels engine objects */
	assert_string_equal(zf_store_instance(s), instance);
	assert_int_equal(zf_store_load(s, &all, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(all[0].name, "web");
	zf_records_free(all, n);
	zf_store_close(s);

	/* a store from a newer schema is refused, not damaged */
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "sqlite3 %s 'PRAGMA user_version = 99'", path);
	if (system(cmd) == 0)
		assert_int_equal(zf_store_open(path, &s), -EPROTO);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crud),
		cmocka_unit_test(test_file_reopen),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
