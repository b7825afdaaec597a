/* SPDX-License-Identifier: Apache-2.0 */
/* The local volume driver (backend/docker_volume.c) over a fake transport
 * that answers with replies captured from dockerd (tests/fixtures), and the
 * daemon's table of drivers (fs/volume_drivers.c). */
#include <errno.h>
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../backend/docker.h"
#include "../../backend/volume_driver.h"
#include "../../fs/volume_drivers.h"
#include "fixture.h"

#define UUID "1b4e28ba-2fa1-4d3b-a3f5-ef19b5a7633b"
#define INSTANCE "00000000-0000-4000-8000-000000000001"

/* What the driver sent last, and what to answer. */
struct wire {
	int calls;
	char method[8];
	char path[512];
	char *body;
	const char *fixture; /* the reply's body from tests/fixtures, */
	const char *text; /* or this */
	int fail; /* < 0: the call fails so, with the engine's words in msg */
	const char *msg;
};

static int fake_call(void *ctx, const char *method, const char *path, const char *body,
		     struct zf_http_reply *ret_reply, struct zf_err *err)
{
	struct wire *w = ctx;

	w->calls++;
	snprintf(w->method, sizeof(w->method), "%s", method);
	snprintf(w->path, sizeof(w->path), "%s", path);
	free(w->body);
	w->body = body ? strdup(body) : NULL;
	if (w->fail < 0)
		return zf_err_set(err, -w->fail, "%s", w->msg);
	if (ret_reply) {
		ret_reply->status = 200;
		ret_reply->body = w->fixture ? fixture(w->fixture) : strdup(w->text ? w->text : "");
		assert_non_null(ret_reply->body);
		ret_reply->len = strlen(ret_reply->body);
	}
	return 0;
}

/* A local driver whose requests go to its wire. */
struct world {
	struct wire w;
	struct zf_volume_driver *drv;
};

static int setup(void **state)
{
	struct world *t = calloc(1, sizeof(*t));

	assert_int_equal(zf_docker_volume_driver_new_call(fake_call, &t->w, &t->drv), 0);
	assert_string_equal(t->drv->ops->name, "local");
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct world *t = *state;

	zf_volume_driver_free(t->drv);
	free(t->w.body);
	free(t);
	return 0;
}

/* create: POST /volumes/create naming the volume after the uuid, the
 * options and labels in the body; the reply's Mountpoint is the host path */
static void test_create(void **state)
{
	struct zf_kv opts[] = { { "type", "tmpfs" }, { "device", "tmpfs" } };
	struct zf_owner_labels owner = { .uuid = UUID, .kind = "volume", .name = "data",
					 .instance = INSTANCE, .owner_uid = 1000 };
	struct zf_volume_request req = { .owner = &owner, .size_bytes = 1 << 20, .opts = opts,
					 .n_opts = 2 };
	struct world *t = *state;
	struct zf_volume_driver *drv = t->drv;
	struct wire *w = &t->w;
	struct zf_volume_info info = { 0 };
	struct zf_err err = { { 0 } };
	char *id = NULL;
	json_t *o;

	w->fixture = "volume.json";
	assert_int_equal(drv->ops->create(drv, &req, &id, &info, &err), 0);
	assert_int_equal(w->calls, 1);
	assert_string_equal(w->method, "POST");
	assert_string_equal(w->path, "/volumes/create");
	o = json_loads(w->body, 0, NULL);
	assert_non_null(o);
	assert_string_equal(json_string_value(json_object_get(o, "Name")), "zunfs-" UUID);
	assert_string_equal(json_string_value(json_object_get(o, "Driver")), "local");
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(o, "DriverOpts"), "device")),
		"tmpfs");
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(o, "Labels"), "zunfs.instance")),
		INSTANCE);
	json_decref(o);
	assert_string_equal(id, "zunfs-" UUID);
	assert_int_equal(info.state, ZF_VOLUME_READY);
	assert_string_equal(info.host_path, "/tmp/zc/data/volumes/zunfs-fixture/_data");
	assert_int_equal(info.size_bytes, 0); /* the engine does not say */
	zf_volume_info_clear(&info);
	free(id);

	/* a reply without a Mountpoint is the engine's fault: EIO, nothing given */
	w->fixture = NULL;
	w->text = "{}";
	id = NULL;
	assert_int_equal(drv->ops->create(drv, &req, &id, NULL, &err), -EIO);
	assert_string_equal(err.msg, "the engine's volume reply has no Mountpoint");
	assert_null(id);
	/* the engine's refusal, in its words */
	w->fail = -EIO;
	w->msg = "error while mounting volume";
	assert_int_equal(drv->ops->create(drv, &req, &id, NULL, &err), -EIO);
	assert_string_equal(err.msg, "error while mounting volume");
	/* Cinder's keys are not the engine's: refused before any request */
	w->calls = 0;
	req.adopt_id = "9f7a3e1c";
	assert_int_equal(drv->ops->create(drv, &req, &id, NULL, &err), -EINVAL);
	req.adopt_id = NULL;
	req.type = "ssd";
	assert_int_equal(drv->ops->create(drv, &req, &id, NULL, &err), -EINVAL);
	assert_int_equal(w->calls, 0);
}

