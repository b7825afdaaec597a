/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actions.h"
#include "ctl.h"
#include "jobs.h"
#include "tempfiles.h"
#include "util.h"
#include "volumes.h"
#include <unistd.h>

static int refuse_locked(struct zf_daemon *d, struct zf_object *obj, int r, const char *reason);
static int engine_away_locked(struct zf_daemon *d, struct zf_object *obj);
static int apply_member_spec(struct zf_daemon *d, const char *uuid, const char *text, size_t len);
static int apply_volume_spec(struct zf_daemon *d, const char *uuid, const char *text, size_t len);

bool zf_action_visible(const struct zf_object *obj, unsigned uid)
{
	return uid == 0 || obj->rec.owner == uid;
}

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
		if (c && zf_action_visible(c, uid) &&
		    zf_registry_find_member_locked(d->reg, c->rec.uuid, dot + 1)) {
			snprintf(buf, size, "../capsules/%s/containers/%s", cap, dot + 1);
			return 0;
		}
	}
	return -ENOENT;
}

int zf_action_mkdir(struct zf_daemon *d, enum zf_kind kind, const char *name, unsigned uid)
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
	return zf_registry_create(d->reg, kind, name, uid);
}

/* The caller's live capsule by name, or NULL. Lock held. */
static struct zf_object *capsule_locked(struct zf_daemon *d, const char *name, unsigned uid)
{
	struct zf_object *c = zf_registry_find_locked(d->reg, ZF_KIND_CAPSULE, name);

	return c && zf_action_visible(c, uid) ? c : NULL;
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
	r = c ? zf_registry_create_member_locked(d->reg, c, name, "", true, NULL) : -ENOENT;
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
	} else if (m->rec.added && strcmp(m->rec.status, "Empty") == 0) {
		zf_temp_remove_object(d->temps, m->rec.uuid);
		r = zf_registry_remove_locked(d->reg, m);
	} else {
		r = refuse_locked(d, m, -EPERM,
				  "rmdir: a capsule's containers go with the capsule: change "
				  "its spec.yaml or rmdir the capsule");
	}
	zf_registry_unlock(d->reg);
	return r;
}

/* A live container whose spec names sandbox `name`, or NULL. Lock held. */
static const struct zf_object *sandbox_user_locked(struct zf_daemon *d, const char *name)
{
	for (struct zf_object *o = zf_registry_first_locked(d->reg); o; o = o->next)
		if (o->rec.kind == ZF_KIND_CONTAINER && !o->rec.deleting && o->spec &&
		    o->spec->sandbox && strcmp(o->spec->sandbox, name) == 0)
			return o;
	return NULL;
}

static int apply_capsule_spec(struct zf_daemon *d, const char *uuid, const char *text, size_t len,
			      unsigned uid);

/*
 * Lock held. The object a new spec is for, given how its parsing went
 * (parsed: 0 or -errno with e): a parse error becomes the refusal, its
 * place in status_reason. 0 and *ret_obj to go on, or the errno to return.
 */
static int parsed_target_locked(struct zf_daemon *d, const char *uuid, int parsed,
				const struct zf_spec_error *e, struct zf_object **ret_obj)
{
	struct zf_object *obj = zf_registry_find_uuid_locked(d->reg, uuid);
	char where[300], reason[400];

	if (!obj || obj->rec.deleting)
		return -ENOENT;
	if (parsed == -EINVAL || parsed == -EPERM) {
		zf_spec_error_format(e, where, sizeof(where));
		snprintf(reason, sizeof(reason), "spec.yaml: %s", where);
		return refuse_locked(d, obj, parsed, reason);
	}
	if (parsed < 0)
		return parsed;
	*ret_obj = obj;
	return 0;
}

