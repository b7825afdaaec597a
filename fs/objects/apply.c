/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../jobs.h"
#include "../jobs.h"
#include "../util.h"
#include "../volumes.h"
#include "apply.h"

/*
 * Lock held. The object a new spec is for, given how its parsing went
 * (parsed: 0 or -errno with e): a parse error becomes the refusal, its
 * place in status_reason. 0 and *ret_obj to go on, or the errno to return.
 */
int zf_apply_parsed_target_locked(struct zf_daemon *d, const char *uuid, int parsed,
				const struct zf_spec_error *e, struct zf_object **ret_obj)
{
	struct zf_object *obj = zf_registry_find_uuid_locked(d->reg, uuid);
	char where[300], reason[400];

	if (!obj || obj->rec.deleting)
		return -ENOENT;
	if (parsed == -EINVAL || parsed == -EPERM || parsed == -EOPNOTSUPP) {
		zf_spec_error_format(e, where, sizeof(where));
		snprintf(reason, sizeof(reason), "spec.yaml: %s", where);
		return zf_apply_refuse_locked(d, obj, parsed, reason);
	}
	if (parsed < 0)
		return parsed;
	*ret_obj = obj;
	return 0;
}


/* While the engine is away, what would need it fails at once: -EIO, the
 * reason in status_reason (the engine's name and since when). Lock held. */
int zf_apply_engine_away_locked(struct zf_daemon *d, struct zf_object *obj)
{
	if (!d->engine_away_since)
		return 0;
	/* not a refusal of what the user wrote: the engine's return speaks next */
	zf_registry_set_state_locked(d->reg, obj, ZF_STATE_KEEP, d->engine_away_reason, NULL);
	return -EIO;
}

int zf_apply_refuse_locked(struct zf_daemon *d, struct zf_object *obj, int r, const char *reason)
{
	zf_registry_set_state_locked(d->reg, obj, ZF_STATE_KEEP, reason, NULL);
	obj->refused = true; /* the engine's refreshes leave it (registry.h) */
	return r;
}

/* Stores text as obj's spec; lock held. */
int zf_apply_store_spec_locked(struct zf_object *obj, const char *text, size_t len)
{
	char *copy = strndup(text, len);

	if (!copy)
		return -ENOMEM;
	free(obj->rec.spec);
	obj->rec.spec = copy;
	obj->spec_mtime = time(NULL);
	return 0;
}

/*
 * Lock held. -EBUSY (and why in status_reason) while an operation is in
 * flight; 1 when text is the spec in force already (nothing to do, unless
 * the object is Empty or in retry_status, where writing it again retries);
 * 0 to apply it.
 */
int zf_apply_busy_or_same_locked(struct zf_daemon *d, struct zf_object *obj, const char *text,
				 size_t len, enum zf_state retry_status)
{
	char reason[200];

	if (obj->rec.task_state[0]) {
		snprintf(reason, sizeof(reason),
			 "spec.yaml: not applied, an operation is in progress (%s)",
			 obj->rec.task_state);
		return zf_apply_refuse_locked(d, obj, -EBUSY, reason);
	}
	if (strlen(obj->rec.spec) == len && memcmp(obj->rec.spec, text, len) == 0 &&
	    obj->rec.status != retry_status && obj->rec.status != ZF_STATE_EMPTY)
		return 1;
	return 0;
}

/*
 * Lock held. A container's (a sandbox's, an added member's) new spec, parsed
 * into *spec and checked: nothing when it is the one in force, else stored
 * (taking *spec) and launched, or rebuilt if it has a container already.
 */
int zf_apply_launch_spec_locked(struct zf_daemon *d, struct zf_object *obj, const char *text,
			      size_t len, struct zf_container_spec **spec)
{
	int r = zf_apply_busy_or_same_locked(d, obj, text, len, ZF_STATE_ERROR);

	if (r != 0)
		return r > 0 ? 0 : r;
	r = zf_apply_store_spec_locked(obj, text, len);
	if (r < 0)
		return r;
	zf_container_spec_free(obj->spec);
	obj->spec = TAKE_PTR(*spec);
	r = zf_registry_set_state_locked(d->reg, obj,
					 obj->rec.engine_id[0] ? ZF_STATE_REBUILDING
							       : ZF_STATE_CREATING,
					 "",
					 obj->rec.engine_id[0] ? "container_rebuilding"
							       : "container_creating");
	zf_volumes_recount_locked(d->reg); /* the volumes it names are in use now */
	return r < 0 ? r : zf_jobs_submit(d->jobs, ZF_JOB_LAUNCH, obj->rec.uuid, NULL);
}

/* kind/name as uid may see it (root: any), or NULL as if absent. Lock held. */
struct zf_object *zf_apply_find_visible_locked(struct zf_daemon *d, enum zf_kind kind,
					     const char *name, unsigned uid)
{
	struct zf_object *o = zf_registry_find_locked(d->reg, kind, name);

	return o && zf_object_visible(o, uid) ? o : NULL;
}

int zf_apply_spec_writable_locked(struct zf_daemon *d, struct zf_object *obj)
{
	char reason[300];

	if (!obj->rec.parent[0] || obj->rec.added)
		return 0;
	snprintf(reason, sizeof(reason),
		 "spec.yaml: %s comes from capsules/%s/spec.yaml: change it there (an upgrade)",
		 obj->rec.name, obj->parent_name);
	return zf_apply_refuse_locked(d, obj, -EPERM, reason);
}
