/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The order of a Cinder volume's attach to this host and its detach, and
 * what each failed step rolls back: the Zun Cinder-integration spec's
 * legacy flow (os-reserve, os-initialize_connection, connect on the host,
 * os-attach, then zunfs's mkfs-if-blank and mount; to detach,
 * os-begin_detaching, unmount, disconnect, os-terminate_connection,
 * os-detach). Pure: the steps are callbacks (cinder_volume.c's speak to
 * Cinder and the kernel; the unit tests' record and fail on demand).
 *
 * Each step returns 0 or -errno with err set. Undo steps run with err
 * NULL: a failure of theirs is not the one reported, the step's is.
 */
#pragma once

#include "engine.h"

struct zf_cinder_steps {
	int (*reserve)(void *ctx, struct zf_err *err); /* available -> attaching */
	int (*unreserve)(void *ctx, struct zf_err *err); /* attaching -> available */
	int (*initialize_connection)(void *ctx, struct zf_err *err); /* the connection info */
	int (*terminate_connection)(void *ctx, struct zf_err *err);
	int (*connect)(void *ctx, struct zf_err *err); /* the device on this host */
	int (*disconnect)(void *ctx, struct zf_err *err); /* idempotent */
	int (*attach)(void *ctx, struct zf_err *err); /* attaching -> in-use */
	int (*begin_detaching)(void *ctx, struct zf_err *err); /* in-use -> detaching */
	int (*roll_detaching)(void *ctx, struct zf_err *err); /* detaching -> in-use */
	int (*detach)(void *ctx, struct zf_err *err); /* detaching -> available */
	int (*format)(void *ctx, struct zf_err *err); /* mkfs, only when it has no filesystem */
	int (*mount)(void *ctx, struct zf_err *err); /* under the state directory */
	int (*umount)(void *ctx, struct zf_err *err); /* idempotent */
};

/*
 * From an available volume to one mounted on this host. On failure every
 * step done is undone in reverse (an attached one by the detach order), so
 * the volume is available again and nothing is mounted or connected.
 */
int zf_cinder_attach_run(const struct zf_cinder_steps *s, void *ctx, struct zf_err *err);

/*
 * From an attached, mounted volume to an available one. begun: the volume
 * is already detaching (a detach cut short): begin_detaching is skipped.
 * A failure before the host side is gone puts it back (mounted, in-use);
 * one after (terminate, detach) is reported and a retry resumes (begun).
 */
int zf_cinder_detach_run(const struct zf_cinder_steps *s, void *ctx, bool begun,
			 struct zf_err *err);
