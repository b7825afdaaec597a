/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The in-memory view of every object: what FUSE callbacks answer from.
 *
 * One lock guards the list and every field of every object; hold it only
 * for memory work and the store write that persists it, never across an
 * engine call. Workers and handles refer to objects by uuid and look them up
 * again under the lock, so an object freed by rmdir is never dangling.
 *
 * Every status change goes through zf_registry_set_state_locked(): it writes
 * the store, adds a line to `events`, bumps the object's generation and
 * wakes waiters (until/, poll).
 */
#pragma once

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "eventlog.h"
#include "spec.h"
#include "store.h"

#define ZF_TTY_EXECS_MAX 16

struct zf_object {
	struct zf_record rec;
	struct zf_container_spec *spec; /* parsed rec.spec, NULL while Empty */
	int exit_code; /* last known, -1 if none */
	char started_at[40];
	char finished_at[40];
	uint64_t gen; /* bumped on every change of status, reason or task */
	/* when rec.spec last changed (this daemon's clock; its start for a
	 * loaded one): spec.yaml's mtime. Not updated_at, which every state
	 * change moves: an editor would find the file changed under it. */
	time_t spec_mtime;
	int attached; /* open attaches (tty) */
	int generation; /* capsules: the spec generation in force (its sandbox's label) */
	char *pending_spec; /* capsules: a new spec being launched beside the old (upgrade) */
	struct zf_capsule_spec *capsule; /* capsules: rec.spec parsed, NULL while Empty */
	struct zf_capsule_spec *pending_capsule; /* capsules: pending_spec parsed */
	char tty_execs[ZF_TTY_EXECS_MAX][72]; /* exec ids of open tty execs: ctl resize */
	char parent_name[ZF_NAME_MAX + 1]; /* capsule members: the capsule's name */
	struct zf_volume_spec *volume; /* volumes: rec.spec parsed, NULL while Empty */
	/* volumes: where this host sees its files (data/ serves them), as its
	 * driver's inspect gave it; NULL until known or when not attached */
	char *host_path;
	/* status_reason holds a refusal of the user's (a spec, a ctl): a refresh
	 * that finds the same state leaves it; a new state, a job's or the
	 * user's next reason replaces it (memory only: a remount forgets it) */
	bool refused;
	/* containers: the engine's word on the check of container health_id
	 * (memory only, read at every refresh): the object's health while
	 * health_id is rec.engine_id (health.c) */
	struct zf_health health;
	char health_id[72];
	/* the StartedAt of the run zunfs killed for a failed livenessProbe */
	char liveness_killed[40];
	struct zf_object *next;
	/* registry.c's index: the next in its uuid's bucket, and in its name's */
	struct zf_object *uuid_next, *name_next;
};

struct zf_registry;

/* Whether uid may see obj: its creator, or root (with allow_other, each
 * object is its owner's: docs/zunfs.1.md, USERS). Lock held. */
static inline bool zf_object_visible(const struct zf_object *obj, unsigned uid)
{
	return uid == 0 || obj->rec.owner == uid;
}

/* Called with the lock held after an object changed (for poll wakeups). */
typedef void (*zf_change_cb)(const struct zf_object *obj, void *userdata);

int zf_registry_new(struct zf_store *store, struct zf_eventlog *events,
		    struct zf_registry **ret_reg);
void zf_registry_free(struct zf_registry *reg);
void zf_registry_set_change_cb(struct zf_registry *reg, zf_change_cb cb, void *userdata);

void zf_registry_lock(struct zf_registry *reg);
void zf_registry_unlock(struct zf_registry *reg);
/* Waits for any change, up to timeout_ms; the lock must be held. */
void zf_registry_wait_locked(struct zf_registry *reg, int timeout_ms);

/* The first object, for walking with ->next (lock held). Includes deleting ones. */
struct zf_object *zf_registry_first_locked(struct zf_registry *reg);
/* A live (not deleting) object by kind and name, or NULL. Capsule members
 * (records with a parent) are not found here. */
struct zf_object *zf_registry_find_locked(struct zf_registry *reg, enum zf_kind kind,
					  const char *name);
