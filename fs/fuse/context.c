/* SPDX-License-Identifier: Apache-2.0 */
/* Who asks (uid, groups, an interrupt) and which object their path names. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>

#include "../actions.h"
#include "../health.h"
#include "private.h"

struct zf_daemon *zf_fuse_daemon(void)
{
	return fuse_get_context()->private_data;
}

unsigned zf_fuse_uid(void)
{
	return (unsigned)fuse_get_context()->uid;
}

unsigned zf_fuse_gid(void)
{
	return (unsigned)fuse_get_context()->gid;
}

/* The caller, for a volume's data/ (volume_data.c works as them). */
struct zf_caller zf_fuse_caller(void)
{
	struct fuse_context *c = fuse_get_context();
	struct zf_caller who = { .uid = c->uid, .gid = c->gid, .umask = c->umask };
	int n = fuse_getgroups(ZF_CALLER_GROUPS, who.groups);

	/* unknown (or too many to take all): none but its own group */
	who.n_groups = n >= 0 && n <= ZF_CALLER_GROUPS ? n : 0;
	return who;
}

enum zf_call zf_fuse_caller_call(void)
{
	char path[64];
	long nr = -1;
	FILE *f;

	/* the request's pid is the calling thread's, blocked in its syscall */
	snprintf(path, sizeof(path), "/proc/%d/syscall", (int)fuse_get_context()->pid);
	f = fopen(path, "re");
	if (!f)
		return ZF_CALL_OTHER;
	if (fscanf(f, "%ld", &nr) != 1)
		nr = -1;
	fclose(f);
#ifdef SYS_rename
	if (nr == SYS_rename)
		return ZF_CALL_RENAME;
#endif
#ifdef SYS_unlink
	if (nr == SYS_unlink)
		return ZF_CALL_UNLINK;
#endif
#ifdef SYS_renameat2
	if (nr == SYS_renameat2)
		return ZF_CALL_RENAME;
#endif
	if (nr == SYS_renameat)
		return ZF_CALL_RENAME;
	return nr == SYS_unlinkat ? ZF_CALL_UNLINK : ZF_CALL_OTHER;
}

bool zf_fuse_interrupted(void)
{
	return fuse_interrupted() != 0;
}

bool zf_fuse_stopping(struct zf_daemon *d)
{
	return atomic_load(&d->stopping);
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

		if (!c || !zf_action_visible(c, zf_fuse_uid()))
			return NULL;
		obj = zf_registry_find_member_locked(d->reg, c->rec.uuid, p->name);
	} else {
		obj = zf_registry_find_locked(d->reg, p->kind, p->name);
		if (obj && !zf_action_visible(obj, zf_fuse_uid()))
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

	return c && zf_action_visible(c, zf_fuse_uid()) ? c : NULL;
}

int zf_fuse_path_parse(const char *path, struct zf_path *p, ssize_t *ret_old_size)
{
	struct zf_hidden_info h = { .old_size = -1 };
	int r = zf_path_parse(path, p);

	if (r == 0 && p->node == ZF_NODE_OTHER && zf_hidden_find(p->leaf, &h) == 0 && !h.temp) {
		p->node = ZF_NODE_FILE;
		p->file = ZF_FILE_SPEC;
	} else {
		h.old_size = -1;
	}
	if (ret_old_size)
		*ret_old_size = h.old_size;
	return r;
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
