/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The kinds' decision paths without FUSE or an engine: a real registry over
 * an in-memory store, the generic verbs (fs/actions.c) and the jobs
 * (fs/lifecycle.c through the kind table) against a fake engine ops table
 * that keeps its containers in memory and fails where told. Launch,
 * rebuild, upgrade and rollback, delete with retries, and reconcile.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../fs/actions.h"
#include "../../fs/engine_steps.h"
#include "../../fs/jobs.h"
#include "../../fs/lifecycle.h"
#include "../../fs/reconcile.h"
#include "../../fs/tempfiles.h"

#define MAX_CONTAINERS 32

struct fake_container {
	char id[72];
	char image[64];
	char state[16]; /* engine words */
	int exit_code;
	char uuid[40], kind[16], name[72], role[80], group[72];
	char generation[16];
	bool removed;
	char health[16]; /* what its check is said to be; "" without one */
	int runs; /* starts so far: its StartedAt */
};

/* An engine that keeps containers in memory and answers as told. */
struct fake_engine {
	struct zf_engine base;
	struct fake_container c[MAX_CONTAINERS];
	int n, next_id;
	char instance[40];
	/* how to answer */
	const char *fail_create_image; /* create of this image fails */
	int fail_start; /* the next start fails */
	int fail_remove; /* removes fail this many times (-1: always) */
	int removes, creates; /* calls seen */
	bool pause_present; /* the sandbox image is there */
	int imports;
};

static struct fake_engine *fe(struct zf_engine *e)
{
	return (struct fake_engine *)e;
}

static struct fake_container *find(struct fake_engine *f, const char *id)
{
	for (int i = 0; i < f->n; i++)
		if (!f->c[i].removed && strcmp(f->c[i].id, id) == 0)
			return &f->c[i];
	return NULL;
}

static int live(struct fake_engine *f)
{
	int n = 0;

	for (int i = 0; i < f->n; i++)
		n += !f->c[i].removed;
	return n;
}

static void fake_free(struct zf_engine *e)
{
	(void)e;
}

static int image_present(struct zf_engine *e, const char *ref, struct zf_err *err)
{
	if (strncmp(ref, "zunfs/pause:", 12) == 0 && !fe(e)->pause_present)
		return zf_err_set(err, ENOENT, "No such image: %s", ref);
	return 0;
}

static int image_import(struct zf_engine *e, const char *ref, const void *tar, size_t len,
			const char *const *changes, struct zf_err *err)
{
	(void)ref, (void)tar, (void)len, (void)changes, (void)err;
	fe(e)->pause_present = true;
	fe(e)->imports++;
	return 0;
}

static const char *label(const struct zf_container_config *cfg, const char *key)
{
	for (size_t i = 0; i < cfg->n_labels; i++)
		if (strcmp(cfg->labels[i].key, key) == 0)
			return cfg->labels[i].value;
	return "";
}

static int create(struct zf_engine *e, const struct zf_container_config *cfg,
		  const struct zf_owner_labels *owner, char **ret_id, struct zf_err *err)
{
	struct fake_engine *f = fe(e);
	struct fake_container *c;

	f->creates++;
	if (f->fail_create_image && strcmp(cfg->image, f->fail_create_image) == 0)
		return zf_err_set(err, ENOENT, "No such image: %s", cfg->image);
	assert_true(f->n < MAX_CONTAINERS);
	c = &f->c[f->n++];
	snprintf(c->id, sizeof(c->id), "c%04d", ++f->next_id);
	snprintf(c->image, sizeof(c->image), "%s", cfg->image);
	snprintf(c->state, sizeof(c->state), "created");
	snprintf(c->uuid, sizeof(c->uuid), "%s", owner->uuid);
	snprintf(c->kind, sizeof(c->kind), "%s", owner->kind);
	snprintf(c->name, sizeof(c->name), "%s", owner->name);
	for (size_t i = 0; i < owner->n_extra; i++)
		if (strcmp(owner->extra[i].key, "zunfs.role") == 0)
			snprintf(c->role, sizeof(c->role), "%s", owner->extra[i].value);
	snprintf(c->group, sizeof(c->group), "%s", label(cfg, ZF_LABEL_GROUP));
	snprintf(c->generation, sizeof(c->generation), "%s", label(cfg, ZF_LABEL_GENERATION));
	/* what it runs decides how it ends: `false` exits 1, `true` exits 0 */
	if (cfg->command && strcmp(cfg->command[0], "false") == 0)
		c->exit_code = 1;
	else if (cfg->command && strcmp(cfg->command[0], "true") == 0)
		c->exit_code = 0;
	else
		c->exit_code = -1;
	*ret_id = strdup(c->id);
	return 0;
}

static int start(struct zf_engine *e, const char *id, struct zf_err *err)
{
	struct fake_container *c = find(fe(e), id);

	if (!c)
		return zf_err_set(err, ENOENT, "No such container: %s", id);
	if (fe(e)->fail_start) {
		fe(e)->fail_start--;
		return zf_err_set(err, EIO, "OCI runtime create failed");
	}
	if (c->exit_code >= 0)
		snprintf(c->state, sizeof(c->state), "exited");
	else
		snprintf(c->state, sizeof(c->state), "running");
	c->runs++;
	return 0;
}

