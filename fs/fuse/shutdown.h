/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Ending zunfs whatever is open. libfuse's signal handlers only mark the
 * session exited; its loop then joins every worker, and a worker inside a
 * blocking read of ours (until/, events, tty) would hold it forever; a lazy
 * unmount (fusermount3 -u -z, umount -l) tells the daemon nothing while a
 * file stays open. This thread watches for both, every STOP_POLL_MS or when
 * the mount table changes (poll(2) on /proc/self/mountinfo, see proc(5)),
 * and then: sets d->stopping, answers every parked read (EOF) and what
 * waits for the engine room, gives the readers STOP_GRACE_MS to close,
 * exits the session, and interrupts the loop's sem_wait in the main thread;
 * if the loop has not ended STOP_HARD_MS later (a FUSE thread stuck in a
 * call), it unmounts and exits.
 */
#pragma once

#include <pthread.h>
#include <stdbool.h>

#include "../daemon.h"

struct fuse_session;
struct zf_shutdown;

/*
 * SIGTERM, SIGINT and SIGHUP stop zunfs through the watching thread (with a
 * grace period for readers, which libfuse's handlers, ending the loop at
 * once, do not give); one the caller set to be ignored stays ignored.
 * SIGPIPE is ignored. Call before any thread starts. 0 or -errno.
 */
int zf_shutdown_signals(void);

/*
 * Starts watching. mountpoint: the absolute path zunfs is mounted on (its
 * mount's id is read from /proc/self/mountinfo now: call after mounting);
 * main: the thread that runs the FUSE loop. 0 or -errno.
 */
int zf_shutdown_watch(struct zf_daemon *d, struct fuse_session *se, const char *mountpoint,
		      pthread_t main, struct zf_shutdown **ret_watch);
/* The main thread is past the FUSE loop (w may be NULL): the watcher's
 * last resort, an exit when the loop does not end, is not needed. */
void zf_shutdown_loop_ended(struct zf_shutdown *w);
/*
 * Whether fuse_unmount() must be left out: our mount left the mount table
 * (a lazy unmount) while the kernel's connection lives on (a file still
 * open). It would then unmount whatever is mounted on that path now. (Its
 * copy of the mountpoint, which only fuse_unmount() frees, is left.)
 */
bool zf_shutdown_keep_mount(struct zf_shutdown *w);
/* Stops the watching thread (not zunfs). NULL is fine. */
void zf_shutdown_free(struct zf_shutdown *w);
