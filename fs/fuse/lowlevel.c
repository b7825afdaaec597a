/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The kernel plumbing: libfuse's low-level operations, thin. Each turns the
 * kernel's node ids into paths (nodes.c), says who asks (context.c), calls
 * the operation by path (ops.c) and sends the one reply. Nothing here
 * waits: a read the row cannot answer yet is parked (waits.c), an open or
 * a write that waits on the engine goes to the engine room (room.c), and
 * the FUSE thread is free for the next request at once.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../util.h"
#include "fh.h"
#include "ops.h"
#include "room.h"
#include "shares.h"
#include "waits.h"

/* A directory entry's inode number, as libfuse's high-level library gives
 * it: the real one comes with the entry's LOOKUP (tools do not compare
 * the two; ls -i stats). Not 0: some programs skip such entries. */
#define UNKNOWN_INO 0xffffffffu

/* How long the kernel may keep names and attributes (init decides). */
static double entry_timeout, attr_timeout;
static struct fuse_session *the_session;

/* This thread works for req from here (until done()). */
static void begin(fuse_req_t req, struct zf_req *who)
{
	zf_req_init(who, req);
	zf_fuse_set_request(who);
}

static void done(void)
{
	zf_fuse_set_request(NULL);
}

/*
 * The open file of a request: one more reference on its handle (give it
 * back with zf_fh_put(fi->fh)) and lfi, a copy of fi whose fh is the
 * handle itself, as ops.c takes it. NULL when it was released meanwhile
 * (the kernel gave up on this request: fh.h).
 */
static struct zf_handle *get_file(const struct fuse_file_info *fi, struct fuse_file_info *lfi)
{
	struct zf_handle *h = zf_fh_get(fi->fh);

	if (h) {
		*lfi = *fi;
		lfi->fh = (uint64_t)(uintptr_t)h;
	}
	return h;
}

struct release_task {
	struct zf_task t;
	struct zf_handle *h;
};

static void release_run(struct zf_task *t)
{
	zf_fs_release(((struct release_task *)t)->h);
}

static void task_free(struct zf_task *t)
{
	free(t);
}

/* The last reference on an open file went: its row's release, in the
 * engine room when that waits (a stream's pump is joined). */
static void handle_last(void *obj)
{
	struct zf_handle *h = obj;
	struct release_task *rt = h->ops->slow_release ? calloc(1, sizeof(*rt)) : NULL;

	if (rt) {
		*rt = (struct release_task){ .t = { .who = { .uid = h->owner, .gid = 0 },
						    .run = release_run, .free = task_free },
					     .h = h };
		if (zf_room_submit(&rt->t) == 0)
			return;
		free(rt);
	}
	zf_fs_release(h);
}

/* Gives the kernel an id for the handle fi->fh holds (ops.c's open and
 * create put the pointer there): 0, or -ENOMEM with the handle released. */
static int publish(struct fuse_file_info *fi)
{
	struct zf_handle *h = zf_handle_of(fi);
	uint64_t id;
	/* at the end, zf_handle_free_all frees it (no row's release then) */
	int r = zf_fh_new(h, handle_last, NULL, &id);

	if (r < 0) {
		zf_fs_release(h);
		return r;
	}
	fi->fh = id;
	return 0;
}

static void reply_entry(fuse_req_t req, struct fuse_entry_param *e)
{
	e->attr.st_ino = e->ino;
	e->generation = 1; /* node ids are never used twice */
	e->attr_timeout = attr_timeout;
	e->entry_timeout = entry_timeout;
	if (fuse_reply_entry(req, e) != 0) /* the caller went (a signal) */
		zf_node_forget(e->ino, 1);
}

/* name in parent, as now: its attributes and a node (one more reference). */
static int entry_of(uint64_t parent, const char *name, const char *path,
		    struct fuse_entry_param *e)
{
	int r;

	memset(e, 0, sizeof(*e));
	r = zf_fs_getattr(path, &e->attr, NULL);
	return r < 0 ? r : zf_node_ref(parent, name, e->attr.st_mode, &e->ino);
}

static void ll_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fuse_entry_param e;
	char path[PATH_MAX];
	struct zf_req who;
	int r;

	begin(req, &who);
	r = zf_node_child_path(parent, name, path, sizeof(path));
	if (r == 0)
		r = entry_of(parent, name, path, &e);
	done();
	if (r < 0)
		fuse_reply_err(req, -r);
	else
		reply_entry(req, &e);
}

