/* SPDX-License-Identifier: Apache-2.0 */
/* The Docker Engine driver: the engine interface over Docker's HTTP API. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "demux.h"
#include "docker.h"
#include "docker_json.h"
#include "engine.h"
#include "http.h"
#include "stream.h"

#define CALL_TIMEOUT_S ZF_DOCKER_CALL_TIMEOUT_S
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

int zf_docker_call(struct zf_engine *e, const char *method, const char *path, const char *body,
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
	r = zf_docker_call(e, method, path, NULL, timeout_s, ret_reply, err);
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

	r = zf_docker_call(e, "GET", "/version", NULL, 10, &reply, err);
	if (r < 0)
		return r;
	r = zf_docker_parse_version(reply.body, ret_line);
	if (r < 0)
		zf_err_set(err, -r, "unreadable /version reply");
	zf_http_reply_clear(&reply);
	return r;
}

static int docker_ping(struct zf_engine *e, long timeout_s, struct zf_err *err)
{
	return zf_docker_call(e, "GET", "/_ping", NULL, timeout_s, NULL, err);
}

static int docker_image_present(struct zf_engine *e, const char *ref, struct zf_err *err)
{
	return call_id(e, "GET", "/images/%s/json", ref, CALL_TIMEOUT_S, NULL, err);
}

static int docker_image_user(struct zf_engine *e, const char *ref, char **ret_user,
			     struct zf_err *err)
{
	struct zf_http_reply reply;
	int r;

	r = call_id(e, "GET", "/images/%s/json", ref, CALL_TIMEOUT_S, &reply, err);
	if (r < 0)
		return r;
	r = zf_docker_parse_image_user(reply.body, ret_user);
	if (r < 0)
		zf_err_set(err, -r, "unreadable image inspect reply for %s", ref);
	zf_http_reply_clear(&reply);
	return r;
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

struct pull {
	struct zf_pull_tracker tracker;
	zf_pull_progress_cb progress_cb;
	void *userdata;
};

/* A line of the pull's stream: progress for the caller, an error kept. */
static int pull_line(const char *line, size_t len, void *userdata)
{
	struct pull *p = userdata;
	struct zf_pull_progress progress;

	if (zf_docker_pull_track(&p->tracker, line, len) == 1 && p->progress_cb) {
		zf_docker_pull_progress(&p->tracker, &progress);
		p->progress_cb(&progress, p->userdata);
	}
	return 0; /* read to the end: the engine finishes the pull either way */
}

static int docker_image_pull(struct zf_engine *e, const char *ref, zf_pull_progress_cb progress_cb,
			     void *userdata, struct zf_err *err)
{
	char name[512], tag[128], path[1200];
	char *ename = NULL, *etag = NULL;
	struct pull p = { .progress_cb = progress_cb, .userdata = userdata };
	struct zf_http_reply reply = { 0 };
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
	/* the reply streams as the pull goes: progress lines, an error at the end */
	r = zf_http_request_lines(to_docker(e)->http, "POST", path, PULL_TIMEOUT_S, pull_line, &p,
				  &reply, err);
	if (r == -ETIMEDOUT)
		zf_err_set(err, ETIMEDOUT, "pulling %s took longer than %d s", ref, PULL_TIMEOUT_S);
	if (r < 0)
		goto out;
	r = zf_http_status_errno(reply.status);
	if (r < 0) {
		/* refused before it began (e.g. no such tag): the engine's message */
		if (err)
			zf_docker_error_message(reply.body, err->msg, sizeof(err->msg));
	} else if (p.tracker.failed) {
		/* a failed pull can still answer 200, with the error inside the stream */
		r = zf_err_set(err, EIO, "%s", p.tracker.error);
	}
out:
	zf_http_reply_clear(&reply);
	zf_docker_pull_tracker_clear(&p.tracker);
	free(ename);
	free(etag);
	return r;
}

