/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store.h"
#include "util.h"

#define SCHEMA_VERSION 3
#define MIN(a, b) ((a) < (b) ? (a) : (b))

/* SQLite's file format (sqlite.org/fileformat2.html): a 100-byte header at
 * the start of page 1; a WAL file starts with a 32-byte header, then frames */
#define DB_HEADER_SIZE 100
#define WAL_HEADER_SIZE 32
static const char sqlite_magic[16] = "SQLite format 3"; /* with its NUL */

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

/* v3: the creator's gid, which a volume's files get (-1: made before v3) */
static const char schema_v3[] = "ALTER TABLE objects ADD COLUMN owner_gid INTEGER NOT NULL DEFAULT -1;";

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
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return -EUCLEAN;
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
	if (v < 3 && (r = exec(s, schema_v3)) < 0)
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

/* ---- checking a store file without changing it ---- */

static int damaged(struct zf_store_report *rep, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int damaged(struct zf_store_report *rep, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(rep->why, sizeof(rep->why), fmt, ap);
	va_end(ap);
	return -EUCLEAN;
}

static uint32_t be16(const unsigned char *p)
{
	return (uint32_t)p[0] << 8 | p[1];
}

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The size of PATH-wal, 0 when there is none. */
static int wal_size(const char *path, off_t *ret_size)
{
	char wal[PATH_MAX];
	struct stat st;

	if ((size_t)snprintf(wal, sizeof(wal), "%s-wal", path) >= sizeof(wal))
		return -ENAMETOOLONG;
	if (stat(wal, &st) < 0) {
		if (errno != ENOENT)
			return -errno;
		*ret_size = 0;
		return 0;
	}
	*ret_size = st.st_size;
	return 0;
}

/*
 * The file itself, read with pread() only: SQLite's magic, a page size,
 * whole pages, and (when no WAL holds pages of its own) as many pages as
 * its header says. 1 when whole; -EUCLEAN (*ret_sqlite says whether
 * SQLite may still read some of it) or -errno when not.
 */
static int check_header(const char *path, bool wal_frames, struct zf_store_report *rep,
			bool *ret_sqlite)
{
	unsigned char h[DB_HEADER_SIZE];
	uint32_t page, pages;
	struct stat st;
	ssize_t n;
	int fd, r = 0;

	*ret_sqlite = false;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		r = -errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		r = damaged(rep, "it is not a regular file");
		goto out;
	}
	/* SQLite would take an empty file for a new database (and drop a WAL
	 * beside it); zf_store_create never leaves one: something cut it */
	if (st.st_size == 0) {
		r = damaged(rep, "it is empty (0 bytes)");
		goto out;
	}
	n = pread(fd, h, sizeof(h), 0);
	if (n < 0) {
		r = -errno;
		goto out;
	}
	if (memcmp(h, sqlite_magic, MIN((size_t)n, sizeof(sqlite_magic))) != 0) {
		r = damaged(rep, "it is not an SQLite database (%lld bytes, not SQLite's header)",
			    (long long)st.st_size);
		goto out;
	}
	if (n < DB_HEADER_SIZE) {
		r = damaged(rep, "truncated inside its header: %lld bytes", (long long)st.st_size);
		goto out;
	}
	page = be16(h + 16);
	if (page == 1)
		page = 65536;
	if (page < 512 || page > 65536 || (page & (page - 1)) != 0) {
		r = damaged(rep, "its header is damaged (a page size of %u bytes)", page);
		goto out;
	}
	*ret_sqlite = true;
	if (st.st_size % page != 0) {
		r = damaged(rep,
			    "truncated mid-page: %lld bytes is not a whole number of %u-byte pages",
			    (long long)st.st_size, page);
		goto out;
	}
	/* the header's page count is valid when its version-valid-for number is
	 * the change counter's; a WAL left by a crash may hold pages a
	 * checkpoint had not written yet (SQLite's check below reads them) */
	pages = be32(h + 28);
	if (!wal_frames && pages != 0 && be32(h + 92) == be32(h + 24) &&
	    (uint64_t)pages * page > (uint64_t)st.st_size) {
		r = damaged(rep, "truncated: %lld bytes where its header says %u pages of %u bytes",
			    (long long)st.st_size, pages, page);
		goto out;
	}
	r = 1;
out:
	close(fd);
	return r;
}

