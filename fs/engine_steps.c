/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "engine_steps.h"
#include "lifecycle.h"
#include "render.h"
#include "spec.h"
#include "util.h"
#include "objects/volume.h"

void zf_steps_owner_labels(struct zf_daemon *d, const struct zf_snapshot *snap, const char *role,
			   int generation, struct zf_steps_owner *ret)
{
	memset(ret, 0, sizeof(*ret));
	ret->labels = (struct zf_owner_labels){
		.uuid = snap->uuid,
		.kind = zf_kind_word(snap->kind),
		.name = snap->name,
		.instance = zf_store_instance(d->store),
		.owner_uid = snap->owner,
	};
	if (role) {
		ret->extra[0] = (struct zf_kv){ .key = (char *)ZF_LABEL_ROLE, .value = (char *)role };
		ret->labels.extra = ret->extra;
		ret->labels.n_extra = 1;
	}
	/* named after the uuid, so a zunfs name is free again as soon as it is removed */
	if (generation > 0)
		snprintf(ret->labels.engine_name, sizeof(ret->labels.engine_name), "zunfs-%s-g%d-%s",
			 snap->uuid, generation, role ? role : "");
	else
		snprintf(ret->labels.engine_name, sizeof(ret->labels.engine_name), "zunfs-%s%s%s",
			 snap->uuid, role ? "-" : "", role ? role : "");
}

const char *zf_steps_role(const struct zf_container_summary *c)
{
	return zf_summary_label(c, ZF_LABEL_ROLE);
}

const char *zf_steps_group(const struct zf_container_summary *c)
{
	return zf_summary_label(c, ZF_LABEL_GROUP);
}

int zf_steps_generation(const struct zf_container_summary *c)
{
	return atoi(zf_summary_label(c, ZF_LABEL_GENERATION));
}

int zf_snapshot_take(struct zf_daemon *d, const char *uuid, struct zf_snapshot *ret)
{
	struct zf_object *obj;
	int r = 0;

	memset(ret, 0, sizeof(*ret));
	zf_registry_lock(d->reg);
	obj = zf_registry_find_uuid_locked(d->reg, uuid);
	if (!obj) {
		r = -ENOENT;
		goto out;
	}
	memcpy(ret->uuid, obj->rec.uuid, sizeof(ret->uuid));
	memcpy(ret->name, obj->rec.name, sizeof(ret->name));
	memcpy(ret->engine_id, obj->rec.engine_id, sizeof(ret->engine_id));
	ret->kind = obj->rec.kind;
	ret->owner = obj->rec.owner;
	ret->deleting = obj->rec.deleting;
	memcpy(ret->parent, obj->rec.parent, sizeof(ret->parent));
	r = zf_container_spec_dup(obj->spec, &ret->spec);
	if (r == 0)
		r = zf_capsule_spec_dup(obj->capsule, &ret->capsule);
	if (r == 0)
		r = zf_volume_spec_dup(obj->volume, &ret->volume);
out:
	zf_registry_unlock(d->reg);
	if (r < 0)
		zf_snapshot_clear(ret);
	return r;
}

void zf_snapshot_clear(struct zf_snapshot *snap)
{
	zf_container_spec_free(snap->spec);
	zf_capsule_spec_free(snap->capsule);
	zf_volume_spec_free(snap->volume);
	snap->spec = NULL;
	snap->capsule = NULL;
	snap->volume = NULL;
}

/* Whether an operation is in flight on uuid (its task_state is set). */
bool zf_steps_task_in_flight(struct zf_daemon *d, const char *uuid)
{
	struct zf_object *obj;
	bool busy;

	zf_registry_lock(d->reg);
	obj = zf_registry_find_uuid_locked(d->reg, uuid);
	busy = obj && obj->rec.task_state[0];
	zf_registry_unlock(d->reg);
	return busy;
}

/* Sets status/reason/task of uuid if it still exists; ZF_STATE_KEEP or NULL
 * leaves a field. */
