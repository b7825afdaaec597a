/* SPDX-License-Identifier: Apache-2.0 */
/*
 * zf-testtool fsops: a script of file system calls from stdin, one a line,
 * run in the current directory; each line is printed back with what the
 * call gave: "LINE -> ok", "LINE -> ok VALUE" or "LINE -> ERRNAME". The
 * same script in two directories gives two outputs to diff (see
 * tests/integration/test_data_posix.sh). "#" starts a comment that is
 * printed back too (test_data_posix.sh puts its tags there); blank lines
 * and lines starting with "#" are skipped.
 *
 *   umask MODE                 umask(2) for the calls below
 *   create PATH MODE           open(O_CREAT | O_EXCL | O_WRONLY)
 *   open PATH FLAGS            open(2); FLAGS: r, w, rw, each with t (O_TRUNC), a (O_APPEND)
 *   mkdir PATH MODE            mkdir(2)
 *   mknod PATH TYPE MODE       mknod(2); TYPE: reg, fifo, sock, chr (1:3, /dev/null's)
 *   bind PATH                  bind(2) of a unix socket, then a connect(2) to it and a byte across
 *   chmod PATH MODE            chmod(2)
 *   chown PATH UID GID         lchown(2); -1 leaves one as it is
 *   write PATH TEXT            appends TEXT through O_WRONLY | O_APPEND
 *   cat PATH                   what the file holds ("ok" and nothing for an empty file)
 *   truncate PATH SIZE         truncate(2), by the path
 *   ftruncate PATH SIZE        ftruncate(2) of an O_WRONLY open
 *   fallocate PATH OFF LEN [keep|punch]   fallocate(2) of an O_WRONLY open
 *   rename FROM TO [noreplace|exchange]   renameat2(2)
 *   link FROM TO               link(2)
 *   symlink TARGET PATH        symlink(2)
 *   readlink PATH              readlink(2)
 *   unlink PATH                unlink(2)
 *   rmdir PATH                 rmdir(2)
 *   utimens PATH ASEC ANSEC MSEC MNSEC [nofollow]   utimensat(2); now, omit for a NSEC
 *   stat PATH                  lstat(2): type, mode, owner, group, size (and nlink but
 *                              for directories, whose count is the file system's)
 *   times PATH                 lstat(2): atime and mtime to the nanosecond
 *   ls PATH                    the names in a directory, sorted, without . and ..
 *   setxattr PATH NAME VALUE   lsetxattr(2)
 *   getxattr PATH NAME         lgetxattr(2)
 *   listxattr PATH             llistxattr(2): the names, sorted
 *   removexattr PATH NAME      lremovexattr(2)
 *   access PATH r|w|x          faccessat(2) with AT_EACCESS
 *   chdir PATH                 chdir(2): the lines below are relative to PATH
 *   defacl DIR                 gives DIR the default ACL u::rwx,g::rwx,o::rwx (as setfacl -d),
 *                              so that what is made in it takes no umask
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "fsops.h"

#define MAX_ARGS 8

static char result[8192];

static int fail(void)
{
	const char *name = strerrorname_np(errno);

	snprintf(result, sizeof(result), "%s", name ? name : "?");
	return -1;
}

static int done(int r)
{
	if (r < 0)
		return fail();
	snprintf(result, sizeof(result), "ok");
	return 0;
}

static mode_t octal(const char *s)
{
	return (mode_t)strtoul(s, NULL, 8);
}

static int open_flags(const char *s)
{
	int f = strchr(s, 'w') ? (strchr(s, 'r') ? O_RDWR : O_WRONLY) : O_RDONLY;

	if (strchr(s, 't'))
		f |= O_TRUNC;
	if (strchr(s, 'a'))
		f |= O_APPEND;
	return f | O_NONBLOCK; /* a FIFO does not wait */
}

static const char *type_name(mode_t m)
{
	return S_ISREG(m)    ? "reg"
	       : S_ISDIR(m)  ? "dir"
	       : S_ISLNK(m)  ? "lnk"
	       : S_ISFIFO(m) ? "fifo"
	       : S_ISSOCK(m) ? "sock"
	       : S_ISCHR(m)  ? "chr"
	       : S_ISBLK(m)  ? "blk"
			     : "?";
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* names (NUL-separated, n bytes) sorted into result */
static int sorted_names(char *names, size_t n)
{
	char *list[256];
	size_t count = 0, len = 0;

	for (size_t i = 0; i < n && count < 256;) {
		list[count++] = names + i;
		i += strlen(names + i) + 1;
	}
	qsort(list, count, sizeof(list[0]), cmp_str);
	len = (size_t)snprintf(result, sizeof(result), "ok");
	for (size_t i = 0; i < count && len < sizeof(result); i++)
		len += (size_t)snprintf(result + len, sizeof(result) - len, " %s", list[i]);
	return 0;
}

static int op_ls(const char *path)
{
	char names[8192];
	size_t n = 0;
	struct dirent *de;
	DIR *d = opendir(path);

	if (!d)
		return fail();
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name) + 1;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (n + l > sizeof(names))
			break;
		memcpy(names + n, de->d_name, l);
		n += l;
	}
	closedir(d);
	return sorted_names(names, n);
}

