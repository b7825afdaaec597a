/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "../backend/tar.h"
#include "capsule_state.h"
#include "ctl.h"
#include "logs.h"
#include "lifecycle.h"
#include "render.h"
#include "util.h"
#include "volume_jobs.h"
#include "volumes.h"

/* Grace period of rmdir and of a rebuild's stop, as `docker stop`. */
#define STOP_GRACE_S 10
/* Tries of an engine removal before the object is given back as Error. */
#define REMOVE_TRIES 3

/* What a job reads of its object once, under the lock. */
struct snapshot {
	char uuid[ZF_UUID_LEN + 1];
	char name[ZF_NAME_MAX + 1];
	enum zf_kind kind;
	unsigned owner;
	char engine_id[72];
	char *spec_text;
	bool deleting;
	char parent[ZF_UUID_LEN + 1]; /* a capsule member's capsule */
};

/* The labels of an engine object made for snap (role NULL: its own container). */
static struct zf_owner_labels owner_labels(struct zf_daemon *d, const struct snapshot *snap,
					   const char *role, int generation)
{
	return (struct zf_owner_labels){
		.uuid = snap->uuid,
		.kind = zf_kind_word(snap->kind),
		.name = snap->name,
		.instance = zf_store_instance(d->store),
		.owner_uid = snap->owner,
		.role = role,
		.generation = generation,
	};
}

static int snapshot_take(struct zf_daemon *d, const char *uuid, struct snapshot *ret)
{
	struct zf_object *obj;
	int r = 0;

	zf_registry_lock(d->reg);
	obj = zf_registry_find_uuid_locked(d->reg, uuid);
	if (!obj) {
		r = -ENOENT;
		goto out;
	}
	memset(ret, 0, sizeof(*ret));
	memcpy(ret->uuid, obj->rec.uuid, sizeof(ret->uuid));
	memcpy(ret->name, obj->rec.name, sizeof(ret->name));
	memcpy(ret->engine_id, obj->rec.engine_id, sizeof(ret->engine_id));
	ret->kind = obj->rec.kind;
	ret->owner = obj->rec.owner;
	ret->deleting = obj->rec.deleting;
	memcpy(ret->parent, obj->rec.parent, sizeof(ret->parent));
	ret->spec_text = strdup(obj->rec.spec);
	if (!ret->spec_text)
		r = -ENOMEM;
out:
	zf_registry_unlock(d->reg);
	return r;
}

/* Whether an operation is in flight on uuid (its task_state is set). */
static bool task_in_flight(struct zf_daemon *d, const char *uuid)
{
	struct zf_object *obj;
	bool busy;

	zf_registry_lock(d->reg);
	obj = zf_registry_find_uuid_locked(d->reg, uuid);
	busy = obj && obj->rec.task_state[0];
	zf_registry_unlock(d->reg);
	return busy;
}

/* Sets status/reason/task of uuid if it still exists; NULL leaves a field. */
static void set_state(struct zf_daemon *d, const char *uuid, const char *status,
		      const char *reason, const char *task)
{
	struct zf_object *obj;

	zf_registry_lock(d->reg);
	obj = zf_registry_find_uuid_locked(d->reg, uuid);
	if (obj) {
		/* once rmdir'd, the status stays Deleting whatever a job finds */
		if (obj->rec.deleting)
			status = NULL;
		zf_registry_set_state_locked(d->reg, obj, status, reason, task);
	}
	zf_registry_unlock(d->reg);
}

/* Ends a failed step: Error, the reason, no task. Returns r. */
static int fail(struct zf_daemon *d, const char *uuid, int r, const char *step,
		const struct zf_err *err)
{
	char reason[ZF_ERR_MSG_MAX + 64];

	snprintf(reason, sizeof(reason), "%s: %s", step, err->msg[0] ? err->msg : strerror(-r));
	set_state(d, uuid, "Error", reason, "");
	return r;
}

/* fail() in a capsule's words: Failed. */
static int fail_capsule(struct zf_daemon *d, const char *uuid, int r, const char *step,
			const struct zf_err *err)
{
	char reason[ZF_ERR_MSG_MAX + 64];

	snprintf(reason, sizeof(reason), "%s: %s", step, err->msg[0] ? err->msg : strerror(-r));
	set_state(d, uuid, "Failed", reason, "");
	return r;
}

static int launch_capsule(struct zf_daemon *d, const char *uuid, bool upgrade);
static int launch_member(struct zf_daemon *d, const struct snapshot *snap);
static int refresh_capsule(struct zf_daemon *d, const char *uuid);

void zf_lifecycle_describe(const struct zf_container_state *st, const char **ret_status,
			   char *reason, size_t reason_size)
{
	const char *status = zf_state_from_engine(st);

	reason[0] = '\0';
	/* the engine keeps why a start failed in State.Error: that is Zun's Error */
	if (st->error[0] && (strcmp(status, "Created") == 0 || strcmp(status, "Stopped") == 0)) {
		status = "Error";
		snprintf(reason, reason_size, "%s", st->error);
	} else if (strcmp(status, "Stopped") == 0 || strcmp(status, "Dead") == 0) {
		snprintf(reason, reason_size, "exited with code %d%s", st->exit_code,
			 st->oom_killed ? " (killed for lack of memory: OOMKilled)" : "");
	} else if (strcmp(status, "Unknown") == 0) {
		snprintf(reason, reason_size, "the engine says '%s'", st->status);
	}
	*ret_status = status;
}

static void apply_state(struct zf_daemon *d, const char *uuid,
			const struct zf_container_state *st, bool idle_only);

void zf_lifecycle_apply_state(struct zf_daemon *d, const char *uuid,
			      const struct zf_container_state *st)
{
	apply_state(d, uuid, st, false);
}

/* idle_only: a refresh's, which an operation begun since it looked owns */
static void apply_state(struct zf_daemon *d, const char *uuid,
			const struct zf_container_state *st, bool idle_only)
{
	struct zf_object *obj;
	const char *status;
	char reason[300];

	bool follow = false, tty = false, running = false;
	char parent[ZF_UUID_LEN + 1] = "", name[ZF_NAME_MAX + 1] = "";

	zf_lifecycle_describe(st, &status, reason, sizeof(reason));
	zf_registry_lock(d->reg);
	obj = zf_registry_find_uuid_locked(d->reg, uuid);
	/* only the container zunfs knows as this object's: not a rebuild's old
	 * one, nor while an operation begun after the refresh looked is in flight */
	if (obj && !obj->rec.deleting && strcmp(obj->rec.engine_id, st->id) == 0 &&
	    !(idle_only && obj->rec.task_state[0])) {
		/* its process runs, or ran: its output goes to the logs file (one that
		 * ended before zunfs looked is read to its end) */
		running = strcmp(st->status, "running") == 0 || strcmp(st->status, "paused") == 0 ||
			  strcmp(st->status, "restarting") == 0;
		follow = obj->rec.kind == ZF_KIND_CONTAINER &&
			 (running || ((strcmp(st->status, "exited") == 0 ||
				       strcmp(st->status, "dead") == 0) &&
				      strncmp(st->started_at, "0001-", 5) != 0 && st->started_at[0]));
		tty = obj->spec && obj->spec->cfg->tty;
		/* a capsule member's lines also go to the capsule's logs */
		memcpy(parent, obj->rec.parent, sizeof(parent));
		memcpy(name, obj->rec.name, sizeof(name));
		obj->exit_code = st->exit_code;
		snprintf(obj->started_at, sizeof(obj->started_at), "%s", st->started_at);
		snprintf(obj->finished_at, sizeof(obj->finished_at), "%s", st->finished_at);
		zf_registry_engine_state_locked(d->reg, obj, status, reason);
	}
	zf_registry_unlock(d->reg);
	/* jobs on one object run one at a time: no two calls for uuid race here */
	if (follow && d->logs)
		zf_logs_follow(d->logs, uuid, st->id, tty, running, parent[0] ? parent : NULL, name);
}

