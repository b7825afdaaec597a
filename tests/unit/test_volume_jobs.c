/* SPDX-License-Identifier: Apache-2.0 */
/* What volume jobs do (fs/volume_jobs.c), driven by fake volume drivers on
 * a real registry over an in-memory store: the order of the driver's calls,
 * what the request carries, and the states and words that follow. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../fs/objects/volume.h"

/* A driver that writes down what it is asked and answers as told. */
struct fake {
	struct zf_volume_driver base;
	char log[512]; /* the calls, in order */
	/* what create was asked */
	char uuid[40], kind[16], name[72], instance[40];
	int64_t size;
	size_t n_opts;
	char o[128]; /* the o option, if any */
	/* how to answer */
	int create_r;
	const char *msg;
	bool path_on_create; /* as the engine: the host path comes with create */
	const char *failed; /* as Cinder: create makes it, the backend fails it (why) */
	int attach_r;
	int inspect_r;
	enum zf_volume_state state;
	int busy; /* remove says EBUSY this many times first */
	struct zf_volume_summary list[2];
	int n_list;
	char removed[128];
};

static struct fake *to_fake(struct zf_volume_driver *drv)
{
	return (struct fake *)drv;
}

static void note(struct fake *f, const char *call)
{
	strncat(f->log, call, sizeof(f->log) - strlen(f->log) - 1);
	strncat(f->log, " ", sizeof(f->log) - strlen(f->log) - 1);
}

static void host_path(struct fake *f, const char *id, struct zf_volume_info *ret_info)
{
	char path[256];

	snprintf(path, sizeof(path), "/srv/%s/%s", f->base.ops->name, id);
	*ret_info = (struct zf_volume_info){ .state = f->state, .host_path = strdup(path) };
}

static int fake_create(struct zf_volume_driver *drv, const struct zf_volume_request *req,
		       char **ret_id, struct zf_volume_info *ret_info, struct zf_err *err)
{
	struct fake *f = to_fake(drv);
	char id[64];

	note(f, "create");
	snprintf(f->uuid, sizeof(f->uuid), "%s", req->owner->uuid);
	snprintf(f->kind, sizeof(f->kind), "%s", req->owner->kind);
	snprintf(f->name, sizeof(f->name), "%s", req->owner->name);
	snprintf(f->instance, sizeof(f->instance), "%s", req->owner->instance);
	f->size = req->size_bytes;
	f->n_opts = req->n_opts;
	for (size_t i = 0; i < req->n_opts; i++)
		if (strcmp(req->opts[i].key, "o") == 0)
			snprintf(f->o, sizeof(f->o), "%s", req->opts[i].value);
	if (f->create_r < 0)
		return zf_err_set(err, -f->create_r, "%s", f->msg);
	snprintf(id, sizeof(id), "v-%.8s", req->owner->uuid);
	*ret_id = strdup(id);
	if (f->failed) {
		*ret_info = (struct zf_volume_info){ .state = ZF_VOLUME_FAILED };
		snprintf(ret_info->reason, sizeof(ret_info->reason), "%s", f->failed);
		zf_err_set(err, EIO, "%s", f->failed);
	} else if (f->path_on_create)
		host_path(f, id, ret_info);
	else
		*ret_info = (struct zf_volume_info){ .state = ZF_VOLUME_PENDING };
	return 0;
}

static int fake_inspect(struct zf_volume_driver *drv, const char *id,
			struct zf_volume_info *ret_info, struct zf_err *err)
{
	struct fake *f = to_fake(drv);

	note(f, "inspect");
	if (f->inspect_r < 0)
		return zf_err_set(err, -f->inspect_r, "%s", f->msg);
	host_path(f, id, ret_info);
	return 0;
}

static int fake_remove(struct zf_volume_driver *drv, const char *id, struct zf_err *err)
{
	struct fake *f = to_fake(drv);

	note(f, "remove");
	if (f->busy > 0) {
		f->busy--;
		return zf_err_set(err, EBUSY, "volume is in use");
	}
	snprintf(f->removed, sizeof(f->removed), "%s", id);
	return 0;
}

static int fake_list(struct zf_volume_driver *drv, const char *instance,
		     struct zf_volume_summary **ret_list, struct zf_err *err)
{
	struct fake *f = to_fake(drv);

	(void)instance, (void)err;
	note(f, "list");
	*ret_list = calloc(2, sizeof(**ret_list));
	memcpy(*ret_list, f->list, sizeof(f->list));
	return f->n_list;
}