/*
 * A read-only connection that writes nothing beside the file either: with
 * no WAL to read, immutable (no locks, no -wal or -shm made); with a WAL a
 * crash left, read-only (SQLite rebuilds the -shm index to read the WAL;
 * a read-only connection never checkpoints, so the database and WAL files
 * stay as they are).
 */
static int open_readonly(const char *path, bool wal_frames, sqlite3 **ret_db)
{
	char uri[PATH_MAX * 3 + 32], *u = uri;
	int rc;

	if (wal_frames) {
		rc = sqlite3_open_v2(path, ret_db, SQLITE_OPEN_READONLY, NULL);
	} else {
		u += sprintf(u, "file:");
		for (const char *p = path; *p && u < uri + sizeof(uri) - 16; p++) {
			if (*p == '%' || *p == '?' || *p == '#')
				u += sprintf(u, "%%%02X", (unsigned char)*p);
			else
				*u++ = *p;
		}
		strcpy(u, "?immutable=1");
		rc = sqlite3_open_v2(uri, ret_db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL);
	}
	if (rc == SQLITE_OK)
		sqlite3_busy_timeout(*ret_db, 5000);
	return rc;
}

/* The first column of the first row of sql as text into buf ("" if no row):
 * SQLite's result code. */
static int query_text(sqlite3 *db, const char *sql, char *buf, size_t size)
{
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);

	buf[0] = '\0';
	if (rc != SQLITE_OK)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const unsigned char *t = sqlite3_column_text(st, 0);

		snprintf(buf, size, "%s", t ? (const char *)t : "");
		rc = SQLITE_OK;
	} else if (rc == SQLITE_DONE) {
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return rc;
}

