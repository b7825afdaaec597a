/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl.h"
#include "lifecycle.h"
#include "ring.h"
#include "session.h"
#include "uidcount.h"
#include "util.h"

/* A pump's stack: its 16 KiB read buffer, and libcurl for an exec's
 * inspect at the end (the sanitizers' frames are larger). Not the default
 * 8 MiB: a thread per open. */
#ifdef __SANITIZE_ADDRESS__
#define PUMP_STACK (1u << 20)
#else
#define PUMP_STACK (256u << 10)
#endif

struct zf_session {
	struct zf_daemon *d;
	struct zf_stream *stream;
	pthread_t pump;
	bool pump_started;
	char *exec_id; /* exec sessions only */
	bool tty;
	bool exec_trailer; /* print "[exit N]" at the end */
	zf_session_wake_cb wake;
	void *wake_data;
	unsigned uid; /* whose share of sessions it holds (live_count) */

	pthread_mutex_t lock;
	pthread_cond_t more; /* CLOCK_MONOTONIC: output came */
	pthread_cond_t space; /* CLOCK_MONOTONIC: a reader took some */
	bool closing; /* protected by lock: stop waiting for space */
	bool stalled; /* protected by lock: the reader took nothing for STALL_MS */
	struct zf_ring out; /* protected by lock: up to ZF_SESSION_BUF bytes */
	size_t dropped; /* protected by lock: bytes lost to overflow, not yet reported */
	bool eof; /* protected by lock */
	/* protected by lock: the output put so far ends a line (or there is none):
	 * of all output ever put, not of what the ring still holds, which a
	 * reader that keeps up has emptied */
	bool put_ends_line;
	/* protected by lock: the same of what the reader has taken, so a note is
	 * put on a line of its own, not glued to the output before it */
	bool read_ends_line;
	/* protected by lock: a note (bytes dropped) being read, from note_off:
	 * a reader taking a few bytes a time gets it whole, over several reads */
	char note[64];
	size_t note_len, note_off;
	struct zf_session *live_prev, *live_next; /* protected by live_lock */
};

/* Sessions whose pump runs, to end them all when the engine goes away (one
 * zunfs per process). Lock order: live_lock, then nothing. */
static pthread_mutex_t live_lock = PTHREAD_MUTEX_INITIALIZER;
static struct zf_session *live;
/* Live sessions per uid (one zunfs per process); its lock is a leaf. */
static struct zf_uidcount live_count = ZF_UIDCOUNT_INIT;

static void live_add(struct zf_session *s)
{
	pthread_mutex_lock(&live_lock);
	s->live_next = live;
	if (live)
		live->live_prev = s;
	live = s;
	pthread_mutex_unlock(&live_lock);
}

static void live_remove(struct zf_session *s)
{
	pthread_mutex_lock(&live_lock);
	if (s->live_prev)
		s->live_prev->live_next = s->live_next;
	else if (live == s)
		live = s->live_next;
	if (s->live_next)
		s->live_next->live_prev = s->live_prev;
	s->live_prev = s->live_next = NULL;
	pthread_mutex_unlock(&live_lock);
}

void zf_sessions_end_all(void)
{
	pthread_mutex_lock(&live_lock);
	for (struct zf_session *s = live; s; s = s->live_next)
		zf_stream_shutdown(s->stream); /* its pump reads EOF */
	pthread_mutex_unlock(&live_lock);
}

static void ring_put_locked(struct zf_session *s, const char *data, size_t n)
{
	s->dropped += zf_ring_put(&s->out, data, n);
	if (n)
		s->put_ends_line = data[n - 1] == '\n';
}

/* How long a full buffer waits for a reader that makes no progress. */
#define STALL_MS 200

