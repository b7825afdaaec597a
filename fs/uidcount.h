/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Per-uid counts of one shared resource (tty/exec sessions, temp files), so
 * that no user takes it whole: each non-root uid has a cap, root a cap of
 * its own, and all non-root uids together a cap below the resource's
 * total, which keeps root's share free whatever the others hold. Memory
 * only, no FUSE. Thread-safe: the table's lock is a leaf, taken under any
 * other lock and never held while calling out. The FUSE side's shares of
 * handles, parked requests and the engine room count with it too
 * (fs/fuse/shares.h).
 */
#pragma once

#include <pthread.h>
#include <stddef.h>

/* Caps in units of the resource (sessions, files); 0 is "no cap". */
struct zf_uidcount_caps {
	unsigned user; /* each non-root uid's */
	unsigned root; /* uid 0's */
	unsigned others; /* every non-root uid's together */
};

struct zf_uidcount_entry {
	unsigned uid;
	unsigned held;
};

/* Fields are uidcount.c's. Static ones start as ZF_UIDCOUNT_INIT; others with
 * zf_uidcount_init(). */
struct zf_uidcount {
	pthread_mutex_t lock;
	struct zf_uidcount_entry *v; /* protected by lock: uids holding some, unordered */
	size_t n, cap; /* protected by lock: entries used, allocated */
	unsigned others; /* protected by lock: what non-root uids hold together */
};

#define ZF_UIDCOUNT_INIT { .lock = PTHREAD_MUTEX_INITIALIZER }

void zf_uidcount_init(struct zf_uidcount *s);
/* Frees the table (nothing may be taken any more). */
void zf_uidcount_destroy(struct zf_uidcount *s);

/*
 * Takes one unit for uid: 0; -EDQUOT when uid holds its cap (caps->user, or
 * caps->root for uid 0); -ENOSPC when the non-root uids together hold
 * caps->others (never for root); -ENOMEM. Nothing is taken on failure.
 */
int zf_uidcount_take(struct zf_uidcount *s, unsigned uid, const struct zf_uidcount_caps *caps);
/* Gives back one unit of uid's (one it took). */
void zf_uidcount_give(struct zf_uidcount *s, unsigned uid);
/* What uid holds now. */
unsigned zf_uidcount_held(struct zf_uidcount *s, unsigned uid);