static int fake_attach(struct zf_volume_driver *drv, const char *id, struct zf_err *err)
{
	struct fake *f = to_fake(drv);

	(void)id;
	note(f, "attach");
	return f->attach_r < 0 ? zf_err_set(err, -f->attach_r, "%s", f->msg) : 0;
}

static int fake_detach(struct zf_volume_driver *drv, const char *id, struct zf_err *err)
{
	(void)id, (void)err;
	note(to_fake(drv), "detach");
	return 0;
}

/* engine volumes by name (local); a bind of the host path (the others) */
static int fake_mount(struct zf_volume_driver *drv, const char *id, const char *host_path,
		      const char *target, bool read_only, struct zf_mount *ret_mount,
		      struct zf_err *err)
{
	bool bind = strcmp(drv->ops->name, "local") != 0;

	(void)err;
	*ret_mount = (struct zf_mount){ .source = strdup(bind ? host_path : id),
					.target = strdup(target),
					.read_only = read_only,
					.bind = bind };
	return 0;
}

static void fake_free(struct zf_volume_driver *drv)
{
	(void)drv;
}

#define FAKE_OPS(word)                                                                         \
	{ .name = word, .free = fake_free, .create = fake_create, .inspect = fake_inspect,      \
	  .remove = fake_remove, .list = fake_list, .attach = fake_attach,                      \
	  .detach = fake_detach, .mount_for_container = fake_mount }

static const struct zf_volume_driver_ops local_ops = FAKE_OPS("local");
static const struct zf_volume_driver_ops cinder_ops = FAKE_OPS("cinder");

struct world {
	struct zf_daemon d;
	struct fake local, cinder;
};

static int setup(void **state)
{
	struct world *w = calloc(1, sizeof(*w));

	assert_int_equal(zf_store_open(":memory:", &w->d.store), 0);
	assert_int_equal(zf_eventlog_new(64, &w->d.events), 0);
	assert_int_equal(zf_registry_new(w->d.store, w->d.events, &w->d.reg), 0);
	w->local.base.ops = &local_ops;
	w->local.path_on_create = true;
	w->cinder.base.ops = &cinder_ops;
	/* as volume_drivers.c makes it: local only */
	w->d.volume_drivers.drivers[w->d.volume_drivers.n++] = &w->local.base;
	*state = w;
	return 0;
}

static int teardown(void **state)
{
	struct world *w = *state;

	zf_registry_free(w->d.reg);
	zf_eventlog_free(w->d.events);
	zf_store_close(w->d.store);
	free(w);
	return 0;
}

/* volumes/NAME with spec text, parsed as actions.c keeps it, in status (and
 * made as engine_id, when not ""). */
static struct zf_object *volume(struct world *w, const char *name, const char *spec,
				const char *status, const char *task, const char *engine_id)
{
	struct zf_spec_error e;
	struct zf_object *o;
	int state = zf_state_from_word(status);

	assert_true(state >= 0);
	assert_int_equal(zf_registry_create(w->d.reg, ZF_KIND_VOLUME, name, 0, 0, 0), 0);
	zf_registry_lock(w->d.reg);
	o = zf_registry_find_locked(w->d.reg, ZF_KIND_VOLUME, name);
	free(o->rec.spec);
	o->rec.spec = strdup(spec);
	assert_int_equal(zf_spec_parse_volume(spec, strlen(spec), &o->volume, &e), 0);
	snprintf(o->rec.engine_id, sizeof(o->rec.engine_id), "%s", engine_id);
	zf_registry_set_state_locked(w->d.reg, o, (enum zf_state)state, "", task);
	zf_registry_unlock(w->d.reg);
	return o;
}

/* LAUNCH, local: one create (the host path comes with it), attach; the
 * driver's id is the engine id, Available. */
static void test_launch(void **state)
{
	struct world *w = *state;
	struct zf_object *o = volume(w, "data", "driverOptions: {type: tmpfs, device: tmpfs}\n",
				     "Creating", "volume_creating", "");
	char id[64];

	snprintf(id, sizeof(id), "v-%.8s", o->rec.uuid);
	assert_int_equal(zf_volume_jobs_launch(&w->d, o->rec.uuid), 0);
	assert_string_equal(w->local.log, "create attach ");
	assert_string_equal(w->local.uuid, o->rec.uuid);
	assert_string_equal(w->local.kind, "volume");
	assert_string_equal(w->local.name, "data");
	assert_string_equal(w->local.instance, zf_store_instance(w->d.store));
	/* a tmpfs of no size gets the default: not the kernel's half of the RAM */
	assert_int_equal(w->local.n_opts, 3);
	assert_string_equal(w->local.o, "size=67108864");
	assert_string_equal(zf_state_word(o->rec.status), "Available");
	assert_string_equal(o->rec.task_state, "");
	assert_string_equal(o->rec.engine_id, id);
	assert_non_null(o->host_path);
	assert_int_equal(strncmp(o->host_path, "/srv/local/v-", 13), 0);

	/* the backend refuses: Error, in its words; nothing made */
	o = volume(w, "bad", "", "Creating", "volume_creating", "");
	w->local.create_r = -EIO;
	w->local.msg = "backend down";
	assert_int_equal(zf_volume_jobs_launch(&w->d, o->rec.uuid), -EIO);
	assert_string_equal(zf_state_word(o->rec.status), "Error");
	assert_string_equal(o->rec.status_reason, "creating the volume: backend down");
	assert_string_equal(o->rec.task_state, "");
	assert_string_equal(o->rec.engine_id, "");
	assert_null(o->host_path);
	assert_int_equal(zf_volume_jobs_launch(&w->d, "no-such-uuid"), -ENOENT);
}

