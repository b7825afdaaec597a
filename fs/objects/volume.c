/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "../jobs.h"
#include "../jobs.h"
#include "../tmpfs.h"
#include "../util.h"
#include "../volumes.h"
#include "apply.h"
#include "kind_ops.h"
#include "volume.h"

/* How long rmdir waits for a volume's last user to go: a container's stop
 * grace period (ZF_STOP_GRACE_S, 10 s), and some. */
#define BUSY_WAIT_S 15

/* What a volume job reads of its object once, under the lock. */
struct vol {
	char name[ZF_NAME_MAX + 1];
	unsigned owner;
	int64_t owner_gid; /* -1: not known */
	char id[72]; /* the driver's volume id (the record's engine id); "" until made */
	char driver[8]; /* its spec's driver: word */
	struct zf_volume_driver *drv; /* NULL: no such driver is configured */
};

/* The group of the volume's files: its creator's (their mkdir's gid); for
 * a volume recorded before zunfs kept it, the owner's primary group
 * (passwd), else unchanged (-1). */
static gid_t files_gid(const struct vol *v)
{
	struct passwd pw, *found = NULL;
	char buf[2048];

	if (v->owner_gid >= 0)
		return (gid_t)v->owner_gid;
	if (getpwuid_r(v->owner, &pw, buf, sizeof(buf), &found) != 0 || !found)
		return (gid_t)-1;
	return pw.pw_gid;
}

/* Lock held. */
static void vol_of_locked(struct zf_daemon *d, const struct zf_object *obj, struct vol *ret)
{
	memset(ret, 0, sizeof(*ret));
	memcpy(ret->name, obj->rec.name, sizeof(ret->name));
	ret->owner = obj->rec.owner;
	ret->owner_gid = obj->rec.owner_gid;
	memcpy(ret->id, obj->rec.engine_id, sizeof(ret->id));
	/* a spec this build cannot read was written before drivers: local */
	snprintf(ret->driver, sizeof(ret->driver), "%s",
		 obj->volume ? obj->volume->driver : "local");
	ret->drv = zf_volume_drivers_find(&d->volume_drivers, ret->driver);
}

static int vol_take(struct zf_daemon *d, const char *uuid, struct vol *ret)
{
	struct zf_object *obj;

	zf_registry_lock(d->reg);
	obj = zf_registry_find_uuid_locked(d->reg, uuid);
	if (obj)
		vol_of_locked(d, obj, ret);
	zf_registry_unlock(d->reg);
	return obj ? 0 : -ENOENT;
}

static int no_driver(const struct vol *v, struct zf_err *err)
{
	return zf_err_set(err, EOPNOTSUPP, "no driver named %s is configured", v->driver);
}

/* Ends a failed step as lifecycle.c's jobs do: Error (a Deleting one stays
 * Deleting), the reason, no task. Returns r. */
static int fail(struct zf_daemon *d, const char *uuid, int r, const char *step,
		const struct zf_err *err)
{
	char reason[ZF_ERR_MSG_MAX + 64];
	struct zf_object *obj;

	snprintf(reason, sizeof(reason), "%s: %s", step, err->msg[0] ? err->msg : strerror(-r));
	zf_registry_lock(d->reg);
	obj = zf_registry_find_uuid_locked(d->reg, uuid);
	if (obj)
		zf_registry_set_state_locked(d->reg, obj,
					     obj->rec.deleting ? ZF_STATE_KEEP : ZF_STATE_ERROR,
					     reason, "");
	zf_registry_unlock(d->reg);
	return r;
}

/* The host's memory, for a tmpfs's size=N% (tmpfs.h). */
static uint64_t ram_bytes(void)
{
	long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);

	return pages > 0 && page > 0 ? (uint64_t)pages * (uint64_t)page : 0;
}

/*
 * The tmpfs rule (tmpfs.h) for v, a new spec of obj: one user's tmpfs
 * volumes together within -o tmpfs_max, counted from the specs in the
 * registry (a volume being deleted still holds its memory). 0, or -EDQUOT
 * or -EINVAL and why. Lock held.
 */
