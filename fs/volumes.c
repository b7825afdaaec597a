/* SPDX-License-Identifier: Apache-2.0 */
#include <string.h>

#include "volumes.h"

/* Whether a capsule's (parsed) spec has a volumes entry {volume: name}. */
static bool capsule_names(const struct zf_capsule_spec *c, const char *name)
{
	for (size_t i = 0; c && i < c->n_volumes; i++)
		if (c->volumes[i].zunfs_volume && strcmp(c->volumes[i].zunfs_volume, name) == 0)
			return true;
	return false;
}

const struct zf_object *zf_volume_user_locked(struct zf_registry *reg, const char *name)
{
	return zf_volume_user_in(zf_registry_first_locked(reg), name);
}

const struct zf_object *zf_volume_user_in(const struct zf_object *first, const char *name)
{
	for (const struct zf_object *o = first; o; o = o->next) {
		if (o->rec.deleting || o->rec.kind == ZF_KIND_VOLUME)
			continue;
		/* a capsule's: its spec in force, or the one an upgrade is bringing in */
		if (o->rec.kind == ZF_KIND_CAPSULE) {
			if (capsule_names(o->capsule, name) || capsule_names(o->pending_capsule, name))
				return o;
			continue;
		}
		/* containers (not capsule members: they name the capsule's volumes) and
		 * sandboxes */
		if (o->rec.parent[0] || !o->spec)
			continue;
		for (size_t i = 0; i < o->spec->n_mounts; i++)
			if (strcmp(o->spec->mounts[i].name, name) == 0)
				return o;
	}
	return NULL;
}

void zf_volumes_recount_locked(struct zf_registry *reg)
{
	for (struct zf_object *o = zf_registry_first_locked(reg); o; o = o->next) {
		enum zf_state want;

		if (o->rec.kind != ZF_KIND_VOLUME || o->rec.deleting || o->rec.task_state[0] ||
		    (o->rec.status != ZF_STATE_AVAILABLE && o->rec.status != ZF_STATE_IN_USE))
			continue;
		want = zf_volume_user_locked(reg, o->rec.name) ? ZF_STATE_IN_USE
							       : ZF_STATE_AVAILABLE;
		if (o->rec.status != want)
			zf_registry_set_state_locked(reg, o, want, "", NULL);
	}
}

static bool capsule_adopts(const struct zf_capsule_spec *c, const char *id)
{
	for (size_t i = 0; c && i < c->n_volumes; i++)
		if (c->volumes[i].cinder_id && strcmp(c->volumes[i].cinder_id, id) == 0)
			return true;
	return false;
}

const struct zf_object *zf_cinder_holder_locked(struct zf_registry *reg, const char *id,
						const char *except_uuid)
{
	for (const struct zf_object *o = zf_registry_first_locked(reg); o; o = o->next) {
		if (strcmp(o->rec.uuid, except_uuid) == 0)
			continue;
		if (o->rec.kind == ZF_KIND_VOLUME && o->volume && o->volume->volume_id &&
		    strcmp(o->volume->volume_id, id) == 0)
			return o;
		if (o->rec.kind == ZF_KIND_CAPSULE &&
		    (capsule_adopts(o->capsule, id) || capsule_adopts(o->pending_capsule, id)))
			return o;
	}
	return NULL;
}
