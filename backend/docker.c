/* SPDX-License-Identifier: Apache-2.0 */
/* The Docker Engine driver: the engine interface over Docker's HTTP API. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "docker_json.h"
#include "engine.h"
#include "http.h"

/* Ordinary calls answer in well under this; a stuck engine must not hang a worker. */
#define CALL_TIMEOUT_S 60
/* Pulls may be slow, but a registry that never answers must end in Error. */
#define PULL_TIMEOUT_S 300

struct docker {
	struct zf_engine base;
	struct zf_http *http;
};

static struct docker *to_docker(struct zf_engine *e)
{
	return (struct docker *)e;
}

/*
 * One request; 0 for a 2xx or 304 reply (then *ret_reply, if given, holds it),
 * else the errno of the status with the engine's message in err.
 */
static int call(struct zf_engine *e, const char *method, const char *path, const char *body,
		long timeout_s, struct zf_http_reply *ret_reply, struct zf_err *err)
{
	struct zf_http_reply reply = { 0 };
	int r;

	r = zf_http_request(to_docker(e)->http, method, path, body, timeout_s, &reply, err);
	if (r < 0)
		return r;
	r = zf_http_status_errno(reply.status);
	if (r < 0) {
		if (err)
			zf_docker_error_message(reply.body, err->msg, sizeof(err->msg));
		zf_http_reply_clear(&reply);
		return r;
	}
	if (ret_reply)
		*ret_reply = reply;
	else
		zf_http_reply_clear(&reply);
	return 0;
}

/* Calls a path built from fmt with one escaped argument (an id or a reference). */
static int call_id(struct zf_engine *e, const char *method, const char *fmt, const char *arg,
		   long timeout_s, struct zf_http_reply *ret_reply, struct zf_err *err)
{
	char *esc = zf_http_escape(arg);
	char path[1024];
	int r;

	if (!esc)
		return zf_err_set(err, ENOMEM, "out of memory");
	snprintf(path, sizeof(path), fmt, esc);
	free(esc);
	r = call(e, method, path, NULL, timeout_s, ret_reply, err);
	return r;
}

static void docker_free(struct zf_engine *e)
{
	struct docker *d = to_docker(e);

	zf_http_free(d->http);
	free(d);
}

static int docker_version(struct zf_engine *e, char **ret_line, struct zf_err *err)
{
	struct zf_http_reply reply;
	int r;

	r = call(e, "GET", "/version", NULL, 10, &reply, err);
	if (r < 0)
		return r;
	r = zf_docker_parse_version(reply.body, ret_line);
	if (r < 0)
		zf_err_set(err, -r, "unreadable /version reply");
	zf_http_reply_clear(&reply);
	return r;
}

static int docker_image_present(struct zf_engine *e, const char *ref, struct zf_err *err)
{
	return call_id(e, "GET", "/images/%s/json", ref, CALL_TIMEOUT_S, NULL, err);
}

/* Splits "name:tag" (a ':' after the last '/'); "name@sha256:..." stays whole. */
static void split_ref(const char *ref, char *name, size_t nsize, char *tag, size_t tsize)
{
	const char *slash = strrchr(ref, '/');
	const char *colon = strrchr(ref, ':');

	if (strchr(ref, '@') || !colon || (slash && colon < slash)) {
		snprintf(name, nsize, "%s", ref);
		snprintf(tag, tsize, "%s", strchr(ref, '@') ? "" : "latest");
		return;
	}
	snprintf(name, nsize, "%.*s", (int)(colon - ref), ref);
	snprintf(tag, tsize, "%s", colon + 1);
}

static int docker_image_pull(struct zf_engine *e, const char *ref, struct zf_err *err)
{
	char name[512], tag[128], path[1200];
	char *ename = NULL, *etag = NULL;
	struct zf_http_reply reply;
	int r;

	split_ref(ref, name, sizeof(name), tag, sizeof(tag));
	ename = zf_http_escape(name);
	etag = zf_http_escape(tag);
	if (!ename || !etag) {
		r = zf_err_set(err, ENOMEM, "out of memory");
		goto out;
	}
	if (*tag)
		snprintf(path, sizeof(path), "/images/create?fromImage=%s&tag=%s", ename, etag);
	else
		snprintf(path, sizeof(path), "/images/create?fromImage=%s", ename);
	r = call(e, "POST", path, NULL, PULL_TIMEOUT_S, &reply, err);
	if (r == -ETIMEDOUT)
		zf_err_set(err, ETIMEDOUT, "pulling %s took longer than %d s", ref, PULL_TIMEOUT_S);
	if (r < 0)
		goto out;
	/* a failed pull can still answer 200, with the error inside the stream */
	r = zf_docker_pull_result(reply.body, err ? err->msg : path,
				  err ? sizeof(err->msg) : sizeof(path));
	zf_http_reply_clear(&reply);
out:
	free(ename);
	free(etag);
	return r;
}

