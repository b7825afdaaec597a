/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "engine_steps.h"
#include "jobs.h"
#include "lifecycle.h"
#include "reconcile.h"
#include "objects/volume.h"

static const struct zf_container_summary *find_uuid(const struct zf_container_summary *list,
						    int n, const char *uuid, bool capsule)
{
	/* the object's own container, not its private sandbox; a capsule's is its sandbox */
	for (int i = 0; i < n; i++)
		if (strcmp(list[i].uuid, uuid) == 0 &&
		    strcmp(zf_steps_role(&list[i]), capsule ? "sandbox" : "") == 0)
			return &list[i];
	return NULL;
}

/* Decides, under the lock, what one record needs; returns the job (or -1: none). */
static int plan_locked(struct zf_daemon *d, struct zf_object *o,
		       const struct zf_container_summary *list, int n)
{
	const struct zf_container_summary *c =
		find_uuid(list, n, o->rec.uuid, o->rec.kind == ZF_KIND_CAPSULE);

	if (o->rec.kind == ZF_KIND_VOLUME) {
		/* an engine volume: no container; DELETE, LAUNCH (the engine makes a
		 * volume of a taken name idempotently) or REFRESH finish the job */
		if (o->rec.deleting)
			return ZF_JOB_DELETE;
		if (o->rec.status == ZF_STATE_CREATING)
			return ZF_JOB_LAUNCH;
		if (o->rec.task_state[0])
			zf_registry_set_state_locked(d->reg, o, ZF_STATE_KEEP, NULL, "");
		return o->rec.engine_id[0] ? ZF_JOB_REFRESH : -1;
	}
	if (o->rec.parent[0]) {
		/* a capsule's member follows the capsule's refresh; one added by mkdir
		 * whose launch was cut short is launched again */
		if (o->rec.added && o->rec.spec[0] &&
		    (o->rec.status == ZF_STATE_CREATING || o->rec.status == ZF_STATE_REBUILDING))
			return ZF_JOB_LAUNCH;
		return -1;
	}
	if (o->rec.deleting)
		return ZF_JOB_DELETE;
	/* a container made just before a crash, whose id was not stored yet */
	if (!o->rec.engine_id[0] && c) {
		snprintf(o->rec.engine_id, sizeof(o->rec.engine_id), "%s", c->id);
		zf_registry_persist_locked(d->reg, o);
	}
	/* a launch cut short (a capsule's too): done again from the start */
	if (o->rec.status == ZF_STATE_CREATING || o->rec.status == ZF_STATE_REBUILDING ||
	    o->rec.status == ZF_STATE_PENDING || o->rec.status == ZF_STATE_STARTING)
		return o->rec.spec[0] ? ZF_JOB_LAUNCH : -1; /* resumed from scratch */
	/* a running capsule with a task: an upgrade a crash cut short. Its new
	 * spec was never stored; the refresh removes what it made */
	if (o->rec.kind == ZF_KIND_CAPSULE && o->rec.task_state[0] &&
	    o->rec.status == ZF_STATE_RUNNING)
		zf_registry_set_state_locked(d->reg, o, ZF_STATE_KEEP,
					     "an upgrade was cut short (zunfs stopped); the "
					     "previous capsule runs: write spec.yaml again",
					     "");
	if (o->rec.task_state[0]) /* an operation cut short: the engine says how it ended */
		zf_registry_set_state_locked(d->reg, o, ZF_STATE_KEEP, NULL, "");
	if (!o->rec.engine_id[0])
		return -1;
	if (!c) {
		o->rec.engine_id[0] = '\0';
		zf_registry_set_state_locked(d->reg, o,
					     o->rec.kind == ZF_KIND_CAPSULE ? ZF_STATE_FAILED
									     : ZF_STATE_ERROR,
					     "the container was removed from the engine while "
					     "zunfs was not running; write spec.yaml again to "
					     "recreate it",
					     NULL);
		return -1;
	}
	return ZF_JOB_REFRESH;
}

int zf_reconcile(struct zf_daemon *d)
{
	struct zf_container_summary *list = NULL;
	struct zf_err err = { { 0 } };
	struct {
		char uuid[ZF_UUID_LEN + 1];
		int op;
	} *plan = NULL;
	size_t np = 0, cap = 0;
	bool *orphan;
	int n;

	/* the volume backends' half-done work first: it needs no engine */
	zf_volume_jobs_recover(d);
	n = d->engine->ops->container_list(d->engine, zf_store_instance(d->store), &list, &err);
	if (n < 0) {
		fprintf(stderr, "zunfs: cannot list the engine's containers: %s\n", err.msg);
		return n;
	}
	zf_registry_lock(d->reg);
	for (struct zf_object *o = zf_registry_first_locked(d->reg); o; o = o->next) {
		int op = plan_locked(d, o, list, n);

		if (op < 0)
			continue;
		if (np == cap) {
			void *a = realloc(plan, (cap = cap ? cap * 2 : 32) * sizeof(*plan));

			if (!a)
				break;
			plan = a;
		}
		memcpy(plan[np].uuid, o->rec.uuid, sizeof(plan[np].uuid));
		plan[np++].op = op;
	}
	/* engine containers of this instance that no record owns were half-made */
	orphan = calloc((size_t)n + 1, sizeof(*orphan));
	for (int i = 0; orphan && i < n; i++)
		orphan[i] = !list[i].uuid[0] || !zf_registry_find_uuid_locked(d->reg, list[i].uuid);
	zf_registry_unlock(d->reg);

	for (int i = 0; orphan && i < n; i++) {
		if (!orphan[i])
			continue;
		syslog(LOG_NOTICE, "zunfs: removing engine container %.12s (%s): no record owns it",
		       list[i].id, list[i].name);
		fprintf(stderr, "zunfs: removing engine container %.12s (%s): no record owns it\n",
			list[i].id, list[i].name);
		d->engine->ops->container_remove(d->engine, list[i].id, true, NULL);
	}
	zf_volume_jobs_orphans(d);
	for (size_t i = 0; i < np; i++)
		zf_jobs_submit(d->jobs, (enum zf_job_op)plan[i].op, plan[i].uuid, NULL);
	free(orphan);
	free(plan);
	free(list);
	return 0;
}