static int restart(struct zf_engine *e, const char *id, int timeout_s, struct zf_err *err)
{
	struct fake_container *c = find(fe(e), id);

	(void)timeout_s;
	if (!c)
		return zf_err_set(err, ENOENT, "No such container: %s", id);
	snprintf(c->state, sizeof(c->state), "running");
	if (c->health[0])
		snprintf(c->health, sizeof(c->health), "starting");
	c->runs++;
	return 0;
}

static int stop(struct zf_engine *e, const char *id, int timeout_s, struct zf_err *err)
{
	struct fake_container *c = find(fe(e), id);

	(void)timeout_s;
	if (!c)
		return zf_err_set(err, ENOENT, "No such container: %s", id);
	snprintf(c->state, sizeof(c->state), "exited");
	c->exit_code = 143;
	if (c->health[0])
		snprintf(c->health, sizeof(c->health), "unhealthy"); /* as dockerd says */
	return 0;
}

static int remove_(struct zf_engine *e, const char *id, bool force, struct zf_err *err)
{
	struct fake_engine *f = fe(e);
	struct fake_container *c = find(f, id);

	(void)force;
	f->removes++;
	if (f->fail_remove) {
		if (f->fail_remove > 0)
			f->fail_remove--;
		return zf_err_set(err, EBUSY, "removal of container %s is already in progress", id);
	}
	if (!c)
		return zf_err_set(err, ENOENT, "No such container: %s", id);
	c->removed = true;
	return 0;
}

static int inspect(struct zf_engine *e, const char *id, struct zf_container_state *st,
		   struct zf_err *err)
{
	struct fake_container *c = find(fe(e), id);

	if (!c)
		return zf_err_set(err, ENOENT, "No such container: %s", id);
	memset(st, 0, sizeof(*st));
	snprintf(st->id, sizeof(st->id), "%s", c->id);
	snprintf(st->status, sizeof(st->status), "%s", c->state);
	st->exit_code = c->exit_code < 0 ? 0 : c->exit_code;
	snprintf(st->started_at, sizeof(st->started_at), "2026-11-30T00:00:%02dZ", c->runs % 60);
	snprintf(st->uuid, sizeof(st->uuid), "%s", c->uuid);
	snprintf(st->health.status, sizeof(st->health.status), "%s", c->health);
	return 0;
}

static void add_label(struct zf_container_summary *s, const char *key, const char *value)
{
	if (!value[0])
		return;
	snprintf(s->labels[s->n_labels].key, sizeof(s->labels[0].key), "%s", key);
	snprintf(s->labels[s->n_labels].value, sizeof(s->labels[0].value), "%s", value);
	s->n_labels++;
}

static int list(struct zf_engine *e, const char *instance, struct zf_container_summary **ret,
		struct zf_err *err)
{
	struct fake_engine *f = fe(e);
	struct zf_container_summary *l = calloc(MAX_CONTAINERS + 1, sizeof(*l));
	int n = 0;

	(void)err;
	assert_string_equal(instance, f->instance);
	for (int i = 0; i < f->n; i++) {
		const struct fake_container *c = &f->c[i];

		if (c->removed)
			continue;
		snprintf(l[n].id, sizeof(l[n].id), "%s", c->id);
		snprintf(l[n].uuid, sizeof(l[n].uuid), "%s", c->uuid);
		snprintf(l[n].instance, sizeof(l[n].instance), "%s", instance);
		snprintf(l[n].kind, sizeof(l[n].kind), "%s", c->kind);
		snprintf(l[n].name, sizeof(l[n].name), "%s", c->name);
		snprintf(l[n].state, sizeof(l[n].state), "%s", c->state);
		/* as the engine's listing: the labels zunfs.* beyond the owner's */
		add_label(&l[n], ZF_LABEL_ROLE, c->role);
		add_label(&l[n], ZF_LABEL_GROUP, c->group);
		add_label(&l[n], ZF_LABEL_GENERATION, c->generation);
		n++;
	}
	*ret = l;
	return n;
}

static const struct zf_engine_ops fake_ops = {
	.name = "fake",
	.free = fake_free,
	.image_present = image_present,
	.image_import = image_import,
	.container_create = create,
	.container_start = start,
	.container_stop = stop,
	.container_restart = restart,
	.container_remove = remove_,
	.container_inspect = inspect,
	.container_list = list,
};

/* Jobs are written down, not run: each test runs the one it means. */
struct queued {
	int op;
	char uuid[ZF_UUID_LEN + 1];
	char arg[ZF_JOB_ARG_MAX];
};

struct world {
	struct zf_daemon d;
	struct fake_engine engine;
	struct queued q[16];
	int nq;
	pthread_mutex_t lock;
};

static int record(void *ctx, int op, const char *uuid, const char *arg)
{
	struct world *w = ctx;

	if (op < 0)
		return 0; /* sync(): every job queued before it is written down */
	pthread_mutex_lock(&w->lock);
	if (w->nq < 16) {
		w->q[w->nq].op = op;
		snprintf(w->q[w->nq].uuid, sizeof(w->q[0].uuid), "%s", uuid);
		snprintf(w->q[w->nq].arg, sizeof(w->q[0].arg), "%s", arg ? arg : "");
		w->nq++;
	}
	pthread_mutex_unlock(&w->lock);
	return 0;
}

