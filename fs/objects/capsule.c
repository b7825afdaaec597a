/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Capsules (Zun's capsule spec, Kubernetes' Pod) and their members: a
 * sandbox, init containers in order, then the members, all labelled with
 * the capsule's uuid and a generation (the sandbox's id). A new spec for a
 * running capsule is an upgrade: the new generation beside the old, the
 * old removed once the new runs, or the new removed (rollback). Members
 * added by mkdir join the generation in force.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../capsule_state.h"
#include "../jobs.h"
#include "../lifecycle.h"
#include "../logs.h"
#include "../util.h"
#include "../volume_drivers.h"
#include "../volumes.h"
#include "apply.h"
#include "kind_ops.h"

static int refresh_capsule(struct zf_daemon *d, const char *uuid);

/*
 * A capsule's spec: validated whole, then launched (or relaunched: a new
 * spec for a launched capsule replaces it; see docs for what is not done).
 */
static int apply_capsule_spec(struct zf_daemon *d, const char *uuid, const char *text, size_t len,
			      unsigned uid)
{
	struct zf_capsule_spec *c = NULL;
	struct zf_spec_error e = { 0 };
	struct zf_object *obj;
	char reason[400], host[256] = "";
	int r;

	r = zf_spec_parse_capsule(text, len, &c, &e);
	zf_registry_lock(d->reg);
	r = zf_apply_parsed_target_locked(d, uuid, r, &e, &obj);
	if (r < 0)
		goto out;
	gethostname(host, sizeof(host) - 1);
	if (c->host_selector && strcmp(c->host_selector, host) != 0 &&
	    strcmp(c->host_selector, "localhost") != 0) {
		snprintf(reason, sizeof(reason),
			 "spec.yaml: hostSelector: '%s' is not this host (%s); there is one host",
			 c->host_selector, host);
		r = zf_apply_refuse_locked(d, obj, -EINVAL, reason);
		goto out;
	}
	for (size_t i = 0; i < c->n_volumes; i++) {
		const struct zf_capsule_volume *v = &c->volumes[i];
		const struct zf_object *other;

		if (v->empty_dir)
			continue; /* made with the capsule (make_empty_dirs) */
		if (!v->zunfs_volume) {
			/* a valid entry of a driver that may not be configured */
			r = zf_volume_drivers_check(&d->volume_drivers, "cinder", v->line, v->name,
						    reason, sizeof(reason));
			if (r < 0) {
				r = zf_apply_refuse_locked(d, obj, r, reason);
				goto out;
			}
			if (v->cinder_id &&
			    (other = zf_cinder_holder_locked(d->reg, v->cinder_id, uuid))) {
				/* this host attaches a Cinder volume once, for one holder */
				snprintf(reason, sizeof(reason),
					 "spec.yaml: line %d: volumes: '%s': Cinder volume %s is "
					 "already %s %s's",
					 v->line, v->name, v->cinder_id, zf_kind_word(other->rec.kind),
					 other->rec.name);
				r = zf_apply_refuse_locked(d, obj, -EBUSY, reason);
				goto out;
			}
			continue; /* made by the capsule's launch (make_cinder_volumes) */
		}
		if (!zf_apply_find_visible_locked(d, ZF_KIND_VOLUME, v->zunfs_volume, uid)) {
			snprintf(reason, sizeof(reason),
				 "spec.yaml: line %d: volumes: '%s': no volume named '%s'", v->line,
				 v->name, v->zunfs_volume);
			r = zf_apply_refuse_locked(d, obj, -EINVAL, reason);
			goto out;
		}
	}
	r = zf_apply_busy_or_same_locked(d, obj, text, len, ZF_STATE_FAILED);
	if (r != 0) {
		r = r > 0 ? 0 : r;
		goto out;
	}
	if (obj->rec.status == ZF_STATE_RUNNING && obj->rec.engine_id[0]) {
		/* an upgrade: the new spec is launched beside the old, and is stored
		 * only once it runs (a crash meanwhile keeps the old one whole) */
		free(obj->pending_spec);
		obj->pending_spec = strndup(text, len);
		r = obj->pending_spec ? 0 : -ENOMEM;
		zf_capsule_spec_free(obj->pending_capsule);
		obj->pending_capsule = TAKE_PTR(c);
		if (r == 0)
			r = zf_registry_set_state_locked(d->reg, obj, ZF_STATE_KEEP, "",
							 "capsule_upgrading");
		zf_volumes_recount_locked(d->reg);
		if (r == 0)
			r = zf_jobs_submit(d->jobs, ZF_JOB_LAUNCH, uuid, "upgrade");
		goto out;
	}
	r = zf_apply_store_spec_locked(obj, text, len);
	if (r == 0) {
		zf_capsule_spec_free(obj->capsule);
		obj->capsule = TAKE_PTR(c);
		r = zf_registry_set_state_locked(d->reg, obj, ZF_STATE_PENDING, "",
						 "capsule_creating");
	}
	zf_volumes_recount_locked(d->reg);
	if (r == 0)
		r = zf_jobs_submit(d->jobs, ZF_JOB_LAUNCH, uuid, NULL);
out:
	zf_registry_unlock(d->reg);
	zf_capsule_spec_free(c);
	return r;
}


/*
 * A member's spec.yaml. Those of the capsule's spec change with it (EPERM);
 * one added by mkdir is launched into the running capsule's sandbox, like
 * `zun run --capsule`, or rebuilt there when written again.
 */
static int apply_member_spec(struct zf_daemon *d, const char *uuid, const char *text, size_t len,
			     unsigned uid)
{
	struct zf_container_spec *spec = NULL;
	struct zf_spec_error e = { 0 };
	struct zf_object *obj, *capsule;
	char reason[400], *name = NULL;
	int r;

	enum zf_memory_unit unit = ZF_MEMORY_BYTES;

	(void)uid; /* it joins its capsule, which is uid's */
	zf_registry_lock(d->reg);
	obj = zf_registry_find_uuid_locked(d->reg, uuid);
	if (obj)
		unit = zf_registry_member_unit_locked(d->reg, obj);
	zf_registry_unlock(d->reg);
	r = zf_spec_parse_member(text, len, unit, &spec, &name, &e);
	zf_registry_lock(d->reg);
	obj = zf_registry_find_uuid_locked(d->reg, uuid);
	if (obj && !obj->rec.deleting && zf_apply_spec_writable_locked(d, obj) < 0) {
		r = -EPERM;
		goto out;
	}
	r = zf_apply_parsed_target_locked(d, uuid, r, &e, &obj);
	if (r < 0)
		goto out;
	if (name && strcmp(name, obj->rec.name) != 0) {
		snprintf(reason, sizeof(reason),
			 "spec.yaml: name: '%s' is not this container's name (%s)", name,
			 obj->rec.name);
		r = zf_apply_refuse_locked(d, obj, -EINVAL, reason);
		goto out;
	}
	if (spec->n_mounts) {
		snprintf(reason, sizeof(reason),
			 "spec.yaml: volumeMounts: a capsule's volumes are declared in its spec.yaml");
		r = zf_apply_refuse_locked(d, obj, -EINVAL, reason);
		goto out;
	}
	capsule = zf_registry_find_uuid_locked(d->reg, obj->rec.parent);
	if (!capsule || capsule->rec.deleting || capsule->rec.status != ZF_STATE_RUNNING ||
	    capsule->rec.task_state[0] || !capsule->rec.engine_id[0]) {
		snprintf(reason, sizeof(reason),
			 "spec.yaml: containers are added to a Running capsule; capsules/%s is %s%s%s",
			 obj->parent_name, capsule ? zf_state_word(capsule->rec.status) : "gone",
			 capsule && capsule->rec.task_state[0] ? " and busy: " : "",
			 capsule ? capsule->rec.task_state : "");
		r = zf_apply_refuse_locked(d, obj, -EBUSY, reason);
		goto out;
	}
	r = zf_apply_launch_spec_locked(d, obj, text, len, &spec);
out:
	zf_registry_unlock(d->reg);
	zf_container_spec_free(spec);
	free(name);
	return r;
}



