/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The generic verbs: mkdir, rmdir, a new spec.yaml and ctl, each through
 * the object's row of the kind table (objects/kind_ops.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actions.h"
#include "ctl.h"
#include "jobs.h"
#include "lifecycle.h"
#include "objects/apply.h"
#include "objects/kind_ops.h"
#include "tempfiles.h"
#include "util.h"
#include "volumes.h"

int zf_action_link_target_locked(struct zf_daemon *d, const char *name, unsigned uid, char *buf,
				 size_t size)
{
	char cap[ZF_NAME_MAX + 1];

	if (zf_registry_find_locked(d->reg, ZF_KIND_CONTAINER, name))
		return -ENOENT; /* a container of that name comes first */
	/* names may hold dots: try every split, CAPSULE.CNAME */
	for (const char *dot = strchr(name, '.'); dot; dot = strchr(dot + 1, '.')) {
		struct zf_object *c;
		size_t n = (size_t)(dot - name);

		if (n == 0 || n > ZF_NAME_MAX)
			continue;
		memcpy(cap, name, n);
		cap[n] = '\0';
		c = zf_registry_find_locked(d->reg, ZF_KIND_CAPSULE, cap);
		if (c && zf_object_visible(c, uid) &&
		    zf_registry_find_member_locked(d->reg, c->rec.uuid, dot + 1)) {
			snprintf(buf, size, "../capsules/%s/containers/%s", cap, dot + 1);
			return 0;
		}
	}
	return -ENOENT;
}

/* uid's object quota: none for root, who answers for the host anyway */
static unsigned object_cap(const struct zf_daemon *d, unsigned uid)
{
	return uid == 0 || d->opts.max_objects < 0 ? 0 : (unsigned)d->opts.max_objects;
}

/* Whether uid has its quota of records already. Lock held. */
static bool over_cap_locked(struct zf_daemon *d, unsigned uid)
{
	unsigned cap = object_cap(d, uid);

	return cap && zf_registry_count_owned_locked(d->reg, uid, cap) >= cap;
}

int zf_action_mkdir(struct zf_daemon *d, enum zf_kind kind, const char *name, unsigned uid,
		    unsigned gid)
{
	char target[2 * ZF_NAME_MAX + 32];
	int r = zf_name_check(name);

	if (r < 0)
		return r;
	if (!zf_kind_supported(kind))
		return -EOPNOTSUPP;
	if (kind == ZF_KIND_CONTAINER) {
		/* containers/CAPSULE.CNAME is taken by the member's link (anyone's:
		 * names are one namespace) */
		zf_registry_lock(d->reg);
		r = zf_action_link_target_locked(d, name, 0, target, sizeof(target));
		zf_registry_unlock(d->reg);
		if (r == 0)
			return -EEXIST;
	}
	return zf_registry_create(d->reg, kind, name, uid, gid, object_cap(d, uid));
}

/* The caller's live capsule by name, or NULL. Lock held. */
static struct zf_object *capsule_locked(struct zf_daemon *d, const char *name, unsigned uid)
{
	struct zf_object *c = zf_registry_find_locked(d->reg, ZF_KIND_CAPSULE, name);

	return c && zf_object_visible(c, uid) ? c : NULL;
}

int zf_action_mkdir_member(struct zf_daemon *d, const char *capsule, const char *name,
			   unsigned uid)
{
	struct zf_object *c;
	int r = zf_name_check(name);

	if (r < 0)
		return r;
	zf_registry_lock(d->reg);
	c = capsule_locked(d, capsule, uid);
	if (!c)
		r = -ENOENT;
	else if (zf_registry_find_member_locked(d->reg, c->rec.uuid, name))
		r = -EEXIST; /* as for any taken name, before the quota */
	else if (over_cap_locked(d, c->rec.owner))
		r = -EDQUOT; /* the member is the capsule owner's record */
	else
		r = zf_registry_create_member_locked(d->reg, c, name, "", true, NULL);
	zf_registry_unlock(d->reg);
	return r;
}

int zf_action_rmdir_member(struct zf_daemon *d, const char *capsule, const char *name,
			   unsigned uid)
{
	struct zf_object *c, *m = NULL;
	int r;

	zf_registry_lock(d->reg);
	c = capsule_locked(d, capsule, uid);
	if (c)
		m = zf_registry_find_member_locked(d->reg, c->rec.uuid, name);
	if (!m) {
		r = -ENOENT;
	} else if (m->rec.added && m->rec.status == ZF_STATE_EMPTY) {
		zf_temp_remove_object(d->temps, m->rec.uuid);
		r = zf_registry_remove_locked(d->reg, m);
	} else {
		r = zf_apply_refuse_locked(d, m, -EPERM,
				  "rmdir: a capsule's containers go with the capsule: change "
				  "its spec.yaml or rmdir the capsule");
	}
	zf_registry_unlock(d->reg);
	return r;
}


