/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "fh.h"

#define BUCKETS 1024

struct entry {
	uint64_t id;
	void *obj;
	void (*last)(void *obj);
	void (*at_end)(void *obj);
	unsigned refs;
	bool closed;
	struct entry *next;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct entry *table[BUCKETS]; /* protected by lock */
static uint64_t next_id = 1; /* protected by lock */
static unsigned count; /* protected by lock */

static struct entry **find_locked(uint64_t id)
{
	struct entry **p = &table[id % BUCKETS];

	while (*p && (*p)->id != id)
		p = &(*p)->next;
	return p;
}

int zf_fh_new(void *obj, void (*last)(void *obj), void (*at_end)(void *obj), uint64_t *ret_id)
{
	struct entry *e = calloc(1, sizeof(*e));

	if (!e)
		return -ENOMEM;
	e->obj = obj;
	e->last = last;
	e->at_end = at_end;
	e->refs = 1;
	pthread_mutex_lock(&lock);
	e->id = next_id++;
	e->next = table[e->id % BUCKETS];
	table[e->id % BUCKETS] = e;
	count++;
	pthread_mutex_unlock(&lock);
	*ret_id = e->id;
	return 0;
}

void *zf_fh_get(uint64_t id)
{
	struct entry *e;
	void *obj = NULL;

	pthread_mutex_lock(&lock);
	e = *find_locked(id);
	if (e && !e->closed) {
		e->refs++;
		obj = e->obj;
	}
	pthread_mutex_unlock(&lock);
	return obj;
}

/* Lock held: drops one of e's references; returns e when it was the last
 * (taken out of the table, for the caller to finish without the lock). */
static struct entry *put_locked(struct entry **p)
{
	struct entry *e = *p;

	if (--e->refs)
		return NULL;
	*p = e->next;
	count--;
	return e;
}

static void finish(struct entry *e)
{
	if (!e)
		return;
	e->last(e->obj);
	free(e);
}

void zf_fh_put(uint64_t id)
{
	struct entry **p, *gone = NULL;

	pthread_mutex_lock(&lock);
	p = find_locked(id);
	if (*p)
		gone = put_locked(p);
	pthread_mutex_unlock(&lock);
	finish(gone);
}

void zf_fh_close(uint64_t id)
{
	struct entry **p, *gone = NULL;

	pthread_mutex_lock(&lock);
	p = find_locked(id);
	if (*p && !(*p)->closed) {
		(*p)->closed = true;
		gone = put_locked(p);
	}
	pthread_mutex_unlock(&lock);
	finish(gone);
}

unsigned zf_fh_count(void)
{
	unsigned n;

	pthread_mutex_lock(&lock);
	n = count;
	pthread_mutex_unlock(&lock);
	return n;
}

void zf_fh_free_all(void)
{
	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < BUCKETS; i++) {
		while (table[i]) {
			struct entry *e = table[i];

			table[i] = e->next;
			if (e->at_end)
				e->at_end(e->obj);
			free(e);
		}
	}
	count = 0;
	pthread_mutex_unlock(&lock);
}