/* How long an init container may run before the capsule fails. */
#define INIT_TIMEOUT_S 600



/* Gives a capsule member's config what the capsule decides: its sandbox,
 * restart policy and labels; env values from the pod's fields, $(VAR). */
static int member_config(const struct zf_capsule_spec *c, const char *sandbox_id,
			 const struct zf_pod_fields *pod, struct zf_container_spec *spec, bool init)
{
	struct zf_container_config *cfg = spec->cfg;
	int r = 0;

	cfg->join_ns = strdup(sandbox_id);
	if (!cfg->join_ns)
		return -ENOMEM;
	/* a sidecar is restarted whatever the capsule's policy (Kubernetes') */
	snprintf(cfg->restart_policy, sizeof(cfg->restart_policy), "%s",
		 spec->sidecar ? "always" : init ? "no" : c->restart_policy);
	/* the capsule's labels, then zunfs's: which capsule, which generation */
	for (size_t i = 0; i < c->n_labels && r == 0; i++)
		r = zf_steps_add_label(cfg, c->labels[i].key, c->labels[i].value);
	if (r == 0)
		r = zf_steps_add_label(cfg, "zunfs.capsule", pod->name);
	if (r == 0)
		r = zf_steps_add_label(cfg, ZF_LABEL_GROUP, sandbox_id);
	if (r == 0)
		r = zf_spec_resolve_env(spec, pod);
	return r;
}

/* What the members may take from their capsule (status.podIP: the sandbox's
 * address on an engine network; on network none, loopback's). */
static void pod_fields(struct zf_daemon *d, const struct zf_capsule_spec *c, const char *name,
		       const char *sandbox_id, char ip[48], struct zf_pod_fields *ret)
{
	struct zf_container_state st;

	snprintf(ip, 48, "127.0.0.1");
	if (d->engine->ops->container_inspect(d->engine, sandbox_id, &st, NULL) == 0 && st.ip[0])
		snprintf(ip, 48, "%s", st.ip);
	*ret = (struct zf_pod_fields){ .name = name,
				       .pod_namespace = c->pod_namespace,
				       .ip = ip,
				       .labels = c->labels,
				       .n_labels = c->n_labels,
				       .annotations = c->annotations,
				       .n_annotations = c->n_annotations };
}

/* The capsule's dnsPolicy and dnsConfig on its sandbox, whose resolv.conf
 * the members share (the engine refuses them on a container that joins). */
static int sandbox_dns(const struct zf_capsule_spec *c, struct zf_container_config *sb)
{
	static char *const no_search[] = { ".", NULL };
	char **lists[3] = { c->dns_servers, c->dns_searches, c->dns_options };
	char ***to[3] = { &sb->dns, &sb->dns_search, &sb->dns_options };

	for (int l = 0; l < 3; l++) {
		size_t n = 0;
		char **src = lists[l];

		/* None: only what dnsConfig says; "." is the engine's word for no search */
		if (l == 1 && !src && strcmp(c->dns_policy, "None") == 0)
			src = (char **)no_search;
		if (!src)
			continue;
		while (src[n])
			n++;
		if (!(*to[l] = calloc(n + 1, sizeof(char *))))
			return -ENOMEM;
		for (size_t i = 0; i < n; i++)
			if (!((*to[l])[i] = strdup(src[i])))
				return -ENOMEM;
	}
	return 0;
}

/*
 * Makes the capsule's member records those of spec c: one per container,
 * kept (with its logs) when the name stays, none for the rest (members
 * added with mkdir too: a generation is what its spec says). fresh: a
 * launch from nothing, every member waits for its container (Creating).
 */
static int sync_members(struct zf_daemon *d, const char *uuid, const struct zf_capsule_spec *c,
			bool fresh)
{
	char (*gone)[ZF_UUID_LEN + 1] = NULL;
	struct zf_object *cap, *m;
	size_t n_gone = 0;
	int r = 0;

	zf_registry_lock(d->reg);
	cap = zf_registry_find_uuid_locked(d->reg, uuid);
	if (!cap) {
		zf_registry_unlock(d->reg);
		return -ENOENT;
	}
	/* records whose name the spec does not have: removed */
	for (struct zf_object *o = zf_registry_first_locked(d->reg); o;) {
		bool keep = false;

		if (strcmp(o->rec.parent, uuid) != 0) {
			o = o->next;
			continue;
		}
		for (size_t i = 0; i < c->n_containers && !keep; i++)
			keep = strcmp(c->containers[i].name, o->rec.name) == 0 && !o->rec.added;
		if (keep) {
			o = o->next;
			continue;
		}
		void *a = realloc(gone, (n_gone + 1) * sizeof(*gone));

		if (a) {
			gone = a;
			memcpy(gone[n_gone++], o->rec.uuid, sizeof(*gone));
		}
		zf_registry_remove_locked(d->reg, o);
		o = zf_registry_first_locked(d->reg); /* the list changed */
	}
	for (size_t i = 0; i < c->n_containers && r == 0; i++) {
		const struct zf_capsule_member *cm = &c->containers[i];
		struct zf_container_spec *spec = NULL;
		struct zf_spec_error e;

		m = zf_registry_find_member_locked(d->reg, uuid, cm->name);
		if (!m) {
			r = zf_registry_create_member_locked(d->reg, cap, cm->name, cm->text, false, &m);
			if (r == 0)
				r = zf_registry_set_state_locked(d->reg, m, ZF_STATE_KEEP, NULL,
								 "container_creating");
			continue;
		}
		/* the member's spec is its entry in the capsule's spec in force,
		 * parsed from its text: c's members may have had the launch's
		 * changes made to them (sandbox, mounts) */
		if (strcmp(m->rec.spec, cm->text) != 0 &&
		    zf_spec_parse_member(cm->text, strlen(cm->text), c->memory_unit, &spec, NULL,
					 &e) == 0) {
			char *text = strdup(cm->text);

			if (text) {
				free(m->rec.spec);
				m->rec.spec = text;
				m->spec_mtime = time(NULL);
				zf_container_spec_free(m->spec);
				m->spec = spec;
				spec = NULL;
			}
			zf_container_spec_free(spec);
		}
		if (fresh) {
			m->rec.engine_id[0] = '\0';
			r = zf_registry_set_state_locked(d->reg, m, ZF_STATE_CREATING, "",
							 "container_creating");
		} else {
			r = zf_registry_persist_locked(d->reg, m);
		}
	}
	zf_registry_unlock(d->reg);
	for (size_t i = 0; i < n_gone && d->logs; i++)
		zf_logs_forget(d->logs, gone[i]);
	free(gone);
	return r;
}

/* Waits for an init container to exit: 0 if it exited 0. */
static int wait_init(struct zf_daemon *d, const char *id, int *ret_code, struct zf_err *err)
{
	for (int i = 0; i < INIT_TIMEOUT_S * 4; i++) {
		struct zf_container_state st;
		int r = d->engine->ops->container_inspect(d->engine, id, &st, err);

		if (r < 0)
			return r;
		if (strcmp(st.status, "exited") == 0 || strcmp(st.status, "dead") == 0) {
			*ret_code = st.exit_code;
			return st.exit_code == 0 ? 0 : -ECHILD;
		}
		usleep(250 * 1000);
	}
	return zf_err_set(err, ETIMEDOUT, "still running after %d s", INIT_TIMEOUT_S);
}

/*
 * Removes the capsule's engine containers of one generation (keep == NULL:
 * all of them), or all but one generation (keep: the sandbox id to keep).
 */
