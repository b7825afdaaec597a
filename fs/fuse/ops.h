/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The operations by path (ops.c), kernel-free: each returns 0 (or a count)
 * or -errno and sends nothing; lowlevel.c maps the kernel's node ids to the
 * paths, calls these as the request's caller (context.c) and replies. A
 * NULL path with fi is the open file's (its handle's path). Inside fs/fuse/.
 */
#pragma once

#include <sys/statvfs.h>

#include "private.h"

/* The daemon's FUSE operations table and what goes with it (lowlevel.c). */
extern const struct fuse_lowlevel_ops zf_fuse_ll_ops;
/* Before the loop: the session it serves d on, the waker and the engine
 * room. 0 or -errno. */
int zf_fuse_start(struct zf_daemon *d, struct fuse_session *se);
/* zunfs stops (any thread): every parked request and every one queued
 * for the engine room is answered now (EOF, or the row's errno). */
void zf_fuse_quiesce(void);
/* After the loop: the engine room's threads are joined (up to ms), the
 * waker ends, and the handles and nodes left go. -EBUSY: some still work
 * on the engine (they are left, with the handles). */
int zf_fuse_stop(int ms);

/* One directory entry for zf_fs_readdir's filler. */
typedef void (*zf_fill_fn)(void *buf, const char *name);

int zf_fs_getattr(const char *path, struct stat *st, struct fuse_file_info *fi);
int zf_fs_readlink(const char *path, char *buf, size_t size);
int zf_fs_readdir(const char *path, void *buf, zf_fill_fn filler);
int zf_fs_mkdir(const char *path, mode_t mode);
int zf_fs_rmdir(const char *path);
int zf_fs_unlink(const char *path);
int zf_fs_mknod(const char *path, mode_t mode, dev_t dev);
int zf_fs_symlink(const char *target, const char *path);
int zf_fs_rename(const char *from, const char *to, unsigned int flags);
int zf_fs_chmod(const char *path, mode_t mode, struct fuse_file_info *fi);
int zf_fs_chown(const char *path, uid_t uid, gid_t gid, struct fuse_file_info *fi);
int zf_fs_truncate(const char *path, off_t size, struct fuse_file_info *fi);
int zf_fs_utimens(const char *path, const struct timespec tv[2], struct fuse_file_info *fi);
int zf_fs_access(const char *path, int mask);
int zf_fs_statfs(const char *path, struct statvfs *st);
int zf_fs_fallocate(const char *path, int mode, off_t off, off_t len, struct fuse_file_info *fi);

/*
 * An open in two halves: begin makes the handle, picks its row and runs the
 * row's open_locked (quick, under the registry lock); end runs the row's
 * open, which may wait on the engine (row->slow_open: lowlevel.c runs it
 * in the engine room), frees the handle on failure and sets fi->fh.
 */
int zf_fs_open_begin(const char *path, struct fuse_file_info *fi, struct zf_handle **ret_handle);
int zf_fs_open_end(struct zf_handle *h, struct fuse_file_info *fi, mode_t mode);
/* open(O_CREAT) of a name that is not there: a temp file beside spec.yaml,
 * or a file in data/. Sets fi->fh as an open does. */
int zf_fs_create(const char *path, mode_t mode, struct fuse_file_info *fi);

/* On an open file: the row's, as private.h says (read never blocks). */
int zf_fs_read(struct zf_handle *h, char *buf, size_t size, off_t off);
int zf_fs_write(struct zf_handle *h, const char *buf, size_t size, off_t off);
int zf_fs_flush(struct zf_handle *h);
int zf_fs_fsync(struct zf_handle *h, int datasync);
/* The row's release, then the handle goes. */
void zf_fs_release(struct zf_handle *h);
/* poll: POLLIN when a read would not block; ph kept to notify later. */
unsigned zf_fs_poll(struct zf_handle *h, struct fuse_pollhandle *ph);