static int tmpfs_check_locked(struct zf_daemon *d, const struct zf_object *obj,
			      const struct zf_volume_spec *v, char *why, size_t why_size)
{
	int64_t want = 0, held = 0, max = d->opts.tmpfs_max, got;
	uint64_t ram = ram_bytes();
	char words[300];
	int r = strcmp(v->driver, "local") == 0 ? zf_tmpfs_size(v->opts, v->n_opts, ram, &want) : 0;

	if (r == -EINVAL)
		snprintf(why, why_size, "spec.yaml: driverOptions: o: a size= or nr_blocks= that "
					"tmpfs cannot read (64m, 2g, 10%%)");
	if (r <= 0)
		return r;
	for (const struct zf_object *o = zf_registry_first_locked(d->reg); o; o = o->next) {
		int64_t size = 0;

		if (o == obj || o->rec.kind != ZF_KIND_VOLUME || o->rec.owner != obj->rec.owner ||
		    !o->volume || strcmp(o->volume->driver, "local") != 0 ||
		    zf_tmpfs_size(o->volume->opts, o->volume->n_opts, ram, &size) != 1)
			continue;
		size = size ? size : zf_tmpfs_default(max);
		held = size > INT64_MAX - held ? INT64_MAX : held + size;
	}
	r = zf_tmpfs_admit(want, held, max, &got, words, sizeof(words));
	if (r < 0)
		snprintf(why, why_size, "spec.yaml: %s", words);
	return r;
}

/* Makes what the spec asks and brings it to this host: its id and host path. */
static int make(struct zf_daemon *d, const char *uuid, const struct vol *v,
		const struct zf_volume_spec *spec, char **ret_id, struct zf_volume_info *ret_info,
		struct zf_err *err)
{
	struct zf_owner_labels owner = {
		.uuid = uuid,
		.kind = zf_kind_word(ZF_KIND_VOLUME),
		.name = v->name,
		.instance = zf_store_instance(d->store),
		.owner_uid = v->owner,
	};
	struct zf_volume_request req = {
		.owner = &owner,
		.size_bytes = spec->size_bytes,
		.type = spec->volume_type,
		.adopt_id = spec->volume_id,
		.opts = spec->opts,
		.n_opts = spec->n_opts,
	};
	struct zf_volume_info info = { 0 };
	struct zf_kv *sized = NULL;
	size_t n_sized = 0;
	int64_t tmpfs = 0;
	char *id = NULL;
	int r;

	/* a tmpfs that names no size gets the default, not the kernel's half
	 * of the RAM (apply_volume_spec counted it so) */
	if (!v->id[0] && strcmp(spec->driver, "local") == 0 &&
	    zf_tmpfs_size(spec->opts, spec->n_opts, ram_bytes(), &tmpfs) == 1 && tmpfs == 0) {
		if (zf_tmpfs_with_size(spec->opts, spec->n_opts,
				       zf_tmpfs_default(d->opts.tmpfs_max), &sized, &n_sized) < 0)
			return zf_err_set(err, ENOMEM, "out of memory");
		req.opts = sized;
		req.n_opts = n_sized;
	}
	if (v->id[0]) { /* made before (a retry): attached again, never made anew */
		if (!(id = strdup(v->id)))
			return zf_err_set(err, ENOMEM, "out of memory");
	} else {
		r = v->drv->ops->create(v->drv, &req, &id, &info, err);
		zf_tmpfs_opts_free(sized, n_sized);
		if (r < 0)
			return r;
	}
	/* one the backend failed is made (its id kept, for rmdir) and not
	 * attached: the backend's words stand as the reason */
	if (info.state == ZF_VOLUME_FAILED)
		r = zf_err_set(err, EIO, "%s", info.reason);
	else
		r = v->drv->ops->attach(v->drv, id, err);
	/* a driver that learns the host path only once attached */
	if (r == 0 && !info.host_path)
		r = v->drv->ops->inspect(v->drv, id, &info, err);
	if (r == 0 && (info.state != ZF_VOLUME_READY || !info.host_path))
		r = zf_err_set(err, EIO, "the %s driver's volume %s is not ready%s%s", v->driver,
			       id, info.reason[0] ? ": " : "", info.reason);
	if (r < 0) {
		/* made, but not usable: the record keeps it, so rmdir removes it */
		zf_registry_set_engine_id(d->reg, uuid, id);
		zf_volume_info_clear(&info);
		free(id);
		return r;
	}
	*ret_id = id;
	*ret_info = info;
	return 0;
}

