/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "eventlog.h"
#include "util.h"

#define LINE_MAX_LEN 192
/* a view's first ring: most users make a few changes at a time */
#define FIRST_LINES 16

/* The lines one reader may see: uid's own, or everyone's (root). Lines of
 * positions [next - held, next) are kept, line p at lines[p % cap]. */
struct view {
	unsigned uid;
	pthread_cond_t added; /* CLOCK_MONOTONIC: a line came to this view */
	char (*lines)[LINE_MAX_LEN];
	size_t cap, max; /* lines allocated; at most */
	size_t held; /* lines kept (<= cap) */
	uint64_t next; /* position of the next line */
	uint64_t newest; /* the log's sequence number of its newest line (which
			  * user ring gives its memory up first) */
};

struct zf_eventlog {
	pthread_mutex_t lock;
	struct view all; /* protected by lock: root's */
	struct view **users; /* protected by lock: sorted by uid */
	size_t n_users;
	size_t user_lines; /* protected by lock: lines allocated in users' rings */
	size_t user_lines_max; /* of those together */
	size_t user_ring_max; /* of one user's */
	uint64_t seq; /* protected by lock: lines added */
	pthread_cond_t never; /* a reader with no view waits out its time on it */
};

static void view_init(struct view *v, unsigned uid, size_t max)
{
	*v = (struct view){ .uid = uid, .max = max };
	zf_cond_init_monotonic(&v->added);
}

static void view_clear(struct view *v)
{
	pthread_cond_destroy(&v->added);
	free(v->lines);
}

int zf_eventlog_new(size_t capacity, struct zf_eventlog **ret_log)
{
	struct zf_eventlog *log = calloc(1, sizeof(*log));

	if (!log)
		return -ENOMEM;
	if (capacity < 4)
		capacity = 4;
	pthread_mutex_init(&log->lock, NULL);
	zf_cond_init_monotonic(&log->never);
	view_init(&log->all, 0, capacity);
	log->user_ring_max = capacity / 4;
	log->user_lines_max = 4 * capacity;
	*ret_log = log;
	return 0;
}

void zf_eventlog_free(struct zf_eventlog *log)
{
	if (!log)
		return;
	for (size_t i = 0; i < log->n_users; i++) {
		view_clear(log->users[i]);
		free(log->users[i]);
	}
	free(log->users);
	view_clear(&log->all);
	pthread_cond_destroy(&log->never);
	pthread_mutex_destroy(&log->lock);
	free(log);
}