static int remove_generation(struct zf_daemon *d, const char *uuid, const char *only,
			     const char *keep)
{
	const struct zf_engine_ops *ops = d->engine->ops;
	struct zf_container_summary *list = NULL;
	int n, r = 0;

	n = ops->container_list(d->engine, zf_store_instance(d->store), &list, NULL);
	if (n < 0)
		return n;
	zf_steps_stop_running(d, list, n, uuid, only, keep);
	for (int i = 0; i < n; i++) {
		/* a sandbox is its own generation; the others say theirs in a label */
		const char *gen = strcmp(zf_steps_role(&list[i]), "sandbox") == 0 ? list[i].id : zf_steps_group(&list[i]);

		if (strcmp(list[i].uuid, uuid) != 0)
			continue;
		if ((only && strcmp(gen, only) != 0) || (keep && strcmp(gen, keep) == 0))
			continue;
		if (ops->container_remove(d->engine, list[i].id, true, NULL) < 0 && r == 0)
			r = -EIO;
	}
	free(list);
	return r;
}

/* ---- emptyDir: an engine volume of the capsule's own ---- */

/* Its name in the engine: the capsule's uuid and the entry's name. */
static void empty_dir_name(const char *uuid, const char *name, char *buf, size_t size)
{
	snprintf(buf, size, "zunfs-%s-%s", uuid, name);
}

/*
 * Makes the capsule's emptyDir volumes through the local driver, once: a
 * launch again (an upgrade, a relaunch) finds them made, files and all, as
 * a pod's emptyDir lives as long as the pod. medium: Memory is a tmpfs
 * volume (of sizeLimit), which every member mounting it shares.
 */
static int make_empty_dirs(struct zf_daemon *d, const struct zf_snapshot *snap,
			   const struct zf_capsule_spec *c, struct zf_err *err)
{
	struct zf_volume_driver *drv = zf_volume_drivers_find(&d->volume_drivers, "local");

	for (size_t i = 0; i < c->n_volumes; i++) {
		const struct zf_capsule_volume *v = &c->volumes[i];
		char role[ZF_NAME_MAX + 32], size[48];
		struct zf_kv tmpfs[] = { { (char *)"type", (char *)"tmpfs" },
					 { (char *)"device", (char *)"tmpfs" },
					 { (char *)"o", size } };
		struct zf_steps_owner owner;
		struct zf_volume_request req = { .owner = &owner.labels };
		char *id = NULL;
		int r;

		if (!v->empty_dir)
			continue;
		if (!drv)
			return zf_err_set(err, EOPNOTSUPP, "emptyDir '%s': no local volume driver",
					  v->name);
		snprintf(role, sizeof(role), "emptydir.%s", v->name);
		zf_steps_owner_labels(d, snap, role, 0, &owner);
		empty_dir_name(snap->uuid, v->name, owner.labels.engine_name,
			       sizeof(owner.labels.engine_name));
		if (v->memory_medium) {
			snprintf(size, sizeof(size), "size=%lld", (long long)v->size_limit_bytes);
			req.opts = tmpfs;
			req.n_opts = v->size_limit_bytes ? 3 : 2;
		}
		r = drv->ops->create(drv, &req, &id, NULL, err);
		free(id);
		if (r < 0)
			return r;
	}
	return 0;
}

/*
 * Removes the capsule's emptyDir volumes that c does not declare (c NULL:
 * all of them, the capsule is going). 0 when none is left.
 */
static int prune_empty_dirs(struct zf_daemon *d, const char *uuid, const struct zf_capsule_spec *c,
			    struct zf_err *err)
{
	struct zf_volume_driver *drv = zf_volume_drivers_find(&d->volume_drivers, "local");
	struct zf_volume_summary *vols = NULL;
	int n, r = 0;

	if (!drv)
		return 0;
	n = drv->ops->list(drv, zf_store_instance(d->store), &vols, err);
	if (n < 0)
		return n;
	for (int i = 0; i < n; i++) {
		bool keep = false;
		char name[160];

		if (strcmp(vols[i].uuid, uuid) != 0)
			continue;
		for (size_t k = 0; c && k < c->n_volumes && !keep; k++) {
			empty_dir_name(uuid, c->volumes[k].name, name, sizeof(name));
			keep = c->volumes[k].empty_dir && strcmp(name, vols[i].name) == 0;
		}
		if (keep)
			continue;
		int rr = drv->ops->remove(drv, vols[i].name, err);

		if (rr < 0 && rr != -ENOENT && r == 0)
			r = rr;
	}
	free(vols);
	return r;
}

/* ---- cinder: a Cinder volume the capsule makes or adopts ---- */

/* What a launch got of each cinder entry (index of c->volumes): the
 * driver's id and where this host has it mounted. */
struct cinder_made {
	char *id, *host_path;
};

static bool is_cinder(const struct zf_capsule_volume *v)
{
	return v->cinder_id || v->cinder_size_gb;
}

static void cinder_made_free(struct cinder_made *made, size_t n)
{
	for (size_t i = 0; made && i < n; i++) {
		free(made[i].id);
		free(made[i].host_path);
	}
	free(made);
}

/*
 * The driver's id of entry v: adopted (volumeID), or made for the capsule
 * and the entry (labels zunfs.uuid and zunfs.role=cinder.NAME, so a launch
 * again finds the same volume). existing: only find one made before
 * (-ENOENT if none). Without autoRemove it is made without the instance
 * label: it outlives the capsule and no clean-up takes it.
 */
static int cinder_entry_id(struct zf_daemon *d, struct zf_volume_driver *drv,
			   const struct zf_snapshot *snap, const struct zf_capsule_volume *v,
			   bool existing, char **ret_id, struct zf_err *err)
{
	char role[ZF_NAME_MAX + 16], name[2 * ZF_NAME_MAX + 2];
	struct zf_volume_info info = { 0 };
	struct zf_steps_owner owner;
	struct zf_volume_request req = {
		.owner = &owner.labels,
		.size_bytes = v->cinder_size_gb * 1024LL * 1024 * 1024,
		.adopt_id = v->cinder_id,
		.type = v->cinder_type,
		.unowned = !v->auto_remove,
		.existing = existing,
	};
	int r;

	snprintf(role, sizeof(role), "cinder.%s", v->name);
	zf_steps_owner_labels(d, snap, role, 0, &owner);
	snprintf(name, sizeof(name), "%s.%s", snap->name, v->name);
	owner.labels.name = name; /* in Cinder: zunfs-CAPSULE.ENTRY */
	r = drv->ops->create(drv, &req, ret_id, existing ? NULL : &info, err);
	if (r == 0 && info.state == ZF_VOLUME_FAILED) { /* err holds Cinder's words */
		free(*ret_id);
		*ret_id = NULL;
		r = -EIO;
	}
	zf_volume_info_clear(&info);
	return r;
}

/*
 * Makes (or adopts) the capsule's cinder volumes and attaches each to this
 * host once, whatever number of members mount it: they all get a bind of
 * the one host mount, and so does a new generation during an upgrade (the
 * old one keeps it meanwhile: one attach, data kept). *ret_made: one row
 * per entry of c->volumes (the caller's, cinder_made_free).
 */
static int make_cinder_volumes(struct zf_daemon *d, const struct zf_snapshot *snap,
			       const struct zf_capsule_spec *c, struct cinder_made **ret_made,
			       struct zf_err *err)
{
	struct zf_volume_driver *drv = zf_volume_drivers_find(&d->volume_drivers, "cinder");
	struct cinder_made *made = calloc(c->n_volumes + 1, sizeof(*made));
	int r = 0;

