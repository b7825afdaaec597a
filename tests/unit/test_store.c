/* SPDX-License-Identifier: Apache-2.0 */
/* The SQLite store on :memory: and on a file (schema, reopen). */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
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
	r.status = ZF_STATE_EMPTY;
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
	a.status = ZF_STATE_RUNNING;
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
	assert_string_equal(zf_state_word(all[0].status), "Running");
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
	/* open never makes a file; create does, once */
	assert_int_equal(zf_store_open(path, &s), -ENOENT);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(zf_store_create(path), 0);
	assert_int_equal(zf_store_create(path), -EEXIST);
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

/* The SQL text of one value (the first column of the first row) into out. */
static void sql_value(const char *path, const char *sql, char *out, size_t size)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;

	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	out[0] = '\0';
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		snprintf(out, size, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(db);
}

/*
 * The status column holds each state's word, and reads back as that state;
 * a word this build does not know (a newer build's) loads as Unknown, the
 * row and its other fields kept (store.h).
 */
static void test_status_words(void **state)
{
	char dir[] = "/tmp/zunfs-store-XXXXXX", path[64], sql[128], word[32];
	struct zf_store *s = NULL;
	struct zf_record *all = NULL;
	size_t n = 0;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/zunfs.db", dir);
	assert_int_equal(zf_store_create(path), 0);
	assert_int_equal(zf_store_open(path, &s), 0);
	for (int i = 0; i < ZF_STATE_COUNT; i++) {
		char uuid[8], name[8];
		struct zf_record r;

		snprintf(uuid, sizeof(uuid), "u%02d", i);
		snprintf(name, sizeof(name), "c%02d", i);
		r = rec(uuid, name);
		r.status = (enum zf_state)i;
		assert_int_equal(zf_store_insert(s, &r), 0);
	}
	zf_store_close(s);
	snprintf(sql, sizeof(sql), "SELECT status FROM objects WHERE name = 'c%02d'",
		 ZF_STATE_IN_USE);
	sql_value(path, sql, word, sizeof(word));
	assert_string_equal(word, "In-use");
	sql_value(path, "UPDATE objects SET status = 'Bogus' WHERE name = 'c03'", word,
		  sizeof(word));
	sql_value(path, "SELECT status FROM objects WHERE name = 'c03'", word, sizeof(word));
	assert_string_equal(word, "Bogus");

	assert_int_equal(zf_store_open(path, &s), 0);
	assert_int_equal(zf_store_load(s, &all, &n), 0);
	assert_int_equal(n, ZF_STATE_COUNT);
	for (size_t i = 0; i < n; i++) {
		snprintf(sql, sizeof(sql), "c%02zu", i);
		assert_string_equal(all[i].name, sql);
		if (i == 3)
			assert_int_equal(all[i].status, ZF_STATE_UNKNOWN);
		else
			assert_int_equal(all[i].status, i);
	}
	zf_records_free(all, n);
	zf_store_close(s);
	snprintf(sql, sizeof(sql), "rm -rf %s", dir);
	assert_int_equal(system(sql), 0);
}

