/* SPDX-License-Identifier: Apache-2.0 */
/*
 * volumes/NAME/data/: the volume's files, served from the host as the caller
 * (volume_data.c does the work; the owner check is the object's visibility).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "private.h"

/*
 * For a path in volumes/NAME/data: the volume's directory on the host into
 * root (size PATH_MAX) and the path below data/ into *ret_rel. -ENOENT if
 * the caller cannot see the volume or it has no files yet.
 */
static int data_root(struct zf_daemon *d, const char *path, const struct zf_path *p, char *root,
		     const char **ret_rel)
{
	struct zf_object *obj;
	int r = 0;

	zf_registry_lock(d->reg);
	obj = zf_fuse_object_locked(d, p);
	if (!obj || !obj->host_path)
		r = -ENOENT;
	else
		snprintf(root, PATH_MAX, "%s", obj->host_path);
	zf_registry_unlock(d->reg);
	if (r == 0)
		*ret_rel = path + p->rel;
	return r;
}

bool zf_fuse_volume_has_data(struct zf_daemon *d, const struct zf_path *p)
{
	struct zf_object *obj;
	bool has;

	zf_registry_lock(d->reg);
	obj = zf_fuse_object_locked(d, p);
	has = obj && obj->host_path;
	zf_registry_unlock(d->reg);
	return has;
}

int zf_fuse_data_op(const char *path, const struct zf_path *p, enum zf_data_op op,
		    const struct zf_data_args *a)
{
	struct zf_daemon *d = zf_fuse_daemon();
	struct zf_caller who = zf_fuse_caller();
	char root[PATH_MAX];
	const char *rel;
	int r = data_root(d, path, p, root, &rel);

	if (r < 0)
		return r;
	switch (op) {
	case ZF_DATA_MKDIR:
		return zf_data_mkdir(root, rel, &who, (mode_t)a->n);
	case ZF_DATA_RMDIR:
		return zf_data_remove(root, rel, &who, true);
	case ZF_DATA_UNLINK:
		return zf_data_remove(root, rel, &who, false);
	case ZF_DATA_SYMLINK:
		return zf_data_symlink(root, a->target, rel, &who);
	case ZF_DATA_CHMOD:
		return zf_data_chmod(root, rel, &who, (mode_t)a->n);
	case ZF_DATA_CHOWN:
		return zf_data_chown(root, rel, &who, a->uid, a->gid);
	case ZF_DATA_TRUNCATE:
		return zf_data_truncate(root, rel, &who, a->n);
	case ZF_DATA_UTIMENS:
		return zf_data_utimens(root, rel, &who, a->tv);
	case ZF_DATA_READLINK:
		return zf_data_readlink(root, rel, &who, a->buf, a->size);
	case ZF_DATA_STATFS:
		return zf_data_statfs(root, a->svfs); /* df in data/: the volume's */
	case ZF_DATA_STAT:
		return zf_data_stat(root, rel, &who, a->st);
	case ZF_DATA_LIST:
		return zf_data_list(root, rel, &who, a->each, a->userdata);
	}
	return -EINVAL;
}

int zf_fuse_data_rename(const char *from, const struct zf_path *pf, const char *to,
			const struct zf_path *pt, unsigned int flags)
{
	struct zf_caller who = zf_fuse_caller();
	char root[PATH_MAX];
	const char *relf;
	int r;

	/* within one volume's files; anything else is another file system */
	if (pf->node != pt->node || strcmp(pf->name, pt->name) != 0)
		return -EXDEV;
	r = data_root(zf_fuse_daemon(), from, pf, root, &relf);
	return r < 0 ? r : zf_data_rename(root, relf, to + pt->rel, &who, flags);
}

/* A file of a volume's data/: opened on the host as the caller (mode: O_CREAT's). */
static int data_open(struct zf_daemon *d, struct zf_handle *h, struct fuse_file_info *fi, int acc,
		     mode_t mode)
{
	struct zf_caller who = zf_fuse_caller();
	char root[PATH_MAX];
	const char *rel;
	int r = data_root(d, h->path_str, &h->path, root, &rel);

	(void)acc;
	if (r < 0)
		return r;
	/* the host's page cache rules here: no direct_io, so mmap works */
	fi->direct_io = 0;
	return zf_data_open(root, rel, &who, fi->flags & ~O_NOCTTY, mode, &h->fd);
}

static int data_read(struct zf_daemon *d, struct zf_handle *h, char *buf, size_t size, off_t off)
{
	ssize_t n = pread(h->fd, buf, size, off);

	(void)d;
	return n < 0 ? -errno : (int)n;
}

static int data_write(struct zf_daemon *d, struct zf_handle *h, const char *buf, size_t size,
		      off_t off)
{
	ssize_t n = pwrite(h->fd, buf, size, off);

	(void)d;
	return n < 0 ? -errno : (int)n;
}

static int data_truncate(struct zf_daemon *d, struct zf_handle *h, off_t size)
{
	(void)d;
	return ftruncate(h->fd, size) < 0 ? -errno : 0;
}

static int data_fsync(struct zf_handle *h, int datasync)
{
	return (datasync ? fdatasync(h->fd) : fsync(h->fd)) < 0 ? -errno : 0;
}

static int data_fstat(struct zf_handle *h, struct stat *st)
{
	return fstat(h->fd, st) < 0 ? -errno : 0;
}

static void data_release(struct zf_daemon *d, struct zf_handle *h)
{
	(void)d;
	if (h->fd >= 0)
		close(h->fd);
	h->fd = -1;
}

const struct zf_file_ops zf_data_row = {
	.what = "data",
	.open = data_open,
	.read = data_read,
	.write = data_write,
	.truncate = data_truncate,
	.fsync = data_fsync,
	.fstat = data_fstat,
	.release = data_release,
};
