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
	char *spec; /* the spec text last accepted, "" before */
	char status[16];
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

/* path: a file (created if absent) or ":memory:". */
int zf_store_open(const char *path, struct zf_store **ret_store);
void zf_store_close(struct zf_store *s);

/*
 * Whether the calling thread's commits are durable (true, the default) or
 * reach the disk with the next durable commit or checkpoint (false): for
 * threads that write what the engine says, which reconcile reads again.
 */
void zf_store_thread_durable(bool durable);

/* This store's instance id (made at first open): it labels engine objects. */
const char *zf_store_instance(const struct zf_store *s);

/* -EEXIST when kind/parent/name is taken by a live (not deleting) record. */
int zf_store_insert(struct zf_store *s, const struct zf_record *r);
/* Writes every field of the row r->uuid; -ENOENT if none. */
int zf_store_update(struct zf_store *s, const struct zf_record *r);
int zf_store_delete(struct zf_store *s, const char *uuid);
/* Every row, oldest first; the array and its records are the caller's. */
int zf_store_load(struct zf_store *s, struct zf_record **ret_records, size_t *ret_count);
void zf_records_free(struct zf_record *records, size_t count);
