/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The operations by path, kernel-free: each maps the path (tree.c), answers
 * a directory or a link from the registry, hands a change to actions.c, or
 * passes an open file's operation to its row (private.h: files.c,
 * streams.c, data.c), and returns 0 or -errno. lowlevel.c turns the
 * kernel's node ids into these paths and sends the one reply.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../actions.h"
#include "../health.h"
#include "../logs.h"
#include "../render.h"
#include "../tempfiles.h"
#include "ops.h"

static void fill_dir(struct stat *st, mode_t mode, uid_t uid, gid_t gid)
{
	st->st_mode = S_IFDIR | mode;
	st->st_nlink = 2;
	st->st_uid = uid;
	st->st_gid = gid;
}

int zf_fs_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
	struct zf_daemon *d = zf_fuse_daemon();
	struct zf_object *obj;
	struct zf_path p;
	char *text;
	int r;

	if (!path && fi)
		path = zf_handle_of(fi)->path_str;
	if (!path)
		return -ESTALE;
	r = zf_path_parse(path, &p);
	if (r < 0)
		return r;
	if (p.node == ZF_NODE_DATA) {
		if (fi && zf_handle_of(fi)->ops->fstat)
			return zf_handle_of(fi)->ops->fstat(zf_handle_of(fi), st);
		return zf_fuse_data_op(path, &p, ZF_DATA_STAT, &(struct zf_data_args){ .st = st });
	}
	memset(st, 0, sizeof(*st));
	st->st_uid = d->mount_uid;
	st->st_gid = d->mount_gid;
	st->st_blksize = 4096;
	switch (p.node) {
	case ZF_NODE_ROOT:
	case ZF_NODE_KIND_DIR:
		/* a kind directory is /tmp's kind: with allow_other anyone makes
		 * objects there, and only their owner (or root) removes them, which
		 * the kernel enforces too under default_permissions */
		fill_dir(st, p.node == ZF_NODE_KIND_DIR ? 01777 : 0755, d->mount_uid, d->mount_gid);
		st->st_mtime = st->st_ctime = st->st_atime = d->started_at;
		return 0;
	case ZF_NODE_EVENTS:
		st->st_mode = S_IFREG | 0444;
		st->st_nlink = 1;
		st->st_mtime = st->st_ctime = st->st_atime = d->started_at;
		return 0;
	case ZF_NODE_VERSION:
		zf_registry_lock(d->reg);
		text = zf_render_version(d->engine_version);
		zf_registry_unlock(d->reg);
		st->st_mode = S_IFREG | 0444;
		st->st_nlink = 1;
		st->st_size = text ? (off_t)strlen(text) : 0;
		st->st_mtime = st->st_ctime = st->st_atime = d->started_at;
		free(text);
		return 0;
	default:
		break;
	}
	zf_registry_lock(d->reg);
	obj = p.node == ZF_NODE_MEMBERS ? zf_fuse_members_dir_locked(d, &p) : zf_fuse_object_locked(d, &p);
	if (!obj && p.node == ZF_NODE_OBJECT && p.kind == ZF_KIND_CONTAINER && !p.capsule[0]) {
		char target[PATH_MAX];

		/* containers/CAPSULE.CNAME: a link to the member */
		r = zf_action_link_target_locked(d, p.name, zf_fuse_uid(), target, sizeof(target));
		if (r == 0) {
			st->st_mode = S_IFLNK | 0777;
			st->st_nlink = 1;
			st->st_size = (off_t)strlen(target);
			st->st_mtime = st->st_ctime = st->st_atime = d->started_at;
		}
		goto out;
	}
	if (!obj) {
		r = -ENOENT;
		goto out;
	}
	st->st_uid = obj->rec.owner;
	st->st_mtime = zf_fuse_parse_time(obj->rec.updated_at);
	st->st_ctime = st->st_mtime;
	st->st_atime = st->st_mtime;
	switch (p.node) {
	case ZF_NODE_OBJECT:
	case ZF_NODE_MEMBERS:
		fill_dir(st, 0755, obj->rec.owner, d->mount_gid);
		break;
	case ZF_NODE_UNTIL_DIR:
		fill_dir(st, 0555, obj->rec.owner, d->mount_gid);
		break;
	case ZF_NODE_UNTIL:
		st->st_mode = S_IFREG | 0444;
		st->st_nlink = 1;
		break;
	case ZF_NODE_FILE:
		st->st_mode = S_IFREG | zf_file_mode(p.file);
		if (p.file == ZF_FILE_SPEC && obj->spec_mtime)
			st->st_mtime = st->st_ctime = st->st_atime = obj->spec_mtime;
		/* a member of the capsule's spec changes with the capsule's spec.yaml */
		if (p.file == ZF_FILE_SPEC && obj->rec.parent[0] && !obj->rec.added)
			st->st_mode = S_IFREG | 0444;
		st->st_nlink = 1;
		/* a spec.yaml renamed over, still open: the old file, no name left */
		if (fi && atomic_load(&zf_handle_of(fi)->replaced)) {
			st->st_nlink = 0;
			st->st_size = (off_t)zf_handle_len(zf_handle_of(fi));
			break;
		}
		if (p.file == ZF_FILE_LOGS) {
			char lp[PATH_MAX];
			struct stat ls;

			/* the log's real size, so tail -f sees it grow */
			zf_logs_path(d->logs, obj->rec.uuid, lp, sizeof(lp));
			st->st_size = stat(lp, &ls) == 0 ? ls.st_size : 0;
			break;
		}
		if (!zf_file_is_rendered(p.file))
			break; /* streams and engine snapshots: no size before they are read */
		text = zf_render_file(obj, p.file, d->engine_version,
				      zf_registry_first_locked(d->reg));
		st->st_size = text ? (off_t)strlen(text) : 0;
		free(text);
		break;
	case ZF_NODE_OTHER: {
		ssize_t size = zf_temp_size(d->temps, obj->rec.uuid, p.leaf, zf_fuse_uid());

		if (size < 0) {
			r = -ENOENT;
			break;
		}
		st->st_mode = S_IFREG | 0644;
		st->st_nlink = 1;
		st->st_uid = zf_fuse_uid();
		st->st_size = size;
		break;
	}
	default:
		r = -ENOENT;
	}