static void ll_forget(fuse_req_t req, fuse_ino_t ino, uint64_t nlookup)
{
	zf_node_forget(ino, nlookup);
	fuse_reply_none(req);
}

static void ll_forget_multi(fuse_req_t req, size_t count, struct fuse_forget_data *forgets)
{
	for (size_t i = 0; i < count; i++)
		zf_node_forget(forgets[i].ino, forgets[i].nlookup);
	fuse_reply_none(req);
}

/* What a name that is gone (unlinked, renamed over) still answers: what
 * it was when it went, with no link left. */
static int orphan_attr(fuse_ino_t ino, struct stat *st)
{
	struct zf_orphan o = zf_node_orphan_info(ino);

	if (!o.known)
		return -ESTALE;
	memset(st, 0, sizeof(*st));
	st->st_mode = o.mode;
	st->st_uid = o.uid;
	st->st_gid = o.gid;
	st->st_size = o.size;
	st->st_nlink = 0;
	st->st_blksize = 4096;
	return 0;
}

/* The orphan record of what path is now (before it goes). */
static struct zf_orphan orphan_of(const char *path)
{
	struct zf_orphan o = { 0 };
	struct stat st;

	if (zf_fs_getattr(path, &st, NULL) == 0)
		o = (struct zf_orphan){ .known = true, .mode = st.st_mode, .uid = st.st_uid,
					.gid = st.st_gid, .size = st.st_size };
	return o;
}

static void ll_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct fuse_file_info lfi;
	char path[PATH_MAX];
	struct zf_req who;
	struct stat st;
	int r;

	begin(req, &who);
	if (fi && get_file(fi, &lfi)) {
		r = zf_fs_getattr(NULL, &st, &lfi);
		zf_fh_put(fi->fh);
	} else {
		r = zf_node_path(ino, path, sizeof(path));
		if (r == 0)
			r = zf_fs_getattr(path, &st, NULL);
		else if (r == -ESTALE)
			r = orphan_attr(ino, &st);
	}
	done();
	if (r < 0) {
		fuse_reply_err(req, -r);
		return;
	}
	st.st_ino = ino;
	fuse_reply_attr(req, &st, attr_timeout);
}

/* chmod, chown, truncate and utimens in one, as libfuse's high level does
 * them, then the attributes after. */
static int setattr(const char *path, struct stat *attr, int valid, struct fuse_file_info *fi,
		   struct stat *ret_st)
{
	int r = 0;

	if (valid & FUSE_SET_ATTR_MODE)
		r = zf_fs_chmod(path, attr->st_mode, fi);
	if (r == 0 && (valid & (FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID)))
		r = zf_fs_chown(path, (valid & FUSE_SET_ATTR_UID) ? attr->st_uid : (uid_t)-1,
				(valid & FUSE_SET_ATTR_GID) ? attr->st_gid : (gid_t)-1, fi);
	if (r == 0 && (valid & FUSE_SET_ATTR_SIZE))
		r = zf_fs_truncate(path, attr->st_size, fi);
	if (r == 0 && (valid & (FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME))) {
		struct timespec tv[2] = { { 0, UTIME_OMIT }, { 0, UTIME_OMIT } };

		if (valid & FUSE_SET_ATTR_ATIME_NOW)
			tv[0].tv_nsec = UTIME_NOW;
		else if (valid & FUSE_SET_ATTR_ATIME)
			tv[0] = attr->st_atim;
		if (valid & FUSE_SET_ATTR_MTIME_NOW)
			tv[1].tv_nsec = UTIME_NOW;
		else if (valid & FUSE_SET_ATTR_MTIME)
			tv[1] = attr->st_mtim;
		r = zf_fs_utimens(path, tv, fi);
	}
	return r < 0 ? r : zf_fs_getattr(path, ret_st, fi);
}

static void ll_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int valid,
		       struct fuse_file_info *fi)
{
	struct fuse_file_info lfi;
	char path[PATH_MAX];
	struct zf_req who;
	struct stat st;
	int r = 0;

