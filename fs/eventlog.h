/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The top-level `events` file: a bounded ring of state-change lines
 * ("TIME KIND/NAME OLD NEW"). Each reader has its own position; a reader
 * that falls more than the ring behind skips what it missed.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "kinds.h"

struct zf_eventlog;

int zf_eventlog_new(size_t capacity, struct zf_eventlog **ret_log);
void zf_eventlog_free(struct zf_eventlog *log);

/* Records one change of an object of owner (a uid); old or new may be NULL
 * for "-" (made / gone). */
void zf_eventlog_add(struct zf_eventlog *log, unsigned owner, enum zf_kind kind,
		     const char *name, const char *old_state, const char *new_state);

/* The position of the next event to be added: a new reader starts here. */
uint64_t zf_eventlog_tail(struct zf_eventlog *log);

/*
 * Copies whole lines from *pos on into buf (at most size bytes, at least one
 * line if one is there), advancing *pos. Waits up to timeout_ms for one when
 * none is there. Returns the byte count, 0 when none came in time.
 * Only lines of reader uid's own objects, all for root (0); others' are
 * passed over (with allow_other users see only their own objects, in events
 * too).
 */
size_t zf_eventlog_read(struct zf_eventlog *log, unsigned uid, uint64_t *pos, char *buf,
			size_t size, int timeout_ms);