static void put(struct zf_session *s, const char *data, size_t n, bool eof)
{
	pthread_mutex_lock(&s->lock);
	/*
	 * Full: wait while the reader keeps taking (cat tty > file loses nothing,
	 * at the reader's pace); drop the oldest once it has taken nothing for
	 * STALL_MS (a reader that stopped blocks neither the engine nor others).
	 */
	while (!zf_ring_fits(&s->out, n) && !s->closing && !s->stalled) {
		size_t before = s->out.len;
		struct timespec t;

		zf_deadline_ms(&t, STALL_MS);
		pthread_cond_timedwait(&s->space, &s->lock, &t);
		if (s->out.len >= before)
			s->stalled = true; /* until it reads again: drop without waiting */
	}
	ring_put_locked(s, data, n);
	if (eof)
		s->eof = true;
	pthread_cond_broadcast(&s->more);
	pthread_mutex_unlock(&s->lock);
	if (s->wake)
		s->wake(s->wake_data);
}

static void *pump_main(void *arg)
{
	struct zf_session *s = arg;
	char buf[16384];

	for (;;) {
		ssize_t n = zf_stream_read(s->stream, buf, sizeof(buf), -1);

		if (n == -EAGAIN || n == -EINTR)
			continue;
		if (n <= 0)
			break;
		put(s, buf, (size_t)n, false);
	}
	if (s->exec_trailer) {
		const struct zf_engine_ops *ops = s->d->engine->ops;
		char line[64];
		bool running = true;
		int code = -1;

		/* the stream ends a moment before the engine records the exit code */
		for (int i = 0; i < 50 && running; i++) {
			if (ops->exec_inspect(s->d->engine, s->exec_id, &running, &code, NULL) < 0)
				break;
			if (running) {
				struct timespec t = { 0, 20 * 1000000L };

				nanosleep(&t, NULL);
			}
		}
		pthread_mutex_lock(&s->lock);
		snprintf(line, sizeof(line), "%s[exit %d]\n", s->put_ends_line ? "" : "\n", code);
		pthread_mutex_unlock(&s->lock);
		put(s, line, strlen(line), true);
	} else {
		put(s, "", 0, true);
	}
	return NULL;
}

/* A new session of uid's, taking one of its share: -EMFILE past
 * max_sessions (reason says so). */
static int session_new(struct zf_daemon *d, unsigned uid, zf_session_wake_cb wake,
		       void *wake_data, struct zf_session **ret, char *reason, size_t reason_size)
{
	const struct zf_uidcount_caps caps = {
		.user = d->opts.max_sessions > 0 ? (unsigned)d->opts.max_sessions : 0,
	};
	struct zf_session *s;
	int r = zf_uidcount_take(&live_count, uid, &caps);

	if (r == -EDQUOT) {
		snprintf(reason, reason_size,
			 "uid %u has %d tty/exec sessions open, its share (-o max_sessions)", uid,
			 d->opts.max_sessions);
		return -EMFILE;
	}
	if (r < 0)
		return r;
	s = calloc(1, sizeof(*s));
	if (!s) {
		zf_uidcount_give(&live_count, uid);
		return -ENOMEM;
	}
	s->uid = uid;
	zf_ring_init(&s->out, ZF_SESSION_BUF);
	s->d = d;
	s->wake = wake;
	s->wake_data = wake_data;
	s->put_ends_line = true;
	s->read_ends_line = true;
	pthread_mutex_init(&s->lock, NULL);
	zf_cond_init_monotonic(&s->more);
	zf_cond_init_monotonic(&s->space);
	*ret = s;
	return 0;
}

static int start_pump(struct zf_session *s)
{
	pthread_attr_t attr;
	int e;

	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, PUMP_STACK);
	e = pthread_create(&s->pump, &attr, pump_main, s);
	pthread_attr_destroy(&attr);
	if (e != 0)
		return -EAGAIN;
	s->pump_started = true;
	live_add(s);
	return 0;
}

