/* SPDX-License-Identifier: Apache-2.0 */
/* What each read-only file shows: text made from an object (pure). */
#pragma once

#include "registry.h"
#include "tree.h"

/*
 * The content of an object's file, made now (the caller holds the registry
 * lock so the object is stable). host: the engine's line for inspect.json.
 * all: the registry's first object (a capsule's inspect.json lists its
 * members), or NULL. Returns a string the caller frees, NULL on OOM. ctl
 * renders "".
 */
char *zf_render_file(const struct zf_object *obj, enum zf_file f, const char *host,
		     const struct zf_object *all);

/* The top-level `version` file. */
char *zf_render_version(const char *engine_line);

/*
 * status_reason while an image is pulled: "pulling image REF: 12.3 MB of
 * 200.0 MB (6%)" as its layers download (summed), then "pulling image REF:
 * extracting, 150.0 MB of 200.0 MB (75%)"; only layers counted before any
 * size is known ("pulling image REF: 1 of 3 layers").
 */
void zf_render_pull_progress(const char *ref, const struct zf_pull_progress *p, char *buf,
			     size_t size);