int zf_volume_jobs_launch(struct zf_daemon *d, const char *uuid)
{
	struct zf_volume_info info = { 0 };
	struct zf_volume_spec *spec = NULL;
	struct zf_err err = { { 0 } };
	struct zf_object *obj;
	char *id = NULL;
	struct vol v;
	int r = 0;

	/* the spec as parsed when written (or loaded): a copy of the job's */
	zf_registry_lock(d->reg);
	obj = zf_registry_find_uuid_locked(d->reg, uuid);
	if (obj) {
		vol_of_locked(d, obj, &v);
		r = zf_volume_spec_dup(obj->volume, &spec);
	}
	zf_registry_unlock(d->reg);
	if (!obj)
		return -ENOENT;
	if (r < 0)
		return r;
	if (!spec) {
		r = fail(d, uuid, zf_err_set(&err, EINVAL, "spec.yaml could not be read"), "spec",
			 &err);
		goto out;
	}
	snprintf(v.driver, sizeof(v.driver), "%s", spec->driver);
	v.drv = zf_volume_drivers_find(&d->volume_drivers, v.driver);
	r = v.drv ? make(d, uuid, &v, spec, &id, &info, &err) : no_driver(&v, &err);
	if (r < 0) {
		r = fail(d, uuid, r, v.id[0] ? "attaching the volume" : "creating the volume",
			 &err);
		goto out;
	}
	/* the owner's to write through data/ (root's files stay root's), in the
	 * creator's group */
	if (v.owner != 0 && chown(info.host_path, v.owner, files_gid(&v)) < 0)
		syslog(LOG_WARNING, "zunfs: volume %s: cannot give %s to uid %u: %m", v.name,
		       info.host_path, v.owner);
	zf_registry_lock(d->reg);
	obj = zf_registry_find_uuid_locked(d->reg, uuid);
	if (obj) {
		free(obj->host_path);
		obj->host_path = TAKE_PTR(info.host_path);
		snprintf(obj->rec.engine_id, sizeof(obj->rec.engine_id), "%s", id);
		if (!obj->rec.deleting)
			zf_registry_set_state_locked(d->reg, obj, ZF_STATE_AVAILABLE, "", "");
		else
			zf_registry_persist_locked(d->reg, obj);
		zf_volumes_recount_locked(d->reg);
	}
	zf_registry_unlock(d->reg);
out:
	zf_volume_info_clear(&info);
	free(id);
	zf_volume_spec_free(spec);
	return r;
}

int zf_volume_jobs_refresh(struct zf_daemon *d, const char *uuid)
{
	struct zf_volume_info info = { 0 };
	struct zf_err err = { { 0 } };
	struct zf_object *obj;
	struct vol v;
	int r = vol_take(d, uuid, &v);

	if (r < 0 || !v.id[0])
		return r;
	if (!v.drv)
		return no_driver(&v, &err);
	r = v.drv->ops->attach(v.drv, v.id, &err);
	if (r < 0 && r != -ENOENT) {
		/* not on this host (a restart's attach, Cinder away): Error, saying
		 * why; the same spec.yaml again retries. (An inspect that fails
		 * after an attach is taken as passing: the state stays.) */
		zf_registry_lock(d->reg);
		obj = zf_registry_find_uuid_locked(d->reg, uuid);
		if (obj && !obj->rec.deleting && strcmp(obj->rec.engine_id, v.id) == 0) {
			char reason[ZF_ERR_MSG_MAX + 64];

			snprintf(reason, sizeof(reason), "attaching the volume: %s",
				 err.msg[0] ? err.msg : strerror(-r));
			free(obj->host_path);
			obj->host_path = NULL;
			zf_registry_set_state_locked(d->reg, obj, ZF_STATE_ERROR, reason, "");
			zf_volumes_recount_locked(d->reg);
		}
		zf_registry_unlock(d->reg);
		return r;
	}
	if (r == 0)
		r = v.drv->ops->inspect(v.drv, v.id, &info, &err);
	if (r < 0 && r != -ENOENT)
		return r;
	zf_registry_lock(d->reg);
	obj = zf_registry_find_uuid_locked(d->reg, uuid);
	if (obj && !obj->rec.deleting && strcmp(obj->rec.engine_id, v.id) == 0) {
		free(obj->host_path);
		obj->host_path = TAKE_PTR(info.host_path);
		if (r == -ENOENT) {
			obj->rec.engine_id[0] = '\0';
			zf_registry_set_state_locked(d->reg, obj, ZF_STATE_ERROR,
						     "the volume was removed from the engine "
						     "outside zunfs; its data is gone",
						     "");
		} else if (info.state == ZF_VOLUME_FAILED) {
			zf_registry_set_state_locked(d->reg, obj, ZF_STATE_ERROR, info.reason, "");
		} else if (info.state == ZF_VOLUME_READY &&
			   obj->rec.status != ZF_STATE_AVAILABLE &&
			   obj->rec.status != ZF_STATE_IN_USE) {
			zf_registry_set_state_locked(d->reg, obj, ZF_STATE_AVAILABLE, "", "");
		}
		zf_volumes_recount_locked(d->reg);
	}
	zf_registry_unlock(d->reg);
	zf_volume_info_clear(&info);
	return 0;
}

