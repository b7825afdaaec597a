/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The volume driver interface: where a volume's storage comes from, and
 * what a container's config gets to use it.
 *
 * A driver is a table of function pointers, like the engine (engine.h).
 * fs/ holds one driver per spec `driver:` word (fs/volume_drivers.c) and
 * calls nothing else for a volume's storage. The drivers:
 *  - "local" (docker_volume.c): engine volumes, over the Engine API's
 *    volume endpoints (POST /volumes/create, GET and DELETE
 *    /volumes/{name}, GET /volumes?filters=...);
 *  - "cinder" (cinder_volume.c): a Cinder volume, connected to this host
 *    and mounted under zunfs's state directory, then bind-mounted into
 *    containers (the order is the Cinder integration spec's: reserve,
 *    initialize_connection, connect, attach, mount; and to detach:
 *    begin_detaching, disconnect, terminate_connection, detach;
 *    cinder_steps.h).
 *
 * Nothing here knows about FUSE, inodes or zunfs's file tree. A host path
 * (host_path below) is a directory of the host, never a path in the mount.
 *
 * Conventions for every call (those of engine.h):
 *  - returns 0 (or a count) on success, a negative errno on failure;
 *  - `err` may be NULL; when not NULL and the call fails, err->msg holds
 *    the backend's own words (e.g. the engine's "volume is in use");
 *  - ret_* output parameters are written only on success and belong to
 *    the caller (free with the matching *_clear, *_free or free());
 *  - every call is safe from any thread; calls may block on the network,
 *    except mount_for_container, which does no I/O.
 *
 * Sizes are in bytes throughout (a driver whose backend counts in GiB, as
 * Cinder does, rounds a request up to whole GiB and says so in its file).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "engine.h"

/* What a volume spec asks of its driver, whichever driver (borrowed fields). */
struct zf_volume_request {
	/* Labels for what the driver makes; uuid also names it where the
	 * backend names volumes, unless engine_name is given. */
	const struct zf_owner_labels *owner;
	int64_t size_bytes; /* 0: the driver's default */
	const char *type; /* a backend volume type (Cinder's volumeType); NULL: the default */
	const char *adopt_id; /* a backend volume to take (Cinder's volumeID); NULL: make one */
	const struct zf_kv *opts; /* driverOptions, n_opts pairs, handed to the backend */
	size_t n_opts;
	/* Outlives its owner: made without the instance label, so list() (and
	 * reconcile's clean-up of what no record owns) never finds it. */
	bool unowned;
	/* Only find the volume made before for this owner: -ENOENT if none. */
	bool existing;
};

enum zf_volume_state {
	ZF_VOLUME_READY = 0, /* made and usable (an engine volume that exists; Cinder: in-use) */
	ZF_VOLUME_PENDING, /* still on its way (Cinder: creating, reserved, attaching) */
	ZF_VOLUME_FAILED, /* the backend gave up on it (Cinder: error); why in reason */
};

/* What a driver knows of one of its volumes. Clear with zf_volume_info_clear(). */
struct zf_volume_info {
	enum zf_volume_state state;
	char *host_path; /* where this host sees its files; NULL when it has none (not attached) */
	int64_t size_bytes; /* 0: not known (engine volumes have no size) */
	char reason[256]; /* ZF_VOLUME_FAILED: the backend's words */
};

static inline void zf_volume_info_clear(struct zf_volume_info *info)
{
	free(info->host_path);
	info->host_path = NULL;
}

/* One volume of this instance, as list() finds it. */
struct zf_volume_summary {
	char name[128]; /* the driver's volume id */
	char uuid[40]; /* from the zunfs.uuid label: the record that made it */
	char role[80]; /* from zunfs.role: a capsule's entry, cinder.NAME; "" for none */
};

struct zf_volume_driver;

struct zf_volume_driver_ops {
	const char *name; /* the spec's driver: word: "local", "cinder" */
	void (*free)(struct zf_volume_driver *drv);