	if (!made)
		return zf_err_set(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < c->n_volumes && r == 0; i++) {
		const struct zf_capsule_volume *v = &c->volumes[i];
		struct zf_volume_info info = { 0 };

		if (!is_cinder(v))
			continue;
		if (!drv) {
			r = zf_err_set(err, EOPNOTSUPP, "cinder volume '%s': no Cinder is configured",
				       v->name);
			break;
		}
		r = cinder_entry_id(d, drv, snap, v, false, &made[i].id, err);
		if (r == 0)
			r = drv->ops->attach(drv, made[i].id, err);
		if (r == 0)
			r = drv->ops->inspect(drv, made[i].id, &info, err);
		if (r == 0 && !info.host_path)
			r = zf_err_set(err, EIO, "cinder volume '%s': not mounted on this host",
				       v->name);
		if (r == 0)
			made[i].host_path = TAKE_PTR(info.host_path);
		zf_volume_info_clear(&info);
		if (r < 0 && !strstr(err->msg, v->name)) {
			char msg[ZF_ERR_MSG_MAX];

			snprintf(msg, sizeof(msg), "%s", err->msg);
			zf_err_set(err, -r, "cinder volume '%s': %s", v->name, msg);
		}
	}
	if (r < 0) {
		cinder_made_free(made, c->n_volumes);
		return r;
	}
	*ret_made = made;
	return 0;
}

/* Whether keep has the same cinder entry as v (its name, and the same volume). */
static bool keeps_cinder(const struct zf_capsule_spec *keep, const struct zf_capsule_volume *v)
{
	for (size_t k = 0; keep && k < keep->n_volumes; k++) {
		const struct zf_capsule_volume *w = &keep->volumes[k];

		if (is_cinder(w) && strcmp(w->name, v->name) == 0 &&
		    !!w->cinder_id == !!v->cinder_id &&
		    (!v->cinder_id || strcmp(w->cinder_id, v->cinder_id) == 0))
			return true;
	}
	return false;
}

/*
 * Lets go of the cinder volumes of spec c (the capsule's) that keep does
 * not have (keep NULL: all, the capsule is going): detached from this host,
 * then deleted in Cinder when made with autoRemove; an adopted one, or one
 * made without autoRemove, stays in Cinder (available). 0 when all went.
 */
static int release_cinder_volumes(struct zf_daemon *d, const struct zf_snapshot *snap,
				  const struct zf_capsule_spec *c,
				  const struct zf_capsule_spec *keep, struct zf_err *err)
{
	struct zf_volume_driver *drv = zf_volume_drivers_find(&d->volume_drivers, "cinder");
	int r = 0;

	if (!c)
		return 0; /* no spec was in force: nothing was made */
	for (size_t i = 0; i < c->n_volumes; i++) {
		const struct zf_capsule_volume *v = &c->volumes[i];
		char *id = NULL;
		int rr;

		if (!is_cinder(v) || keeps_cinder(keep, v))
			continue;
		if (!drv) {
			rr = zf_err_set(err, EOPNOTSUPP,
					"cinder volume '%s': no Cinder is configured to detach it",
					v->name);
		} else {
			rr = cinder_entry_id(d, drv, snap, v, true, &id, err);
			if (rr == -ENOENT) /* never made */
				continue;
		}
		/* kept: one made with autoRemove and changed since still has the
		 * label the orphan pass deletes by; it goes first, so that a
		 * volume available again is never zunfs's to delete */
		if (rr == 0 && !v->auto_remove && !v->cinder_id && drv->ops->disown)
			rr = drv->ops->disown(drv, id, err);
		if (rr == 0)
			rr = drv->ops->detach(drv, id, err);
		if (rr == -ENOENT) /* gone from Cinder */
			rr = 0;
		else if (rr == 0 && v->auto_remove && !v->cinder_id)
			rr = drv->ops->remove(drv, id, err);
		if (rr == -ENOENT)
			rr = 0;
		if (rr < 0 && r == 0)
			r = rr;
		free(id);
	}
	return r;
}

/* A member's volumeMounts name the capsule's volumes, which name volumes/
 * or the capsule's own emptyDirs. */
static int member_mounts(struct zf_daemon *d, const char *uuid, const struct zf_capsule_spec *c,
			 const struct cinder_made *made, struct zf_capsule_member *m,
			 struct zf_err *err)
{
	for (size_t i = 0; i < m->spec->n_mounts; i++) {
		const struct zf_volume_mount *vm = &m->spec->mounts[i];
		const struct zf_capsule_volume *cv = NULL;
		const char *volume = NULL;
		int r;

		for (size_t j = 0; j < c->n_volumes && !cv; j++)
			if (strcmp(c->volumes[j].name, vm->name) == 0)
				cv = &c->volumes[j];
		if (cv && cv->empty_dir) {
			struct zf_container_config *cfg = m->spec->cfg;
			struct zf_mount *mounts = realloc(cfg->mounts, (cfg->n_mounts + 1) * sizeof(*mounts));
			char name[160];

			if (!mounts)
				return zf_err_set(err, ENOMEM, "out of memory");
			cfg->mounts = mounts;
			empty_dir_name(uuid, cv->name, name, sizeof(name));
			cfg->mounts[cfg->n_mounts] = (struct zf_mount){
				.source = strdup(name),
				.target = strdup(vm->mount_path),
				.read_only = vm->read_only,
			};
			if (!cfg->mounts[cfg->n_mounts].source || !cfg->mounts[cfg->n_mounts].target) {
				free(cfg->mounts[cfg->n_mounts].source);
				free(cfg->mounts[cfg->n_mounts].target);
				return zf_err_set(err, ENOMEM, "out of memory");
			}
			cfg->n_mounts++;
			continue;
		}
		if (cv && is_cinder(cv)) { /* a bind of its one host mount */
			struct zf_volume_driver *drv =
				zf_volume_drivers_find(&d->volume_drivers, "cinder");
			const struct cinder_made *cm = &made[cv - c->volumes];
			struct zf_container_config *cfg = m->spec->cfg;
			struct zf_mount *mounts;

			if (!drv || !cm->id)
				return zf_err_set(err, EIO, "cinder volume '%s' is not attached",
						  vm->name);
			mounts = realloc(cfg->mounts, (cfg->n_mounts + 1) * sizeof(*mounts));
			if (!mounts)
				return zf_err_set(err, ENOMEM, "out of memory");
			cfg->mounts = mounts;
			r = drv->ops->mount_for_container(drv, cm->id, cm->host_path,
							  vm->mount_path, vm->read_only,
							  &cfg->mounts[cfg->n_mounts], err);
			if (r < 0)
				return r;
			cfg->n_mounts++;
			continue;
		}
		volume = cv ? cv->zunfs_volume : NULL;
		if (!volume) /* validated before launch */
			return zf_err_set(err, EINVAL, "volume '%s' is not a volume of the capsule",
					  vm->name);
		r = zf_steps_volume_mount(d, volume, vm->mount_path, vm->read_only, m->spec->cfg, err);
		if (r < 0)
			return r;
	}
	return 0;
}

/* The members' ports are exposed on the sandbox, which owns the network
 * they share (each port/protocol once: the spec's validation refuses two). */
static int sandbox_ports(const struct zf_capsule_spec *c, struct zf_container_config *sb)
{
	for (size_t i = 0; i < c->n_containers; i++) {
		const struct zf_container_config *m = c->containers[i].spec->cfg;

		for (size_t j = 0; j < m->n_ports; j++) {
			struct zf_port *p = realloc(sb->ports, (sb->n_ports + 1) * sizeof(*p));

			if (!p)
				return -ENOMEM;
			sb->ports = p;
			sb->ports[sb->n_ports++] = m->ports[j];
		}
	}
	return 0;
}

/*
 * Makes one generation of the capsule: its sandbox, the init containers in
 * order (each to exit 0), then the members. On failure *ret_step says what
 * failed and err why; what was made is left for the caller to remove.
 */
/* One member's config made ready to start: the capsule's say in it, its
 * mounts, its image, its securityContext over the capsule's. */
