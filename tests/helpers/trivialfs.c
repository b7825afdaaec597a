/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The bench's reference for a small read-only file through FUSE: libfuse's
 * hello example (example/hello.c: getattr, readdir, open, read), with
 * libfuse's default options (entry and attribute timeouts of 1 s, the page
 * cache dropped at each open: a READ every time). One file, /status, of
 * "Running\n".
 *   zf-trivialfs MOUNTPOINT [libfuse options]     (as fuse_main: -f to stay)
 */
#define FUSE_USE_VERSION 31
#include <errno.h>
#include <fuse.h>
#include <string.h>
#include <sys/stat.h>

static const char text[] = "Running\n";

static int t_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
	(void)fi;
	memset(st, 0, sizeof(*st));
	if (strcmp(path, "/") == 0) {
		st->st_mode = S_IFDIR | 0755;
		st->st_nlink = 2;
	} else if (strcmp(path, "/status") == 0) {
		st->st_mode = S_IFREG | 0444;
		st->st_nlink = 1;
		st->st_size = sizeof(text) - 1;
	} else {
		return -ENOENT;
	}
	return 0;
}

static int t_readdir(const char *path, void *buf, fuse_fill_dir_t fill, off_t off,
		     struct fuse_file_info *fi, enum fuse_readdir_flags flags)
{
	(void)off;
	(void)fi;
	(void)flags;
	if (strcmp(path, "/") != 0)
		return -ENOENT;
	fill(buf, ".", NULL, 0, 0);
	fill(buf, "..", NULL, 0, 0);
	fill(buf, "status", NULL, 0, 0);
	return 0;
}

static int t_open(const char *path, struct fuse_file_info *fi)
{
	if (strcmp(path, "/status") != 0)
		return -ENOENT;
	if ((fi->flags & O_ACCMODE) != O_RDONLY)
		return -EACCES;
	return 0;
}

static int t_read(const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi)
{
	size_t len = sizeof(text) - 1;

	(void)fi;
	if (strcmp(path, "/status") != 0)
		return -ENOENT;
	if ((size_t)off >= len)
		return 0;
	if (size > len - (size_t)off)
		size = len - (size_t)off;
	memcpy(buf, text + off, size);
	return (int)size;
}

static const struct fuse_operations ops = {
	.getattr = t_getattr,
	.readdir = t_readdir,
	.open = t_open,
	.read = t_read,
};

int main(int argc, char *argv[])
{
	return fuse_main(argc, argv, &ops, NULL);
}