static int op_bind(const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int s, c = -1, peer = -1, r = -1;
	char byte = 0;

	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return fail();
	if (bind(s, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(s, 1) < 0)
		goto out;
	/* the socket is there to be found by its name */
	c = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c < 0 || connect(c, (struct sockaddr *)&a, sizeof(a)) < 0)
		goto out;
	peer = accept(s, NULL, NULL);
	if (peer < 0 || write(c, "x", 1) != 1 || read(peer, &byte, 1) != 1)
		goto out;
	errno = EIO;
	r = byte == 'x' ? 0 : -1;
out:
	r = r < 0 ? fail() : done(0);
	if (peer >= 0)
		close(peer);
	if (c >= 0)
		close(c);
	close(s);
	return r;
}

static int op_stat(const char *path, bool times)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return fail();
	if (times)
		snprintf(result, sizeof(result), "ok atime=%lld.%09ld mtime=%lld.%09ld",
			 (long long)st.st_atim.tv_sec, st.st_atim.tv_nsec,
			 (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
	else if (S_ISDIR(st.st_mode))
		snprintf(result, sizeof(result), "ok %s %04o %u:%u", type_name(st.st_mode),
			 st.st_mode & 07777, st.st_uid, st.st_gid);
	else
		snprintf(result, sizeof(result), "ok %s %04o %u:%u size=%lld nlink=%lu",
			 type_name(st.st_mode), st.st_mode & 07777, st.st_uid, st.st_gid,
			 (long long)st.st_size, (unsigned long)st.st_nlink);
	return 0;
}

static long nsec(const char *s)
{
	return strcmp(s, "now") == 0 ? UTIME_NOW : strcmp(s, "omit") == 0 ? UTIME_OMIT : atol(s);
}

/* opens path for writing and runs one of ftruncate, fallocate on it */
static int on_open(const char *path, int (*fn)(int fd, char **a), char **a)
{
	int fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC), r;

	if (fd < 0)
		return fail();
	r = fn(fd, a);
	r = r < 0 ? fail() : done(0);
	close(fd);
	return r;
}

static int do_ftruncate(int fd, char **a)
{
	return ftruncate(fd, atoll(a[2]));
}

static int do_fallocate(int fd, char **a)
{
	int mode = !a[4]			   ? 0
		   : strcmp(a[4], "keep") == 0 ? FALLOC_FL_KEEP_SIZE
					       : FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE;

	return fallocate(fd, mode, atoll(a[2]), atoll(a[3]));
}