static int member_ready(struct zf_daemon *d, const struct zf_snapshot *snap,
			const struct zf_capsule_spec *c, const char *sandbox,
			const struct zf_pod_fields *pod, const struct cinder_made *made,
			struct zf_capsule_member *m, bool init, struct zf_err *err)
{
	int r = member_config(c, sandbox, pod, m->spec, init);

	if (r == 0)
		r = member_mounts(d, snap->uuid, c, made, m, err);
	if (r == 0)
		r = zf_steps_image_ready(d, snap->uuid, m->spec->cfg, err);
	if (r == 0)
		r = zf_steps_security(d, &m->spec->sec, &c->sec, m->spec->cfg, err);
	return r;
}

/* One of the capsule's containers, readied and started on a thread of its own. */
struct member_start {
	struct zf_daemon *d;
	const struct zf_snapshot *snap;
	const struct zf_capsule_spec *c;
	const char *sandbox;
	const struct zf_pod_fields *pod;
	const struct cinder_made *made;
	struct zf_capsule_member *m;
	int generation;
	int r;
	struct zf_err err;
	pthread_t thread;
	bool threaded;
};

static void *member_start_main(void *arg)
{
	struct member_start *s = arg;
	char role[ZF_NAME_MAX + 16], *id = NULL;

	/* member_ready changes only s->m's spec; c, pod and made are read */
	s->r = member_ready(s->d, s->snap, s->c, s->sandbox, s->pod,
			    s->made, s->m, false, &s->err);
	snprintf(role, sizeof(role), "member.%s", s->m->name);
	if (s->r == 0)
		s->r = zf_steps_start_labelled(s->d, s->snap, role, s->generation, s->m->spec->cfg,
					       &id, &s->err);
	free(id);
	return NULL;
}

/*
 * The capsule's containers (its init containers have run): each readied
 * (image, mounts, securityContext) and started at once, on threads of their
 * own, as the kubelet does once the sandbox runs; the engine calls are the
 * time. The first to fail, in the spec's order, says why; the ones started
 * go with the generation (the caller removes it by its labels).
 */
static int start_containers(struct zf_daemon *d, const struct zf_snapshot *snap,
			    const struct zf_capsule_spec *c, const char *sandbox,
			    const struct zf_pod_fields *pod, const struct cinder_made *made,
			    int generation, char *step, size_t step_size, struct zf_err *err)
{
	struct member_start *s = calloc(c->n_containers ? c->n_containers : 1, sizeof(*s));
	int r = 0;

	if (!s)
		return zf_err_set(err, ENOMEM, "out of memory");
	for (size_t i = 0; i < c->n_containers; i++) {
		s[i] = (struct member_start){ .d = d, .snap = snap, .c = c, .sandbox = sandbox,
					      .pod = pod, .made = made, .m = &c->containers[i],
					      .generation = generation };
		/* the last, and any a thread cannot be made for, on this one */
		s[i].threaded = i + 1 < c->n_containers &&
				pthread_create(&s[i].thread, NULL, member_start_main, &s[i]) == 0;
		if (!s[i].threaded)
			member_start_main(&s[i]);
	}
	for (size_t i = 0; i < c->n_containers; i++) {
		if (s[i].threaded)
			pthread_join(s[i].thread, NULL);
		if (s[i].r < 0 && r == 0) {
			r = s[i].r;
			snprintf(step, step_size, "container %s", s[i].m->name);
			if (err)
				*err = s[i].err;
		}
	}
	free(s);
	return r;
}

static int start_members(struct zf_daemon *d, const struct zf_snapshot *snap,
			 struct zf_capsule_spec *c, const struct cinder_made *made, int generation,
			 char **ret_sandbox, char *step, size_t step_size, struct zf_err *err)
{
	struct zf_container_config *sb = calloc(1, sizeof(*sb));
	struct zf_pod_fields pod;
	char *id = NULL, role[ZF_NAME_MAX + 16], gen[16], ip[48];
	int r, code = 0;

	snprintf(step, step_size, "the capsule's sandbox");
	snprintf(gen, sizeof(gen), "%d", generation);
	r = sb ? zf_steps_sandbox_ready(d, snap->uuid, sb) : -ENOMEM;
	/* the members share the sandbox's UTS namespace: they see the capsule's
	 * name as their host name (Kubernetes' pod name), or spec.hostname */
	if (r == 0 && !(sb->hostname = strdup(c->hostname ? c->hostname : snap->name)))
		r = -ENOMEM;
	if (r == 0)
		r = zf_steps_add_label(sb, ZF_LABEL_GENERATION, gen);
	if (r == 0)
		r = sandbox_ports(c, sb);
	if (r == 0)
		r = sandbox_dns(c, sb);
	if (r == 0) {
		zf_steps_set_state(d, snap->uuid, ZF_STATE_KEEP, NULL, "sandbox_creating");
		r = zf_steps_start_labelled(d, snap, "sandbox", generation, sb, ret_sandbox, err);
	}
	zf_container_config_free(sb);
	if (r < 0)
		return r;
	pod_fields(d, c, snap->name, *ret_sandbox, ip, &pod);
	for (size_t i = 0; i < c->n_init_containers; i++) {
		struct zf_capsule_member *m = &c->init_containers[i];
		bool sidecar = m->spec->sidecar;

		snprintf(step, step_size, "%s %s", sidecar ? "sidecar" : "init container", m->name);
		zf_steps_set_state(d, snap->uuid, ZF_STATE_KEEP, NULL, "init_container_running");
		r = member_ready(d, snap, c, *ret_sandbox, &pod, made, m, true, err);
		/* a sidecar is started (its process runs) and the next goes on, as
		 * Kubernetes does; it runs beside the members until the capsule ends */
		snprintf(role, sizeof(role), "%s.%s", sidecar ? "sidecar" : "init", m->name);
		if (r == 0)
			r = zf_steps_start_labelled(d, snap, role, generation, m->spec->cfg, &id, err);
		if (r == 0 && !sidecar)
			r = wait_init(d, id, &code, err);
		free(id);
		id = NULL;
		if (r == -ECHILD)
			snprintf(err->msg, sizeof(err->msg), "exited with code %d", code);
		if (r < 0)
			return r;
	}
	zf_steps_set_state(d, snap->uuid, ZF_STATE_KEEP, NULL, "container_creating");
	return start_containers(d, snap, c, *ret_sandbox, &pod, made, generation, step, step_size,
				err);
}

/* Its volumes (emptyDir, then cinder: attached once), then start_members. */
static int start_generation(struct zf_daemon *d, const struct zf_snapshot *snap,
			    struct zf_capsule_spec *c, int generation, char **ret_sandbox,
			    char *step, size_t step_size, struct zf_err *err)
{
	struct cinder_made *made = NULL;
	int r;

	snprintf(step, step_size, "the capsule's emptyDir volumes");
	r = make_empty_dirs(d, snap, c, err);
	if (r < 0)
		return r;
	snprintf(step, step_size, "the capsule's cinder volumes");
	r = make_cinder_volumes(d, snap, c, &made, err);
	if (r < 0)
		return r;
	r = start_members(d, snap, c, made, generation, ret_sandbox, step, step_size, err);
	cinder_made_free(made, c->n_volumes);
	return r;
}

