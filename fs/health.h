/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A container's check as zunfs shows it: the `health` file, inspect.json's
 * `health`, and until/healthy and until/unhealthy. Pure: reads objects the
 * caller holds the registry lock for.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>

#include "kinds.h"
#include "registry.h"

/* The words until/ takes for a container's health, NULL-terminated:
 * "healthy", "unhealthy" (lower case, unlike the state words). */
extern const char *const zf_health_words[];

/* Whether word is one of zf_health_words. */
bool zf_health_word(const char *word);

/* What the engine says of the check of obj's container, or NULL: no
 * container, not read yet, or no check (the engine reports none). */
const struct zf_health *zf_health_of(const struct zf_object *obj);

/* Whether obj has a check: its spec asks for one, or the engine runs one
 * (an image's own HEALTHCHECK). until/healthy exists only then. */
bool zf_health_has_check(const struct zf_object *obj);

/*
 * until/healthy and until/unhealthy: reached when the engine says so with
 * no operation in flight; never when obj has no check or its container
 * settled (Created, Stopped, Dead, Error) in another health; else waits.
 */
enum zf_until zf_health_verdict(const struct zf_object *obj, const char *target);

/* The `health` file: the status word ("none" without a check), then, when
 * the engine ran a check, failing_streak and the last check's exit code,
 * time and output line. The caller frees it; NULL on OOM. */
char *zf_health_render(const struct zf_object *obj);

/* inspect.json's `health`: {status, failing_streak, last_exit_code,
 * last_output, last_check}, nulls for what is not known. */
json_t *zf_health_json(const struct zf_object *obj);

/* The last line of a check's output (its own bytes, up to the end). */
const char *zf_health_last_line(const char *output, size_t *ret_len);