	begin(req, &who);
	if (fi && !get_file(fi, &lfi))
		fi = NULL; /* released meanwhile: by its name */
	if (!fi)
		r = zf_node_path(ino, path, sizeof(path));
	if (r == 0)
		r = setattr(fi ? NULL : path, attr, valid, fi ? &lfi : NULL, &st);
	if (fi)
		zf_fh_put(fi->fh);
	done();
	if (r < 0) {
		fuse_reply_err(req, -r);
		return;
	}
	st.st_ino = ino;
	fuse_reply_attr(req, &st, attr_timeout);
}

static void ll_readlink(fuse_req_t req, fuse_ino_t ino)
{
	char path[PATH_MAX], target[PATH_MAX + 1];
	struct zf_req who;
	int r;

	begin(req, &who);
	r = zf_node_path(ino, path, sizeof(path));
	if (r == 0)
		r = zf_fs_readlink(path, target, sizeof(target));
	done();
	if (r < 0)
		fuse_reply_err(req, -r);
	else
		fuse_reply_readlink(req, target);
}

/* What mknod, mkdir and symlink share: make, then the entry. */
enum make { MAKE_NODE, MAKE_DIR, MAKE_LINK };

static void make(fuse_req_t req, fuse_ino_t parent, const char *name, enum make what, mode_t mode,
		 dev_t rdev, const char *target)
{
	struct fuse_entry_param e;
	char path[PATH_MAX];
	struct zf_req who;
	int r;

	begin(req, &who);
	r = zf_node_child_path(parent, name, path, sizeof(path));
	if (r == 0)
		r = what == MAKE_NODE  ? zf_fs_mknod(path, mode, rdev)
		    : what == MAKE_DIR ? zf_fs_mkdir(path, mode)
				       : zf_fs_symlink(target, path);
	if (r == 0)
		r = entry_of(parent, name, path, &e);
	done();
	if (r < 0)
		fuse_reply_err(req, -r);
	else
		reply_entry(req, &e);
}

static void ll_mknod(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode, dev_t rdev)
{
	make(req, parent, name, MAKE_NODE, mode, rdev, NULL);
}

static void ll_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode)
{
	make(req, parent, name, MAKE_DIR, mode, 0, NULL);
}

static void ll_symlink(fuse_req_t req, const char *target, fuse_ino_t parent, const char *name)
{
	make(req, parent, name, MAKE_LINK, 0, 0, target);
}

static void remove_name(fuse_req_t req, fuse_ino_t parent, const char *name, bool dir)
{
	struct zf_orphan gone = { 0 };
	char path[PATH_MAX];
	struct zf_req who;
	int r;

	begin(req, &who);
	r = zf_node_child_path(parent, name, path, sizeof(path));
	if (r == 0 && !dir)
		gone = orphan_of(path); /* an open file keeps answering fstat */
	if (r == 0)
		r = dir ? zf_fs_rmdir(path) : zf_fs_unlink(path);
	if (r == 0)
		zf_node_unlinked(parent, name, dir ? NULL : &gone);
	done();
	fuse_reply_err(req, -r);
}

static void ll_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	remove_name(req, parent, name, false);
}

static void ll_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	remove_name(req, parent, name, true);
}

static void ll_rename(fuse_req_t req, fuse_ino_t parent, const char *name, fuse_ino_t newparent,
		      const char *newname, unsigned int flags)
{
	char from[PATH_MAX], to[PATH_MAX];
	struct zf_orphan over = { 0 };
	struct zf_req who;
	int r;

	begin(req, &who);
	r = zf_node_child_path(parent, name, from, sizeof(from));
	if (r == 0)
		r = zf_node_child_path(newparent, newname, to, sizeof(to));
	if (r == 0 && !(flags & RENAME_EXCHANGE))
		over = orphan_of(to); /* what an open file of the old name answers */
	if (r == 0)
		r = zf_fs_rename(from, to, flags);
	if (r == 0)
		zf_node_renamed(parent, name, newparent, newname, flags & RENAME_EXCHANGE, &over);
	done();
	fuse_reply_err(req, -r);
}

/* Links are refused everywhere (docs/data-posix.md, hardlink). */
static void ll_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent, const char *newname)
{
	(void)ino, (void)newparent, (void)newname;
	fuse_reply_err(req, EPERM);
}

