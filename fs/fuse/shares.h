/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Each user's share of what the mount holds for its callers: open handles,
 * requests parked until they can be answered (blocked reads of events,
 * until/, tty, exec; writes to a stdin that is full), and requests waiting
 * for or in the engine room (an attach, top, stats, exec's command, ctl).
 * One user at their cap leaves the rest for the others; root is never
 * refused by the per-user cap, and a part of each total is kept for root.
 * Counted per uid by fs/uidcount.c, whose leaf lock is taken last.
 */
#pragma once

#include <stdbool.h>

enum zf_share {
	ZF_SHARE_HANDLES, /* open files of the mount */
	ZF_SHARE_PARKED, /* requests parked in waits.c */
	ZF_SHARE_ROOM, /* requests queued for or in the engine room */
	ZF_SHARE_COUNT,
};

struct zf_share_cap {
	unsigned per_user; /* one uid's at most (not root's) */
	unsigned total; /* root's at most; the users' together: total - root_reserve */
	unsigned root_reserve; /* of total, only root may take these */
	int user_errno; /* past per_user: EMFILE, EAGAIN */
	int total_errno; /* past the total: ENFILE, EAGAIN */
};

/* The caps in force (the defaults: docs/zunfs.1.md, LIMITS). */
extern const struct zf_share_cap zf_share_caps[ZF_SHARE_COUNT];

/* One more of s for uid: 0, or -user_errno / -total_errno, or -ENOMEM. */
int zf_share_take(enum zf_share s, unsigned uid);
/* Gives one back (one that zf_share_take granted). */
void zf_share_give(enum zf_share s, unsigned uid);
/* How many of s uid holds now. */
unsigned zf_share_held(enum zf_share s, unsigned uid);