/* What the container is, as the session needs it; lock taken inside. */
static int container_facts(struct zf_daemon *d, const char *uuid, char *engine_id, bool *tty,
			   bool *stdin_open, char *reason, size_t reason_size)
{
	struct zf_object *obj;
	int r = 0;

	zf_registry_lock(d->reg);
	obj = zf_registry_find_uuid_locked(d->reg, uuid);
	if (d->engine_away_since) {
		/* as every write that needs the engine while it is away */
		snprintf(reason, reason_size, "%s", d->engine_away_reason);
		r = -EIO;
	} else if (!obj || obj->rec.deleting) {
		r = -ENOENT;
	} else if (obj->rec.status != ZF_STATE_RUNNING || !obj->rec.engine_id[0]) {
		snprintf(reason, reason_size, "the container is %s, not Running",
			 zf_state_word(obj->rec.status));
		r = -EBUSY;
	} else {
		snprintf(engine_id, 72, "%s", obj->rec.engine_id);
		*tty = obj->spec && obj->spec->cfg->tty;
		*stdin_open = obj->spec && obj->spec->cfg->stdin_open;
	}
	zf_registry_unlock(d->reg);
	return r;
}

int zf_session_attach(struct zf_daemon *d, const char *uuid, unsigned uid, bool with_stdin,
		      zf_session_wake_cb wake, void *wake_data, struct zf_session **ret_session,
		      char *reason, size_t reason_size)
{
	struct zf_err err = { { 0 } };
	struct zf_session *s = NULL;
	char id[72], scratch[8];
	bool tty = false, stdin_open = false;
	int r;

	if (!reason) {
		reason = scratch;
		reason_size = sizeof(scratch);
	}
	r = container_facts(d, uuid, id, &tty, &stdin_open, reason, reason_size);
	if (r < 0)
		return r;
	if (with_stdin && !stdin_open) {
		snprintf(reason, reason_size,
			 "tty: the container's stdin is closed (stdin_open: false); open it read-only");
		return -EACCES;
	}
	r = session_new(d, uid, wake, wake_data, &s, reason, reason_size);
	if (r < 0)
		return r;
	s->tty = tty;
	r = d->engine->ops->container_attach(d->engine, id, with_stdin, tty, &s->stream, &err);
	if (r < 0) {
		snprintf(reason, reason_size, "tty: %s", err.msg);
		goto fail;
	}
	/* The engine attaches to a container that has stopped too (and ends the
	 * stream at once, after taking whatever is written): the status zunfs
	 * holds may be behind the engine's, so ask, and correct it. */
	{
		struct zf_container_state st;

		r = d->engine->ops->container_inspect(d->engine, id, &st, &err);
		if (r < 0) {
			snprintf(reason, reason_size, "tty: %s", err.msg);
			goto fail;
		}
		if (strcmp(st.status, "running") != 0) {
			zf_lifecycle_apply_state(d, uuid, &st, false);
			snprintf(reason, reason_size, "tty: the container is %s, not running",
				 st.status);
			r = -EBUSY;
			goto fail;
		}
	}
	r = start_pump(s);
	if (r < 0)
		goto fail;
	*ret_session = s;
	return 0;
fail:
	zf_session_free(s);
	return r;
}

int zf_session_exec(struct zf_daemon *d, const char *uuid, unsigned uid, const char *cmdline,
		    zf_session_wake_cb wake, void *wake_data, struct zf_session **ret_session,
		    char *reason, size_t reason_size)
{
	struct zf_err err = { { 0 } };
	struct zf_session *s = NULL;
	struct zf_exec_line line;
	char id[72], scratch[8];
	bool ctty = false, stdin_open = false;
	int r;

	if (!reason) {
		reason = scratch;
		reason_size = sizeof(scratch);
	}
	r = container_facts(d, uuid, id, &ctty, &stdin_open, reason, reason_size);
	if (r < 0)
		return r;
	r = zf_exec_parse(cmdline, &line, reason, reason_size);
	if (r < 0)
		return r;
	r = session_new(d, uid, wake, wake_data, &s, reason, reason_size);
	if (r < 0)
		goto fail;
	s->tty = line.tty;
	s->exec_trailer = !line.tty;
	r = d->engine->ops->exec_create(d->engine, id, line.args, line.tty, line.with_stdin,
					&s->exec_id, &err);
	if (r == 0)
		r = d->engine->ops->exec_start(d->engine, s->exec_id, line.tty, &s->stream, &err);
	if (r < 0) {
		snprintf(reason, reason_size, "exec: %s", err.msg);
		goto fail;
	}
	if (!line.with_stdin)
		zf_stream_close_write(s->stream);
	r = start_pump(s);
	if (r < 0)
		goto fail;
	zf_exec_line_free(&line);
	*ret_session = s;
	return 0;
fail:
	zf_exec_line_free(&line);
	zf_session_free(s);
	return r;
}