/* A driver that binds a host path it learns once attached (Cinder's way):
 * create, attach, inspect; its containers get a bind; rmdir detaches
 * first. A spec naming it is accepted once it is configured. */
static void test_attaching_driver(void **state)
{
	struct world *w = *state;
	struct zf_container_config *cfg = calloc(1, sizeof(*cfg));
	struct zf_err err = { { 0 } };
	struct zf_object *o;
	char reason[400];

	assert_int_equal(zf_volume_drivers_check(&w->d.volume_drivers, "cinder", 0, NULL, reason,
						 sizeof(reason)),
			 -EOPNOTSUPP);
	w->d.volume_drivers.drivers[w->d.volume_drivers.n++] = &w->cinder.base;
	assert_int_equal(zf_volume_drivers_check(&w->d.volume_drivers, "cinder", 0, NULL, reason,
						 sizeof(reason)),
			 0);
	o = volume(w, "db", "driver: cinder\nsize: 2Gi\n", "Creating", "volume_creating", "");
	assert_int_equal(zf_volume_jobs_launch(&w->d, o->rec.uuid), 0);
	assert_string_equal(w->cinder.log, "create attach inspect ");
	assert_string_equal(w->local.log, "");
	assert_int_equal(w->cinder.size, 2LL << 30); /* bytes: the driver rounds to its units */
	assert_string_equal(zf_state_word(o->rec.status), "Available");

	assert_int_equal(zf_volume_jobs_mount(&w->d, "db", "/var/lib/db", true, cfg, &err), 0);
	assert_int_equal(cfg->n_mounts, 1);
	assert_true(cfg->mounts[0].bind);
	assert_string_equal(cfg->mounts[0].source, o->host_path);
	assert_string_equal(cfg->mounts[0].target, "/var/lib/db");
	assert_true(cfg->mounts[0].read_only);
	zf_container_config_free(cfg);

	w->cinder.log[0] = '\0';
	assert_int_equal(zf_volume_jobs_remove(&w->d, o->rec.uuid, &err), 0);
	assert_string_equal(w->cinder.log, "detach remove ");
	assert_string_equal(w->cinder.removed, o->rec.engine_id);
}

/* A volume the backend made and failed (Cinder's error state): Error in
 * the backend's words, its id kept for rmdir, no attach tried. */
static void test_failed_on_create(void **state)
{
	struct world *w = *state;
	struct zf_object *o;

	w->d.volume_drivers.drivers[w->d.volume_drivers.n++] = &w->cinder.base;
	o = volume(w, "huge", "driver: cinder\nsize: 900000\n", "Creating", "volume_creating", "");
	w->cinder.failed = "Cinder: the volume is error: no backend has room";
	assert_int_equal(zf_volume_jobs_launch(&w->d, o->rec.uuid), -EIO);
	assert_string_equal(w->cinder.log, "create ");
	assert_string_equal(zf_state_word(o->rec.status), "Error");
	assert_string_equal(o->rec.status_reason,
			    "creating the volume: Cinder: the volume is error: no backend has room");
	assert_int_equal(strncmp(o->rec.engine_id, "v-", 2), 0);
}

/* A made volume whose attach failed (Error, its id kept), launched again
 * (the same spec written again): attached, never made anew. */
