/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Worker threads for long engine work (create, start, stop, delete), so FUSE
 * callbacks never make engine calls. Jobs on one object run one at a time,
 * in the order they were submitted; jobs on different objects run at once.
 */
#pragma once

#include <stdatomic.h>
#include <stdbool.h>

#define ZF_JOB_ARG_MAX 128

/* What a job does to its object (fs/lifecycle.c runs them). */
enum zf_job_op {
	ZF_JOB_LAUNCH, /* create and start from the stored spec (or rebuild); arg "upgrade" */
	ZF_JOB_CTL, /* arg: one ctl command line */
	ZF_JOB_DELETE, /* stop, remove (REMOVE_TRIES times), forget */
	ZF_JOB_REFRESH, /* read the engine's state into the object */
};

/*
 * The work of one job: op (an enum zf_job_op) on object uuid with arg ("" if none), on a worker
 * thread; 0 or -errno. ctx is zf_jobs_new's.
 */
typedef int zf_job_work_fn(void *ctx, int op, const char *uuid, const char *arg);

struct zf_jobs;

/*
 * Starts nthreads workers (at most 16) that run work(ctx, ...) for each
 * job. Once *stopping is true, callers waiting in zf_jobs_run return
 * -ESHUTDOWN (zunfs is stopping: FUSE threads must not be held up).
 */
int zf_jobs_new(zf_job_work_fn *work, void *ctx, const atomic_bool *stopping, int nthreads,
		struct zf_jobs **ret_jobs);
/*
 * Stops the workers: running jobs finish, queued ones are dropped (the store
 * says what was in flight, and reconcile resumes it at the next start).
 * -EBUSY, freeing nothing, when a worker is still in an engine call after
 * timeout_ms (a graceful stop takes its grace period): the caller may leave
 * it to the engine and end the process (reconcile reads the engine's truth
 * at the next start, as after a crash), or call again.
 */
int zf_jobs_free(struct zf_jobs *jobs, int timeout_ms);

/* Queues a job and returns at once. */
int zf_jobs_submit(struct zf_jobs *jobs, int op, const char *uuid, const char *arg);

/*
 * Queues a job and waits for its result (0 or -errno), polling interrupted()
 * (may be NULL) every 200 ms: when it says true, returns -EINTR and lets the
 * job run on alone.
 */
int zf_jobs_run(struct zf_jobs *jobs, int op, const char *uuid, const char *arg,
		bool (*interrupted)(void));