static int setup(void **state)
{
	struct world *w = calloc(1, sizeof(*w));

	pthread_mutex_init(&w->lock, NULL);
	assert_int_equal(zf_store_open(":memory:", &w->d.store), 0);
	assert_int_equal(zf_eventlog_new(64, &w->d.events), 0);
	assert_int_equal(zf_registry_new(w->d.store, w->d.events, &w->d.reg), 0);
	assert_int_equal(zf_tempfiles_new(&w->d.temps), 0);
	assert_int_equal(zf_jobs_new(record, w, &w->d.stopping, 1, &w->d.jobs), 0);
	w->engine.base.ops = &fake_ops;
	snprintf(w->engine.instance, sizeof(w->engine.instance), "%s",
		 zf_store_instance(w->d.store));
	w->d.engine = &w->engine.base;
	w->d.opts.sandbox_mode = (char *)"shared";
	w->d.opts.docker = (char *)"unix:///fake.sock";
	*state = w;
	return 0;
}

static int teardown(void **state)
{
	struct world *w = *state;

	assert_int_equal(zf_jobs_free(w->d.jobs, 5000), 0);
	zf_tempfiles_free(w->d.temps);
	zf_registry_free(w->d.reg);
	zf_eventlog_free(w->d.events);
	zf_store_close(w->d.store);
	pthread_mutex_destroy(&w->lock);
	free(w);
	return 0;
}

/* Waits until every job queued so far is written down: one worker takes
 * jobs in order, so a job of its own that ran means the others did. */
static void sync_jobs(struct world *w)
{
	assert_int_equal(zf_jobs_run(w->d.jobs, -1, "sync", NULL, NULL), 0);
}

/* The job queued last. */
static const struct queued *last_job(struct world *w)
{
	sync_jobs(w);
	assert_true(w->nq > 0);
	return &w->q[w->nq - 1];
}

/* What the object's files would say (copied out under the lock). */
struct seen {
	char uuid[ZF_UUID_LEN + 1];
	char status[16], reason[600], task[40], engine_id[72];
	bool deleting, exists;
	int generation;
	char spec[512];
};

static struct seen look_uuid(struct world *w, const char *uuid)
{
	struct seen s = { .exists = false };
	struct zf_object *o;

	zf_registry_lock(w->d.reg);
	o = zf_registry_find_uuid_locked(w->d.reg, uuid);
	if (o) {
		s.exists = true;
		snprintf(s.uuid, sizeof(s.uuid), "%s", o->rec.uuid);
		snprintf(s.status, sizeof(s.status), "%s", zf_state_word(o->rec.status));
		snprintf(s.reason, sizeof(s.reason), "%s", o->rec.status_reason);
		snprintf(s.task, sizeof(s.task), "%s", o->rec.task_state);
		snprintf(s.engine_id, sizeof(s.engine_id), "%s", o->rec.engine_id);
		snprintf(s.spec, sizeof(s.spec), "%s", o->rec.spec);
		s.deleting = o->rec.deleting;
		s.generation = o->generation;
	}
	zf_registry_unlock(w->d.reg);
	return s;
}

static struct seen look(struct world *w, enum zf_kind kind, const char *name)
{
	struct zf_object *o;
	char uuid[ZF_UUID_LEN + 1] = "";

	zf_registry_lock(w->d.reg);
	o = zf_registry_find_locked(w->d.reg, kind, name);
	if (o)
		snprintf(uuid, sizeof(uuid), "%s", o->rec.uuid);
	zf_registry_unlock(w->d.reg);
	return look_uuid(w, uuid);
}

static struct seen member(struct world *w, const char *capsule_uuid, const char *name)
{
	struct zf_object *o;
	char uuid[ZF_UUID_LEN + 1] = "";

	zf_registry_lock(w->d.reg);
	o = zf_registry_find_member_locked(w->d.reg, capsule_uuid, name);
	if (o)
		snprintf(uuid, sizeof(uuid), "%s", o->rec.uuid);
	zf_registry_unlock(w->d.reg);
	return look_uuid(w, uuid);
}

/* mkdir KIND/NAME, then spec.yaml: what the user's write returns. */
static int make(struct world *w, enum zf_kind kind, const char *name, const char *spec,
		struct seen *ret)
{
	struct seen s;
	int r;

	r = zf_action_mkdir(&w->d, kind, name, 0, 0);
	if (r != -EEXIST)
		assert_int_equal(r, 0);
	s = look(w, kind, name);
	r = zf_action_apply_spec(&w->d, s.uuid, spec, strlen(spec), 0);
	*ret = look_uuid(w, s.uuid);
	return r;
}

static int run(struct world *w, enum zf_job_op op, const char *uuid, const char *arg)
{
	return zf_lifecycle_run(&w->d, op, uuid, arg);
}

/* A container: Creating with its task, LAUNCH queued; the job creates and
 * starts it, Running, no task, the engine id kept. */
static void test_container_launch(void **state)
{
	struct world *w = *state;
	struct seen s;

	assert_int_equal(make(w, ZF_KIND_CONTAINER, "web", "image: busybox\n", &s), 0);
	assert_string_equal(s.status, "Creating");
	assert_string_equal(s.task, "container_creating");
	assert_int_equal(last_job(w)->op, ZF_JOB_LAUNCH);
	assert_string_equal(last_job(w)->uuid, s.uuid);

	assert_int_equal(run(w, ZF_JOB_LAUNCH, s.uuid, ""), 0);
	s = look_uuid(w, s.uuid);
	assert_string_equal(s.status, "Running");
	assert_string_equal(s.task, "");
	assert_string_equal(s.reason, "");
	assert_non_null(find(&w->engine, s.engine_id));
	assert_string_equal(find(&w->engine, s.engine_id)->uuid, s.uuid);
	assert_string_equal(find(&w->engine, s.engine_id)->role, "");
	assert_int_equal(live(&w->engine), 1);
}

