/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The kernel's cache of the rendered files (status, status_reason,
 * task_state, inspect.json, health, a capsule's sandbox): what it holds is
 * served again without a READ, and stat() without a GETATTR, for as long as
 * it is right. Two things keep it right (docs/performance.md):
 *
 *  - at open, the text is rendered (it always was) and compared with the
 *    text last served to the kernel for that file: the same, the kernel's
 *    pages are kept (FOPEN_KEEP_CACHE); not, the file's pages and attributes
 *    are dropped before the open returns, so a read after the open sees the
 *    object as it is (`cat until/Running; cat status` says Running);
 *  - every change of an object drops its files' pages and attributes from a
 *    thread of its own (never under the registry lock: the kernel's
 *    invalidation waits for pages a READ may hold while it waits for that
 *    lock), and only then wakes the object's pollers, whose re-read from
 *    the start must not find the old text in the page cache.
 *
 * Not with allow_other (lowlevel.c's init): there, nothing is cached.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../kinds.h"
#include "../registry.h"
#include "../util.h"
#include "private.h"

struct pending {
	char uuid[ZF_UUID_LEN + 1];
	char dir[2 * ZF_NAME_MAX + 40]; /* "/containers/NAME", "/capsules/C/containers/NAME" */
	char link[2 * ZF_NAME_MAX + 20]; /* a member's "/containers/C.NAME", else "" */
	enum zf_kind kind;
	unsigned owner;
};

static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond, done;
	struct pending *q; /* protected by lock */
	size_t n, cap;
	uint64_t queued, handled; /* changes queued, and handled (woken), so far */
	bool stop, running;
	pthread_t thread;
	struct fuse_session *se;
} cache = { .lock = PTHREAD_MUTEX_INITIALIZER,
	    .cond = PTHREAD_COND_INITIALIZER,
	    .done = PTHREAD_COND_INITIALIZER };

/*
 * Which text the kernel was last served, per object and rendered file (its
 * hash; 0: none): FOPEN_KEEP_CACHE keeps the kernel's pages when it is the
 * same. An object's entry goes with the object (zf_fuse_on_change).
 */
#define SERVED_BUCKETS 256

struct served {
	char uuid[ZF_UUID_LEN + 1];
	uint64_t text[ZF_FILE_COUNT];
	struct served *next;
};

static pthread_mutex_t served_lock = PTHREAD_MUTEX_INITIALIZER;
static struct served *served[SERVED_BUCKETS]; /* protected by served_lock */

static struct served **served_find_locked(const char *uuid)
{
	struct served **p = &served[zf_fnv1a(ZF_FNV_OFFSET, uuid, strlen(uuid)) % SERVED_BUCKETS];

	while (*p && strcmp((*p)->uuid, uuid) != 0)
		p = &(*p)->next;
	return p;
}

uint64_t zf_fuse_cache_served(const char *uuid, enum zf_file f)
{
	struct served *e;
	uint64_t h;

	pthread_mutex_lock(&served_lock);
	e = *served_find_locked(uuid);
	h = e ? e->text[f] : 0;
	pthread_mutex_unlock(&served_lock);
	return h;
}

void zf_fuse_cache_set_served(const char *uuid, enum zf_file f, uint64_t hash)
{
	struct served **p, *e;

	pthread_mutex_lock(&served_lock);
	p = served_find_locked(uuid);
	e = *p;
	if (!e && (e = calloc(1, sizeof(*e)))) {
		memcpy(e->uuid, uuid, sizeof(e->uuid));
		*p = e;
	}
	if (e) /* no memory: nothing kept, the pages are dropped at the next open */
		e->text[f] = hash;
	pthread_mutex_unlock(&served_lock);
}

/* The object uuid is gone: what was served of it goes too. */
static void served_forget(const char *uuid)
{
	struct served **p, *e;

	pthread_mutex_lock(&served_lock);
	p = served_find_locked(uuid);
	e = *p;
	if (e)
		*p = e->next;
	pthread_mutex_unlock(&served_lock);
	free(e);
}

static void served_free_all(void)
{
	pthread_mutex_lock(&served_lock);
	for (size_t i = 0; i < SERVED_BUCKETS; i++) {
		while (served[i]) {
			struct served *e = served[i];

			served[i] = e->next;
			free(e);
		}
	}
	pthread_mutex_unlock(&served_lock);
}

uint64_t zf_fuse_text_hash(const char *text, size_t len)
{
	uint64_t h = zf_fnv1a(ZF_FNV_OFFSET, text, len);

	return h ? h : 1; /* 0: nothing served */
}

/* Where obj is, and its link in containers/ when it is a capsule's member. */
static void object_paths(const struct zf_object *obj, struct pending *p)
{
	p->link[0] = '\0';
	if (obj->rec.parent[0]) {
		snprintf(p->dir, sizeof(p->dir), "/%s/%s/containers/%s",
			 zf_kind_dir(ZF_KIND_CAPSULE), obj->parent_name, obj->rec.name);
		snprintf(p->link, sizeof(p->link), "/%s/%s.%s", zf_kind_dir(ZF_KIND_CONTAINER),
			 obj->parent_name, obj->rec.name);
	} else {
		snprintf(p->dir, sizeof(p->dir), "/%s/%s", zf_kind_dir(obj->rec.kind), obj->rec.name);
	}
}

void zf_fuse_cache_invalidate(const char *path)
{
	uint64_t ino, parent;
	const char *name;

	/* nothing to drop where the kernel has no node */
	if (cache.se && zf_node_find(path, &ino, &parent, &name) == 0)
		fuse_lowlevel_notify_inval_inode(cache.se, ino, 0, 0);
}

