/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "jobs.h"
#include "lifecycle.h"
#include "session.h"
#include "watcher.h"

/* While the engine is away: how often to look for it. */
#define AWAY_RETRY_MS 500
/* While it is there: how often to ask whether it still answers. Its event
 * stream alone does not tell: a stopping dockerd closes its API at once but
 * keeps that stream (and attaches) open until its containers have stopped,
 * ten seconds or more later. */
#define PING_MS 1000
/* An engine that refuses a ping, or does not answer one within this long,
 * is away; a slow one that answers within it is not (a ping that took 5 s
 * made every object flap Unknown and back, ending every tty and exec). */
#define AWAY_AFTER_S 10

struct zf_watcher {
	struct zf_daemon *d;
	pthread_t thread, pinger;
	bool pinger_started;
	volatile bool stop;
	volatile bool stream_end; /* end the current event stream: stop, or engine away */
	bool was_connected;
	int backoff; /* seconds before the next reconnect */
};

/* Queues a refresh of every object that has an engine container. */
static void resync_all(struct zf_daemon *d)
{
	char (*uuids)[ZF_UUID_LEN + 1] = NULL;
	size_t n = 0, cap = 0;

	zf_registry_lock(d->reg);
	for (struct zf_object *o = zf_registry_first_locked(d->reg); o; o = o->next) {
		/* a capsule's members follow the capsule's refresh */
		if (!o->rec.engine_id[0] || o->rec.deleting || o->rec.parent[0])
			continue;
		if (n == cap) {
			void *a = realloc(uuids, (cap = cap ? cap * 2 : 32) * sizeof(*uuids));

			if (!a)
				break;
			uuids = a;
		}
		memcpy(uuids[n++], o->rec.uuid, sizeof(*uuids));
	}
	zf_registry_unlock(d->reg);
	for (size_t i = 0; i < n; i++)
		zf_jobs_submit(d->jobs, ZF_JOB_REFRESH, uuids[i], NULL);
	free(uuids);
}

static void on_connected(void *userdata)
{
	struct zf_watcher *w = userdata;
	struct zf_daemon *d = w->d;
	char *version = NULL;

	if (w->was_connected)
		syslog(LOG_NOTICE, "zunfs: engine event stream back");
	w->was_connected = true;
	w->backoff = 1;
	/* back only once it answers pings again, not as its event stream
	 * comes (a stopping dockerd keeps it while its API is closed) */
	if (zf_watcher_engine_away(d) &&
	    d->engine->ops->ping(d->engine, AWAY_AFTER_S, NULL) < 0) {
		w->stream_end = true;
		return;
	}
	zf_lifecycle_engine_back(d);
	if (d->engine->ops->version(d->engine, &version, NULL) == 0) {
		zf_registry_lock(d->reg);
		free(d->engine_version);
		d->engine_version = version;
		zf_registry_unlock(d->reg);
	}
	resync_all(d);
}

static int on_event(const struct zf_engine_event *ev, void *userdata)
{
	struct zf_watcher *w = userdata;

	if (!ev->uuid[0])
		return 0;
	if (strcmp(ev->action, "destroy") == 0) {
		zf_lifecycle_engine_lost(w->d, ev->uuid, ev->id);
		/* a capsule member gone: the capsule's status follows */
		zf_jobs_submit(w->d->jobs, ZF_JOB_REFRESH, ev->uuid, NULL);
		return 0;
	}
	/* exec, attach, resize, top...: no change of state */
	if (strncmp(ev->action, "exec", 4) == 0 || strcmp(ev->action, "attach") == 0 ||
	    strcmp(ev->action, "resize") == 0 || strcmp(ev->action, "top") == 0 ||
	    strcmp(ev->action, "detach") == 0 || strcmp(ev->action, "commit") == 0)
		return 0;
	/* the event says what happened; the engine's inspect says where it left the
	 * container (e.g. "die" under a restart policy is followed by Restarting) */
	zf_jobs_submit(w->d->jobs, ZF_JOB_REFRESH, ev->uuid, NULL);
	return 0;
}

/* Is the engine there at all? Not answering is away: every object it holds
 * turns Unknown, the streams to it end, and the event stream is left for a
 * new one once it answers. */
static void engine_check(struct zf_watcher *w)
{
	struct zf_daemon *d = w->d;
	struct zf_err err = { { 0 } };

	if (d->engine->ops->ping(d->engine, AWAY_AFTER_S, &err) == 0)
		return;
	w->stream_end = true;
	zf_lifecycle_engine_away(d, err.msg[0] ? err.msg : "no answer");
	zf_sessions_end_all();
}

static void *pinger_main(void *arg)
{
	struct zf_watcher *w = arg;

	while (!w->stop) {
		for (int i = 0; i < PING_MS / 100 && !w->stop; i++)
			usleep(100 * 1000);
		/* while away, the event stream's reconnects look for it */
		if (!w->stop && !zf_watcher_engine_away(w->d))
			engine_check(w);
	}
	return NULL;
}

bool zf_watcher_engine_away(struct zf_daemon *d)
{
	bool away;

	zf_registry_lock(d->reg);
	away = d->engine_away_since != 0;
	zf_registry_unlock(d->reg);
	return away;
}

static void *watcher_main(void *arg)
{
	struct zf_watcher *w = arg;
	struct zf_daemon *d = w->d;
	w->backoff = 1;
	while (!w->stop) {
		struct zf_err err = { { 0 } };
		int r;

		w->stream_end = w->stop;
		r = d->engine->ops->events_follow(d->engine, zf_store_instance(d->store), on_event,
						  on_connected, w, &w->stream_end, &err);
		if (w->stop)
			break;
		if (w->backoff == 1)
			syslog(LOG_WARNING, "zunfs: engine event stream: %s (%d); retrying", err.msg,
			       r);
		if (!zf_watcher_engine_away(d))
			engine_check(w);
		/* sleep in small steps so unmount is not held up; while the engine is
		 * away, look again twice a second so objects reconverge soon after
		 * it is back */
		int steps = zf_watcher_engine_away(d) ? AWAY_RETRY_MS / 100 : w->backoff * 10;

		for (int i = 0; i < steps && !w->stop; i++)
			usleep(100 * 1000);
		w->backoff = w->backoff < 8 ? w->backoff * 2 : 8;
	}
	return NULL;
}

int zf_watcher_start(struct zf_daemon *d, struct zf_watcher **ret_watcher)
{
	struct zf_watcher *w = calloc(1, sizeof(*w));

	if (!w)
		return -ENOMEM;
	w->d = d;
	if (pthread_create(&w->thread, NULL, watcher_main, w) != 0) {
		free(w);
		return -EAGAIN;
	}
	w->pinger_started = pthread_create(&w->pinger, NULL, pinger_main, w) == 0;
	if (!w->pinger_started)
		syslog(LOG_WARNING, "zunfs: no thread to watch the engine: an engine that "
				    "stops shows only when its event stream ends");
	*ret_watcher = w;
	return 0;
}

void zf_watcher_stop(struct zf_watcher *w)
{
	if (!w)
		return;
	w->stop = true;
	w->stream_end = true;
	pthread_join(w->thread, NULL);
	if (w->pinger_started)
		pthread_join(w->pinger, NULL);
	free(w);
}