int zf_volume_jobs_remove(struct zf_daemon *d, const char *uuid, struct zf_err *err)
{
	struct vol v;
	int r = vol_take(d, uuid, &v);

	if (r < 0 || !v.id[0])
		return 0;
	if (!v.drv)
		return no_driver(&v, err);
	r = v.drv->ops->detach(v.drv, v.id, err);
	if (r < 0 && r != -ENOENT)
		return r;
	for (int i = 0; i <= BUSY_WAIT_S; i++) {
		r = v.drv->ops->remove(v.drv, v.id, err);
		if (r != -EBUSY)
			break;
		sleep(1);
	}
	return r == -ENOENT ? 0 : r;
}

int zf_volume_jobs_mount(struct zf_daemon *d, const char *name, const char *target,
			 bool read_only, struct zf_container_config *cfg, struct zf_err *err)
{
	struct zf_object *obj;
	struct zf_mount *m;
	char *host_path = NULL;
	struct vol v = { .id = "" };
	int r;

	zf_registry_lock(d->reg);
	obj = zf_registry_find_locked(d->reg, ZF_KIND_VOLUME, name);
	if (obj && obj->rec.engine_id[0]) {
		vol_of_locked(d, obj, &v);
		host_path = obj->host_path ? strdup(obj->host_path) : NULL;
	}
	zf_registry_unlock(d->reg);
	if (!v.id[0])
		return zf_err_set(err, ENOENT, "no volume named '%s'", name);
	if (!v.drv) {
		r = no_driver(&v, err);
		goto out;
	}
	m = realloc(cfg->mounts, (cfg->n_mounts + 1) * sizeof(*m));
	if (!m) {
		r = zf_err_set(err, ENOMEM, "out of memory");
		goto out;
	}
	cfg->mounts = m;
	r = v.drv->ops->mount_for_container(v.drv, v.id, host_path, target, read_only,
					    &cfg->mounts[cfg->n_mounts], err);
	if (r == 0)
		cfg->n_mounts++;
out:
	free(host_path);
	return r;
}

void zf_volume_jobs_recover(struct zf_daemon *d)
{
	for (size_t k = 0; k < d->volume_drivers.n; k++) {
		struct zf_volume_driver *drv = d->volume_drivers.drivers[k];
		struct zf_err err = { { 0 } };

		if (drv->ops->recover && drv->ops->recover(drv, &err) < 0) {
			syslog(LOG_WARNING, "zunfs: %s volumes: undoing what a crash cut short: %s",
			       drv->ops->name, err.msg);
			fprintf(stderr, "zunfs: %s volumes: undoing what a crash cut short: %s\n",
				drv->ops->name, err.msg);
		}
	}
}

/* Whether the record of uuid owns a volume of role (lock held): a
 * capsule's entry only while its spec in force has it. */
static bool owns_locked(struct zf_daemon *d, const char *uuid, const char *role)
{
	const struct zf_object *o = uuid[0] ? zf_registry_find_uuid_locked(d->reg, uuid) : NULL;
	const struct zf_capsule_spec *c;

	if (!o)
		return false;
	if (o->rec.kind != ZF_KIND_CAPSULE || strncmp(role, "cinder.", 7) != 0)
		return true;
	c = o->capsule;
	for (size_t i = 0; c && i < c->n_volumes; i++)
		if ((c->volumes[i].cinder_id || c->volumes[i].cinder_size_gb) &&
		    strcmp(c->volumes[i].name, role + 7) == 0)
			return true;
	return !c; /* a spec not read: kept, not guessed */
}

void zf_volume_jobs_orphans(struct zf_daemon *d)
{
	for (size_t k = 0; k < d->volume_drivers.n; k++) {
		struct zf_volume_driver *drv = d->volume_drivers.drivers[k];
		struct zf_volume_summary *vols = NULL;
		int n = drv->ops->list(drv, zf_store_instance(d->store), &vols, NULL);

		for (int i = 0; i < n; i++) {
			bool owned;

			zf_registry_lock(d->reg);
			owned = owns_locked(d, vols[i].uuid, vols[i].role);
			zf_registry_unlock(d->reg);
			if (owned)
				continue;
			syslog(LOG_NOTICE, "zunfs: removing %s volume %s: no record owns it",
			       drv->ops->name, vols[i].name);
			fprintf(stderr, "zunfs: removing %s volume %s: no record owns it\n",
				drv->ops->name, vols[i].name);
			drv->ops->detach(drv, vols[i].name, NULL);
			drv->ops->remove(drv, vols[i].name, NULL);
		}
		free(vols);
	}
}

/*
 * A volume's spec: validated, then the volume is made behind (local: an
 * engine volume). A made volume keeps its spec: another would lose its data.
 */