/* What SQLite's error on the file means: damage, or a failure to read. */
static int sqlite_failed(sqlite3 *db, int rc, const char *doing, struct zf_store_report *rep)
{
	if ((rc & 0xff) == SQLITE_CORRUPT || (rc & 0xff) == SQLITE_NOTADB)
		return damaged(rep, "SQLite cannot read it (%s: %s)", doing,
			       db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
	return sql_errno(rc) < 0 ? sql_errno(rc) : -EIO;
}

static void read_instance(sqlite3 *db, struct zf_store_report *rep)
{
	char id[64];

	if (query_text(db, "SELECT value FROM meta WHERE key = 'instance'", id, sizeof(id)) ==
		    SQLITE_OK &&
	    strlen(id) == ZF_UUID_LEN)
		memcpy(rep->instance, id, sizeof(rep->instance));
}

/* The instance id of a damaged store, if SQLite can still read its page:
 * a schema that names pages beyond the end is read leniently
 * (writable_schema, on a connection that cannot write), the table
 * without its index. */
static void salvage_instance(const char *path, bool wal_frames, struct zf_store_report *rep)
{
	sqlite3 *db = NULL;
	char id[64];

	if (open_readonly(path, wal_frames, &db) == SQLITE_OK &&
	    sqlite3_exec(db, "PRAGMA writable_schema = ON", NULL, NULL, NULL) == SQLITE_OK &&
	    query_text(db, "SELECT value FROM meta NOT INDEXED WHERE key = 'instance'", id,
		       sizeof(id)) == SQLITE_OK &&
	    strlen(id) == ZF_UUID_LEN)
		memcpy(rep->instance, id, sizeof(rep->instance));
	sqlite3_close(db);
}

/* SQLite's own check of every page, and that it is a zunfs store. */
static int check_sqlite(const char *path, bool wal_frames, struct zf_store_report *rep)
{
	char buf[200];
	sqlite3 *db = NULL;
	int rc, r = 0, version;

	rc = open_readonly(path, wal_frames, &db);
	if (rc != SQLITE_OK) {
		r = sqlite_failed(db, rc, "opening", rep);
		goto out;
	}
	read_instance(db, rep);
	rc = query_text(db, "PRAGMA user_version", buf, sizeof(buf));
	if (rc != SQLITE_OK) {
		r = sqlite_failed(db, rc, "reading its header", rep);
		goto out;
	}
	version = atoi(buf);
	if (version > SCHEMA_VERSION) {
		r = -EPROTO; /* a newer zunfs wrote it */
		goto out;
	}
	/* every page, cell, index entry and constraint; the first problem only */
	rc = query_text(db, "PRAGMA integrity_check(1)", buf, sizeof(buf));
	if (rc != SQLITE_OK) {
		r = sqlite_failed(db, rc, "integrity_check", rep);
		goto out;
	}
	if (strcmp(buf, "ok") != 0) {
		r = damaged(rep, "SQLite's integrity_check: %s", buf);
		goto out;
	}
	/* a zunfs store has its schema version and instance id from the start */
	rc = query_text(db,
			"SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name IN "
			"('meta', 'objects')",
			buf, sizeof(buf));
	if (rc != SQLITE_OK) {
		r = sqlite_failed(db, rc, "reading its schema", rep);
		goto out;
	}
	if (version < 1 || strcmp(buf, "2") != 0 || !rep->instance[0])
		r = damaged(rep, "an SQLite database, but not a zunfs store (schema version %d, %s "
				 "of its 2 tables, %s)",
			    version, buf, rep->instance[0] ? "an instance id" : "no instance id");
out:
	sqlite3_close(db);
	return r;
}

int zf_store_check(const char *path, struct zf_store_report *report)
{
	struct zf_store_report local;
	struct zf_store_report *rep = report ? report : &local;
	struct stat st;
	off_t wal = 0;
	bool is_sqlite = false;
	int r;

	memset(rep, 0, sizeof(*rep));
	r = wal_size(path, &wal);
	if (r < 0)
		return r;
	if (stat(path, &st) < 0) {
		if (errno != ENOENT)
			return -errno;
		/* a new store would take this WAL's pages for its own */
		if (wal > 0)
			return damaged(rep,
				       "it is absent, but its WAL (%s-wal, %lld bytes) is there: "
				       "the journal of a store that was moved or removed",
				       path, (long long)wal);
		return -ENOENT;
	}
	r = check_header(path, wal > WAL_HEADER_SIZE, rep, &is_sqlite);
	if (r >= 0)
		r = check_sqlite(path, wal > WAL_HEADER_SIZE, rep);
	/* which engine objects were its own, if SQLite can still say */
	if (r == -EUCLEAN && is_sqlite && !rep->instance[0])
		salvage_instance(path, wal > WAL_HEADER_SIZE, rep);
	return r;
}

/* ---- making and opening a store ---- */

/* fsync of the directory path is in, so that a name made there stays. */
static int sync_dir_of(const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	int fd, r = 0;

	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else
		snprintf(dir, sizeof(dir), "%.*s", slash == path ? 1 : (int)(slash - path), path);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0)
		r = -errno;
	close(fd);
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

int zf_store_create(const char *path)
{
	struct zf_store t = { .db = NULL };
	char tmp[PATH_MAX], side[PATH_MAX + 8];
	struct stat st;
	off_t wal = 0;
	int fd, rc, r;

	/* lstat: a dangling symlink is something there too */
	if (lstat(path, &st) == 0)
		return -EEXIST;
	if (errno != ENOENT)
		return -errno;
	r = wal_size(path, &wal);
	if (r < 0)
		return r;
	if (wal > 0)
		return -EUCLEAN;
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.new.XXXXXX", path) >= sizeof(tmp))
		return -ENAMETOOLONG;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* SQLite takes the empty file for a new database */
	rc = sqlite3_open_v2(tmp, &t.db, SQLITE_OPEN_READWRITE, NULL);
	r = sql_errno(rc);
	if (r == 0 && (r = exec(&t, "PRAGMA journal_mode = WAL")) == 0 &&
	    (r = set_sync_locked(&t, SYNC_FULL)) == 0)
		r = migrate(&t);
	/* the last connection checkpoints everything into tmp and removes its WAL */
	rc = sqlite3_close(t.db);
	if (r == 0)
		r = sql_errno(rc);
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	/* link() never replaces: a file made there meanwhile wins */
	if (r == 0 && link(tmp, path) < 0)
		r = -errno;
	if (r == 0)
		r = sync_dir_of(path);
	unlink(tmp);
	snprintf(side, sizeof(side), "%s-wal", tmp);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", tmp);
	unlink(side);
	close(fd);
	return r;
}

int zf_store_open(const char *path, struct zf_store **ret_store)
{
	bool memory = strcmp(path, ":memory:") == 0;
	struct zf_store *s;
	int rc, r;

	/* nothing opens a file for writing before it passed the check */
	if (!memory && (r = zf_store_check(path, NULL)) < 0)
		return r;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	pthread_mutex_init(&s->lock, NULL);
	/* no SQLITE_OPEN_CREATE for a file: never a new database over one gone */
	rc = sqlite3_open_v2(path, &s->db,
			     SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX |
				     (memory ? SQLITE_OPEN_CREATE : 0),
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
	sqlite3_bind_text(st, 6, zf_state_word(r->status), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, r->status_reason ? r->status_reason : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, r->task_state, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, r->engine_id, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 10, r->deleting);
	sqlite3_bind_text(st, 11, r->created_at, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 12, r->updated_at, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 13, r->parent, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 14, r->added);
	sqlite3_bind_int64(st, 15, r->owner_gid);
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
			    "parent, added, owner_gid) "
			    "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
			    r, false, false);
}

int zf_store_update(struct zf_store *s, const struct zf_record *r)
{
	return write_record(s,
			    "UPDATE objects SET kind = ?2, name = ?3, owner = ?4, spec = ?5, "
			    "status = ?6, status_reason = ?7, task_state = ?8, engine_id = ?9, "
			    "deleting = ?10, created_at = ?11, updated_at = ?12, parent = ?13, added = ?14, "
			    "owner_gid = ?15 "
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
				"task_state, engine_id, deleting, created_at, updated_at, parent, added, "
				"owner_gid FROM objects "
				"ORDER BY created_at, rowid",
				-1, &st, NULL);
	if (rc != SQLITE_OK) {
		r = sql_errno(rc);
		goto out;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct zf_record *rec;
		char kind[16], status[16];
		int k, state;

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
		copy_col(status, sizeof(status), st, 5);
		state = zf_state_from_word(status);
		rec->status = state < 0 ? ZF_STATE_UNKNOWN : (enum zf_state)state;
		rec->status_reason = strdup((const char *)sqlite3_column_text(st, 6));
		copy_col(rec->task_state, sizeof(rec->task_state), st, 7);
		copy_col(rec->engine_id, sizeof(rec->engine_id), st, 8);
		rec->deleting = sqlite3_column_int(st, 9) != 0;
		copy_col(rec->created_at, sizeof(rec->created_at), st, 10);
		copy_col(rec->updated_at, sizeof(rec->updated_at), st, 11);
		copy_col(rec->parent, sizeof(rec->parent), st, 12);
		rec->added = sqlite3_column_int(st, 13) != 0;
		rec->owner_gid = sqlite3_column_int64(st, 14);
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