/* The engine refuses the create: Error, the step and the engine's words,
 * no task left, nothing made. */
static void test_container_create_fails(void **state)
{
	struct world *w = *state;
	struct seen s;

	w->engine.fail_create_image = "nosuch";
	assert_int_equal(make(w, ZF_KIND_CONTAINER, "web", "image: nosuch\n", &s), 0);
	assert_int_equal(run(w, ZF_JOB_LAUNCH, s.uuid, ""), -ENOENT);
	s = look_uuid(w, s.uuid);
	assert_string_equal(s.status, "Error");
	assert_string_equal(s.reason, "creating the container: No such image: nosuch");
	assert_string_equal(s.task, "");
	assert_string_equal(s.engine_id, "");
	assert_int_equal(live(&w->engine), 0);
}

/* The start fails: Error, and the container is kept as the object's (rmdir
 * removes it). */
static void test_container_start_fails(void **state)
{
	struct world *w = *state;
	struct seen s;

	w->engine.fail_start = 1;
	assert_int_equal(make(w, ZF_KIND_CONTAINER, "web", "image: busybox\n", &s), 0);
	assert_int_equal(run(w, ZF_JOB_LAUNCH, s.uuid, ""), -EIO);
	s = look_uuid(w, s.uuid);
	assert_string_equal(s.status, "Error");
	assert_string_equal(s.reason, "starting the container: OCI runtime create failed");
	assert_non_null(find(&w->engine, s.engine_id));
}

/* A new spec for a made container: Rebuilding; the job removes the old
 * container and makes a new one. The same spec again does nothing. */
static void test_container_rebuild(void **state)
{
	struct world *w = *state;
	struct seen s;
	char old[72];

	assert_int_equal(make(w, ZF_KIND_CONTAINER, "web", "image: busybox\n", &s), 0);
	assert_int_equal(run(w, ZF_JOB_LAUNCH, s.uuid, ""), 0);
	s = look_uuid(w, s.uuid);
	snprintf(old, sizeof(old), "%s", s.engine_id);

	sync_jobs(w);
	w->nq = 0;
	assert_int_equal(make(w, ZF_KIND_CONTAINER, "web", "image: busybox\n", &s), 0);
	assert_string_equal(s.status, "Running");
	sync_jobs(w);
	assert_int_equal(w->nq, 0);

	assert_int_equal(make(w, ZF_KIND_CONTAINER, "web", "image: busybox:2\n", &s), 0);
	assert_string_equal(s.status, "Rebuilding");
	assert_string_equal(s.task, "container_rebuilding");
	assert_int_equal(run(w, ZF_JOB_LAUNCH, s.uuid, ""), 0);
	s = look_uuid(w, s.uuid);
	assert_string_equal(s.status, "Running");
	assert_null(find(&w->engine, old));
	assert_string_equal(find(&w->engine, s.engine_id)->image, "busybox:2");
	assert_int_equal(live(&w->engine), 1);
}

/* A spec naming a sandbox that does not exist is refused at the write,
 * the reason in status_reason; nothing is queued. */
static void test_container_refused(void **state)
{
	struct world *w = *state;
	struct seen s;

	assert_int_equal(make(w, ZF_KIND_CONTAINER, "web", "image: busybox\nsandbox: nope\n", &s),
			 -EINVAL);
	assert_string_equal(s.status, "Empty");
	assert_string_equal(s.reason, "spec.yaml: sandbox: no sandbox named 'nope'");
	sync_jobs(w);
	assert_int_equal(w->nq, 0);
}

/* rmdir: Deleting, DELETE queued; the job removes the container and the
 * record. An engine that refuses twice is tried again. */
static void test_delete_retries(void **state)
{
	struct world *w = *state;
	struct seen s;

	assert_int_equal(make(w, ZF_KIND_CONTAINER, "web", "image: busybox\n", &s), 0);
	assert_int_equal(run(w, ZF_JOB_LAUNCH, s.uuid, ""), 0);
	assert_int_equal(zf_action_rmdir(&w->d, ZF_KIND_CONTAINER, "web", 0), 0);
	s = look_uuid(w, s.uuid);
	assert_string_equal(s.status, "Deleting");
	assert_true(s.deleting);
	assert_int_equal(last_job(w)->op, ZF_JOB_DELETE);

	w->engine.fail_remove = 2;
	assert_int_equal(run(w, ZF_JOB_DELETE, s.uuid, NULL), 0);
	assert_false(look_uuid(w, s.uuid).exists);
	assert_int_equal(live(&w->engine), 0);
}

/* An engine that keeps refusing: the object comes back as Error with the
 * engine's words, its name free to see again. */
static void test_delete_gives_up(void **state)
{
	struct world *w = *state;
	struct seen s;

	assert_int_equal(make(w, ZF_KIND_CONTAINER, "web", "image: busybox\n", &s), 0);
	assert_int_equal(run(w, ZF_JOB_LAUNCH, s.uuid, ""), 0);
	assert_int_equal(zf_action_rmdir(&w->d, ZF_KIND_CONTAINER, "web", 0), 0);
	w->engine.fail_remove = -1;
	assert_int_equal(run(w, ZF_JOB_DELETE, s.uuid, NULL), -EBUSY);
	s = look(w, ZF_KIND_CONTAINER, "web");
	assert_true(s.exists);
	assert_false(s.deleting);
	assert_string_equal(s.status, "Error");
	assert_non_null(strstr(s.reason, "rmdir failed, the engine said: removal of container"));
	assert_int_equal(live(&w->engine), 1);
}

