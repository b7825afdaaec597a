/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What every kind's apply of a new spec.yaml shares (fs/actions.c calls a
 * kind's apply_spec through the kind table; the kinds call these). All
 * take the registry lock held; none calls the engine. A refusal leaves its
 * reason in status_reason and marks it the user's (obj->refused), which the
 * engine's refreshes leave in place (registry.h).
 */
#pragma once

#include <stddef.h>

#include "../daemon.h"
#include "../spec.h"

/* Refuses: reason in obj's status_reason, the user's. Returns r. */
int zf_apply_refuse_locked(struct zf_daemon *d, struct zf_object *obj, int r, const char *reason);

/* While the engine is away, what would need it fails at once: -EIO, the
 * engine's name and since when in status_reason. 0 when it answers. */
int zf_apply_engine_away_locked(struct zf_daemon *d, struct zf_object *obj);

/*
 * The object a new spec is for, given how its parsing went (parsed: 0 or
 * -errno with e): a parse error becomes the refusal ("spec.yaml: line N:
 * ..."). 0 and *ret_obj to go on, or the errno to return (-ENOENT: gone).
 */
int zf_apply_parsed_target_locked(struct zf_daemon *d, const char *uuid, int parsed,
				  const struct zf_spec_error *e, struct zf_object **ret_obj);

/* Stores text (len bytes) as obj's spec text. */
int zf_apply_store_spec_locked(struct zf_object *obj, const char *text, size_t len);

/*
 * -EBUSY (and why) while an operation is in flight; 1 when text is the
 * spec in force already (nothing to do, unless the object is Empty or in
 * retry_status, where writing it again retries); 0 to apply it.
 */
int zf_apply_busy_or_same_locked(struct zf_daemon *d, struct zf_object *obj, const char *text,
				 size_t len, enum zf_state retry_status);

/*
 * A container's (a sandbox's, an added member's) new spec, parsed into
 * *spec and checked: nothing when it is the one in force, else stored
 * (taking *spec) and LAUNCH queued: Creating, or Rebuilding if it has a
 * container already.
 */
int zf_apply_launch_spec_locked(struct zf_daemon *d, struct zf_object *obj, const char *text,
				size_t len, struct zf_container_spec **spec);

/* kind/name as uid may see it (root: any), or NULL as if absent. */
struct zf_object *zf_apply_find_visible_locked(struct zf_daemon *d, enum zf_kind kind,
					       const char *name, unsigned uid);

/*
 * Whether obj's spec.yaml takes a new spec: 0, or -EPERM (and why in
 * status_reason) for a member of a capsule's spec, which changes with the
 * capsule's spec.yaml. Lock held.
 */
int zf_apply_spec_writable_locked(struct zf_daemon *d, struct zf_object *obj);
