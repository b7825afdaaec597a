/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>

#include "../uidcount.h"
#include "shares.h"

const struct zf_share_cap zf_share_caps[ZF_SHARE_COUNT] = {
	/* a user's ulimit -n is 1024 too; 8192 handles are a few MiB */
	[ZF_SHARE_HANDLES] = { 1024, 8192, 1024, EMFILE, ENFILE },
	/* a parked request is a few hundred bytes and holds no thread */
	[ZF_SHARE_PARKED] = { 256, 4096, 512, EAGAIN, EAGAIN },
	/* queued or running engine calls; the room runs a few of each user's */
	[ZF_SHARE_ROOM] = { 64, 1024, 128, EAGAIN, EAGAIN },
};

/* One count per share (uidcount.c: a user's cap, root's, the others'). */
static struct zf_uidcount counts[ZF_SHARE_COUNT] = {
	ZF_UIDCOUNT_INIT,
	ZF_UIDCOUNT_INIT,
	ZF_UIDCOUNT_INIT,
};

int zf_share_take(enum zf_share s, unsigned uid)
{
	const struct zf_share_cap *cap = &zf_share_caps[s];
	/* root may take up to the total; the users together the rest of it */
	const struct zf_uidcount_caps caps = { .user = cap->per_user,
					       .root = cap->total,
					       .others = cap->total - cap->root_reserve };
	int r = zf_uidcount_take(&counts[s], uid, &caps);

	if (r == -EDQUOT)
		return -cap->user_errno;
	if (r == -ENOSPC)
		return -cap->total_errno;
	return r;
}

void zf_share_give(enum zf_share s, unsigned uid)
{
	zf_uidcount_give(&counts[s], uid);
}

unsigned zf_share_held(enum zf_share s, unsigned uid)
{
	return zf_uidcount_held(&counts[s], uid);
}