/* rmdir of a sandbox a container uses: EBUSY, the user in status_reason. */
static void test_sandbox_in_use(void **state)
{
	struct world *w = *state;
	struct seen sb, c;

	assert_int_equal(make(w, ZF_KIND_SANDBOX, "pod", "", &sb), 0);
	assert_int_equal(run(w, ZF_JOB_LAUNCH, sb.uuid, ""), 0);
	assert_int_equal(w->engine.imports, 1); /* the pause image, made once */
	assert_string_equal(look_uuid(w, sb.uuid).status, "Running");
	assert_int_equal(make(w, ZF_KIND_CONTAINER, "web", "image: busybox\nsandbox: pod\n", &c), 0);
	assert_int_equal(zf_action_rmdir(&w->d, ZF_KIND_SANDBOX, "pod", 0), -EBUSY);
	assert_string_equal(look_uuid(w, sb.uuid).reason, "rmdir: in use by containers/web");
}

static const char *const pod1 = "kind: Pod\n"
				"metadata: {name: p}\n"
				"spec:\n"
				"  initContainers:\n"
				"  - {name: setup, image: busybox, command: [\"true\"]}\n"
				"  containers:\n"
				"  - {name: a, image: busybox}\n"
				"  - {name: b, image: busybox}\n";

/* The capsule's containers of generation gen (its sandbox's id). */
static int members_of(struct world *w, const char *uuid, const char *gen)
{
	int n = 0;

	for (int i = 0; i < w->engine.n; i++) {
		const struct fake_container *c = &w->engine.c[i];

		n += !c->removed && strcmp(c->uuid, uuid) == 0 &&
		     strncmp(c->role, "member.", 7) == 0 && strcmp(c->group, gen) == 0;
	}
	return n;
}

/* A capsule: its sandbox, the init container (exited 0), then the members,
 * each joined to the sandbox; Running; the member records follow. */
static void test_capsule_launch(void **state)
{
	struct world *w = *state;
	struct seen s, a;

	assert_int_equal(make(w, ZF_KIND_CAPSULE, "p", pod1, &s), 0);
	assert_string_equal(s.status, "Pending");
	assert_string_equal(s.task, "capsule_creating");
	assert_int_equal(run(w, ZF_JOB_LAUNCH, s.uuid, ""), 0);
	s = look_uuid(w, s.uuid);
	assert_string_equal(s.status, "Running");
	assert_string_equal(s.task, "");
	assert_int_equal(s.generation, 1);
	assert_string_equal(find(&w->engine, s.engine_id)->role, "sandbox");
	assert_int_equal(members_of(w, s.uuid, s.engine_id), 2);
	a = member(w, s.uuid, "a");
	assert_true(a.exists);
	assert_string_equal(a.status, "Running");
	assert_string_equal(find(&w->engine, a.engine_id)->role, "member.a");
}

/* -o max_objects: a user's mkdir past their records is EDQUOT (members
 * count, a member's mkdir too); another user's and root's are not. */
static void test_object_quota(void **state)
{
	struct world *w = *state;
	struct seen s;
	char name[16];

	w->d.opts.max_objects = 4;
	assert_int_equal(zf_action_mkdir(&w->d, ZF_KIND_CAPSULE, "p", 1001, 1001), 0);
	s = look(w, ZF_KIND_CAPSULE, "p");
	assert_int_equal(zf_action_apply_spec(&w->d, s.uuid, pod1, strlen(pod1), 1001), 0);
	assert_int_equal(run(w, ZF_JOB_LAUNCH, s.uuid, ""), 0);
	assert_int_equal(members_of(w, s.uuid, look_uuid(w, s.uuid).engine_id), 2);
	/* the capsule and its two members: one more */
	assert_int_equal(zf_action_mkdir(&w->d, ZF_KIND_VOLUME, "v1", 1001, 1001), 0);
	assert_int_equal(zf_action_mkdir(&w->d, ZF_KIND_VOLUME, "v2", 1001, 1001), -EDQUOT);
	assert_int_equal(zf_action_mkdir_member(&w->d, "p", "c", 1001), -EDQUOT);
	assert_int_equal(zf_action_mkdir(&w->d, ZF_KIND_VOLUME, "v1", 1001, 1001), -EEXIST);
	assert_false(look(w, ZF_KIND_VOLUME, "v2").exists);
	/* another user's share is whole; root has no quota */
	for (int i = 0; i < 4; i++) {
		snprintf(name, sizeof(name), "b%d", i);
		assert_int_equal(zf_action_mkdir(&w->d, ZF_KIND_CONTAINER, name, 1002, 1002), 0);
	}
	assert_int_equal(zf_action_mkdir(&w->d, ZF_KIND_CONTAINER, "b4", 1002, 1002), -EDQUOT);
	for (int i = 0; i < 10; i++) {
		snprintf(name, sizeof(name), "r%d", i);
		assert_int_equal(zf_action_mkdir(&w->d, ZF_KIND_CONTAINER, name, 0, 0), 0);
	}
	/* one gone is one more to make */
	assert_int_equal(zf_action_rmdir(&w->d, ZF_KIND_VOLUME, "v1", 1001), 0);
	assert_int_equal(zf_action_mkdir_member(&w->d, "p", "c", 1001), 0);
	assert_int_equal(zf_action_mkdir(&w->d, ZF_KIND_VOLUME, "v2", 1001, 1001), -EDQUOT);
	/* 0: no cap */
	w->d.opts.max_objects = 0;
	assert_int_equal(zf_action_mkdir(&w->d, ZF_KIND_CONTAINER, "b4", 1002, 1002), 0);
}