static int run(char **a, int n)
{
	const char *op = a[0];
	char buf[4096];
	ssize_t len;
	int fd;

#define NEED(k)                                                                                    \
	do {                                                                                       \
		if (n < (k)) {                                                                     \
			snprintf(result, sizeof(result), "usage");                                 \
			return -1;                                                                 \
		}                                                                                  \
	} while (0)
	if (strcmp(op, "umask") == 0) {
		NEED(2);
		umask(octal(a[1]));
		return done(0);
	}
	NEED(2);
	if (strcmp(op, "create") == 0) {
		NEED(3);
		fd = open(a[1], O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, octal(a[2]));
		if (fd >= 0)
			close(fd);
		return done(fd);
	}
	if (strcmp(op, "open") == 0) {
		NEED(3);
		fd = open(a[1], open_flags(a[2]) | O_CLOEXEC);
		if (fd >= 0)
			close(fd);
		return done(fd);
	}
	if (strcmp(op, "mkdir") == 0) {
		NEED(3);
		return done(mkdir(a[1], octal(a[2])));
	}
	if (strcmp(op, "mknod") == 0) {
		NEED(4);
		mode_t t = strcmp(a[2], "fifo") == 0   ? S_IFIFO
			   : strcmp(a[2], "sock") == 0 ? S_IFSOCK
			   : strcmp(a[2], "chr") == 0  ? S_IFCHR
						       : S_IFREG;

		return done(mknod(a[1], t | octal(a[3]), t == S_IFCHR ? makedev(1, 3) : 0));
	}
	if (strcmp(op, "bind") == 0)
		return op_bind(a[1]);
	if (strcmp(op, "chmod") == 0) {
		NEED(3);
		return done(chmod(a[1], octal(a[2])));
	}
	if (strcmp(op, "chown") == 0) {
		NEED(4);
		return done(lchown(a[1], (uid_t)atol(a[2]), (gid_t)atol(a[3])));
	}
	if (strcmp(op, "write") == 0) {
		NEED(3);
		fd = open(a[1], O_WRONLY | O_APPEND | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0)
			return fail();
		len = write(fd, a[2], strlen(a[2]));
		close(fd);
		return done(len < 0 ? -1 : 0);
	}
	if (strcmp(op, "cat") == 0) {
		fd = open(a[1], O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0)
			return fail();
		len = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (len < 0)
			return fail();
		buf[len] = '\0';
		snprintf(result, sizeof(result), "ok%s%s", len ? " " : "", buf);
		return 0;
	}
	if (strcmp(op, "truncate") == 0) {
		NEED(3);
		return done(truncate(a[1], atoll(a[2])));
	}
	if (strcmp(op, "ftruncate") == 0) {
		NEED(3);
		return on_open(a[1], do_ftruncate, a);
	}
	if (strcmp(op, "fallocate") == 0) {
		NEED(4);
		return on_open(a[1], do_fallocate, a);
	}
	if (strcmp(op, "rename") == 0) {
		NEED(3);
		unsigned flags = n < 4 ? 0 : strcmp(a[3], "exchange") == 0 ? RENAME_EXCHANGE
							 : RENAME_NOREPLACE;

		return done(renameat2(AT_FDCWD, a[1], AT_FDCWD, a[2], flags));
	}
	if (strcmp(op, "link") == 0) {
		NEED(3);
		return done(link(a[1], a[2]));
	}
	if (strcmp(op, "symlink") == 0) {
		NEED(3);
		return done(symlink(a[1], a[2]));
	}
	if (strcmp(op, "readlink") == 0) {
		len = readlink(a[1], buf, sizeof(buf) - 1);
		if (len < 0)
			return fail();
		buf[len] = '\0';
		snprintf(result, sizeof(result), "ok %s", buf);
		return 0;
	}
	if (strcmp(op, "unlink") == 0)
		return done(unlink(a[1]));
	if (strcmp(op, "rmdir") == 0)
		return done(rmdir(a[1]));
	if (strcmp(op, "utimens") == 0) {
		NEED(6);
		struct timespec tv[2] = { { atol(a[2]), nsec(a[3]) }, { atol(a[4]), nsec(a[5]) } };

		return done(utimensat(AT_FDCWD, a[1], tv, n > 6 ? AT_SYMLINK_NOFOLLOW : 0));
	}
	if (strcmp(op, "stat") == 0)
		return op_stat(a[1], false);
	if (strcmp(op, "times") == 0)
		return op_stat(a[1], true);
	if (strcmp(op, "ls") == 0)
		return op_ls(a[1]);
	if (strcmp(op, "setxattr") == 0) {
		NEED(4);
		return done(lsetxattr(a[1], a[2], a[3], strlen(a[3]), 0));
	}
	if (strcmp(op, "getxattr") == 0) {
		NEED(3);
		len = lgetxattr(a[1], a[2], buf, sizeof(buf) - 1);
		if (len < 0)
			return fail();
		buf[len] = '\0';
		snprintf(result, sizeof(result), "ok %s", buf);
		return 0;
	}
	if (strcmp(op, "listxattr") == 0) {
		len = llistxattr(a[1], buf, sizeof(buf));
		if (len < 0)
			return fail();
		return sorted_names(buf, (size_t)len);
	}
	if (strcmp(op, "removexattr") == 0) {
		NEED(3);
		return done(lremovexattr(a[1], a[2]));
	}
	if (strcmp(op, "access") == 0) {
		NEED(3);
		int m = a[2][0] == 'r' ? R_OK : a[2][0] == 'w' ? W_OK : X_OK;

		return done(faccessat(AT_FDCWD, a[1], m, AT_EACCESS));
	}
	if (strcmp(op, "chdir") == 0)
		return done(chdir(a[1]));
	if (strcmp(op, "defacl") == 0) {
		/* the kernel's xattr form: version 2, then {tag, perm, id} entries */
		static const struct {
			uint32_t version;
			struct {
				uint16_t tag, perm;
				uint32_t id;
			} e[3];
		} acl = { 2, { { 0x01, 7, ~0u }, { 0x04, 7, ~0u }, { 0x20, 7, ~0u } } };

		return done(setxattr(a[1], "system.posix_acl_default", &acl, sizeof(acl), 0));
	}
#undef NEED
	snprintf(result, sizeof(result), "unknown op");
	return -1;
}

int zf_fsops_main(void)
{
	char line[4096];
	int bad = 0;

	while (fgets(line, sizeof(line), stdin)) {
		char work[4096], *a[MAX_ARGS + 1] = { 0 }, *save = NULL, *hash;
		int n = 0;

		line[strcspn(line, "\n")] = '\0';
		snprintf(work, sizeof(work), "%s", line);
		hash = strchr(work, '#');
		if (hash)
			*hash = '\0';
		for (char *t = strtok_r(work, " \t", &save); t && n < MAX_ARGS;
		     t = strtok_r(NULL, " \t", &save))
			a[n++] = t;
		if (n == 0)
			continue;
		errno = 0;
		run(a, n);
		if (strcmp(result, "usage") == 0 || strcmp(result, "unknown op") == 0)
			bad = 1;
		printf("%s -> %s\n", line, result);
	}
	fflush(stdout);
	return bad ? 2 : 0;
}
