/* SPDX-License-Identifier: Apache-2.0 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "volume_data.h"

/* The volume's directory, opened as root: its parents are the engine's. */
static int open_root(const char *root)
{
	int fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

/* rel as the kernel gives it: relative, no "." or ".." components. */
static bool rel_ok(const char *rel)
{
	const char *p = rel;

	if (*rel == '/')
		return false;
	while (*p) {
		size_t n = strcspn(p, "/");

		if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return false;
		p += n;
		p += *p == '/';
	}
	return true;
}

/* This thread's own supplementary groups, put back after each call. */
static __thread gid_t saved_groups[ZF_CALLER_GROUPS];
static __thread int n_saved = -1;

/*
 * The caller's file system identity on this thread, for one call. The raw
 * setgroups syscall changes this thread's credentials alone (glibc's
 * setgroups() would change every thread's).
 */
static void become(const struct zf_caller *who)
{
	n_saved = (int)syscall(SYS_getgroups, ZF_CALLER_GROUPS, saved_groups);
	if (n_saved >= 0 && who->n_groups >= 0)
		syscall(SYS_setgroups, (size_t)who->n_groups, who->groups);
	setfsgid(who->gid);
	setfsuid(who->uid);
}

static void unbecome(void)
{
	setfsuid(0);
	setfsgid(0);
	if (n_saved >= 0)
		syscall(SYS_setgroups, (size_t)n_saved, saved_groups);
	n_saved = -1;
}

/* Runs one *at() step: opens root, becomes the caller, returns the dirfd. */
static int enter(const char *root, const char *rel, const struct zf_caller *who)
{
	int dfd;

	if (!rel_ok(rel))
		return -EINVAL;
	dfd = open_root(root);
	if (dfd < 0)
		return dfd;
	become(who);
	return dfd;
}

static int leave(int dfd, int r)
{
	int e = r < 0 ? -errno : 0;

	unbecome();
	close(dfd);
	return r < 0 ? e : r;
}

/* "" (data/ itself) is the directory fd's own. */
static const char *at(const char *rel)
{
	return *rel ? rel : ".";
}

/*
 * The mode of a new file: the caller's umask taken away (the kernel leaves
 * that to us: FUSE_CAP_DONT_MASK), unless the directory it goes in has a
 * default ACL, which then decides instead, as the host's own file system
 * does. Runs as the caller, before the call that makes it.
 */
static mode_t create_mode(int dfd, const char *rel, const struct zf_caller *who, mode_t mode)
{
	const char *slash = strrchr(rel, '/');
	char parent[PATH_MAX], proc[32];
	int fd = dfd;
	mode_t mask = who->umask & 0777;
	ssize_t n;

	if (!(mode & mask))
		return mode;
	if (slash) {
		snprintf(parent, sizeof(parent), "%.*s", (int)(slash - rel), rel);
		fd = openat(dfd, parent, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			return mode & ~mask; /* the call itself fails, and says why */
	}
	/* no getxattr at a directory fd and a name: the fd's own /proc path */
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
	n = getxattr(proc, "system.posix_acl_default", NULL, 0);
	if (fd != dfd)
		close(fd);
	return n > 0 ? mode : mode & ~mask;
}

int zf_data_stat(const char *root, const char *rel, const struct zf_caller *who, struct stat *ret_st)
{
	int dfd = enter(root, rel, who);

	if (dfd < 0)
		return dfd;
	/* data/ itself through its fd: no lookup, so it answers whatever its mode */
	return leave(dfd, *rel ? fstatat(dfd, rel, ret_st, AT_SYMLINK_NOFOLLOW)
			       : fstatat(dfd, "", ret_st, AT_EMPTY_PATH));
}

int zf_data_access(const char *root, const char *rel, const struct zf_caller *who, int mask)
{
	int dfd = enter(root, rel, who);

	if (dfd < 0)
		return dfd;
	/* AT_EACCESS: the fsuid's answer (without it, the daemon's real uid's) */
	return leave(dfd, faccessat(dfd, rel, mask, AT_EACCESS | (*rel ? 0 : AT_EMPTY_PATH)));
}

int zf_data_list(const char *root, const char *rel, const struct zf_caller *who,
		 void (*fill)(const char *name, void *userdata), void *userdata)
{
	int dfd = enter(root, rel, who), fd, r = 0;
	struct dirent *de;
	DIR *dir;

	if (dfd < 0)
		return dfd;
	fd = openat(dfd, at(rel), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return leave(dfd, -1);
	dir = fdopendir(fd);
	if (!dir) {
		close(fd);
		return leave(dfd, -1);
	}
	errno = 0;
	while ((de = readdir(dir)))
		fill(de->d_name, userdata);
	if (errno)
		r = -1;
	closedir(dir);
	return leave(dfd, r);
}

int zf_data_open(const char *root, const char *rel, const struct zf_caller *who, int flags,
		 mode_t mode, int *ret_fd)
{
	int dfd = enter(root, rel, who), fd;

	if (dfd < 0)
		return dfd;
	if (flags & O_CREAT)
		mode = create_mode(dfd, rel, who, mode);
	/* a link at the end is the kernel's to follow, not ours */
	fd = openat(dfd, at(rel), flags | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd >= 0)
		*ret_fd = fd;
	return leave(dfd, fd < 0 ? -1 : 0);
}

int zf_data_mkdir(const char *root, const char *rel, const struct zf_caller *who, mode_t mode)
{
	int dfd = enter(root, rel, who);

	if (dfd < 0)
		return dfd;
	return leave(dfd, mkdirat(dfd, rel, create_mode(dfd, rel, who, mode)));
}

int zf_data_mknod(const char *root, const char *rel, const struct zf_caller *who, mode_t mode,
		  dev_t dev)
{
	int dfd;

	/* devices stay the host's: a node in a volume would open them to whoever
	 * reaches the volume, here or in a container */
	if (!S_ISREG(mode) && !S_ISFIFO(mode) && !S_ISSOCK(mode))
		return -EPERM;
	dfd = enter(root, rel, who);
	if (dfd < 0)
		return dfd;
	mode = create_mode(dfd, rel, who, mode);
	return leave(dfd, mknodat(dfd, rel, mode, S_ISREG(mode) ? 0 : dev));
}

int zf_data_remove(const char *root, const char *rel, const struct zf_caller *who, bool dir)
{
	int dfd;

	if (!*rel)
		return -EBUSY; /* data/ itself goes with the volume */
	dfd = enter(root, rel, who);
	if (dfd < 0)
		return dfd;
	return leave(dfd, unlinkat(dfd, rel, dir ? AT_REMOVEDIR : 0));
}

int zf_data_rename(const char *root, const char *from, const char *to, const struct zf_caller *who,
		   unsigned flags)
{
	int dfd;

	if (!*from || !*to || !rel_ok(to))
		return !*from || !*to ? -EBUSY : -EINVAL;
	dfd = enter(root, from, who);
	if (dfd < 0)
		return dfd;
	return leave(dfd, renameat2(dfd, from, dfd, to, flags));
}

int zf_data_symlink(const char *root, const char *target, const char *rel,
		    const struct zf_caller *who)
{
	int dfd = enter(root, rel, who);

	if (dfd < 0)
		return dfd;
	return leave(dfd, symlinkat(target, dfd, rel));
}

int zf_data_readlink(const char *root, const char *rel, const struct zf_caller *who, char *buf,
		     size_t size)
{
	int dfd = enter(root, rel, who);
	ssize_t n;

	if (dfd < 0)
		return dfd;
	if (size == 0)
		return leave(dfd, 0);
	n = readlinkat(dfd, at(rel), buf, size - 1);
	if (n >= 0)
		buf[n] = '\0';
	return leave(dfd, n < 0 ? -1 : 0);
}

/*
 * data/ itself is changed through its own name as root, once the caller is
 * found to own it: "." below an fd needs search permission, which its owner
 * may just have taken away (chmod 600 data).
 */
static int owns_root(int dfd, const struct zf_caller *who)
{
	struct stat st;

	if (fstatat(dfd, "", &st, AT_EMPTY_PATH) < 0)
		return -errno;
	return who->uid == 0 || st.st_uid == who->uid ? 0 : -EPERM;
}

int zf_data_chmod(const char *root, const char *rel, const struct zf_caller *who, mode_t mode)
{
	int dfd = enter(root, rel, who), r;

	if (dfd < 0)
		return dfd;
	if (!*rel) {
		r = owns_root(dfd, who);
		unbecome();
		close(dfd);
		return r < 0 ? r : chmod(root, mode & 07777) < 0 ? -errno : 0;
	}
	/* Linux cannot change a link's own mode; links are 0777 anyway */
	return leave(dfd, fchmodat(dfd, rel, mode & 07777, 0));
}

int zf_data_clear_setid(const char *root, const char *rel, const struct zf_caller *who,
			mode_t mode)
{
	const mode_t id = S_ISUID | S_ISGID;
	int dfd = enter(root, rel, who), fd, r;
	struct stat st;

	if (dfd < 0)
		return dfd;
	/* opening it for writing as the caller is the permission a write needs
	 * (O_NONBLOCK: a FIFO does not wait for a reader; it is refused below) */
	fd = openat(dfd, at(rel), O_WRONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return leave(dfd, -1);
	r = leave(dfd, fstat(fd, &st));
	/* anything but set-ID bits taken away is the owner's chmod */
	if (r == 0 && (!S_ISREG(st.st_mode) || (mode & 07777 & ~id) != (st.st_mode & 07777 & ~id) ||
		       (mode & id) == (st.st_mode & id) || (mode & id & ~st.st_mode)))
		r = -EPERM;
	/* as the daemon: the caller may not chmod a file that is not theirs */
	if (r == 0 && fchmod(fd, mode & 07777) < 0)
		r = -errno;
	close(fd);
	return r;
}

int zf_data_chown(const char *root, const char *rel, const struct zf_caller *who, uid_t uid,
		  gid_t gid)
{
	int dfd = enter(root, rel, who);

	if (dfd < 0)
		return dfd;
	return leave(dfd, fchownat(dfd, at(rel), uid, gid, AT_SYMLINK_NOFOLLOW));
}

int zf_data_truncate(const char *root, const char *rel, const struct zf_caller *who, off_t size)
{
	int dfd = enter(root, rel, who), fd, r;

	if (dfd < 0)
		return dfd;
	fd = openat(dfd, at(rel), O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return leave(dfd, -1);
	r = ftruncate(fd, size);
	if (r < 0) {
		int e = errno;

		close(fd);
		errno = e;
	} else {
		close(fd);
	}
	return leave(dfd, r);
}

int zf_data_utimens(const char *root, const char *rel, const struct zf_caller *who,
		    const struct timespec tv[2])
{
	int dfd = enter(root, rel, who), r;

	if (dfd < 0)
		return dfd;
	if (!*rel) { /* as chmod: data/ itself by its owner */
		r = owns_root(dfd, who);
		unbecome();
		close(dfd);
		return r < 0 ? r : utimensat(AT_FDCWD, root, tv, 0) < 0 ? -errno : 0;
	}
	return leave(dfd, utimensat(dfd, rel, tv, AT_SYMLINK_NOFOLLOW));
}

int zf_data_statfs(const char *root, struct statvfs *ret_st)
{
	return statvfs(root, ret_st) < 0 ? -errno : 0;
}

/*
 * On a file open in data/: who NULL works as the daemon; a caller works as
 * them, so the host clears set-user-ID and set-group-ID bits as for any
 * writer without CAP_FSETID (zunfs takes FUSE_CAP_HANDLE_KILLPRIV: the
 * kernel leaves that to the file system).
 */
static void fd_become(const struct zf_caller *who)
{
	if (who)
		become(who);
}

static int fd_leave(const struct zf_caller *who, int r)
{
	int e = errno;

	if (who)
		unbecome();
	return r < 0 ? -e : r;
}

int zf_data_fd_write(int fd, const struct zf_caller *who, const char *buf, size_t size,
		     off_t off)
{
	ssize_t n;

	fd_become(who);
	n = pwrite(fd, buf, size, off);
	return fd_leave(who, n < 0 ? -1 : (int)n);
}

int zf_data_fd_truncate(int fd, const struct zf_caller *who, off_t size)
{
	fd_become(who);
	return fd_leave(who, ftruncate(fd, size));
}

int zf_data_fd_fallocate(int fd, const struct zf_caller *who, int mode, off_t off, off_t len)
{
	fd_become(who);
	return fd_leave(who, fallocate(fd, mode, off, len));
}
