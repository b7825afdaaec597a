/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the workers do: each job goes to its object's row of the kind table
 * (objects/kind_ops.h), and DELETE's retries are here; and the engine's
 * view folded back into the objects (the watcher's events, the engine away
 * and back). Worker or watcher threads only, never in a FUSE callback.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "../backend/engine.h"
#include "daemon.h"
#include "jobs.h"

/* Runs one job on the object uuid; 0 or -errno. */
int zf_lifecycle_run(struct zf_daemon *d, enum zf_job_op op, const char *uuid, const char *arg);
/* zf_lifecycle_run as the jobs' work (zf_job_work_fn): d is the daemon. */
int zf_lifecycle_work(void *d, int op, const char *uuid, const char *arg);

/*
 * Takes what the engine says of the object's container into its status
 * (lock taken inside), and follows its output into logs. Objects being
 * deleted are left alone, and so is a container that is not the object's
 * (a rebuild's old one). idle_only: not while an operation is in flight (a
 * refresh's view, which an operation begun since it looked owns).
 */
void zf_lifecycle_apply_state(struct zf_daemon *d, const char *uuid,
			      const struct zf_container_state *st, bool idle_only);

/* The container is gone from the engine: say so unless zunfs removed it. */
void zf_lifecycle_engine_lost(struct zf_daemon *d, const char *uuid, const char *engine_id);

/*
 * The engine does not answer (why: its error): every object it holds
 * (engine_id set, not being deleted) becomes Unknown, the reason naming the
 * engine and since when, until the engine is back and a refresh brings its
 * truth. Idempotent while away.
 */
void zf_lifecycle_engine_away(struct zf_daemon *d, const char *why);
/* The engine answers again: writes go through; the caller refreshes. */
void zf_lifecycle_engine_back(struct zf_daemon *d);

/* Status and reason for an engine state (pure, for tests). */
void zf_lifecycle_describe(const struct zf_container_state *st, enum zf_state *ret_status,
			   char *reason, size_t reason_size);
