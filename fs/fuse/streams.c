/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The rows of a container's streams and engine snapshots: tty (an attach),
 * exec (a command, then its output), logs (the file zunfs keeps), and top
 * and stats (asked of the engine at open, like a regular file's content).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../logs.h"
#include "../session.h"
#include "private.h"

/* The longest exec command line. */
#define EXEC_LINE_MAX 4096

/* Adds or drops an open tty exec of the object, for ctl resize. */
static void note_tty_exec(struct zf_daemon *d, const char *uuid, const char *exec_id, bool add)
{
	struct zf_object *obj;

	zf_registry_lock(d->reg);
	obj = zf_registry_find_uuid_locked(d->reg, uuid);
	for (int i = 0; obj && i < ZF_TTY_EXECS_MAX; i++) {
		if (add && !obj->tty_execs[i][0]) {
			snprintf(obj->tty_execs[i], sizeof(obj->tty_execs[i]), "%s", exec_id);
			break;
		}
		if (!add && strcmp(obj->tty_execs[i], exec_id) == 0) {
			obj->tty_execs[i][0] = '\0';
			break;
		}
	}
	zf_registry_unlock(d->reg);
}

static void count_attach(struct zf_daemon *d, const char *uuid, int delta)
{
	struct zf_object *obj;

	zf_registry_lock(d->reg);
	obj = zf_registry_find_uuid_locked(d->reg, uuid);
	if (obj) {
		obj->attached += delta;
		zf_registry_touch_locked(d->reg, obj); /* inspect.json changed */
	}
	zf_registry_unlock(d->reg);
}

/* Output (FIFO-like): -EAGAIN while there is none (the read is parked
 * until the pump kicks the handle), EOF when the stream ends; the attach
 * ends with zunfs (the row's stopped: EOF), the container runs on. */
static int session_read(struct zf_daemon *d, struct zf_handle *h, char *buf, size_t size,
			off_t off)
{
	(void)d, (void)off;
	if (!h->session)
		return 0; /* exec before its command: nothing will come */
	return (int)zf_session_read(h->session, buf, size, 0);
}

/* To the container's (or the exec's) stdin: what it takes now (a short
 * count, or -EAGAIN: the rest is parked and tried again). */
static int session_write(struct zf_daemon *d, struct zf_handle *h, const char *buf, size_t size)
{
	(void)d;
	return (int)zf_session_write(h->session, buf, size, 0);
}

static bool session_ready(struct zf_daemon *d, struct zf_handle *h, const struct zf_object *obj)
{
	(void)d;
	return !obj || !h->session || zf_session_readable(h->session);
}

/* tty: attaches at open (stdin too when opened for writing) */
static int tty_open(struct zf_daemon *d, struct zf_handle *h, struct fuse_file_info *fi, int acc,
		    mode_t mode)
{
	int r;

	(void)mode;
	fi->nonseekable = 1;
	r = zf_session_attach(d, h->uuid, h->owner, acc != O_RDONLY, zf_handle_wake, h,
			      &h->session, NULL, 0);
	if (r == 0)
		count_attach(d, h->uuid, 1);
	return r;
}

static int tty_write(struct zf_daemon *d, struct zf_handle *h, const char *buf, size_t size,
		     off_t off)
{
	(void)off;
	return session_write(d, h, buf, size);
}

static void tty_release(struct zf_daemon *d, struct zf_handle *h)
{
	if (!h->session)
		return;
	count_attach(d, h->uuid, -1);
	/* first: its pump may still wake this handle's poller */
	zf_session_free(h->session);
	h->session = NULL;
}

const struct zf_file_ops zf_tty_row = {
	.what = "tty",
	.slow_open = true, /* the attach */
	.parks = true,
	.slow_release = true, /* the pump is joined */
	.open = tty_open,
	.read = session_read,
	.write = tty_write,
	.ready = session_ready,
	.release = tty_release,
};

/* exec: the first write is the command line, later ones go to its stdin (-i) */
static int exec_open(struct zf_daemon *d, struct zf_handle *h, struct fuse_file_info *fi, int acc,
		     mode_t mode)
{
	(void)d, (void)h, (void)mode;
	fi->nonseekable = 1;
	return acc == O_RDONLY ? -EACCES : 0;
}

static int exec_write(struct zf_daemon *d, struct zf_handle *h, const char *buf, size_t size,
		      off_t off)
{
	char line[EXEC_LINE_MAX];
	int r;

	(void)off;
	if (h->session)
		return session_write(d, h, buf, size);
	if (size >= sizeof(line))
		return -E2BIG;
	memcpy(line, buf, size);
	line[size] = '\0';
	line[strcspn(line, "\n")] = '\0';
	r = zf_session_exec(d, h->uuid, h->owner, line, zf_handle_wake, h, &h->session, NULL, 0);
	if (r < 0)
		return r;
	if (zf_session_has_tty(h->session))
		note_tty_exec(d, h->uuid, zf_session_exec_id(h->session), true);
	return (int)size;
}

/* The first write is the command line: the engine's exec create and start. */
static bool exec_slow_write(struct zf_handle *h)
{
	return !h->session;
}

static void exec_release(struct zf_daemon *d, struct zf_handle *h)
{
	if (!h->session)
		return;
	if (zf_session_has_tty(h->session))
		note_tty_exec(d, h->uuid, zf_session_exec_id(h->session), false);
	zf_session_free(h->session);
	h->session = NULL;
}

const struct zf_file_ops zf_exec_row = {
	.what = "exec",
	.slow_write = exec_slow_write,
	.parks = true,
	.slow_release = true,
	.open = exec_open,
	.read = session_read,
	.write = exec_write,
	.ready = session_ready,
	.release = exec_release,
};

/* Whether the object changed since the handle last looked (poll). */
static bool changed_ready(struct zf_daemon *d, struct zf_handle *h, const struct zf_object *obj)
{
	(void)d;
	return !obj || obj->gen != h->gen_seen;
}

/* logs: the log file zunfs keeps (logs.c), read where it stands */
static int logs_open(struct zf_daemon *d, struct zf_handle *h, struct fuse_file_info *fi, int acc,
		     mode_t mode)
{
	char lp[PATH_MAX];

	(void)fi, (void)mode;
	if (acc != O_RDONLY)
		return -EACCES;
	zf_logs_path(d->logs, h->uuid, lp, sizeof(lp));
	h->fd = open(lp, O_RDONLY | O_CLOEXEC);
	return 0;
}

static int logs_read(struct zf_daemon *d, struct zf_handle *h, char *buf, size_t size, off_t off)
{
	ssize_t n;

	if (h->fd < 0) { /* no output yet when it was opened: look again */
		char lp[PATH_MAX];

		zf_logs_path(d->logs, h->uuid, lp, sizeof(lp));
		h->fd = open(lp, O_RDONLY | O_CLOEXEC);
		if (h->fd < 0)
			return 0;
	}
	n = pread(h->fd, buf, size, off);
	return n < 0 ? -errno : (int)n;
}

static void fd_release(struct zf_daemon *d, struct zf_handle *h)
{
	(void)d;
	if (h->fd >= 0)
		close(h->fd);
	h->fd = -1;
}

const struct zf_file_ops zf_logs_row = {
	.what = "logs",
	.open = logs_open,
	.read = logs_read,
	.ready = changed_ready,
	.release = fd_release,
};

/* top and stats: what the engine says at open */
static int engine_open(struct zf_daemon *d, struct zf_handle *h, struct fuse_file_info *fi,
		       int acc, mode_t mode)
{
	const struct zf_engine_ops *ops = d->engine->ops;
	struct zf_err err = { { 0 } };
	struct zf_object *obj;
	char id[72] = "", *text = NULL;
	int r;

	(void)fi, (void)mode;
	if (acc != O_RDONLY)
		return -EACCES;
	zf_registry_lock(d->reg);
	obj = zf_registry_find_uuid_locked(d->reg, h->uuid);
	r = obj && obj->rec.engine_id[0] && obj->rec.status == ZF_STATE_RUNNING ? 0 : -EBUSY;
	if (r == 0)
		memcpy(id, obj->rec.engine_id, sizeof(id));
	zf_registry_unlock(d->reg);
	if (r < 0)
		return r;
	switch (h->path.file) {
	case ZF_FILE_TOP:
		r = ops->container_top(d->engine, id, &text, &err);
		break;
	case ZF_FILE_STATS:
		r = ops->container_stats(d->engine, id, &text, &err);
		if (r == 0) {
			char *t = NULL;

			if (asprintf(&t, "%s\n", text) < 0)
				t = NULL;
			free(text);
			text = t;
		}
		break;
	default: /* a new engine snapshot needs its call here */
		return -EIO;
	}
	return r < 0 ? r : zf_handle_set_buf(h, text);
}

const struct zf_file_ops zf_engine_row = {
	.what = "engine snapshot",
	.slow_open = true,
	.open = engine_open,
	.ready = changed_ready,
};