/* The members of generation `sandbox` that do not run (yet): how many. */
static int members_not_running(struct zf_daemon *d, const char *uuid, const char *sandbox,
			       char *first, size_t first_size)
{
	const struct zf_engine_ops *ops = d->engine->ops;
	struct zf_container_summary *list = NULL;
	int n, bad = 0;

	n = ops->container_list(d->engine, zf_store_instance(d->store), &list, NULL);
	for (int i = 0; i < n; i++) {
		struct zf_container_state st;

		if (strcmp(list[i].uuid, uuid) != 0 || strncmp(zf_steps_role(&list[i]), "member.", 7) != 0 ||
		    strcmp(zf_steps_group(&list[i]), sandbox) != 0)
			continue;
		if (ops->container_inspect(d->engine, list[i].id, &st, NULL) == 0 &&
		    (strcmp(st.status, "running") == 0 ||
		     (strcmp(st.status, "exited") == 0 && st.exit_code == 0)))
			continue;
		if (!bad++)
			snprintf(first, first_size, "container %s is %s (exit code %d)",
				 zf_steps_role(&list[i]) + 7, st.status, st.exit_code);
	}
	free(list);
	return n < 0 ? n : bad;
}

/*
 * LAUNCH of a container added to a running capsule (mkdir
 * capsules/NAME/containers/NEW, then its spec.yaml): it joins the capsule's
 * sandbox with the capsule's labels and restart policy, labelled a member of
 * the generation in force, so the capsule's status, upgrade and rmdir take
 * it in like the spec's own. Written again, it is rebuilt.
 */
static int launch_member(struct zf_daemon *d, struct zf_snapshot *snap)
{
	const struct zf_engine_ops *ops = d->engine->ops;
	/* the member's spec and its capsule's, as parsed when written: the
	 * snapshots' copies, this job's to change */
	struct zf_container_spec *spec = TAKE_PTR(snap->spec);
	struct zf_capsule_spec *c = NULL;
	struct zf_snapshot cap = { .spec = NULL };
	struct zf_err err = { { 0 } };
	struct zf_object *obj;
	char role[ZF_NAME_MAX + 16], *id = NULL;
	int r, generation = 0;
	bool running = false;

	if (!spec) {
		r = zf_steps_fail(d, snap->uuid,
				  zf_err_set(&err, EINVAL, "spec.yaml could not be read"), "spec",
				  &err);
		goto out;
	}
	r = zf_snapshot_take(d, snap->parent, &cap);
	zf_registry_lock(d->reg);
	obj = zf_registry_find_uuid_locked(d->reg, snap->parent);
	if (obj) {
		generation = obj->generation;
		running = !obj->rec.deleting && obj->rec.status == ZF_STATE_RUNNING &&
			  obj->rec.engine_id[0];
	}
	zf_registry_unlock(d->reg);
	if (r < 0 || !running) {
		snprintf(err.msg, sizeof(err.msg), "the capsule is not Running");
		r = zf_steps_fail(d, snap->uuid, -EBUSY, "joining the capsule", &err);
		goto out;
	}
	c = TAKE_PTR(cap.capsule);
	r = c ? 0 : zf_err_set(&err, EINVAL, "its spec.yaml could not be read");
	if (r == 0) {
		struct zf_pod_fields pod;
		char ip[48];

		pod_fields(d, c, cap.name, cap.engine_id, ip, &pod);
		r = member_config(c, cap.engine_id, &pod, spec, false);
	}
	if (r < 0) {
		r = zf_steps_fail(d, snap->uuid, r, "the capsule's spec", &err);
		goto out;
	}
	if (snap->engine_id[0]) {
		/* written again: this container alone is rebuilt (its labels are the
		 * capsule's, so remove it by id) */
		ops->container_stop(d->engine, snap->engine_id, ZF_STOP_GRACE_S, NULL);
		r = ops->container_remove(d->engine, snap->engine_id, true, &err);
		if (r < 0 && r != -ENOENT) {
			r = zf_steps_fail(d, snap->uuid, r, "removing the old container", &err);
			goto out;
		}
		zf_registry_set_engine_id(d->reg, snap->uuid, "");
	}
	r = zf_steps_ensure_image(d, snap->uuid, spec->cfg);
	if (r < 0)
		goto out;
	r = zf_steps_security(d, &spec->sec, &c->sec, spec->cfg, &err);
	if (r < 0) {
		r = zf_steps_fail(d, snap->uuid, r, "securityContext", &err);
		goto out;
	}
	zf_steps_set_state(d, snap->uuid, ZF_STATE_KEEP, NULL, "container_creating");
	snprintf(role, sizeof(role), "member.%s", snap->name);
	r = zf_steps_start_labelled(d, &cap, role, generation, spec->cfg, &id, &err);
	if (r < 0) {
		r = zf_steps_fail(d, snap->uuid, r, "starting the container", &err);
		goto out;
	}
	zf_registry_lock(d->reg);
	obj = zf_registry_find_uuid_locked(d->reg, snap->parent);
	running = obj && !obj->rec.deleting && strcmp(obj->rec.engine_id, cap.engine_id) == 0;
	zf_registry_unlock(d->reg);
	if (!running) {
		/* the capsule went (rmdir) or changed generation meanwhile: take it back */
		ops->container_remove(d->engine, id, true, NULL);
		snprintf(err.msg, sizeof(err.msg), "the capsule changed while it started");
		r = zf_steps_fail(d, snap->uuid, -EBUSY, "joining the capsule", &err);
		goto out;
	}
	zf_registry_set_engine_id(d->reg, snap->uuid, id);
	/* the capsule's view takes the new member in (its state, its logs) */
	r = refresh_capsule(d, cap.uuid);
	zf_steps_set_state(d, snap->uuid, ZF_STATE_KEEP, NULL, "");
out:
	free(id);
	zf_snapshot_clear(&cap);
	zf_capsule_spec_free(c);
	zf_container_spec_free(spec);
	return r;
}

/* How long an upgrade waits for the new generation to run before rolling back. */
#define UPGRADE_SETTLE_S 2

/*
 * LAUNCH of a capsule. A first launch (or one a crash cut short) starts from
 * nothing. An upgrade (arg "upgrade": a new spec for a running capsule)
 * launches the new generation beside the old, waits for it to run, then
 * removes the old; if the new one fails, it is removed, the old keeps
 * running and its spec stays in force (rollback).
 */