/* inspect, remove, list: the paths, and the replies decoded */
static void test_inspect_remove_list(void **state)
{
	struct world *t = *state;
	struct zf_volume_driver *drv = t->drv;
	struct wire *w = &t->w;
	struct zf_volume_summary *list = NULL;
	struct zf_volume_info info = { 0 };
	struct zf_err err = { { 0 } };

	w->fixture = "volume.json";
	assert_int_equal(drv->ops->inspect(drv, "zunfs-fixture", &info, &err), 0);
	assert_string_equal(w->method, "GET");
	assert_string_equal(w->path, "/volumes/zunfs-fixture");
	assert_int_equal(info.state, ZF_VOLUME_READY);
	assert_string_equal(info.host_path, "/tmp/zc/data/volumes/zunfs-fixture/_data");
	zf_volume_info_clear(&info);
	/* ids are escaped into the path */
	assert_int_equal(drv->ops->inspect(drv, "a b/c", &info, &err), 0);
	assert_string_equal(w->path, "/volumes/a%20b%2Fc");
	zf_volume_info_clear(&info);
	/* gone: the engine's 404 as -ENOENT, passed on */
	w->fail = -ENOENT;
	w->msg = "get zunfs-x: no such volume";
	assert_int_equal(drv->ops->inspect(drv, "zunfs-x", &info, &err), -ENOENT);
	assert_null(info.host_path);
	assert_string_equal(err.msg, "get zunfs-x: no such volume");

	w->fail = -EBUSY;
	w->msg = "volume is in use";
	assert_int_equal(drv->ops->remove(drv, "zunfs-fixture", &err), -EBUSY);
	assert_string_equal(w->method, "DELETE");
	assert_string_equal(w->path, "/volumes/zunfs-fixture");
	w->fail = 0;
	assert_int_equal(drv->ops->remove(drv, "zunfs-fixture", &err), 0);

	w->fixture = "volume_list.json";
	assert_int_equal(drv->ops->list(drv, INSTANCE, &list, &err), 1);
	assert_string_equal(w->method, "GET");
	assert_int_equal(strncmp(w->path, "/volumes?filters=", 17), 0);
	assert_non_null(strstr(w->path, "zunfs.instance%3D" INSTANCE));
	assert_string_equal(list[0].name, "zunfs-fixture");
	assert_string_equal(list[0].uuid, UUID);
	free(list);
	w->fixture = NULL;
	w->text = "[]";
	assert_int_equal(drv->ops->list(drv, INSTANCE, &list, &err), -EINVAL);
	assert_string_equal(err.msg, "unreadable volume list");
}

/* attach and detach: nothing to do for engine volumes; a container gets
 * the engine volume by name, never a bind of its host path */
static void test_attach_mount(void **state)
{
	struct world *t = *state;
	struct zf_volume_driver *drv = t->drv;
	struct wire *w = &t->w;
	struct zf_mount m = { 0 };

	assert_int_equal(drv->ops->attach(drv, "zunfs-fixture", NULL), 0);
	assert_int_equal(drv->ops->detach(drv, "zunfs-fixture", NULL), 0);
	assert_int_equal(w->calls, 0);
	assert_int_equal(drv->ops->mount_for_container(drv, "zunfs-fixture", "/var/lib/x", "/data",
						       true, &m, NULL),
			 0);
	assert_string_equal(m.source, "zunfs-fixture");
	assert_string_equal(m.target, "/data");
	assert_true(m.read_only);
	assert_false(m.bind);
	free(m.source);
	free(m.target);
	assert_int_equal(w->calls, 0);
}

/* The daemon's table: local always (over a Docker engine), cinder not in
 * this version; what names a driver not configured is refused in the
 * words status_reason has always shown. */
