/* SPDX-License-Identifier: Apache-2.0 */
#include "kind_ops.h"

const struct zf_kind_ops *zf_kind_ops(enum zf_kind kind, bool member)
{
	static const struct zf_kind_ops *const rows[ZF_KIND_COUNT] = {
		[ZF_KIND_CONTAINER] = &zf_container_ops,
		[ZF_KIND_SANDBOX] = &zf_sandbox_ops,
		[ZF_KIND_CAPSULE] = &zf_capsule_ops,
		[ZF_KIND_VOLUME] = &zf_volume_ops,
	};

	if (member)
		return &zf_member_ops;
	return kind < ZF_KIND_COUNT ? rows[kind] : NULL;
}

void zf_kinds_load_locked(struct zf_registry *reg, struct zf_object *obj)
{
	zf_object_ops(obj)->load_locked(reg, obj);
}