static int launch_capsule(struct zf_daemon *d, const char *uuid, bool upgrade)
{
	struct zf_capsule_spec *c = NULL, *old;
	struct zf_err err = { { 0 } };
	struct zf_snapshot snap;
	char *sandbox_id = NULL, step[ZF_NAME_MAX + 64];
	struct zf_object *obj;
	int r, generation = 1;

	r = zf_snapshot_take(d, uuid, &snap);
	if (r < 0)
		return r;
	/* the spec to launch as parsed when written: the one in force, or the
	 * pending one of an upgrade (then snap's is the old one) */
	zf_registry_lock(d->reg);
	obj = zf_registry_find_uuid_locked(d->reg, uuid);
	upgrade = upgrade && obj && obj->pending_capsule && snap.engine_id[0];
	if (obj) {
		r = upgrade ? zf_capsule_spec_dup(obj->pending_capsule, &c) : 0;
		generation = obj->generation + 1;
	}
	zf_registry_unlock(d->reg);
	if (r < 0)
		goto out;
	old = upgrade ? snap.capsule : NULL;
	if (!upgrade)
		c = TAKE_PTR(snap.capsule);
	if (!c) {
		r = zf_steps_fail_capsule(d, uuid,
					  zf_err_set(&err, EINVAL, "spec.yaml could not be read"),
					  "spec", &err);
		goto out;
	}
	if (!upgrade) {
		zf_steps_set_state(d, uuid, ZF_STATE_STARTING, "", "capsule_creating");
		/* a relaunch (a replaced spec, or after a crash) starts from nothing */
		r = zf_steps_remove_containers(d, uuid, snap.engine_id, &err);
		if (r < 0) {
			r = zf_steps_fail_capsule(d, uuid, r, "removing the capsule's old containers", &err);
			goto out;
		}
		zf_registry_set_engine_id(d->reg, uuid, "");
		r = sync_members(d, uuid, c, true);
		if (r < 0) {
			r = zf_steps_fail_capsule(d, uuid, r, "recording the capsule's containers", &err);
			goto out;
		}
	}
	r = start_generation(d, &snap, c, generation, &sandbox_id, step, sizeof(step), &err);
	if (r == 0 && upgrade) {
		/* the new generation must run before the old one goes */
		sleep(UPGRADE_SETTLE_S);
		if (members_not_running(d, uuid, sandbox_id, err.msg, sizeof(err.msg)) != 0) {
			snprintf(step, sizeof(step), "the new capsule");
			r = -EIO;
		}
	}
	if (r < 0 && upgrade) {
		char reason[ZF_ERR_MSG_MAX + 200];

		remove_generation(d, uuid, sandbox_id ? sandbox_id : "", NULL);
		if (old) /* the new spec's cinder volumes the old one has not */
			release_cinder_volumes(d, &snap, c, old, NULL);
		snprintf(reason, sizeof(reason),
			 "upgrade rolled back: %s: %s; the previous capsule keeps running", step,
			 err.msg[0] ? err.msg : strerror(-r));
		zf_registry_lock(d->reg);
		obj = zf_registry_find_uuid_locked(d->reg, uuid);
		if (obj) {
			free(obj->pending_spec);
			obj->pending_spec = NULL;
			zf_capsule_spec_free(obj->pending_capsule);
			obj->pending_capsule = NULL;
			zf_registry_set_state_locked(d->reg, obj, ZF_STATE_KEEP, reason, "");
			zf_volumes_recount_locked(d->reg); /* what only the new spec used */
		}
		zf_registry_unlock(d->reg);
		goto out;
	}
	if (r < 0) {
		if (sandbox_id) /* rmdir removes it by uuid anyway */
			zf_registry_set_engine_id(d->reg, uuid, sandbox_id);
		r = zf_steps_fail_capsule(d, uuid, r, step, &err);
		refresh_capsule(d, uuid); /* the members say why they have no container */
		goto out;
	}
	if (upgrade) {
		remove_generation(d, uuid, NULL, sandbox_id);
		prune_empty_dirs(d, uuid, c, NULL); /* those the new spec dropped */
		release_cinder_volumes(d, &snap, snap.capsule, c, NULL);
	}
	zf_registry_lock(d->reg);
	obj = zf_registry_find_uuid_locked(d->reg, uuid);
	if (obj) {
		if (upgrade && obj->pending_spec) {
			free(obj->rec.spec);
			obj->rec.spec = TAKE_PTR(obj->pending_spec);
			obj->spec_mtime = time(NULL);
			zf_capsule_spec_free(obj->capsule);
			obj->capsule = TAKE_PTR(obj->pending_capsule);
			zf_volumes_recount_locked(d->reg); /* what only the old spec used */
		}
		obj->generation = generation;
		snprintf(obj->rec.engine_id, sizeof(obj->rec.engine_id), "%s", sandbox_id);
		zf_registry_persist_locked(d->reg, obj);
	}
	zf_registry_unlock(d->reg);
	if (upgrade)
		sync_members(d, uuid, c, false); /* the new generation's members */
	zf_steps_set_state(d, uuid, ZF_STATE_KEEP, upgrade ? "" : NULL, "");
	r = refresh_capsule(d, uuid);
out:
	zf_snapshot_clear(&snap);
	free(sandbox_id);
	zf_capsule_spec_free(c);
	return r;
}

/*
 * The member records follow their containers of the generation in force
 * (members[i] with its engine state states[i]): engine ids, states, logs.
 * A record whose container is not there says why, once no launch is under
 * way.
 */
static void follow_members(struct zf_daemon *d, const char *uuid,
			   const struct zf_member_state *members,
			   const struct zf_container_state *states, size_t nm)
{
	char (*apply)[ZF_UUID_LEN + 1] = calloc(nm + 1, sizeof(*apply));
	struct zf_object *cap;
	bool launching;

	if (!apply)
		return;
	zf_registry_lock(d->reg);
	cap = zf_registry_find_uuid_locked(d->reg, uuid);
	launching = !cap || cap->rec.deleting || cap->rec.task_state[0] ||
		    cap->rec.status == ZF_STATE_PENDING;
	for (struct zf_object *o = zf_registry_first_locked(d->reg); cap && o; o = o->next) {
		size_t i;

		if (strcmp(o->rec.parent, uuid) != 0 || o->rec.deleting)
			continue;
		for (i = 0; i < nm && strcmp(members[i].name, o->rec.name) != 0; i++)
			;
		if (i < nm) {
			/* a member's launch is over once its container started, or once the
			 * capsule's launch is; one added by mkdir is its own job's to end (a
			 * refresh between its create and start must not end it at Created) */
			bool done = !o->rec.added &&
				    strcmp(o->rec.task_state, "container_creating") == 0 &&
				    (strcmp(states[i].status, "created") != 0 || !launching);

			if (strcmp(o->rec.engine_id, states[i].id) != 0 || done) {
				snprintf(o->rec.engine_id, sizeof(o->rec.engine_id), "%s", states[i].id);
				zf_registry_set_state_locked(d->reg, o, ZF_STATE_KEEP, NULL,
							     done ? "" : NULL);
			}
			memcpy(apply[i], o->rec.uuid, sizeof(*apply));
			continue;
		}
		/* no container: a launch of the capsule still under way, a member added
		 * by mkdir that waits for its spec or for its own launch job, or one
		 * that said so already */
		if (launching || (o->rec.added && o->rec.task_state[0]) ||
		    o->rec.status == ZF_STATE_EMPTY || o->rec.status == ZF_STATE_ERROR)
			continue;
		char reason[300];

		snprintf(reason, sizeof(reason), "%s (the capsule is %s%s%s)",
			 o->rec.engine_id[0] ? "its container is gone from the engine"
					     : "its container was not made",
			 zf_state_word(cap->rec.status), cap->rec.status_reason[0] ? ": " : "",
			 cap->rec.status_reason);
		o->rec.engine_id[0] = '\0';
		zf_registry_set_state_locked(d->reg, o, ZF_STATE_ERROR, reason, "");
	}
	zf_registry_unlock(d->reg);
	for (size_t i = 0; i < nm; i++)
		if (apply[i][0])
			zf_lifecycle_apply_state(d, apply[i], &states[i], false);
	free(apply);
}

/*
 * Lock held. The capsule's word for its members' engine states; a member of
 * its spec that has no container once the launch is over was removed behind
 * zunfs's back, and counts as such (the capsule is not Running without it).
 */
static enum zf_state capsule_status_locked(struct zf_daemon *d, const struct zf_object *cap,
					   const struct zf_member_state *members, size_t nm,
					   const char *policy, char *reason, size_t reason_size)
{
	struct zf_member_state *all;
	enum zf_state status;
	size_t n = nm, records = 0;

	for (struct zf_object *o = zf_registry_first_locked(d->reg); o; o = o->next)
		records += strcmp(o->rec.parent, cap->rec.uuid) == 0;
	all = calloc(nm + records + 1, sizeof(*all));
	if (!all)
		return zf_capsule_status(members, nm, policy, reason, reason_size);
	memcpy(all, members, nm * sizeof(*all));
	for (struct zf_object *o = zf_registry_first_locked(d->reg); o; o = o->next) {
		bool found = false;

		if (strcmp(o->rec.parent, cap->rec.uuid) != 0 || o->rec.added || o->rec.deleting ||
		    cap->rec.status == ZF_STATE_PENDING)
			continue;
		for (size_t i = 0; i < nm && !found; i++)
			found = strcmp(members[i].name, o->rec.name) == 0;
		if (!found)
			all[n++] = (struct zf_member_state){ .name = o->rec.name,
							     .engine_status = "removed from the engine",
							     .exit_code = -1 };
	}
	status = zf_capsule_status(all, n, policy, reason, reason_size);
	free(all);
	return status;
}

