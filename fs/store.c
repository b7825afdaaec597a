/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "util.h"

#define SCHEMA_VERSION 2

/* PRAGMA synchronous levels */
#define SYNC_NORMAL 1
#define SYNC_FULL 2

struct zf_store {
	sqlite3 *db; /* protected by lock */
	pthread_mutex_t lock;
	int sync; /* the PRAGMA synchronous in force; protected by lock */
	char instance[ZF_UUID_LEN + 1];
};

/* this thread's commits are not synced (zf_store_thread_durable(false)) */
static _Thread_local bool thread_lazy;

static const char schema_v1[] =
	"CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"CREATE TABLE objects("
	" uuid TEXT PRIMARY KEY,"
	" kind TEXT NOT NULL,"
	" name TEXT NOT NULL,"
	" owner INTEGER NOT NULL,"
	" spec TEXT NOT NULL DEFAULT '',"
	" status TEXT NOT NULL,"
	" status_reason TEXT NOT NULL DEFAULT '',"
	" task_state TEXT NOT NULL DEFAULT '',"
	" engine_id TEXT NOT NULL DEFAULT '',"
	" deleting INTEGER NOT NULL DEFAULT 0,"
	" created_at TEXT NOT NULL,"
	" updated_at TEXT NOT NULL);"
	/* a name is taken only by a record that is not being deleted */
	"CREATE UNIQUE INDEX objects_live_name ON objects(kind, name) WHERE deleting = 0;";

/* v2: capsule members are container records with a parent (the capsule's
 * uuid); a name is unique among its parent's children */
static const char schema_v2[] =
	"ALTER TABLE objects ADD COLUMN parent TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE objects ADD COLUMN added INTEGER NOT NULL DEFAULT 0;"
	"DROP INDEX objects_live_name;"
	"CREATE UNIQUE INDEX objects_live_name2 ON objects(kind, parent, name) WHERE deleting = 0;";

void zf_record_clear(struct zf_record *r)
{
	free(r->spec);
	free(r->status_reason);
	r->spec = NULL;
	r->status_reason = NULL;
}

int zf_record_copy(const struct zf_record *src, struct zf_record *ret_copy)
{
	struct zf_record c = *src;

	c.spec = strdup(src->spec ? src->spec : "");
	c.status_reason = strdup(src->status_reason ? src->status_reason : "");
	if (!c.spec || !c.status_reason) {
		zf_record_clear(&c);
		return -ENOMEM;
	}
	*ret_copy = c;
	return 0;
}

void zf_records_free(struct zf_record *records, size_t count)
{
	for (size_t i = 0; i < count; i++)
		zf_record_clear(&records[i]);
	free(records);
}

static int sql_errno(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_DONE:
	case SQLITE_ROW:
		return 0;
	case SQLITE_CONSTRAINT:
		return -EEXIST;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return -EBUSY;
	case SQLITE_NOMEM:
		return -ENOMEM;
	case SQLITE_FULL:
		return -ENOSPC;
	case SQLITE_READONLY:
	case SQLITE_PERM:
	case SQLITE_CANTOPEN:
		return -EACCES;
	default:
		return -EIO;
	}
}

static int exec(struct zf_store *s, const char *sql)
{
	return sql_errno(sqlite3_exec(s->db, sql, NULL, NULL, NULL));
}

static int user_version(struct zf_store *s, int *ret)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL);

	if (rc != SQLITE_OK)
		return sql_errno(rc);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*ret = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : sql_errno(rc);
}

static int load_instance(struct zf_store *s)
{
	sqlite3_stmt *st;
	int rc, r;

	rc = sqlite3_prepare_v2(s->db, "SELECT value FROM meta WHERE key = 'instance'", -1, &st,
				NULL);
	if (rc != SQLITE_OK)
		return sql_errno(rc);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		snprintf(s->instance, sizeof(s->instance), "%s",
			 (const char *)sqlite3_column_text(st, 0));
		sqlite3_finalize(st);
		return 0;
	}
	sqlite3_finalize(st);
	r = zf_uuid_new(s->instance);
	if (r < 0)
		return r;
	rc = sqlite3_prepare_v2(s->db, "INSERT INTO meta(key, value) VALUES('instance', ?)", -1,
				&st, NULL);
	if (rc != SQLITE_OK)
		return sql_errno(rc);
	sqlite3_bind_text(st, 1, s->instance, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return sql_errno(rc);
}