static int apply_volume_spec(struct zf_daemon *d, const char *uuid, const char *text, size_t len,
			     unsigned uid)
{
	struct zf_volume_spec *v = NULL;
	struct zf_spec_error e = { 0 };
	const struct zf_object *other;
	struct zf_object *obj;
	char reason[400];
	int r;

	(void)uid; /* a volume names no other object */
	r = zf_spec_parse_volume(text, len, &v, &e);
	zf_registry_lock(d->reg);
	r = zf_apply_parsed_target_locked(d, uuid, r, &e, &obj);
	if (r < 0)
		goto out;
	r = zf_volume_drivers_check(&d->volume_drivers, v->driver, 0, NULL, reason,
				    sizeof(reason));
	if (r < 0) {
		r = zf_apply_refuse_locked(d, obj, r, reason);
		goto out;
	}
	if (v->volume_id && (other = zf_cinder_holder_locked(d->reg, v->volume_id, uuid))) {
		/* this host attaches a Cinder volume once, for one holder */
		snprintf(reason, sizeof(reason), "spec.yaml: volumeID: Cinder volume %s is already %s %s's",
			 v->volume_id, zf_kind_word(other->rec.kind), other->rec.name);
		r = zf_apply_refuse_locked(d, obj, -EBUSY, reason);
		goto out;
	}
	r = zf_apply_busy_or_same_locked(d, obj, text, len, ZF_STATE_ERROR);
	if (r != 0) {
		r = r > 0 ? 0 : r;
		goto out;
	}
	if (obj->rec.engine_id[0] && obj->rec.status == ZF_STATE_ERROR &&
	    strlen(obj->rec.spec) == len && memcmp(obj->rec.spec, text, len) == 0) {
		/* the same spec again on a made volume in Error (its attach
		 * failed: Cinder away, ...): attached again, never made anew */
		r = zf_registry_set_state_locked(d->reg, obj, ZF_STATE_CREATING, "",
						 "volume_attaching");
		if (r == 0)
			r = zf_jobs_submit(d->jobs, ZF_JOB_LAUNCH, uuid, NULL);
		goto out;
	}
	if (obj->rec.engine_id[0]) {
		r = zf_apply_refuse_locked(d, obj, -EBUSY,
				  "spec.yaml: the volume is made and holds data; a new spec would "
				  "lose it: rmdir it and make another");
		goto out;
	}
	r = tmpfs_check_locked(d, obj, v, reason, sizeof(reason));
	if (r < 0) {
		r = zf_apply_refuse_locked(d, obj, r, reason);
		goto out;
	}
	r = zf_apply_store_spec_locked(obj, text, len);
	if (r == 0) {
		zf_volume_spec_free(obj->volume);
		obj->volume = TAKE_PTR(v);
		r = zf_registry_set_state_locked(d->reg, obj, ZF_STATE_CREATING, "",
						 "volume_creating");
	}
	if (r == 0)
		r = zf_jobs_submit(d->jobs, ZF_JOB_LAUNCH, uuid, NULL);
out:
	zf_registry_unlock(d->reg);
	zf_volume_spec_free(v);
	return r;
}


static int launch(struct zf_daemon *d, const char *uuid, const char *arg)
{
	(void)arg;
	return zf_volume_jobs_launch(d, uuid);
}

static int refresh(struct zf_daemon *d, const struct zf_snapshot *snap)
{
	return zf_volume_jobs_refresh(d, snap->uuid);
}

static int remove_all(struct zf_daemon *d, const struct zf_snapshot *snap, struct zf_err *err)
{
	return zf_volume_jobs_remove(d, snap->uuid, err);
}

static void load_locked(struct zf_registry *reg, struct zf_object *obj)
{
	(void)reg;
	struct zf_spec_error e;

	if (obj->rec.spec[0] || obj->rec.status != ZF_STATE_EMPTY)
		zf_spec_parse_volume(obj->rec.spec, strlen(obj->rec.spec), &obj->volume, &e);
}

/* Who uses a volume (rmdir: EBUSY): a live container, sandbox or capsule
 * that names it. */
static const struct zf_object *user_locked(struct zf_daemon *d, const char *name)
{
	return zf_volume_user_locked(d->reg, name);
}

const struct zf_kind_ops zf_volume_ops = {
	.failed_state = ZF_STATE_ERROR,
	.deleting_task = "volume_deleting",
	.load_locked = load_locked,
	.apply_spec = apply_volume_spec,
	.user_locked = user_locked,
	.launch = launch,
	.refresh = refresh,
	.remove = remove_all,
};
