/* SPDX-License-Identifier: Apache-2.0 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <linux/capability.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "volume_data.h"

/*
 * How a path below data/ is resolved: never above the volume's directory,
 * through no symbolic link (a container may swap one in for a directory at
 * any time, and the daemon would follow it out of the volume as root), no
 * magic link of /proc, and into no other mount.
 */
#define CONFINED (RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV)
/* An open with O_CREAT tries again when the name comes and goes under it;
 * past this many times the race is answered EAGAIN. */
#define OPEN_TRIES 8

/* rel as the kernel gives it: relative, no "." or ".." components, no
 * empty last one, shorter than PATH_MAX (the host's limit for a path). */
static int rel_check(const char *rel)
{
	const char *p = rel;
	size_t len = strlen(rel);

	if (len >= PATH_MAX)
		return -ENAMETOOLONG;
	if (*rel == '/' || (len && rel[len - 1] == '/'))
		return -EINVAL;
	while (*p) {
		size_t n = strcspn(p, "/");

		if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return -EINVAL;
		p += n;
		p += *p == '/';
	}
	return 0;
}

/* ---- who the thread is ---------------------------------------------------- */

/* This thread's own identity, learnt once, put back after each call. */
static __thread struct {
	bool known;
	uid_t fsuid;
	gid_t fsgid;
	int n_groups; /* -1: more than we keep; then left as they are */
	gid_t groups[ZF_CALLER_GROUPS];
	struct __user_cap_data_struct caps[_LINUX_CAPABILITY_U32S_3];
	bool caps_dropped;
	bool groups_set; /* the caller's, unlike the thread's own */
} self;

static int capset_self(struct __user_cap_data_struct *caps)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };

	return syscall(SYS_capset, &h, caps) < 0 ? -errno : 0;
}

static void unbecome(void)
{
	if (!self.known)
		return;
	/* the capabilities first: setfsuid back to root needs CAP_SETUID */
	if (self.caps_dropped)
		capset_self(self.caps);
	self.caps_dropped = false;
	setfsuid(self.fsuid);
	setfsgid(self.fsgid);
	if (self.groups_set)
		syscall(SYS_setgroups, (size_t)self.n_groups, self.groups);
	self.groups_set = false;
}

/* How become() takes the caller's identity. */
enum become_how {
	/* a call by a path: setfsuid and setfsgid, which say nothing when they
	 * fail, asked again; no capability left in effect */
	BECOME_PATH,
	/* a write, truncate or fallocate through a file the caller opened
	 * (BECOME_PATH checked the identity then): only CAP_SYS_RESOURCE taken
	 * away, the one that counts there besides the file system ones
	 * setfsuid drops (reserved blocks, quotas), and no syscall for it when
	 * the thread has none */
	BECOME_WRITE,
};

/*
 * The caller's file system identity on this thread, for one call: fsuid,
 * fsgid, supplementary groups and, for anyone but root, no capability in
 * effect (setfsuid takes away only the file system ones: a write would
 * still pass CAP_SYS_RESOURCE's reserved blocks and quotas). Linux keeps
 * credentials per thread, and these raw syscalls change this thread's
 * alone (glibc's setgroups() would change every thread's). A root caller
 * keeps root's rights. Each syscall counts on a write's path: the groups
 * are set only when they differ from the thread's own. 0, or -errno and
 * nothing changed.
 */
