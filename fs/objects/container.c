/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Containers and sandboxes (Zun's container and sandbox specs): one engine
 * container each, made from the spec, rebuilt from scratch by a new one; a
 * container may join a sandbox (its namespaces and volumes) or, with
 * sandbox=per-container, get a private one.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../ctl.h"
#include "../util.h"
#include "apply.h"
#include "kind_ops.h"

/* A live container whose spec names sandbox `name`, or NULL. Lock held. */
static const struct zf_object *sandbox_user_locked(struct zf_daemon *d, const char *name)
{
	for (struct zf_object *o = zf_registry_first_locked(d->reg); o; o = o->next)
		if (o->rec.kind == ZF_KIND_CONTAINER && !o->rec.deleting && o->spec &&
		    o->spec->sandbox && strcmp(o->spec->sandbox, name) == 0)
			return o;
	return NULL;
}


/* A container's or sandbox's spec: what it names (a sandbox, volumes) must
 * exist among what uid may see; then launched, or rebuilt. */
static int apply_spec(struct zf_daemon *d, const char *uuid, const char *text, size_t len,
		      unsigned uid)
{
	struct zf_container_spec *spec = NULL;
	struct zf_spec_error e = { 0 };
	struct zf_object *obj;
	enum zf_kind kind;
	char reason[400];
	int r;

	zf_registry_lock(d->reg);
	obj = zf_registry_find_uuid_locked(d->reg, uuid);
	kind = obj ? obj->rec.kind : ZF_KIND_CONTAINER;
	zf_registry_unlock(d->reg);
	r = zf_spec_parse(kind, text, len, &spec, &e);
	zf_registry_lock(d->reg);
	r = zf_apply_parsed_target_locked(d, uuid, r, &e, &obj);
	if (r < 0)
		goto out;
	/* what the spec names must exist: kinds this build lacks have no objects */
	if (spec->sandbox && !zf_apply_find_visible_locked(d, ZF_KIND_SANDBOX, spec->sandbox, uid)) {
		snprintf(reason, sizeof(reason), "spec.yaml: sandbox: no sandbox named '%s'",
			 spec->sandbox);
		r = zf_apply_refuse_locked(d, obj, -EINVAL, reason);
		goto out;
	}
	for (size_t i = 0; i < spec->n_mounts; i++) {
		if (!zf_apply_find_visible_locked(d, ZF_KIND_VOLUME, spec->mounts[i].name, uid)) {
			snprintf(reason, sizeof(reason), "spec.yaml: %s: no volume named '%s'",
				 kind == ZF_KIND_SANDBOX ? "volumes" : "volumeMounts",
				 spec->mounts[i].name);
			r = zf_apply_refuse_locked(d, obj, -EINVAL, reason);
			goto out;
		}
	}
	r = zf_apply_launch_spec_locked(d, obj, text, len, &spec);
out:
	zf_registry_unlock(d->reg);
	zf_container_spec_free(spec);
	return r;
}



/* A container in a sandbox joins its namespaces: the sandbox must run. */
static int join_sandbox(struct zf_daemon *d, const char *uuid, const char *name,
			struct zf_container_config *cfg)
{
	struct zf_err err = { { 0 } };
	enum zf_state status = ZF_STATE_EMPTY;
	char id[72] = "";
	int r = zf_steps_wait_ready(d, ZF_KIND_SANDBOX, name, ZF_STATE_RUNNING, ZF_STATE_RUNNING,
				    &status, id);

	if (r == -ENOENT) {
		snprintf(err.msg, sizeof(err.msg), "no sandbox named '%s'", name);
		return zf_steps_fail(d, uuid, r, "sandbox", &err);
	}
	if (r < 0) {
		snprintf(err.msg, sizeof(err.msg), "sandbox '%s' is %s, not Running", name,
			 zf_state_word(status));
		return zf_steps_fail(d, uuid, r, "sandbox", &err);
	}
	/* the sandbox's namespaces, and its volumes */
	cfg->join_ns = strdup(id);
	cfg->volumes_from = strdup(id);
	return cfg->join_ns && cfg->volumes_from ? 0 : -ENOMEM;
}

/*
 * sandbox=per-container: the container gets a sandbox of its own, the
 * sandbox spec's model: an infra container labelled with the container's
 * uuid and zunfs.role=sandbox, made and removed with it.
 */
static int private_sandbox(struct zf_daemon *d, const struct zf_snapshot *snap,
			   struct zf_container_config *cfg)
{
	struct zf_container_config *sb = calloc(1, sizeof(*sb));
	struct zf_err err = { { 0 } };
	int r;

	r = sb ? zf_steps_sandbox_ready(d, snap->uuid, sb) : -ENOMEM;
	if (r < 0)
		goto out;
	zf_steps_set_state(d, snap->uuid, ZF_STATE_KEEP, NULL, "sandbox_creating");
	r = zf_steps_start_labelled(d, snap, "sandbox", 0, sb, &cfg->join_ns, &err);
	if (r < 0)
		r = zf_steps_fail(d, snap->uuid, r, "making the container's sandbox", &err);
out:
	zf_container_config_free(sb);
	return r;
}

static int launch(struct zf_daemon *d, const char *uuid, const char *arg)
{
	const struct zf_engine_ops *ops = d->engine->ops;
	struct zf_container_spec *spec;
	struct zf_err err = { { 0 } };
	struct zf_snapshot snap;
	_cleanup_free_ char *id = NULL;
	int r;

	(void)arg;
	r = zf_snapshot_take(d, uuid, &snap);
	if (r < 0)
		return r;
	if (snap.deleting) {
		r = -ENOENT;
		goto out;
	}
	/* the spec as parsed when it was written (or loaded), the job's copy */
	spec = snap.spec;
	if (!spec) {
		r = zf_steps_fail(d, uuid, zf_err_set(&err, EINVAL, "spec.yaml could not be read"),
				  "spec", &err);
		goto out;
	}
	if (snap.kind == ZF_KIND_SANDBOX)
		r = zf_steps_sandbox_config(d, uuid, spec->cfg);
	else if (spec->sandbox)
		r = join_sandbox(d, uuid, spec->sandbox, spec->cfg);
	if (r < 0)
		goto out;
	r = zf_steps_spec_mounts(d, spec, spec->cfg, &err);
	if (r < 0) {
		r = zf_steps_fail(d, uuid, r, "volumes", &err);
		goto out;
	}
	if (snap.engine_id[0]) {
		/* a new spec for a launched container: rebuild it from scratch */
		zf_steps_set_state(d, uuid, ZF_STATE_KEEP, NULL, "container_rebuilding");
		r = zf_steps_remove_containers(d, uuid, snap.engine_id, &err);
		if (r < 0) {
			r = zf_steps_fail(d, uuid, r, "removing the old container", &err);
			goto out;
		}
		zf_registry_set_engine_id(d->reg, uuid, "");
	}
	r = snap.kind == ZF_KIND_SANDBOX && !d->opts.sandbox_image ? zf_steps_ensure_pause_image(d, uuid)
								      : zf_steps_ensure_image(d, uuid, spec->cfg);
	if (r < 0)
		goto out;
	if (snap.kind == ZF_KIND_CONTAINER) {
		r = zf_steps_security(d, &spec->sec, NULL, spec->cfg, &err);
		if (r < 0) {
			r = zf_steps_fail(d, uuid, r, "securityContext", &err);
			goto out;
		}
	}
	if (snap.kind == ZF_KIND_CONTAINER && !spec->sandbox &&
	    strcmp(d->opts.sandbox_mode, "per-container") == 0) {
		r = private_sandbox(d, &snap, spec->cfg);
		if (r < 0)
			goto out;
	}

	zf_steps_set_state(d, uuid, ZF_STATE_KEEP, NULL, "container_creating");
	{
		struct zf_steps_owner owner;

		zf_steps_owner_labels(d, &snap, NULL, 0, &owner);
		r = ops->container_create(d->engine, spec->cfg, &owner.labels, &id, &err);
	}
	if (r < 0) {
		r = zf_steps_fail(d, uuid, r, "creating the container", &err);
		goto out;
	}
	zf_registry_set_engine_id(d->reg, uuid, id);
	zf_steps_set_state(d, uuid, ZF_STATE_CREATED, "", "container_starting");

	r = ops->container_start(d->engine, id, &err);
	if (r < 0) {
		r = zf_steps_fail(d, uuid, r, "starting the container", &err);
		goto out;
	}
	/* the engine's state first, then the task ends: an until/ reader never sees
	 * a settled "Created" with no task in between */
	r = zf_steps_refresh(d, uuid, id, false);
	zf_steps_set_state(d, uuid, ZF_STATE_KEEP, NULL, "");
out:
	zf_snapshot_clear(&snap);
	return r;
}


/* ctl resize also resizes the container's open tty execs (zunfs attach --exec). */
static void resize_execs(struct zf_daemon *d, const char *uuid, int rows, int cols)
{
	char ids[ZF_TTY_EXECS_MAX][72];
	struct zf_object *obj;
	int n = 0;

	zf_registry_lock(d->reg);
	obj = zf_registry_find_uuid_locked(d->reg, uuid);
	for (int i = 0; obj && i < ZF_TTY_EXECS_MAX; i++)
		if (obj->tty_execs[i][0])
			memcpy(ids[n++], obj->tty_execs[i], sizeof(ids[0]));
	zf_registry_unlock(d->reg);
	for (int i = 0; i < n; i++)
		d->engine->ops->exec_resize(d->engine, ids[i], rows, cols, NULL);
}

static int ctl(struct zf_daemon *d, const char *uuid, const char *line)
{
	const struct zf_engine_ops *ops = d->engine->ops;
	struct zf_err err = { { 0 } };
	struct zf_snapshot snap;
	struct zf_ctl c;
	int r;

	r = zf_snapshot_take(d, uuid, &snap);
	if (r < 0)
		return r;
	zf_snapshot_clear(&snap);
	r = zf_ctl_parse(line, &c, err.msg, sizeof(err.msg));
	if (r < 0)
		goto out;
	switch (c.cmd) {
	case ZF_CTL_START:
		r = ops->container_start(d->engine, snap.engine_id, &err);
		break;
	case ZF_CTL_STOP:
		r = ops->container_stop(d->engine, snap.engine_id, c.seconds, &err);
		break;
	case ZF_CTL_RESTART:
		r = ops->container_restart(d->engine, snap.engine_id, c.seconds, &err);
		break;
	case ZF_CTL_KILL:
		r = ops->container_kill(d->engine, snap.engine_id, c.signal, &err);
		break;
	case ZF_CTL_PAUSE:
		r = ops->container_pause(d->engine, snap.engine_id, &err);
		break;
	case ZF_CTL_UNPAUSE:
		r = ops->container_unpause(d->engine, snap.engine_id, &err);
		break;
	case ZF_CTL_RESIZE:
		r = ops->container_resize(d->engine, snap.engine_id, c.rows, c.cols, &err);
		resize_execs(d, uuid, c.rows, c.cols);
		break;
	}
out:
	/* the engine's truth first, then the task ends, then why it failed, if it did */
	zf_steps_refresh(d, uuid, snap.engine_id, false);
	zf_steps_set_state(d, uuid, ZF_STATE_KEEP, NULL, "");
	if (r < 0) {
		char reason[ZF_ERR_MSG_MAX + 32];

		snprintf(reason, sizeof(reason), "%s: %s", line, err.msg[0] ? err.msg : strerror(-r));
		zf_steps_set_state(d, uuid, ZF_STATE_KEEP, reason, NULL);
	}
	return r;
}


/* REFRESH: the engine's view, unless an operation began since. */
static int refresh(struct zf_daemon *d, const struct zf_snapshot *snap)
{
	return zf_steps_refresh(d, snap->uuid, snap->engine_id, true);
}

static int remove_all(struct zf_daemon *d, const struct zf_snapshot *snap, struct zf_err *err)
{
	return zf_steps_remove_containers(d, snap->uuid, snap->engine_id, err);
}

static void load_locked(struct zf_registry *reg, struct zf_object *obj)
{
	(void)reg;
	struct zf_spec_error e;

	/* a sandbox's spec may be empty: Empty says whether one was written */
	if (obj->rec.spec[0] || obj->rec.status != ZF_STATE_EMPTY)
		zf_spec_parse(obj->rec.kind, obj->rec.spec, strlen(obj->rec.spec), &obj->spec, &e);
}

const struct zf_kind_ops zf_container_ops = {
	.failed_state = ZF_STATE_ERROR,
	.deleting_task = "container_deleting",
	.load_locked = load_locked,
	.apply_spec = apply_spec,
	.launch = launch,
	.ctl = ctl,
	.refresh = refresh,
	.remove = remove_all,
};

const struct zf_kind_ops zf_sandbox_ops = {
	.failed_state = ZF_STATE_ERROR,
	.deleting_task = "container_deleting",
	.load_locked = load_locked,
	.apply_spec = apply_spec,
	.user_locked = sandbox_user_locked,
	.launch = launch,
	.ctl = ctl,
	.refresh = refresh,
	.remove = remove_all,
};

/* What a capsule's member shares with a container (capsule.c). */
int zf_container_ctl(struct zf_daemon *d, const char *uuid, const char *line)
{
	return ctl(d, uuid, line);
}
