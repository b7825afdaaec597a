/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Inside the Docker drivers: what the engine (docker.c) shares with the
 * local volume driver (docker_volume.c), so a request to a Docker engine
 * is made and its errors read one way. backend/ only (and its tests).
 */
#pragma once

#include <stdbool.h>

#include "engine.h"
#include "http.h"

/* Ordinary calls answer in well under this; a stuck engine must not hang a worker. */
#define ZF_DOCKER_CALL_TIMEOUT_S 60

/* Whether e was made by zf_docker_engine_new*(). */
bool zf_docker_engine_is(const struct zf_engine *e);

/*
 * One request to the Docker engine e: 0 for a 2xx or 304 reply (then
 * *ret_reply, if given, holds it: zf_http_reply_clear() it), else the errno
 * of the status (http_errno.c) with the engine's message in err.
 */
int zf_docker_call(struct zf_engine *e, const char *method, const char *path, const char *body,
		   long timeout_s, struct zf_http_reply *ret_reply, struct zf_err *err);

/* The escaped filters= value for objects labelled zunfs.instance=instance
 * (extra: more JSON members, each with its comma, or NULL); NULL on OOM. */
char *zf_docker_label_filter(const char *instance, const char *extra);

/*
 * How the local volume driver sends a request, zf_docker_call's contract
 * without the timeout (ctx: what the driver was made with). The driver
 * made by zf_docker_volume_driver_new() calls the engine; tests give
 * their own, which answers with captured replies.
 */
typedef int (*zf_docker_call_fn)(void *ctx, const char *method, const char *path,
				 const char *body, struct zf_http_reply *ret_reply,
				 struct zf_err *err);

struct zf_volume_driver;

/* The local volume driver (volume_driver.h) sending its requests through call. */
int zf_docker_volume_driver_new_call(zf_docker_call_fn call, void *ctx,
				     struct zf_volume_driver **ret_driver);
