/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Follows the engine's event stream so that what happens behind zunfs's back
 * (docker stop, kill, pause, rm, a crash) shows in `status` within moments,
 * without any engine call on a read. On every (re)connect it re-reads the
 * state of every object, so events missed while disconnected are not lost.
 * When the stream breaks and the engine does not answer, the engine is away
 * (zf_lifecycle_engine_away: objects Unknown, tty/exec streams ended) until
 * the stream is back, looked for twice a second.
 */
#pragma once

#include "daemon.h"

struct zf_watcher;

int zf_watcher_start(struct zf_daemon *d, struct zf_watcher **ret_watcher);
void zf_watcher_stop(struct zf_watcher *w);

/* Whether the engine is away now (takes the registry lock). */
bool zf_watcher_engine_away(struct zf_daemon *d);
