/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "logs.h"
#include "store.h"
#include "util.h"

struct follower {
	struct zf_logs *l;
	char uuid[ZF_UUID_LEN + 1];
	char engine_id[72];
	bool tty;
	pthread_t thread;
	volatile bool stop;
	bool done; /* protected by the logs lock: the thread has ended */
	bool again; /* protected by the logs lock: asked to follow while a pass ran */
	/* protected by ctl_lock: its thread was joined, or none was made (an
	 * ended thread not joined keeps its stack: tens of kB for each object) */
	bool joined;
	/* protected by the logs lock: the StartedAt of the run of engine_id that
	 * was read to its end (a pass begun once the container had ended) */
	char read_run[40];
	char last_ts[40]; /* the latest time of a message written */
	char ts_engine_id[72]; /* the container last_ts is of */
	char merge_uuid[ZF_UUID_LEN + 1]; /* capsule members: the capsule's log too */
	char prefix[ZF_NAME_MAX + 4]; /* "[CNAME] " */
	bool merge_midline; /* the capsule's log got part of a line of ours */
	off_t merge_end; /* where that part ended: the log's end, unless another wrote since */
	int merge_fd;
	bool resuming; /* skipping what a resumed stream gives again */
	time_t saved_at; /* when last_ts was last put beside the log */
	int fd;
	struct follower *next;
};

struct zf_logs {
	struct zf_daemon *d;
	char dir[PATH_MAX];
	pthread_mutex_t lock;
	struct follower *list; /* protected by lock */
	/* members' writes to capsules' logs, each with a look at the log's end:
	 * one at a time. Lock order: lock, then merge_lock. */
	pthread_mutex_t merge_lock;
	/* follow, forget and free one at a time: each may join a follower with
	 * lock released, and two must not join (or free) the same one. Lock
	 * order: ctl_lock, then lock; followers never take it. */
	pthread_mutex_t ctl_lock;
	/* uuids forgotten lately (rmdir): a follow that was decided before the
	 * object went (a refresh's) makes no log again; protected by lock */
	char forgotten[16][ZF_UUID_LEN + 1];
	unsigned n_forgotten;
};

int zf_logs_new(struct zf_daemon *d, const char *dir, struct zf_logs **ret_logs)
{
	struct zf_logs *l = calloc(1, sizeof(*l));

	if (!l)
		return -ENOMEM;
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		int r = -errno;

		free(l);
		return r;
	}
	l->d = d;
	snprintf(l->dir, sizeof(l->dir), "%s", dir);
	pthread_mutex_init(&l->lock, NULL);
	pthread_mutex_init(&l->merge_lock, NULL);
	pthread_mutex_init(&l->ctl_lock, NULL);
	*ret_logs = l;
	return 0;
}

void zf_logs_path(struct zf_logs *l, const char *uuid, char *buf, size_t size)
{
	snprintf(buf, size, "%s/%s.log", l->dir, uuid);
}

static void ts_path(struct zf_logs *l, const char *uuid, char *buf, size_t size)
{
	snprintf(buf, size, "%s/%s.since", l->dir, uuid);
}

/* The time of the last message written, kept beside the log across remounts. */
static void ts_load(struct follower *f)
{
	char path[PATH_MAX];
	FILE *fp;

	ts_path(f->l, f->uuid, path, sizeof(path));
	fp = fopen(path, "r");
	if (!fp)
		return;
	/* "TIME ENGINE_ID" (stores before members held the time alone) */
	if (fscanf(fp, "%39s %71s", f->last_ts, f->ts_engine_id) < 1)
		f->last_ts[0] = '\0';
	fclose(fp);
}

static void ts_save(struct follower *f)
{
	char path[PATH_MAX], tmp[PATH_MAX + 8];
	FILE *fp;
	int fd;

	if (!f->last_ts[0])
		return;
	ts_path(f->l, f->uuid, path, sizeof(path));
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	/* its mode given: the daemon has no umask */
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	fp = fd < 0 ? NULL : fdopen(fd, "w");
	if (!fp) {
		if (fd >= 0)
			close(fd);
		return;
	}
	fprintf(fp, "%s %s\n", f->last_ts, f->engine_id);
	if (fclose(fp) == 0)
		rename(tmp, path);
}

/*
 * A member's output into the capsule's log, "[CNAME] " before each line, in
 * one write. A member's line without its end (output that ended without a
 * newline) goes on with its next output only if no other member wrote
 * since; else that output starts a line of its own, and so does the next
 * member's: a prefix never lands inside another member's line.
 */
