/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The rows of files zunfs answers itself: text rendered from an object,
 * spec.yaml, ctl, version, events, until/STATE, and the temp files editors
 * make to replace spec.yaml. And which row serves a path.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../actions.h"
#include "../health.h"
#include "../jobs.h"
#include "../lifecycle.h"
#include "../render.h"
#include "../spec.h"
#include "../tempfiles.h"
#include "../util.h"
#include "private.h"

/* (Re)takes the snapshot a text handle serves; lock held. */
static int snapshot_locked(struct zf_daemon *d, struct zf_handle *h, struct zf_object *obj)
{
	h->gen_seen = obj->gen;
	return zf_handle_set_buf(h, zf_render_file(obj, h->path.file, d->engine_version,
						   zf_registry_first_locked(d->reg)));
}

/* The hash of the handle's snapshot. */
static uint64_t snapshot_hash(struct zf_handle *h)
{
	uint64_t hash;

	pthread_mutex_lock(&h->buf_lock);
	hash = zf_fuse_text_hash(h->buf ? h->buf : "", h->len);
	pthread_mutex_unlock(&h->buf_lock);
	return hash;
}

/*
 * Served through the kernel's page cache (cache.c): kept when the kernel
 * was last served this very text, else dropped in text_open before the open
 * returns. No FLUSH at close: nothing is written.
 */
static int text_open_locked(struct zf_daemon *d, struct zf_handle *h, struct zf_object *obj,
			    struct fuse_file_info *fi, int acc)
{
	int r;

	if (acc != O_RDONLY)
		return -EACCES;
	r = snapshot_locked(d, h, obj);
	if (r < 0 || !d->kernel_cache)
		return r;
	fi->direct_io = 0;
	fi->noflush = 1;
	fi->keep_cache = zf_fuse_cache_served(obj->rec.uuid, h->path.file) == snapshot_hash(h);
	h->cache_stale = !fi->keep_cache;
	return 0;
}

static int text_open(struct zf_daemon *d, struct zf_handle *h, struct fuse_file_info *fi, int acc,
		     mode_t mode)
{
	(void)d, (void)fi, (void)acc, (void)mode;
	if (h->cache_stale)
		zf_fuse_cache_invalidate(h->path_str);
	return 0;
}

/* A read from the start sees the object as it is now (poll, then re-read);
 * a spec.yaml renamed over since the open keeps what it had. What a read
 * from the start serves is what the kernel now holds (cache.c). */
static int text_read(struct zf_daemon *d, struct zf_handle *h, char *buf, size_t size, off_t off)
{
	int r = 0;

	if (off == 0 && !h->writing && !atomic_load(&h->replaced)) {
		struct zf_object *obj;

		zf_registry_lock(d->reg);
		obj = zf_registry_find_uuid_locked(d->reg, h->uuid);
		r = obj ? snapshot_locked(d, h, obj) : -ENOENT;
		if (obj && h->ops == &zf_text_row && d->kernel_cache)
			zf_fuse_cache_set_served(obj->rec.uuid, h->path.file, snapshot_hash(h));
		zf_registry_unlock(d->reg);
	}
	return r < 0 ? r : zf_handle_read_buf(h, buf, size, off);
}

static bool text_ready(struct zf_daemon *d, struct zf_handle *h, const struct zf_object *obj)
{
	(void)d;
	/* a replaced spec.yaml never changes again: readable, like a regular file */
	return !obj || obj->gen != h->gen_seen || atomic_load(&h->replaced);
}

const struct zf_file_ops zf_text_row = {
	.what = "text",
	.open_locked = text_open_locked,
	.open = text_open,
	.read = text_read,
	.ready = text_ready,
};

/* spec.yaml: read as text; written whole, applied at close */
static int spec_open_locked(struct zf_daemon *d, struct zf_handle *h, struct zf_object *obj,
			    struct fuse_file_info *fi, int acc)
{
	int r;

	if (acc == O_RDONLY)
		return snapshot_locked(d, h, obj);
	/* a member of the capsule's spec refuses at once, saying why */
	r = zf_action_spec_writable_locked(d, obj);
	h->writing = r == 0;
	h->truncated = (fi->flags & O_TRUNC) != 0;
	/* O_TRUNC (atomic_o_trunc) starts empty; else edits start from the spec.
	 * Only a write makes it dirty: a shell's `>` closes a dup of the fd
	 * before writing, and that flush must not apply an empty spec. */
	if (r == 0)
		r = zf_handle_set_buf(h, strdup(h->truncated ? "" : obj->rec.spec));
	if (r == 0 && h->truncated && !(h->spec_at_open = strdup(obj->rec.spec)))
		r = -ENOMEM;
	return r;
}

/* Puts size bytes at off into the spec being written (spaces fill a hole).
 * h->buf_lock held. */
