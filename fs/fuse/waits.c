/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "../util.h"
#include "fh.h"
#include "ops.h"
#include "shares.h"
#include "waits.h"

enum wait_state {
	W_NEW, /* being parked */
	W_PARKED, /* in its handle's list */
	W_CLAIMED, /* taken by the waker, being asked again */
};

struct zf_wait {
	fuse_req_t req;
	struct zf_req who; /* what zf_fuse_uid() and friends say while it is asked */
	struct zf_handle *h;
	uint64_t fh; /* the open file's reference it holds (fh.h) */
	bool write;
	size_t size; /* read: at most; write: the bytes */
	off_t off;
	char *data; /* write: the bytes */
	size_t done; /* write: how many went */
	enum wait_state state; /* protected by lock */
	bool interrupted; /* protected by lock */
	struct zf_wait *next; /* protected by lock: in h->waits, or a claimed list */
	struct zf_wait *all_prev, *all_next; /* protected by lock */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond;
/* protected by lock */
static struct zf_handle *kick_head, *kick_tail;
static struct zf_wait *all; /* every parked or claimed request */
static size_t n_writes; /* parked writes: the waker retries them on a timer */
static bool stopping, quit, running;
static pthread_t thread;

/* Lock held. */
static void enqueue_locked(struct zf_handle *h)
{
	if (h->kicked || !h->waits)
		return;
	h->kicked = true;
	h->kick_next = NULL;
	if (kick_tail)
		kick_tail->kick_next = h;
	else
		kick_head = h;
	kick_tail = h;
	pthread_cond_signal(&cond);
}

uint64_t zf_wait_kicks(struct zf_handle *h)
{
	uint64_t k;

	pthread_mutex_lock(&lock);
	k = h->kicks;
	pthread_mutex_unlock(&lock);
	return k;
}

void zf_wait_kick(struct zf_handle *h)
{
	pthread_mutex_lock(&lock);
	h->kicks++;
	enqueue_locked(h);
	pthread_mutex_unlock(&lock);
}

void zf_wait_kick_matching(bool (*match)(const struct zf_handle *h, const void *data),
			   const void *data)
{
	pthread_mutex_lock(&lock);
	for (struct zf_wait *w = all; w; w = w->all_next) {
		if (!match(w->h, data))
			continue;
		w->h->kicks++;
		enqueue_locked(w->h);
	}
	pthread_mutex_unlock(&lock);
}

void zf_wait_forget(struct zf_handle *h)
{
	pthread_mutex_lock(&lock);
	if (h->kicked) {
		struct zf_handle *prev = NULL;

		for (struct zf_handle *k = kick_head; k; prev = k, k = k->kick_next) {
			if (k != h)
				continue;
			if (prev)
				prev->kick_next = h->kick_next;
			else
				kick_head = h->kick_next;
			if (kick_tail == h)
				kick_tail = prev;
			break;
		}
		h->kicked = false;
	}
	pthread_mutex_unlock(&lock);
}

/* Lock held: w joins its handle's list (at the end: reads are answered in
 * the order they came). */
static void park_locked(struct zf_wait *w)
{
	struct zf_wait **p = &w->h->waits;

	while (*p)
		p = &(*p)->next;
	w->next = NULL;
	*p = w;
	w->state = W_PARKED;
}

/* Lock held: w leaves the list of every parked request. */
static void unlist_locked(struct zf_wait *w)
{
	if (w->all_prev)
		w->all_prev->all_next = w->all_next;
	else if (all == w)
		all = w->all_next;
	if (w->all_next)
		w->all_next->all_prev = w->all_prev;
	w->all_prev = w->all_next = NULL;
	if (w->write)
		n_writes--;
}

/*
 * The one answer, then w goes (lock not held, w not in a handle's list).
 * A read: r bytes of buf, or -errno. A write: the count that went, or r
 * when none did.
 */
static void answer(struct zf_wait *w, int r, const char *buf)
{
	/* after this no interrupt callback runs with w: libfuse calls it
	 * under the request's lock, which this takes */
	fuse_req_interrupt_func(w->req, NULL, NULL);
	pthread_mutex_lock(&lock);
	unlist_locked(w);
	pthread_mutex_unlock(&lock);
	if (w->write && (w->done || r >= 0))
		fuse_reply_write(w->req, w->done);
	else if (r >= 0)
		fuse_reply_buf(w->req, buf, (size_t)r);
	else
		fuse_reply_err(w->req, -r);
	zf_share_give(ZF_SHARE_PARKED, (unsigned)w->who.uid);
	zf_fh_put(w->fh); /* last: the handle may go with it */
	free(w->data);
	free(w);
}

/* libfuse: the reader got a signal. A parked request is answered by the
 * waker at once; a claimed one when it is done being asked. */
static void on_interrupt(fuse_req_t req, void *data)
{
	struct zf_wait *w = data;

	(void)req;
	pthread_mutex_lock(&lock);
	w->interrupted = true;
	if (w->state == W_PARKED) {
		w->h->kicks++;
		enqueue_locked(w->h);
	}
	pthread_mutex_unlock(&lock);
}

/* What a request gets when zunfs stops. */
static int stop_answer(const struct zf_wait *w)
{
	return w->write ? -EPIPE : w->h->ops->stopped;
}

/* Parks w: from here on its request is answered here. */
static void park(struct zf_wait *w, uint64_t kicks)
{
	bool intr, stop;
	int r = zf_share_take(ZF_SHARE_PARKED, (unsigned)w->who.uid);

	if (r < 0) {
		if (w->write && w->done)
			fuse_reply_write(w->req, w->done);
		else
			fuse_reply_err(w->req, -r);
		zf_fh_put(w->fh);
		free(w->data);
		free(w);
		return;
	}
	pthread_mutex_lock(&lock);
	w->state = W_NEW;
	w->all_next = all;
	if (all)
		all->all_prev = w;
	all = w;
	if (w->write)
		n_writes++;
	pthread_mutex_unlock(&lock);
	/* may call on_interrupt at once, which then only marks it */
	fuse_req_interrupt_func(w->req, on_interrupt, w);
	pthread_mutex_lock(&lock);
	intr = w->interrupted;
	stop = stopping;
	if (!intr && !stop) {
		park_locked(w);
		if (w->h->kicks != kicks)
			enqueue_locked(w->h); /* something came meanwhile: ask again */
	}
	pthread_mutex_unlock(&lock);
	if (intr || stop)
		answer(w, intr ? -EINTR : stop_answer(w), NULL);
}

void zf_wait_read(fuse_req_t req, const struct zf_req *who, struct zf_handle *h, uint64_t fh,
		  size_t size, off_t off, uint64_t kicks)
{
	struct zf_wait *w = calloc(1, sizeof(*w));

	if (!w) {
		fuse_reply_err(req, ENOMEM);
		zf_fh_put(fh);
		return;
	}
	w->fh = fh;
	w->req = req;
	w->who = *who;
	w->who.interrupted = NULL;
	w->h = h;
	w->size = size;
	w->off = off;
	park(w, kicks);
}

void zf_wait_write(fuse_req_t req, const struct zf_req *who, struct zf_handle *h, uint64_t fh,
		   const char *buf, size_t size, off_t off, size_t done, uint64_t kicks)
{
	struct zf_wait *w = calloc(1, sizeof(*w));

	if (w)
		w->data = malloc(size ? size : 1);
	if (!w || !w->data) {
		free(w);
		if (done)
			fuse_reply_write(req, done);
		else
			fuse_reply_err(req, ENOMEM);
		zf_fh_put(fh);
		return;
	}
	w->fh = fh;
	memcpy(w->data, buf, size);
	w->req = req;
	w->who = *who;
	w->who.interrupted = NULL;
	w->h = h;
	w->write = true;
	w->size = size;
	w->off = off;
	w->done = done;
	park(w, kicks);
}

/* Asks w's row again, as its caller (w claimed, lock not held): answers
 * it, or parks it again. kicks: its handle's count when it was claimed. */
static void ask(struct zf_wait *w, uint64_t kicks)
{
	bool stop, intr;
	char *buf = NULL;
	int r;

	pthread_mutex_lock(&lock);
	stop = stopping;
	intr = w->interrupted;
	pthread_mutex_unlock(&lock);
	if (intr) {
		answer(w, -EINTR, NULL);
		return;
	}
	zf_fuse_set_request(&w->who);
	if (w->write) {
		r = zf_fs_write(w->h, w->data + w->done, w->size - w->done, w->off);
		if (r > 0)
			w->done += (size_t)r;
	} else {
		buf = malloc(w->size ? w->size : 1);
		r = buf ? zf_fs_read(w->h, buf, w->size, w->off) : -ENOMEM;
	}
	zf_fuse_set_request(NULL);
	if (w->write && (w->done == w->size || (r < 0 && r != -EAGAIN))) {
		answer(w, r, NULL);
		return;
	}
	if ((!w->write && r != -EAGAIN) || stop) {
		answer(w, r == -EAGAIN ? stop_answer(w) : r, buf);
		free(buf);
		return;
	}
	free(buf);
	pthread_mutex_lock(&lock);
	intr = w->interrupted;
	if (!intr) {
		park_locked(w);
		if (w->h->kicks != kicks)
			enqueue_locked(w->h);
	}
	pthread_mutex_unlock(&lock);
	if (intr)
		answer(w, -EINTR, NULL);
}

/* Lock held: every parked write's handle is kicked (their stdin may have
 * drained: nothing else says so). */
static void kick_writes_locked(void)
{
	for (struct zf_wait *w = all; w; w = w->all_next) {
		if (w->write && w->state == W_PARKED) {
			w->h->kicks++;
			enqueue_locked(w->h);
		}
	}
}

static void *waker_main(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&lock);
	while (!quit || all) {
		struct zf_handle *h = kick_head;
		struct zf_wait *claimed;
		uint64_t kicks;

		if (!h) {
			if (n_writes) {
				struct timespec t;

				zf_deadline_ms(&t, WAIT_WRITE_RETRY_MS);
				if (pthread_cond_timedwait(&cond, &lock, &t) == ETIMEDOUT)
					kick_writes_locked();
			} else {
				pthread_cond_wait(&cond, &lock);
			}
			continue;
		}
		kick_head = h->kick_next;
		if (!kick_head)
			kick_tail = NULL;
		h->kicked = false;
		claimed = h->waits;
		h->waits = NULL;
		kicks = h->kicks;
		for (struct zf_wait *w = claimed; w; w = w->next)
			w->state = W_CLAIMED;
		pthread_mutex_unlock(&lock);
		while (claimed) {
			struct zf_wait *w = claimed;

			claimed = w->next;
			ask(w, kicks);
		}
		pthread_mutex_lock(&lock);
	}
	pthread_mutex_unlock(&lock);
	return NULL;
}

int zf_waits_start(void)
{
	int r;

	zf_cond_init_monotonic(&cond);
	pthread_mutex_lock(&lock);
	stopping = quit = false;
	r = -pthread_create(&thread, NULL, waker_main, NULL);
	running = r == 0;
	pthread_mutex_unlock(&lock);
	return r;
}

void zf_waits_stopping(void)
{
	pthread_mutex_lock(&lock);
	stopping = true;
	for (struct zf_wait *w = all; w; w = w->all_next) {
		w->h->kicks++;
		enqueue_locked(w->h);
	}
	pthread_mutex_unlock(&lock);
}

void zf_waits_end(void)
{
	zf_waits_stopping();
	pthread_mutex_lock(&lock);
	quit = true;
	pthread_cond_signal(&cond);
	if (!running) {
		pthread_mutex_unlock(&lock);
		return;
	}
	running = false;
	pthread_mutex_unlock(&lock);
	pthread_join(thread, NULL);
}