out:
	zf_registry_unlock(d->reg);
	return r;
}

struct fill_ctx {
	void *buf;
	zf_fill_fn filler;
};

static void fill_one(const char *name, void *userdata)
{
	struct fill_ctx *fc = userdata;

	fc->filler(fc->buf, name);
}

/* containers/CAPSULE.CNAME for every member of the caller's capsules, unless a
 * container has that name. Lock held. */
static void list_links_locked(struct zf_daemon *d, void *buf, zf_fill_fn filler)
{
	char name[2 * ZF_NAME_MAX + 2], target[PATH_MAX];

	for (struct zf_object *o = zf_registry_first_locked(d->reg); o; o = o->next) {
		if (!o->rec.parent[0] || o->rec.deleting)
			continue;
		snprintf(name, sizeof(name), "%s.%s", o->parent_name, o->rec.name);
		/* the link must lead here (a capsule the caller sees, no container of the name) */
		if (zf_action_link_target_locked(d, name, zf_fuse_uid(), target, sizeof(target)) == 0)
			filler(buf, name);
	}
}

int zf_fs_readlink(const char *path, char *buf, size_t size)
{
	struct zf_daemon *d = zf_fuse_daemon();
	struct zf_path p;
	int r;

	r = zf_path_parse(path, &p);
	if (r < 0)
		return r;
	if (p.node == ZF_NODE_DATA)
		return zf_fuse_data_op(path, &p, ZF_DATA_READLINK,
				       &(struct zf_data_args){ .buf = buf, .size = size });
	if (p.node != ZF_NODE_OBJECT || p.kind != ZF_KIND_CONTAINER || p.capsule[0])
		return -EINVAL;
	zf_registry_lock(d->reg);
	r = zf_action_link_target_locked(d, p.name, zf_fuse_uid(), buf, size);
	if (r < 0 && zf_fuse_object_locked(d, &p))
		r = -EINVAL; /* a directory, not a link */
	zf_registry_unlock(d->reg);
	return r;
}