ssize_t zf_session_read(struct zf_session *s, char *buf, size_t size, int timeout_ms)
{
	struct timespec t;
	size_t n = 0;

	zf_deadline_ms(&t, timeout_ms);
	pthread_mutex_lock(&s->lock);
	while (!s->out.len && !s->dropped && s->note_off == s->note_len && !s->eof &&
	       timeout_ms > 0)
		if (pthread_cond_timedwait(&s->more, &s->lock, &t) == ETIMEDOUT)
			break;
	if (s->dropped && s->note_off == s->note_len) {
		/* where the dropped bytes were, on a line of its own */
		s->note_len = (size_t)snprintf(s->note, sizeof(s->note),
					       "%s[zunfs: %zu bytes dropped]\n",
					       s->read_ends_line ? "" : "\n", s->dropped);
		s->note_off = 0;
		s->dropped = 0;
	}
	if (s->note_off < s->note_len) {
		n = s->note_len - s->note_off;
		if (n > size)
			n = size;
		memcpy(buf, s->note + s->note_off, n);
		s->note_off += n;
	}
	if (s->note_off == s->note_len)
		n += zf_ring_take(&s->out, buf + n, size - n);
	if (n) {
		s->read_ends_line = buf[n - 1] == '\n';
		s->stalled = false;
		pthread_cond_broadcast(&s->space);
	}
	if (n == 0 && !s->eof) {
		pthread_mutex_unlock(&s->lock);
		return -EAGAIN;
	}
	pthread_mutex_unlock(&s->lock);
	return (ssize_t)n;
}

ssize_t zf_session_write(struct zf_session *s, const char *buf, size_t size, int timeout_ms)
{
	bool eof;

	pthread_mutex_lock(&s->lock);
	eof = s->eof;
	pthread_mutex_unlock(&s->lock);
	if (eof)
		return -EPIPE;
	return zf_stream_write(s->stream, buf, size, timeout_ms);
}

bool zf_session_readable(struct zf_session *s)
{
	bool r;

	pthread_mutex_lock(&s->lock);
	r = s->out.len > 0 || s->dropped > 0 || s->note_off < s->note_len || s->eof;
	pthread_mutex_unlock(&s->lock);
	return r;
}

const char *zf_session_exec_id(struct zf_session *s)
{
	return s->exec_id;
}

bool zf_session_has_tty(struct zf_session *s)
{
	return s->tty;
}

void zf_session_free(struct zf_session *s)
{
	if (!s)
		return;
	if (s->pump_started) {
		live_remove(s);
		pthread_mutex_lock(&s->lock);
		s->closing = true; /* a pump waiting for space goes on */
		pthread_cond_broadcast(&s->space);
		pthread_mutex_unlock(&s->lock);
		zf_stream_shutdown(s->stream); /* the pump's read returns */
		pthread_join(s->pump, NULL);
	}
	zf_stream_free(s->stream);
	free(s->exec_id);
	zf_ring_release(&s->out); /* to the system, not malloc's arenas */
	zf_uidcount_give(&live_count, s->uid);
	pthread_cond_destroy(&s->more);
	pthread_cond_destroy(&s->space);
	pthread_mutex_destroy(&s->lock);
	free(s);
}