static int docker_container_create(struct zf_engine *e, const struct zf_container_config *cfg,
				   const struct zf_owner_labels *owner, char **ret_id,
				   struct zf_err *err)
{
	struct zf_http_reply reply;
	char path[128];
	char *body;
	int r;

	body = zf_docker_create_body(cfg, owner);
	if (!body)
		return zf_err_set(err, ENOMEM, "out of memory");
	/* named after the uuid, so a zunfs name is free again as soon as it is removed */
	snprintf(path, sizeof(path), "/containers/create?name=zunfs-%s", owner->uuid);
	r = call(e, "POST", path, body, CALL_TIMEOUT_S, &reply, err);
	free(body);
	if (r < 0)
		return r;
	r = zf_docker_parse_create(reply.body, ret_id);
	zf_http_reply_clear(&reply);
	if (r == -EINVAL)
		return zf_err_set(err, EIO, "the engine's create reply has no Id");
	return r;
}

static int docker_container_start(struct zf_engine *e, const char *id, struct zf_err *err)
{
	return call_id(e, "POST", "/containers/%s/start", id, CALL_TIMEOUT_S, NULL, err);
}

static int stop_like(struct zf_engine *e, const char *verb, const char *id, int timeout_s,
		     struct zf_err *err)
{
	char fmt[96];

	if (timeout_s >= 0)
		snprintf(fmt, sizeof(fmt), "/containers/%%s/%s?t=%d", verb, timeout_s);
	else
		snprintf(fmt, sizeof(fmt), "/containers/%%s/%s", verb);
	/* the engine waits up to the grace period before it answers */
	return call_id(e, "POST", fmt, id, CALL_TIMEOUT_S + (timeout_s > 0 ? timeout_s : 10),
		       NULL, err);
}

static int docker_container_stop(struct zf_engine *e, const char *id, int timeout_s,
				 struct zf_err *err)
{
	return stop_like(e, "stop", id, timeout_s, err);
}

static int docker_container_restart(struct zf_engine *e, const char *id, int timeout_s,
				    struct zf_err *err)
{
	return stop_like(e, "restart", id, timeout_s, err);
}

static int docker_container_kill(struct zf_engine *e, const char *id, const char *signal,
				 struct zf_err *err)
{
	char fmt[96], *esc = zf_http_escape(signal ? signal : "SIGKILL");
	int r;

	if (!esc)
		return zf_err_set(err, ENOMEM, "out of memory");
	snprintf(fmt, sizeof(fmt), "/containers/%%s/kill?signal=%s", esc);
	free(esc);
	r = call_id(e, "POST", fmt, id, CALL_TIMEOUT_S, NULL, err);
	return r;
}

static int docker_container_pause(struct zf_engine *e, const char *id, struct zf_err *err)
{
	return call_id(e, "POST", "/containers/%s/pause", id, CALL_TIMEOUT_S, NULL, err);
}

static int docker_container_unpause(struct zf_engine *e, const char *id, struct zf_err *err)
{
	return call_id(e, "POST", "/containers/%s/unpause", id, CALL_TIMEOUT_S, NULL, err);
}

static int docker_container_resize(struct zf_engine *e, const char *id, int rows, int cols,
				   struct zf_err *err)
{
	char fmt[96];

	snprintf(fmt, sizeof(fmt), "/containers/%%s/resize?h=%d&w=%d", rows, cols);
	return call_id(e, "POST", fmt, id, CALL_TIMEOUT_S, NULL, err);
}

