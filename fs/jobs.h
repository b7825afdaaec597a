/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Worker threads for long engine work (create, start, stop, delete), so FUSE
 * callbacks never make engine calls. Jobs on one object run one at a time,
 * in the order they were submitted; jobs on different objects run at once.
 */
#pragma once

#include <stdbool.h>

#include "daemon.h"

enum zf_job_op {
	ZF_JOB_LAUNCH, /* create and start from the stored spec (or rebuild) */
	ZF_JOB_CTL, /* arg: one ctl command line */
	ZF_JOB_DELETE, /* stop, remove, forget */
	ZF_JOB_REFRESH, /* read the engine's state into the object */
};

#define ZF_JOB_ARG_MAX 128

struct zf_jobs;

int zf_jobs_new(struct zf_daemon *d, int nthreads, struct zf_jobs **ret_jobs);
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
int zf_jobs_submit(struct zf_jobs *jobs, enum zf_job_op op, const char *uuid, const char *arg);

/*
 * Queues a job and waits for its result (0 or -errno), polling interrupted()
 * (may be NULL) every 200 ms: when it says true, returns -EINTR and lets the
 * job run on alone.
 */
int zf_jobs_run(struct zf_jobs *jobs, enum zf_job_op op, const char *uuid, const char *arg,
		bool (*interrupted)(void));
