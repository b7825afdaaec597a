/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The local volume driver: engine volumes, over the Engine API's volume
 * endpoints (POST /volumes/create, GET and DELETE /volumes/{name},
 * GET /volumes?filters=...). The bodies are docker_json.c's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "docker.h"
#include "docker_json.h"
#include "volume_driver.h"

struct local {
	struct zf_volume_driver base;
	zf_docker_call_fn call;
	void *ctx;
};

static struct local *to_local(struct zf_volume_driver *drv)
{
	return (struct local *)drv;
}

static int engine_call(void *ctx, const char *method, const char *path, const char *body,
		       struct zf_http_reply *ret_reply, struct zf_err *err)
{
	return zf_docker_call(ctx, method, path, body, ZF_DOCKER_CALL_TIMEOUT_S, ret_reply, err);
}

/* METHOD /volumes/{id}. */
static int call_volume(struct local *l, const char *method, const char *id,
		       struct zf_http_reply *ret_reply, struct zf_err *err)
{
	char path[512], *esc = zf_http_escape(id);

	if (!esc)
		return zf_err_set(err, ENOMEM, "out of memory");
	snprintf(path, sizeof(path), "/volumes/%s", esc);
	free(esc);
	return l->call(l->ctx, method, path, NULL, ret_reply, err);
}

/* A create or inspect reply (taken and cleared) as what the driver knows. */
static int volume_reply(struct zf_http_reply *reply, struct zf_volume_info *ret_info,
			struct zf_err *err)
{
	char *mp = NULL;
	int r = zf_docker_parse_volume(reply->body, &mp);

	zf_http_reply_clear(reply);
	if (r == -EINVAL)
		return zf_err_set(err, EIO, "the engine's volume reply has no Mountpoint");
	if (r < 0)
		return r;
	/* the engine keeps the files on this host: made is attached, and usable */
	*ret_info = (struct zf_volume_info){ .state = ZF_VOLUME_READY, .host_path = mp };
	return 0;
}

static int local_create(struct zf_volume_driver *drv, const struct zf_volume_request *req,
			char **ret_id, struct zf_volume_info *ret_info, struct zf_err *err)
{
	struct zf_volume_info info;
	struct zf_http_reply reply;
	char name[128], *body, *id;
	int r;

	if (req->adopt_id || req->type)
		return zf_err_set(err, EINVAL, "the local driver makes engine volumes: no volumeID "
					       "or volumeType");
	/*
	 * Named after the record's uuid: the engine answers a taken name with
	 * the volume it has, so a launch cut short is simply done again.
	 */
	if (req->owner->engine_name[0]) /* the caller names it (one of several of a uuid) */
		snprintf(name, sizeof(name), "%s", req->owner->engine_name);
	else
		snprintf(name, sizeof(name), "zunfs-%s", req->owner->uuid);
	body = zf_docker_volume_create_body(name, req->opts, req->n_opts, req->owner);
	if (!body)
		return zf_err_set(err, ENOMEM, "out of memory");
	r = to_local(drv)->call(to_local(drv)->ctx, "POST", "/volumes/create", body, &reply, err);
	free(body);
	if (r < 0)
		return r;
	r = volume_reply(&reply, &info, err);
	if (r < 0)
		return r;
	id = strdup(name);
	if (!id) {
		zf_volume_info_clear(&info);
		return zf_err_set(err, ENOMEM, "out of memory");
	}
	*ret_id = id;
	if (ret_info)
		*ret_info = info;
	else
		zf_volume_info_clear(&info);
	return 0;
}

static int local_inspect(struct zf_volume_driver *drv, const char *id,
			 struct zf_volume_info *ret_info, struct zf_err *err)
{
	struct zf_http_reply reply;
	int r = call_volume(to_local(drv), "GET", id, &reply, err);

	return r < 0 ? r : volume_reply(&reply, ret_info, err);
}

static int local_remove(struct zf_volume_driver *drv, const char *id, struct zf_err *err)
{
	return call_volume(to_local(drv), "DELETE", id, NULL, err);
}

static int local_list(struct zf_volume_driver *drv, const char *instance,
		      struct zf_volume_summary **ret_list, struct zf_err *err)
{
	struct zf_http_reply reply;
	char path[512], *filter = zf_docker_label_filter(instance, NULL);
	int r;

	if (!filter)
		return zf_err_set(err, ENOMEM, "out of memory");
	snprintf(path, sizeof(path), "/volumes?filters=%s", filter);
	free(filter);
	r = to_local(drv)->call(to_local(drv)->ctx, "GET", path, NULL, &reply, err);
	if (r < 0)
		return r;
	r = zf_docker_parse_volume_list(reply.body, ret_list);
	if (r < 0)
		zf_err_set(err, -r, "unreadable volume list");
	zf_http_reply_clear(&reply);
	return r;
}

/* attach and detach: the engine keeps an engine volume's files on this host. */
static int nothing_to_connect(struct zf_volume_driver *drv, const char *id, struct zf_err *err)
{
	(void)drv, (void)id, (void)err;
	return 0;
}

static int local_mount_for_container(struct zf_volume_driver *drv, const char *id,
				     const char *host_path, const char *target, bool read_only,
				     struct zf_mount *ret_mount, struct zf_err *err)
{
	/* the engine mounts its volume by name (Type volume), never by path */
	struct zf_mount m = { .source = strdup(id), .target = strdup(target),
			      .read_only = read_only, .bind = false };

	(void)drv, (void)host_path;
	if (!m.source || !m.target) {
		free(m.source);
		free(m.target);
		return zf_err_set(err, ENOMEM, "out of memory");
	}
	*ret_mount = m;
	return 0;
}

static void local_free(struct zf_volume_driver *drv)
{
	free(to_local(drv));
}

static const struct zf_volume_driver_ops local_ops = {
	.name = "local",
	.free = local_free,
	.create = local_create,
	.inspect = local_inspect,
	.remove = local_remove,
	.list = local_list,
	.attach = nothing_to_connect,
	.detach = nothing_to_connect,
	.mount_for_container = local_mount_for_container,
};

int zf_docker_volume_driver_new_call(zf_docker_call_fn call, void *ctx,
				     struct zf_volume_driver **ret_driver)
{
	struct local *l = calloc(1, sizeof(*l));

	if (!l)
		return -ENOMEM;
	l->base.ops = &local_ops;
	l->call = call;
	l->ctx = ctx;
	*ret_driver = &l->base;
	return 0;
}

int zf_docker_volume_driver_new(struct zf_engine *engine, struct zf_volume_driver **ret_driver)
{
	if (!engine || !zf_docker_engine_is(engine))
		return -EINVAL;
	return zf_docker_volume_driver_new_call(engine_call, engine, ret_driver);
}
