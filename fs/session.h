/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One open of `tty` (an attach) or of `exec` (a command run in the container):
 * an engine stream and a pump thread that drains it into a bounded buffer,
 * so a reader that stops never blocks the engine, the daemon or other
 * readers. When the buffer (ZF_SESSION_BUF) is full, the pump waits while the
 * reader keeps taking output, so an active reader loses nothing; once the
 * reader has taken nothing for 200 ms the oldest output is dropped, and the
 * reader gets a "[zunfs: N bytes dropped]" line where it was. Such notes and
 * an exec's "[exit N]" always stand on lines of their own. No FUSE here.
 *
 * Shares: a uid has at most d->opts.max_sessions live sessions at once (an
 * open of `tty` or a started `exec`, from attach/exec until
 * zf_session_free; 0: no cap; root has none); past it attach and exec fail
 * with -EMFILE. Memory: the buffer starts at ZF_RING_MIN (64 KiB), doubles
 * up to ZF_SESSION_BUF as output waits for the reader, and is unmapped at
 * zf_session_free (ring.h); each pump thread has a 256 KiB stack.
 *
 * Locks: a session's own lock, then nothing; the live list's lock and the
 * per-uid count's lock are leaves. The wake callback is called with no
 * lock of the session held.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "daemon.h"

/* Bytes of output held for the reader at most (a power of two). */
#define ZF_SESSION_BUF (1u << 20)

struct zf_session;

/* Called by the pump (any thread) when there is something new to read. */
typedef void (*zf_session_wake_cb)(void *userdata);

/*
 * Attaches to the container uuid for uid (whose share of sessions it
 * takes). with_stdin: writes go to its stdin (-EACCES when the spec has
 * stdin_open false). -EBUSY when it is not running; -EMFILE when uid holds
 * max_sessions. reason (may be NULL) says why on failure.
 */
int zf_session_attach(struct zf_daemon *d, const char *uuid, unsigned uid, bool with_stdin,
		      zf_session_wake_cb wake, void *wake_data, struct zf_session **ret_session,
		      char *reason, size_t reason_size);

/*
 * Runs a command line in the container for uid: words split like a
 * shell's; a leading "-i " attaches its stdin (later writes), "-t " gives
 * it a tty too. Without a tty, "[exit N]" ends the output. -EBUSY when not
 * running; -EMFILE when uid holds max_sessions (as zf_session_attach).
 */
int zf_session_exec(struct zf_daemon *d, const char *uuid, unsigned uid, const char *cmdline,
		    zf_session_wake_cb wake, void *wake_data, struct zf_session **ret_session,
		    char *reason, size_t reason_size);

/* Output: waits up to timeout_ms (0: not at all, never blocks) for some;
 * 0 at the end, -EAGAIN when nothing came in time. */
ssize_t zf_session_read(struct zf_session *s, char *buf, size_t size, int timeout_ms);
/* To stdin: -EPIPE once the stream is gone, -EAGAIN if it did not take the
 * bytes within timeout_ms. */
ssize_t zf_session_write(struct zf_session *s, const char *buf, size_t size, int timeout_ms);
bool zf_session_readable(struct zf_session *s);
/* An exec session's engine id (for resize), or NULL. */
const char *zf_session_exec_id(struct zf_session *s);
bool zf_session_has_tty(struct zf_session *s);
/* Ends every live session's engine stream (the engine went away): readers
 * get EOF, writers EPIPE. */
void zf_sessions_end_all(void);
void zf_session_free(struct zf_session *s);
