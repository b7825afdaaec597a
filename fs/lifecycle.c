/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "engine_steps.h"
#include "health.h"
#include "jobs.h"
#include "lifecycle.h"
#include "logs.h"
#include "objects/kind_ops.h"
#include "util.h"
#include "volumes.h"

/* Tries of an engine removal before the object is given back as Error. */
#define REMOVE_TRIES 3

void zf_lifecycle_describe(const struct zf_container_state *st, enum zf_state *ret_status,
			   char *reason, size_t reason_size)
{
	enum zf_state status = zf_state_from_engine(st);

	reason[0] = '\0';
	/* the engine keeps why a start failed in State.Error: that is Zun's Error */
	if (st->error[0] && (status == ZF_STATE_CREATED || status == ZF_STATE_STOPPED)) {
		status = ZF_STATE_ERROR;
		snprintf(reason, reason_size, "%s", st->error);
	} else if (status == ZF_STATE_STOPPED || status == ZF_STATE_DEAD) {
		snprintf(reason, reason_size, "exited with code %d%s", st->exit_code,
			 st->oom_killed ? " (killed for lack of memory: OOMKilled)" : "");
	} else if (status == ZF_STATE_UNKNOWN) {
		snprintf(reason, reason_size, "the engine says '%s'", st->status);
	}
	*ret_status = status;
}

/* zunfs's ctl lines for a container whose livenessProbe failed: the grace
 * it gets before SIGKILL is docker stop's. */
#define LIVENESS_RESTART "restart 10"
#define LIVENESS_STOP "stop 10"

/* The restart policy obj's container runs under (a member's is its
 * capsule's), as engine words. Lock held. */
static const char *restart_policy_locked(struct zf_daemon *d, const struct zf_object *obj)
{
	const struct zf_object *capsule;

	if (!obj->rec.parent[0])
		return obj->spec->cfg->restart_policy;
	capsule = zf_registry_find_uuid_locked(d->reg, obj->rec.parent);
	return capsule && capsule->capsule ? capsule->capsule->restart_policy : "always";
}

/*
 * The engine's word on obj's check, kept (waking until/healthy readers when
 * it changed). When its livenessProbe failed (the engine says unhealthy
 * while it runs) and zunfs did not act on this run yet, returns the ctl
 * line that does what the kubelet would: stop it, then start it again
 * unless its restart policy is never (the engine's own policy does not
 * restart a container stopped through its API: zunfs asks for a restart).
 * The task is set here, so that nothing else starts meanwhile; the ctl job
 * ends it. reason (the engine's words for the state) gets why, while the
 * run zunfs restarted has not passed a check yet. Lock held.
 */
static const char *apply_health_locked(struct zf_daemon *d, struct zf_object *obj,
				       const struct zf_container_state *st, char *reason,
				       size_t reason_size)
{
	bool changed = strcmp(obj->health_id, st->id) != 0 ||
		       memcmp(&obj->health, &st->health, sizeof(st->health)) != 0;
	bool restart;

	if (strcmp(obj->health_id, st->id) != 0) /* another container (a new spec's) */
		obj->liveness_killed[0] = '\0';
	obj->health = st->health;
	snprintf(obj->health_id, sizeof(obj->health_id), "%s", st->id);
	if (changed)
		zf_registry_touch_locked(d->reg, obj);
	if (obj->liveness_killed[0]) {
		bool same_run = strcmp(obj->liveness_killed, st->started_at) == 0;
		size_t n = strlen(reason);

		/* the engine's words: what the run zunfs acted on became */
		if (!same_run && strcmp(st->health.status, "healthy") == 0)
			obj->liveness_killed[0] = '\0'; /* it passes again */
		else if (same_run &&
			 (strcmp(st->status, "exited") == 0 || strcmp(st->status, "dead") == 0))
			snprintf(reason + n, reason_size - n,
				 " (stopped by zunfs: its livenessProbe failed)");
		else if (!same_run && !reason[0] && strcmp(st->status, "running") == 0)
			snprintf(reason, reason_size,
				 "restarted by zunfs: its livenessProbe failed");
	}
	if (!obj->spec || !(obj->spec->check_from & ZF_CHECK_LIVENESS) ||
	    strcmp(st->status, "running") != 0 || strcmp(st->health.status, "unhealthy") != 0 ||
	    obj->rec.task_state[0] || strcmp(obj->liveness_killed, st->started_at) == 0)
		return NULL;
	snprintf(obj->liveness_killed, sizeof(obj->liveness_killed), "%s", st->started_at);
	restart = strcmp(restart_policy_locked(d, obj), "no") != 0;
	zf_registry_set_state_locked(d->reg, obj, ZF_STATE_KEEP, NULL,
				     restart ? "container_rebooting" : "container_stopping");
	return restart ? LIVENESS_RESTART : LIVENESS_STOP;
}

