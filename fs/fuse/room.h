/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The engine room: where an open or a write that waits on the engine runs
 * (attaching `tty`, `top` and `stats` at open, exec's command line, a
 * `ctl` command waiting for its job), and the release of a stream (its pump
 * joined), so that no FUSE thread waits on the engine and a slow engine
 * slows only the files that ask it.
 *
 * ROOM_THREADS threads take tasks user by user in turn, at most
 * ROOM_PER_USER of one user's at once: a user with many slow calls queues
 * behind their own. A task with a request counts against its user's
 * ZF_SHARE_ROOM share (shares.h) from submit until it has run; one still
 * queued when its caller gets a signal is answered EINTR at once and never
 * runs; one running sees zf_fuse_interrupted() and answers when its call
 * ends. zunfs stopping answers what is queued ENOTCONN.
 *
 * Locking: one lock of its own, taken alone.
 */
#pragma once

#include <stdatomic.h>
#include <stdbool.h>

#include "private.h"

#define ROOM_THREADS 16
#define ROOM_PER_USER 4

struct zf_task {
	fuse_req_t req; /* NULL: a background task (a release): never refused */
	struct zf_req who; /* what the run sees as its caller */
	atomic_bool interrupted;
	/* On a room thread, as who: does the work and sends the one answer,
	 * to the request zf_task_take_req gives. */
	void (*run)(struct zf_task *t);
	/* The room answered for it and it will not run (a signal while queued,
	 * zunfs stopping): frees what it holds (not t). NULL: nothing. */
	void (*drop)(struct zf_task *t);
	/* Frees t, after run or drop. */
	void (*free)(struct zf_task *t);
	/* the room's */
	int state;
	struct zf_task *next;
};

int zf_room_start(void);
/* zunfs stops: what is queued is answered ENOTCONN and dropped. */
void zf_room_stopping(void);
/* Waits up to ms for the running tasks, then ends the threads: 0, or
 * -EBUSY when some are still in the engine (they are left running). */
int zf_room_end(int ms);

/* For run: t's request, to answer; no interrupt callback runs with t after
 * (call it before answering: the answer may free the request). */
fuse_req_t zf_task_take_req(struct zf_task *t);

/* Takes t (req and who set, for a request): 0, or -errno (past the user's
 * share, or zunfs stopping), when the caller answers and frees t itself. */
int zf_room_submit(struct zf_task *t);