static int docker_image_import(struct zf_engine *e, const char *ref, const void *tar, size_t len,
			       const char *const *changes, struct zf_err *err)
{
	char name[512], tag[128], *path = NULL, *ename = NULL, *etag = NULL;
	struct zf_http_reply reply = { 0 };
	size_t n;
	FILE *f;
	int r;

	split_ref(ref, name, sizeof(name), tag, sizeof(tag));
	ename = zf_http_escape(name);
	etag = zf_http_escape(tag);
	f = open_memstream(&path, &n);
	if (!ename || !etag || !f) {
		r = zf_err_set(err, ENOMEM, "out of memory");
		if (f)
			fclose(f);
		goto out;
	}
	fprintf(f, "/images/create?fromSrc=-&repo=%s&tag=%s", ename, etag);
	for (const char *const *c = changes; c && *c; c++) {
		char *ec = zf_http_escape(*c);

		if (ec)
			fprintf(f, "&changes=%s", ec);
		free(ec);
	}
	fclose(f);
	r = zf_http_request_body(to_docker(e)->http, "POST", path, "application/x-tar", tar, len,
				 CALL_TIMEOUT_S, &reply, err);
	if (r < 0)
		goto out;
	r = zf_http_status_errno(reply.status);
	if (r < 0 && err)
		zf_docker_error_message(reply.body, err->msg, sizeof(err->msg));
	else if (r == 0)
		r = zf_docker_pull_result(reply.body, err ? err->msg : name,
					  err ? sizeof(err->msg) : sizeof(name));
out:
	zf_http_reply_clear(&reply);
	free(path);
	free(ename);
	free(etag);
	return r;
}

/*
 * A check with an interval of its own in the start period needs an engine
 * that has one (an older one would take the field and ignore it): asked at
 * each such create, since the engine may be upgraded meanwhile.
 */
static int check_start_interval(struct zf_engine *e, const struct zf_healthcheck *h,
				struct zf_err *err)
{
	struct zf_http_reply reply;
	int version = 0, r;

	if (!h || !h->start_interval_ns)
		return 0;
	r = zf_docker_call(e, "GET", "/version", NULL, CALL_TIMEOUT_S, &reply, err);
	if (r < 0)
		return r;
	r = zf_docker_parse_api_version(reply.body, &version);
	zf_http_reply_clear(&reply);
	if (r == 0 && version >= ZF_DOCKER_API_START_INTERVAL)
		return 0;
	return zf_err_set(err, EOPNOTSUPP,
			  "%s: needs the engine's start interval for its check (Engine API "
			  "1.44, Docker 25 and later); this engine speaks API %d.%d",
			  h->start_interval_for ? h->start_interval_for : "StartInterval",
			  version / 1000, version % 1000);
}

static int docker_container_create(struct zf_engine *e, const struct zf_container_config *cfg,
				   const struct zf_owner_labels *owner, char **ret_id,
				   struct zf_err *err)
{
	struct zf_http_reply reply;
	char path[400];
	char *body;
	int r;

	r = check_start_interval(e, cfg->health, err);
	if (r < 0)
		return r;
	body = zf_docker_create_body(cfg, owner);
	if (!body)
		return zf_err_set(err, ENOMEM, "out of memory");
	if (owner->engine_name[0]) {
		char *ename = zf_http_escape(owner->engine_name);

		if (!ename) {
			free(body);
			return -ENOMEM;
		}
		snprintf(path, sizeof(path), "/containers/create?name=%s", ename);
		free(ename);
	} else {
		snprintf(path, sizeof(path), "/containers/create");
	}
	r = zf_docker_call(e, "POST", path, body, CALL_TIMEOUT_S, &reply, err);
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

char *zf_docker_label_filter(const char *instance, const char *extra)
{
	char json[256];

	snprintf(json, sizeof(json), "{%s\"label\":[\"%s=%s\"]}", extra ? extra : "",
		 ZF_LABEL_INSTANCE, instance);
	return zf_http_escape(json);
}

/* GET of a listing (prefix ends where the filters go) of instance's objects. */
static int get_labelled(struct zf_engine *e, const char *prefix, const char *instance,
			struct zf_http_reply *ret_reply, struct zf_err *err)
{
	char *filter = zf_docker_label_filter(instance, NULL);
	char path[512];