int zf_fs_readdir(const char *path, void *buf, zf_fill_fn filler)
{
	struct zf_daemon *d = zf_fuse_daemon();
	struct zf_path p;
	int r;

	r = zf_path_parse(path, &p);
	if (r < 0)
		return r;
	if (p.node == ZF_NODE_DATA) {
		struct fill_ctx fc = { buf, filler };

		return zf_fuse_data_op(path, &p, ZF_DATA_LIST,
				       &(struct zf_data_args){ .each = fill_one, .userdata = &fc });
	}
	filler(buf, ".");
	filler(buf, "..");
	switch (p.node) {
	case ZF_NODE_ROOT:
		for (int k = 0; k < ZF_KIND_COUNT; k++)
			filler(buf, zf_kind_dir((enum zf_kind)k));
		filler(buf, "events");
		filler(buf, "version");
		return 0;
	case ZF_NODE_KIND_DIR:
		zf_registry_lock(d->reg);
		for (struct zf_object *o = zf_registry_first_locked(d->reg); o; o = o->next)
			if (o->rec.kind == p.kind && !o->rec.deleting && !o->rec.parent[0] &&
			    zf_object_visible(o, zf_fuse_uid()))
				filler(buf, o->rec.name);
		if (p.kind == ZF_KIND_CONTAINER)
			list_links_locked(d, buf, filler);
		zf_registry_unlock(d->reg);
		return 0;
	case ZF_NODE_MEMBERS: {
		struct zf_object *c;

		zf_registry_lock(d->reg);
		c = zf_fuse_members_dir_locked(d, &p);
		for (struct zf_object *o = zf_registry_first_locked(d->reg); c && o; o = o->next)
			if (!o->rec.deleting && strcmp(o->rec.parent, c->rec.uuid) == 0)
				filler(buf, o->rec.name);
		zf_registry_unlock(d->reg);
		return c ? 0 : -ENOENT;
	}
	case ZF_NODE_OBJECT:
	case ZF_NODE_UNTIL_DIR: {
		char uuid[ZF_UUID_LEN + 1];

		if (zf_fuse_object_uuid(d, &p, uuid) < 0)
			return -ENOENT;
		if (p.node == ZF_NODE_UNTIL_DIR) {
			size_t n;
			const enum zf_state *states = zf_states(p.kind, &n);

			for (size_t i = 0; i < n; i++)
				filler(buf, zf_state_word(states[i]));
			if (p.kind == ZF_KIND_CONTAINER) {
				struct zf_object *o;
				bool check;

				zf_registry_lock(d->reg);
				o = zf_fuse_object_locked(d, &p);
				check = o && zf_health_has_check(o);
				zf_registry_unlock(d->reg);
				for (const char *const *s = zf_health_words; check && *s; s++)
					filler(buf, *s);
			}
			return 0;
		}
		for (int f = 0; f < ZF_FILE_COUNT; f++)
			if (zf_file_in_kind((enum zf_file)f, p.kind))
				filler(buf, zf_file_name((enum zf_file)f));
		filler(buf, "until");
		if (p.kind == ZF_KIND_CAPSULE)
			filler(buf, "containers");
		if (p.kind == ZF_KIND_VOLUME && zf_fuse_volume_has_data(d, &p))
			filler(buf, "data");
		struct fill_ctx fc = { buf, filler };

		zf_temp_list(d->temps, uuid, zf_fuse_uid(), fill_one, &fc);
		return 0;
	}
	default:
		return -ENOTDIR;
	}
}

int zf_fs_mkdir(const char *path, mode_t mode)
{
	struct zf_path p;
	int r;

	r = zf_path_parse(path, &p);
	if (r == -ENAMETOOLONG)
		return r;
	if (r == 0 && p.node == ZF_NODE_DATA)
		return zf_fuse_data_op(path, &p, ZF_DATA_MKDIR, &(struct zf_data_args){ .n = mode });
	if (r < 0 || p.node != ZF_NODE_OBJECT)
		return -EPERM; /* only KIND/NAME and capsules/NAME/containers/NEW can be made */
	if (p.capsule[0])
		return zf_action_mkdir_member(zf_fuse_daemon(), p.capsule, p.name, zf_fuse_uid());
	return zf_action_mkdir(zf_fuse_daemon(), p.kind, p.name, zf_fuse_uid(), zf_fuse_gid());
}

