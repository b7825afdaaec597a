/* SPDX-License-Identifier: Apache-2.0 */
/* Open-file handles: their cap, their buffer, and the pollers waiting on them. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../session.h"
#include "private.h"
#include "shares.h"
#include "waits.h"

/* Handles waiting in poll(). Lock order: registry lock, then poll_lock. */
static pthread_mutex_t poll_lock = PTHREAD_MUTEX_INITIALIZER;
static struct zf_handle *pollers; /* protected by poll_lock */
static struct zf_handle *all; /* protected by poll_lock */
static uint64_t last_seq; /* protected by poll_lock */

int zf_handle_new(const char *path, struct fuse_file_info *fi, struct zf_handle **ret_handle)
{
	struct zf_handle *h = calloc(1, sizeof(*h));
	unsigned owner = zf_fuse_uid();
	int r;

	if (!h)
		return -ENOMEM;
	pthread_mutex_init(&h->buf_lock, NULL);
	r = zf_path_parse(path, &h->path);
	if (r == 0 && !(h->path_str = strdup(path)))
		r = -ENOMEM;
	if (r == 0)
		r = zf_share_take(ZF_SHARE_HANDLES, owner);
	if (r < 0) {
		pthread_mutex_destroy(&h->buf_lock);
		free(h->path_str);
		free(h);
		return r;
	}
	pthread_mutex_lock(&poll_lock);
	h->seq = ++last_seq;
	h->all_next = all;
	if (all)
		all->all_prev = h;
	all = h;
	pthread_mutex_unlock(&poll_lock);
	h->nonblock = (fi->flags & O_NONBLOCK) != 0;
	h->owner = owner;
	h->fd = -1;
	*ret_handle = h;
	return 0;
}

uint64_t zf_handle_seq_now(void)
{
	uint64_t seq;

	pthread_mutex_lock(&poll_lock);
	seq = last_seq;
	pthread_mutex_unlock(&poll_lock);
	return seq;
}

void zf_handle_mark_replaced(const char *uuid, uint64_t seq)
{
	pthread_mutex_lock(&poll_lock);
	for (struct zf_handle *h = all; h; h = h->all_next)
		if (h->seq <= seq && h->path.node == ZF_NODE_FILE && h->path.file == ZF_FILE_SPEC &&
		    strcmp(h->uuid, uuid) == 0)
			atomic_store(&h->replaced, true);
	pthread_mutex_unlock(&poll_lock);
}

/* Lock held. */
static void unlink_poller_locked(struct zf_handle *h)
{
	for (struct zf_handle **pp = &pollers; *pp; pp = &(*pp)->poll_next) {
		if (*pp == h) {
			*pp = h->poll_next;
			break;
		}
	}
	h->poll_next = NULL;
}

void zf_handle_free(struct zf_handle *h)
{
	zf_wait_forget(h);
	pthread_mutex_lock(&poll_lock);
	unlink_poller_locked(h);
	if (h->ph)
		fuse_pollhandle_destroy(h->ph);
	if (h->all_prev)
		h->all_prev->all_next = h->all_next;
	else if (all == h)
		all = h->all_next;
	if (h->all_next)
		h->all_next->all_prev = h->all_prev;
	pthread_mutex_unlock(&poll_lock);
	zf_share_give(ZF_SHARE_HANDLES, h->owner);
	free(h->path_str);
	free(h->buf);
	free(h->spec_at_open);
	pthread_mutex_destroy(&h->buf_lock);
	free(h);
}

void zf_handle_free_all(void)
{
	for (;;) {
		struct zf_handle *h;

		pthread_mutex_lock(&poll_lock);
		h = all;
		pthread_mutex_unlock(&poll_lock);
		if (!h)
			break;
		/* no row's release: their side effects (an empty spec applied,
		 * counts in the registry) are for a close, not for zunfs's end */
		zf_session_free(h->session);
		if (h->fd >= 0)
			close(h->fd);
		zf_handle_free(h);
	}
}

struct zf_handle *zf_handle_of(struct fuse_file_info *fi)
{
	return (struct zf_handle *)(uintptr_t)fi->fh;
}

int zf_handle_set_buf(struct zf_handle *h, char *text)
{
	if (!text)
		return -ENOMEM;
	pthread_mutex_lock(&h->buf_lock);
	free(h->buf);
	h->buf = text;
	h->len = strlen(text);
	h->cap = h->len + 1;
	pthread_mutex_unlock(&h->buf_lock);
	return 0;
}

size_t zf_handle_len(struct zf_handle *h)
{
	size_t n;

	pthread_mutex_lock(&h->buf_lock);
	n = h->len;
	pthread_mutex_unlock(&h->buf_lock);
	return n;
}

int zf_handle_read_buf(struct zf_handle *h, char *buf, size_t size, off_t off)
{
	size_t n = 0;

	pthread_mutex_lock(&h->buf_lock);
	if (off >= 0 && (size_t)off < h->len) {
		n = h->len - (size_t)off;
		if (n > size)
			n = size;
		memcpy(buf, h->buf + off, n);
	}
	pthread_mutex_unlock(&h->buf_lock);
	return (int)n;
}

void zf_handle_poll_wait(struct zf_handle *h, struct fuse_pollhandle *ph)
{
	if (!ph)
		return;
	pthread_mutex_lock(&poll_lock);
	if (h->ph) {
		fuse_pollhandle_destroy(h->ph);
	} else {
		h->poll_next = pollers;
		pollers = h;
	}
	h->ph = ph;
	pthread_mutex_unlock(&poll_lock);
}

/* Lock held: notifies h's poller and forgets it. */
static void notify_locked(struct zf_handle *h)
{
	fuse_lowlevel_notify_poll(h->ph);
	fuse_pollhandle_destroy(h->ph);
	h->ph = NULL;
}

void zf_handle_wake(void *userdata)
{
	struct zf_handle *h = userdata;

	pthread_mutex_lock(&poll_lock);
	if (h->ph) {
		notify_locked(h);
		unlink_poller_locked(h);
	}
	pthread_mutex_unlock(&poll_lock);
	zf_wait_kick(h);
}

struct changed {
	const char *uuid;
	unsigned owner;
};

/* Whether a change of an object (uuid, its owner's) concerns h: its own
 * files, or the events of that owner (root's see every owner's). */
static bool concerns(const struct zf_handle *h, const void *data)
{
	const struct changed *c = data;

	if (h->path.node == ZF_NODE_EVENTS)
		return h->owner == c->owner || h->owner == 0;
	return strcmp(h->uuid, c->uuid) == 0;
}

void zf_handle_wake_changed(const char *uuid, unsigned owner)
{
	struct changed c = { uuid, owner };

	zf_wait_kick_matching(concerns, &c);
	pthread_mutex_lock(&poll_lock);
	for (struct zf_handle **pp = &pollers; *pp;) {
		struct zf_handle *h = *pp;

		if (concerns(h, &c)) {
			notify_locked(h);
			*pp = h->poll_next;
			h->poll_next = NULL;
			continue;
		}
		pp = &h->poll_next;
	}
	pthread_mutex_unlock(&poll_lock);
}