void zf_steps_set_state(struct zf_daemon *d, const char *uuid, enum zf_state status,
			const char *reason, const char *task)
{
	struct zf_object *obj;

	zf_registry_lock(d->reg);
	obj = zf_registry_find_uuid_locked(d->reg, uuid);
	if (obj) {
		/* once rmdir'd, the status stays Deleting whatever a job finds */
		if (obj->rec.deleting)
			status = ZF_STATE_KEEP;
		zf_registry_set_state_locked(d->reg, obj, status, reason, task);
	}
	zf_registry_unlock(d->reg);
}

/* Ends a failed step: Error, the reason, no task. Returns r. */
int zf_steps_fail(struct zf_daemon *d, const char *uuid, int r, const char *step,
		const struct zf_err *err)
{
	char reason[ZF_ERR_MSG_MAX + 64];

	snprintf(reason, sizeof(reason), "%s: %s", step, err->msg[0] ? err->msg : strerror(-r));
	zf_steps_set_state(d, uuid, ZF_STATE_ERROR, reason, "");
	return r;
}

/* zf_steps_fail() in a capsule's words: Failed. */
int zf_steps_fail_capsule(struct zf_daemon *d, const char *uuid, int r, const char *step,
			const struct zf_err *err)
{
	char reason[ZF_ERR_MSG_MAX + 64];

	snprintf(reason, sizeof(reason), "%s: %s", step, err->msg[0] ? err->msg : strerror(-r));
	zf_steps_set_state(d, uuid, ZF_STATE_FAILED, reason, "");
	return r;
}

/* Reads the engine's state of the object's container into it. idle_only:
 * not if an operation is in flight by then (a refresh job's). */
int zf_steps_refresh(struct zf_daemon *d, const char *uuid, const char *engine_id, bool idle_only)
{
	struct zf_container_state st;
	struct zf_err err = { { 0 } };
	int r;

	if (!engine_id[0])
		return 0;
	r = d->engine->ops->container_inspect(d->engine, engine_id, &st, &err);
	if (r == -ENOENT) {
		zf_lifecycle_engine_lost(d, uuid, engine_id);
		return 0;
	}
	if (r < 0)
		return r;
	zf_lifecycle_apply_state(d, uuid, &st, idle_only);
	return 0;
}

struct stopper {
	struct zf_daemon *d;
	char id[72];
	bool paused, running;
	bool remove; /* then removed (remove_containers) */
	int r;
	struct zf_err err;
	pthread_t thread;
	bool threaded; /* thread was made: to be joined */
};

/* s stops c (when it runs), then removes it if remove. */
static void stopper_fill(struct stopper *s, struct zf_daemon *d,
			 const struct zf_container_summary *c, bool remove)
{
	s->d = d;
	s->running = strcmp(c->state, "running") == 0 || strcmp(c->state, "paused") == 0 ||
		     strcmp(c->state, "restarting") == 0;
	s->paused = strcmp(c->state, "paused") == 0;
	s->remove = remove;
	snprintf(s->id, sizeof(s->id), "%s", c->id);
}

static void *stopper_main(void *arg)
{
	struct stopper *s = arg;
	const struct zf_engine_ops *ops = s->d->engine->ops;

	/* graceful: SIGTERM, SIGKILL after the grace period (and no restart) */
	if (s->paused)
		ops->container_unpause(s->d->engine, s->id, NULL);
	if (s->running)
		ops->container_stop(s->d->engine, s->id, ZF_STOP_GRACE_S, NULL);
	if (s->remove) {
		s->r = ops->container_remove(s->d->engine, s->id, true, &s->err);
		if (s->r == -ENOENT)
			s->r = 0;
	}
	return NULL;
}

/* Runs the n filled stoppers side by side (on this thread when a thread
 * cannot be made); the first to fail, in order, says why. */