	if (!filter)
		return zf_err_set(err, ENOMEM, "out of memory");
	snprintf(path, sizeof(path), "%sfilters=%s", prefix, filter);
	free(filter);
	return zf_docker_call(e, "GET", path, NULL, CALL_TIMEOUT_S, ret_reply, err);
}

static int docker_container_list(struct zf_engine *e, const char *instance,
				 struct zf_container_summary **ret_list, struct zf_err *err)
{
	struct zf_http_reply reply;
	int r = get_labelled(e, "/containers/json?all=1&", instance, &reply, err);

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
	char *filter = zf_docker_label_filter(instance, "\"type\":[\"container\"],");
	char path[512];

	if (!filter)
		return zf_err_set(err, ENOMEM, "out of memory");
	snprintf(path, sizeof(path), "/events?filters=%s", filter);
	free(filter);
	return zf_http_stream_lines(to_docker(e)->http, path, follow_line, follow_open, &f, stop,
				    err);
}

/* A hijacked request: the stream, or the engine's message in err. */
static int hijack(struct zf_engine *e, const char *path, const char *body, bool multiplexed,
		  struct zf_stream **ret_stream, struct zf_err *err)
{
	char *leftover = NULL;
	size_t left = 0;
	int fd = -1, r;

	r = zf_http_hijack(to_docker(e)->http, "POST", path, body, &fd, &leftover, &left, err);
	if (r < 0) {
		if (err) {
			char raw[ZF_ERR_MSG_MAX];

			memcpy(raw, err->msg, sizeof(raw));
			zf_docker_error_message(raw, err->msg, sizeof(err->msg));
		}
		return r;
	}
	r = zf_stream_new(fd, multiplexed, leftover, left, ret_stream);
	free(leftover);
	if (r < 0)
		close(fd);
	return r;
}

static int docker_container_attach(struct zf_engine *e, const char *id, bool with_stdin,
				   bool tty, struct zf_stream **ret_stream, struct zf_err *err)
{
	char path[256], *esc = zf_http_escape(id);
	int r;

	if (!esc)
		return zf_err_set(err, ENOMEM, "out of memory");
	snprintf(path, sizeof(path),
		 "/containers/%s/attach?stream=1&stdout=1&stderr=1&stdin=%d&detachKeys=%s", esc,
		 with_stdin ? 1 : 0, ZF_DOCKER_DETACH_KEYS);
	free(esc);
	r = hijack(e, path, NULL, !tty, ret_stream, err);
	/* the engine answers 409 for a container that is not running */
	return r;
}

static int docker_exec_create(struct zf_engine *e, const char *id, char *const *argv, bool tty,
			      bool with_stdin, char **ret_exec_id, struct zf_err *err)
{
	struct zf_http_reply reply;
	char path[256], *esc = zf_http_escape(id), *body = zf_docker_exec_body(argv, tty, with_stdin);
	int r;

	if (!esc || !body) {
		free(esc);
		free(body);
		return zf_err_set(err, ENOMEM, "out of memory");
	}
	snprintf(path, sizeof(path), "/containers/%s/exec", esc);
	free(esc);
	r = zf_docker_call(e, "POST", path, body, CALL_TIMEOUT_S, &reply, err);
	free(body);
	if (r < 0)
		return r;
	r = zf_docker_parse_create(reply.body, ret_exec_id);
	zf_http_reply_clear(&reply);
	return r == -EINVAL ? zf_err_set(err, EIO, "the engine's exec reply has no Id") : r;
}

static int docker_exec_start(struct zf_engine *e, const char *exec_id, bool tty,
			     struct zf_stream **ret_stream, struct zf_err *err)
{
	char path[256], *esc = zf_http_escape(exec_id);

	if (!esc)
		return zf_err_set(err, ENOMEM, "out of memory");
	snprintf(path, sizeof(path), "/exec/%s/start", esc);
	free(esc);
	return hijack(e, path, tty ? "{\"Detach\":false,\"Tty\":true}" : "{\"Detach\":false,\"Tty\":false}",
		      !tty, ret_stream, err);
}

static int docker_exec_inspect(struct zf_engine *e, const char *exec_id, bool *ret_running,
			       int *ret_exit_code, struct zf_err *err)
{
	struct zf_http_reply reply;
	int r;

	r = call_id(e, "GET", "/exec/%s/json", exec_id, CALL_TIMEOUT_S, &reply, err);
	if (r < 0)
		return r;
	r = zf_docker_parse_exec(reply.body, ret_running, ret_exit_code);
	zf_http_reply_clear(&reply);
	return r < 0 ? zf_err_set(err, EIO, "unreadable exec inspect reply") : 0;
}

static int docker_exec_resize(struct zf_engine *e, const char *exec_id, int rows, int cols,
			      struct zf_err *err)
{
	char fmt[96];