/* capsule members: container records with a parent; names are per parent */
static void test_members(void **state)
{
	struct zf_store *s = NULL;
	struct zf_record *all = NULL;
	size_t n = 0;
	struct zf_record top = rec("u1", "db"), m1 = rec("u2", "db"), m2 = rec("u3", "db"),
			 m3 = rec("u4", "db");

	(void)state;
	snprintf(m1.parent, sizeof(m1.parent), "capsule-a");
	snprintf(m2.parent, sizeof(m2.parent), "capsule-b");
	m2.added = true;
	snprintf(m3.parent, sizeof(m3.parent), "capsule-a");
	assert_int_equal(zf_store_open(":memory:", &s), 0);
	assert_int_equal(zf_store_insert(s, &top), 0);
	assert_int_equal(zf_store_insert(s, &m1), 0);
	assert_int_equal(zf_store_insert(s, &m2), 0);
	assert_int_equal(zf_store_insert(s, &m3), -EEXIST);
	assert_int_equal(zf_store_load(s, &all, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(all[0].parent, "");
	assert_string_equal(all[1].parent, "capsule-a");
	assert_string_equal(all[2].parent, "capsule-b");
	assert_false(all[1].added);
	assert_true(all[2].added);
	zf_records_free(all, n);
	zf_store_close(s);
}

/* a store written by schema 1 (before members) opens, keeps its rows, takes members */
static void test_migrate_v1(void **state)
{
	char dir[] = "/tmp/zunfs-store-XXXXXX", path[64], cmd[1024];
	struct zf_store *s = NULL;
	struct zf_record *all = NULL, m = rec("u2", "web");
	size_t n = 0;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/zunfs.db", dir);
	snprintf(cmd, sizeof(cmd),
		 "sqlite3 %s \""
		 "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
		 "INSERT INTO meta VALUES('instance', '00000000-0000-4000-8000-000000000001');"
		 "CREATE TABLE objects(uuid TEXT PRIMARY KEY, kind TEXT NOT NULL, name TEXT NOT NULL,"
		 " owner INTEGER NOT NULL, spec TEXT NOT NULL DEFAULT '', status TEXT NOT NULL,"
		 " status_reason TEXT NOT NULL DEFAULT '', task_state TEXT NOT NULL DEFAULT '',"
		 " engine_id TEXT NOT NULL DEFAULT '', deleting INTEGER NOT NULL DEFAULT 0,"
		 " created_at TEXT NOT NULL, updated_at TEXT NOT NULL);"
		 "CREATE UNIQUE INDEX objects_live_name ON objects(kind, name) WHERE deleting = 0;"
		 "INSERT INTO objects(uuid, kind, name, owner, status, created_at, updated_at)"
		 " VALUES('u1', 'container', 'web', 0, 'Empty', '2025-01-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z');"
		 "PRAGMA user_version = 1;\"",
		 path);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(zf_store_open(path, &s), 0);
	assert_string_equal(zf_store_instance(s), "00000000-0000-4000-8000-000000000001");
	snprintf(m.parent, sizeof(m.parent), "capsule-a");
	assert_int_equal(zf_store_insert(s, &m), 0);
	assert_int_equal(zf_store_load(s, &all, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(all[0].uuid, "u1");
	assert_string_equal(all[0].parent, "");
	assert_string_equal(all[1].parent, "capsule-a");
	zf_records_free(all, n);
	zf_store_close(s);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

/*
 * Syncs SQLite asks for, counted: these interpose libc's for libsqlite3
 * (the executable's definitions win), then call libc's.
 */
static int syncs;

int fsync(int fd)
{
	int (*real)(int) = (int (*)(int))dlsym(RTLD_NEXT, "fsync");

	__atomic_add_fetch(&syncs, 1, __ATOMIC_SEQ_CST);
	return real(fd);
}

int fdatasync(int fd)
{
	int (*real)(int) = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");

	__atomic_add_fetch(&syncs, 1, __ATOMIC_SEQ_CST);
	return real(fd);
}

static void *insert_in_thread(void *arg)
{
	struct zf_record r = rec("u4", "other-thread");

	/* a thread's commits are durable unless it says otherwise */
	return (void *)(long)zf_store_insert(arg, &r);
}

/* durable commits fsync the WAL before they return; a lazy thread's do not */
static void test_durable(void **state)
{
	char dir[] = "/tmp/zunfs-store-XXXXXX", path[64], cmd[128];
	struct zf_record a = rec("u1", "web"), b = rec("u2", "db"), c = rec("u3", "x");
	struct zf_store *s = NULL;
	pthread_t t;
	void *ret;
	int n;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/zunfs.db", dir);
	assert_int_equal(zf_store_create(path), 0);
	assert_int_equal(zf_store_open(path, &s), 0);
	n = syncs;
	assert_int_equal(zf_store_insert(s, &a), 0);
	assert_true(syncs > n);

	zf_store_thread_durable(false);
	n = syncs;
	assert_int_equal(zf_store_insert(s, &b), 0);
	a.status_reason = "lazy";
	assert_int_equal(zf_store_update(s, &a), 0);
	assert_int_equal(syncs, n);
	/* another thread meanwhile: durable */
	assert_int_equal(pthread_create(&t, NULL, insert_in_thread, s), 0);
	assert_int_equal(pthread_join(t, &ret), 0);
	assert_int_equal((long)ret, 0);
	assert_true(syncs > n);

	zf_store_thread_durable(true);
	n = syncs;
	assert_int_equal(zf_store_insert(s, &c), 0);
	assert_true(syncs > n);
	n = syncs;
	assert_int_equal(zf_store_delete(s, "u3"), 0);
	assert_true(syncs > n);
	zf_store_close(s);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crud),
		cmocka_unit_test(test_file_reopen),
		cmocka_unit_test(test_status_words),
		cmocka_unit_test(test_members),
		cmocka_unit_test(test_migrate_v1),
		cmocka_unit_test(test_durable),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