static void merge_write(struct follower *f, const char *data, size_t len)
{
	size_t plen = strlen(f->prefix), lines = 1, o = 0;
	struct stat sb;
	bool line_start;
	char *buf, last;

	if (!len)
		return;
	for (size_t i = 0; i < len; i++)
		lines += data[i] == '\n';
	buf = malloc(1 + len + lines * plen);
	if (!buf)
		return;
	pthread_mutex_lock(&f->l->merge_lock);
	if (fstat(f->merge_fd, &sb) < 0)
		sb.st_size = 0;
	line_start = !f->merge_midline || sb.st_size != f->merge_end;
	if (line_start && sb.st_size > 0 && pread(f->merge_fd, &last, 1, sb.st_size - 1) == 1 &&
	    last != '\n')
		buf[o++] = '\n'; /* another's line (or ours, before a remount) left open */
	for (size_t i = 0; i < len; i++) {
		if (line_start) {
			memcpy(buf + o, f->prefix, plen);
			o += plen;
		}
		buf[o++] = data[i];
		line_start = data[i] == '\n';
	}
	f->merge_midline = !line_start;
	if (zf_write_all(f->merge_fd, buf, o) < 0)
		syslog(LOG_WARNING, "zunfs: log of %s: %s", f->merge_uuid, strerror(errno));
	f->merge_end = sb.st_size + (off_t)o;
	pthread_mutex_unlock(&f->l->merge_lock);
	free(buf);
}

static int on_message(const char *ts, const char *data, size_t len, void *userdata)
{
	struct follower *f = userdata;

	/*
	 * Resuming "since" the last time gives that message (and any as old) again:
	 * skip them until a newer one comes. Only then: stdout and stderr messages
	 * are not always in time order within a stream, so an older time later on
	 * is new output, not a repeat.
	 */
	if (f->resuming) {
		if (ts[0] && strcmp(ts, f->last_ts) <= 0)
			return 0;
		f->resuming = false;
	}
	if (zf_write_all(f->fd, data, len) < 0) {
		syslog(LOG_WARNING, "zunfs: log of %s: %s", f->uuid, strerror(errno));
		return 1;
	}
	if (f->merge_fd >= 0)
		merge_write(f, data, len);
	/* the latest, not the last: stdout and stderr may come a little out of order */
	if (ts[0] && strcmp(ts, f->last_ts) > 0)
		snprintf(f->last_ts, sizeof(f->last_ts), "%s", ts);
	/* at most a second of output is written twice after a crash */
	if (time(NULL) != f->saved_at) {
		ts_save(f);
		f->saved_at = time(NULL);
	}
	return f->stop;
}

/* A pass that ended while the container still ran looks again after this
 * long: the next run's stream, or the end of the last one; passes that find
 * nothing new while it runs on, ever more slowly, up to AGAIN_MAX_MS. */
#define AGAIN_MS 100
#define AGAIN_MAX_MS 2000

/*
 * Passes over the container's log, each from the last message written on:
 * the engine's follow stream ends with each run of the container, so a
 * restart policy's runs, however short, each need a pass of their own. The
 * follower ends once a pass begun after the container ended has read to
 * its end (or the container waits for a restart, or the engine fails): any
 * later run comes with an event, and its refresh starts another, or, while
 * this one is still going, asks it (again) for one more pass.
 */
static void *follower_main(void *arg)
{
	struct follower *f = arg;
	struct zf_engine *e = f->l->d->engine;
	char path[PATH_MAX];

	zf_logs_path(f->l, f->uuid, path, sizeof(path));
	f->fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	f->merge_fd = -1;
	if (f->merge_uuid[0]) {
		zf_logs_path(f->l, f->merge_uuid, path, sizeof(path));
		/* read too: merge_write looks at its last byte */
		f->merge_fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	}
	for (int wait_ms = AGAIN_MS;;) {
		struct zf_container_state st;
		bool ended = false, runs = false, more, asked;
		char before[sizeof(f->last_ts)];
		int r;

		if (f->fd < 0 || f->stop)
			break;
		/* where the container stands before the pass: one that has ended is
		 * read to its very end by it */
		if (e->ops->container_inspect(e, f->engine_id, &st, NULL) == 0) {
			ended = strcmp(st.status, "exited") == 0 || strcmp(st.status, "dead") == 0 ||
				strcmp(st.status, "created") == 0;
			runs = strcmp(st.status, "running") == 0 || strcmp(st.status, "paused") == 0;
		}
		f->resuming = f->last_ts[0] != '\0';
		memcpy(before, f->last_ts, sizeof(before));
		r = e->ops->container_logs(e, f->engine_id, f->tty, f->last_ts, on_message, f,
					   &f->stop, NULL);
		ts_save(f);
		if (f->stop)
			break;
		/* deciding to end and being seen as done go together: a call of
		 * zf_logs_follow meanwhile either asks for more or starts anew */
		pthread_mutex_lock(&f->l->lock);
		asked = f->again;
		more = asked || (runs && r == 0);
		f->again = false;
		if (!more) {
			if (ended && r == 0)
				snprintf(f->read_run, sizeof(f->read_run), "%s", st.started_at);
			f->done = true;
		}
		pthread_mutex_unlock(&f->l->lock);
		if (!more)
			break;
		/* a stream that ends at once is not asked for in a tight loop */
		if (asked || strcmp(before, f->last_ts) != 0)
			wait_ms = AGAIN_MS;
		else if (wait_ms < AGAIN_MAX_MS)
			wait_ms *= 2;
		for (int i = 0; i < wait_ms / 10 && !f->stop; i++)
			usleep(10 * 1000);
	}
	if (f->fd >= 0)
		close(f->fd);
	if (f->merge_fd >= 0)
		close(f->merge_fd);
	pthread_mutex_lock(&f->l->lock);
	f->done = true;
	pthread_mutex_unlock(&f->l->lock);
	return NULL;
}

