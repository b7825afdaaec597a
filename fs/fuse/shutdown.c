/* SPDX-License-Identifier: Apache-2.0 */
#define FUSE_USE_VERSION 314

#include <errno.h>
#include <fcntl.h>
#include <fuse_lowlevel.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "ops.h"
#include "shutdown.h"

#define STOP_POLL_MS 200
/* From stopping to the end of the loop: parked readers get EOF at once,
 * and their close() is still answered. */
#define STOP_GRACE_MS 600
/* From the end of the session to the loop's end, at the most: past it a
 * FUSE thread is stuck in a call that does not return (it should not be
 * possible), and zunfs unmounts and exits all the same. */
#define STOP_HARD_MS 2000

/* the signal that asked zunfs to stop, 0 before */
static volatile sig_atomic_t stop_signal;

struct zf_shutdown {
	struct zf_daemon *d;
	struct fuse_session *se;
	pthread_t main, thread;
	int mountinfo_fd;
	int mount_id; /* ours in /proc/self/mountinfo; -1 if not found */
	atomic_bool quit;
	atomic_bool loop_ended; /* the main thread is past the FUSE loop */
};

/* mountinfo escapes space, tab, newline and backslash as \ooo (proc(5)) */
static void unescape(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*o++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
}

/*
 * With mountpoint: the id of the last mount on it (the one on top), or -1.
 * Without: whether the mount id is still in the table (1), or not (0).
 */
static int scan_mountinfo(int fd, const char *mountpoint, int id)
{
	FILE *f;
	char *line = NULL;
	size_t cap = 0;
	int found = mountpoint ? -1 : 0;
	int dup_fd = dup(fd);

	if (dup_fd < 0)
		return mountpoint ? -1 : 1; /* cannot tell: assume still mounted */
	lseek(dup_fd, 0, SEEK_SET);
	f = fdopen(dup_fd, "r");
	if (!f) {
		close(dup_fd);
		return mountpoint ? -1 : 1;
	}
	while (getline(&line, &cap, f) > 0) {
		int mid;
		char mp[4096];

		/* "ID PARENT MAJ:MIN ROOT MOUNTPOINT ..." */
		if (sscanf(line, "%d %*d %*s %*s %4095s", &mid, mp) != 2)
			continue;
		if (!mountpoint) {
			if (mid == id) {
				found = 1;
				break;
			}
			continue;
		}
		unescape(mp);
		if (strcmp(mp, mountpoint) == 0)
			found = mid;
	}
	free(line);
	fclose(f);
	return found;
}

static void stop_now(struct zf_shutdown *w, const char *why)
{
	if (atomic_exchange(&w->d->stopping, true))
		return;
	syslog(LOG_NOTICE, "zunfs: %s: stopping (blocked readers get EOF)", why);
	zf_fuse_quiesce();
	usleep(STOP_GRACE_MS * 1000);
	fuse_session_exit(w->se);
	/* the loop's sem_wait() returns on a signal: wake it if it missed one */
	pthread_kill(w->main, SIGUSR1);
	for (int ms = 0; ms < STOP_HARD_MS; ms += 50) {
		if (atomic_load(&w->loop_ended))
			return;
		usleep(50 * 1000);
	}
	/* the loop joins its threads: one does not come back. The store's
	 * transactions are whole and the engine keeps the containers, as
	 * after a crash; the next start reconciles. */
	syslog(LOG_ERR, "zunfs: a FUSE thread did not return %d ms after stopping: exiting",
	       STOP_HARD_MS);
	fuse_session_unmount(w->se);
	_exit(1);
}

static void *watch_main(void *arg)
{
	struct zf_shutdown *w = arg;

	while (!atomic_load(&w->quit)) {
		struct pollfd p = { .fd = w->mountinfo_fd, .events = POLLPRI };

		poll(&p, w->mountinfo_fd >= 0 ? 1 : 0, STOP_POLL_MS);
		if (atomic_load(&w->quit))
			break;
		if (stop_signal) {
			char why[32];

			snprintf(why, sizeof(why), "signal %d", (int)stop_signal);
			stop_now(w, why);
			break;
		}
		if (fuse_session_exited(w->se)) {
			stop_now(w, "the FUSE session ended");
			break;
		}
		if (w->mount_id >= 0 && w->mountinfo_fd >= 0 &&
		    !scan_mountinfo(w->mountinfo_fd, NULL, w->mount_id)) {
			stop_now(w, "unmounted");
			break;
		}
	}
	return NULL;
}

static void on_wake(int sig)
{
	(void)sig; /* only interrupts a wait */
}

static void on_stop(int sig)
{
	stop_signal = sig;
}

int zf_shutdown_signals(void)
{
	static const int stops[] = { SIGTERM, SIGINT, SIGHUP };
	struct sigaction sa = { .sa_handler = on_stop }, old;

	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(stops) / sizeof(stops[0]); i++) {
		if (sigaction(stops[i], NULL, &old) < 0)
			return -errno;
		/* as libfuse does: a signal the caller ignores stays ignored (a
		 * shell's background job ignores SIGINT) */
		if (old.sa_handler != SIG_DFL)
			continue;
		if (sigaction(stops[i], &sa, NULL) < 0)
			return -errno;
	}
	/* a reader gone from a tty or a socket is an error return, not a death */
	if (signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		return -errno;
	return 0;
}

int zf_shutdown_watch(struct zf_daemon *d, struct fuse_session *se, const char *mountpoint,
		      pthread_t main, struct zf_shutdown **ret_watch)
{
	struct sigaction sa = { .sa_handler = on_wake }; /* no SA_RESTART */
	struct zf_shutdown *w = calloc(1, sizeof(*w));

	if (!w)
		return -ENOMEM;
	w->d = d;
	w->se = se;
	w->main = main;
	w->mountinfo_fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
	w->mount_id = w->mountinfo_fd >= 0 ? scan_mountinfo(w->mountinfo_fd, mountpoint, 0) : -1;
	if (w->mount_id < 0)
		syslog(LOG_WARNING, "zunfs: %s not found in /proc/self/mountinfo: a lazy unmount "
				    "will not stop zunfs by itself", mountpoint);
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR1, &sa, NULL) < 0 ||
	    pthread_create(&w->thread, NULL, watch_main, w) != 0) {
		int e = errno ? errno : EAGAIN;

		if (w->mountinfo_fd >= 0)
			close(w->mountinfo_fd);
		free(w);
		return -e;
	}
	*ret_watch = w;
	return 0;
}

void zf_shutdown_loop_ended(struct zf_shutdown *w)
{
	if (w)
		atomic_store(&w->loop_ended, true);
}

bool zf_shutdown_keep_mount(struct zf_shutdown *w)
{
	struct pollfd p = { .fd = -1 };

	if (!w || w->mount_id < 0 || w->mountinfo_fd < 0)
		return false;
	p.fd = fuse_session_fd(w->se);
	/* a connection the kernel has ended (a plain unmount): fuse_unmount()
	 * sees it and only closes its fd */
	if (p.fd >= 0 && poll(&p, 1, 0) == 1 && (p.revents & POLLERR))
		return false;
	return !scan_mountinfo(w->mountinfo_fd, NULL, w->mount_id);
}

void zf_shutdown_free(struct zf_shutdown *w)
{
	if (!w)
		return;
	atomic_store(&w->quit, true);
	pthread_join(w->thread, NULL);
	if (w->mountinfo_fd >= 0)
		close(w->mountinfo_fd);
	free(w);
}