static int become(const struct zf_caller *who, enum become_how how)
{
	struct __user_cap_data_struct less[_LINUX_CAPABILITY_U32S_3];
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	const int res_i = CAP_TO_INDEX(CAP_SYS_RESOURCE);
	const __u32 res = CAP_TO_MASK(CAP_SYS_RESOURCE);
	bool drop = who->uid != 0;
	int r = 0;

	if (!self.known) {
		if (syscall(SYS_capget, &h, self.caps) < 0)
			return -errno;
		self.n_groups = (int)syscall(SYS_getgroups, ZF_CALLER_GROUPS, self.groups);
		self.fsuid = (uid_t)setfsuid((uid_t)-1);
		self.fsgid = (gid_t)setfsgid((gid_t)-1);
		self.known = true;
	}
	if (self.n_groups >= 0 && who->n_groups >= 0 &&
	    (who->n_groups != self.n_groups ||
	     memcmp(who->groups, self.groups, (size_t)who->n_groups * sizeof(gid_t)) != 0))
		self.groups_set = syscall(SYS_setgroups, (size_t)who->n_groups, who->groups) == 0;
	setfsgid(who->gid);
	setfsuid(who->uid);
	/* never go on as someone else */
	if (how == BECOME_PATH &&
	    ((uid_t)setfsuid((uid_t)-1) != who->uid || (gid_t)setfsgid((gid_t)-1) != who->gid))
		r = -EPERM;
	memcpy(less, self.caps, sizeof(less));
	if (how == BECOME_PATH) {
		for (size_t i = 0; i < _LINUX_CAPABILITY_U32S_3; i++)
			less[i].effective = 0;
	} else {
		less[res_i].effective &= ~res;
		drop = drop && (self.caps[res_i].effective & res);
	}
	if (r == 0 && drop) {
		r = capset_self(less);
		self.caps_dropped = r == 0;
	}
	if (r < 0)
		unbecome();
	return r;
}

/* ---- where a call works ----------------------------------------------------- */

/*
 * One call's place: the volume's directory (opened as root: its parents
 * are the engine's), the directory its path's last name is in, resolved
 * as the caller with nothing followed, and that name ("" for data/ itself,
 * which then is dir).
 */
struct place {
	int root;
	int dir; /* root, or an O_PATH descriptor below it */
	const char *leaf;
};

static int open_confined(int dirfd, const char *path, int flags)
{
	struct open_how how = { .flags = (unsigned)(flags | O_CLOEXEC), .resolve = CONFINED };
	long fd = syscall(SYS_openat2, dirfd, path, &how, sizeof(how));

	return fd < 0 ? -errno : (int)fd;
}

/* The directory of rel's last name, below root: 0 and *ret_dir (root
 * itself for a name directly in it, else an O_PATH descriptor to close),
 * *ret_leaf; or -errno. As whoever the thread is. */
static int resolve_parent(int root, const char *rel, int *ret_dir, const char **ret_leaf)
{
	const char *slash = strrchr(rel, '/');
	char parent[PATH_MAX];
	int fd;

	if (!slash) {
		*ret_dir = root;
		*ret_leaf = rel;
		return 0;
	}
	snprintf(parent, sizeof(parent), "%.*s", (int)(slash - rel), rel);
	fd = open_confined(root, parent, O_PATH | O_DIRECTORY);
	if (fd < 0)
		return fd;
	*ret_dir = fd;
	*ret_leaf = slash + 1;
	return 0;
}

static void place_close_dir(struct place *pl, int dir)
{
	if (dir >= 0 && dir != pl->root)
		close(dir);
}

/* Leaves the caller's identity and closes what enter() opened. */
static void leave(struct place *pl)
{
	unbecome();
	place_close_dir(pl, pl->dir);
	close(pl->root);
}

/* Opens root, becomes the caller and finds rel's directory. */
static int enter(const char *root, const char *rel, const struct zf_caller *who,
		 struct place *ret_place)
{
	int r = rel_check(rel);

