/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The top-level `events` file: state-change lines ("TIME KIND/NAME OLD NEW"),
 * kept per owner, so that one user's flood never wipes another user's
 * unread lines:
 *
 * - each non-root uid that owns objects or reads `events` has a view of
 *   its own objects' lines, a ring of up to capacity/4 lines (1024 for
 *   zunfs's 4096), grown from 16 as lines come;
 * - root reads a view of every line, a ring of up to capacity lines;
 * - a line is at most 191 bytes; user rings hold at most 4 * capacity
 *   lines together (16384: 3 MiB); a ring that would pass that takes the
 *   memory of the ring whose newest line is oldest (its readers are told,
 *   below). At most ZF_EVENTLOG_UIDS uids get a view; a uid past that
 *   reads nothing (root still sees its lines).
 *
 * A reader's position counts the lines of its view (not bytes). A reader
 * that falls more than its ring behind reads "[zunfs: N events skipped]"
 * on a line of its own where the N lines were, then goes on from the oldest
 * line kept.
 *
 * Thread-safe. Locks: one mutex, a leaf (taken under the registry lock by
 * zf_eventlog_add, never held while calling out). Each view has its own
 * condition: an add wakes the readers of its owner's view and root's, and
 * no other user's.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kinds.h"

/* uids with a view of their own, at most */
#define ZF_EVENTLOG_UIDS 4096

struct zf_eventlog;

/* capacity: root's view in lines (at least 4); the users' bounds follow
 * from it (above). 0 or -ENOMEM. */
int zf_eventlog_new(size_t capacity, struct zf_eventlog **ret_log);
void zf_eventlog_free(struct zf_eventlog *log);

/* Records one change of an object of owner (a uid); old or new may be NULL
 * for "-" (made / gone). */
void zf_eventlog_add(struct zf_eventlog *log, unsigned owner, enum zf_kind kind,
		     const char *name, const char *old_state, const char *new_state);

/* Where a new reader of uid starts: the position of uid's next line (root:
 * of the next line of anyone's). */
uint64_t zf_eventlog_tail(struct zf_eventlog *log, unsigned uid);

/*
 * Copies whole lines of uid's view (root: everyone's) from *pos on into buf
 * (at most size bytes, at least one line if one is there and fits),
 * advancing *pos; a skip line first when *pos fell behind the ring. When
 * there is none, waits up to timeout_ms for one (0: never blocks; only
 * uid's own lines end the wait). Returns the byte count, 0 when none came
 * in time.
 */
size_t zf_eventlog_read(struct zf_eventlog *log, unsigned uid, uint64_t *pos, char *buf,
			size_t size, int timeout_ms);

/* Whether a read of uid's view from pos would return something now (a
 * line, or a skip line). */
bool zf_eventlog_ready(struct zf_eventlog *log, unsigned uid, uint64_t pos);