	snprintf(fmt, sizeof(fmt), "/exec/%%s/resize?h=%d&w=%d", rows, cols);
	return call_id(e, "POST", fmt, exec_id, CALL_TIMEOUT_S, NULL, err);
}

static int docker_container_top(struct zf_engine *e, const char *id, char **ret_text,
				struct zf_err *err)
{
	struct zf_http_reply reply;
	int r;

	r = call_id(e, "GET", "/containers/%s/top", id, CALL_TIMEOUT_S, &reply, err);
	if (r < 0)
		return r;
	r = zf_docker_render_top(reply.body, ret_text);
	zf_http_reply_clear(&reply);
	return r < 0 ? zf_err_set(err, -r, "unreadable top reply") : 0;
}

static int docker_container_stats(struct zf_engine *e, const char *id, char **ret_json,
				  struct zf_err *err)
{
	struct zf_http_reply reply;
	int r;

	/* stream=0 still takes two samples (about a second) so cpu_percent means something */
	r = call_id(e, "GET", "/containers/%s/stats?stream=0", id, CALL_TIMEOUT_S, &reply, err);
	if (r < 0)
		return r;
	r = zf_docker_summarize_stats(reply.body, ret_json);
	zf_http_reply_clear(&reply);
	return r < 0 ? zf_err_set(err, -r, "unreadable stats reply") : 0;
}

/* Docker's timestamps=1 prefix: RFC3339Nano with fixed width, UTC, and a space. */
#define TS_LEN 30

struct logs_ctx {
	bool multiplexed;
	struct zf_demux demux;
	zf_log_cb cb;
	void *userdata;
	char msg[65536 + TS_LEN + 2]; /* the message being put together */
	size_t len;
};

/* Whether p (n bytes available) starts with "2026-11-26T00:15:54.123456789Z ". */
static bool is_timestamp(const char *p, size_t n)
{
	static const char shape[] = "dddd-dd-ddTdd:dd:dd.dddddddddZ ";

	if (n < TS_LEN + 1)
		return false;
	for (size_t i = 0; i < TS_LEN + 1; i++)
		if (shape[i] == 'd' ? (p[i] < '0' || p[i] > '9') : p[i] != shape[i])
			return false;
	return true;
}

/* Hands the message in c->msg over (time, then its bytes). */
static int deliver(struct logs_ctx *c)
{
	char ts[TS_LEN + 1];
	int r = 0;

	if (c->len > TS_LEN && is_timestamp(c->msg, c->len)) {
		memcpy(ts, c->msg, TS_LEN);
		ts[TS_LEN] = '\0';
		r = c->cb(ts, c->msg + TS_LEN + 1, c->len - TS_LEN - 1, c->userdata);
	} else if (c->len) {
		r = c->cb("", c->msg, c->len, c->userdata); /* no time: keep the bytes */
	}
	c->len = 0;
	return r;
}

static int msg_add(struct logs_ctx *c, const char *data, size_t len)
{
	while (len > 0) {
		size_t room = sizeof(c->msg) - c->len, take = len < room ? len : room;

		memcpy(c->msg + c->len, data, take);
		c->len += take;
		data += take;
		len -= take;
		if (c->len == sizeof(c->msg) && deliver(c))
			return 1;
	}
	return 0;
}

static int logs_chunk(const char *data, size_t len, void *userdata)
{
	struct logs_ctx *c = userdata;

	if (c->multiplexed) {
		/* one frame is one message: put it together, then hand it over */
		while (len > 0) {
			char out[16384];
			size_t produced = 0, used;
			bool frame_was_open = c->demux.remaining > 0;

			used = zf_demux_feed(&c->demux, data, len, out, sizeof(out), &produced);
			if (produced && msg_add(c, out, produced))
				return 1;
			if ((frame_was_open || produced) && c->demux.remaining == 0 &&
			    c->demux.hdr_have == 0 && deliver(c))
				return 1;
			data += used;
			len -= used;
		}
		return 0;
	}
	/* tty: messages end at a newline, or where the next one's time begins */
	for (size_t i = 0; i < len; i++) {
		/* a piece of the stream that starts with a time after a partial message */
		if (i == 0 && c->len > TS_LEN && is_timestamp(data, len) && deliver(c))
			return 1;
		if (msg_add(c, data + i, 1))
			return 1;
		if (data[i] == '\n' && deliver(c))
			return 1;
	}
	return 0;
}

/* "2026-11-26T00:15:54.123456789Z" as the engine's since: "1795745754.123456789". */
static void since_param(const char *rfc3339, char *buf, size_t size)
{
	struct tm tm = { 0 };
	const char *frac = strptime(rfc3339, "%Y-%m-%dT%H:%M:%S", &tm);
	char nanos[10] = "000000000";

	if (!frac) {
		buf[0] = '\0';
		return;
	}
	if (*frac == '.')
		for (int i = 0; i < 9 && frac[i + 1] >= '0' && frac[i + 1] <= '9'; i++)
			nanos[i] = frac[i + 1];
	snprintf(buf, size, "%lld.%s", (long long)timegm(&tm), nanos);
}

static int docker_container_logs(struct zf_engine *e, const char *id, bool tty, const char *since,
				 zf_log_cb cb, void *userdata, const volatile bool *stop,
				 struct zf_err *err)
{
	struct logs_ctx *c = calloc(1, sizeof(*c));
	char path[384], sp[40] = "", *esc = zf_http_escape(id);
	int r;

