/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The `logs` file: each container's output, kept in STATE/logs/UUID.log so it
 * is a regular file with a real size that grows (cat ends; tail -f follows)
 * and survives restarts and remounts. A follower thread per running
 * container appends what the engine streams, resuming after the last time
 * it wrote, so nothing is written twice and nothing is missed. Reads are pread()s of the file:
 * large logs are never loaded whole.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "daemon.h"

struct zf_logs;

/* dir is made if absent. */
int zf_logs_new(struct zf_daemon *d, const char *dir, struct zf_logs **ret_logs);
/* Stops every follower (each within about a second). */
void zf_logs_free(struct zf_logs *l);

/*
 * Makes sure a follower appends the container's output (idempotent); to be
 * called at each change of the container's state (every run of a restart
 * policy's, however short, is then read to its end). For a container that
 * is not running (running false), once per run (started_at, the engine's
 * StartedAt): what it wrote up to its end. A capsule member's (merge_uuid:
 * the capsule's) also goes to the capsule's log, each line prefixed
 * "[prefix] ". A new engine_id for uuid (a rebuilt or upgraded container)
 * is followed from its start.
 */
void zf_logs_follow(struct zf_logs *l, const char *uuid, const char *engine_id, bool tty,
		    bool running, const char *started_at, const char *merge_uuid,
		    const char *prefix);
/* rmdir: stops the follower and deletes the log. */
void zf_logs_forget(struct zf_logs *l, const char *uuid);
/* The log file's path (it may not exist yet: then the log is empty). */
void zf_logs_path(struct zf_logs *l, const char *uuid, char *buf, size_t size);