int zf_fs_rmdir(const char *path)
{
	struct zf_path p;
	int r;

	r = zf_path_parse(path, &p);
	if (r < 0)
		return r;
	if (p.node == ZF_NODE_DATA)
		return zf_fuse_data_op(path, &p, ZF_DATA_RMDIR, &(struct zf_data_args){ 0 });
	if (p.node == ZF_NODE_ROOT || p.node == ZF_NODE_KIND_DIR || p.node == ZF_NODE_UNTIL_DIR ||
	    p.node == ZF_NODE_MEMBERS)
		return -EPERM;
	if (p.node != ZF_NODE_OBJECT)
		return -ENOTDIR;
	r = p.capsule[0] ? zf_action_rmdir_member(zf_fuse_daemon(), p.capsule, p.name, zf_fuse_uid())
			 : zf_action_rmdir(zf_fuse_daemon(), p.kind, p.name, zf_fuse_uid());
	if (r == 0) /* its members and their links are gone too: stat says so now */
		zf_fuse_cache_sync();
	return r;
}

int zf_fs_open_begin(const char *path, struct fuse_file_info *fi, struct zf_handle **ret_handle)
{
	struct zf_daemon *d = zf_fuse_daemon();
	int acc = fi->flags & O_ACCMODE;
	struct zf_handle *h;
	int r;

	r = zf_handle_new(path, fi, &h);
	if (r < 0)
		return r;
	h->ops = zf_fuse_row(&h->path);
	if (!h->ops) {
		zf_handle_free(h);
		return -EISDIR;
	}
	fi->direct_io = 1; /* sizes change under the kernel: never serve from its cache */
	if (h->path.node != ZF_NODE_DATA) {
		struct zf_object *obj = NULL;

		zf_registry_lock(d->reg);
		if (h->path.node != ZF_NODE_EVENTS && h->path.node != ZF_NODE_VERSION) {
			obj = zf_fuse_object_locked(d, &h->path);
			if (obj)
				memcpy(h->uuid, obj->rec.uuid, sizeof(h->uuid));
			else
				r = -ENOENT;
		}
		if (r == 0 && h->ops->open_locked)
			r = h->ops->open_locked(d, h, obj, fi, acc);
		zf_registry_unlock(d->reg);
	}
	if (r < 0) {
		zf_handle_free(h);
		return r;
	}
	*ret_handle = h;
	return 0;
}

int zf_fs_open_end(struct zf_handle *h, struct fuse_file_info *fi, mode_t mode)
{
	int r = 0;

	if (h->ops->open)
		r = h->ops->open(zf_fuse_daemon(), h, fi, fi->flags & O_ACCMODE, mode);
	if (r < 0) {
		zf_handle_free(h);
		return r;
	}
	fi->fh = (uint64_t)(uintptr_t)h;
	return 0;
}

/* Both halves at once: for rows whose open does not wait (create's). */
static int open_common(const char *path, struct fuse_file_info *fi, mode_t mode)
{
	struct zf_handle *h;
	int r = zf_fs_open_begin(path, fi, &h);

	return r < 0 ? r : zf_fs_open_end(h, fi, mode);
}

int zf_fs_read(struct zf_handle *h, char *buf, size_t size, off_t off)
{
	if (h->ops->read)
		return h->ops->read(zf_fuse_daemon(), h, buf, size, off);
	return zf_handle_read_buf(h, buf, size, off);
}

int zf_fs_write(struct zf_handle *h, const char *buf, size_t size, off_t off)
{
	return h->ops->write ? h->ops->write(zf_fuse_daemon(), h, buf, size, off) : -EBADF;
}