int zf_action_rmdir(struct zf_daemon *d, enum zf_kind kind, const char *name, unsigned uid)
{
	struct zf_object *obj;
	char uuid[ZF_UUID_LEN + 1];
	int r = 0;

	zf_registry_lock(d->reg);
	obj = zf_registry_find_locked(d->reg, kind, name);
	if (!obj || !zf_action_visible(obj, uid)) {
		r = -ENOENT;
		goto out;
	}
	if (kind == ZF_KIND_SANDBOX || kind == ZF_KIND_VOLUME) {
		const struct zf_object *user = kind == ZF_KIND_SANDBOX
						       ? sandbox_user_locked(d, name)
						       : zf_volume_user_locked(d->reg, name);

		if (user) {
			char reason[200];

			snprintf(reason, sizeof(reason), "rmdir: in use by %s/%s",
				 zf_kind_dir(user->rec.kind), user->rec.name);
			r = refuse_locked(d, obj, -EBUSY, reason);
			goto out;
		}
	}
	if (obj->rec.engine_id[0] && (r = engine_away_locked(d, obj)) < 0)
		goto out;
	memcpy(uuid, obj->rec.uuid, sizeof(uuid));
	zf_temp_remove_object(d->temps, uuid);
	if (!obj->rec.engine_id[0] && !obj->rec.task_state[0] &&
	    strcmp(obj->rec.status, "Creating") != 0 && strcmp(obj->rec.status, "Rebuilding") != 0 &&
	    strcmp(obj->rec.status, "Pending") != 0 && strcmp(obj->rec.status, "Starting") != 0) {
		/* nothing in the engine and nothing queued: forget it now */
		r = zf_registry_remove_locked(d->reg, obj);
		zf_volumes_recount_locked(d->reg);
		goto out;
	}
	obj->rec.deleting = true;
	r = zf_registry_set_state_locked(d->reg, obj, "Deleting", "",
					 kind == ZF_KIND_VOLUME ? "volume_deleting"
								: "container_deleting");
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

/* While the engine is away, what would need it fails at once: -EIO, the
 * reason in status_reason (the engine's name and since when). Lock held. */
static int engine_away_locked(struct zf_daemon *d, struct zf_object *obj)
{
	if (!d->engine_away_since)
		return 0;
	/* not a refusal of what the user wrote: the engine's return speaks next */
	zf_registry_set_state_locked(d->reg, obj, NULL, d->engine_away_reason, NULL);
	return -EIO;
}

static int refuse_locked(struct zf_daemon *d, struct zf_object *obj, int r, const char *reason)
{
	zf_registry_set_state_locked(d->reg, obj, NULL, reason, NULL);
	obj->refused = true; /* the engine's refreshes leave it (registry.h) */
	return r;
}

/* Stores text as obj's spec; lock held. */
static int store_spec_locked(struct zf_object *obj, const char *text, size_t len)
{
	char *copy = strndup(text, len);

	if (!copy)
		return -ENOMEM;
	free(obj->rec.spec);
	obj->rec.spec = copy;
	return 0;
}

/*
 * Lock held. -EBUSY (and why in status_reason) while an operation is in
 * flight; 1 when text is the spec in force already (nothing to do, unless
 * the object is Empty or in retry_status, where writing it again retries);
 * 0 to apply it.
 */
static int busy_or_same_locked(struct zf_daemon *d, struct zf_object *obj, const char *text,
			       size_t len, const char *retry_status)
{
	char reason[200];

	if (obj->rec.task_state[0]) {
		snprintf(reason, sizeof(reason),
			 "spec.yaml: not applied, an operation is in progress (%s)",
			 obj->rec.task_state);
		return refuse_locked(d, obj, -EBUSY, reason);
	}
	if (strlen(obj->rec.spec) == len && memcmp(obj->rec.spec, text, len) == 0 &&
	    strcmp(obj->rec.status, retry_status) != 0 && strcmp(obj->rec.status, "Empty") != 0)
		return 1;
	return 0;
}

/*
 * Lock held. A container's (a sandbox's, an added member's) new spec, parsed
 * into *spec and checked: nothing when it is the one in force, else stored
 * (taking *spec) and launched, or rebuilt if it has a container already.
 */
static int launch_spec_locked(struct zf_daemon *d, struct zf_object *obj, const char *text,
			      size_t len, struct zf_container_spec **spec)
{
	int r = busy_or_same_locked(d, obj, text, len, "Error");

	if (r != 0)
		return r > 0 ? 0 : r;
	r = store_spec_locked(obj, text, len);
	if (r < 0)
		return r;
	zf_container_spec_free(obj->spec);
	obj->spec = TAKE_PTR(*spec);
	r = zf_registry_set_state_locked(d->reg, obj,
					 obj->rec.engine_id[0] ? "Rebuilding" : "Creating", "",
					 obj->rec.engine_id[0] ? "container_rebuilding"
							       : "container_creating");
	zf_volumes_recount_locked(d->reg); /* the volumes it names are in use now */
	return r < 0 ? r : zf_jobs_submit(d->jobs, ZF_JOB_LAUNCH, obj->rec.uuid, NULL);
}

/* kind/name as uid may see it (root: any), or NULL as if absent. Lock held. */
static struct zf_object *find_visible_locked(struct zf_daemon *d, enum zf_kind kind,
					     const char *name, unsigned uid)
{
	struct zf_object *o = zf_registry_find_locked(d->reg, kind, name);

	return o && zf_action_visible(o, uid) ? o : NULL;
}

int zf_action_apply_spec(struct zf_daemon *d, const char *uuid, const char *text, size_t len,
			 unsigned uid)
{
	struct zf_container_spec *spec = NULL;
	struct zf_spec_error e = { 0 };
	struct zf_object *obj;
	enum zf_kind kind;
	char reason[400];
	bool member;
	int r;

	zf_registry_lock(d->reg);
	obj = zf_registry_find_uuid_locked(d->reg, uuid);
	kind = obj ? obj->rec.kind : ZF_KIND_CONTAINER;
	member = obj && obj->rec.parent[0];
	if (obj)
		obj->refused = false; /* a new spec write: its own outcome speaks */
	r = obj ? engine_away_locked(d, obj) : 0;
	zf_registry_unlock(d->reg);
	if (r < 0)
		return r;
	if (kind == ZF_KIND_CAPSULE)
		return apply_capsule_spec(d, uuid, text, len, uid);
	if (kind == ZF_KIND_VOLUME)
		return apply_volume_spec(d, uuid, text, len);
	if (member)
		return apply_member_spec(d, uuid, text, len);
	r = zf_spec_parse(kind, text, len, &spec, &e);
	zf_registry_lock(d->reg);
	r = parsed_target_locked(d, uuid, r, &e, &obj);
	if (r < 0)
		goto out;
	/* what the spec names must exist: kinds this build lacks have no objects */
	if (spec->sandbox && !find_visible_locked(d, ZF_KIND_SANDBOX, spec->sandbox, uid)) {
		snprintf(reason, sizeof(reason), "spec.yaml: sandbox: no sandbox named '%s'",
			 spec->sandbox);
		r = refuse_locked(d, obj, -EINVAL, reason);
		goto out;
	}
	for (size_t i = 0; i < spec->n_mounts; i++) {
		if (!find_visible_locked(d, ZF_KIND_VOLUME, spec->mounts[i].name, uid)) {
			snprintf(reason, sizeof(reason), "spec.yaml: %s: no volume named '%s'",
				 kind == ZF_KIND_SANDBOX ? "volumes" : "volumeMounts",
				 spec->mounts[i].name);
			r = refuse_locked(d, obj, -EINVAL, reason);
			goto out;
		}
	}
	r = launch_spec_locked(d, obj, text, len, &spec);
out:
	zf_registry_unlock(d->reg);
	zf_container_spec_free(spec);
	return r;
}


/*
 * A capsule's spec: validated whole, then launched (or relaunched: a new
 * spec for a launched capsule replaces it; see docs for what is not done).
 */
static int apply_capsule_spec(struct zf_daemon *d, const char *uuid, const char *text, size_t len,
			      unsigned uid)
{
	struct zf_capsule_spec *c = NULL;
	struct zf_spec_error e = { 0 };
	struct zf_object *obj;
	char reason[400], host[256] = "";
	int r;

	r = zf_spec_parse_capsule(text, len, &c, &e);
	zf_registry_lock(d->reg);
	r = parsed_target_locked(d, uuid, r, &e, &obj);
	if (r < 0)
		goto out;
	gethostname(host, sizeof(host) - 1);
	if (c->host_selector && strcmp(c->host_selector, host) != 0 &&
	    strcmp(c->host_selector, "localhost") != 0) {
		snprintf(reason, sizeof(reason),
			 "spec.yaml: hostSelector: '%s' is not this host (%s); there is one host",
			 c->host_selector, host);
		r = refuse_locked(d, obj, -EINVAL, reason);
		goto out;
	}
	for (size_t i = 0; i < c->n_volumes; i++) {
		const struct zf_capsule_volume *v = &c->volumes[i];

		if (!v->zunfs_volume) {
			/* a valid entry of a driver that may not be configured */
			r = zf_volume_drivers_check(&d->volume_drivers, "cinder", v->line, v->name,
						    reason, sizeof(reason));
			if (r < 0) {
				r = refuse_locked(d, obj, r, reason);
				goto out;
			}
			continue; /* made by the capsule's launch (member_mounts) */
		}
		if (!find_visible_locked(d, ZF_KIND_VOLUME, v->zunfs_volume, uid)) {
			snprintf(reason, sizeof(reason),
				 "spec.yaml: line %d: volumes: '%s': no volume named '%s'", v->line,
				 v->name, v->zunfs_volume);
			r = refuse_locked(d, obj, -EINVAL, reason);
			goto out;
		}
	}
	r = busy_or_same_locked(d, obj, text, len, "Failed");
	if (r != 0) {
		r = r > 0 ? 0 : r;
		goto out;
	}
	if (strcmp(obj->rec.status, "Running") == 0 && obj->rec.engine_id[0]) {
		/* an upgrade: the new spec is launched beside the old, and is stored
		 * only once it runs (a crash meanwhile keeps the old one whole) */
		free(obj->pending_spec);
		obj->pending_spec = strndup(text, len);
		r = obj->pending_spec ? 0 : -ENOMEM;
		zf_capsule_spec_free(obj->pending_capsule);
		obj->pending_capsule = TAKE_PTR(c);
		if (r == 0)
			r = zf_registry_set_state_locked(d->reg, obj, NULL, "", "capsule_upgrading");
		zf_volumes_recount_locked(d->reg);
		if (r == 0)
			r = zf_jobs_submit(d->jobs, ZF_JOB_LAUNCH, uuid, "upgrade");
		goto out;
	}
	r = store_spec_locked(obj, text, len);
	if (r == 0) {
		zf_capsule_spec_free(obj->capsule);
		obj->capsule = TAKE_PTR(c);
		r = zf_registry_set_state_locked(d->reg, obj, "Pending", "", "capsule_creating");
	}
	zf_volumes_recount_locked(d->reg);
	if (r == 0)
		r = zf_jobs_submit(d->jobs, ZF_JOB_LAUNCH, uuid, NULL);
out:
	zf_registry_unlock(d->reg);
	zf_capsule_spec_free(c);
	return r;
}

int zf_action_spec_writable_locked(struct zf_daemon *d, struct zf_object *obj)
{
	char reason[300];

	if (!obj->rec.parent[0] || obj->rec.added)
		return 0;
	snprintf(reason, sizeof(reason),
		 "spec.yaml: %s comes from capsules/%s/spec.yaml: change it there (an upgrade)",
		 obj->rec.name, obj->parent_name);
	return refuse_locked(d, obj, -EPERM, reason);
}

/*
 * A member's spec.yaml. Those of the capsule's spec change with it (EPERM);
 * one added by mkdir is launched into the running capsule's sandbox, like
 * `zun run --capsule`, or rebuilt there when written again.
 */
static int apply_member_spec(struct zf_daemon *d, const char *uuid, const char *text, size_t len)
{
	struct zf_container_spec *spec = NULL;
	struct zf_spec_error e = { 0 };
	struct zf_object *obj, *capsule;
	char reason[400], *name = NULL;
	int r;

	r = zf_spec_parse_member(text, len, &spec, &name, &e);
	zf_registry_lock(d->reg);
	obj = zf_registry_find_uuid_locked(d->reg, uuid);
	if (obj && !obj->rec.deleting && zf_action_spec_writable_locked(d, obj) < 0) {
		r = -EPERM;
		goto out;
	}
	r = parsed_target_locked(d, uuid, r, &e, &obj);
	if (r < 0)
		goto out;
	if (name && strcmp(name, obj->rec.name) != 0) {
		snprintf(reason, sizeof(reason),
			 "spec.yaml: name: '%s' is not this container's name (%s)", name,
			 obj->rec.name);
		r = refuse_locked(d, obj, -EINVAL, reason);
		goto out;
	}
	if (spec->n_mounts) {
		snprintf(reason, sizeof(reason),
			 "spec.yaml: volumeMounts: a capsule's volumes are declared in its spec.yaml");
		r = refuse_locked(d, obj, -EINVAL, reason);
		goto out;
	}
	capsule = zf_registry_find_uuid_locked(d->reg, obj->rec.parent);
	if (!capsule || capsule->rec.deleting || strcmp(capsule->rec.status, "Running") != 0 ||
	    capsule->rec.task_state[0] || !capsule->rec.engine_id[0]) {
		snprintf(reason, sizeof(reason),
			 "spec.yaml: containers are added to a Running capsule; capsules/%s is %s%s%s",
			 obj->parent_name, capsule ? capsule->rec.status : "gone",
			 capsule && capsule->rec.task_state[0] ? " and busy: " : "",
			 capsule ? capsule->rec.task_state : "");
		r = refuse_locked(d, obj, -EBUSY, reason);
		goto out;
	}
	r = launch_spec_locked(d, obj, text, len, &spec);
out:
	zf_registry_unlock(d->reg);
	zf_container_spec_free(spec);
	free(name);
	return r;
}

/*
 * A volume's spec: validated, then the volume is made behind (local: an
 * engine volume). A made volume keeps its spec: another would lose its data.
 */
static int apply_volume_spec(struct zf_daemon *d, const char *uuid, const char *text, size_t len)
{
	struct zf_volume_spec *v = NULL;
	struct zf_spec_error e = { 0 };
	struct zf_object *obj;
	char reason[400];
	int r;

	r = zf_spec_parse_volume(text, len, &v, &e);
	zf_registry_lock(d->reg);
	r = parsed_target_locked(d, uuid, r, &e, &obj);
	if (r < 0)
		goto out;
	r = zf_volume_drivers_check(&d->volume_drivers, v->driver, 0, NULL, reason,
				    sizeof(reason));
	if (r < 0) {
		r = refuse_locked(d, obj, r, reason);
		goto out;
	}
	r = busy_or_same_locked(d, obj, text, len, "Error");
	if (r != 0) {
		r = r > 0 ? 0 : r;
		goto out;
	}
	if (obj->rec.engine_id[0]) {
		r = refuse_locked(d, obj, -EBUSY,
				  "spec.yaml: the volume is made and holds data; a new spec would "
				  "lose it: rmdir it and make another");
		goto out;
	}
	r = store_spec_locked(obj, text, len);
	if (r == 0) {
		zf_volume_spec_free(obj->volume);
		obj->volume = TAKE_PTR(v);
		r = zf_registry_set_state_locked(d->reg, obj, "Creating", "", "volume_creating");
	}
	if (r == 0)
		r = zf_jobs_submit(d->jobs, ZF_JOB_LAUNCH, uuid, NULL);
out:
	zf_registry_unlock(d->reg);
	zf_volume_spec_free(v);
	return r;
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
	r = zf_ctl_parse(line, &c, reason, sizeof(reason));
	if (r < 0) {
		r = refuse_locked(d, obj, r, reason);
		goto unlock;
	}
	if ((r = engine_away_locked(d, obj)) < 0)
		goto unlock;
	if (obj->rec.parent[0] && c.cmd != ZF_CTL_RESIZE) {
		snprintf(reason, sizeof(reason),
			 "ctl %s: a capsule's containers follow the capsule: change "
			 "capsules/%s/spec.yaml or rmdir it",
			 zf_ctl_word(c.cmd), obj->parent_name);
		r = refuse_locked(d, obj, -EPERM, reason);
		goto unlock;
	}
	if (obj->rec.task_state[0]) {
		snprintf(reason, sizeof(reason), "ctl %s: an operation is in progress (%s)",
			 zf_ctl_word(c.cmd), obj->rec.task_state);
		r = refuse_locked(d, obj, -EBUSY, reason);
		goto unlock;
	}
	r = zf_ctl_allowed(&c, obj->rec.status, obj->rec.engine_id[0] != '\0');
	if (r < 0) {
		snprintf(reason, sizeof(reason), "ctl %s: not possible while the container is %s",
			 zf_ctl_word(c.cmd), obj->rec.status);
		r = refuse_locked(d, obj, r, reason);
		goto unlock;
	}
	if (*zf_ctl_task_state(c.cmd))
		zf_registry_set_state_locked(d->reg, obj, NULL, NULL, zf_ctl_task_state(c.cmd));
	zf_registry_unlock(d->reg);
	return zf_jobs_run(d->jobs, ZF_JOB_CTL, uuid, line, interrupted);
unlock:
	zf_registry_unlock(d->reg);
	return r;
}