static int spec_put_locked(struct zf_handle *h, const char *buf, size_t size, off_t off)
{
	size_t end;
	int r;

	if (off < 0 || (size_t)off + size > ZF_SPEC_MAX)
		return -EFBIG;
	end = (size_t)off + size;
	r = zf_grow(&h->buf, &h->cap, end);
	if (r < 0)
		return r;
	if ((size_t)off > h->len)
		memset(h->buf + h->len, ' ', (size_t)off - h->len);
	memcpy(h->buf + off, buf, size);
	if (end > h->len)
		h->len = end;
	h->buf[h->len] = '\0';
	h->dirty = true;
	return 0;
}

static int spec_write(struct zf_daemon *d, struct zf_handle *h, const char *buf, size_t size,
		      off_t off)
{
	int r;

	(void)d;
	if (!h->writing)
		return -EBADF;
	pthread_mutex_lock(&h->buf_lock);
	r = spec_put_locked(h, buf, size, off);
	if (r < 0)
		h->write_err = r; /* what it holds is not what was written */
	pthread_mutex_unlock(&h->buf_lock);
	return r < 0 ? r : (int)size;
}

static int spec_truncate(struct zf_daemon *d, struct zf_handle *h, off_t size)
{
	int r = 0;

	(void)d;
	if (!h->writing)
		return -EACCES;
	pthread_mutex_lock(&h->buf_lock);
	if (size < 0 || (size_t)size > ZF_SPEC_MAX) {
		h->write_err = -EFBIG;
		pthread_mutex_unlock(&h->buf_lock);
		return -EFBIG;
	}
	if ((size_t)size <= h->len) {
		h->len = (size_t)size;
		if (h->buf)
			h->buf[h->len] = '\0';
		h->dirty = true;
	} else {
		r = spec_put_locked(h, "", 0, size);
	}
	if (r < 0)
		h->write_err = r;
	else if (size == 0)
		h->write_err = 0; /* emptied: written anew from here */
	pthread_mutex_unlock(&h->buf_lock);
	return r;
}

/* A write to spec.yaml failed (a spec past ZF_SPEC_MAX): what the handle
 * holds is a part of it, never applied; close() fails with the write's
 * errno, and status_reason says so (the shell may not report close()). */
static int refuse_failed_write(struct zf_daemon *d, struct zf_handle *h, int e)
{
	char reason[300];

	snprintf(reason, sizeof(reason),
		 "spec.yaml: a write failed (%s%s); nothing was applied", strerror(-e),
		 e == -EFBIG ? ": a spec is at most 256 KiB" : "");
	return zf_action_refuse_spec(d, h->uuid, e, reason);
}

/* close(): a spec written through this handle is validated and applied here,
 * so a bad one fails the close() with EINVAL. Once a rename has put another
 * file at spec.yaml, this one's writes go nowhere, as on a regular
 * filesystem (they must not undo the renamed spec). */
static int spec_flush(struct zf_daemon *d, struct zf_handle *h)
{
	char *text;
	size_t len;
	int r;

	if (!h->writing || atomic_load(&h->replaced))
		return 0;
	/* a copy: the apply takes the registry lock, which comes before buf_lock */
	pthread_mutex_lock(&h->buf_lock);
	if (!h->dirty && !h->write_err) {
		pthread_mutex_unlock(&h->buf_lock);
		return 0;
	}
	h->dirty = false;
	h->applied = true;
	if (h->write_err) {
		int e = h->write_err;

		pthread_mutex_unlock(&h->buf_lock);
		return refuse_failed_write(d, h, e);
	}
	len = h->len;
	text = h->buf ? strndup(h->buf, h->len) : strdup("");
	pthread_mutex_unlock(&h->buf_lock);
	if (!text)
		return -ENOMEM;
	r = zf_action_apply_spec(d, h->uuid, text, len, h->owner);
	free(text);
	/* spec.yaml's new size and mtime reach the kernel before close()
	 * returns: an editor that stat()s it next must not see the old ones
	 * (vim then takes the file for changed under it, and does not write) */
	if (r == 0)
		zf_fuse_cache_sync();
	return r;
}

/* Whether the spec in force is still the one h was opened over: a spec
 * written by another open since then is not undone by this one's close. */
static bool spec_unchanged(struct zf_daemon *d, struct zf_handle *h)
{
	struct zf_object *obj;
	bool same;

	zf_registry_lock(d->reg);
	obj = zf_registry_find_uuid_locked(d->reg, h->uuid);
	same = obj && h->spec_at_open && strcmp(obj->rec.spec, h->spec_at_open) == 0;
	zf_registry_unlock(d->reg);
	return same;
}

