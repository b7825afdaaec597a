/* SPDX-License-Identifier: Apache-2.0 */
/*
 * This host's side of a block volume: what is mounted where, loop devices
 * over a volume's file, and the programs a volume needs (blkid, mkfs),
 * run so that none outlives zunfs. No HTTP, no paths of the tree.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/loop.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "blockdev.h"

#define LOOP_WAIT_S 15 /* for a loop over the volume's file to let go */

extern char **environ;

/* The source device mounted on dir: 1 (and dev), 0 when nothing is. */
int zf_blockdev_mounted(const char *dir, char *dev, size_t size)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[8192];
	int found = 0;

	if (!f)
		return -errno;
	while (!found && fgets(line, sizeof(line), f)) {
		char mp[4096], src[4096];
		const char *sep = strstr(line, " - ");

		/* ID PARENT MAJ:MIN ROOT MOUNTPOINT ... - FSTYPE SOURCE OPTS */
		if (!sep || sscanf(line, "%*s %*s %*s %*s %4095s", mp) != 1 ||
		    sscanf(sep + 3, "%*s %4095s", src) != 1)
			continue;
		if (strcmp(mp, dir) == 0) { /* our paths have no blanks to escape */
			snprintf(dev, size, "%s", src);
			found = 1;
		}
	}
	fclose(f);
	return found;
}

/*
 * Runs argv (PATH searched); its exit status, its output's start in out.
 * Through setpriv --pdeathsig KILL: a mkfs must not outlive a zunfs killed
 * mid-attach, or it would write over the filesystem the restart made and
 * mounted (it holds its own loop device over the same file).
 */
int zf_blockdev_run(char *const argv[], char *out, size_t size)
{
	posix_spawn_file_actions_t fa;
	int pipefd[2], status = 0, r;
	char *full[16] = { "setpriv", "--pdeathsig", "KILL", "--" };
	size_t n = 0, a = 4;
	ssize_t k;
	pid_t pid;

	for (size_t i = 0; argv[i]; i++)
		if (a + 1 < sizeof(full) / sizeof(full[0]))
			full[a++] = argv[i];
	full[a] = NULL;
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return -errno;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], 2);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	r = posix_spawnp(&pid, full[0], &fa, NULL, full, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(pipefd[1]);
	if (r != 0) {
		close(pipefd[0]);
		snprintf(out, size, "cannot run %s: %s", argv[0], strerror(r));
		return -r;
	}
	out[0] = '\0';
	while ((k = read(pipefd[0], out + n, n + 1 < size ? size - n - 1 : 0)) > 0 ||
	       (k < 0 && errno == EINTR))
		if (k > 0)
			n += (size_t)k;
	if (size)
		out[n < size ? n : size - 1] = '\0';
	/* drain what did not fit */
	for (char sink[256]; read(pipefd[0], sink, sizeof(sink)) > 0;)
		;
	close(pipefd[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	if (n && out[n - 1] == '\n')
		out[n - 1] = '\0';
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* The first loop device from /dev/loopFROM on over file: its number, its
 * path in dev; -1 when there is none. */
int zf_loop_next(const char *file, int from, char *dev, size_t size)
{
	char p[128], back[4096];

	for (int n = from; n < 1024; n++) {
		FILE *f;

		snprintf(p, sizeof(p), "/sys/block/loop%d/loop/backing_file", n);
		f = fopen(p, "re");
		if (!f)
			continue;
		if (!fgets(back, sizeof(back), f))
			back[0] = '\0';
		fclose(f);
		back[strcspn(back, "\n")] = '\0';
		if (strcmp(back, file) == 0) {
			snprintf(dev, size, "/dev/loop%d", n);
			return n;
		}
	}
	return -1;
}

/* A loop device over file (autoclear): its path in dev, its fd (held until
 * mounted). Never a second one over the same file: one left by a crash
 * (autoclear, still held open by a process) is waited for. */
int zf_loop_attach(const char *file, bool ro, char *dev, size_t size, int *ret_fd,
		       struct zf_err *err)
{
	struct timespec ts = { 0, 100 * 1000 * 1000 };
	int ctl, ffd, r = 0;
	char old[64];

	for (int i = 0; zf_loop_next(file, 0, old, sizeof(old)) >= 0; i++) {
		if (i == LOOP_WAIT_S * 10)
			return zf_err_set(err, EBUSY,
					  "%s over the volume's file %s is still held open by a "
					  "process (a mkfs or mount of a zunfs that was killed?)",
					  old, file);
		nanosleep(&ts, NULL);
	}
	ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	if (ctl < 0)
		return zf_err_set(err, errno, "/dev/loop-control: %s", strerror(errno));
	ffd = open(file, (ro ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (ffd < 0) {
		r = zf_err_set(err, errno, "the volume's file %s: %s", file, strerror(errno));
		close(ctl);
		return r;
	}
	for (int tries = 0; tries < 16; tries++) {
		struct loop_config cfg = { .fd = (unsigned)ffd };
		int n = ioctl(ctl, LOOP_CTL_GET_FREE), lfd;

		if (n < 0) {
			r = zf_err_set(err, errno, "no free loop device: %s", strerror(errno));
			break;
		}
		snprintf(dev, size, "/dev/loop%d", n);
		lfd = open(dev, (ro ? O_RDONLY : O_RDWR) | O_CLOEXEC);
		if (lfd < 0) {
			r = zf_err_set(err, errno, "%s: %s", dev, strerror(errno));
			break;
		}
		cfg.info.lo_flags = LO_FLAGS_AUTOCLEAR | (ro ? LO_FLAGS_READ_ONLY : 0);
		snprintf((char *)cfg.info.lo_file_name, sizeof(cfg.info.lo_file_name), "%s", file);
		if (ioctl(lfd, LOOP_CONFIGURE, &cfg) == 0) {
			*ret_fd = lfd;
			r = 0;
			goto out;
		}
		r = -errno;
		close(lfd);
		if (r != -EBUSY) { /* else another took it first: the next free one */
			zf_err_set(err, -r, "%s over %s: %s", dev, file, strerror(-r));
			break;
		}
	}
	if (r == -EBUSY)
		zf_err_set(err, EBUSY, "no loop device stayed free");
out:
	close(ffd);
	close(ctl);
	return r;
}

/* Lets go of every loop device over file (none: 0). */
int zf_loop_release(const char *file, struct zf_err *err)
{
	char dev[64];
	int r = 0;

	for (int n = zf_loop_next(file, 0, dev, sizeof(dev)); n >= 0;
	     n = zf_loop_next(file, n + 1, dev, sizeof(dev))) {
		int fd = open(dev, O_RDONLY | O_CLOEXEC);

		if (fd < 0)
			continue;
		if (ioctl(fd, LOOP_CLR_FD) < 0 && errno != ENXIO)
			r = zf_err_set(err, errno, "%s over %s: %s", dev, file, strerror(errno));
		close(fd);
	}
	return r;
}
