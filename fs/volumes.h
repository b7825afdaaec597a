/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Who uses a volume: containers' volumeMounts, sandboxes' volumes and
 * capsules' volumes entries ({name, volume: VOLUME}) name volumes/NAME.
 * A volume with a user is In-use and cannot be removed. Pure registry
 * walks; the caller holds the registry lock.
 */
#pragma once

#include "registry.h"

/* The first live object whose spec names volume `name`, or NULL. */
const struct zf_object *zf_volume_user_locked(struct zf_registry *reg, const char *name);
/* The same over a list of objects from `first` on (render.c's view). */
const struct zf_object *zf_volume_user_in(const struct zf_object *first, const char *name);

/* Sets every made volume (Available or In-use, no task) to what its users say. */
void zf_volumes_recount_locked(struct zf_registry *reg);

/*
 * The first object other than except_uuid that adopts Cinder volume id: a
 * volume with volumeID: id, a capsule with {cinder: {volumeID: id}} (its
 * spec or an upgrade's), being deleted too (it holds the attach until its
 * detach is done). One holder per Cinder volume: this host attaches it once.
 */
const struct zf_object *zf_cinder_holder_locked(struct zf_registry *reg, const char *id,
						const char *except_uuid);