static void spec_release(struct zf_daemon *d, struct zf_handle *h)
{
	/* `: > spec.yaml` (O_TRUNC, nothing written) is an empty spec. At the
	 * last close, not at flush: a shell's `>` closes a dup of the fd before
	 * its command writes. What close() cannot report, status_reason says. */
	if (h->writing && h->truncated && !h->applied && !h->write_err &&
	    !atomic_load(&h->replaced) && spec_unchanged(d, h))
		zf_action_apply_spec(d, h->uuid, "", 0, h->owner);
	free(h->spec_at_open);
	h->spec_at_open = NULL;
}

const struct zf_file_ops zf_spec_row = {
	.what = "spec.yaml",
	.open_locked = spec_open_locked,
	.read = text_read,
	.write = spec_write,
	.truncate = spec_truncate,
	.flush = spec_flush,
	.ready = text_ready,
	.release = spec_release,
};

/* ctl: one command a write, answered when the engine has done it */
static int ctl_open_locked(struct zf_daemon *d, struct zf_handle *h, struct zf_object *obj,
			   struct fuse_file_info *fi, int acc)
{
	(void)d, (void)h, (void)obj, (void)fi;
	return acc == O_WRONLY ? 0 : -EACCES;
}

static int ctl_write(struct zf_daemon *d, struct zf_handle *h, const char *buf, size_t size,
		     off_t off)
{
	char line[ZF_JOB_ARG_MAX];
	int r;

	(void)off;
	if (size >= sizeof(line))
		return -EINVAL;
	memcpy(line, buf, size);
	line[size] = '\0';
	r = zf_action_ctl(d, h->uuid, line, zf_fuse_interrupted);
	return r < 0 ? r : (int)size;
}

/* A command waits for its job (the engine). */
static bool ctl_slow_write(struct zf_handle *h)
{
	(void)h;
	return true;
}

const struct zf_file_ops zf_ctl_row = {
	.what = "ctl",
	.slow_write = ctl_slow_write,
	.open_locked = ctl_open_locked,
	.write = ctl_write,
};

/* version: zunfs's and the engine's, as text */
static int version_open_locked(struct zf_daemon *d, struct zf_handle *h, struct zf_object *obj,
			       struct fuse_file_info *fi, int acc)
{
	(void)obj, (void)fi;
	if (acc != O_RDONLY)
		return -EACCES;
	return zf_handle_set_buf(h, zf_render_version(d->engine_version));
}

const struct zf_file_ops zf_version_row = {
	.what = "version",
	.open_locked = version_open_locked,
};

/* events: a blocking stream of state changes from the moment of open */
static int events_open_locked(struct zf_daemon *d, struct zf_handle *h, struct zf_object *obj,
			      struct fuse_file_info *fi, int acc)
{
	(void)obj;
	h->ev_pos = zf_eventlog_tail(d->events, h->owner);
	fi->nonseekable = 1;
	return acc == O_RDONLY ? 0 : -EACCES;
}

/* -EAGAIN until a line is there (parked: the registry's change kicks it). */
static int events_read(struct zf_daemon *d, struct zf_handle *h, char *buf, size_t size,
		       off_t off)
{
	size_t n;

	(void)off;
	pthread_mutex_lock(&h->buf_lock); /* ev_pos: two reads of one open file */
	n = zf_eventlog_read(d->events, h->owner, &h->ev_pos, buf, size, 0);
	pthread_mutex_unlock(&h->buf_lock);
	return n > 0 ? (int)n : -EAGAIN;
}

static bool events_ready(struct zf_daemon *d, struct zf_handle *h, const struct zf_object *obj)
{
	(void)obj;
	return zf_eventlog_ready(d->events, h->owner, h->ev_pos);
}

const struct zf_file_ops zf_events_row = {
	.what = "events",
	.parks = true,
	.stopped = 0, /* the stream of events ends with zunfs */
	.open_locked = events_open_locked,
	.read = events_read,
	.ready = events_ready,
};

/* until/STATE: blocks until the object reaches STATE, or until/healthy its
 * check that health */
static enum zf_until until_verdict(const struct zf_object *obj, const struct zf_path *target)
{
	if (obj->rec.kind == ZF_KIND_CONTAINER && zf_health_word(target->leaf))
		return zf_health_verdict(obj, target->leaf);
	return zf_until_verdict(obj->rec.kind, obj->rec.status, obj->rec.task_state,
				target->state);
}

static int until_open_locked(struct zf_daemon *d, struct zf_handle *h, struct zf_object *obj,
			     struct fuse_file_info *fi, int acc)
{
	(void)d, (void)h, (void)obj;
	fi->nonseekable = 1;
	return acc == O_RDONLY ? 0 : -EACCES;
}

