/* SPDX-License-Identifier: Apache-2.0 */
/*
 * volumes/NAME/data/: the volume's own files, served straight from where the
 * host keeps them (the engine's Mountpoint), as the caller. Each call opens
 * the volume's directory as root (its parents belong to the engine), then,
 * under the caller's fsuid, fsgid and supplementary groups and without any
 * capability (per-thread credentials: the raw syscalls, not glibc's, which
 * apply to every thread), resolves the path's directory below it with
 * openat2() following no link and crossing no mount, and works on the last
 * name with single *at() calls that follow nothing. Only regular files and
 * directories are ever opened: a device node, FIFO or socket a container
 * swaps in under a name is refused, never opened. So the host's permissions
 * decide and new files are the caller's. Who may see the volume at all is
 * the caller's business (fs/fuse/data.c checks the owner first).
 *
 * root: the volume's directory on the host. rel: the path below data/, ""
 * for data/ itself; never absolute, never with "..". Every call returns 0
 * (or a count) or -errno.
 */
#pragma once

#include <fcntl.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/types.h>

/* How many of the caller's supplementary groups count (more are dropped). */
#define ZF_CALLER_GROUPS 64

/* Who the call is for: the FUSE caller. */
struct zf_caller {
	uid_t uid;
	gid_t gid;
	int n_groups; /* its supplementary groups, when known */
	gid_t groups[ZF_CALLER_GROUPS];
	mode_t umask; /* for what it makes: open with O_CREAT, mkdir, mknod */
};

/* lstat(2); a device node's st_rdev is 0 (none of the host's devices). */
int zf_data_stat(const char *root, const char *rel, const struct zf_caller *who, struct stat *ret_st);
/* access(2) with mask (R_OK, W_OK, X_OK, F_OK) for the caller. */
int zf_data_access(const char *root, const char *rel, const struct zf_caller *who, int mask);
/* Calls fill(name, userdata) for each entry (. and .. included). */
int zf_data_list(const char *root, const char *rel, const struct zf_caller *who,
		 void (*fill)(const char *name, void *userdata), void *userdata);
/* open(2) of rel with flags (and mode with O_CREAT): the fd is the caller's.
 * A device node is -EACCES (as on a nodev mount), a FIFO or socket -ENXIO. */
int zf_data_open(const char *root, const char *rel, const struct zf_caller *who, int flags,
		 mode_t mode, int *ret_fd);
int zf_data_mkdir(const char *root, const char *rel, const struct zf_caller *who, mode_t mode);
/* mknod(2): regular files, FIFOs and sockets (bind() makes one); device
 * nodes are -EPERM. */
int zf_data_mknod(const char *root, const char *rel, const struct zf_caller *who, mode_t mode,
		  dev_t dev);
int zf_data_remove(const char *root, const char *rel, const struct zf_caller *who, bool dir);
int zf_data_rename(const char *root, const char *from, const char *to, const struct zf_caller *who,
		   unsigned flags);
int zf_data_symlink(const char *root, const char *target, const char *rel,
		    const struct zf_caller *who);
int zf_data_readlink(const char *root, const char *rel, const struct zf_caller *who, char *buf,
		     size_t size);
int zf_data_chmod(const char *root, const char *rel, const struct zf_caller *who, mode_t mode);
/*
 * chmod(2) to mode by a caller who may write rel but does not own it, when
 * mode only takes set-user-ID or set-group-ID bits away: a write clears
 * them on the host file system, and a kernel whose FUSE library cannot take
 * FUSE_CAP_HANDLE_KILLPRIV asks for it with such a chmod as the writer
 * before the write or truncate. Done as the daemon; -EPERM for any other
 * change, open's errno when the caller may not write it.
 */
int zf_data_clear_setid(const char *root, const char *rel, const struct zf_caller *who,
			mode_t mode);
int zf_data_chown(const char *root, const char *rel, const struct zf_caller *who, uid_t uid,
		  gid_t gid);
/* truncate(2): -EISDIR for a directory, -EINVAL for any other file that is
 * not a regular one (none is opened). */
int zf_data_truncate(const char *root, const char *rel, const struct zf_caller *who, off_t size);
int zf_data_utimens(const char *root, const char *rel, const struct zf_caller *who,
		    const struct timespec tv[2]);
int zf_data_statfs(const char *root, struct statvfs *ret_st);

/* On an fd of zf_data_open(): as who, its opener (NULL or root: as the
 * daemon, which keeps set-ID bits and may use root's reserved blocks; anyone
 * else has the host clear them and charge them for the space). */
int zf_data_fd_write(int fd, const struct zf_caller *who, const char *buf, size_t size,
		     off_t off);
int zf_data_fd_truncate(int fd, const struct zf_caller *who, off_t size);
int zf_data_fd_fallocate(int fd, const struct zf_caller *who, int mode, off_t off, off_t len);