/* zunfs's ctl for a container whose livenessProbe failed; no lock held. */
static void liveness_act(struct zf_daemon *d, const char *uuid, const char *name,
			 const char *parent_name, const struct zf_container_state *st,
			 const char *line)
{
	size_t n;
	const char *out = zf_health_last_line(st->health.output, &n);

	syslog(LOG_NOTICE, "zunfs: %s%s%s: livenessProbe failed %d times (%.*s): %s",
	       parent_name, parent_name[0] ? "." : "", name, st->health.failing_streak, (int)n,
	       out, line);
	if (zf_jobs_submit(d->jobs, ZF_JOB_CTL, uuid, line) < 0) {
		/* no memory for the job: the task must not stay */
		zf_steps_set_state(d, uuid, ZF_STATE_KEEP, NULL, "");
	}
}

/* idle_only: a refresh's, which an operation begun since it looked owns */
void zf_lifecycle_apply_state(struct zf_daemon *d, const char *uuid,
			      const struct zf_container_state *st, bool idle_only)
{
	struct zf_object *obj;
	enum zf_state status;
	char reason[300];

	bool follow = false, tty = false, running = false;
	const char *liveness = NULL;
	char parent[ZF_UUID_LEN + 1] = "", name[ZF_NAME_MAX + 1] = "";
	char parent_name[ZF_NAME_MAX + 1] = "";

	zf_lifecycle_describe(st, &status, reason, sizeof(reason));
	zf_registry_lock(d->reg);
	obj = zf_registry_find_uuid_locked(d->reg, uuid);
	/* only the container zunfs knows as this object's: not a rebuild's old
	 * one, nor while an operation begun after the refresh looked is in flight */
	if (obj && !obj->rec.deleting && strcmp(obj->rec.engine_id, st->id) == 0 &&
	    !(idle_only && obj->rec.task_state[0])) {
		/* its process runs, or ran: its output goes to the logs file (one that
		 * ended before zunfs looked is read to its end) */
		running = strcmp(st->status, "running") == 0 || strcmp(st->status, "paused") == 0 ||
			  strcmp(st->status, "restarting") == 0;
		follow = obj->rec.kind == ZF_KIND_CONTAINER &&
			 (running || ((strcmp(st->status, "exited") == 0 ||
				       strcmp(st->status, "dead") == 0) &&
				      strncmp(st->started_at, "0001-", 5) != 0 && st->started_at[0]));
		tty = obj->spec && obj->spec->cfg->tty;
		/* a capsule member's lines also go to the capsule's logs */
		memcpy(parent, obj->rec.parent, sizeof(parent));
		memcpy(name, obj->rec.name, sizeof(name));
		memcpy(parent_name, obj->parent_name, sizeof(parent_name));
		/* inspect.json shows them: a new run in the same state is a change */
		bool times = obj->exit_code != st->exit_code ||
			     strcmp(obj->started_at, st->started_at) != 0 ||
			     strcmp(obj->finished_at, st->finished_at) != 0;

		obj->exit_code = st->exit_code;
		snprintf(obj->started_at, sizeof(obj->started_at), "%s", st->started_at);
		snprintf(obj->finished_at, sizeof(obj->finished_at), "%s", st->finished_at);
		if (times)
			zf_registry_touch_locked(d->reg, obj);
		if (obj->rec.kind == ZF_KIND_CONTAINER)
			liveness = apply_health_locked(d, obj, st, reason, sizeof(reason));
		zf_registry_engine_state_locked(d->reg, obj, status, reason);
	}
	zf_registry_unlock(d->reg);
	if (liveness)
		liveness_act(d, uuid, name, parent_name, st, liveness);
	/* jobs on one object run one at a time: no two calls for uuid race here */
	if (follow && d->logs)
		zf_logs_follow(d->logs, uuid, st->id, tty, running, st->started_at,
			       parent[0] ? parent : NULL, name);
}

