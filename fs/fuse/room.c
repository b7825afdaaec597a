/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "../util.h"
#include "room.h"
#include "shares.h"

enum { T_QUEUED, T_RUNNING };

/* A user with tasks queued or running. */
struct user {
	unsigned uid;
	struct zf_task *head, *tail; /* queued, in order */
	unsigned running;
	struct user *next; /* the ring of users taken in turn */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond, idle;
/* protected by lock */
static struct user *users; /* the ring's next user to serve */
static unsigned n_running, n_queued, n_threads;
static bool stopping, quit;
static pthread_t threads[ROOM_THREADS];

static struct user *user_locked(unsigned uid, bool make)
{
	struct user *u = users;

	if (u) {
		do {
			if (u->uid == uid)
				return u;
			u = u->next;
		} while (u != users);
	}
	if (!make || !(u = calloc(1, sizeof(*u))))
		return NULL;
	u->uid = uid;
	if (users) {
		u->next = users->next;
		users->next = u;
	} else {
		u->next = u;
		users = u;
	}
	return u;
}

/* Lock held: u goes once it has nothing queued or running. */
static void maybe_drop_user_locked(struct user *u)
{
	struct user *prev = users;

	if (u->head || u->running)
		return;
	while (prev->next != u)
		prev = prev->next;
	if (prev == u) {
		users = NULL;
	} else {
		prev->next = u->next;
		if (users == u)
			users = u->next;
	}
	free(u);
}

/* Lock held: the next task to run, user by user in turn. */
static struct zf_task *pick_locked(unsigned *ret_uid)
{
	struct user *u = users;

	if (!u)
		return NULL;
	do {
		struct user *cand = u->next;

		if (cand->head && cand->running < ROOM_PER_USER) {
			struct zf_task *t = cand->head;

			cand->head = t->next;
			if (!cand->head)
				cand->tail = NULL;
			cand->running++;
			n_queued--;
			users = cand; /* the next turn starts after this one */
			*ret_uid = cand->uid;
			return t;
		}
		u = cand;
	} while (u != users);
	return NULL;
}

static void *room_main(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&lock);
	for (;;) {
		struct zf_task *t;
		bool counted;
		unsigned uid;

		while (!quit && !(t = pick_locked(&uid)))
			pthread_cond_wait(&cond, &lock);
		if (quit)
			break;
		t->state = T_RUNNING;
		n_running++;
		pthread_mutex_unlock(&lock);
		counted = t->req != NULL;
		zf_fuse_set_request(&t->who);
		t->run(t);
		zf_fuse_set_request(NULL);
		t->free(t);
		if (counted)
			zf_share_give(ZF_SHARE_ROOM, uid);
		pthread_mutex_lock(&lock);
		n_running--;
		struct user *u = user_locked(uid, false);

		if (u) {
			u->running--;
			maybe_drop_user_locked(u);
		}
		pthread_cond_broadcast(&cond); /* a user below its cap may go on */
		pthread_cond_broadcast(&idle);
	}
	pthread_mutex_unlock(&lock);
	return NULL;
}

/* Answered by the room: t never runs. Lock not held, t out of the queue.
 * in_callback: called from t's interrupt callback, under its request's
 * lock (which libfuse's unregistering would take again). */
static void drop(struct zf_task *t, int err, bool in_callback)
{
	unsigned uid = (unsigned)t->who.uid;

	if (t->req) {
		if (!in_callback)
			fuse_req_interrupt_func(t->req, NULL, NULL);
		fuse_reply_err(t->req, err);
		zf_share_give(ZF_SHARE_ROOM, uid);
	}
	if (t->drop)
		t->drop(t);
	t->free(t);
}

/* Lock held: takes t out of its user's queue; false if it is not queued. */
static bool unqueue_locked(struct zf_task *t)
{
	struct user *u = user_locked((unsigned)t->who.uid, false);
	struct zf_task *prev = NULL;

	if (!u || t->state != T_QUEUED)
		return false;
	for (struct zf_task *q = u->head; q; prev = q, q = q->next) {
		if (q != t)
			continue;
		if (prev)
			prev->next = t->next;
		else
			u->head = t->next;
		if (u->tail == t)
			u->tail = prev;
		n_queued--;
		maybe_drop_user_locked(u);
		return true;
	}
	return false;
}

