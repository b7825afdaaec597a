/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jobs.h"
#include "store.h"
#include "util.h"

#define MAX_WORKERS 16

struct zf_job {
	int op;
	char uuid[ZF_UUID_LEN + 1];
	char arg[ZF_JOB_ARG_MAX];
	bool waited; /* a caller waits in zf_jobs_run */
	bool abandoned; /* that caller gave up: the worker frees the job */
	bool done;
	int result;
	struct zf_job *next;
};

/* Lock order: the registry lock, then jobs->lock (actions queue jobs while
 * holding the registry lock); nothing here takes the registry lock while
 * holding jobs->lock. */
struct zf_jobs {
	zf_job_work_fn *work;
	void *ctx;
	const atomic_bool *stopping_flag; /* zunfs is stopping */
	pthread_mutex_t lock;
	pthread_cond_t cond; /* a job was queued or finished, or stopping */
	struct zf_job *queue; /* protected by lock, FIFO */
	char busy[MAX_WORKERS][ZF_UUID_LEN + 1]; /* protected by lock: objects being worked on */
	bool stopping; /* protected by lock */
	bool joined[MAX_WORKERS]; /* zf_jobs_free's: the worker has ended */
	pthread_t threads[MAX_WORKERS];
	int nthreads;
};

static bool busy_locked(struct zf_jobs *jobs, const char *uuid)
{
	for (int i = 0; i < jobs->nthreads; i++)
		if (strcmp(jobs->busy[i], uuid) == 0)
			return true;
	return false;
}

/* The first queued job whose object nobody works on, unlinked from the queue. */
static struct zf_job *take_locked(struct zf_jobs *jobs)
{
	for (struct zf_job **p = &jobs->queue; *p; p = &(*p)->next) {
		struct zf_job *j = *p;
		bool earlier_same = false;

		if (busy_locked(jobs, j->uuid))
			continue;
		/* keep per-object order: an earlier job on this object goes first */
		for (struct zf_job *q = jobs->queue; q != j; q = q->next)
			if (strcmp(q->uuid, j->uuid) == 0)
				earlier_same = true;
		if (earlier_same)
			continue;
		*p = j->next;
		j->next = NULL;
		return j;
	}
	return NULL;
}

static void *worker_main(void *arg)
{
	struct zf_jobs *jobs = arg;
	int slot;

	pthread_mutex_lock(&jobs->lock);
	for (slot = 0; slot < jobs->nthreads; slot++)
		if (pthread_equal(jobs->threads[slot], pthread_self()))
			break;
	while (!jobs->stopping) {
		struct zf_job *j = take_locked(jobs);

		if (!j) {
			pthread_cond_wait(&jobs->cond, &jobs->lock);
			continue;
		}
		snprintf(jobs->busy[slot], sizeof(jobs->busy[slot]), "%s", j->uuid);
		pthread_mutex_unlock(&jobs->lock);

		j->result = jobs->work(jobs->ctx, j->op, j->uuid, j->arg);

		pthread_mutex_lock(&jobs->lock);
		jobs->busy[slot][0] = '\0';
		j->done = true;
		if (!j->waited || j->abandoned)
			free(j);
		pthread_cond_broadcast(&jobs->cond);
	}
	pthread_mutex_unlock(&jobs->lock);
	return NULL;
}

int zf_jobs_new(zf_job_work_fn *work, void *ctx, const atomic_bool *stopping, int nthreads,
		struct zf_jobs **ret_jobs)
{
	struct zf_jobs *jobs = calloc(1, sizeof(*jobs));

