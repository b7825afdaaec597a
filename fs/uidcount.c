/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdlib.h>

#include "uidcount.h"

void zf_uidcount_init(struct zf_uidcount *s)
{
	*s = (struct zf_uidcount){ .v = NULL };
	pthread_mutex_init(&s->lock, NULL);
}

void zf_uidcount_destroy(struct zf_uidcount *s)
{
	free(s->v);
	s->v = NULL;
	s->n = s->cap = 0;
	pthread_mutex_destroy(&s->lock);
}

/* Lock held. uid's entry, or NULL. A scan: only uids holding some are
 * there, a handful on any host. */
static struct zf_uidcount_entry *find_locked(struct zf_uidcount *s, unsigned uid)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i].uid == uid)
			return &s->v[i];
	return NULL;
}

int zf_uidcount_take(struct zf_uidcount *s, unsigned uid, const struct zf_uidcount_caps *caps)
{
	unsigned cap = uid == 0 ? caps->root : caps->user;
	struct zf_uidcount_entry *e;
	int r = 0;

	pthread_mutex_lock(&s->lock);
	e = find_locked(s, uid);
	if (cap && e && e->held >= cap) {
		r = -EDQUOT;
		goto out;
	}
	if (uid != 0 && caps->others && s->others >= caps->others) {
		r = -ENOSPC;
		goto out;
	}
	if (!e) {
		if (s->n == s->cap) {
			size_t ncap = s->cap ? 2 * s->cap : 8;
			struct zf_uidcount_entry *v = realloc(s->v, ncap * sizeof(*v));

			if (!v) {
				r = -ENOMEM;
				goto out;
			}
			s->v = v;
			s->cap = ncap;
		}
		e = &s->v[s->n++];
		*e = (struct zf_uidcount_entry){ .uid = uid };
	}
	e->held++;
	if (uid != 0)
		s->others++;
out:
	pthread_mutex_unlock(&s->lock);
	return r;
}

void zf_uidcount_give(struct zf_uidcount *s, unsigned uid)
{
	struct zf_uidcount_entry *e;

	pthread_mutex_lock(&s->lock);
	e = find_locked(s, uid);
	if (e && e->held > 0) {
		e->held--;
		if (uid != 0)
			s->others--;
		if (e->held == 0)
			*e = s->v[--s->n]; /* the last one moves into its place */
	}
	pthread_mutex_unlock(&s->lock);
}

unsigned zf_uidcount_held(struct zf_uidcount *s, unsigned uid)
{
	struct zf_uidcount_entry *e;
	unsigned held;

	pthread_mutex_lock(&s->lock);
	e = find_locked(s, uid);
	held = e ? e->held : 0;
	pthread_mutex_unlock(&s->lock);
	return held;
}