/* Queues obj's invalidation; cache.lock held. false: no memory. */
static bool enqueue_locked(const struct zf_object *obj)
{
	cache.queued++;
	for (size_t i = 0; i < cache.n; i++)
		if (strcmp(cache.q[i].uuid, obj->rec.uuid) == 0)
			return true;
	if (cache.n == cache.cap) {
		size_t cap = cache.cap ? 2 * cache.cap : 64;
		struct pending *q = realloc(cache.q, cap * sizeof(*q));

		if (!q)
			return false;
		cache.q = q;
		cache.cap = cap;
	}
	memcpy(cache.q[cache.n].uuid, obj->rec.uuid, sizeof(cache.q[cache.n].uuid));
	object_paths(obj, &cache.q[cache.n]);
	cache.q[cache.n].kind = obj->rec.kind;
	cache.q[cache.n].owner = obj->rec.owner;
	cache.n++;
	return true;
}

/*
 * The registry's change callback (its lock held; userdata: the daemon):
 * queued, deduplicated. A capsule's change is its members' too: they and
 * their links go with it (rmdir), without a change of their own.
 */
void zf_fuse_on_change(const struct zf_object *obj, void *userdata)
{
	struct zf_daemon *d = userdata;
	bool ok;

	/* removed from the registry before this call (rmdir's end) */
	if (d && d->reg && !zf_registry_find_uuid_locked(d->reg, obj->rec.uuid))
		served_forget(obj->rec.uuid);
	pthread_mutex_lock(&cache.lock);
	if (!cache.running) { /* no thread: the pollers at once, as nothing is cached */
		pthread_mutex_unlock(&cache.lock);
		zf_handle_wake_changed(obj->rec.uuid, obj->rec.owner);
		return;
	}
	ok = enqueue_locked(obj);
	if (ok && obj->rec.kind == ZF_KIND_CAPSULE && d && d->reg)
		for (const struct zf_object *o = zf_registry_first_locked(d->reg); o && ok; o = o->next)
			if (strcmp(o->rec.parent, obj->rec.uuid) == 0)
				ok = enqueue_locked(o);
	pthread_cond_signal(&cache.cond);
	pthread_mutex_unlock(&cache.lock);
	if (!ok) /* no memory: the pollers at least */
		zf_handle_wake_changed(obj->rec.uuid, obj->rec.owner);
}

static void *cache_main(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&cache.lock);
	for (;;) {
		struct pending *q;
		size_t n;
		uint64_t upto;

		while (!cache.stop && cache.n == 0)
			pthread_cond_wait(&cache.cond, &cache.lock);
		if (cache.stop)
			break;
		q = cache.q;
		n = cache.n;
		upto = cache.queued;
		cache.q = NULL;
		cache.n = cache.cap = 0;
		pthread_mutex_unlock(&cache.lock);
		for (size_t i = 0; i < n; i++) {
			/* the object's directory and link: gone ones answer ENOENT to
			 * stat at once, not after the attribute timeout */
			zf_fuse_cache_invalidate(q[i].dir);
			if (q[i].link[0])
				zf_fuse_cache_invalidate(q[i].link);
			for (int f = 0; f < ZF_FILE_COUNT; f++) {
				char path[sizeof(q[i].dir) + 32];

				enum zf_serve serve = zf_file_serve(f);

				/* spec.yaml: its attributes (size, mtime) */
				if ((serve != ZF_SERVE_TEXT && serve != ZF_SERVE_SPEC) ||
				    !zf_file_in_kind(f, q[i].kind))
					continue;
				snprintf(path, sizeof(path), "%s/%s", q[i].dir, zf_file_name(f));
				zf_fuse_cache_invalidate(path);
			}
			zf_handle_wake_changed(q[i].uuid, q[i].owner);
		}
		free(q);
		pthread_mutex_lock(&cache.lock);
		cache.handled = upto;
		pthread_cond_broadcast(&cache.done);
	}
	pthread_mutex_unlock(&cache.lock);
	return NULL;
}

void zf_fuse_cache_sync(void)
{
	struct timespec until;

	zf_deadline_ms(&until, 1000);
	pthread_mutex_lock(&cache.lock);
	for (uint64_t want = cache.queued; cache.running && cache.handled < want;)
		if (pthread_cond_timedwait(&cache.done, &cache.lock, &until) == ETIMEDOUT)
			break;
	pthread_mutex_unlock(&cache.lock);
}

int zf_fuse_cache_start(struct fuse_session *se)
{
	int r;

	pthread_mutex_lock(&cache.lock);
	zf_cond_init_monotonic(&cache.done); /* zf_fuse_cache_sync's deadline */
	cache.se = se;
	cache.stop = false;
	r = -pthread_create(&cache.thread, NULL, cache_main, NULL);
	cache.running = r == 0;
	pthread_mutex_unlock(&cache.lock);
	return r;
}

void zf_fuse_cache_stop(void)
{
	if (!cache.running)
		return;
	pthread_mutex_lock(&cache.lock);
	cache.stop = true;
	pthread_cond_signal(&cache.cond);
	pthread_mutex_unlock(&cache.lock);
	pthread_join(cache.thread, NULL);
	pthread_mutex_lock(&cache.lock);
	cache.running = false;
	cache.se = NULL;
	pthread_mutex_unlock(&cache.lock);
	free(cache.q);
	cache.q = NULL;
	cache.n = cache.cap = 0;
	served_free_all();
}