/* libfuse: the caller got a signal (its request's lock held). */
static void on_interrupt(fuse_req_t req, void *data)
{
	struct zf_task *t = data;
	bool queued;

	(void)req;
	atomic_store(&t->interrupted, true);
	pthread_mutex_lock(&lock);
	queued = unqueue_locked(t);
	pthread_mutex_unlock(&lock);
	if (queued) /* answered here; the request is not freed under us (libfuse holds it) */
		drop(t, EINTR, true);
}

int zf_room_submit(struct zf_task *t)
{
	unsigned uid = (unsigned)t->who.uid;
	struct user *u;
	int r = 0;

	if (t->req) {
		r = zf_share_take(ZF_SHARE_ROOM, uid);
		if (r < 0)
			return r;
	}
	atomic_store(&t->interrupted, false);
	t->who.interrupted = &t->interrupted;
	t->next = NULL;
	t->state = T_QUEUED;
	/* before t is queued (it could run and be freed at once after): a
	 * signal already there only marks it, as it is not queued yet */
	if (t->req)
		fuse_req_interrupt_func(t->req, on_interrupt, t);
	pthread_mutex_lock(&lock);
	u = (stopping && t->req) || !n_threads ? NULL : user_locked(uid, true);
	if (!u) {
		r = stopping ? -ENOTCONN : -ENOMEM;
	} else {
		if (u->tail)
			u->tail->next = t;
		else
			u->head = t;
		u->tail = t;
		n_queued++;
		pthread_cond_signal(&cond);
	}
	pthread_mutex_unlock(&lock);
	if (r < 0 && t->req) {
		fuse_req_interrupt_func(t->req, NULL, NULL);
		zf_share_give(ZF_SHARE_ROOM, uid);
	}
	return r;
}

fuse_req_t zf_task_take_req(struct zf_task *t)
{
	/* waits for an interrupt callback under way: it may still touch t */
	fuse_req_interrupt_func(t->req, NULL, NULL);
	return t->req;
}

int zf_room_start(void)
{
	zf_cond_init_monotonic(&idle);
	pthread_mutex_lock(&lock);
	stopping = quit = false;
	for (n_threads = 0; n_threads < ROOM_THREADS; n_threads++)
		if (pthread_create(&threads[n_threads], NULL, room_main, NULL) != 0)
			break;
	pthread_mutex_unlock(&lock);
	return n_threads ? 0 : -EAGAIN;
}

void zf_room_stopping(void)
{
	struct zf_task *gone = NULL;

	pthread_mutex_lock(&lock);
	stopping = true;
	/* what is queued with a request is answered; background tasks run */
	if (users) {
		struct user *u = users;

		do {
			struct zf_task **p = &u->head;

			u->tail = NULL;
			while (*p) {
				struct zf_task *t = *p;

				if (t->req) {
					*p = t->next;
					t->next = gone;
					gone = t;
					n_queued--;
				} else {
					u->tail = t;
					p = &t->next;
				}
			}
			u = u->next;
		} while (u != users);
	}
	pthread_mutex_unlock(&lock);
	while (gone) {
		struct zf_task *t = gone;

		gone = t->next;
		drop(t, ENOTCONN, false);
	}
}

int zf_room_end(int ms)
{
	struct timespec until;
	int r = 0;

	zf_room_stopping();
	zf_deadline_ms(&until, ms);
	pthread_mutex_lock(&lock);
	while (n_running || n_queued) {
		if (pthread_cond_timedwait(&idle, &lock, &until) == ETIMEDOUT) {
			r = -EBUSY;
			break;
		}
	}
	quit = true;
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&lock);
	if (r < 0)
		return r; /* the threads are left: one is in the engine */
	for (unsigned i = 0; i < n_threads; i++)
		pthread_join(threads[i], NULL);
	n_threads = 0;
	return 0;
}
