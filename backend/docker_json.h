/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Docker Engine API bodies: building requests and decoding replies.
 * Pure functions on strings (jansson), unit-tested on fixtures.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "engine.h"
#include "volume_driver.h"

/* Copies the "message" of an engine error body (or the body itself) into buf. */
void zf_docker_error_message(const char *body, char *buf, size_t size);

/* Decodes GET /containers/{id}/json. -EINVAL for a body it cannot read. */
int zf_docker_parse_inspect(const char *json, struct zf_container_state *ret_state);

/* Takes the Id of a POST /containers/create reply. -EINVAL without one. */
int zf_docker_parse_create(const char *json, char **ret_id);

/* An image inspect reply's Config.User ("" when unset), the caller's. */
int zf_docker_parse_image_user(const char *json, char **ret_user);

/* Decodes GET /containers/json. Returns the count; *ret_list is the caller's. */
int zf_docker_parse_list(const char *json, struct zf_container_summary **ret_list);

/* Decodes one line of GET /events. -ENOENT: not about a container. */
int zf_docker_parse_event(const char *line, struct zf_engine_event *ret_event);

/* Finds the first {"error": ...} of a pull's progress stream: -EIO with
 * its text in buf, or 0 when the pull went through. */
int zf_docker_pull_result(const char *body, char *buf, size_t size);

/*
 * A pull's progress stream (POST /images/create: one JSON object a line,
 * `status` and `progressDetail {current, total}` per layer `id`), followed
 * line by line. Start from a zeroed struct; clear it when done.
 */
struct zf_pull_layer;
struct zf_pull_tracker {
	struct zf_pull_layer *layers;
	size_t n_layers, cap;
	bool failed; /* an {"error": ...} line came; its text in error */
	char error[ZF_ERR_MSG_MAX];
};

/* At most this many layers are followed (an image has at most 127). */
#define ZF_PULL_LAYERS_MAX 256

/*
 * Takes one line: 1 if the progress changed, 0 if not (a line about no
 * layer, or not JSON), -EIO for an error line (the first one's text kept in
 * t->error), -ENOMEM.
 */
int zf_docker_pull_track(struct zf_pull_tracker *t, const char *line, size_t len);
/* The progress so far, summed over the layers. */
void zf_docker_pull_progress(const struct zf_pull_tracker *t, struct zf_pull_progress *ret);
void zf_docker_pull_tracker_clear(struct zf_pull_tracker *t);

/* The body of POST /containers/create. NULL on OOM. Caller frees. */
char *zf_docker_create_body(const struct zf_container_config *cfg,
			    const struct zf_owner_labels *owner);

/* One line from GET /version, e.g. "Docker Engine 20.10.24 (API 1.41, linux/amd64)". */
int zf_docker_parse_version(const char *json, char **ret_line);

/* The ApiVersion of GET /version as major * 1000 + minor (1.41: 1041);
 * -EINVAL without a readable one. */
int zf_docker_parse_api_version(const char *json, int *ret_version);

/* The first Engine API with the healthcheck's StartInterval (Docker 25). */
#define ZF_DOCKER_API_START_INTERVAL 1044

/* GET /containers/{id}/top as text: the titles, then one process a line. */
int zf_docker_render_top(const char *json, char **ret_text);

/*
 * GET /containers/{id}/stats?stream=0 summed up as one JSON object:
 * cpu_percent, memory_usage, memory_limit, memory_percent, pids, and
 * block_read/block_write, net_rx/net_tx where the engine reports them.
 */
int zf_docker_summarize_stats(const char *json, char **ret_json);

/* The body of POST /containers/{id}/exec. NULL on OOM. */
char *zf_docker_exec_body(char *const *argv, bool tty, bool with_stdin);

/*
 * The detach keys zunfs gives the engine for attaches and execs (Engine API:
 * detachKeys, DetachKeys). The engine's default, ctrl-p ctrl-q, would end a
 * stream whenever those bytes went to stdin: detaching is the attach
 * client's business (zunfs attach --detach-keys), and a tty file carries any
 * bytes. The API cannot turn detaching off, so this is a sequence no one
 * types or sends.
 */
#define ZF_DOCKER_DETACH_KEYS "ctrl-^,ctrl-_,ctrl-@,ctrl-^,ctrl-_,ctrl-@,ctrl-^,ctrl-_"

/* GET /exec/{id}/json: whether it runs, and its exit code. */
int zf_docker_parse_exec(const char *json, bool *ret_running, int *ret_exit_code);

/* The body of POST /volumes/create: driver local, opts as DriverOpts, the
 * owner's labels. NULL on OOM. */
char *zf_docker_volume_create_body(const char *name, const struct zf_kv *opts, size_t n_opts,
				   const struct zf_owner_labels *owner);

/* A volume's Mountpoint from POST /volumes/create or GET /volumes/{name}. */
int zf_docker_parse_volume(const char *json, char **ret_mountpoint);

/* Decodes GET /volumes. Returns the count; *ret_list is the caller's. */
int zf_docker_parse_volume_list(const char *json, struct zf_volume_summary **ret_list);