/* An open's answer (fi->fh: the handle, from ops.c), with the id the
 * kernel holds; one the caller is no longer there for is closed again. */
static void reply_open(fuse_req_t req, struct fuse_file_info *fi)
{
	int r = publish(fi);

	if (r < 0)
		fuse_reply_err(req, -r);
	else if (fuse_reply_open(req, fi) != 0)
		zf_fh_close(fi->fh);
}

struct open_task {
	struct zf_task t;
	struct zf_handle *h;
	struct fuse_file_info fi;
};

static void open_run(struct zf_task *t)
{
	struct open_task *ot = (struct open_task *)t;
	int r = zf_fs_open_end(ot->h, &ot->fi, 0);
	fuse_req_t req = zf_task_take_req(t);

	if (r < 0)
		fuse_reply_err(req, -r);
	else
		reply_open(req, &ot->fi);
}

static void open_drop(struct zf_task *t)
{
	zf_handle_free(((struct open_task *)t)->h); /* its row's open never ran */
}

static void ll_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct zf_handle *h = NULL;
	struct open_task *ot;
	char path[PATH_MAX];
	struct zf_req who;
	int r;

	begin(req, &who);
	r = zf_node_path(ino, path, sizeof(path));
	if (r == 0)
		r = zf_fs_open_begin(path, fi, &h);
	if (r == 0)
		h->ino = ino;
	if (r == 0 && !h->ops->slow_open) {
		r = zf_fs_open_end(h, fi, 0);
		done();
		if (r < 0)
			fuse_reply_err(req, -r);
		else
			reply_open(req, fi);
		return;
	}
	done();
	if (r < 0) {
		fuse_reply_err(req, -r);
		return;
	}
	/* the row's open waits on the engine: in the engine room */
	ot = calloc(1, sizeof(*ot));
	if (!ot) {
		zf_handle_free(h);
		fuse_reply_err(req, ENOMEM);
		return;
	}
	*ot = (struct open_task){ .t = { .req = req, .who = who, .run = open_run,
					 .drop = open_drop, .free = task_free },
				  .h = h, .fi = *fi };
	r = zf_room_submit(&ot->t);
	if (r < 0) {
		zf_handle_free(h);
		free(ot);
		fuse_reply_err(req, -r);
	}
}

static void ll_create(fuse_req_t req, fuse_ino_t parent, const char *name, mode_t mode,
		      struct fuse_file_info *fi)
{
	struct fuse_entry_param e;
	char path[PATH_MAX];
	struct zf_req who;
	int r;

	begin(req, &who);
	r = zf_node_child_path(parent, name, path, sizeof(path));
	if (r == 0)
		r = zf_fs_create(path, mode, fi);
	if (r == 0) {
		r = entry_of(parent, name, path, &e);
		if (r < 0)
			zf_fs_release(zf_handle_of(fi));
	}
	done();
	if (r < 0) {
		fuse_reply_err(req, -r);
		return;
	}
	zf_handle_of(fi)->ino = e.ino;
	e.attr.st_ino = e.ino;
	e.generation = 1;
	e.attr_timeout = attr_timeout;
	e.entry_timeout = entry_timeout;
	r = publish(fi);
	if (r < 0) {
		zf_node_forget(e.ino, 1);
		fuse_reply_err(req, -r);
	} else if (fuse_reply_create(req, &e, fi) != 0) {
		zf_fh_close(fi->fh);
		zf_node_forget(e.ino, 1);
	}
}

static void ll_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	struct fuse_file_info lfi;
	struct zf_handle *h = get_file(fi, &lfi);
	uint64_t kicks = 0;
	struct zf_req who;
	char *buf;
	int fd, r;

	(void)ino;
	if (!h) {
		fuse_reply_err(req, EBADF);
		return;
	}
	fd = h->ops->read_fd ? h->ops->read_fd(h) : -1;
	if (fd >= 0) { /* a host file: spliced to the kernel, no copy here */
		struct fuse_bufvec bv = FUSE_BUFVEC_INIT(size);

		bv.buf[0].flags = FUSE_BUF_IS_FD | FUSE_BUF_FD_SEEK | FUSE_BUF_FD_RETRY;
		bv.buf[0].fd = fd;
		bv.buf[0].pos = off;
		fuse_reply_data(req, &bv, FUSE_BUF_SPLICE_MOVE);
		zf_fh_put(fi->fh);
		return;
	}
	buf = malloc(size ? size : 1);
	begin(req, &who);
	if (h->ops->parks)
		kicks = zf_wait_kicks(h);
	r = buf ? zf_fs_read(h, buf, size, off) : -ENOMEM;
	done();
	/* the open file's flags as they are now (fcntl may have changed them) */
	if (r == -EAGAIN && !(fi->flags & O_NONBLOCK)) {
		zf_wait_read(req, &who, h, fi->fh, size, off, kicks); /* it keeps the reference */
		free(buf);
		return;
	}
	if (r < 0)
		fuse_reply_err(req, -r);
	else
		fuse_reply_buf(req, buf, (size_t)r);
	free(buf);
	zf_fh_put(fi->fh);
}