int zf_fs_flush(struct zf_handle *h)
{
	return h->ops->flush ? h->ops->flush(zf_fuse_daemon(), h) : 0;
}

void zf_fs_release(struct zf_handle *h)
{
	if (h->ops->release)
		h->ops->release(zf_fuse_daemon(), h);
	zf_handle_free(h);
}

int zf_fs_fsync(struct zf_handle *h, int datasync)
{
	return h->ops->fsync ? h->ops->fsync(h, datasync) : 0;
}

int zf_fs_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
	struct zf_daemon *d = zf_fuse_daemon();
	struct zf_object *obj;
	struct zf_path p;
	char uuid[ZF_UUID_LEN + 1], *text;
	int r;

	if (fi) {
		struct zf_handle *h = zf_handle_of(fi);

		return h->ops->truncate ? h->ops->truncate(d, h, size) : -EACCES;
	}
	r = zf_path_parse(path, &p);
	if (r < 0)
		return r;
	if (p.node == ZF_NODE_DATA)
		return zf_fuse_data_op(path, &p, ZF_DATA_TRUNCATE, &(struct zf_data_args){ .n = size });
	if (p.node == ZF_NODE_OTHER)
		return zf_fuse_temp_op(&p, ZF_TEMP_TRUNCATE, size);
	if (p.node != ZF_NODE_FILE)
		return -EISDIR;
	if (p.file != ZF_FILE_SPEC)
		return -EACCES;
	/* truncate(1) on spec.yaml: the cut spec is applied like any other */
	zf_registry_lock(d->reg);
	obj = zf_fuse_object_locked(d, &p);
	text = obj ? strdup(obj->rec.spec) : NULL;
	if (obj)
		memcpy(uuid, obj->rec.uuid, sizeof(uuid));
	zf_registry_unlock(d->reg);
	if (!obj)
		return -ENOENT;
	if (!text)
		return -ENOMEM;
	if ((size_t)size < strlen(text))
		text[size] = '\0';
	r = zf_action_apply_spec(d, uuid, text, strlen(text), zf_fuse_uid());
	free(text);
	return r;
}

unsigned zf_fs_poll(struct zf_handle *h, struct fuse_pollhandle *ph)
{
	struct zf_daemon *d = zf_fuse_daemon();
	const struct zf_object *obj = NULL;
	bool ready = true;

	zf_registry_lock(d->reg);
	if (h->uuid[0])
		obj = zf_registry_find_uuid_locked(d->reg, h->uuid);
	if (h->ops->ready)
		ready = h->ops->ready(d, h, obj);
	zf_handle_poll_wait(h, ph);
	zf_registry_unlock(d->reg);
	return ready ? (POLLIN | POLLRDNORM) : 0;
}

static int op_deny(void)
{
	return -EPERM;
}

/* Only in an object directory, and only as a step to replace spec.yaml. */
int zf_fs_create(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	struct zf_daemon *d = zf_fuse_daemon();
	struct zf_path p;
	int r;

	char uuid[ZF_UUID_LEN + 1];

	r = zf_path_parse(path, &p);
	if (r == 0 && p.node == ZF_NODE_DATA)
		return open_common(path, fi, mode);
	/* inside an object the caller may not see, nothing is there to refuse:
	 * absent (a name the kernel still caches from its owner's lookup) */
	if (r == 0 && p.node > ZF_NODE_OBJECT && p.node != ZF_NODE_MEMBERS &&
	    zf_fuse_object_uuid(d, &p, uuid) < 0)
		return -ENOENT;
	if (r < 0 || p.node != ZF_NODE_OTHER)
		return r == -ENAMETOOLONG ? r : -EPERM;
	r = zf_temp_create(d->temps, uuid, p.leaf, zf_fuse_uid());
	if (r < 0)
		return r;
	r = open_common(path, fi, 0);
	if (r < 0)
		zf_temp_remove(d->temps, uuid, p.leaf, zf_fuse_uid());
	return r;
}