	/*
	 * Makes the volume req asks for (or takes req->adopt_id) and gives the
	 * driver's id for it, which every other call takes, in *ret_id (the
	 * caller's). ret_info (may be NULL) gets what inspect would say now,
	 * when the driver learns it on the way (else state PENDING and no
	 * host path). Doing it again for the same owner (uuid and extra
	 * labels) gives the same volume (a launch cut short is simply done
	 * again).
	 */
	int (*create)(struct zf_volume_driver *drv, const struct zf_volume_request *req,
		      char **ret_id, struct zf_volume_info *ret_info, struct zf_err *err);
	/* Its state, host path and size; -ENOENT if the backend has no such volume. */
	int (*inspect)(struct zf_volume_driver *drv, const char *id,
		       struct zf_volume_info *ret_info, struct zf_err *err);
	/* Deletes the volume and its data; -EBUSY while something uses it, -ENOENT if gone. */
	int (*remove)(struct zf_volume_driver *drv, const char *id, struct zf_err *err);
	/* The volumes labelled zunfs.instance=instance: the count, *ret_list the caller's. */
	int (*list)(struct zf_volume_driver *drv, const char *instance,
		    struct zf_volume_summary **ret_list, struct zf_err *err);

	/*
	 * Makes the volume's files visible on this host, so that inspect gives
	 * a host path; detach undoes it. Both are idempotent (0 when there is
	 * nothing to do). zunfs keeps every made volume attached (its data/
	 * is served from the host path): attach after create and at every
	 * refresh, detach before remove. For engine volumes both do nothing:
	 * the engine keeps their files on this host. Cinder connects the
	 * volume and mounts it under the state directory (the spec's order,
	 * above).
	 */
	int (*attach)(struct zf_volume_driver *drv, const char *id, struct zf_err *err);
	int (*detach)(struct zf_volume_driver *drv, const char *id, struct zf_err *err);
	/*
	 * Optional (NULL: nothing to do). At startup, before any other op:
	 * undoes what a crash cut short on this host, whoever holds the
	 * volume (Cinder: every attach whose mark is left, whose volume would
	 * otherwise stay attaching; its holder's refresh or launch attaches
	 * it again). 0, or the first failure (the rest are still tried).
	 */
	int (*recover)(struct zf_volume_driver *drv, struct zf_err *err);
	/*
	 * Optional. Lets a made volume outlive its owner: list() no longer
	 * finds it, so no clean-up of zunfs deletes it (Cinder: its
	 * zunfs.instance metadata goes). 0 also when it is gone or has no such
	 * label.
	 */
	int (*disown)(struct zf_volume_driver *drv, const char *id, struct zf_err *err);

	/*
	 * What a container's config gets to have the volume at target (an
	 * absolute path in the container): an engine volume by its name
	 * (bind false), or a bind of host_path (bind true; host_path as
	 * inspect gave it, may be NULL for drivers that do not bind).
	 * *ret_mount's strings are the caller's. No I/O.
	 */
	int (*mount_for_container)(struct zf_volume_driver *drv, const char *id,
				   const char *host_path, const char *target, bool read_only,
				   struct zf_mount *ret_mount, struct zf_err *err);
};

struct zf_volume_driver {
	const struct zf_volume_driver_ops *ops;
};

static inline void zf_volume_driver_free(struct zf_volume_driver *drv)
{
	if (drv)
		drv->ops->free(drv);
}

/*
 * The local driver over a Docker engine made by zf_docker_engine_new*():
 * engine volumes named zunfs-UUID (the owner's uuid), driver "local", the
 * request's opts as DriverOpts; size and type are not the engine's (a
 * tmpfs takes o: size=...), adopt_id is refused (-EINVAL). The engine must
 * outlive the driver. -EINVAL if engine is not a Docker engine.
 */
int zf_docker_volume_driver_new(struct zf_engine *engine, struct zf_volume_driver **ret_driver);

/*
 * The cinder driver (cinder_volume.c) over a Cinder v3 endpoint, url
 * http://HOST:PORT/v3/PROJECT, with token sent as X-Auth-Token. Volumes are
 * mounted under state_dir/cinder (made here), which must not be under a
 * FUSE mount of zunfs. Each request to Cinder gives up after timeout_s
 * seconds (0: 60) with -ETIMEDOUT; an attach or detach is several. Calls
 * no Cinder: -EINVAL (err says why) only for a URL or token it cannot use.
 */
int zf_cinder_volume_driver_new(const char *url, const char *token, const char *state_dir,
				unsigned timeout_s, struct zf_volume_driver **ret_driver,
				struct zf_err *err);