static int stoppers_run(struct stopper *s, int n, struct zf_err *err)
{
	int r = 0;

	for (int i = 0; i < n; i++) {
		s[i].threaded = pthread_create(&s[i].thread, NULL, stopper_main, &s[i]) == 0;
		if (!s[i].threaded)
			stopper_main(&s[i]);
	}
	for (int i = 0; i < n; i++) {
		if (s[i].threaded)
			pthread_join(s[i].thread, NULL);
		if (s[i].r < 0 && r == 0) {
			r = s[i].r;
			if (err)
				*err = s[i].err;
		}
	}
	return r;
}

/*
 * Stops the listed containers of uuid that run, all at once (a capsule's
 * members get their grace periods side by side, not one after another).
 * only_group / keep_group select a capsule generation as remove_generation does.
 */
void zf_steps_stop_running(struct zf_daemon *d, const struct zf_container_summary *list, int n,
			 const char *uuid, const char *only_group, const char *keep_group)
{
	struct stopper *s = calloc((size_t)n + 1, sizeof(*s));
	int k = 0;

	for (int i = 0; s && i < n; i++) {
		const char *gen = strcmp(zf_steps_role(&list[i]), "sandbox") == 0 ? list[i].id : zf_steps_group(&list[i]);

		if (strcmp(list[i].uuid, uuid) != 0 ||
		    (only_group && strcmp(gen, only_group) != 0) ||
		    (keep_group && strcmp(gen, keep_group) == 0))
			continue;
		stopper_fill(&s[k], d, &list[i], false);
		if (s[k].running)
			k++;
	}
	if (s)
		stoppers_run(s, k, NULL);
	free(s);
}

/* Removes every engine container labelled with uuid (and engine_id, if not
 * listed): each stopped (its grace period) and removed on a thread of its
 * own, so a capsule's containers go side by side, as they came. */
int zf_steps_remove_containers(struct zf_daemon *d, const char *uuid, const char *engine_id,
			     struct zf_err *err)
{
	struct zf_container_summary *list = NULL;
	const struct zf_engine_ops *ops = d->engine->ops;
	struct stopper *s;
	bool listed = false;
	int n, k = 0, r;

	n = ops->container_list(d->engine, zf_store_instance(d->store), &list, err);
	if (n < 0)
		return n;
	s = calloc((size_t)n + 1, sizeof(*s));
	if (!s) {
		free(list);
		return zf_err_set(err, ENOMEM, "out of memory");
	}
	for (int i = 0; i < n; i++) {
		if (strcmp(list[i].uuid, uuid) != 0)
			continue;
		listed = listed || strcmp(list[i].id, engine_id) == 0;
		stopper_fill(&s[k++], d, &list[i], true);
	}
	r = stoppers_run(s, k, err);
	free(s);
	free(list);
	if (r == 0 && engine_id[0] && !listed) {
		/* not listed (a filter the engine ignored): the known id must be gone */
		r = ops->container_remove(d->engine, engine_id, true, err);
		if (r == -ENOENT)
			r = 0;
	}
	return r;
}


/* How often a pull's progress may change status_reason (memory only, then). */
#define PULL_PROGRESS_MS 250

/* A pull under way, shown in its object's status_reason. */
struct pull_watch {
	struct zf_daemon *d;
	const char *uuid;
	const char *ref;
	struct timespec last; /* when status_reason last changed (CLOCK_MONOTONIC) */
	char shown[ZF_ERR_MSG_MAX]; /* what this pull put there last, "" if nothing */
	char *before; /* status_reason before the pull */
};

/* Shows text as uuid's status_reason while its task is still the pull. */
static void pull_show(struct pull_watch *w, const char *text)
{
	struct zf_object *obj;

	zf_registry_lock(w->d->reg);
	obj = zf_registry_find_uuid_locked(w->d->reg, w->uuid);
	if (obj && !obj->rec.deleting && strcmp(obj->rec.task_state, "image_pulling") == 0 &&
	    zf_registry_show_reason_locked(w->d->reg, obj, text) == 0)
		snprintf(w->shown, sizeof(w->shown), "%s", text);
	zf_registry_unlock(w->d->reg);
}

