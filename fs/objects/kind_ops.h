/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The kind table: what each kind of object does, one row per kind, each
 * in its own file (container.c: containers and sandboxes; capsule.c:
 * capsules and their members; volume.c: volumes). The generic verbs go
 * through it: mkdir/rmdir/spec.yaml/ctl in fs/actions.c, the jobs in
 * fs/lifecycle.c, loading through zf_kinds_load_locked (given to
 * zf_registry_load). A new kind is one new file
 * with its row, and a line in zf_kind_ops().
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "../daemon.h"
#include "../engine_steps.h"

struct zf_kind_ops {
	/* Its state for a failed object: Zun's Error, or Failed for capsules. */
	enum zf_state failed_state;
	/* The task_state of an rmdir while the engine work goes on. */
	const char *deleting_task;

	/* At load, lock held: parses obj->rec.spec into what the object keeps
	 * (obj->spec, ->capsule or ->volume); a spec this build refuses stays
	 * text only. Members load after every other object. */
	void (*load_locked)(struct zf_registry *reg, struct zf_object *obj);
	/* A new spec.yaml written by uid: validated, stored and LAUNCH queued,
	 * or refused (-errno, why in status_reason). Lock not held; no engine
	 * call (fs/actions.c has checked the engine is there). */
	int (*apply_spec)(struct zf_daemon *d, const char *uuid, const char *text, size_t len,
			  unsigned uid);
	/* Lock held: a live object that uses name of this kind (rmdir: EBUSY),
	 * or NULL. NULL op: nothing uses objects of this kind. */
	const struct zf_object *(*user_locked)(struct zf_daemon *d, const char *name);

	/* Worker threads (jobs), engine calls allowed; 0 or -errno. */
	/* LAUNCH: make (or rebuild, or upgrade when arg is "upgrade") from the
	 * spec in force. */
	int (*launch)(struct zf_daemon *d, const char *uuid, const char *arg);
	/* CTL: one ctl command line. NULL: the kind has no ctl file. */
	int (*ctl)(struct zf_daemon *d, const char *uuid, const char *line);
	/* REFRESH: the engine's (or backend's) view read into the object. */
	int (*refresh)(struct zf_daemon *d, const struct zf_snapshot *snap);
	/* DELETE's engine part: removes what the object has in the engine or
	 * backend; 0 when nothing is left (retried by the caller). */
	int (*remove)(struct zf_daemon *d, const struct zf_snapshot *snap, struct zf_err *err);
};

extern const struct zf_kind_ops zf_container_ops; /* container.c */
extern const struct zf_kind_ops zf_sandbox_ops; /* container.c */
extern const struct zf_kind_ops zf_capsule_ops; /* capsule.c */
extern const struct zf_kind_ops zf_member_ops; /* capsule.c: a capsule's container */
extern const struct zf_kind_ops zf_volume_ops; /* volume.c */

/* A container's ctl (container.c), which a capsule's members share. */
int zf_container_ctl(struct zf_daemon *d, const char *uuid, const char *line);

/* The row of kind (member: a capsule's container, whatever kind says). */
const struct zf_kind_ops *zf_kind_ops(enum zf_kind kind, bool member);

/* The registry's load callback (zf_registry_load): obj's kind's load_locked. */
void zf_kinds_load_locked(struct zf_registry *reg, struct zf_object *obj);

/* The row of obj: its kind's, or the members'. */
static inline const struct zf_kind_ops *zf_object_ops(const struct zf_object *obj)
{
	return zf_kind_ops(obj->rec.kind, obj->rec.parent[0] != '\0');
}