void zf_lifecycle_engine_lost(struct zf_daemon *d, const char *uuid, const char *engine_id)
{
	struct zf_object *obj;

	zf_registry_lock(d->reg);
	obj = zf_registry_find_uuid_locked(d->reg, uuid);
	if (obj && !obj->rec.deleting && obj->rec.engine_id[0] &&
	    strcmp(obj->rec.engine_id, engine_id) == 0 && !obj->rec.task_state[0]) {
		obj->rec.engine_id[0] = '\0';
		zf_registry_set_state_locked(d->reg, obj, zf_object_ops(obj)->failed_state,
					     obj->refused ? NULL /* the user's refusal stays */
							  : "the container was removed from the "
							    "engine outside zunfs; write spec.yaml "
							    "again to recreate it",
					     NULL);
	}
	zf_registry_unlock(d->reg);
}

void zf_lifecycle_engine_away(struct zf_daemon *d, const char *why)
{
	char since[40];

	zf_registry_lock(d->reg);
	if (d->engine_away_since) {
		zf_registry_unlock(d->reg);
		return;
	}
	d->engine_away_since = time(NULL);
	zf_now_rfc3339(since, sizeof(since));
	snprintf(d->engine_away_reason, sizeof(d->engine_away_reason),
		 "the engine at %s does not answer since %s (%s)", d->opts.docker, since, why);
	for (struct zf_object *o = zf_registry_first_locked(d->reg); o; o = o->next) {
		if (!o->rec.engine_id[0] || o->rec.deleting)
			continue;
		/* a refusal of the user's stays (registry.h); the status says Unknown */
		zf_registry_set_state_locked(d->reg, o, ZF_STATE_UNKNOWN,
					     o->refused ? NULL : d->engine_away_reason, NULL);
	}
	zf_registry_unlock(d->reg);
	syslog(LOG_WARNING, "zunfs: %s", d->engine_away_reason);
}

void zf_lifecycle_engine_back(struct zf_daemon *d)
{
	zf_registry_lock(d->reg);
	if (d->engine_away_since) {
		syslog(LOG_NOTICE, "zunfs: the engine at %s answers again", d->opts.docker);
		/* objects the engine holds are read again by the caller; the others
		 * (refused with EIO before they had a container) lose the word */
		for (struct zf_object *o = zf_registry_first_locked(d->reg); o; o = o->next)
			if (!o->rec.engine_id[0] &&
			    strcmp(o->rec.status_reason, d->engine_away_reason) == 0)
				zf_registry_set_state_locked(d->reg, o, ZF_STATE_KEEP, "", NULL);
	}
	d->engine_away_since = 0;
	d->engine_away_reason[0] = '\0';
	zf_registry_unlock(d->reg);
}


/* rmdir: the object's log, and its members' if it is a capsule. */
static void forget_logs(struct zf_daemon *d, const char *uuid)
{
	char (*members)[ZF_UUID_LEN + 1] = NULL;
	size_t n = 0;

	zf_registry_lock(d->reg);
	for (struct zf_object *o = zf_registry_first_locked(d->reg); o; o = o->next) {
		void *a;

		if (strcmp(o->rec.parent, uuid) != 0 || !(a = realloc(members, (n + 1) * sizeof(*members))))
			continue;
		members = a;
		memcpy(members[n++], o->rec.uuid, sizeof(*members));
	}
	zf_registry_unlock(d->reg);
	for (size_t i = 0; i < n; i++)
		zf_logs_forget(d->logs, members[i]);
	zf_logs_forget(d->logs, uuid);
	free(members);
}

