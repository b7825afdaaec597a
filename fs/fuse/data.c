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
 * Whether the kernel clears set-ID bits before a write or truncate with a
 * chmod as the writer (fuse_setattr), which a writer who is not the owner
 * may not do: unless the FUSE library passes FUSE_CAP_HANDLE_KILLPRIV on,
 * which libfuse does from 3.17.1 (before, it never tells the kernel).
 */
static bool kernel_clears_by_chmod = true;

void zf_fuse_data_init(struct fuse_conn_info *conn)
{
	int major = 0, minor = 0, patch = 0;

	/* the caller's umask is applied in data/ (volume_data.c), where a
	 * directory's default ACL can take its place as on the host */
	if (conn->capable & FUSE_CAP_DONT_MASK)
		conn->want |= FUSE_CAP_DONT_MASK;
	/* a data/ file's reads are spliced from the host file (read_fd) */
	if (conn->capable & FUSE_CAP_SPLICE_WRITE)
		conn->want |= FUSE_CAP_SPLICE_WRITE;
	sscanf(fuse_pkgversion(), "%d.%d.%d", &major, &minor, &patch);
	if (!(conn->capable & FUSE_CAP_HANDLE_KILLPRIV))
		return;
	conn->want |= FUSE_CAP_HANDLE_KILLPRIV;
	kernel_clears_by_chmod = major * 10000 + minor * 100 + patch < 31701;
}

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
		r = zf_data_chmod(root, rel, &who, (mode_t)a->n);
		/* not the owner's: maybe the kernel clearing set-ID bits for a writer */
		if (r == -EPERM && kernel_clears_by_chmod && *rel &&
		    zf_data_clear_setid(root, rel, &who, (mode_t)a->n) == 0)
			r = 0;
		return r;
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
	case ZF_DATA_MKNOD:
		return zf_data_mknod(root, rel, &who, (mode_t)a->n, a->dev);
	case ZF_DATA_ACCESS:
		return zf_data_access(root, rel, &who, (int)a->n);
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

/*
 * A file of a volume's data/: opened on the host as the caller (mode:
 * O_CREAT's), who is kept with it: its writes, truncates and fallocates
 * are made as them (no /proc read of their groups for each).
 */
static int data_open(struct zf_daemon *d, struct zf_handle *h, struct fuse_file_info *fi, int acc,
		     mode_t mode)
{
	char root[PATH_MAX];
	const char *rel;
	int r = data_root(d, h->path_str, &h->path, root, &rel);

	(void)acc;
	if (r < 0)
		return r;
	h->who = zf_fuse_caller();
	/* the host's page cache rules here: no direct_io, so mmap works */
	fi->direct_io = 0;
	return zf_data_open(root, rel, &h->who, fi->flags & ~O_NOCTTY, mode, &h->fd);
}

static int data_read(struct zf_daemon *d, struct zf_handle *h, char *buf, size_t size, off_t off)
{
	ssize_t n = pread(h->fd, buf, size, off);

	(void)d;
	return n < 0 ? -errno : (int)n;
}

/* Reads go from the host file to the kernel by splice (ops.c's read_buf):
 * no copy through zunfs. */
static int data_read_fd(struct zf_handle *h)
{
	return h->fd;
}

static int data_write(struct zf_daemon *d, struct zf_handle *h, const char *buf, size_t size,
		      off_t off)
{
	(void)d;
	return zf_data_fd_write(h->fd, &h->who, buf, size, off);
}

static int data_truncate(struct zf_daemon *d, struct zf_handle *h, off_t size)
{
	(void)d;
	return zf_data_fd_truncate(h->fd, &h->who, size);
}

static int data_fallocate(struct zf_handle *h, int mode, off_t off, off_t len)
{
	return zf_data_fd_fallocate(h->fd, &h->who, mode, off, len);
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
	.read_fd = data_read_fd,
	.write = data_write,
	.truncate = data_truncate,
	.fallocate = data_fallocate,
	.fsync = data_fsync,
	.fstat = data_fstat,
	.release = data_release,
};