/* An init container that exits non-zero: Failed, which one and how. */
static void test_capsule_init_fails(void **state)
{
	struct world *w = *state;
	struct seen s;
	const char *pod = "kind: Pod\n"
			  "metadata: {name: p}\n"
			  "spec:\n"
			  "  initContainers:\n"
			  "  - {name: setup, image: busybox, command: [\"false\"]}\n"
			  "  containers:\n"
			  "  - {name: a, image: busybox}\n";

	assert_int_equal(make(w, ZF_KIND_CAPSULE, "p", pod, &s), 0);
	assert_true(run(w, ZF_JOB_LAUNCH, s.uuid, "") < 0);
	s = look_uuid(w, s.uuid);
	assert_string_equal(s.status, "Failed");
	assert_string_equal(s.reason, "init container setup: exited with code 1");
	assert_string_equal(s.task, "");
}

/* A new spec for a running capsule: an upgrade. The new generation runs
 * beside the old, then the old goes and the new spec is in force. */
static void test_capsule_upgrade(void **state)
{
	struct world *w = *state;
	struct seen s;
	char old[72];
	const char *pod2 = "kind: Pod\n"
			   "metadata: {name: p}\n"
			   "spec:\n"
			   "  containers:\n"
			   "  - {name: a, image: busybox:2}\n";

	assert_int_equal(make(w, ZF_KIND_CAPSULE, "p", pod1, &s), 0);
	assert_int_equal(run(w, ZF_JOB_LAUNCH, s.uuid, ""), 0);
	snprintf(old, sizeof(old), "%s", look_uuid(w, s.uuid).engine_id);

	assert_int_equal(make(w, ZF_KIND_CAPSULE, "p", pod2, &s), 0);
	assert_string_equal(s.status, "Running");
	assert_string_equal(s.task, "capsule_upgrading");
	assert_string_equal(s.spec, pod1); /* stored once the new one runs */
	assert_string_equal(last_job(w)->arg, "upgrade");
	assert_int_equal(run(w, ZF_JOB_LAUNCH, s.uuid, "upgrade"), 0);
	s = look_uuid(w, s.uuid);
	assert_string_equal(s.status, "Running");
	assert_string_equal(s.spec, pod2);
	assert_int_equal(s.generation, 2);
	assert_string_not_equal(s.engine_id, old);
	assert_null(find(&w->engine, old));
	assert_int_equal(members_of(w, s.uuid, old), 0);
	assert_int_equal(members_of(w, s.uuid, s.engine_id), 1);
	assert_false(member(w, s.uuid, "b").exists);
	assert_string_equal(find(&w->engine, member(w, s.uuid, "a").engine_id)->image, "busybox:2");
}

/* An upgrade whose new generation cannot be made is rolled back: the new
 * containers go, the old keep running, the old spec stays, and why. */
static void test_capsule_rollback(void **state)
{
	struct world *w = *state;
	struct seen s;
	char old[72];
	const char *bad = "kind: Pod\n"
			  "metadata: {name: p}\n"
			  "spec:\n"
			  "  containers:\n"
			  "  - {name: a, image: busybox}\n"
			  "  - {name: c, image: nosuch}\n";

	assert_int_equal(make(w, ZF_KIND_CAPSULE, "p", pod1, &s), 0);
	assert_int_equal(run(w, ZF_JOB_LAUNCH, s.uuid, ""), 0);
	snprintf(old, sizeof(old), "%s", look_uuid(w, s.uuid).engine_id);
	w->engine.fail_create_image = "nosuch";

	assert_int_equal(make(w, ZF_KIND_CAPSULE, "p", bad, &s), 0);
	assert_true(run(w, ZF_JOB_LAUNCH, s.uuid, "upgrade") < 0);
	s = look_uuid(w, s.uuid);
	assert_string_equal(s.status, "Running");
	assert_string_equal(s.task, "");
	assert_string_equal(s.spec, pod1);
	assert_string_equal(s.engine_id, old);
	assert_string_equal(s.reason, "upgrade rolled back: container c: No such image: nosuch; "
				      "the previous capsule keeps running");
	assert_int_equal(members_of(w, s.uuid, old), 2);
	/* the old generation, and nothing of the new */
	for (int i = 0; i < w->engine.n; i++)
		if (!w->engine.c[i].removed && strcmp(w->engine.c[i].uuid, s.uuid) == 0)
			assert_true(strcmp(w->engine.c[i].id, old) == 0 ||
				    strcmp(w->engine.c[i].group, old) == 0);
}

/* At start: a record whose launch a crash cut short is launched again; one
 * the engine lost is Error (not relaunched); containers no record owns are
 * removed. */