/* Lock held. Where uid's view is, or would go, in the sorted array. */
static size_t user_slot(const struct zf_eventlog *log, unsigned uid)
{
	size_t lo = 0, hi = log->n_users;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (log->users[mid]->uid < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Lock held. uid's view, or NULL. */
static struct view *user_view(struct zf_eventlog *log, unsigned uid)
{
	size_t i = user_slot(log, uid);

	return i < log->n_users && log->users[i]->uid == uid ? log->users[i] : NULL;
}

/* Lock held. uid's view, made when it has none: NULL past ZF_EVENTLOG_UIDS
 * or without memory. */
static struct view *user_view_make(struct zf_eventlog *log, unsigned uid)
{
	size_t i = user_slot(log, uid);
	struct view **users, *v;

	if (i < log->n_users && log->users[i]->uid == uid)
		return log->users[i];
	if (log->n_users >= ZF_EVENTLOG_UIDS || !(v = malloc(sizeof(*v))))
		return NULL;
	users = realloc(log->users, (log->n_users + 1) * sizeof(*users));
	if (!users) {
		free(v);
		return NULL;
	}
	log->users = users;
	memmove(&users[i + 1], &users[i], (log->n_users - i) * sizeof(*users));
	view_init(v, uid, log->user_ring_max);
	users[i] = v;
	log->n_users++;
	return v;
}

/* Lock held. Gives v's lines' memory up: they count as lost to its readers
 * (its positions stay). */
static void view_drop_lines(struct zf_eventlog *log, struct view *v)
{
	free(v->lines);
	v->lines = NULL;
	if (v != &log->all)
		log->user_lines -= v->cap;
	v->cap = v->held = 0;
}

/* Lock held. Makes room for want more user lines: takes the memory of the
 * rings whose newest line is oldest, never keep's. Whether it fits now. */
static bool user_room(struct zf_eventlog *log, size_t want, const struct view *keep)
{
	while (log->user_lines + want > log->user_lines_max) {
		struct view *oldest = NULL;

		for (size_t i = 0; i < log->n_users; i++) {
			struct view *v = log->users[i];

			if (v != keep && v->cap && (!oldest || v->newest < oldest->newest))
				oldest = v;
		}
		if (!oldest)
			return false;
		view_drop_lines(log, oldest);
	}
	return true;
}

/* Lock held. A ring for one more line: doubled (up to max) when full, with
 * the lines kept; false when it stays as it is (then its oldest line goes). */
static bool view_grow(struct zf_eventlog *log, struct view *v)
{
	size_t ncap = v->cap ? 2 * v->cap : FIRST_LINES;
	char (*lines)[LINE_MAX_LEN];

	if (v->held < v->cap || v->cap >= v->max)
		return false;
	if (ncap > v->max)
		ncap = v->max;
	if (v != &log->all && !user_room(log, ncap - v->cap, v))
		return false;
	lines = malloc(ncap * sizeof(*lines));
	if (!lines)
		return false;
	for (uint64_t p = v->next - v->held; p < v->next; p++)
		memcpy(lines[p % ncap], v->lines[p % v->cap], LINE_MAX_LEN);
	free(v->lines);
	if (v != &log->all)
		log->user_lines += ncap - v->cap;
	v->lines = lines;
	v->cap = ncap;
	return true;
}

/* Lock held. Appends line to v; with no room at all it is lost at once
 * (counted, so its readers are told). */
static void view_put(struct zf_eventlog *log, struct view *v, const char *line)
{
	view_grow(log, v);
	if (v->cap) {
		memcpy(v->lines[v->next % v->cap], line, LINE_MAX_LEN);
		if (v->held < v->cap)
			v->held++;
	}
	v->next++;
	v->newest = log->seq;
	pthread_cond_broadcast(&v->added);
}

void zf_eventlog_add(struct zf_eventlog *log, unsigned owner, enum zf_kind kind,
		     const char *name, const char *old_state, const char *new_state)
{
	char now[32], line[LINE_MAX_LEN];
	struct view *v;

	zf_now_rfc3339(now, sizeof(now));
	snprintf(line, sizeof(line), "%s %s/%s %s %s\n", now, zf_kind_dir(kind), name,
		 old_state ? old_state : "-", new_state ? new_state : "-");
	pthread_mutex_lock(&log->lock);
	log->seq++;
	view_put(log, &log->all, line);
	if (owner != 0 && (v = user_view_make(log, owner)))
		view_put(log, v, line);
	pthread_mutex_unlock(&log->lock);
}

/* Lock held. The view uid reads, or NULL. */
static struct view *reader_view(struct zf_eventlog *log, unsigned uid)
{
	return uid == 0 ? &log->all : user_view(log, uid);
}

uint64_t zf_eventlog_tail(struct zf_eventlog *log, unsigned uid)
{
	struct view *v;
	uint64_t t;

	pthread_mutex_lock(&log->lock);
	v = reader_view(log, uid);
	t = v ? v->next : 0;
	pthread_mutex_unlock(&log->lock);
	return t;
}

bool zf_eventlog_ready(struct zf_eventlog *log, unsigned uid, uint64_t pos)
{
	struct view *v;
	bool r;

	pthread_mutex_lock(&log->lock);
	v = reader_view(log, uid);
	r = v && pos < v->next;
	pthread_mutex_unlock(&log->lock);
	return r;
}

size_t zf_eventlog_read(struct zf_eventlog *log, unsigned uid, uint64_t *pos, char *buf,
			size_t size, int timeout_ms)
{
	struct timespec deadline;
	struct view *v;
	uint64_t first;
	size_t n = 0;

	zf_deadline_ms(&deadline, timeout_ms);
	pthread_mutex_lock(&log->lock);
	v = reader_view(log, uid);
	if (!v && timeout_ms > 0)
		v = user_view_make(log, uid); /* to wait on: its lines come there */
	while (timeout_ms > 0 && (!v || *pos >= v->next))
		if (pthread_cond_timedwait(v ? &v->added : &log->never, &log->lock, &deadline) ==
		    ETIMEDOUT)
			break;
	if (!v)
		goto out;
	if (*pos > v->next)
		*pos = v->next; /* not a position of this view: from now on */
	first = v->next - v->held;
	if (*pos < first) {
		/* fell behind: where the lost lines were, say how many */
		char note[64];
		int len = snprintf(note, sizeof(note), "[zunfs: %llu events skipped]\n",
				   (unsigned long long)(first - *pos));

		if ((size_t)len > size)
			goto out;
		memcpy(buf, note, (size_t)len);
		n = (size_t)len;
		*pos = first;
	}
	while (*pos < v->next) {
		const char *line = v->lines[*pos % v->cap];
		size_t len = strlen(line);

		if (n + len > size)
			break;
		memcpy(buf + n, line, len);
		n += len;
		(*pos)++;
	}
out:
	pthread_mutex_unlock(&log->lock);
	return n;
}
