/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Files made inside an object directory as a step to replace spec.yaml (how
 * `sed -i`, `mv` and editors save): they live in memory, are seen only by
 * the uid that made them, and go at rename over spec.yaml, unlink, rmdir of
 * the object, or unmount. Thread-safe; pure (no FUSE). Lock order: the
 * table's lock, then its counts' (uidcount.h); no other lock is taken inside.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * Caps, in files, each at most ZF_SPEC_MAX bytes (so 64 MiB in all): a uid
 * holds at most ZF_TEMP_PER_UID at once (root too); the non-root uids
 * together at most ZF_TEMP_MAX - ZF_TEMP_PER_UID, so root's share is
 * always free and root's `sed -i` works whatever the users hold.
 */
#define ZF_TEMP_MAX 256
#define ZF_TEMP_PER_UID 64

struct zf_tempfiles;

int zf_tempfiles_new(struct zf_tempfiles **ret_t);
void zf_tempfiles_free(struct zf_tempfiles *t);

/* -EEXIST if there; -EDQUOT when owner holds ZF_TEMP_PER_UID; -ENOSPC when
 * the users hold their share of ZF_TEMP_MAX (never for root). */
int zf_temp_create(struct zf_tempfiles *t, const char *uuid, const char *name, unsigned owner);
/* Its size, or -ENOENT (also when another uid made it). */
ssize_t zf_temp_size(struct zf_tempfiles *t, const char *uuid, const char *name, unsigned owner);
ssize_t zf_temp_read(struct zf_tempfiles *t, const char *uuid, const char *name, unsigned owner,
		     char *buf, size_t size, off_t off);
/* -EFBIG past ZF_SPEC_MAX (and the file remembers it: zf_temp_copy). */
ssize_t zf_temp_write(struct zf_tempfiles *t, const char *uuid, const char *name, unsigned owner,
		      const char *buf, size_t size, off_t off);
int zf_temp_truncate(struct zf_tempfiles *t, const char *uuid, const char *name, unsigned owner,
		     off_t size);
/* A copy of its content (the caller's), NUL-terminated; the errno of a
 * write or truncate that failed since it was last emptied (EFBIG...):
 * what it holds is then not what was written. */
int zf_temp_copy(struct zf_tempfiles *t, const char *uuid, const char *name, unsigned owner,
		 char **ret_data, size_t *ret_len);
int zf_temp_remove(struct zf_tempfiles *t, const char *uuid, const char *name, unsigned owner);
/* Drops every temp file of the object (rmdir). */
void zf_temp_remove_object(struct zf_tempfiles *t, const char *uuid);
/* Calls fn(name, userdata) for each of owner's files in the object. */
void zf_temp_list(struct zf_tempfiles *t, const char *uuid, unsigned owner,
		  void (*fn)(const char *name, void *userdata), void *userdata);
