/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The SQLite state store: the only user of <sqlite3.h>. One row per object;
 * what survives an unmount or a crash lives here. WAL journal, schema
 * versioned with PRAGMA user_version, every write in BEGIN IMMEDIATE.
 * All calls are thread-safe (one connection behind a mutex).
 *
 * Durability (docs/design.md, "Where state lives"): every commit is in the
 * WAL file before the call that made it returns, so it survives a crash of
 * zunfs (kill -9). A durable commit (synchronous=FULL) also fsyncs the WAL
 * before returning: it survives an OS crash or a power loss too. Commits are
 * durable unless the calling thread said otherwise (zf_store_thread_durable).
 *
 * A damaged store file (truncated, not SQLite, a corrupted page, 0 bytes) is
 * refused with -EUCLEAN and never written to: it is checked read-only
 * before anything opens it for writing, and no call here makes a file over
 * an existing one.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "kinds.h"

#define ZF_UUID_LEN 36
#define ZF_TIME_LEN 32

/* One object as stored. The strings spec and status_reason are owned. */
struct zf_record {
	char uuid[ZF_UUID_LEN + 1];
	enum zf_kind kind;
	char name[ZF_NAME_MAX + 1];
	unsigned owner; /* uid of the creator */
	int64_t owner_gid; /* gid of the creator (its mkdir's); -1: not known (a store before v3) */
	char *spec; /* the spec text last accepted, "" before */
	enum zf_state status; /* its word in the store (kinds.h) */
	char *status_reason;
	char task_state[32];
	char engine_id[72];
	bool deleting; /* rmdir accepted: the name is free, removal goes on */
	char created_at[ZF_TIME_LEN];
	char updated_at[ZF_TIME_LEN];
	char parent[ZF_UUID_LEN + 1]; /* a capsule member's capsule uuid, "" for the rest */
	bool added; /* a member made by mkdir in capsules/NAME/containers/, not the spec's */
};

void zf_record_clear(struct zf_record *r);
/* Deep copy; -ENOMEM. */
int zf_record_copy(const struct zf_record *src, struct zf_record *ret_copy);

struct zf_store;

/* What zf_store_check found: one line on the damage, and the store's
 * instance id if it could still be read ("" if not). */
struct zf_store_report {
	char why[256];
	char instance[ZF_UUID_LEN + 1];
};

/*
 * Checks the store file at path without changing it (nor making a WAL or
 * SHM beside it, unless a crash left a WAL there to read): its header
 * (SQLite's, whole pages, as many as it says unless a WAL holds the rest),
 * PRAGMA integrity_check, and that it is a zunfs store (schema version,
 * instance id). A WAL left by a kill -9 is not damage: it is read as SQLite
 * would recover it. Returns 0 when whole; -ENOENT when absent (and no
 * orphaned PATH-wal is there); -EUCLEAN when damaged (a 0-byte file too:
 * zf_store_create never leaves one); -EPROTO when written by a newer
 * zunfs; another -errno when it cannot be read. report may be NULL.
 */
int zf_store_check(const char *path, struct zf_store_report *report);

/*
 * Makes a new store at path: written and synced under a temporary name
 * beside it, then linked into place (and the directory synced), so path is
 * either absent or a whole store. -EEXIST if path exists (it is never
 * replaced), -EUCLEAN if a WAL of a store that is gone is there (PATH-wal).
 */
int zf_store_create(const char *path);

/*
 * Opens the store at path, checked first (zf_store_check's errors; a
 * damaged file is left as it is), then brought to this schema. Never makes
 * a file: -ENOENT if path is absent. ":memory:" opens a new store in memory.
 */
int zf_store_open(const char *path, struct zf_store **ret_store);
void zf_store_close(struct zf_store *s);

/*
 * Whether the calling thread's commits are durable (true, the default) or
 * reach the disk with the next durable commit or checkpoint (false): for
 * threads that write what the engine says, which reconcile reads again.
 */
void zf_store_thread_durable(bool durable);

/* This store's instance id (made with the store): it labels engine objects. */
const char *zf_store_instance(const struct zf_store *s);

/* -EEXIST when kind/parent/name is taken by a live (not deleting) record. */
int zf_store_insert(struct zf_store *s, const struct zf_record *r);
/* Writes every field of the row r->uuid; -ENOENT if none. */
int zf_store_update(struct zf_store *s, const struct zf_record *r);
int zf_store_delete(struct zf_store *s, const char *uuid);
/* Every row, oldest first; the array and its records are the caller's. A
 * row of a kind this build does not know is left alone; one whose status
 * word it does not know (a newer build's) loads as Unknown, which the
 * engine's view replaces at the first refresh. */
int zf_store_load(struct zf_store *s, struct zf_record **ret_records, size_t *ret_count);
void zf_records_free(struct zf_record *records, size_t count);