/* image_pull's progress: a new status_reason, at most every PULL_PROGRESS_MS. */
static void pull_progress(const struct zf_pull_progress *p, void *userdata)
{
	struct pull_watch *w = userdata;
	char text[ZF_ERR_MSG_MAX];
	struct timespec now;
	long long ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (long long)(now.tv_sec - w->last.tv_sec) * 1000 +
	     (now.tv_nsec - w->last.tv_nsec) / 1000000;
	if (ms < PULL_PROGRESS_MS)
		return;
	zf_render_pull_progress(w->ref, p, text, sizeof(text));
	if (strcmp(text, w->shown) == 0)
		return;
	w->last = now;
	pull_show(w, text);
}

/* The pull is over: status_reason as before it (stored), unless changed since. */
static void pull_done(struct pull_watch *w)
{
	struct zf_object *obj;

	zf_registry_lock(w->d->reg);
	obj = zf_registry_find_uuid_locked(w->d->reg, w->uuid);
	if (obj && w->shown[0] && strcmp(obj->rec.status_reason, w->shown) == 0)
		zf_registry_set_state_locked(w->d->reg, obj, ZF_STATE_KEEP,
					     w->before ? w->before : "", NULL);
	zf_registry_unlock(w->d->reg);
	free(w->before);
}

/* Pulls ref, showing its progress in uuid's status_reason meanwhile. */
static int pull_image(struct zf_daemon *d, const char *uuid, const char *ref, struct zf_err *err)
{
	struct pull_watch w = { .d = d, .uuid = uuid, .ref = ref };
	struct zf_object *obj;
	char text[ZF_ERR_MSG_MAX];
	int r;

	zf_registry_lock(d->reg);
	obj = zf_registry_find_uuid_locked(d->reg, uuid);
	if (obj) {
		zf_registry_set_state_locked(d->reg, obj, ZF_STATE_KEEP, NULL, "image_pulling");
		w.before = strdup(obj->rec.status_reason);
	}
	zf_registry_unlock(d->reg);
	clock_gettime(CLOCK_MONOTONIC, &w.last);
	snprintf(text, sizeof(text), "pulling image %s", ref);
	pull_show(&w, text);
	r = d->engine->ops->image_pull(d->engine, ref, pull_progress, &w, err);
	pull_done(&w);
	return r;
}

/*
 * The image of cfg, present (pulled if the policy asks). On failure err
 * says which step and why (a capsule puts it in its own words).
 */
int zf_steps_image_ready(struct zf_daemon *d, const char *uuid,
		       const struct zf_container_config *cfg, struct zf_err *err)
{
	const struct zf_engine_ops *ops = d->engine->ops;
	char why[ZF_ERR_MSG_MAX];
	int r = 0;

	if (cfg->pull_policy != ZF_PULL_ALWAYS) {
		r = ops->image_present(d->engine, cfg->image, err);
		if (r == 0)
			return 0;
		if (r != -ENOENT) {
			snprintf(why, sizeof(why), "%s", err->msg);
			return zf_err_set(err, -r, "looking up image %s: %s", cfg->image, why);
		}
		if (cfg->pull_policy == ZF_PULL_NEVER)
			return zf_err_set(err, ENOENT,
					  "image %s is not present and imagePullPolicy is Never",
					  cfg->image);
	}
	r = pull_image(d, uuid, cfg->image, err);
	if (r < 0) {
		snprintf(why, sizeof(why), "%s", err->msg[0] ? err->msg : strerror(-r));
		return zf_err_set(err, -r, "pulling image %s: %s", cfg->image, why);
	}
	return 0;
}

