/* SPDX-License-Identifier: Apache-2.0 */
/* Everything one mounted zunfs holds; reached from FUSE as private_data. */
#pragma once

#include <stdatomic.h>
#include <stdbool.h>
#include <sys/types.h>
#include <time.h>

#include "../backend/engine.h"
#include "eventlog.h"
#include "options.h"
#include "registry.h"
#include "store.h"
#include "volume_drivers.h"

struct zf_jobs;
struct zf_tempfiles;
struct zf_logs;
struct zf_watcher;

struct zf_daemon {
	struct zf_options opts;
	struct zf_engine *engine;
	struct zf_volume_drivers volume_drivers; /* by a spec's driver: word; made with engine */
	struct zf_store *store;
	struct zf_eventlog *events;
	struct zf_registry *reg;
	struct zf_jobs *jobs;
	struct zf_watcher *watcher;
	struct zf_tempfiles *temps; /* spec.yaml replacements being written */
	struct zf_logs *logs; /* followers of the containers' output */
	char *engine_version; /* protected by the registry lock; refreshed on reconnect */
	/* Since when the engine does not answer (0: it does) and why, in the
	 * words status_reason shows; protected by the registry lock. Set by the
	 * watcher when its stream breaks and the engine does not answer, cleared
	 * when the stream is back (zf_lifecycle_engine_away/_back). */
	time_t engine_away_since;
	char engine_away_reason[400];
	time_t started_at; /* times of the directories that are not objects */
	/* the kernel caches attributes and the rendered files' pages
	 * (fs/fuse/cache.c); not with allow_other */
	bool kernel_cache;
	uid_t mount_uid;
	gid_t mount_gid;
	/* Set once when zunfs is told to stop (a signal, or its mount gone by a
	 * lazy unmount): every blocking read ends within a wait slice (EOF, or
	 * ENOTCONN for until/), so the FUSE loop's workers can be joined. */
	atomic_bool stopping;
};