void zf_lifecycle_engine_lost(struct zf_daemon *d, const char *uuid, const char *engine_id)
{
	struct zf_object *obj;

	zf_registry_lock(d->reg);
	obj = zf_registry_find_uuid_locked(d->reg, uuid);
	if (obj && !obj->rec.deleting && obj->rec.engine_id[0] &&
	    strcmp(obj->rec.engine_id, engine_id) == 0 && !obj->rec.task_state[0]) {
		obj->rec.engine_id[0] = '\0';
		zf_registry_set_state_locked(d->reg, obj,
					     obj->rec.kind == ZF_KIND_CAPSULE ? "Failed" : "Error",
					     "the container was removed from the engine outside "
					     "zunfs; write spec.yaml again to recreate it",
					     NULL);
	}
	zf_registry_unlock(d->reg);
}

void zf_lifecycle_engine_away(struct zf_daemon *d, const char *why)
{
	char since[40];

	zf_registry_lock(d->reg);
	if (d->engine_away_since) {
		zf_registry_unlock(d->reg);
		return;
	}
	d->engine_away_since = time(NULL);
	zf_now_rfc3339(since, sizeof(since));
	snprintf(d->engine_away_reason, sizeof(d->engine_away_reason),
		 "the engine at %s does not answer since %s (%s)", d->opts.docker, since, why);
	for (struct zf_object *o = zf_registry_first_locked(d->reg); o; o = o->next) {
		if (!o->rec.engine_id[0] || o->rec.deleting)
			continue;
		o->refused = false; /* the engine's absence says more now */
		zf_registry_set_state_locked(d->reg, o, "Unknown", d->engine_away_reason, NULL);
	}
	zf_registry_unlock(d->reg);
	syslog(LOG_WARNING, "zunfs: %s", d->engine_away_reason);
}

void zf_lifecycle_engine_back(struct zf_daemon *d)
{
	zf_registry_lock(d->reg);
	if (d->engine_away_since) {
		syslog(LOG_NOTICE, "zunfs: the engine at %s answers again", d->opts.docker);
		/* objects the engine holds are read again by the caller; the others
		 * (refused with EIO before they had a container) lose the word */
		for (struct zf_object *o = zf_registry_first_locked(d->reg); o; o = o->next)
			if (!o->rec.engine_id[0] &&
			    strcmp(o->rec.status_reason, d->engine_away_reason) == 0)
				zf_registry_set_state_locked(d->reg, o, NULL, "", NULL);
	}
	d->engine_away_since = 0;
	d->engine_away_reason[0] = '\0';
	zf_registry_unlock(d->reg);
}

/* Reads the engine's state of the object's container into it. idle_only:
 * not if an operation is in flight by then (a refresh job's). */
static int refresh(struct zf_daemon *d, const char *uuid, const char *engine_id, bool idle_only)
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
	apply_state(d, uuid, &st, idle_only);
	return 0;
}

struct stopper {
	struct zf_daemon *d;
	char id[72];
	bool paused;
	pthread_t thread;
};

static void *stopper_main(void *arg)
{
	struct stopper *s = arg;

	/* graceful: SIGTERM, SIGKILL after the grace period (and no restart) */
	if (s->paused)
		s->d->engine->ops->container_unpause(s->d->engine, s->id, NULL);
	s->d->engine->ops->container_stop(s->d->engine, s->id, STOP_GRACE_S, NULL);
	return NULL;
}

/*
 * Stops the listed containers of uuid that run, all at once (a capsule's
 * members get their grace periods side by side, not one after another).
 * only_group / keep_group select a capsule generation as remove_generation does.
 */
static void stop_running(struct zf_daemon *d, const struct zf_container_summary *list, int n,
			 const char *uuid, const char *only_group, const char *keep_group)
{
	struct stopper *s = calloc((size_t)n + 1, sizeof(*s));
	int started = 0;

	for (int i = 0; s && i < n; i++) {
		const char *gen = strcmp(list[i].role, "sandbox") == 0 ? list[i].id : list[i].group;
		bool running = strcmp(list[i].state, "running") == 0 ||
			       strcmp(list[i].state, "paused") == 0 ||
			       strcmp(list[i].state, "restarting") == 0;

		if (strcmp(list[i].uuid, uuid) != 0 || !running ||
		    (only_group && strcmp(gen, only_group) != 0) ||
		    (keep_group && strcmp(gen, keep_group) == 0))
			continue;
		s[started].d = d;
		s[started].paused = strcmp(list[i].state, "paused") == 0;
		snprintf(s[started].id, sizeof(s[started].id), "%s", list[i].id);
		if (pthread_create(&s[started].thread, NULL, stopper_main, &s[started]) == 0)
			started++;
		else
			stopper_main(&s[started]);
	}
	for (int i = 0; i < started; i++)
		pthread_join(s[i].thread, NULL);
	free(s);
}

/* Removes every engine container labelled with uuid (and engine_id, if not listed). */
static int remove_containers(struct zf_daemon *d, const char *uuid, const char *engine_id,
			     struct zf_err *err)
{
	struct zf_container_summary *list = NULL;
	const struct zf_engine_ops *ops = d->engine->ops;
	int n, r = 0;