static void test_reconcile(void **state)
{
	struct world *w = *state;
	struct seen cut, lost, ok;
	struct zf_container_config cfg = { .image = (char *)"busybox" };
	struct zf_owner_labels stray = { .uuid = "00000000-0000-0000-0000-000000000000",
					 .kind = "container",
					 .name = "gone",
					 .instance = w->engine.instance };
	char *id = NULL;

	assert_int_equal(make(w, ZF_KIND_CONTAINER, "cut", "image: busybox\n", &cut), 0);
	assert_int_equal(make(w, ZF_KIND_CONTAINER, "lost", "image: busybox\n", &lost), 0);
	assert_int_equal(run(w, ZF_JOB_LAUNCH, lost.uuid, ""), 0);
	assert_int_equal(make(w, ZF_KIND_CONTAINER, "ok", "image: busybox\n", &ok), 0);
	assert_int_equal(run(w, ZF_JOB_LAUNCH, ok.uuid, ""), 0);
	{
		struct fake_container *c = find(&w->engine, look_uuid(w, lost.uuid).engine_id);

		assert_non_null(c);
		if (c)
			c->removed = true;
	}
	assert_int_equal(create(&w->engine.base, &cfg, &stray, &id, NULL), 0);

	sync_jobs(w);
	w->nq = 0;
	assert_int_equal(zf_reconcile(&w->d), 0);
	assert_null(find(&w->engine, id)); /* the stray */
	assert_non_null(find(&w->engine, look_uuid(w, ok.uuid).engine_id));
	(void)last_job(w);
	bool relaunched = false, refreshed_ok = false;

	for (int i = 0; i < w->nq; i++) {
		relaunched |= w->q[i].op == ZF_JOB_LAUNCH && strcmp(w->q[i].uuid, cut.uuid) == 0;
		refreshed_ok |= w->q[i].op == ZF_JOB_REFRESH && strcmp(w->q[i].uuid, ok.uuid) == 0;
		assert_false(w->q[i].op == ZF_JOB_LAUNCH && strcmp(w->q[i].uuid, lost.uuid) == 0);
	}
	assert_true(relaunched);
	assert_true(refreshed_ok);
	lost = look_uuid(w, lost.uuid);
	assert_string_equal(lost.status, "Error");
	assert_non_null(strstr(lost.reason, "removed from the engine while zunfs was not running"));
	free(id);
}

/* A refusal of the user's stays in status_reason whatever the engine does
 * (a new state from a refresh, the engine away, the container lost) until
 * the user's next write or action; the status follows the engine. */
static void test_refusal_stays(void **state)
{
	struct world *w = *state;
	struct zf_container_state st = { .status = "exited", .exit_code = 137 };
	struct seen s;
	char reason[600];

	assert_int_equal(make(w, ZF_KIND_CONTAINER, "web", "image: busybox\n", &s), 0);
	assert_int_equal(run(w, ZF_JOB_LAUNCH, s.uuid, ""), 0);
	assert_int_equal(make(w, ZF_KIND_CONTAINER, "web", "image: [x\n", &s), -EINVAL);
	snprintf(reason, sizeof(reason), "%s", s.reason);
	assert_non_null(strstr(reason, "spec.yaml: "));

	snprintf(st.id, sizeof(st.id), "%s", s.engine_id);
	zf_lifecycle_apply_state(&w->d, s.uuid, &st, true);
	s = look_uuid(w, s.uuid);
	assert_string_equal(s.status, "Stopped");
	assert_string_equal(s.reason, reason);

	zf_lifecycle_engine_away(&w->d, "connection refused");
	s = look_uuid(w, s.uuid);
	assert_string_equal(s.status, "Unknown");
	assert_string_equal(s.reason, reason);
	zf_lifecycle_engine_back(&w->d);

	zf_lifecycle_engine_lost(&w->d, s.uuid, s.engine_id);
	s = look_uuid(w, s.uuid);
	assert_string_equal(s.status, "Error");
	assert_string_equal(s.engine_id, "");
	assert_string_equal(s.reason, reason);

	/* the next write speaks for itself */
	assert_int_equal(make(w, ZF_KIND_CONTAINER, "web", "image: busybox\n", &s), 0);
	assert_string_equal(s.reason, "");
}

/* The engine's word on a container's check, as the registry keeps it. */
static void check_is(struct world *w, const char *uuid, const char *health)
{
	struct zf_object *o;

	zf_registry_lock(w->d.reg);
	o = zf_registry_find_uuid_locked(w->d.reg, uuid);
	assert_non_null(o);
	assert_string_equal(o->health.status, health);
	zf_registry_unlock(w->d.reg);
}

/*
 * A livenessProbe the engine says failed: the refresh queues zunfs's ctl
 * (a restart, or a stop under restart policy no; a member's policy is its
 * capsule's) with its task set, once a run; the run after it says why until
 * its check passes. A readinessProbe alone is only reported.
 */