	if (!jobs)
		return -ENOMEM;
	if (nthreads > MAX_WORKERS)
		nthreads = MAX_WORKERS;
	jobs->work = work;
	jobs->ctx = ctx;
	jobs->stopping_flag = stopping;
	pthread_mutex_init(&jobs->lock, NULL);
	zf_cond_init_monotonic(&jobs->cond);
	/* hold the lock so workers see every thread id before looking up their slot */
	pthread_mutex_lock(&jobs->lock);
	for (int i = 0; i < nthreads; i++) {
		if (pthread_create(&jobs->threads[i], NULL, worker_main, jobs) != 0)
			break;
		jobs->nthreads++;
	}
	pthread_mutex_unlock(&jobs->lock);
	if (jobs->nthreads == 0) {
		free(jobs);
		return -EAGAIN;
	}
	*ret_jobs = jobs;
	return 0;
}

int zf_jobs_free(struct zf_jobs *jobs, int timeout_ms)
{
	struct timespec deadline;

	if (!jobs)
		return 0;
	pthread_mutex_lock(&jobs->lock);
	jobs->stopping = true;
	pthread_cond_broadcast(&jobs->cond);
	pthread_mutex_unlock(&jobs->lock);
	zf_deadline_on(CLOCK_REALTIME, timeout_ms, &deadline);
	for (int i = 0; i < jobs->nthreads; i++) {
		if (jobs->joined[i])
			continue;
		if (pthread_timedjoin_np(jobs->threads[i], NULL, &deadline) != 0)
			return -EBUSY; /* a worker is still in an engine call */
		jobs->joined[i] = true;
	}
	while (jobs->queue) {
		struct zf_job *next = jobs->queue->next;

		/* a waiter still polls its job: hand it a result, it frees the job */
		if (jobs->queue->waited && !jobs->queue->abandoned) {
			jobs->queue->done = true;
			jobs->queue->result = -ESHUTDOWN;
		} else {
			free(jobs->queue);
		}
		jobs->queue = next;
	}
	pthread_cond_destroy(&jobs->cond);
	pthread_mutex_destroy(&jobs->lock);
	free(jobs);
	return 0;
}

static struct zf_job *job_new(int op, const char *uuid, const char *arg)
{
	struct zf_job *j = calloc(1, sizeof(*j));

	if (!j)
		return NULL;
	j->op = op;
	snprintf(j->uuid, sizeof(j->uuid), "%s", uuid);
	snprintf(j->arg, sizeof(j->arg), "%s", arg ? arg : "");
	return j;
}

static void enqueue_locked(struct zf_jobs *jobs, struct zf_job *j)
{
	struct zf_job **p = &jobs->queue;

	while (*p)
		p = &(*p)->next;
	*p = j;
	pthread_cond_broadcast(&jobs->cond);
}

int zf_jobs_submit(struct zf_jobs *jobs, int op, const char *uuid, const char *arg)
{
	struct zf_job *j = job_new(op, uuid, arg);

	if (!j)
		return -ENOMEM;
	pthread_mutex_lock(&jobs->lock);
	enqueue_locked(jobs, j);
	pthread_mutex_unlock(&jobs->lock);
	return 0;
}

int zf_jobs_run(struct zf_jobs *jobs, int op, const char *uuid, const char *arg,
		bool (*interrupted)(void))
{
	struct zf_job *j = job_new(op, uuid, arg);
	int r;

	if (!j)
		return -ENOMEM;
	j->waited = true;
	pthread_mutex_lock(&jobs->lock);
	enqueue_locked(jobs, j);
	while (!j->done) {
		struct timespec t;

		zf_deadline_ms(&t, 200);
		pthread_cond_timedwait(&jobs->cond, &jobs->lock, &t);
		if (!j->done && interrupted && interrupted()) {
			j->abandoned = true;
			pthread_mutex_unlock(&jobs->lock);
			return -EINTR;
		}
		/* zunfs is stopping: the caller's FUSE thread must not hold it up
		 * (the job goes on, or is cut short with the process) */
		if (!j->done && atomic_load(jobs->stopping_flag)) {
			j->abandoned = true;
			pthread_mutex_unlock(&jobs->lock);
			return -ESHUTDOWN;
		}
	}
	r = j->result;
	free(j);
	pthread_mutex_unlock(&jobs->lock);
	return r;
}