	n = ops->container_list(d->engine, zf_store_instance(d->store), &list, err);
	if (n < 0)
		return n;
	stop_running(d, list, n, uuid, NULL, NULL);
	for (int i = 0; i < n && r == 0; i++) {
		if (strcmp(list[i].uuid, uuid) != 0)
			continue;
		r = ops->container_remove(d->engine, list[i].id, true, err);
		if (r == -ENOENT)
			r = 0;
	}
	free(list);
	if (r == 0 && engine_id[0]) {
		/* listed or not (a filter the engine ignored), the known id must be gone */
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
		zf_registry_set_state_locked(w->d->reg, obj, NULL, w->before ? w->before : "",
					     NULL);
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
		zf_registry_set_state_locked(d->reg, obj, NULL, NULL, "image_pulling");
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
static int image_ready(struct zf_daemon *d, const char *uuid,
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

/* image_ready() for a container or sandbox of its own: Error, and why, on failure. */
static int ensure_image(struct zf_daemon *d, const char *uuid,
			const struct zf_container_config *cfg)
{
	struct zf_err err = { { 0 } };
	int r = image_ready(d, uuid, cfg, &err);

	return r < 0 ? fail(d, uuid, r, "image", &err) : 0;
}

/* The built-in sandbox image: zunfs's own pause program, imported when absent. */
#define PAUSE_IMAGE "zunfs/pause:" ZF_VERSION

extern const unsigned char zf_pause_bin[];
extern const size_t zf_pause_bin_len;

static int ensure_pause_image(struct zf_daemon *d, const char *uuid)
{
	static const char *const changes[] = { "CMD [\"/pause\"]", NULL };
	const struct zf_engine_ops *ops = d->engine->ops;
	struct zf_err err = { { 0 } };
	char *tar = NULL;
	size_t len;
	int r;

	r = ops->image_present(d->engine, PAUSE_IMAGE, &err);
	if (r != -ENOENT)
		return r < 0 ? fail(d, uuid, r, "looking up the sandbox image", &err) : 0;
	set_state(d, uuid, NULL, NULL, "image_pulling");
	r = zf_tar_one_file("pause", zf_pause_bin, zf_pause_bin_len, 0755, &tar, &len);
	if (r < 0)
		return fail(d, uuid, r, "making the sandbox image", &err);
	r = ops->image_import(d->engine, PAUSE_IMAGE, tar, len, changes, &err);
	free(tar);
	if (r < 0)
		return fail(d, uuid, r, "importing the sandbox image " PAUSE_IMAGE, &err);
	syslog(LOG_INFO, "zunfs: imported the sandbox image %s", PAUSE_IMAGE);
	return 0;
}

/* A sandbox is an infra container: the pause image (or sandbox_image=), a
 * shareable IPC namespace, its spec's hostname and labels. */
static int sandbox_config(struct zf_daemon *d, const char *uuid, struct zf_container_config *cfg)
{
	cfg->image = strdup(d->opts.sandbox_image ? d->opts.sandbox_image : PAUSE_IMAGE);
	if (!cfg->image)
		return -ENOMEM;
	cfg->ipc_shareable = true;
	snprintf(cfg->restart_policy, sizeof(cfg->restart_policy), "unless-stopped");
	(void)uuid;
	return 0;
}

/* How long a container waits for its sandbox, or a volume, to come up. */
#define SANDBOX_WAIT_S 60

/*
 * Waits for kind/name to be ready (ready_a or ready_b, with an engine id),
 * a while if it is still coming up: 0 and its engine id; -ENOENT if there
 * is none; -EBUSY if it settled elsewhere (its status in status).
 */
static int wait_ready(struct zf_daemon *d, enum zf_kind kind, const char *name,
		      const char *ready_a, const char *ready_b, char status[16], char id[72])
{
	int r = 0;

	zf_registry_lock(d->reg);
	for (int waited = 0;; waited++) {
		struct zf_object *o = zf_registry_find_locked(d->reg, kind, name);

		if (!o) {
			r = -ENOENT;
			break;
		}
		snprintf(status, 16, "%s", o->rec.status);
		if ((strcmp(status, ready_a) == 0 || strcmp(status, ready_b) == 0) &&
		    o->rec.engine_id[0]) {
			memcpy(id, o->rec.engine_id, 72);
			break;
		}
		/* still coming up: wait for it, a while */
		if (waited >= SANDBOX_WAIT_S * 4 ||
		    (!o->rec.task_state[0] && strcmp(status, "Creating") != 0)) {
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
static int add_volume_mount(struct zf_daemon *d, const char *name, const char *target,
			    bool read_only, struct zf_container_config *cfg, struct zf_err *err)
{
	char status[16] = "", id[72] = "";
	int r = wait_ready(d, ZF_KIND_VOLUME, name, "Available", "In-use", status, id);

	if (r == -ENOENT)
		return zf_err_set(err, ENOENT, "no volume named '%s'", name);
	if (r < 0)
		return zf_err_set(err, EBUSY, "volume '%s' is %s, not Available", name, status);
	return zf_volume_jobs_mount(d, name, target, read_only, cfg, err);
}

/* A container's volumeMounts (a sandbox's volumes) as engine mounts. */
static int spec_mounts(struct zf_daemon *d, const struct zf_container_spec *spec,
		       struct zf_container_config *cfg, struct zf_err *err)
{
	for (size_t i = 0; i < spec->n_mounts; i++) {
		int r = add_volume_mount(d, spec->mounts[i].name, spec->mounts[i].mount_path,
					 spec->mounts[i].read_only, cfg, err);

		if (r < 0)
			return r;
	}
	return 0;
}

/* A container in a sandbox joins its namespaces: the sandbox must run. */
static int join_sandbox(struct zf_daemon *d, const char *uuid, const char *name,
			struct zf_container_config *cfg)
{
	struct zf_err err = { { 0 } };
	char status[16] = "", id[72] = "";
	int r = wait_ready(d, ZF_KIND_SANDBOX, name, "Running", "Running", status, id);

	if (r == -ENOENT) {
		snprintf(err.msg, sizeof(err.msg), "no sandbox named '%s'", name);
		return fail(d, uuid, r, "sandbox", &err);
	}
	if (r < 0) {
		snprintf(err.msg, sizeof(err.msg), "sandbox '%s' is %s, not Running", name, status);
		return fail(d, uuid, r, "sandbox", &err);
	}
	/* the sandbox's namespaces, and its volumes */
	cfg->join_ns = strdup(id);
	cfg->volumes_from = strdup(id);
	return cfg->join_ns && cfg->volumes_from ? 0 : -ENOMEM;
}

/*
 * Creates and starts one more engine container of the object (a private
 * sandbox, a capsule's sandbox or member), labelled with its role; its id
 * in *ret_id.
 */
static int start_labelled(struct zf_daemon *d, const struct snapshot *snap, const char *role,
			  int generation, const struct zf_container_config *cfg, char **ret_id,
			  struct zf_err *err)
{
	const struct zf_engine_ops *ops = d->engine->ops;
	struct zf_owner_labels owner = owner_labels(d, snap, role, generation);
	char *id = NULL;
	int r;

	r = ops->container_create(d->engine, cfg, &owner, &id, err);
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
static int sandbox_ready(struct zf_daemon *d, const char *uuid, struct zf_container_config *sb)
{
	int r = sandbox_config(d, uuid, sb);

	if (r < 0)
		return r;
	return d->opts.sandbox_image ? ensure_image(d, uuid, sb) : ensure_pause_image(d, uuid);
}

/*
 * sandbox=per-container: the container gets a sandbox of its own, the
 * sandbox spec's model: an infra container labelled with the container's
 * uuid and zunfs.role=sandbox, made and removed with it.
 */
static int private_sandbox(struct zf_daemon *d, const struct snapshot *snap,
			   struct zf_container_config *cfg)
{
	struct zf_container_config *sb = calloc(1, sizeof(*sb));
	struct zf_err err = { { 0 } };
	int r;

	r = sb ? sandbox_ready(d, snap->uuid, sb) : -ENOMEM;
	if (r < 0)
		goto out;
	set_state(d, snap->uuid, NULL, NULL, "sandbox_creating");
	r = start_labelled(d, snap, "sandbox", 0, sb, &cfg->join_ns, &err);
	if (r < 0)
		r = fail(d, snap->uuid, r, "making the container's sandbox", &err);
out:
	zf_container_config_free(sb);
	return r;
}

static int launch(struct zf_daemon *d, const char *uuid)
{
	const struct zf_engine_ops *ops = d->engine->ops;
	struct zf_container_spec *spec = NULL;
	struct zf_err err = { { 0 } };
	struct zf_spec_error serr;
	struct snapshot snap;
	_cleanup_free_ char *id = NULL;
	int r;

	r = snapshot_take(d, uuid, &snap);
	if (r < 0)
		return r;
	if (snap.deleting) {
		r = -ENOENT;
		goto out;
	}
	if (snap.parent[0]) {
		r = launch_member(d, &snap);
		goto out;
	}
	r = zf_spec_parse(snap.kind, snap.spec_text, strlen(snap.spec_text), &spec, &serr);
	if (r < 0) {
		snprintf(err.msg, sizeof(err.msg), "%s", serr.msg);
		r = fail(d, uuid, r, "spec", &err);
		goto out;
	}
	if (snap.kind == ZF_KIND_SANDBOX)
		r = sandbox_config(d, uuid, spec->cfg);
	else if (spec->sandbox)
		r = join_sandbox(d, uuid, spec->sandbox, spec->cfg);
	if (r < 0)
		goto out;
	r = spec_mounts(d, spec, spec->cfg, &err);
	if (r < 0) {
		r = fail(d, uuid, r, "volumes", &err);
		goto out;
	}
	if (snap.engine_id[0]) {
		/* a new spec for a launched container: rebuild it from scratch */
		set_state(d, uuid, NULL, NULL, "container_rebuilding");
		r = remove_containers(d, uuid, snap.engine_id, &err);
		if (r < 0) {
			r = fail(d, uuid, r, "removing the old container", &err);
			goto out;
		}
		zf_registry_set_engine_id(d->reg, uuid, "");
	}
	r = snap.kind == ZF_KIND_SANDBOX && !d->opts.sandbox_image ? ensure_pause_image(d, uuid)
								      : ensure_image(d, uuid, spec->cfg);
	if (r < 0)
		goto out;
	if (snap.kind == ZF_KIND_CONTAINER && !spec->sandbox &&
	    strcmp(d->opts.sandbox_mode, "per-container") == 0) {
		r = private_sandbox(d, &snap, spec->cfg);
		if (r < 0)
			goto out;
	}

	set_state(d, uuid, NULL, NULL, "container_creating");
	{
		struct zf_owner_labels owner = owner_labels(d, &snap, NULL, 0);

		r = ops->container_create(d->engine, spec->cfg, &owner, &id, &err);
	}
	if (r < 0) {
		r = fail(d, uuid, r, "creating the container", &err);
		goto out;
	}
	zf_registry_set_engine_id(d->reg, uuid, id);
	set_state(d, uuid, "Created", "", "container_starting");

	r = ops->container_start(d->engine, id, &err);
	if (r < 0) {
		r = fail(d, uuid, r, "starting the container", &err);
		goto out;
	}
	/* the engine's state first, then the task ends: an until/ reader never sees
	 * a settled "Created" with no task in between */
	r = refresh(d, uuid, id, false);
	set_state(d, uuid, NULL, NULL, "");
out:
	zf_container_spec_free(spec);
	free(snap.spec_text);
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
	struct snapshot snap;
	struct zf_ctl c;
	int r;

	r = snapshot_take(d, uuid, &snap);
	if (r < 0)
		return r;
	free(snap.spec_text);
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
	refresh(d, uuid, snap.engine_id, false);
	set_state(d, uuid, NULL, NULL, "");
	if (r < 0) {
		char reason[ZF_ERR_MSG_MAX + 32];

		snprintf(reason, sizeof(reason), "%s: %s", line, err.msg[0] ? err.msg : strerror(-r));
		set_state(d, uuid, NULL, reason, NULL);
	}
	return r;
}

/* rmdir: the object's log, and its members' if it is a capsule. */
static void forget_logs(struct zf_daemon *d, const char *uuid)
{
	char (*members)[ZF_UUID_LEN + 1] = NULL;
	size_t n = 0;

	zf_registry_lock(d->reg);
	for (struct zf_object *o = zf_registry_first_locked(d->reg); o; o = o->next) {
		void *a;

		if (strcmp(o->rec.parent, uuid) != 0 || !(a = realloc(members, (n + 1) * sizeof(*members))))
			continue;
		members = a;
		memcpy(members[n++], o->rec.uuid, sizeof(*members));
	}
	zf_registry_unlock(d->reg);
	for (size_t i = 0; i < n; i++)
		zf_logs_forget(d->logs, members[i]);
	zf_logs_forget(d->logs, uuid);
	free(members);
}

static int delete_object(struct zf_daemon *d, const char *uuid)
{
	struct zf_err err = { { 0 } };
	struct snapshot snap;
	struct zf_object *obj;
	int r = 0;

	r = snapshot_take(d, uuid, &snap);
	if (r < 0)
		return r;
	free(snap.spec_text);
	for (int i = 0; i < REMOVE_TRIES; i++) {
		r = snap.kind == ZF_KIND_VOLUME ? zf_volume_jobs_remove(d, uuid, &err)
						: remove_containers(d, uuid, snap.engine_id, &err);
		if (r == 0)
			break;
		sleep(1);
	}
	if (r == 0 && d->logs)
		forget_logs(d, uuid);
	zf_registry_lock(d->reg);
	obj = zf_registry_find_uuid_locked(d->reg, uuid);
	if (obj && r == 0) {
		r = zf_registry_remove_locked(d->reg, obj);
	} else if (obj) {
		char reason[ZF_ERR_MSG_MAX + 64];

		syslog(LOG_WARNING, "zunfs: cannot remove %s/%s: %s", zf_kind_dir(snap.kind),
		       snap.name, err.msg);
		snprintf(reason, sizeof(reason), "rmdir failed, the engine said: %s", err.msg);
		/* give the name back if nobody took it, so the user sees why */
		if (!zf_registry_find_locked(d->reg, obj->rec.kind, obj->rec.name))
			obj->rec.deleting = false;
		zf_registry_set_state_locked(d->reg, obj, "Error", reason, "");
		zf_volumes_recount_locked(d->reg); /* back, with what it uses */
	}
	zf_registry_unlock(d->reg);
	return r;
}

/* ---- capsules: a sandbox, init containers in order, then the members ---- */

/* How long an init container may run before the capsule fails. */
#define INIT_TIMEOUT_S 600

/* Appends one label to cfg. */
static int add_label(struct zf_container_config *cfg, const char *key, const char *value)
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

/* Gives a capsule member's config what the capsule decides. */
static int member_config(const struct zf_capsule_spec *c, const char *sandbox_id,
			 const char *capsule_name, struct zf_container_config *cfg, bool init)
{
	int r = 0;

	cfg->join_ns = strdup(sandbox_id);
	if (!cfg->join_ns)
		return -ENOMEM;
	snprintf(cfg->restart_policy, sizeof(cfg->restart_policy), "%s",
		 init ? "no" : c->restart_policy);
	/* the capsule's labels, then zunfs's: which capsule, which generation */
	for (size_t i = 0; i < c->n_labels && r == 0; i++)
		r = add_label(cfg, c->labels[i].key, c->labels[i].value);
	if (r == 0)
		r = add_label(cfg, "zunfs.capsule", capsule_name);
	if (r == 0)
		r = add_label(cfg, ZF_LABEL_GROUP, sandbox_id);
	return r;
}

/*
 * Makes the capsule's member records those of spec c: one per container,
 * kept (with its logs) when the name stays, none for the rest (members
 * added with mkdir too: a generation is what its spec says). fresh: a
 * launch from nothing, every member waits for its container (Creating).
 */
static int sync_members(struct zf_daemon *d, const char *uuid, const struct zf_capsule_spec *c,
			bool fresh)
{
	char (*gone)[ZF_UUID_LEN + 1] = NULL;
	struct zf_object *cap, *m;
	size_t n_gone = 0;
	int r = 0;

	zf_registry_lock(d->reg);
	cap = zf_registry_find_uuid_locked(d->reg, uuid);
	if (!cap) {
		zf_registry_unlock(d->reg);
		return -ENOENT;
	}
	/* records whose name the spec does not have: removed */
	for (struct zf_object *o = zf_registry_first_locked(d->reg); o;) {
		bool keep = false;

		if (strcmp(o->rec.parent, uuid) != 0) {
			o = o->next;
			continue;
		}
		for (size_t i = 0; i < c->n_containers && !keep; i++)
			keep = strcmp(c->containers[i].name, o->rec.name) == 0 && !o->rec.added;
		if (keep) {
			o = o->next;
			continue;
		}
		void *a = realloc(gone, (n_gone + 1) * sizeof(*gone));

		if (a) {
			gone = a;
			memcpy(gone[n_gone++], o->rec.uuid, sizeof(*gone));
		}
		zf_registry_remove_locked(d->reg, o);
		o = zf_registry_first_locked(d->reg); /* the list changed */
	}
	for (size_t i = 0; i < c->n_containers && r == 0; i++) {
		const struct zf_capsule_member *cm = &c->containers[i];
		struct zf_container_spec *spec = NULL;
		struct zf_spec_error e;

		m = zf_registry_find_member_locked(d->reg, uuid, cm->name);
		if (!m) {
			r = zf_registry_create_member_locked(d->reg, cap, cm->name, cm->text, false, &m);
			if (r == 0)
				r = zf_registry_set_state_locked(d->reg, m, NULL, NULL,
								 "container_creating");
			continue;
		}
		/* the member's spec is its entry in the capsule's spec in force */
		if (strcmp(m->rec.spec, cm->text) != 0 &&
		    zf_spec_parse_member(cm->text, strlen(cm->text), &spec, NULL, &e) == 0) {
			char *text = strdup(cm->text);

			if (text) {
				free(m->rec.spec);
				m->rec.spec = text;
				zf_container_spec_free(m->spec);
				m->spec = spec;
				spec = NULL;
			}
			zf_container_spec_free(spec);
		}
		if (fresh) {
			m->rec.engine_id[0] = '\0';
			r = zf_registry_set_state_locked(d->reg, m, "Creating", "",
							 "container_creating");
		} else {
			r = zf_registry_persist_locked(d->reg, m);
		}
	}
	zf_registry_unlock(d->reg);
	for (size_t i = 0; i < n_gone && d->logs; i++)
		zf_logs_forget(d->logs, gone[i]);
	free(gone);
	return r;
}

/* Waits for an init container to exit: 0 if it exited 0. */
static int wait_init(struct zf_daemon *d, const char *id, int *ret_code, struct zf_err *err)
{
	for (int i = 0; i < INIT_TIMEOUT_S * 4; i++) {
		struct zf_container_state st;
		int r = d->engine->ops->container_inspect(d->engine, id, &st, err);

		if (r < 0)
			return r;
		if (strcmp(st.status, "exited") == 0 || strcmp(st.status, "dead") == 0) {
			*ret_code = st.exit_code;
			return st.exit_code == 0 ? 0 : -ECHILD;
		}
		usleep(250 * 1000);
	}
	return zf_err_set(err, ETIMEDOUT, "still running after %d s", INIT_TIMEOUT_S);
}

/*
 * Removes the capsule's engine containers of one generation (keep == NULL:
 * all of them), or all but one generation (keep: the sandbox id to keep).
 */
static int remove_generation(struct zf_daemon *d, const char *uuid, const char *only,
			     const char *keep)
{
	const struct zf_engine_ops *ops = d->engine->ops;
	struct zf_container_summary *list = NULL;
	int n, r = 0;

	n = ops->container_list(d->engine, zf_store_instance(d->store), &list, NULL);
	if (n < 0)
		return n;
	stop_running(d, list, n, uuid, only, keep);
	for (int i = 0; i < n; i++) {
		/* a sandbox is its own generation; the others say theirs in a label */
		const char *gen = strcmp(list[i].role, "sandbox") == 0 ? list[i].id : list[i].group;

		if (strcmp(list[i].uuid, uuid) != 0)
			continue;
		if ((only && strcmp(gen, only) != 0) || (keep && strcmp(gen, keep) == 0))
			continue;
		if (ops->container_remove(d->engine, list[i].id, true, NULL) < 0 && r == 0)
			r = -EIO;
	}
	free(list);
	return r;
}

/* A member's volumeMounts name the capsule's volumes, which name volumes/. */
static int member_mounts(struct zf_daemon *d, const struct zf_capsule_spec *c,
			 struct zf_capsule_member *m, struct zf_err *err)
{
	for (size_t i = 0; i < m->spec->n_mounts; i++) {
		const struct zf_volume_mount *vm = &m->spec->mounts[i];
		const char *volume = NULL;
		int r;

		for (size_t j = 0; j < c->n_volumes && !volume; j++)
			if (strcmp(c->volumes[j].name, vm->name) == 0)
				volume = c->volumes[j].zunfs_volume;
		if (!volume) /* validated before launch: a cinder entry, refused there */
			return zf_err_set(err, EOPNOTSUPP, "volume '%s' is not a volumes/ volume",
					  vm->name);
		r = add_volume_mount(d, volume, vm->mount_path, vm->read_only, m->spec->cfg, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* The members' ports are exposed on the sandbox, which owns the network
 * they share (each port/protocol once). */
static int sandbox_ports(const struct zf_capsule_spec *c, struct zf_container_config *sb)
{
	for (size_t i = 0; i < c->n_containers; i++) {
		const struct zf_container_config *m = c->containers[i].spec->cfg;

		for (size_t j = 0; j < m->n_ports; j++) {
			struct zf_port *p;
			bool seen = false;

			for (size_t k = 0; k < sb->n_ports && !seen; k++)
				seen = sb->ports[k].container_port == m->ports[j].container_port &&
				       strcmp(sb->ports[k].protocol, m->ports[j].protocol) == 0;
			if (seen)
				continue;
			p = realloc(sb->ports, (sb->n_ports + 1) * sizeof(*p));
			if (!p)
				return -ENOMEM;
			sb->ports = p;
			sb->ports[sb->n_ports++] = m->ports[j];
		}
	}
	return 0;
}

/*
 * Makes one generation of the capsule: its sandbox, the init containers in
 * order (each to exit 0), then the members. On failure *ret_step says what
 * failed and err why; what was made is left for the caller to remove.
 */
static int start_generation(struct zf_daemon *d, const struct snapshot *snap,
			    struct zf_capsule_spec *c, int generation, char **ret_sandbox,
			    char *step, size_t step_size, struct zf_err *err)
{
	struct zf_container_config *sb = calloc(1, sizeof(*sb));
	char *id = NULL, role[ZF_NAME_MAX + 16], gen[16];
	int r, code = 0;

	snprintf(step, step_size, "the capsule's sandbox");
	snprintf(gen, sizeof(gen), "%d", generation);
	r = sb ? sandbox_ready(d, snap->uuid, sb) : -ENOMEM;
	if (r == 0)
		r = add_label(sb, ZF_LABEL_GENERATION, gen);
	if (r == 0)
		r = sandbox_ports(c, sb);
	if (r == 0) {
		set_state(d, snap->uuid, NULL, NULL, "sandbox_creating");
		r = start_labelled(d, snap, "sandbox", generation, sb, ret_sandbox, err);
	}
	zf_container_config_free(sb);
	if (r < 0)
		return r;
	for (size_t i = 0; i < c->n_init_containers; i++) {
		struct zf_capsule_member *m = &c->init_containers[i];

		snprintf(step, step_size, "init container %s", m->name);
		set_state(d, snap->uuid, NULL, NULL, "init_container_running");
		r = member_config(c, *ret_sandbox, snap->name, m->spec->cfg, true);
		if (r == 0)
			r = member_mounts(d, c, m, err);
		if (r == 0)
			r = image_ready(d, snap->uuid, m->spec->cfg, err);
		snprintf(role, sizeof(role), "init.%s", m->name);
		if (r == 0)
			r = start_labelled(d, snap, role, generation, m->spec->cfg, &id, err);
		if (r == 0)
			r = wait_init(d, id, &code, err);
		free(id);
		id = NULL;
		if (r == -ECHILD)
			snprintf(err->msg, sizeof(err->msg), "exited with code %d", code);
		if (r < 0)
			return r;
	}
	set_state(d, snap->uuid, NULL, NULL, "container_creating");
	for (size_t i = 0; i < c->n_containers; i++) {
		struct zf_capsule_member *m = &c->containers[i];

		snprintf(step, step_size, "container %s", m->name);
		r = member_config(c, *ret_sandbox, snap->name, m->spec->cfg, false);
		if (r == 0)
			r = member_mounts(d, c, m, err);
		if (r == 0)
			r = image_ready(d, snap->uuid, m->spec->cfg, err);
		snprintf(role, sizeof(role), "member.%s", m->name);
		if (r == 0)
			r = start_labelled(d, snap, role, generation, m->spec->cfg, &id, err);
		free(id);
		id = NULL;
		if (r < 0)
			return r;
	}
	return 0;
}

/* The members of generation `sandbox` that do not run (yet): how many. */
static int members_not_running(struct zf_daemon *d, const char *uuid, const char *sandbox,
			       char *first, size_t first_size)
{
	const struct zf_engine_ops *ops = d->engine->ops;
	struct zf_container_summary *list = NULL;
	int n, bad = 0;

	n = ops->container_list(d->engine, zf_store_instance(d->store), &list, NULL);
	for (int i = 0; i < n; i++) {
		struct zf_container_state st;

		if (strcmp(list[i].uuid, uuid) != 0 || strncmp(list[i].role, "member.", 7) != 0 ||
		    strcmp(list[i].group, sandbox) != 0)
			continue;
		if (ops->container_inspect(d->engine, list[i].id, &st, NULL) == 0 &&
		    (strcmp(st.status, "running") == 0 ||
		     (strcmp(st.status, "exited") == 0 && st.exit_code == 0)))
			continue;
		if (!bad++)
			snprintf(first, first_size, "container %s is %s (exit code %d)",
				 list[i].role + 7, st.status, st.exit_code);
	}
	free(list);
	return n < 0 ? n : bad;
}

/*
 * LAUNCH of a container added to a running capsule (mkdir
 * capsules/NAME/containers/NEW, then its spec.yaml): it joins the capsule's
 * sandbox with the capsule's labels and restart policy, labelled a member of
 * the generation in force, so the capsule's status, upgrade and rmdir take
 * it in like the spec's own. Written again, it is rebuilt.
 */
static int launch_member(struct zf_daemon *d, const struct snapshot *snap)
{
	const struct zf_engine_ops *ops = d->engine->ops;
	struct zf_container_spec *spec = NULL;
	struct zf_capsule_spec *c = NULL;
	struct snapshot cap = { .spec_text = NULL };
	struct zf_err err = { { 0 } };
	struct zf_spec_error serr;
	struct zf_object *obj;
	char role[ZF_NAME_MAX + 16], *id = NULL;
	int r, generation = 0;
	bool running = false;

	r = zf_spec_parse_member(snap->spec_text, strlen(snap->spec_text), &spec, NULL, &serr);
	if (r < 0) {
		snprintf(err.msg, sizeof(err.msg), "%s", serr.msg);
		r = fail(d, snap->uuid, r, "spec", &err);
		goto out;
	}
	r = snapshot_take(d, snap->parent, &cap);
	zf_registry_lock(d->reg);
	obj = zf_registry_find_uuid_locked(d->reg, snap->parent);
	if (obj) {
		generation = obj->generation;
		running = !obj->rec.deleting && strcmp(obj->rec.status, "Running") == 0 &&
			  obj->rec.engine_id[0];
	}
	zf_registry_unlock(d->reg);
	if (r < 0 || !running) {
		snprintf(err.msg, sizeof(err.msg), "the capsule is not Running");
		r = fail(d, snap->uuid, -EBUSY, "joining the capsule", &err);
		goto out;
	}
	r = zf_spec_parse_capsule(cap.spec_text, strlen(cap.spec_text), &c, &serr);
	if (r == 0)
		r = member_config(c, cap.engine_id, cap.name, spec->cfg, false);
	if (r < 0) {
		r = fail(d, snap->uuid, r, "the capsule's spec", &err);
		goto out;
	}
	if (snap->engine_id[0]) {
		/* written again: this container alone is rebuilt (its labels are the
		 * capsule's, so remove it by id) */
		ops->container_stop(d->engine, snap->engine_id, STOP_GRACE_S, NULL);
		r = ops->container_remove(d->engine, snap->engine_id, true, &err);
		if (r < 0 && r != -ENOENT) {
			r = fail(d, snap->uuid, r, "removing the old container", &err);
			goto out;
		}
		zf_registry_set_engine_id(d->reg, snap->uuid, "");
	}
	r = ensure_image(d, snap->uuid, spec->cfg);
	if (r < 0)
		goto out;
	set_state(d, snap->uuid, NULL, NULL, "container_creating");
	snprintf(role, sizeof(role), "member.%s", snap->name);
	r = start_labelled(d, &cap, role, generation, spec->cfg, &id, &err);
	if (r < 0) {
		r = fail(d, snap->uuid, r, "starting the container", &err);
		goto out;
	}
	zf_registry_lock(d->reg);
	obj = zf_registry_find_uuid_locked(d->reg, snap->parent);
	running = obj && !obj->rec.deleting && strcmp(obj->rec.engine_id, cap.engine_id) == 0;
	zf_registry_unlock(d->reg);
	if (!running) {
		/* the capsule went (rmdir) or changed generation meanwhile: take it back */
		ops->container_remove(d->engine, id, true, NULL);
		snprintf(err.msg, sizeof(err.msg), "the capsule changed while it started");
		r = fail(d, snap->uuid, -EBUSY, "joining the capsule", &err);
		goto out;
	}
	zf_registry_set_engine_id(d->reg, snap->uuid, id);
	/* the capsule's view takes the new member in (its state, its logs) */
	r = refresh_capsule(d, cap.uuid);
	set_state(d, snap->uuid, NULL, NULL, "");
out:
	free(id);
	free(cap.spec_text);
	zf_capsule_spec_free(c);
	zf_container_spec_free(spec);
	return r;
}

/* How long an upgrade waits for the new generation to run before rolling back. */
#define UPGRADE_SETTLE_S 2

/*
 * LAUNCH of a capsule. A first launch (or one a crash cut short) starts from
 * nothing. An upgrade (arg "upgrade": a new spec for a running capsule)
 * launches the new generation beside the old, waits for it to run, then
 * removes the old; if the new one fails, it is removed, the old keeps
 * running and its spec stays in force (rollback).
 */
static int launch_capsule(struct zf_daemon *d, const char *uuid, bool upgrade)
{
	struct zf_capsule_spec *c = NULL;
	struct zf_err err = { { 0 } };
	struct zf_spec_error serr;
	struct snapshot snap = { .spec_text = NULL };
	char *sandbox_id = NULL, step[ZF_NAME_MAX + 64], *text = NULL;
	struct zf_object *obj;
	int r, generation = 1;

	r = snapshot_take(d, uuid, &snap);
	if (r < 0)
		goto out;
	zf_registry_lock(d->reg);
	obj = zf_registry_find_uuid_locked(d->reg, uuid);
	upgrade = upgrade && obj && obj->pending_spec && snap.engine_id[0];
	if (obj) {
		text = strdup(upgrade ? obj->pending_spec : obj->rec.spec);
		generation = obj->generation + 1;
	}
	zf_registry_unlock(d->reg);
	if (!text) {
		r = -ENOMEM;
		goto out;
	}
	r = zf_spec_parse_capsule(text, strlen(text), &c, &serr);
	if (r < 0) {
		snprintf(err.msg, sizeof(err.msg), "%s", serr.msg);
		r = fail_capsule(d, uuid, r, "spec", &err);
		goto out;
	}
	if (!upgrade) {
		set_state(d, uuid, "Starting", "", "capsule_creating");
		/* a relaunch (a replaced spec, or after a crash) starts from nothing */
		r = remove_containers(d, uuid, snap.engine_id, &err);
		if (r < 0) {
			r = fail_capsule(d, uuid, r, "removing the capsule's old containers", &err);
			goto out;
		}
		zf_registry_set_engine_id(d->reg, uuid, "");
		r = sync_members(d, uuid, c, true);
		if (r < 0) {
			r = fail_capsule(d, uuid, r, "recording the capsule's containers", &err);
			goto out;
		}
	}
	r = start_generation(d, &snap, c, generation, &sandbox_id, step, sizeof(step), &err);
	if (r == 0 && upgrade) {
		/* the new generation must run before the old one goes */
		sleep(UPGRADE_SETTLE_S);
		if (members_not_running(d, uuid, sandbox_id, err.msg, sizeof(err.msg)) != 0) {
			snprintf(step, sizeof(step), "the new capsule");
			r = -EIO;
		}
	}
	if (r < 0 && upgrade) {
		char reason[ZF_ERR_MSG_MAX + 200];

		remove_generation(d, uuid, sandbox_id ? sandbox_id : "", NULL);
		snprintf(reason, sizeof(reason),
			 "upgrade rolled back: %s: %s; the previous capsule keeps running", step,
			 err.msg[0] ? err.msg : strerror(-r));
		zf_registry_lock(d->reg);
		obj = zf_registry_find_uuid_locked(d->reg, uuid);
		if (obj) {
			free(obj->pending_spec);
			obj->pending_spec = NULL;
			zf_capsule_spec_free(obj->pending_capsule);
			obj->pending_capsule = NULL;
			zf_registry_set_state_locked(d->reg, obj, NULL, reason, "");
			zf_volumes_recount_locked(d->reg); /* what only the new spec used */
		}
		zf_registry_unlock(d->reg);
		goto out;
	}
	if (r < 0) {
		if (sandbox_id) /* rmdir removes it by uuid anyway */
			zf_registry_set_engine_id(d->reg, uuid, sandbox_id);
		r = fail_capsule(d, uuid, r, step, &err);
		refresh_capsule(d, uuid); /* the members say why they have no container */
		goto out;
	}
	if (upgrade)
		remove_generation(d, uuid, NULL, sandbox_id);
	zf_registry_lock(d->reg);
	obj = zf_registry_find_uuid_locked(d->reg, uuid);
	if (obj) {
		if (upgrade && obj->pending_spec) {
			free(obj->rec.spec);
			obj->rec.spec = TAKE_PTR(obj->pending_spec);
			zf_capsule_spec_free(obj->capsule);
			obj->capsule = TAKE_PTR(obj->pending_capsule);
			zf_volumes_recount_locked(d->reg); /* what only the old spec used */
		}
		obj->generation = generation;
		snprintf(obj->rec.engine_id, sizeof(obj->rec.engine_id), "%s", sandbox_id);
		zf_registry_persist_locked(d->reg, obj);
	}
	zf_registry_unlock(d->reg);
	if (upgrade)
		sync_members(d, uuid, c, false); /* the new generation's members */
	set_state(d, uuid, NULL, upgrade ? "" : NULL, "");
	r = refresh_capsule(d, uuid);
out:
	free(text);
	free(snap.spec_text);
	free(sandbox_id);
	zf_capsule_spec_free(c);
	return r;
}

/*
 * The member records follow their containers of the generation in force
 * (members[i] with its engine state states[i]): engine ids, states, logs.
 * A record whose container is not there says why, once no launch is under
 * way.
 */
static void follow_members(struct zf_daemon *d, const char *uuid,
			   const struct zf_member_state *members,
			   const struct zf_container_state *states, size_t nm)
{
	char (*apply)[ZF_UUID_LEN + 1] = calloc(nm + 1, sizeof(*apply));
	struct zf_object *cap;
	bool launching;

	if (!apply)
		return;
	zf_registry_lock(d->reg);
	cap = zf_registry_find_uuid_locked(d->reg, uuid);
	launching = !cap || cap->rec.deleting || cap->rec.task_state[0] ||
		    strcmp(cap->rec.status, "Pending") == 0;
	for (struct zf_object *o = zf_registry_first_locked(d->reg); cap && o; o = o->next) {
		size_t i;

		if (strcmp(o->rec.parent, uuid) != 0 || o->rec.deleting)
			continue;
		for (i = 0; i < nm && strcmp(members[i].name, o->rec.name) != 0; i++)
			;
		if (i < nm) {
			/* a member's launch is over once its container started, or once the
			 * capsule's launch is; one added by mkdir is its own job's to end (a
			 * refresh between its create and start must not end it at Created) */
			bool done = !o->rec.added &&
				    strcmp(o->rec.task_state, "container_creating") == 0 &&
				    (strcmp(states[i].status, "created") != 0 || !launching);

			if (strcmp(o->rec.engine_id, states[i].id) != 0 || done) {
				snprintf(o->rec.engine_id, sizeof(o->rec.engine_id), "%s", states[i].id);
				zf_registry_set_state_locked(d->reg, o, NULL, NULL, done ? "" : NULL);
			}
			memcpy(apply[i], o->rec.uuid, sizeof(*apply));
			continue;
		}
		/* no container: a launch of the capsule still under way, a member added
		 * by mkdir that waits for its spec or for its own launch job, or one
		 * that said so already */
		if (launching || (o->rec.added && o->rec.task_state[0]) ||
		    strcmp(o->rec.status, "Empty") == 0 || strcmp(o->rec.status, "Error") == 0)
			continue;
		char reason[300];

		snprintf(reason, sizeof(reason), "%s (the capsule is %s%s%s)",
			 o->rec.engine_id[0] ? "its container is gone from the engine"
					     : "its container was not made",
			 cap->rec.status, cap->rec.status_reason[0] ? ": " : "",
			 cap->rec.status_reason);
		o->rec.engine_id[0] = '\0';
		zf_registry_set_state_locked(d->reg, o, "Error", reason, "");
	}
	zf_registry_unlock(d->reg);
	for (size_t i = 0; i < nm; i++)
		if (apply[i][0])
			zf_lifecycle_apply_state(d, apply[i], &states[i]);
	free(apply);
}

/*
 * Lock held. The capsule's word for its members' engine states; a member of
 * its spec that has no container once the launch is over was removed behind
 * zunfs's back, and counts as such (the capsule is not Running without it).
 */
static const char *capsule_status_locked(struct zf_daemon *d, const struct zf_object *cap,
					 const struct zf_member_state *members, size_t nm,
					 const char *policy, char *reason, size_t reason_size)
{
	struct zf_member_state *all;
	const char *status;
	size_t n = nm, records = 0;

	for (struct zf_object *o = zf_registry_first_locked(d->reg); o; o = o->next)
		records += strcmp(o->rec.parent, cap->rec.uuid) == 0;
	all = calloc(nm + records + 1, sizeof(*all));
	if (!all)
		return zf_capsule_status(members, nm, policy, reason, reason_size);
	memcpy(all, members, nm * sizeof(*all));
	for (struct zf_object *o = zf_registry_first_locked(d->reg); o; o = o->next) {
		bool found = false;

		if (strcmp(o->rec.parent, cap->rec.uuid) != 0 || o->rec.added || o->rec.deleting ||
		    strcmp(cap->rec.status, "Pending") == 0)
			continue;
		for (size_t i = 0; i < nm && !found; i++)
			found = strcmp(members[i].name, o->rec.name) == 0;
		if (!found)
			all[n++] = (struct zf_member_state){ .name = o->rec.name,
							     .engine_status = "removed from the engine",
							     .exit_code = -1 };
	}
	status = zf_capsule_status(all, n, policy, reason, reason_size);
	free(all);
	return status;
}

/* The capsule's status from its members' states in the engine. */
static int refresh_capsule(struct zf_daemon *d, const char *uuid)
{
	const struct zf_engine_ops *ops = d->engine->ops;
	struct zf_container_summary *list = NULL;
	struct zf_member_state *members = NULL;
	struct zf_container_state *states = NULL;
	struct zf_err err = { { 0 } };
	struct zf_object *obj;
	char policy[16] = "always", reason[300], current[72];
	const char *status;
	size_t nm = 0;
	int n, r = 0, generation = 0;
	bool strays = false;

	n = ops->container_list(d->engine, zf_store_instance(d->store), &list, &err);
	if (n < 0)
		return n;
	members = calloc((size_t)n + 1, sizeof(*members));
	states = calloc((size_t)n + 1, sizeof(*states));
	if (!members || !states) {
		r = -ENOMEM;
		goto out;
	}
	zf_registry_lock(d->reg);
	obj = zf_registry_find_uuid_locked(d->reg, uuid);
	snprintf(current, sizeof(current), "%s", obj ? obj->rec.engine_id : "");
	zf_registry_unlock(d->reg);
	for (int i = 0; i < n; i++) {
		if (strcmp(list[i].uuid, uuid) == 0 && strcmp(list[i].id, current) == 0)
			generation = list[i].generation;
		/* members of the generation in force (an upgrade's new one is not yet) */
		if (strcmp(list[i].uuid, uuid) != 0 || strncmp(list[i].role, "member.", 7) != 0 ||
		    strcmp(list[i].group, current) != 0)
			continue;
		if (ops->container_inspect(d->engine, list[i].id, &states[nm], NULL) < 0)
			continue; /* gone meanwhile: it will say so in an event */
		members[nm].name = list[i].role + 7;
		members[nm].engine_status = states[nm].status;
		members[nm].exit_code = states[nm].exit_code;
		nm++;
	}
	zf_registry_lock(d->reg);
	obj = zf_registry_find_uuid_locked(d->reg, uuid);
	if (obj && generation)
		obj->generation = generation;
	/* no launch or upgrade under way: other generations are strays (an upgrade
	 * that a crash cut short), removed below */
	strays = obj && !obj->rec.deleting && !obj->rec.task_state[0] && !obj->pending_spec &&
		 current[0];
	if (obj && !obj->rec.deleting && !obj->rec.task_state[0]) {
		if (obj->capsule)
			snprintf(policy, sizeof(policy), "%s", obj->capsule->restart_policy);
		status = capsule_status_locked(d, obj, members, nm, policy, reason, sizeof(reason));
		/* why the last upgrade did not take stays until something else is said */
		if (!reason[0] && strcmp(status, obj->rec.status) == 0 &&
		    (strncmp(obj->rec.status_reason, "upgrade rolled back:", 20) == 0 ||
		     strncmp(obj->rec.status_reason, "an upgrade was cut short", 24) == 0))
			snprintf(reason, sizeof(reason), "%s", obj->rec.status_reason);
		/* Failed is for good until a new spec: a launch that failed (some
		 * members may run), a member that failed under Never, a capsule the
		 * engine lost; what ran since does not make it whole again */
		if (strcmp(obj->rec.status, "Failed") != 0)
			zf_registry_engine_state_locked(d->reg, obj, status, reason);
	}
	zf_registry_unlock(d->reg);
	follow_members(d, uuid, members, states, nm);
	if (strays)
		remove_generation(d, uuid, NULL, current);
out:
	free(members);
	free(states);
	free(list);
	return r;
}

int zf_lifecycle_run(struct zf_daemon *d, enum zf_job_op op, const char *uuid, const char *arg)
{
	struct snapshot snap;
	int r;

	switch (op) {
	case ZF_JOB_LAUNCH:
		r = snapshot_take(d, uuid, &snap);
		if (r < 0)
			return r;
		free(snap.spec_text);
		if (snap.kind == ZF_KIND_VOLUME)
			return zf_volume_jobs_launch(d, uuid);
		return snap.kind == ZF_KIND_CAPSULE ? launch_capsule(d, uuid, strcmp(arg, "upgrade") == 0)
						    : launch(d, uuid);
	case ZF_JOB_CTL:
		return ctl(d, uuid, arg);
	case ZF_JOB_DELETE:
		return delete_object(d, uuid);
	case ZF_JOB_REFRESH:
		r = snapshot_take(d, uuid, &snap);
		if (r < 0)
			return r;
		free(snap.spec_text);
		/* An operation in flight owns the state and reads the engine at its
		 * end: a refresh queued before it (an event of the container it
		 * replaces) would say Running of the old one while a rebuild is
		 * under way. */
		if (task_in_flight(d, uuid))
			return 0;
		/* it writes what the engine says, which reconcile reads again after a
		 * crash: no fsync (docs/design.md, "Where state lives") */
		zf_store_thread_durable(false);
		if (snap.kind == ZF_KIND_VOLUME)
			r = zf_volume_jobs_refresh(d, uuid);
		else if (snap.kind == ZF_KIND_CAPSULE)
			r = refresh_capsule(d, uuid);
		else
			r = refresh(d, uuid, snap.engine_id, true);
		zf_store_thread_durable(true);
		return r;
	}
	return -EINVAL;
}
