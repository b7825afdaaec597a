/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the user's writes and directory changes do, without the kernel
 * plumbing (fs/fuse/ calls these and sends their result). Each returns 0
 * or a negative errno, and on refusal leaves the reason in status_reason
 * where there is an object to hold it. None calls the engine.
 */
#pragma once

#include <stddef.h>

#include "daemon.h"

/* mkdir KIND/NAME by uid, whose gid is gid. -EDQUOT when uid (not root)
 * has d->opts.max_objects records (zf_registry_count_owned_locked). */
int zf_action_mkdir(struct zf_daemon *d, enum zf_kind kind, const char *name, unsigned uid,
		    unsigned gid);

/* mkdir capsules/CAPSULE/containers/NAME by uid: a container to add to the
 * running capsule once its spec.yaml is written (zun run --capsule).
 * -EDQUOT as zf_action_mkdir: a member is a record of its capsule's owner. */
int zf_action_mkdir_member(struct zf_daemon *d, const char *capsule, const char *name,
			   unsigned uid);

/* rmdir of a member: EPERM (members go with the capsule), except one made by
 * mkdir that never got a spec. */
int zf_action_rmdir_member(struct zf_daemon *d, const char *capsule, const char *name,
			   unsigned uid);

/*
 * containers/NAME as a link to a capsule member: NAME is CAPSULE.CNAME,
 * no container is called NAME, uid sees the capsule. 0 and the link's
 * target (relative) in buf, or -ENOENT. Lock held.
 */
int zf_action_link_target_locked(struct zf_daemon *d, const char *name, unsigned uid, char *buf,
				 size_t size);

/* rmdir KIND/NAME: the name is free at once, the engine work goes on behind. */
int zf_action_rmdir(struct zf_daemon *d, enum zf_kind kind, const char *name, unsigned uid);

/*
 * A whole new spec.yaml for uuid, written by uid: validated now, launched
 * behind. What the spec names (a sandbox, volumes) resolves only among the
 * objects uid may see (zf_object_visible): another user's is refused as if
 * it did not exist.
 */
int zf_action_apply_spec(struct zf_daemon *d, const char *uuid, const char *text, size_t len,
			 unsigned uid);

/* A spec that cannot be applied for how it was written (a write that
 * failed): r returned, reason in uuid's status_reason, nothing else
 * changes. */
int zf_action_refuse_spec(struct zf_daemon *d, const char *uuid, int r, const char *reason);

/* One ctl command for uuid; waits for the engine (interrupted: see zf_jobs_run). */
int zf_action_ctl(struct zf_daemon *d, const char *uuid, const char *line,
		  bool (*interrupted)(void));

/*
 * Whether obj's spec.yaml takes a new spec: 0, or -EPERM (and why in
 * status_reason) for a member of a capsule's spec, which changes with the
 * capsule's spec.yaml. Lock held.
 */
int zf_action_spec_writable_locked(struct zf_daemon *d, struct zf_object *obj);