static void test_retry_attach(void **state)
{
	struct world *w = *state;
	struct zf_object *o;

	w->d.volume_drivers.drivers[w->d.volume_drivers.n++] = &w->cinder.base;
	o = volume(w, "db", "driver: cinder\nsize: 2Gi\n", "Creating", "volume_attaching",
		   "v-made");
	assert_int_equal(zf_volume_jobs_launch(&w->d, o->rec.uuid), 0);
	assert_string_equal(w->cinder.log, "attach inspect ");
	assert_string_equal(o->rec.engine_id, "v-made");
	assert_string_equal(zf_state_word(o->rec.status), "Available");
	assert_string_equal(o->host_path, "/srv/cinder/v-made");

	/* failing again: Error in the attach's words, the id still kept */
	o = volume(w, "db2", "driver: cinder\nsize: 2Gi\n", "Creating", "volume_attaching",
		   "v-made2");
	w->cinder.inspect_r = -ETIMEDOUT;
	w->cinder.msg = "Cinder: timed out";
	assert_int_equal(zf_volume_jobs_launch(&w->d, o->rec.uuid), -ETIMEDOUT);
	assert_string_equal(zf_state_word(o->rec.status), "Error");
	assert_string_equal(o->rec.status_reason, "attaching the volume: Cinder: timed out");
	assert_string_equal(o->rec.engine_id, "v-made2");
}

/* A made volume whose driver is not configured: its jobs say so. */
static void test_no_driver(void **state)
{
	struct world *w = *state;
	struct zf_container_config *cfg = calloc(1, sizeof(*cfg));
	struct zf_err err = { { 0 } };
	struct zf_object *o = volume(w, "db", "driver: cinder\nvolumeID: abc\n", "Available", "",
				     "abc");

	assert_int_equal(zf_volume_jobs_remove(&w->d, o->rec.uuid, &err), -EOPNOTSUPP);
	assert_string_equal(err.msg, "no driver named cinder is configured");
	assert_int_equal(zf_volume_jobs_refresh(&w->d, o->rec.uuid), -EOPNOTSUPP);
	assert_int_equal(zf_volume_jobs_mount(&w->d, "db", "/d", false, cfg, &err), -EOPNOTSUPP);
	assert_int_equal(cfg->n_mounts, 0);
	assert_string_equal(w->local.log, "");
	zf_container_config_free(cfg);
}

/* REFRESH: attach, inspect; the host path and Available back, or Error when
 * the backend lost it; a failure to ask changes nothing. */
static void test_refresh(void **state)
{
	struct world *w = *state;
	struct zf_object *o = volume(w, "data", "", "Unknown", "", "zunfs-x");

	assert_int_equal(zf_volume_jobs_refresh(&w->d, o->rec.uuid), 0);
	assert_string_equal(w->local.log, "attach inspect ");
	assert_string_equal(zf_state_word(o->rec.status), "Available");
	assert_string_equal(o->host_path, "/srv/local/zunfs-x");

	w->local.inspect_r = -EIO;
	w->local.msg = "timed out";
	assert_int_equal(zf_volume_jobs_refresh(&w->d, o->rec.uuid), -EIO);
	assert_string_equal(zf_state_word(o->rec.status), "Available");
	assert_string_equal(o->host_path, "/srv/local/zunfs-x");

	/* the attach fails (Cinder away at a restart): not on this host, Error */
	w->local.inspect_r = 0;
	w->local.attach_r = -ETIMEDOUT;
	w->local.msg = "Cinder: timed out";
	assert_int_equal(zf_volume_jobs_refresh(&w->d, o->rec.uuid), -ETIMEDOUT);
	assert_string_equal(zf_state_word(o->rec.status), "Error");
	assert_string_equal(o->rec.status_reason, "attaching the volume: Cinder: timed out");
	assert_null(o->host_path);
	assert_string_equal(o->rec.engine_id, "zunfs-x");
	w->local.attach_r = 0;
	assert_int_equal(zf_volume_jobs_refresh(&w->d, o->rec.uuid), 0);
	assert_string_equal(zf_state_word(o->rec.status), "Available");

	w->local.inspect_r = -ENOENT;
	assert_int_equal(zf_volume_jobs_refresh(&w->d, o->rec.uuid), 0);
	assert_string_equal(zf_state_word(o->rec.status), "Error");
	assert_string_equal(o->rec.status_reason, "the volume was removed from the engine outside "
						  "zunfs; its data is gone");
	assert_string_equal(o->rec.engine_id, "");
	assert_null(o->host_path);
	/* nothing made: nothing to ask */
	w->local.log[0] = '\0';
	assert_int_equal(zf_volume_jobs_refresh(&w->d, o->rec.uuid), 0);
	assert_string_equal(w->local.log, "");
}