int zf_fs_unlink(const char *path)
{
	struct zf_path p;
	int r = zf_path_parse(path, &p);

	if (r < 0)
		return r;
	if (p.node == ZF_NODE_DATA)
		return zf_fuse_data_op(path, &p, ZF_DATA_UNLINK, &(struct zf_data_args){ 0 });
	return p.node == ZF_NODE_OTHER ? zf_fuse_temp_op(&p, ZF_TEMP_UNLINK, 0) : op_deny();
}

/* Only in a volume's data/: files, FIFOs and sockets (bind()), no devices. */
int zf_fs_mknod(const char *path, mode_t mode, dev_t dev)
{
	struct zf_path p;

	if (zf_path_parse(path, &p) < 0 || p.node != ZF_NODE_DATA)
		return op_deny();
	return zf_fuse_data_op(path, &p, ZF_DATA_MKNOD,
			       &(struct zf_data_args){ .n = mode, .dev = dev });
}

/* Symbolic links only in a volume's data/: the target is kept as given. */
int zf_fs_symlink(const char *target, const char *path)
{
	struct zf_path p;

	if (zf_path_parse(path, &p) < 0 || p.node != ZF_NODE_DATA)
		return op_deny();
	return zf_fuse_data_op(path, &p, ZF_DATA_SYMLINK, &(struct zf_data_args){ .target = target });
}

static bool same_object(const struct zf_path *a, const struct zf_path *b)
{
	return a->kind == b->kind && strcmp(a->name, b->name) == 0 &&
	       strcmp(a->capsule, b->capsule) == 0;
}

/* The one rename there is: a temp file over its object's spec.yaml, applied
 * like a write of spec.yaml (an invalid spec fails the rename with EBADMSG
 * and leaves the temp file). Whatever has the old spec.yaml open keeps it. */
int zf_fs_rename(const char *from, const char *to, unsigned int flags)
{
	struct zf_daemon *d = zf_fuse_daemon();
	struct zf_path pf, pt;
	char uuid[ZF_UUID_LEN + 1], *text = NULL;
	size_t len;
	uint64_t seq;
	int r;

	if (zf_path_parse(from, &pf) == 0 && zf_path_parse(to, &pt) == 0 &&
	    (pf.node == ZF_NODE_DATA || pt.node == ZF_NODE_DATA))
		return zf_fuse_data_rename(from, &pf, to, &pt, flags);
	if (zf_path_parse(from, &pf) < 0 || zf_path_parse(to, &pt) < 0 ||
	    pf.node != ZF_NODE_OTHER || pt.node != ZF_NODE_FILE || pt.file != ZF_FILE_SPEC ||
	    !same_object(&pf, &pt))
		return op_deny();
	if (flags & RENAME_EXCHANGE)
		return -EINVAL;
	if (flags & RENAME_NOREPLACE)
		return -EEXIST; /* spec.yaml is always there */
	if (zf_fuse_object_uuid(d, &pf, uuid) < 0)
		return -ENOENT;
	r = zf_temp_copy(d->temps, uuid, pf.leaf, zf_fuse_uid(), &text, &len);
	if (r == -EFBIG) /* a write to it failed: never applied, and said so */
		return zf_action_refuse_spec(d, uuid, r,
					     "spec.yaml: a write to the file renamed over it failed "
					     "(a spec is at most 256 KiB); nothing was applied");
	if (r < 0)
		return r;
	seq = zf_handle_seq_now();
	r = zf_action_apply_spec(d, uuid, text, len, zf_fuse_uid());
	free(text);
	/* a spec refused for what it says; status_reason has why. Not EINVAL:
	 * mv(1) words that as "cannot move ... to a subdirectory of itself" */
	if (r == -EINVAL)
		return -EBADMSG;
	if (r < 0)
		return r;
	zf_registry_lock(d->reg);
	zf_handle_mark_replaced(uuid, seq);
	zf_registry_unlock(d->reg);
	zf_temp_remove(d->temps, uuid, pf.leaf, zf_fuse_uid());
	return 0;
}

/* chmod or chown of the tree's own files: only one that changes nothing
 * (emacs puts spec.yaml's mode back after renaming over it), by its owner. */