/* Brings the schema to SCHEMA_VERSION inside one transaction. */
static int migrate(struct zf_store *s)
{
	int v = 0, r;

	r = exec(s, "BEGIN IMMEDIATE");
	if (r < 0)
		return r;
	r = user_version(s, &v);
	if (r < 0)
		goto fail;
	if (v > SCHEMA_VERSION) {
		r = -EPROTO; /* a newer zunfs wrote this store */
		goto fail;
	}
	if (v < 1 && (r = exec(s, schema_v1)) < 0)
		goto fail;
	if (v < 2 && (r = exec(s, schema_v2)) < 0)
		goto fail;
	if (v != SCHEMA_VERSION) {
		char sql[64];

		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", SCHEMA_VERSION);
		if ((r = exec(s, sql)) < 0)
			goto fail;
	}
	r = load_instance(s);
	if (r < 0)
		goto fail;
	return exec(s, "COMMIT");
fail:
	exec(s, "ROLLBACK");
	return r;
}

static int set_sync_locked(struct zf_store *s, int level)
{
	int r;

	if (s->sync == level)
		return 0;
	r = exec(s, level == SYNC_FULL ? "PRAGMA synchronous = FULL"
				       : "PRAGMA synchronous = NORMAL");
	if (r == 0)
		s->sync = level;
	return r;
}

int zf_store_open(const char *path, struct zf_store **ret_store)
{
	struct zf_store *s = calloc(1, sizeof(*s));
	int rc, r;

	if (!s)
		return -ENOMEM;
	pthread_mutex_init(&s->lock, NULL);
	rc = sqlite3_open_v2(path, &s->db,
			     SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
			     NULL);
	if (rc != SQLITE_OK) {
		r = sql_errno(rc);
		goto fail;
	}
	sqlite3_busy_timeout(s->db, 5000);
	/* WAL: readers never wait on a writer, a crash mid-write loses nothing committed */
	if ((r = exec(s, "PRAGMA journal_mode = WAL")) < 0 ||
	    (r = set_sync_locked(s, SYNC_FULL)) < 0 || (r = migrate(s)) < 0)
		goto fail;
	*ret_store = s;
	return 0;
fail:
	zf_store_close(s);
	return r;
}

void zf_store_close(struct zf_store *s)
{
	if (!s)
		return;
	sqlite3_close(s->db);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

void zf_store_thread_durable(bool durable)
{
	thread_lazy = !durable;
}

const char *zf_store_instance(const struct zf_store *s)
{
	return s->instance;
}

static void bind_record(sqlite3_stmt *st, const struct zf_record *r)
{
	sqlite3_bind_text(st, 1, r->uuid, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, zf_kind_word(r->kind), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, r->name, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, r->owner);
	sqlite3_bind_text(st, 5, r->spec ? r->spec : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, r->status, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, r->status_reason ? r->status_reason : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, r->task_state, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, r->engine_id, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 10, r->deleting);
	sqlite3_bind_text(st, 11, r->created_at, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 12, r->updated_at, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 13, r->parent, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 14, r->added);
}

/* Runs one statement on a record inside BEGIN IMMEDIATE ... COMMIT. */
static int write_record(struct zf_store *s, const char *sql, const struct zf_record *rec,
			bool uuid_only, bool must_change)
{
	sqlite3_stmt *st = NULL;
	int rc, r;

	pthread_mutex_lock(&s->lock);
	/* synchronous=FULL: the WAL is fsynced at COMMIT (and with it every
	 * commit before); NORMAL: it is written, and synced at a checkpoint */
	r = set_sync_locked(s, thread_lazy ? SYNC_NORMAL : SYNC_FULL);
	if (r < 0)
		goto out;
	r = exec(s, "BEGIN IMMEDIATE");
	if (r < 0)
		goto out;
	rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK) {
		r = sql_errno(rc);
		goto rollback;
	}
	if (uuid_only)
		sqlite3_bind_text(st, 1, rec->uuid, -1, SQLITE_STATIC);
	else
		bind_record(st, rec);
	rc = sqlite3_step(st);
	r = sql_errno(rc);
	if (r < 0)
		goto rollback;
	if (must_change && sqlite3_changes(s->db) == 0) {
		r = -ENOENT;
		goto rollback;
	}
	sqlite3_finalize(st);
	r = exec(s, "COMMIT");
	goto out;
rollback:
	sqlite3_finalize(st);
	exec(s, "ROLLBACK");
out:
	pthread_mutex_unlock(&s->lock);
	return r;
}