static int delete_object(struct zf_daemon *d, const char *uuid)
{
	struct zf_err err = { { 0 } };
	struct zf_snapshot snap;
	struct zf_object *obj;
	int r = 0;

	r = zf_snapshot_take(d, uuid, &snap);
	if (r < 0)
		return r;
	for (int i = 0; i < REMOVE_TRIES; i++) {
		r = zf_kind_ops(snap.kind, snap.parent[0])->remove(d, &snap, &err);
		if (r == 0)
			break;
		sleep(1);
	}
	if (r == 0 && d->logs)
		forget_logs(d, uuid);
	zf_registry_lock(d->reg);
	obj = zf_registry_find_uuid_locked(d->reg, uuid);
	if (obj && r == 0) {
		r = zf_registry_remove_locked(d->reg, obj);
	} else if (obj && r == -EOPNOTSUPP &&
		   (snap.kind == ZF_KIND_VOLUME || snap.kind == ZF_KIND_CAPSULE)) {
		/* a volume driver is not configured in this mount (-o cinder= left
		 * out): the removal stays pending, hidden as rmdir left it, for a
		 * start that has the driver (reconcile's DELETE); never given back
		 * to be attached again */
		syslog(LOG_WARNING, "zunfs: %s/%s: rmdir waits for a mount with its volume driver: %s",
		       zf_kind_dir(snap.kind), snap.name, err.msg);
		fprintf(stderr, "zunfs: %s/%s: rmdir waits for a mount with its volume driver: %s\n",
			zf_kind_dir(snap.kind), snap.name, err.msg);
		zf_registry_set_state_locked(d->reg, obj, ZF_STATE_KEEP,
					     "rmdir waits for a mount with its volume driver", "");
	} else if (obj) {
		char reason[ZF_ERR_MSG_MAX + 64];

		syslog(LOG_WARNING, "zunfs: cannot remove %s/%s: %s", zf_kind_dir(snap.kind),
		       snap.name, err.msg);
		/* a volume driver's words name their backend (Cinder: ...) */
		snprintf(reason, sizeof(reason), "rmdir failed%s: %s",
			 snap.kind == ZF_KIND_VOLUME ? "" : ", the engine said", err.msg);
		/* give the name back if nobody took it, so the user sees why */
		if (!zf_registry_find_locked(d->reg, obj->rec.kind, obj->rec.name))
			obj->rec.deleting = false;
		zf_registry_set_state_locked(d->reg, obj, ZF_STATE_ERROR, reason, "");
		zf_volumes_recount_locked(d->reg); /* back, with what it uses */
	}
	zf_registry_unlock(d->reg);
	zf_snapshot_clear(&snap);
	return r;
}


int zf_lifecycle_run(struct zf_daemon *d, enum zf_job_op op, const char *uuid, const char *arg)
{
	const struct zf_kind_ops *ops;
	struct zf_snapshot snap;
	int r;

	if (op == ZF_JOB_DELETE)
		return delete_object(d, uuid);
	r = zf_snapshot_take(d, uuid, &snap);
	if (r < 0)
		return r;
	ops = zf_kind_ops(snap.kind, snap.parent[0]);
	switch (op) {
	case ZF_JOB_LAUNCH:
		r = ops->launch(d, uuid, arg ? arg : "");
		break;
	case ZF_JOB_CTL:
		r = ops->ctl ? ops->ctl(d, uuid, arg) : -EOPNOTSUPP;
		break;
	case ZF_JOB_REFRESH:
		/* An operation in flight owns the state and reads the engine at its
		 * end: a refresh queued before it (an event of the container it
		 * replaces) would say Running of the old one while a rebuild is
		 * under way. */
		if (zf_steps_task_in_flight(d, uuid)) {
			r = 0;
			break;
		}
		/* it writes what the engine says, which reconcile reads again after a
		 * crash: no fsync (docs/design.md, "Where state lives") */
		zf_store_thread_durable(false);
		r = ops->refresh(d, &snap);
		zf_store_thread_durable(true);
		break;
	default:
		r = -EINVAL;
	}
	zf_snapshot_clear(&snap);
	return r;
}

int zf_lifecycle_work(void *d, int op, const char *uuid, const char *arg)
{
	return zf_lifecycle_run(d, (enum zf_job_op)op, uuid, arg);
}