int zf_action_rmdir(struct zf_daemon *d, enum zf_kind kind, const char *name, unsigned uid)
{
	const struct zf_kind_ops *ops;
	struct zf_object *obj;
	char uuid[ZF_UUID_LEN + 1];
	int r = 0;

	zf_registry_lock(d->reg);
	obj = zf_registry_find_locked(d->reg, kind, name);
	if (!obj || !zf_object_visible(obj, uid)) {
		r = -ENOENT;
		goto out;
	}
	ops = zf_object_ops(obj);
	if (ops->user_locked) {
		const struct zf_object *user = ops->user_locked(d, name);

		if (user) {
			char reason[200];

			snprintf(reason, sizeof(reason), "rmdir: in use by %s/%s",
				 zf_kind_dir(user->rec.kind), user->rec.name);
			r = zf_apply_refuse_locked(d, obj, -EBUSY, reason);
			goto out;
		}
	}
	if (obj->rec.engine_id[0] && (r = zf_apply_engine_away_locked(d, obj)) < 0)
		goto out;
	memcpy(uuid, obj->rec.uuid, sizeof(uuid));
	zf_temp_remove_object(d->temps, uuid);
	if (!obj->rec.engine_id[0] && !obj->rec.task_state[0] &&
	    obj->rec.status != ZF_STATE_CREATING && obj->rec.status != ZF_STATE_REBUILDING &&
	    obj->rec.status != ZF_STATE_PENDING && obj->rec.status != ZF_STATE_STARTING) {
		/* nothing in the engine and nothing queued: forget it now */
		r = zf_registry_remove_locked(d->reg, obj);
		zf_volumes_recount_locked(d->reg);
		goto out;
	}
	obj->rec.deleting = true;
	r = zf_registry_set_state_locked(d->reg, obj, ZF_STATE_DELETING, "", ops->deleting_task);
	if (r < 0) {
		obj->rec.deleting = false;
		goto out;
	}
	/* what it used is free again (a volume it named: Available) */
	zf_volumes_recount_locked(d->reg);
	r = zf_jobs_submit(d->jobs, ZF_JOB_DELETE, uuid, NULL);
out:
	zf_registry_unlock(d->reg);
	return r;
}


int zf_action_apply_spec(struct zf_daemon *d, const char *uuid, const char *text, size_t len,
			 unsigned uid)
{
	const struct zf_kind_ops *ops = NULL;
	struct zf_object *obj;
	int r = -ENOENT;

	zf_registry_lock(d->reg);
	obj = zf_registry_find_uuid_locked(d->reg, uuid);
	if (obj) {
		obj->refused = false; /* a new spec write: its own outcome speaks */
		ops = zf_object_ops(obj);
		r = zf_apply_engine_away_locked(d, obj);
	}
	zf_registry_unlock(d->reg);
	return r < 0 ? r : ops->apply_spec(d, uuid, text, len, uid);
}

int zf_action_refuse_spec(struct zf_daemon *d, const char *uuid, int r, const char *reason)
{
	struct zf_object *obj;

	zf_registry_lock(d->reg);
	obj = zf_registry_find_uuid_locked(d->reg, uuid);
	if (obj)
		zf_apply_refuse_locked(d, obj, r, reason);
	zf_registry_unlock(d->reg);
	return r;
}

int zf_action_spec_writable_locked(struct zf_daemon *d, struct zf_object *obj)
{
	return zf_apply_spec_writable_locked(d, obj);
}


int zf_action_ctl(struct zf_daemon *d, const char *uuid, const char *line,
		  bool (*interrupted)(void))
{
	struct zf_object *obj;
	char reason[300];
	struct zf_ctl c;
	int r;

	zf_registry_lock(d->reg);
	obj = zf_registry_find_uuid_locked(d->reg, uuid);
	if (!obj || obj->rec.deleting) {
		zf_registry_unlock(d->reg);
		return -ENOENT;
	}
	obj->refused = false; /* a new action: its own outcome speaks */
	obj->liveness_killed[0] = '\0'; /* the user's restart is not zunfs's */
	r = zf_ctl_parse(line, &c, reason, sizeof(reason));
	if (r < 0) {
		r = zf_apply_refuse_locked(d, obj, r, reason);
		goto unlock;
	}
	if ((r = zf_apply_engine_away_locked(d, obj)) < 0)
		goto unlock;
	if (obj->rec.parent[0] && c.cmd != ZF_CTL_RESIZE) {
		snprintf(reason, sizeof(reason),
			 "ctl %s: a capsule's containers follow the capsule: change "
			 "capsules/%s/spec.yaml or rmdir it",
			 zf_ctl_word(c.cmd), obj->parent_name);
		r = zf_apply_refuse_locked(d, obj, -EPERM, reason);
		goto unlock;
	}
	if (obj->rec.task_state[0]) {
		snprintf(reason, sizeof(reason), "ctl %s: an operation is in progress (%s)",
			 zf_ctl_word(c.cmd), obj->rec.task_state);
		r = zf_apply_refuse_locked(d, obj, -EBUSY, reason);
		goto unlock;
	}
	r = zf_ctl_allowed(&c, obj->rec.status, obj->rec.engine_id[0] != '\0');
	if (r < 0) {
		snprintf(reason, sizeof(reason), "ctl %s: not possible while the container is %s",
			 zf_ctl_word(c.cmd), zf_state_word(obj->rec.status));
		r = zf_apply_refuse_locked(d, obj, r, reason);
		goto unlock;
	}
	if (*zf_ctl_task_state(c.cmd))
		zf_registry_set_state_locked(d->reg, obj, ZF_STATE_KEEP, NULL,
					     zf_ctl_task_state(c.cmd));
	zf_registry_unlock(d->reg);
	return zf_jobs_run(d->jobs, ZF_JOB_CTL, uuid, line, interrupted);
unlock:
	zf_registry_unlock(d->reg);
	return r;
}