int zf_steps_security(struct zf_daemon *d, const struct zf_security *sec,
		      const struct zf_security *pod, struct zf_container_config *cfg,
		      struct zf_err *err)
{
	const struct zf_engine_ops *ops = d->engine->ops;
	char *user = NULL, reason[300];
	int r = 0;

	if (zf_security_needs_image_user(sec, pod)) {
		if (!ops->image_user)
			return zf_err_set(err, EOPNOTSUPP, "the engine cannot tell an image's user");
		if ((r = ops->image_user(d->engine, cfg->image, &user, err)) < 0)
			return r;
	}
	r = zf_security_check_non_root(sec, pod, user, reason, sizeof(reason));
	if (r < 0)
		zf_err_set(err, -r, "%s", reason);
	else
		r = zf_security_apply(sec, pod, user, cfg);
	free(user);
	return r;
}

/* zf_steps_image_ready() for a container or sandbox of its own: Error, and why, on failure. */
int zf_steps_ensure_image(struct zf_daemon *d, const char *uuid,
			const struct zf_container_config *cfg)
{
	struct zf_err err = { { 0 } };
	int r = zf_steps_image_ready(d, uuid, cfg, &err);

	return r < 0 ? zf_steps_fail(d, uuid, r, "image", &err) : 0;
}

/* The built-in sandbox image: zunfs's own pause program, imported when absent. */
#define PAUSE_IMAGE "zunfs/pause:" ZF_VERSION

extern const unsigned char zf_pause_bin[];
extern const size_t zf_pause_bin_len;

int zf_steps_ensure_pause_image(struct zf_daemon *d, const char *uuid)
{
	static const char *const changes[] = { "CMD [\"/pause\"]", NULL };
	const struct zf_engine_ops *ops = d->engine->ops;
	struct zf_err err = { { 0 } };
	int r;

	r = ops->image_present(d->engine, PAUSE_IMAGE, &err);
	if (r != -ENOENT)
		return r < 0 ? zf_steps_fail(d, uuid, r, "looking up the sandbox image", &err) : 0;
	zf_steps_set_state(d, uuid, ZF_STATE_KEEP, NULL, "image_pulling");
	r = zf_engine_import_file(d->engine, PAUSE_IMAGE, "pause", zf_pause_bin, zf_pause_bin_len,
				  0755, changes, &err);
	if (r < 0)
		return zf_steps_fail(d, uuid, r, "importing the sandbox image " PAUSE_IMAGE, &err);
	syslog(LOG_INFO, "zunfs: imported the sandbox image %s", PAUSE_IMAGE);
	return 0;
}

/* A sandbox is an infra container: the pause image (or sandbox_image=), a
 * shareable IPC namespace, its spec's hostname and labels. */
int zf_steps_sandbox_config(struct zf_daemon *d, const char *uuid, struct zf_container_config *cfg)
{
	cfg->image = strdup(d->opts.sandbox_image ? d->opts.sandbox_image : PAUSE_IMAGE);
	if (!cfg->image)
		return -ENOMEM;
	cfg->ipc_shareable = true;
	snprintf(cfg->restart_policy, sizeof(cfg->restart_policy), "unless-stopped");
	(void)uuid;
	return 0;
}



/*
 * Waits for kind/name to be ready (ready_a or ready_b, with an engine id),
 * a while if it is still coming up: 0 and its engine id; -ENOENT if there
 * is none; -EBUSY if it settled elsewhere (its status in *ret_status).
 */
int zf_steps_wait_ready(struct zf_daemon *d, enum zf_kind kind, const char *name,
			enum zf_state ready_a, enum zf_state ready_b, enum zf_state *ret_status,
			char id[72])
{
	int r = 0;

	zf_registry_lock(d->reg);
	for (int waited = 0;; waited++) {
		struct zf_object *o = zf_registry_find_locked(d->reg, kind, name);

		if (!o) {
			r = -ENOENT;
			break;
		}
		*ret_status = o->rec.status;
		if ((o->rec.status == ready_a || o->rec.status == ready_b) && o->rec.engine_id[0]) {
			memcpy(id, o->rec.engine_id, 72);
			break;
		}
		/* still coming up: wait for it, a while */
		if (waited >= ZF_SANDBOX_WAIT_S * 4 ||
		    (!o->rec.task_state[0] && o->rec.status != ZF_STATE_CREATING)) {
			r = -EBUSY;
			break;
		}
		zf_registry_wait_locked(d->reg, 250);
	}
	zf_registry_unlock(d->reg);
	return r;
}

