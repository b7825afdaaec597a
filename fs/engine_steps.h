/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The engine steps every kind's jobs share: what a job reads of its object
 * (a snapshot), state changes, images and the pause image, the sandbox
 * infra container, containers started with their owner's labels, stop and
 * remove by uuid, waiting for a sandbox or volume to be ready, and volume
 * mounts. Worker threads only: the calls block on the engine. The
 * registry lock is taken inside, never held across an engine call.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "../backend/engine.h"
#include "daemon.h"

/* Grace period of rmdir and of a rebuild's stop, as `docker stop`. */
#define ZF_STOP_GRACE_S 10
/* How long a container waits for its sandbox, or a volume, to come up. */
#define ZF_SANDBOX_WAIT_S 60

struct zf_container_spec;
struct zf_capsule_spec;
struct zf_volume_spec;

/*
 * What a job reads of its object once, under the lock, and its spec as the
 * object keeps it parsed: a copy of the job's own (it may change it, and
 * hands it on or lets zf_snapshot_clear free it). NULL while Empty or when
 * the spec in the store could not be read.
 */
struct zf_snapshot {
	char uuid[ZF_UUID_LEN + 1];
	char name[ZF_NAME_MAX + 1];
	enum zf_kind kind;
	unsigned owner;
	char engine_id[72];
	bool deleting;
	char parent[ZF_UUID_LEN + 1]; /* a capsule member's capsule, "" if none */
	struct zf_container_spec *spec; /* containers, sandboxes, capsule members */
	struct zf_capsule_spec *capsule; /* capsules: the spec in force */
	struct zf_volume_spec *volume; /* volumes */
};

/* Fills ret from object uuid (-ENOENT if gone, -ENOMEM: ret holds
 * nothing then); the caller zf_snapshot_clears it. */
int zf_snapshot_take(struct zf_daemon *d, const char *uuid, struct zf_snapshot *ret);
/* Frees the specs snap holds; a cleared snapshot may be cleared again. */
void zf_snapshot_clear(struct zf_snapshot *snap);

/*
 * zunfs's own labels beyond the owner's identity (docs/design.md): what
 * part of its object a container is, which capsule sandbox (generation) a
 * member belongs with, and a capsule sandbox's generation number.
 */
#define ZF_LABEL_GROUP "zunfs.sandbox"
#define ZF_LABEL_GENERATION "zunfs.generation"

/* The labels and engine name of a container made for snap. */
struct zf_steps_owner {
	struct zf_owner_labels labels;
	struct zf_kv extra[1];
};

/* role NULL: the object's own container; generation > 0: a capsule's, in
 * the engine name (zunfs-UUID[-gN]-ROLE, free again once removed). */
void zf_steps_owner_labels(struct zf_daemon *d, const struct zf_snapshot *snap, const char *role,
			   int generation, struct zf_steps_owner *ret);

/* A listed container's role ("" for an object's own), group and generation (0: none). */
const char *zf_steps_role(const struct zf_container_summary *c);
const char *zf_steps_group(const struct zf_container_summary *c);
int zf_steps_generation(const struct zf_container_summary *c);

/* Whether an operation is in flight on uuid (its task_state is set). */
bool zf_steps_task_in_flight(struct zf_daemon *d, const char *uuid);

/* Sets status/reason/task of uuid if it still exists; ZF_STATE_KEEP or NULL
 * leaves a field. An object being deleted keeps Deleting whatever a job
 * finds. */
void zf_steps_set_state(struct zf_daemon *d, const char *uuid, enum zf_state status,
			const char *reason, const char *task);

/* Ends a failed step: Error ("step: why"), no task. Returns r. */
int zf_steps_fail(struct zf_daemon *d, const char *uuid, int r, const char *step,
		  const struct zf_err *err);
/* zf_steps_fail() in a capsule's words: Failed. */
int zf_steps_fail_capsule(struct zf_daemon *d, const char *uuid, int r, const char *step,
			  const struct zf_err *err);