static void test_liveness(void **state)
{
	struct world *w = *state;
	struct seen s, m;
	const struct queued *q;
	struct fake_container *c;
	char arg[ZF_JOB_ARG_MAX];
	int nq;

	assert_int_equal(make(w, ZF_KIND_CONTAINER, "live",
			      "image: busybox\nrestartPolicy: Always\n"
			      "livenessProbe: {exec: {command: [test, -f, /ok]}}\n",
			      &s),
			 0);
	assert_int_equal(run(w, ZF_JOB_LAUNCH, s.uuid, ""), 0);
	s = look_uuid(w, s.uuid);
	c = find(&w->engine, s.engine_id);
	snprintf(c->health, sizeof(c->health), "healthy");
	sync_jobs(w);
	nq = w->nq;
	assert_int_equal(run(w, ZF_JOB_REFRESH, s.uuid, NULL), 0);
	check_is(w, s.uuid, "healthy");
	sync_jobs(w);
	assert_int_equal(w->nq, nq); /* healthy: nothing to do */

	snprintf(c->health, sizeof(c->health), "unhealthy");
	assert_int_equal(run(w, ZF_JOB_REFRESH, s.uuid, NULL), 0);
	q = last_job(w);
	assert_int_equal(w->nq, nq + 1);
	assert_int_equal(q->op, ZF_JOB_CTL);
	assert_string_equal(q->uuid, s.uuid);
	assert_string_equal(q->arg, "restart 10");
	snprintf(arg, sizeof(arg), "%s", q->arg);
	assert_string_equal(look_uuid(w, s.uuid).task, "container_rebooting");
	/* a refresh meanwhile leaves it to the job */
	assert_int_equal(run(w, ZF_JOB_REFRESH, s.uuid, NULL), 0);
	sync_jobs(w);
	assert_int_equal(w->nq, nq + 1);
	assert_int_equal(run(w, ZF_JOB_CTL, s.uuid, arg), 0);
	s = look_uuid(w, s.uuid);
	assert_string_equal(s.status, "Running");
	assert_string_equal(s.task, "");
	assert_string_equal(s.reason, "restarted by zunfs: its livenessProbe failed");
	check_is(w, s.uuid, "starting");
	snprintf(c->health, sizeof(c->health), "healthy");
	assert_int_equal(run(w, ZF_JOB_REFRESH, s.uuid, NULL), 0);
	assert_string_equal(look_uuid(w, s.uuid).reason, "");

	/* restartPolicy Never: a stop, which says why */
	assert_int_equal(make(w, ZF_KIND_CONTAINER, "never",
			      "image: busybox\nrestartPolicy: Never\n"
			      "livenessProbe: {exec: {command: [test, -f, /ok]}}\n",
			      &s),
			 0);
	assert_int_equal(run(w, ZF_JOB_LAUNCH, s.uuid, ""), 0);
	s = look_uuid(w, s.uuid);
	snprintf(find(&w->engine, s.engine_id)->health, sizeof(c->health), "unhealthy");
	assert_int_equal(run(w, ZF_JOB_REFRESH, s.uuid, NULL), 0);
	q = last_job(w);
	assert_string_equal(q->arg, "stop 10");
	snprintf(arg, sizeof(arg), "%s", q->arg);
	assert_string_equal(look_uuid(w, s.uuid).task, "container_stopping");
	assert_int_equal(run(w, ZF_JOB_CTL, s.uuid, arg), 0);
	s = look_uuid(w, s.uuid);
	assert_string_equal(s.status, "Stopped");
	assert_string_equal(s.reason,
			    "exited with code 143 (stopped by zunfs: its livenessProbe failed)");
	/* the same run again: nothing more */
	nq = w->nq;
	assert_int_equal(run(w, ZF_JOB_REFRESH, s.uuid, NULL), 0);
	sync_jobs(w);
	assert_int_equal(w->nq, nq);

	/* a readinessProbe alone: reported, nothing done */
	assert_int_equal(make(w, ZF_KIND_CONTAINER, "ready",
			      "image: busybox\n"
			      "readinessProbe: {exec: {command: [test, -f, /ok]}}\n",
			      &s),
			 0);
	assert_int_equal(run(w, ZF_JOB_LAUNCH, s.uuid, ""), 0);
	s = look_uuid(w, s.uuid);
	snprintf(find(&w->engine, s.engine_id)->health, sizeof(c->health), "unhealthy");
	sync_jobs(w);
	nq = w->nq;
	assert_int_equal(run(w, ZF_JOB_REFRESH, s.uuid, NULL), 0);
	check_is(w, s.uuid, "unhealthy");
	sync_jobs(w);
	assert_int_equal(w->nq, nq);
	assert_string_equal(look_uuid(w, s.uuid).task, "");

	/* a member under its capsule's restartPolicy Never: a stop */
	assert_int_equal(make(w, ZF_KIND_CAPSULE, "p",
			      "kind: Pod\nspec:\n  restartPolicy: Never\n  containers:\n"
			      "  - name: a\n    image: busybox\n"
			      "    livenessProbe: {exec: {command: [test, -f, /ok]}}\n",
			      &s),
			 0);
	assert_int_equal(run(w, ZF_JOB_LAUNCH, s.uuid, ""), 0);
	m = member(w, s.uuid, "a");
	snprintf(find(&w->engine, m.engine_id)->health, sizeof(c->health), "unhealthy");
	assert_int_equal(run(w, ZF_JOB_REFRESH, s.uuid, NULL), 0);
	q = last_job(w);
	assert_int_equal(q->op, ZF_JOB_CTL);
	assert_string_equal(q->uuid, m.uuid);
	assert_string_equal(q->arg, "stop 10");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_container_launch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_container_create_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_container_start_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_container_rebuild, setup, teardown),
		cmocka_unit_test_setup_teardown(test_container_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delete_retries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_delete_gives_up, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sandbox_in_use, setup, teardown),
		cmocka_unit_test_setup_teardown(test_capsule_launch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_object_quota, setup, teardown),
		cmocka_unit_test_setup_teardown(test_capsule_init_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_capsule_upgrade, setup, teardown),
		cmocka_unit_test_setup_teardown(test_capsule_rollback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reconcile, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refusal_stays, setup, teardown),
		cmocka_unit_test_setup_teardown(test_liveness, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