struct zf_object *zf_registry_find_uuid_locked(struct zf_registry *reg, const char *uuid);
/* A live member of the capsule parent_uuid by name, or NULL. */
struct zf_object *zf_registry_find_member_locked(struct zf_registry *reg, const char *parent_uuid,
						 const char *name);

/* What an object keeps beside its record, made from it at load (its kind's:
 * objects/table.c's zf_kinds_load_locked). Lock held. */
typedef void (*zf_load_cb)(struct zf_registry *reg, struct zf_object *obj);
/* Loads every stored record (at start), then load(each): members after the
 * rest, as they read their capsule's spec. */
int zf_registry_load(struct zf_registry *reg, zf_load_cb load);

/* mkdir: a new Empty object of uid owner (gid owner_gid), stored. -EEXIST
 * if the name is taken; -EDQUOT when owner already has max_owned records
 * (zf_registry_count_owned_locked; 0: no cap), checked under the same lock
 * as the insert, so parallel mkdirs cannot pass it together. */
int zf_registry_create(struct zf_registry *reg, enum zf_kind kind, const char *name,
		       unsigned owner, unsigned owner_gid, unsigned max_owned);

/* How many records owner has (lock held), counting up to limit at most (0:
 * all): every kind, capsule members and objects being deleted included,
 * since each holds a store row and, once launched, engine objects. A walk
 * of the list: one per mkdir. */
unsigned zf_registry_count_owned_locked(struct zf_registry *reg, unsigned owner, unsigned limit);

/*
 * A capsule member: a container record whose parent is capsule, with its
 * spec text (status Creating; Empty when spec is ""), stored. added: made
 * by mkdir, not by the capsule's spec. -EEXIST if the capsule has it.
 */
int zf_registry_create_member_locked(struct zf_registry *reg, const struct zf_object *capsule,
				     const char *name, const char *spec, bool added,
				     struct zf_object **ret_obj);

/*
 * Sets status (ZF_STATE_KEEP: unchanged), status_reason (NULL: unchanged)
 * and task state (NULL: unchanged), stores the record and tells waiters.
 */
int zf_registry_set_state_locked(struct zf_registry *reg, struct zf_object *obj,
				 enum zf_state status, const char *reason, const char *task_state);

/* As zf_registry_set_state_locked, for what the engine says of obj (a
 * refresh): nothing changes when status and reason are what they are. A
 * refusal of the user's (obj->refused) stays in status_reason until their
 * next spec write or action (actions.c clears the mark), whatever the
 * engine does: a new status then comes without its reason. */
int zf_registry_engine_state_locked(struct zf_registry *reg, struct zf_object *obj,
				    enum zf_state status, const char *reason);

/*
 * Sets status_reason in memory only and tells waiters (poll, inspect.json
 * readers): no store write, no event. For what changes several times a
 * second and means nothing after a restart, such as a pull's progress; the
 * next zf_registry_set_state_locked() or persist stores whatever it holds
 * then, so put back a lasting reason when done.
 */
int zf_registry_show_reason_locked(struct zf_registry *reg, struct zf_object *obj,
				   const char *reason);

/* obj changed in memory only (what the store does not keep, such as its
 * health): tells waiters (until/, poll) without a store write or event. */
void zf_registry_touch_locked(struct zf_registry *reg, struct zf_object *obj);

/* Stores obj->rec as it is now and tells waiters. */
/* How a bare memory number reads in member's spec: its capsule's unit
 * (spec.h, zf_memory_unit), bytes when the capsule has no parsed spec. */
enum zf_memory_unit zf_registry_member_unit_locked(struct zf_registry *reg,
						   const struct zf_object *member);

int zf_registry_persist_locked(struct zf_registry *reg, struct zf_object *obj);

/* Sets and stores the engine id of object uuid, if it is still there (the
 * lock is taken inside). */
void zf_registry_set_engine_id(struct zf_registry *reg, const char *uuid, const char *id);

/* Takes the object (and a capsule's members) out of the store and frees it
 * (lock held). */
int zf_registry_remove_locked(struct zf_registry *reg, struct zf_object *obj);