/* ctl_lock and lock held: f's thread, once, waited for without the lock. */
static void join_locked(struct zf_logs *l, struct follower *f)
{
	if (f->joined)
		return;
	pthread_mutex_unlock(&l->lock);
	pthread_join(f->thread, NULL);
	pthread_mutex_lock(&l->lock);
	f->joined = true;
}

/* ctl_lock and lock held: the threads of followers that ended let go of. */
static void reap_locked(struct zf_logs *l)
{
	for (struct follower *f = l->list; f; f = f->next)
		if (f->done && !f->joined)
			join_locked(l, f); /* the list only changes under ctl_lock */
}

/* Lock held. */
static struct follower *find_locked(struct zf_logs *l, const char *uuid)
{
	for (struct follower *f = l->list; f; f = f->next)
		if (strcmp(f->uuid, uuid) == 0)
			return f;
	return NULL;
}

void zf_logs_follow(struct zf_logs *l, const char *uuid, const char *engine_id, bool tty,
		    bool running, const char *started_at, const char *merge_uuid,
		    const char *prefix)
{
	struct follower *f;

	pthread_mutex_lock(&l->ctl_lock);
	pthread_mutex_lock(&l->lock);
	reap_locked(l);
	for (unsigned i = 0; i < sizeof(l->forgotten) / sizeof(l->forgotten[0]); i++)
		if (strcmp(l->forgotten[i], uuid) == 0)
			goto out;
	f = find_locked(l, uuid);
	if (f && strcmp(f->engine_id, engine_id) == 0) {
		if (!f->done) {
			/* its pass may have begun before this run did, or before it ended */
			f->again = true;
			goto out;
		}
		if (!running && strcmp(f->read_run, started_at) == 0)
			goto out; /* its last run was read to the end */
	}
	if (f) {
		/* the old stream ended (or was another container's): join it, keep its place */
		f->stop = true;
		join_locked(l, f);
	} else {
		f = calloc(1, sizeof(*f));
		if (!f)
			goto out;
		f->l = l;
		f->joined = true;
		snprintf(f->uuid, sizeof(f->uuid), "%s", uuid);
		ts_load(f);
		f->next = l->list;
		l->list = f;
	}
	/* another container (rebuilt, upgraded): its output from its start */
	if (f->ts_engine_id[0] && strcmp(f->ts_engine_id, engine_id) != 0)
		f->last_ts[0] = '\0';
	snprintf(f->engine_id, sizeof(f->engine_id), "%s", engine_id);
	snprintf(f->ts_engine_id, sizeof(f->ts_engine_id), "%s", engine_id);
	snprintf(f->merge_uuid, sizeof(f->merge_uuid), "%s", merge_uuid ? merge_uuid : "");
	snprintf(f->prefix, sizeof(f->prefix), "[%s] ", prefix ? prefix : "");
	f->tty = tty;
	f->stop = false;
	f->done = false;
	f->again = false;
	f->joined = false;
	if (pthread_create(&f->thread, NULL, follower_main, f) != 0) {
		f->done = true; /* tried again at the next start event */
		f->joined = true;
	}
out:
	pthread_mutex_unlock(&l->lock);
	pthread_mutex_unlock(&l->ctl_lock);
}

static void stop_and_unlink_locked(struct zf_logs *l, struct follower *f)
{
	struct follower **p;

	f->stop = true;
	join_locked(l, f);
	for (p = &l->list; *p; p = &(*p)->next) {
		if (*p == f) {
			*p = f->next;
			break;
		}
	}
	free(f);
}

void zf_logs_forget(struct zf_logs *l, const char *uuid)
{
	struct follower *f;
	char path[PATH_MAX];

	pthread_mutex_lock(&l->ctl_lock);
	pthread_mutex_lock(&l->lock);
	f = find_locked(l, uuid);
	if (f)
		stop_and_unlink_locked(l, f);
	snprintf(l->forgotten[l->n_forgotten++ % 16], sizeof(l->forgotten[0]), "%s", uuid);
	pthread_mutex_unlock(&l->lock);
	zf_logs_path(l, uuid, path, sizeof(path));
	unlink(path);
	ts_path(l, uuid, path, sizeof(path));
	unlink(path);
	pthread_mutex_unlock(&l->ctl_lock);
}

void zf_logs_free(struct zf_logs *l)
{
	if (!l)
		return;
	pthread_mutex_lock(&l->ctl_lock);
	pthread_mutex_lock(&l->lock);
	for (struct follower *f = l->list; f; f = f->next)
		f->stop = true; /* all at once: each takes up to a second to notice */
	while (l->list)
		stop_and_unlink_locked(l, l->list);
	pthread_mutex_unlock(&l->lock);
	pthread_mutex_unlock(&l->ctl_lock);
	pthread_mutex_destroy(&l->lock);
	pthread_mutex_destroy(&l->merge_lock);
	pthread_mutex_destroy(&l->ctl_lock);
	free(l);
}
