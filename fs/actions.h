/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the user's writes and directory changes do, without the kernel
 * plumbing (fuse_ops.c calls these and sends their result). Each returns 0
 * or a negative errno, and on refusal leaves the reason in status_reason
 * where there is an object to hold it. None calls the engine.
 */
#pragma once

#include <stddef.h>

#include "daemon.h"

/* mkdir KIND/NAME by uid. */
int zf_action_mkdir(struct zf_daemon *d, enum zf_kind kind, const char *name, unsigned uid);

/* rmdir KIND/NAME: the name is free at once, the engine work goes on behind. */
int zf_action_rmdir(struct zf_daemon *d, enum zf_kind kind, const char *name, unsigned uid);

/* A whole new spec.yaml for uuid: validated now, launched behind. */
int zf_action_apply_spec(struct zf_daemon *d, const char *uuid, const char *text, size_t len);

/* One ctl command for uuid; waits for the engine (interrupted: see zf_jobs_run). */
int zf_action_ctl(struct zf_daemon *d, const char *uuid, const char *line,
		  bool (*interrupted)(void));

/* Whether uid may see obj: its creator, or root. Lock held. */
bool zf_action_visible(const struct zf_object *obj, unsigned uid);
