/* SPDX-License-Identifier: Apache-2.0 */
/* Who asks (uid, groups, an interrupt) and which object their path names. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "../health.h"
#include "private.h"

/* One zunfs per process: the daemon the session serves. */
static struct zf_daemon *the_daemon;
/* The request this thread works for (lowlevel.c sets it per request). */
static __thread const struct zf_req *current;

void zf_fuse_set_daemon(struct zf_daemon *d)
{
	the_daemon = d;
}

struct zf_daemon *zf_fuse_daemon(void)
{
	return the_daemon;
}

void zf_fuse_set_request(const struct zf_req *r)
{
	current = r;
}

const struct zf_req *zf_fuse_request(void)
{
	return current;
}

void zf_req_init(struct zf_req *r, fuse_req_t req)
{
	const struct fuse_ctx *c = fuse_req_ctx(req);

	*r = (struct zf_req){ .req = req, .uid = c->uid, .gid = c->gid, .pid = c->pid,
			      .umask = c->umask };
}

unsigned zf_fuse_uid(void)
{
	return current ? (unsigned)current->uid : 0;
}

unsigned zf_fuse_gid(void)
{
	return current ? (unsigned)current->gid : 0;
}

/* The caller, for a volume's data/ (volume_data.c works as them). */
struct zf_caller zf_fuse_caller(void)
{
	struct zf_caller who = { .uid = zf_fuse_uid(), .gid = zf_fuse_gid() };
	int n = -1;

	if (current)
		who.umask = current->umask;
	/* the caller's thread is still in its syscall: /proc has its groups */
	if (current && current->req)
		n = fuse_req_getgroups(current->req, ZF_CALLER_GROUPS, who.groups);
	/* unknown (or too many to take all): none but its own group */
	who.n_groups = n >= 0 && n <= ZF_CALLER_GROUPS ? n : 0;
	return who;
}

bool zf_fuse_interrupted(void)
{
	if (!current)
		return false;
	if (current->interrupted)
		return atomic_load(current->interrupted);
	return current->req && fuse_req_interrupted(current->req) != 0;
}

time_t zf_fuse_parse_time(const char *s)
{
	struct tm tm = { 0 };

	if (!strptime(s, "%Y-%m-%dT%H:%M:%S", &tm))
		return 0;
	return timegm(&tm);
}

struct zf_object *zf_fuse_object_locked(struct zf_daemon *d, const struct zf_path *p)
{
	struct zf_object *obj;

	if (p->capsule[0]) { /* a member: the capsule decides who sees it */
		struct zf_object *c = zf_registry_find_locked(d->reg, ZF_KIND_CAPSULE, p->capsule);

		if (!c || !zf_object_visible(c, zf_fuse_uid()))
			return NULL;
		obj = zf_registry_find_member_locked(d->reg, c->rec.uuid, p->name);
	} else {
		obj = zf_registry_find_locked(d->reg, p->kind, p->name);
		if (obj && !zf_object_visible(obj, zf_fuse_uid()))
			return NULL;
	}
	/* until/healthy is there for a container with a check only */
	if (obj && p->node == ZF_NODE_UNTIL && zf_health_word(p->leaf) && !zf_health_has_check(obj))
		return NULL;
	return obj;
}

struct zf_object *zf_fuse_members_dir_locked(struct zf_daemon *d, const struct zf_path *p)
{
	struct zf_object *c = zf_registry_find_locked(d->reg, ZF_KIND_CAPSULE, p->name);

	return c && zf_object_visible(c, zf_fuse_uid()) ? c : NULL;
}

int zf_fuse_object_uuid(struct zf_daemon *d, const struct zf_path *p,
			char ret_uuid[ZF_UUID_LEN + 1])
{
	struct zf_object *obj;

	zf_registry_lock(d->reg);
	obj = zf_fuse_object_locked(d, p);
	if (obj)
		memcpy(ret_uuid, obj->rec.uuid, ZF_UUID_LEN + 1);
	zf_registry_unlock(d->reg);
	return obj ? 0 : -ENOENT;
}