static int attrs_unchanged(const char *path, struct fuse_file_info *fi, const mode_t *mode,
			   uid_t uid, gid_t gid)
{
	unsigned caller = zf_fuse_uid();
	struct stat st;
	int r;

	r = zf_fs_getattr(path, &st, fi);
	if (r < 0)
		return r;
	if ((caller != 0 && caller != st.st_uid) ||
	    (mode && (*mode & 07777) != (st.st_mode & 07777)) ||
	    (uid != (uid_t)-1 && uid != st.st_uid) || (gid != (gid_t)-1 && gid != st.st_gid))
		return op_deny();
	return 0;
}

/* sed -i and editors give their temp file the original's mode and owner: let them. */
int zf_fs_chmod(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	struct zf_path p;

	if (!path && fi)
		path = zf_handle_of(fi)->path_str;
	if (path && zf_path_parse(path, &p) == 0 && p.node == ZF_NODE_DATA)
		return zf_fuse_data_op(path, &p, ZF_DATA_CHMOD, &(struct zf_data_args){ .n = mode });
	if (!path || zf_path_parse(path, &p) < 0)
		return op_deny();
	if (p.node != ZF_NODE_OTHER)
		return attrs_unchanged(path, fi, &mode, (uid_t)-1, (gid_t)-1);
	return zf_fuse_temp_op(&p, ZF_TEMP_EXISTS, 0);
}

int zf_fs_chown(const char *path, uid_t uid, gid_t gid, struct fuse_file_info *fi)
{
	struct zf_path p;

	if (!path && fi)
		path = zf_handle_of(fi)->path_str;
	if (path && zf_path_parse(path, &p) == 0 && p.node == ZF_NODE_DATA)
		return zf_fuse_data_op(path, &p, ZF_DATA_CHOWN, &(struct zf_data_args){ .uid = uid, .gid = gid });
	if (!path || zf_path_parse(path, &p) < 0)
		return op_deny();
	if (p.node != ZF_NODE_OTHER)
		return attrs_unchanged(path, fi, NULL, uid, gid);
	return zf_fuse_temp_op(&p, ZF_TEMP_EXISTS, 0);
}

int zf_fs_utimens(const char *path, const struct timespec tv[2], struct fuse_file_info *fi)
{
	struct stat st;

	struct zf_path p;

	if (!path && fi)
		path = zf_handle_of(fi)->path_str;
	if (path && zf_path_parse(path, &p) == 0 && p.node == ZF_NODE_DATA)
		return zf_fuse_data_op(path, &p, ZF_DATA_UTIMENS, &(struct zf_data_args){ .tv = tv });
	/* touch(1) on an existing file is harmless; times are the object's own */
	return zf_fs_getattr(path, &st, fi);
}

/*
 * access(2): in a volume's data/ the host's answer for the caller; elsewhere
 * yes, as when the kernel had no one to ask (the files' own checks answer
 * at open). Under default_permissions the kernel answers itself.
 */
int zf_fs_access(const char *path, int mask)
{
	struct zf_path p;

	if (path && zf_path_parse(path, &p) == 0 && p.node == ZF_NODE_DATA)
		return zf_fuse_data_op(path, &p, ZF_DATA_ACCESS, &(struct zf_data_args){ .n = mask });
	return 0;
}

int zf_fs_fallocate(const char *path, int mode, off_t off, off_t len,
			struct fuse_file_info *fi)
{
	struct zf_handle *h = fi ? zf_handle_of(fi) : NULL;

	(void)path;
	return h && h->ops->fallocate ? h->ops->fallocate(h, mode, off, len) : -EOPNOTSUPP;
}

int zf_fs_statfs(const char *path, struct statvfs *st)
{
	struct zf_path p;

	if (path && zf_path_parse(path, &p) == 0 && p.node == ZF_NODE_DATA)
		return zf_fuse_data_op(path, &p, ZF_DATA_STATFS, &(struct zf_data_args){ .svfs = st });
	memset(st, 0, sizeof(*st));
	st->f_bsize = 4096;
	st->f_frsize = 4096;
	st->f_namemax = 255;
	return 0;
}