	if (!esc || !c) {
		free(esc);
		free(c);
		return zf_err_set(err, ENOMEM, "out of memory");
	}
	c->multiplexed = !tty;
	c->cb = cb;
	c->userdata = userdata;
	if (since && *since)
		since_param(since, sp, sizeof(sp));
	snprintf(path, sizeof(path),
		 "/containers/%s/logs?follow=1&stdout=1&stderr=1&timestamps=1%s%s", esc,
		 sp[0] ? "&since=" : "", sp);
	free(esc);
	r = zf_http_stream_raw(to_docker(e)->http, path, logs_chunk, c, stop, err);
	/* a last message without its newline, when the engine ended the stream;
	 * cut short by the caller or a broken stream, it may be incomplete: left
	 * for the next call, from since, to give whole (not once cut, once skipped) */
	if (c->len && r == -EPIPE)
		deliver(c);
	free(c);
	return r == -EPIPE ? 0 : r; /* the container stopped: its log is complete */
}

static const struct zf_engine_ops docker_ops = {
	.name = "docker",
	.free = docker_free,
	.version = docker_version,
	.image_present = docker_image_present,
	.image_user = docker_image_user,
	.ping = docker_ping,
	.image_pull = docker_image_pull,
	.image_import = docker_image_import,
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
	.container_attach = docker_container_attach,
	.exec_create = docker_exec_create,
	.exec_start = docker_exec_start,
	.exec_inspect = docker_exec_inspect,
	.exec_resize = docker_exec_resize,
	.container_top = docker_container_top,
	.container_stats = docker_container_stats,
	.container_logs = docker_container_logs,
	.events_follow = docker_events_follow,
};

bool zf_docker_engine_is(const struct zf_engine *e)
{
	return e->ops == &docker_ops;
}

int zf_docker_engine_new(const char *url, struct zf_engine **ret_engine)
{
	return zf_docker_engine_new_tls(url, NULL, ret_engine, NULL);
}

int zf_docker_engine_new_tls(const char *url, const struct zf_engine_tls *tls,
			     struct zf_engine **ret_engine, struct zf_err *err)
{
	struct docker *d = calloc(1, sizeof(*d));
	int r;

	if (!d)
		return zf_err_set(err, ENOMEM, "out of memory");
	r = zf_http_new_tls(url, tls, &d->http, err);
	if (r < 0) {
		free(d);
		return r;
	}
	d->base.ops = &docker_ops;
	*ret_engine = &d->base;
	return 0;
}