/* DELETE: a user on its way out (EBUSY) is waited for; nothing made, no call. */
static void test_remove(void **state)
{
	struct world *w = *state;
	struct zf_err err = { { 0 } };
	struct zf_object *o = volume(w, "data", "", "Deleting", "volume_deleting", "zunfs-x");
	struct zf_object *empty = volume(w, "never", "", "Error", "", "");

	w->local.busy = 1;
	assert_int_equal(zf_volume_jobs_remove(&w->d, o->rec.uuid, &err), 0);
	assert_string_equal(w->local.log, "detach remove remove ");
	assert_string_equal(w->local.removed, "zunfs-x");
	w->local.log[0] = '\0';
	assert_int_equal(zf_volume_jobs_remove(&w->d, empty->rec.uuid, &err), 0);
	assert_string_equal(w->local.log, "");
}

/* The mount a container gets: the engine volume by name, for a made volume only. */
static void test_mount(void **state)
{
	struct world *w = *state;
	struct zf_container_config *cfg = calloc(1, sizeof(*cfg));
	struct zf_err err = { { 0 } };

	(void)volume(w, "data", "", "In-use", "", "zunfs-x");
	(void)volume(w, "new", "", "Creating", "volume_creating", "");
	assert_int_equal(zf_volume_jobs_mount(&w->d, "data", "/d", false, cfg, &err), 0);
	assert_int_equal(zf_volume_jobs_mount(&w->d, "data", "/e", true, cfg, &err), 0);
	assert_int_equal(cfg->n_mounts, 2);
	assert_string_equal(cfg->mounts[0].source, "zunfs-x");
	assert_false(cfg->mounts[0].bind);
	assert_false(cfg->mounts[0].read_only);
	assert_true(cfg->mounts[1].read_only);
	assert_int_equal(zf_volume_jobs_mount(&w->d, "nope", "/d", false, cfg, &err), -ENOENT);
	assert_string_equal(err.msg, "no volume named 'nope'");
	assert_int_equal(zf_volume_jobs_mount(&w->d, "new", "/d", false, cfg, &err), -ENOENT);
	assert_int_equal(cfg->n_mounts, 2);
	zf_container_config_free(cfg);
}

/* Reconcile: a volume of this instance that no record owns goes. */
static void test_orphans(void **state)
{
	struct world *w = *state;
	struct zf_object *o = volume(w, "data", "", "Available", "", "zunfs-x");

	snprintf(w->local.list[0].name, sizeof(w->local.list[0].name), "zunfs-x");
	memcpy(w->local.list[0].uuid, o->rec.uuid, sizeof(o->rec.uuid));
	snprintf(w->local.list[1].name, sizeof(w->local.list[1].name), "stray");
	w->local.n_list = 2;
	zf_volume_jobs_orphans(&w->d);
	assert_string_equal(w->local.log, "list detach remove ");
	assert_string_equal(w->local.removed, "stray");
}

/* A capsule's Cinder volume is its own while its spec in force has the
 * entry: one made for an upgrade that a crash cut short is an orphan. */
static void test_orphans_capsule(void **state)
{
	static const char spec[] = "kind: capsule\nspec:\n  containers:\n  - {image: busybox}\n"
				   "  volumes:\n  - {name: a, cinder: {size: 1, autoRemove: true}}\n";
	struct world *w = *state;
	struct zf_spec_error e;
	struct zf_object *o;

	w->d.volume_drivers.drivers[w->d.volume_drivers.n++] = &w->cinder.base;
	assert_int_equal(zf_registry_create(w->d.reg, ZF_KIND_CAPSULE, "k", 0, 0, 0), 0);
	zf_registry_lock(w->d.reg);
	o = zf_registry_find_locked(w->d.reg, ZF_KIND_CAPSULE, "k");
	assert_int_equal(zf_spec_parse_capsule(spec, strlen(spec), &o->capsule, &e), 0);
	zf_registry_unlock(w->d.reg);
	for (int i = 0; i < 2; i++) {
		snprintf(w->cinder.list[i].name, sizeof(w->cinder.list[i].name), "vol-%c", 'a' + i);
		memcpy(w->cinder.list[i].uuid, o->rec.uuid, sizeof(o->rec.uuid));
		snprintf(w->cinder.list[i].role, sizeof(w->cinder.list[i].role), "cinder.%c",
			 'a' + i);
	}
	w->cinder.n_list = 2;
	zf_volume_jobs_orphans(&w->d);
	assert_string_equal(w->cinder.log, "list detach remove ");
	assert_string_equal(w->cinder.removed, "vol-b");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_launch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_attaching_driver, setup, teardown),
		cmocka_unit_test_setup_teardown(test_retry_attach, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failed_on_create, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_driver, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refresh, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remove, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mount, setup, teardown),
		cmocka_unit_test_setup_teardown(test_orphans, setup, teardown),
		cmocka_unit_test_setup_teardown(test_orphans_capsule, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
