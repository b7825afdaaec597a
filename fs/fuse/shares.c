/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

#include "shares.h"

const struct zf_share_cap zf_share_caps[ZF_SHARE_COUNT] = {
	/* a user's ulimit -n is 1024 too; 8192 handles are a few MiB */
	[ZF_SHARE_HANDLES] = { 1024, 8192, 1024, EMFILE, ENFILE },
	/* a parked request is a few hundred bytes and holds no thread */
	[ZF_SHARE_PARKED] = { 256, 4096, 512, EAGAIN, EAGAIN },
	/* queued or running engine calls; the room runs a few of each user's */
	[ZF_SHARE_ROOM] = { 64, 1024, 128, EAGAIN, EAGAIN },
};

/* Users holding anything, one entry each: few at once (they go at zero). */
struct user {
	unsigned uid;
	unsigned held[ZF_SHARE_COUNT];
	struct user *next;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct user *users; /* protected by lock */
static unsigned totals[ZF_SHARE_COUNT]; /* protected by lock */

static struct user **find_locked(unsigned uid)
{
	struct user **p = &users;

	while (*p && (*p)->uid != uid)
		p = &(*p)->next;
	return p;
}

int zf_share_take(enum zf_share s, unsigned uid)
{
	const struct zf_share_cap *cap = &zf_share_caps[s];
	struct user **p, *u;
	int r = 0;

	pthread_mutex_lock(&lock);
	p = find_locked(uid);
	u = *p;
	if (uid != 0 && u && u->held[s] >= cap->per_user) {
		r = -cap->user_errno;
	} else if (totals[s] >= cap->total ||
		   (uid != 0 && totals[s] >= cap->total - cap->root_reserve)) {
		r = -cap->total_errno;
	} else if (!u) {
		u = calloc(1, sizeof(*u));
		if (!u) {
			r = -ENOMEM;
		} else {
			u->uid = uid;
			*p = u;
		}
	}
	if (r == 0) {
		u->held[s]++;
		totals[s]++;
	}
	pthread_mutex_unlock(&lock);
	return r;
}

void zf_share_give(enum zf_share s, unsigned uid)
{
	struct user **p, *u;
	bool empty = true;

	pthread_mutex_lock(&lock);
	p = find_locked(uid);
	u = *p;
	if (u && u->held[s]) {
		u->held[s]--;
		totals[s]--;
		for (int i = 0; i < ZF_SHARE_COUNT; i++)
			empty = empty && u->held[i] == 0;
		if (empty) {
			*p = u->next;
			free(u);
		}
	}
	pthread_mutex_unlock(&lock);
}

unsigned zf_share_held(enum zf_share s, unsigned uid)
{
	struct user *u;
	unsigned n;

	pthread_mutex_lock(&lock);
	u = *find_locked(uid);
	n = u ? u->held[s] : 0;
	pthread_mutex_unlock(&lock);
	return n;
}