	if (r < 0)
		return r;
	ret_place->root = open(root, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (ret_place->root < 0)
		return -errno;
	ret_place->dir = -1;
	r = become(who, BECOME_PATH);
	if (r < 0) {
		close(ret_place->root);
		return r;
	}
	r = resolve_parent(ret_place->root, rel, &ret_place->dir, &ret_place->leaf);
	if (r < 0) {
		leave(ret_place);
		return r;
	}
	return 0;
}

static int ret_errno(long r)
{
	return r < 0 ? -errno : 0;
}

static void proc_path(int fd, char buf[32])
{
	snprintf(buf, 32, "/proc/self/fd/%d", fd);
}

/*
 * The mode of a new file: the caller's umask taken away (the kernel leaves
 * that to us: FUSE_CAP_DONT_MASK), unless the directory it goes in has a
 * default ACL, which then decides instead, as the host's own file system
 * does. Runs as the caller, before the call that makes it.
 */
static mode_t create_mode(int dir, const struct zf_caller *who, mode_t mode)
{
	mode_t mask = who->umask & 0777;
	char proc[32];

	if (!(mode & mask))
		return mode;
	/* no getxattr at a directory fd: the fd's own /proc path */
	proc_path(dir, proc);
	return getxattr(proc, "system.posix_acl_default", NULL, 0) > 0 ? mode : mode & ~mask;
}

/* ---- what is opened ----------------------------------------------------------- */

/*
 * Whether the daemon opens a file of this type for I/O: regular files and
 * directories only. A device node would be the host's device, opened by
 * root (as on a nodev mount: EACCES); a FIFO would block the worker until
 * a reader or writer came, and a socket cannot be opened (ENXIO, Linux's
 * answer for one); the kernel serves both itself on the mount and asks
 * zunfs only when a container swapped one in under a name it knew as a
 * file. A link is the kernel's to follow (as O_NOFOLLOW: ELOOP).
 */
static int io_refusal(mode_t mode)
{
	if (S_ISREG(mode) || S_ISDIR(mode))
		return 0;
	if (S_ISLNK(mode))
		return -ELOOP;
	if (S_ISCHR(mode) || S_ISBLK(mode))
		return -EACCES;
	return -ENXIO;
}

/*
 * Opens the file of path (an O_PATH descriptor, st its fstat) with flags,
 * as the caller: through its /proc link, which reopens that very inode, so
 * no rename can hand over another. O_NONBLOCK all the same, taken off
 * once open: an open must never wait (a FIFO, or a lease a container holds
 * on its file would hold the worker until broken, 45 s by default).
 */
static int reopen(int path, const struct stat *st, int flags, int *ret_fd)
{
	struct stat now;
	char proc[32];
	int fd, r;

	r = io_refusal(st->st_mode);
	if (r < 0)
		return r;
	proc_path(path, proc);
	fd = open(proc, (flags & ~(O_CREAT | O_EXCL | O_NOFOLLOW)) | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* the type of what was opened, again */
	if (fstat(fd, &now) < 0)
		r = -errno;
	else if (now.st_dev != st->st_dev || now.st_ino != st->st_ino)
		r = -EAGAIN;
	else
		r = io_refusal(now.st_mode);
	/* F_SETFL sets these and O_NONBLOCK, from what open set: one syscall */
	if (r == 0 && !(flags & O_NONBLOCK) &&
	    fcntl(fd, F_SETFL, flags & (O_APPEND | O_DIRECT | O_NOATIME)) < 0)
		r = -errno;
	if (r < 0) {
		close(fd);
		return r;
	}
	*ret_fd = fd;
	return 0;
}

/* An O_PATH descriptor of pl's name itself (a link is not followed) and its stat. */
static int open_leaf_path(const struct place *pl, struct stat *ret_st)
{
	int fd = *pl->leaf ? openat(pl->dir, pl->leaf, O_PATH | O_NOFOLLOW | O_CLOEXEC)
			   : fcntl(pl->dir, F_DUPFD_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	if (fstat(fd, ret_st) < 0) {
		int e = -errno;

		close(fd);
		return e;
	}
	return fd;
}

/* An existing name of pl opened with flags (reopen's rules). */
static int open_existing(const struct place *pl, int flags, int *ret_fd)
{
	struct stat st;
	int path = open_leaf_path(pl, &st), r;

	if (path < 0)
		return path;
	r = reopen(path, &st, flags, ret_fd);
	close(path);
	return r;
}

/* ---- the calls ----------------------------------------------------------------- */

int zf_data_stat(const char *root, const char *rel, const struct zf_caller *who, struct stat *ret_st)
{
	struct place pl;
	int r = enter(root, rel, who, &pl);

	if (r < 0)
		return r;
	/* data/ itself through its fd: no lookup, so it answers whatever its mode */
	r = ret_errno(*pl.leaf ? fstatat(pl.dir, pl.leaf, ret_st, AT_SYMLINK_NOFOLLOW)
			       : fstatat(pl.dir, "", ret_st, AT_EMPTY_PATH));
	/* a device node is shown as one, of no device: a mount without nodev
	 * (an old mount helper's) would otherwise open the host's */
	if (r == 0 && (S_ISCHR(ret_st->st_mode) || S_ISBLK(ret_st->st_mode)))
		ret_st->st_rdev = 0;
	leave(&pl);
	return r;
}

int zf_data_access(const char *root, const char *rel, const struct zf_caller *who, int mask)
{
	struct place pl;
	int r = enter(root, rel, who, &pl);

	if (r < 0)
		return r;
	/* AT_EACCESS: the fsuid's answer (without it, the daemon's real uid's) */
	r = ret_errno(faccessat(pl.dir, pl.leaf, mask,
				AT_EACCESS | (*pl.leaf ? AT_SYMLINK_NOFOLLOW : AT_EMPTY_PATH)));
	leave(&pl);
	return r;
}

int zf_data_list(const char *root, const char *rel, const struct zf_caller *who,
		 void (*fill)(const char *name, void *userdata), void *userdata)
{
	struct place pl;
	struct dirent *de;
	DIR *dir;
	int r = enter(root, rel, who, &pl), fd;

	if (r < 0)
		return r;
	/* O_DIRECTORY: nothing but a directory is opened */
	fd = *pl.leaf ? open_confined(pl.dir, pl.leaf, O_RDONLY | O_DIRECTORY)
		      : open_confined(pl.dir, ".", O_RDONLY | O_DIRECTORY);
	if (fd < 0) {
		leave(&pl);
		return fd;
	}
	dir = fdopendir(fd);
	if (!dir) {
		r = -errno;
		close(fd);
		leave(&pl);
		return r;
	}
	errno = 0;
	while ((de = readdir(dir)))
		fill(de->d_name, userdata);
	r = errno ? -errno : 0;
	closedir(dir);
	leave(&pl);
	return r;
}

/*
 * A new file: O_CREAT | O_EXCL makes a regular file or fails, whatever
 * the name was; when it exists (and the caller did not ask O_EXCL), it is
 * opened as an existing one, and if it goes meanwhile, made again.
 */
static int open_create(const struct place *pl, const struct zf_caller *who, int flags, mode_t mode,
		       int *ret_fd)
{
	mode = create_mode(pl->dir, who, mode);
	for (int i = 0; i < OPEN_TRIES; i++) {
		int fd = openat(pl->dir, pl->leaf, flags | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
		struct stat st;
		int r;

		if (fd >= 0) {
			r = fstat(fd, &st) < 0 ? -errno : io_refusal(st.st_mode);
			if (r < 0) {
				close(fd);
				return r;
			}
			*ret_fd = fd;
			return 0;
		}
		if (errno != EEXIST || (flags & O_EXCL))
			return -errno;
		r = open_existing(pl, flags & ~O_CREAT, ret_fd);
		if (r != -ENOENT)
			return r;
	}
	return -EAGAIN;
}

int zf_data_open(const char *root, const char *rel, const struct zf_caller *who, int flags,
		 mode_t mode, int *ret_fd)
{
	struct place pl;
	int r = enter(root, rel, who, &pl);

	if (r < 0)
		return r;
	if ((flags & O_CREAT) && *pl.leaf)
		r = open_create(&pl, who, flags, mode, ret_fd);
	else
		r = open_existing(&pl, flags & ~O_CREAT, ret_fd);
	leave(&pl);
	return r;
}

int zf_data_mkdir(const char *root, const char *rel, const struct zf_caller *who, mode_t mode)
{
	struct place pl;
	int r = enter(root, rel, who, &pl);

	if (r < 0)
		return r;
	r = ret_errno(mkdirat(pl.dir, *pl.leaf ? pl.leaf : ".", create_mode(pl.dir, who, mode)));
	leave(&pl);
	return r;
}

int zf_data_mknod(const char *root, const char *rel, const struct zf_caller *who, mode_t mode,
		  dev_t dev)
{
	struct place pl;
	int r;

	/* devices stay the host's: a node in a volume would open them to whoever
	 * reaches the volume, here or in a container */
	if (!S_ISREG(mode) && !S_ISFIFO(mode) && !S_ISSOCK(mode))
		return -EPERM;
	r = enter(root, rel, who, &pl);
	if (r < 0)
		return r;
	mode = create_mode(pl.dir, who, mode);
	r = ret_errno(mknodat(pl.dir, *pl.leaf ? pl.leaf : ".", mode, S_ISREG(mode) ? 0 : dev));
	leave(&pl);
	return r;
}

int zf_data_remove(const char *root, const char *rel, const struct zf_caller *who, bool dir)
{
	struct place pl;
	int r;

	if (!*rel)
		return -EBUSY; /* data/ itself goes with the volume */
	r = enter(root, rel, who, &pl);
	if (r < 0)
		return r;
	r = ret_errno(unlinkat(pl.dir, pl.leaf, dir ? AT_REMOVEDIR : 0));
	leave(&pl);
	return r;
}

int zf_data_rename(const char *root, const char *from, const char *to, const struct zf_caller *who,
		   unsigned flags)
{
	const char *to_leaf;
	struct place pl;
	int r, to_dir = -1;

	if (!*from || !*to)
		return -EBUSY;
	r = rel_check(to);
	if (r < 0)
		return r;
	r = enter(root, from, who, &pl);
	if (r < 0)
		return r;
	r = resolve_parent(pl.root, to, &to_dir, &to_leaf);
	if (r == 0)
		r = ret_errno(renameat2(pl.dir, pl.leaf, to_dir, to_leaf, flags));
	place_close_dir(&pl, to_dir);
	leave(&pl);
	return r;
}

int zf_data_symlink(const char *root, const char *target, const char *rel,
		    const struct zf_caller *who)
{
	struct place pl;
	int r = enter(root, rel, who, &pl);

	if (r < 0)
		return r;
	r = ret_errno(symlinkat(target, pl.dir, *pl.leaf ? pl.leaf : "."));
	leave(&pl);
	return r;
}

int zf_data_readlink(const char *root, const char *rel, const struct zf_caller *who, char *buf,
		     size_t size)
{
	struct place pl;
	ssize_t n;
	int r;

	if (size == 0)
		return 0;
	r = enter(root, rel, who, &pl);
	if (r < 0)
		return r;
	n = readlinkat(pl.dir, *pl.leaf ? pl.leaf : ".", buf, size - 1);
	r = ret_errno(n);
	if (n >= 0)
		buf[n] = '\0';
	leave(&pl);
	return r;
}

/*
 * data/ itself is changed through its own descriptor as root, once the
 * caller is found to own it: "." below an fd needs search permission,
 * which its owner may just have taken away (chmod 600 data).
 */
static int owns_root(int root, const struct zf_caller *who)
{
	struct stat st;

	if (fstat(root, &st) < 0)
		return -errno;
	return who->uid == 0 || st.st_uid == who->uid ? 0 : -EPERM;
}

int zf_data_chmod(const char *root, const char *rel, const struct zf_caller *who, mode_t mode)
{
	struct place pl;
	char proc[32];
	int r = enter(root, rel, who, &pl);

	if (r < 0)
		return r;
	if (!*pl.leaf) {
		r = owns_root(pl.root, who);
		unbecome();
		proc_path(pl.root, proc);
		if (r == 0)
			r = ret_errno(chmod(proc, mode & 07777));
		close(pl.root);
		return r;
	}
	/* Linux cannot change a link's own mode (EOPNOTSUPP); a link is never followed */
	r = ret_errno(fchmodat(pl.dir, pl.leaf, mode & 07777, AT_SYMLINK_NOFOLLOW));
	leave(&pl);
	return r;
}

int zf_data_clear_setid(const char *root, const char *rel, const struct zf_caller *who,
			mode_t mode)
{
	const mode_t id = S_ISUID | S_ISGID;
	struct stat st;
	struct place pl;
	int r = enter(root, rel, who, &pl), fd = -1;

	if (r < 0)
		return r;
	/* opening it for writing as the caller is the permission a write needs;
	 * anything but a regular file is the owner's chmod */
	r = open_leaf_path(&pl, &st);
	if (r >= 0) {
		int path = r;

		r = S_ISREG(st.st_mode) ? reopen(path, &st, O_WRONLY, &fd) : -EPERM;
		close(path);
	}
	leave(&pl);
	/* anything but set-ID bits taken away is the owner's chmod */
	if (r == 0 && ((mode & 07777 & ~id) != (st.st_mode & 07777 & ~id) ||
		       (mode & id) == (st.st_mode & id) || (mode & id & ~st.st_mode)))
		r = -EPERM;
	/* as the daemon: the caller may not chmod a file that is not theirs */
	if (r == 0 && fchmod(fd, mode & 07777) < 0)
		r = -errno;
	if (fd >= 0)
		close(fd);
	return r;
}

int zf_data_chown(const char *root, const char *rel, const struct zf_caller *who, uid_t uid,
		  gid_t gid)
{
	struct place pl;
	int r = enter(root, rel, who, &pl);

	if (r < 0)
		return r;
	r = ret_errno(fchownat(pl.dir, pl.leaf, uid, gid,
			       *pl.leaf ? AT_SYMLINK_NOFOLLOW : AT_EMPTY_PATH));
	leave(&pl);
	return r;
}

int zf_data_truncate(const char *root, const char *rel, const struct zf_caller *who, off_t size)
{
	struct stat st;
	struct place pl;
	int r = enter(root, rel, who, &pl), fd = -1;

	if (r < 0)
		return r;
	r = open_leaf_path(&pl, &st);
	if (r >= 0) {
		int path = r;

		/* truncate(2)'s own answers for what is not a regular file: no
		 * FIFO or device is opened to find out */
		r = S_ISDIR(st.st_mode)	 ? -EISDIR
		    : !S_ISREG(st.st_mode) ? -EINVAL
					   : reopen(path, &st, O_WRONLY, &fd);
		close(path);
	}
	if (r == 0)
		r = ret_errno(ftruncate(fd, size));
	if (fd >= 0)
		close(fd);
	leave(&pl);
	return r;
}

int zf_data_utimens(const char *root, const char *rel, const struct zf_caller *who,
		    const struct timespec tv[2])
{
	struct place pl;
	char proc[32];
	int r = enter(root, rel, who, &pl);

	if (r < 0)
		return r;
	if (!*pl.leaf) { /* as chmod: data/ itself by its owner */
		r = owns_root(pl.root, who);
		unbecome();
		proc_path(pl.root, proc);
		if (r == 0)
			r = ret_errno(utimensat(AT_FDCWD, proc, tv, 0));
		close(pl.root);
		return r;
	}
	r = ret_errno(utimensat(pl.dir, pl.leaf, tv, AT_SYMLINK_NOFOLLOW));
	leave(&pl);
	return r;
}

int zf_data_statfs(const char *root, struct statvfs *ret_st)
{
	int fd = open(root, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), r;

	if (fd < 0)
		return -errno;
	r = ret_errno(fstatvfs(fd, ret_st));
	close(fd);
	return r;
}

/*
 * On a file open in data/: as who, the opener (NULL or root: as the
 * daemon, which is the same), so the host charges the change as the
 * user's (no reserved blocks, their quota) and clears set-user-ID and
 * set-group-ID bits as for any writer without CAP_FSETID (zunfs takes
 * FUSE_CAP_HANDLE_KILLPRIV: the kernel leaves that to the file system).
 */
static int fd_become(const struct zf_caller *who)
{
	return who && who->uid != 0 ? become(who, BECOME_WRITE) : 0;
}

static int fd_leave(const struct zf_caller *who, int r)
{
	if (who && who->uid != 0)
		unbecome();
	return r;
}

int zf_data_fd_write(int fd, const struct zf_caller *who, const char *buf, size_t size,
		     off_t off)
{
	ssize_t n;
	int r = fd_become(who);

	if (r < 0)
		return r;
	n = pwrite(fd, buf, size, off);
	return fd_leave(who, n < 0 ? -errno : (int)n);
}

int zf_data_fd_truncate(int fd, const struct zf_caller *who, off_t size)
{
	int r = fd_become(who);

	if (r < 0)
		return r;
	return fd_leave(who, ret_errno(ftruncate(fd, size)));
}

int zf_data_fd_fallocate(int fd, const struct zf_caller *who, int mode, off_t off, off_t len)
{
	int r = fd_become(who);

	if (r < 0)
		return r;
	return fd_leave(who, ret_errno(fallocate(fd, mode, off, len)));
}