/*
 * Adds volumes/NAME, mounted at target, to cfg's mounts as its driver says
 * (an engine volume, or a bind of its host path), once it is made (one
 * still being made is waited for, a while). On failure err says why.
 */
int zf_steps_volume_mount(struct zf_daemon *d, const char *name, const char *target,
			    bool read_only, struct zf_container_config *cfg, struct zf_err *err)
{
	enum zf_state status = ZF_STATE_EMPTY;
	char id[72] = "";
	int r = zf_steps_wait_ready(d, ZF_KIND_VOLUME, name, ZF_STATE_AVAILABLE, ZF_STATE_IN_USE,
				    &status, id);

	if (r == -ENOENT)
		return zf_err_set(err, ENOENT, "no volume named '%s'", name);
	if (r < 0)
		return zf_err_set(err, EBUSY, "volume '%s' is %s, not Available", name,
				  zf_state_word(status));
	return zf_volume_jobs_mount(d, name, target, read_only, cfg, err);
}

/* A container's volumeMounts (a sandbox's volumes) as engine mounts. */
int zf_steps_spec_mounts(struct zf_daemon *d, const struct zf_container_spec *spec,
		       struct zf_container_config *cfg, struct zf_err *err)
{
	for (size_t i = 0; i < spec->n_mounts; i++) {
		int r = zf_steps_volume_mount(d, spec->mounts[i].name, spec->mounts[i].mount_path,
					 spec->mounts[i].read_only, cfg, err);

		if (r < 0)
			return r;
	}
	return 0;
}


/*
 * Creates and starts one more engine container of the object (a private
 * sandbox, a capsule's sandbox or member), labelled with its role; its id
 * in *ret_id.
 */
int zf_steps_start_labelled(struct zf_daemon *d, const struct zf_snapshot *snap, const char *role,
			  int generation, const struct zf_container_config *cfg, char **ret_id,
			  struct zf_err *err)
{
	const struct zf_engine_ops *ops = d->engine->ops;
	struct zf_steps_owner owner;
	char *id = NULL;
	int r;

	zf_steps_owner_labels(d, snap, role, generation, &owner);
	r = ops->container_create(d->engine, cfg, &owner.labels, &id, err);
	if (r == 0)
		r = ops->container_start(d->engine, id, err);
	if (r < 0) {
		free(id);
		return r;
	}
	*ret_id = id;
	return 0;
}

/* A sandbox's config (see sandbox_config) with its image present. */
int zf_steps_sandbox_ready(struct zf_daemon *d, const char *uuid, struct zf_container_config *sb)
{
	int r = zf_steps_sandbox_config(d, uuid, sb);

	if (r < 0)
		return r;
	return d->opts.sandbox_image ? zf_steps_ensure_image(d, uuid, sb) : zf_steps_ensure_pause_image(d, uuid);
}


/* Appends one label to cfg. */
int zf_steps_add_label(struct zf_container_config *cfg, const char *key, const char *value)
{
	struct zf_kv *kv = realloc(cfg->labels, (cfg->n_labels + 1) * sizeof(*kv));

	if (!kv)
		return -ENOMEM;
	cfg->labels = kv;
	kv[cfg->n_labels].key = strdup(key);
	kv[cfg->n_labels].value = strdup(value);
	cfg->n_labels++;
	return kv[cfg->n_labels - 1].key && kv[cfg->n_labels - 1].value ? 0 : -ENOMEM;
}