static int until_read(struct zf_daemon *d, struct zf_handle *h, char *buf, size_t size,
		      off_t off)
{
	const struct zf_path *target = &h->path;
	int r;

	(void)off;
	zf_registry_lock(d->reg);
	do {
		struct zf_object *obj = zf_registry_find_uuid_locked(d->reg, h->uuid);
		enum zf_until v;

		if (h->until_done) {
			r = 0;
			break;
		}
		if (!obj || (obj->rec.deleting && target->state != ZF_STATE_DELETING)) {
			r = -EIO; /* removed: no state follows */
			break;
		}
		v = until_verdict(obj, target);
		if (v == ZF_UNTIL_REACHED) {
			r = snprintf(buf, size, "%s\n", target->leaf);
			h->until_done = true;
		} else {
			/* never: EIO; not yet: parked until the object changes */
			r = v == ZF_UNTIL_NEVER ? -EIO : -EAGAIN;
		}
	} while (0);
	zf_registry_unlock(d->reg);
	return r;
}

static bool until_ready(struct zf_daemon *d, struct zf_handle *h, const struct zf_object *obj)
{
	(void)d;
	return !obj || until_verdict(obj, &h->path) != ZF_UNTIL_WAIT;
}

const struct zf_file_ops zf_until_row = {
	.what = "until",
	.parks = true,
	.stopped = -ENOTCONN, /* what the mount answers once zunfs is gone */
	.open_locked = until_open_locked,
	.read = until_read,
	.ready = until_ready,
};

/* A spec.yaml replacement (tempfiles.c): path.leaf in the object, the opener's */
static int temp_open_locked(struct zf_daemon *d, struct zf_handle *h, struct zf_object *obj,
			    struct fuse_file_info *fi, int acc)
{
	(void)acc;
	if (zf_temp_size(d->temps, obj->rec.uuid, h->path.leaf, h->owner) < 0)
		return -ENOENT;
	if (fi->flags & O_TRUNC)
		return zf_temp_truncate(d->temps, h->uuid, h->path.leaf, h->owner, 0);
	return 0;
}

static int temp_read(struct zf_daemon *d, struct zf_handle *h, char *buf, size_t size, off_t off)
{
	return (int)zf_temp_read(d->temps, h->uuid, h->path.leaf, h->owner, buf, size, off);
}

static int temp_write(struct zf_daemon *d, struct zf_handle *h, const char *buf, size_t size,
		      off_t off)
{
	return (int)zf_temp_write(d->temps, h->uuid, h->path.leaf, h->owner, buf, size, off);
}

static int temp_truncate(struct zf_daemon *d, struct zf_handle *h, off_t size)
{
	return zf_temp_truncate(d->temps, h->uuid, h->path.leaf, h->owner, size);
}

const struct zf_file_ops zf_temp_row = {
	.what = "temp file",
	.open_locked = temp_open_locked,
	.read = temp_read,
	.write = temp_write,
	.truncate = temp_truncate,
};

int zf_fuse_temp_op(const struct zf_path *p, enum zf_temp_op op, off_t size)
{
	struct zf_daemon *d = zf_fuse_daemon();
	char uuid[ZF_UUID_LEN + 1];
	int r;

	if (zf_fuse_object_uuid(d, p, uuid) < 0)
		return -ENOENT;
	switch (op) {
	case ZF_TEMP_TRUNCATE:
		return zf_temp_truncate(d->temps, uuid, p->leaf, zf_fuse_uid(), size);
	case ZF_TEMP_UNLINK:
		return zf_temp_remove(d->temps, uuid, p->leaf, zf_fuse_uid());
	default:
		r = (int)zf_temp_size(d->temps, uuid, p->leaf, zf_fuse_uid());
		return r < 0 ? r : 0;
	}
}

/* One row per way a file of an object is served (tree.h's serve column). */
static const struct zf_file_ops *const served_by[ZF_SERVE_COUNT] = {
	[ZF_SERVE_TEXT] = &zf_text_row,
	[ZF_SERVE_SPEC] = &zf_spec_row,
	[ZF_SERVE_CTL] = &zf_ctl_row,
	[ZF_SERVE_TTY] = &zf_tty_row,
	[ZF_SERVE_EXEC] = &zf_exec_row,
	[ZF_SERVE_LOGS] = &zf_logs_row,
	[ZF_SERVE_ENGINE] = &zf_engine_row,
};

const struct zf_file_ops *zf_fuse_row(const struct zf_path *p)
{
	switch (p->node) {
	case ZF_NODE_FILE:
		return served_by[zf_file_serve(p->file)];
	case ZF_NODE_UNTIL:
		return &zf_until_row;
	case ZF_NODE_OTHER:
		return &zf_temp_row;
	case ZF_NODE_EVENTS:
		return &zf_events_row;
	case ZF_NODE_VERSION:
		return &zf_version_row;
	case ZF_NODE_DATA:
		return &zf_data_row;
	default:
		return NULL;
	}
}