int zf_store_insert(struct zf_store *s, const struct zf_record *r)
{
	return write_record(s,
			    "INSERT INTO objects(uuid, kind, name, owner, spec, status, "
			    "status_reason, task_state, engine_id, deleting, created_at, updated_at, "
			    "parent, added) VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
			    r, false, false);
}

int zf_store_update(struct zf_store *s, const struct zf_record *r)
{
	return write_record(s,
			    "UPDATE objects SET kind = ?2, name = ?3, owner = ?4, spec = ?5, "
			    "status = ?6, status_reason = ?7, task_state = ?8, engine_id = ?9, "
			    "deleting = ?10, created_at = ?11, updated_at = ?12, parent = ?13, added = ?14 "
			    "WHERE uuid = ?1",
			    r, false, true);
}

int zf_store_delete(struct zf_store *s, const char *uuid)
{
	struct zf_record r = { 0 };

	snprintf(r.uuid, sizeof(r.uuid), "%s", uuid);
	return write_record(s, "DELETE FROM objects WHERE uuid = ?1", &r, true, true);
}

static void copy_col(char *dst, size_t size, sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	snprintf(dst, size, "%s", t ? (const char *)t : "");
}

int zf_store_load(struct zf_store *s, struct zf_record **ret_records, size_t *ret_count)
{
	struct zf_record *recs = NULL;
	size_t n = 0, cap = 0;
	sqlite3_stmt *st;
	int rc, r = 0;

	pthread_mutex_lock(&s->lock);
	rc = sqlite3_prepare_v2(s->db,
				"SELECT uuid, kind, name, owner, spec, status, status_reason, "
				"task_state, engine_id, deleting, created_at, updated_at, parent, added "
				"FROM objects "
				"ORDER BY created_at, rowid",
				-1, &st, NULL);
	if (rc != SQLITE_OK) {
		r = sql_errno(rc);
		goto out;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct zf_record *rec;
		char kind[16];
		int k;

		copy_col(kind, sizeof(kind), st, 1);
		k = zf_kind_from_word(kind);
		if (k < 0)
			continue; /* a kind this build does not know: leave the row alone */
		if (n == cap) {
			struct zf_record *a = realloc(recs, (cap = cap ? cap * 2 : 16) * sizeof(*a));

			if (!a) {
				r = -ENOMEM;
				break;
			}
			recs = a;
		}
		rec = &recs[n];
		memset(rec, 0, sizeof(*rec));
		copy_col(rec->uuid, sizeof(rec->uuid), st, 0);
		rec->kind = (enum zf_kind)k;
		copy_col(rec->name, sizeof(rec->name), st, 2);
		rec->owner = (unsigned)sqlite3_column_int64(st, 3);
		rec->spec = strdup((const char *)sqlite3_column_text(st, 4));
		copy_col(rec->status, sizeof(rec->status), st, 5);
		rec->status_reason = strdup((const char *)sqlite3_column_text(st, 6));
		copy_col(rec->task_state, sizeof(rec->task_state), st, 7);
		copy_col(rec->engine_id, sizeof(rec->engine_id), st, 8);
		rec->deleting = sqlite3_column_int(st, 9) != 0;
		copy_col(rec->created_at, sizeof(rec->created_at), st, 10);
		copy_col(rec->updated_at, sizeof(rec->updated_at), st, 11);
		copy_col(rec->parent, sizeof(rec->parent), st, 12);
		rec->added = sqlite3_column_int(st, 13) != 0;
		n++;
		if (!rec->spec || !rec->status_reason) {
			r = -ENOMEM;
			break;
		}
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = sql_errno(rc);
	sqlite3_finalize(st);
out:
	pthread_mutex_unlock(&s->lock);
	if (r < 0) {
		zf_records_free(recs, n);
		return r;
	}
	*ret_records = recs;
	*ret_count = n;
	return 0;
}