struct write_task {
	struct zf_task t;
	struct zf_handle *h;
	uint64_t fh; /* its reference, given back at the end */
	off_t off;
	size_t size;
	char data[];
};

static void write_run(struct zf_task *t)
{
	struct write_task *wt = (struct write_task *)t;
	int r = zf_fs_write(wt->h, wt->data, wt->size, wt->off);
	fuse_req_t req = zf_task_take_req(t);

	if (r < 0)
		fuse_reply_err(req, -r);
	else
		fuse_reply_write(req, (size_t)r);
}

static void write_free(struct zf_task *t)
{
	zf_fh_put(((struct write_task *)t)->fh);
	free(t);
}

static void ll_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size, off_t off,
		     struct fuse_file_info *fi)
{
	struct fuse_file_info lfi;
	struct zf_handle *h = get_file(fi, &lfi);
	uint64_t kicks = 0;
	struct zf_req who;
	int r;

	(void)ino;
	if (!h) {
		fuse_reply_err(req, EBADF);
		return;
	}
	begin(req, &who);
	if (h->ops->slow_write && h->ops->slow_write(h)) {
		struct write_task *wt = malloc(sizeof(*wt) + size);

		done();
		if (!wt) {
			zf_fh_put(fi->fh);
			fuse_reply_err(req, ENOMEM);
			return;
		}
		*wt = (struct write_task){ .t = { .req = req, .who = who, .run = write_run,
						  .free = write_free },
					   .h = h, .fh = fi->fh, .off = off, .size = size };
		memcpy(wt->data, buf, size);
		r = zf_room_submit(&wt->t);
		if (r < 0) {
			write_free(&wt->t);
			fuse_reply_err(req, -r);
		}
		return;
	}
	if (h->ops->parks)
		kicks = zf_wait_kicks(h);
	r = zf_fs_write(h, buf, size, off);
	done();
	if (h->ops->parks && (r == -EAGAIN || (r >= 0 && (size_t)r < size)) &&
	    !(fi->flags & O_NONBLOCK)) {
		zf_wait_write(req, &who, h, fi->fh, buf, size, off, r > 0 ? (size_t)r : 0, kicks);
		return;
	}
	if (r < 0)
		fuse_reply_err(req, -r);
	else
		fuse_reply_write(req, (size_t)r);
	zf_fh_put(fi->fh);
}

static void ll_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct fuse_file_info lfi;
	struct zf_handle *h = get_file(fi, &lfi);
	struct zf_req who;
	int r;

	(void)ino;
	if (!h) {
		fuse_reply_err(req, EBADF);
		return;
	}
	begin(req, &who);
	r = zf_fs_flush(h);
	done();
	zf_fh_put(fi->fh);
	fuse_reply_err(req, -r);
}

static void ll_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)ino;
	fuse_reply_err(req, 0); /* nothing to say to a close(); the rest after */
	zf_fh_close(fi->fh); /* its row's release with the last reference */
}

static void ll_fsync(fuse_req_t req, fuse_ino_t ino, int datasync, struct fuse_file_info *fi)
{
	struct fuse_file_info lfi;
	struct zf_handle *h = get_file(fi, &lfi);

	(void)ino;
	if (!h) {
		fuse_reply_err(req, EBADF);
		return;
	}
	fuse_reply_err(req, -zf_fs_fsync(h, datasync));
	zf_fh_put(fi->fh);
}