/* Whether no member runs or may run again (each exited or dead). */
static bool members_ended(const struct zf_member_state *m, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(m[i].engine_status, "exited") != 0 && strcmp(m[i].engine_status, "dead") != 0)
			return false;
	return true;
}

/* Stops the running sidecars of generation `group` of capsule uuid. */
static void stop_sidecars(struct zf_daemon *d, const struct zf_container_summary *list, int n,
			  const char *uuid, const char *group)
{
	for (int i = 0; i < n; i++)
		if (strcmp(list[i].uuid, uuid) == 0 &&
		    strncmp(zf_steps_role(&list[i]), "sidecar.", 8) == 0 &&
		    strcmp(zf_steps_group(&list[i]), group) == 0 &&
		    strcmp(list[i].state, "running") == 0)
			d->engine->ops->container_stop(d->engine, list[i].id, ZF_STOP_GRACE_S, NULL);
}

/* The capsule's status from its members' states in the engine. */
static int refresh_capsule(struct zf_daemon *d, const char *uuid)
{
	const struct zf_engine_ops *ops = d->engine->ops;
	struct zf_container_summary *list = NULL;
	struct zf_member_state *members = NULL;
	struct zf_container_state *states = NULL;
	struct zf_err err = { { 0 } };
	struct zf_object *obj;
	char policy[16] = "always", reason[300], current[72];
	enum zf_state status;
	size_t nm = 0;
	int n, r = 0, generation = 0;
	bool strays = false;

	n = ops->container_list(d->engine, zf_store_instance(d->store), &list, &err);
	if (n < 0)
		return n;
	members = calloc((size_t)n + 1, sizeof(*members));
	states = calloc((size_t)n + 1, sizeof(*states));
	if (!members || !states) {
		r = -ENOMEM;
		goto out;
	}
	zf_registry_lock(d->reg);
	obj = zf_registry_find_uuid_locked(d->reg, uuid);
	snprintf(current, sizeof(current), "%s", obj ? obj->rec.engine_id : "");
	zf_registry_unlock(d->reg);
	for (int i = 0; i < n; i++) {
		if (strcmp(list[i].uuid, uuid) == 0 && strcmp(list[i].id, current) == 0)
			generation = zf_steps_generation(&list[i]);
		/* members of the generation in force (an upgrade's new one is not yet) */
		if (strcmp(list[i].uuid, uuid) != 0 || strncmp(zf_steps_role(&list[i]), "member.", 7) != 0 ||
		    strcmp(zf_steps_group(&list[i]), current) != 0)
			continue;
		if (ops->container_inspect(d->engine, list[i].id, &states[nm], NULL) < 0)
			continue; /* gone meanwhile: it will say so in an event */
		members[nm].name = zf_steps_role(&list[i]) + 7;
		members[nm].engine_status = states[nm].status;
		members[nm].exit_code = states[nm].exit_code;
		nm++;
	}
	zf_registry_lock(d->reg);
	obj = zf_registry_find_uuid_locked(d->reg, uuid);
	if (obj && generation)
		obj->generation = generation;
	/* no launch or upgrade under way: other generations are strays (an upgrade
	 * that a crash cut short), removed below */
	strays = obj && !obj->rec.deleting && !obj->rec.task_state[0] && !obj->pending_spec &&
		 current[0];
	if (obj && !obj->rec.deleting && !obj->rec.task_state[0]) {
		if (obj->capsule)
			snprintf(policy, sizeof(policy), "%s", obj->capsule->restart_policy);
		status = capsule_status_locked(d, obj, members, nm, policy, reason, sizeof(reason));
		/* why the last upgrade did not take stays until something else is said */
		if (!reason[0] && status == obj->rec.status &&
		    (strncmp(obj->rec.status_reason, "upgrade rolled back:", 20) == 0 ||
		     strncmp(obj->rec.status_reason, "an upgrade was cut short", 24) == 0))
			snprintf(reason, sizeof(reason), "%s", obj->rec.status_reason);
		/* Failed is for good until a new spec: a launch that failed (some
		 * members may run), a member that failed under Never, a capsule the
		 * engine lost; what ran since does not make it whole again */
		if (obj->rec.status != ZF_STATE_FAILED)
			zf_registry_engine_state_locked(d->reg, obj, status, reason);
	}
	zf_registry_unlock(d->reg);
	follow_members(d, uuid, members, states, nm);
	if (strays)
		remove_generation(d, uuid, NULL, current);
	/* every member has ended for good: the sidecars are stopped, as Kubernetes
	 * ends a pod's sidecars once its containers have completed */
	if (nm && strcmp(policy, "always") != 0 && members_ended(members, nm))
		stop_sidecars(d, list, n, uuid, current);
out:
	free(members);
	free(states);
	free(list);
	return r;
}


static int launch(struct zf_daemon *d, const char *uuid, const char *arg)
{
	return launch_capsule(d, uuid, strcmp(arg, "upgrade") == 0);
}

static int refresh(struct zf_daemon *d, const struct zf_snapshot *snap)
{
	return refresh_capsule(d, snap->uuid);
}

/* Its containers, then its emptyDir and cinder volumes (which they used). */
static int remove_all(struct zf_daemon *d, const struct zf_snapshot *snap, struct zf_err *err)
{
	int r = zf_steps_remove_containers(d, snap->uuid, snap->engine_id, err);

	if (r == 0)
		r = prune_empty_dirs(d, snap->uuid, NULL, err);
	return r < 0 ? r : release_cinder_volumes(d, snap, snap->capsule, NULL, err);
}

/* A member's: its container (its capsule's emptyDirs stay). */
static int member_remove(struct zf_daemon *d, const struct zf_snapshot *snap, struct zf_err *err)
{
	return zf_steps_remove_containers(d, snap->uuid, snap->engine_id, err);
}

static void load_locked(struct zf_registry *reg, struct zf_object *obj)
{
	(void)reg;
	struct zf_spec_error e;

	if (obj->rec.spec[0])
		zf_spec_parse_capsule(obj->rec.spec, strlen(obj->rec.spec), &obj->capsule, &e);
}

const struct zf_kind_ops zf_capsule_ops = {
	.failed_state = ZF_STATE_FAILED,
	.deleting_task = "container_deleting",
	.load_locked = load_locked,
	.apply_spec = apply_capsule_spec,
	.launch = launch,
	.refresh = refresh,
	.remove = remove_all,
};

/* ---- a capsule's containers ---- */

static int member_launch(struct zf_daemon *d, const char *uuid, const char *arg)
{
	struct zf_snapshot snap;
	int r;

	(void)arg;
	r = zf_snapshot_take(d, uuid, &snap);
	if (r < 0)
		return r;
	r = snap.deleting ? -ENOENT : launch_member(d, &snap);
	zf_snapshot_clear(&snap);
	return r;
}

static int member_refresh(struct zf_daemon *d, const struct zf_snapshot *snap)
{
	return zf_steps_refresh(d, snap->uuid, snap->engine_id, true);
}

static void member_load_locked(struct zf_registry *reg, struct zf_object *obj)
{
	struct zf_spec_error e;

	if (obj->rec.spec[0])
		zf_spec_parse_member(obj->rec.spec, strlen(obj->rec.spec),
				     zf_registry_member_unit_locked(reg, obj), &obj->spec, NULL, &e);
}

/* Members are containers to the engine, labelled with their capsule's uuid:
 * their own removal (an added member's rmdir) goes by engine id. */
const struct zf_kind_ops zf_member_ops = {
	.failed_state = ZF_STATE_ERROR,
	.deleting_task = "container_deleting",
	.load_locked = member_load_locked,
	.apply_spec = apply_member_spec,
	.launch = member_launch,
	.ctl = zf_container_ctl, /* resize only (actions.c) */
	.refresh = member_refresh,
	.remove = member_remove,
};