/* Reads the engine's state of the object's container into it (gone:
 * zf_lifecycle_engine_lost). idle_only: not if an operation is in flight
 * by then (a refresh job's). 0 when engine_id is "". */
int zf_steps_refresh(struct zf_daemon *d, const char *uuid, const char *engine_id,
		     bool idle_only);

/*
 * Stops the listed containers of uuid that run, all at once (a capsule's
 * members get their grace periods side by side). only_group / keep_group
 * (NULL: any) select a capsule generation: a sandbox's id is its own
 * generation, the others carry it in their group label.
 */
void zf_steps_stop_running(struct zf_daemon *d, const struct zf_container_summary *list, int n,
			   const char *uuid, const char *only_group, const char *keep_group);

/* Stops and removes every engine container labelled with uuid (and
 * engine_id, listed or not); gone already counts as removed. */
int zf_steps_remove_containers(struct zf_daemon *d, const char *uuid, const char *engine_id,
			       struct zf_err *err);

/* The image of cfg present (pulled, with progress in uuid's status_reason,
 * if its pull policy asks). On failure err says which step and why. */
int zf_steps_image_ready(struct zf_daemon *d, const char *uuid,
			 const struct zf_container_config *cfg, struct zf_err *err);
/*
 * What a securityContext asks (sec, a container's; pod, its capsule's or
 * NULL) set on cfg, once its image is present: the kubelet's runAsNonRoot
 * check against the image's user (-EPERM, err saying why), then User,
 * ReadonlyRootfs, no-new-privileges, CapDrop, GroupAdd.
 */
int zf_steps_security(struct zf_daemon *d, const struct zf_security *sec,
		      const struct zf_security *pod, struct zf_container_config *cfg,
		      struct zf_err *err);
/* zf_steps_image_ready() for a container or sandbox of its own: Error on failure. */
int zf_steps_ensure_image(struct zf_daemon *d, const char *uuid,
			  const struct zf_container_config *cfg);
/* The built-in sandbox image (zunfs's pause program), imported when absent. */
int zf_steps_ensure_pause_image(struct zf_daemon *d, const char *uuid);

/* A sandbox's infra container: the pause image (or sandbox_image=), a
 * shareable IPC namespace, unless-stopped. */
int zf_steps_sandbox_config(struct zf_daemon *d, const char *uuid,
			    struct zf_container_config *cfg);
/* zf_steps_sandbox_config() with its image present (Error on failure). */
int zf_steps_sandbox_ready(struct zf_daemon *d, const char *uuid,
			   struct zf_container_config *sb);

/*
 * Waits for kind/name to be ready (status ready_a or ready_b, with an
 * engine id), up to ZF_SANDBOX_WAIT_S if it is still coming up: 0 and its
 * engine id; -ENOENT if there is none; -EBUSY if it settled elsewhere (its
 * status in *ret_status).
 */
int zf_steps_wait_ready(struct zf_daemon *d, enum zf_kind kind, const char *name,
			enum zf_state ready_a, enum zf_state ready_b, enum zf_state *ret_status,
			char id[72]);

/* Adds volumes/NAME at target to cfg's mounts as its driver says, once it
 * is made (waited for, a while). On failure err says why. */
int zf_steps_volume_mount(struct zf_daemon *d, const char *name, const char *target,
			  bool read_only, struct zf_container_config *cfg, struct zf_err *err);
/* A container's volumeMounts (a sandbox's volumes) as engine mounts. */
int zf_steps_spec_mounts(struct zf_daemon *d, const struct zf_container_spec *spec,
			 struct zf_container_config *cfg, struct zf_err *err);

/* Creates and starts one more engine container of snap's object (a private
 * sandbox, a capsule's sandbox or member), labelled with role and
 * generation; its id in *ret_id (free() it). */
int zf_steps_start_labelled(struct zf_daemon *d, const struct zf_snapshot *snap,
			    const char *role, int generation, const struct zf_container_config *cfg,
			    char **ret_id, struct zf_err *err);

/* Appends one label to cfg. */
int zf_steps_add_label(struct zf_container_config *cfg, const char *key, const char *value);