/* A directory's listing, made at its first read and served by offset. */
struct dir_handle {
	char *path;
	pthread_mutex_t lock; /* two reads of one open directory */
	char *buf; /* protected by lock */
	size_t len, cap; /* protected by lock */
	bool filled; /* protected by lock */
	fuse_req_t req; /* while filling */
	int err;
};

static void dir_last(void *obj)
{
	struct dir_handle *dh = obj;

	pthread_mutex_destroy(&dh->lock);
	free(dh->path);
	free(dh->buf);
	free(dh);
}

static void ll_opendir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct dir_handle *dh = NULL;
	char path[PATH_MAX];
	struct zf_req who;
	struct stat st;
	uint64_t id;
	int r;

	begin(req, &who);
	r = zf_node_path(ino, path, sizeof(path));
	if (r == 0)
		r = zf_fs_getattr(path, &st, NULL);
	if (r == 0 && !S_ISDIR(st.st_mode))
		r = -ENOTDIR;
	if (r == 0) {
		dh = calloc(1, sizeof(*dh));
		if (dh)
			dh->path = strdup(path);
		if (!dh || !dh->path) {
			free(dh);
			r = -ENOMEM;
		}
	}
	if (r == 0) {
		pthread_mutex_init(&dh->lock, NULL);
		r = zf_fh_new(dh, dir_last, dir_last, &id);
		if (r < 0)
			dir_last(dh);
	}
	done();
	if (r < 0) {
		fuse_reply_err(req, -r);
		return;
	}
	fi->fh = id;
	if (fuse_reply_open(req, fi) != 0)
		zf_fh_close(id);
}

static void add_entry(void *userdata, const char *name)
{
	struct dir_handle *dh = userdata;
	struct stat st = { .st_ino = UNKNOWN_INO };
	size_t need = fuse_add_direntry(dh->req, NULL, 0, name, NULL, 0);

	if (dh->err)
		return;
	if (zf_grow(&dh->buf, &dh->cap, dh->len + need) < 0) {
		dh->err = -ENOMEM;
		return;
	}
	/* an entry's offset is where the next one starts */
	fuse_add_direntry(dh->req, dh->buf + dh->len, dh->cap - dh->len, name, &st,
			  (off_t)(dh->len + need));
	dh->len += need;
}

static void ll_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi)
{
	struct dir_handle *dh = zf_fh_get(fi->fh);
	struct zf_req who;
	int r = 0;

	(void)ino;
	if (!dh) {
		fuse_reply_err(req, EBADF);
		return;
	}
	pthread_mutex_lock(&dh->lock);
	if (off == 0 || !dh->filled) {
		dh->len = 0;
		dh->err = 0;
		dh->req = req;
		begin(req, &who);
		r = zf_fs_readdir(dh->path, dh, add_entry);
		done();
		if (r == 0)
			r = dh->err;
		dh->filled = r == 0;
	}
	if (r < 0)
		fuse_reply_err(req, -r);
	else if (off < 0 || (size_t)off >= dh->len)
		fuse_reply_buf(req, NULL, 0);
	else /* the kernel takes the whole entries that fit in size */
		fuse_reply_buf(req, dh->buf + off,
			       (size_t)off + size > dh->len ? dh->len - (size_t)off : size);
	pthread_mutex_unlock(&dh->lock);
	zf_fh_put(fi->fh);
}

static void ll_releasedir(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)ino;
	zf_fh_close(fi->fh);
	fuse_reply_err(req, 0);
}

static void ll_statfs(fuse_req_t req, fuse_ino_t ino)
{
	char path[PATH_MAX];
	struct statvfs st;
	struct zf_req who;
	int r;

	begin(req, &who);
	r = zf_node_path(ino, path, sizeof(path));
	r = zf_fs_statfs(r == 0 ? path : "/", &st);
	done();
	if (r < 0)
		fuse_reply_err(req, -r);
	else
		fuse_reply_statfs(req, &st);
}

static void ll_access(fuse_req_t req, fuse_ino_t ino, int mask)
{
	char path[PATH_MAX];
	struct zf_req who;
	int r;

	begin(req, &who);
	r = zf_node_path(ino, path, sizeof(path));
	if (r == 0)
		r = zf_fs_access(path, mask);
	done();
	fuse_reply_err(req, -r);
}