static void test_table(void **state)
{
	struct zf_volume_drivers t;
	struct zf_options opts = { 0 };
	struct zf_engine *engine;
	struct zf_err err = { { 0 } };
	char reason[400];

	(void)state;
	/* no request is made: the engine needs no socket here */
	assert_int_equal(zf_docker_engine_new("unix:///nonexistent/docker.sock", &engine), 0);
	assert_int_equal(zf_volume_drivers_open(&t, engine, &opts, &err), 0);
	assert_int_equal(t.n, 1);
	assert_non_null(zf_volume_drivers_find(&t, "local"));
	assert_string_equal(zf_volume_drivers_find(&t, "local")->ops->name, "local");
	assert_null(zf_volume_drivers_find(&t, "cinder"));
	assert_null(zf_volume_drivers_find(&t, ""));

	assert_int_equal(zf_volume_drivers_check(&t, "local", 0, NULL, reason, sizeof(reason)), 0);
	assert_int_equal(zf_volume_drivers_check(&t, "cinder", 0, NULL, reason, sizeof(reason)),
			 -EOPNOTSUPP);
	assert_string_equal(reason, "spec.yaml: driver: cinder: no Cinder is configured: mount "
				    "with -o cinder=http://HOST:PORT/v3/PROJECT (and cinder_token= "
				    "or $OS_AUTH_TOKEN); driver: local makes an engine volume");
	assert_int_equal(zf_volume_drivers_check(&t, "cinder", 7, "volume1", reason,
						 sizeof(reason)),
			 -EOPNOTSUPP);
	assert_string_equal(reason, "spec.yaml: line 7: volumes: 'volume1': driver: cinder: no "
				    "Cinder is configured: mount with "
				    "-o cinder=http://HOST:PORT/v3/PROJECT (and cinder_token= "
				    "or $OS_AUTH_TOKEN); driver: local makes an engine volume");
	zf_volume_drivers_close(&t);
	assert_int_equal(t.n, 0);
	zf_volume_drivers_close(&t); /* twice is fine */
	zf_engine_free(engine);

	/* the local driver is for Docker engines only */
	assert_int_equal(zf_docker_volume_driver_new(NULL, &t.drivers[0]), -EINVAL);
}

/* -o cinder=URL makes the cinder row (no Cinder is called): a volume's
 * driver: cinder and a capsule's cinder: entry pass the check;
 * a URL or token it cannot use fails the mount, saying why. */
static void test_table_cinder(void **state)
{
	char dir[] = "/tmp/zf-test-cinder.XXXXXX", reason[400];
	struct zf_options opts = { 0 };
	struct zf_volume_drivers t;
	struct zf_engine *engine;
	struct zf_err err = { { 0 } };

	(void)state;
	assert_non_null(mkdtemp(dir));
	opts.state_dir = dir;
	opts.cinder = "http://127.0.0.1:1/v3/0123456789abcdef";
	opts.cinder_token = "admin:0123456789abcdef";
	assert_int_equal(zf_docker_engine_new("unix:///nonexistent/docker.sock", &engine), 0);
	assert_int_equal(zf_volume_drivers_open(&t, engine, &opts, &err), 0);
	assert_int_equal(t.n, 2);
	assert_string_equal(zf_volume_drivers_find(&t, "cinder")->ops->name, "cinder");
	assert_int_equal(zf_volume_drivers_check(&t, "cinder", 0, NULL, reason, sizeof(reason)), 0);
	assert_int_equal(zf_volume_drivers_check(&t, "cinder", 7, "volume1", reason,
						 sizeof(reason)),
			 0);
	zf_volume_drivers_close(&t);

	opts.cinder_token = NULL;
	assert_int_equal(zf_volume_drivers_open(&t, engine, &opts, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "OS_AUTH_TOKEN"));
	assert_int_equal(t.n, 0);
	opts.cinder_token = "t";
	opts.cinder = "http://127.0.0.1:8776";
	assert_int_equal(zf_volume_drivers_open(&t, engine, &opts, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "/v3/PROJECT"));
	opts.cinder = "ftp://x/v3/p";
	assert_int_equal(zf_volume_drivers_open(&t, engine, &opts, &err), -EINVAL);
	zf_engine_free(engine);
	char sub[sizeof(dir) + 8];
	snprintf(sub, sizeof(sub), "%s/cinder", dir);
	rmdir(sub);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_create, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inspect_remove_list, setup, teardown),
		cmocka_unit_test_setup_teardown(test_attach_mount, setup, teardown),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_table_cinder),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