static int docker_container_remove(struct zf_engine *e, const char *id, bool force,
				   struct zf_err *err)
{
	/* v=1 removes anonymous volumes only; named volumes are never removed with a container */
	return call_id(e, "DELETE", force ? "/containers/%s?force=1&v=1" : "/containers/%s?v=1",
		       id, CALL_TIMEOUT_S, NULL, err);
}

static int docker_container_inspect(struct zf_engine *e, const char *id,
				    struct zf_container_state *ret_state, struct zf_err *err)
{
	struct zf_http_reply reply;
	int r;

	r = call_id(e, "GET", "/containers/%s/json", id, CALL_TIMEOUT_S, &reply, err);
	if (r < 0)
		return r;
	r = zf_docker_parse_inspect(reply.body, ret_state);
	if (r < 0)
		zf_err_set(err, -r, "unreadable inspect reply for %s", id);
	zf_http_reply_clear(&reply);
	return r;
}

static char *label_filter(const char *instance, const char *extra)
{
	char json[256];

	snprintf(json, sizeof(json), "{%s\"label\":[\"%s=%s\"]}", extra ? extra : "",
		 ZF_LABEL_INSTANCE, instance);
	return zf_http_escape(json);
}

static int docker_container_list(struct zf_engine *e, const char *instance,
				 struct zf_container_summary **ret_list, struct zf_err *err)
{
	struct zf_http_reply reply;
	char *filter = label_filter(instance, NULL);
	char path[512];
	int r;

	if (!filter)
		return zf_err_set(err, ENOMEM, "out of memory");
	snprintf(path, sizeof(path), "/containers/json?all=1&filters=%s", filter);
	free(filter);
	r = call(e, "GET", path, NULL, CALL_TIMEOUT_S, &reply, err);
	if (r < 0)
		return r;
	r = zf_docker_parse_list(reply.body, ret_list);
	if (r < 0)
		zf_err_set(err, -r, "unreadable container list");
	zf_http_reply_clear(&reply);
	return r;
}

struct follow_ctx {
	zf_event_cb cb;
	void (*connected_cb)(void *userdata);
	void *userdata;
};

static void follow_open(void *userdata)
{
	struct follow_ctx *f = userdata;

	if (f->connected_cb)
		f->connected_cb(f->userdata);
}

static int follow_line(const char *line, size_t len, void *userdata)
{
	struct follow_ctx *f = userdata;
	struct zf_engine_event ev;

	(void)len;
	if (zf_docker_parse_event(line, &ev) < 0)
		return 0;
	return f->cb(&ev, f->userdata);
}

static int docker_events_follow(struct zf_engine *e, const char *instance, zf_event_cb cb,
				void (*connected_cb)(void *userdata), void *userdata,
				const volatile bool *stop, struct zf_err *err)
{
	struct follow_ctx f = { .cb = cb, .connected_cb = connected_cb, .userdata = userdata };
	char *filter = label_filter(instance, "\"type\":[\"container\"],");
	char path[512];

	if (!filter)
		return zf_err_set(err, ENOMEM, "out of memory");
	snprintf(path, sizeof(path), "/events?filters=%s", filter);
	free(filter);
	return zf_http_stream_lines(to_docker(e)->http, path, follow_line, follow_open, &f, stop,
				    err);
}

static const struct zf_engine_ops docker_ops = {
	.name = "docker",
	.free = docker_free,
	.version = docker_version,
	.image_present = docker_image_present,
	.image_pull = docker_image_pull,
	.container_create = docker_container_create,
	.container_start = docker_container_start,
	.container_stop = docker_container_stop,
	.container_restart = docker_container_restart,
	.container_kill = docker_container_kill,
	.container_pause = docker_container_pause,
	.container_unpause = docker_container_unpause,
	.container_resize = docker_container_resize,
	.container_remove = docker_container_remove,
	.container_inspect = docker_container_inspect,
	.container_list = docker_container_list,
	.events_follow = docker_events_follow,
};

int zf_docker_engine_new(const char *url, struct zf_engine **ret_engine)
{
	struct docker *d = calloc(1, sizeof(*d));
	int r;

	if (!d)
		return -ENOMEM;
	r = zf_http_new(url, &d->http);
	if (r < 0) {
		free(d);
		return r;
	}
	d->base.ops = &docker_ops;
	*ret_engine = &d->base;
	return 0;
}
