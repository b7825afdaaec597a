/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The numbers the kernel holds for open files and directories (its fh),
 * and the references taken on what they stand for. The kernel may send
 * RELEASE (RELEASEDIR) while a request on the same file is still being
 * answered here: one it gave up on (a READDIR of a reader killed in the
 * middle is one), whose answer it will drop. So the kernel is given an id,
 * not a pointer; each request on an open file takes a reference through
 * this table, under its lock, and the object goes with the last one: the
 * open's own reference goes at RELEASE, a parked request's when it is
 * answered. An id is never used twice.
 *
 * Pure (no FUSE); one lock of its own, taken alone; last() is called
 * without it.
 */
#pragma once

#include <stdint.h>

/* obj with one reference (the open's); last(obj) when none are left, or
 * at_end(obj) (may be NULL) if zunfs ends while it is open. 0, or -ENOMEM. */
int zf_fh_new(void *obj, void (*last)(void *obj), void (*at_end)(void *obj), uint64_t *ret_id);
/* One more reference on id's object, or NULL when id was closed (or never
 * was). */
void *zf_fh_get(uint64_t id);
/* Gives back one reference (one zf_fh_get or zf_fh_new gave). */
void zf_fh_put(uint64_t id);
/* The kernel is done with id: no zf_fh_get finds it from now on, and the
 * open's reference goes. */
void zf_fh_close(uint64_t id);
/* How many ids are open (tests, the end). */
unsigned zf_fh_count(void);
/* At the end, the loop gone: every id goes, at_end for each object. */
void zf_fh_free_all(void);