static void ll_poll(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi,
		    struct fuse_pollhandle *ph)
{
	struct fuse_file_info lfi;
	struct zf_handle *h = get_file(fi, &lfi);
	struct zf_req who;
	unsigned revents;

	(void)ino;
	if (!h) {
		if (ph)
			fuse_pollhandle_destroy(ph);
		fuse_reply_err(req, EBADF);
		return;
	}
	begin(req, &who);
	revents = zf_fs_poll(h, ph);
	done();
	zf_fh_put(fi->fh);
	fuse_reply_poll(req, revents);
}

static void ll_fallocate(fuse_req_t req, fuse_ino_t ino, int mode, off_t off, off_t len,
			 struct fuse_file_info *fi)
{
	struct fuse_file_info lfi;
	struct zf_req who;
	int r;

	(void)ino;
	if (!get_file(fi, &lfi)) {
		fuse_reply_err(req, EBADF);
		return;
	}
	begin(req, &who);
	r = zf_fs_fallocate(NULL, mode, off, len, &lfi);
	done();
	zf_fh_put(fi->fh);
	fuse_reply_err(req, -r);
}

static void ll_init(void *userdata, struct fuse_conn_info *conn)
{
	struct zf_daemon *d = userdata;

	/*
	 * Names and attributes are cached for a second, as by every FUSE
	 * filesystem: every operation resolves its path here again (and
	 * checks who asks), so a stale name only saves a lookup; the rendered
	 * files' attributes and pages are dropped the moment their object
	 * changes (cache.c), the streams are direct_io (their reads never
	 * stop at a cached size), and a file in data/ that a container
	 * changes shows its new size within the second. Not with allow_other:
	 * the kernel's caches are one for all users, and what one user was
	 * shown (a name its owner looked up, a temp file's owner) would be
	 * another's. Absences are never cached: mkdir and the engine make
	 * names appear.
	 */
	/* the thread wakes pollers too; without it, nothing drops what changes */
	d->kernel_cache = zf_fuse_cache_start(the_session) == 0 && !d->opts.allow_other;
	entry_timeout = d->kernel_cache ? 1.0 : 0;
	attr_timeout = d->kernel_cache ? 1.0 : 0;
	if (conn->capable & FUSE_CAP_ATOMIC_O_TRUNC)
		conn->want |= FUSE_CAP_ATOMIC_O_TRUNC;
	zf_fuse_data_init(conn);
	if (d->reg)
		zf_registry_set_change_cb(d->reg, zf_fuse_on_change, d);
}

static void ll_destroy(void *userdata)
{
	struct zf_daemon *d = userdata;

	if (d->reg)
		zf_registry_set_change_cb(d->reg, NULL, NULL);
	zf_fuse_cache_stop();
}

const struct fuse_lowlevel_ops zf_fuse_ll_ops = {
	.init = ll_init,
	.destroy = ll_destroy,
	.lookup = ll_lookup,
	.forget = ll_forget,
	.forget_multi = ll_forget_multi,
	.getattr = ll_getattr,
	.setattr = ll_setattr,
	.readlink = ll_readlink,
	.mknod = ll_mknod,
	.mkdir = ll_mkdir,
	.unlink = ll_unlink,
	.rmdir = ll_rmdir,
	.symlink = ll_symlink,
	.rename = ll_rename,
	.link = ll_link,
	.open = ll_open,
	.read = ll_read,
	.write = ll_write,
	.flush = ll_flush,
	.release = ll_release,
	.fsync = ll_fsync,
	.opendir = ll_opendir,
	.readdir = ll_readdir,
	.releasedir = ll_releasedir,
	.statfs = ll_statfs,
	.access = ll_access,
	.create = ll_create,
	.poll = ll_poll,
	.fallocate = ll_fallocate,
};

int zf_fuse_start(struct zf_daemon *d, struct fuse_session *se)
{
	int r;

	the_session = se;
	zf_fuse_set_daemon(d);
	r = zf_waits_start();
	if (r == 0)
		r = zf_room_start();
	return r;
}

void zf_fuse_quiesce(void)
{
	zf_waits_stopping();
	zf_room_stopping();
}

int zf_fuse_stop(int ms)
{
	int r = zf_room_end(ms);

	zf_waits_end();
	if (r == 0) {
		zf_handle_free_all();
		zf_fh_free_all();
		zf_nodes_free_all();
	}
	return r;
}
