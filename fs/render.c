/* SPDX-License-Identifier: Apache-2.0 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "health.h"
#include "render.h"
#include "volumes.h"

static char *line_of(const char *s)
{
	size_t n = strlen(s);
	char *out = malloc(n + 2);

	if (!out)
		return NULL;
	memcpy(out, s, n);
	/* an empty value reads as an empty file, not a lone newline */
	if (n)
		out[n++] = '\n';
	out[n] = '\0';
	return out;
}

static json_t *kv_object(const struct zf_kv *kv, size_t n)
{
	json_t *o = json_object();

	for (size_t i = 0; i < n; i++)
		json_object_set_new(o, kv[i].key, json_string(kv[i].value));
	return o;
}

static const char *pull_word(enum zf_pull_policy p)
{
	return p == ZF_PULL_ALWAYS ? "Always" : p == ZF_PULL_NEVER ? "Never" : "IfNotPresent";
}

/* seconds, whole when they are */
static json_t *seconds_json(int64_t ns)
{
	if (ns % 1000000000 == 0)
		return json_integer(ns / 1000000000);
	return json_real((double)ns / 1e9);
}

/* The container's check as the engine gets it (Zun's show field
 * "healthcheck", in seconds), what asked for it, and what zunfs does
 * when it fails; null without one. */
static json_t *healthcheck_json(const struct zf_container_spec *spec)
{
	static const struct {
		unsigned bit;
		const char *word;
	} from[] = {
		{ ZF_CHECK_LIVENESS, "livenessProbe" },
		{ ZF_CHECK_READINESS, "readinessProbe" },
		{ ZF_CHECK_STARTUP, "startupProbe" },
		{ ZF_CHECK_ZUN, "healthcheck" },
	};
	const struct zf_healthcheck *h = spec->cfg->health;
	json_t *o, *test, *list;

	if (!h)
		return json_null();
	o = json_object();
	test = json_array();
	list = json_array();
	for (char **p = h->test; p && *p; p++)
		json_array_append_new(test, json_string(*p));
	for (size_t i = 0; i < sizeof(from) / sizeof(from[0]); i++)
		if (spec->check_from & from[i].bit)
			json_array_append_new(list, json_string(from[i].word));
	json_object_set_new(o, "test", test);
	/* 0 is the engine's default */
	json_object_set_new(o, "interval", h->interval_ns ? seconds_json(h->interval_ns) : json_null());
	json_object_set_new(o, "timeout", h->timeout_ns ? seconds_json(h->timeout_ns) : json_null());
	json_object_set_new(o, "retries", h->retries ? json_integer(h->retries) : json_null());
	json_object_set_new(o, "start_period", seconds_json(h->start_period_ns));
	json_object_set_new(o, "start_interval", h->start_interval_ns
							 ? seconds_json(h->start_interval_ns)
							 : json_null());
	json_object_set_new(o, "from", list);
	json_object_set_new(o, "kill_when_unhealthy",
			    json_boolean(spec->check_from & ZF_CHECK_LIVENESS));
	return o;
}

/* The accepted spec, normalised, as JSON. */
static json_t *spec_json(const struct zf_container_spec *spec)
{
	const struct zf_container_config *c = spec->cfg;
	json_t *o = json_object(), *cmd = json_null(), *ports = json_array(),
	       *mounts = json_array();

	if (c->command) {
		cmd = json_array();
		for (char **p = c->command; *p; p++)
			json_array_append_new(cmd, json_string(*p));
	}
	for (size_t i = 0; i < c->n_ports; i++) {
		json_t *p = json_object();

		json_object_set_new(p, "containerPort", json_integer(c->ports[i].container_port));
		json_object_set_new(p, "hostPort", c->ports[i].host_port
							   ? json_integer(c->ports[i].host_port)
							   : json_null());
		json_object_set_new(p, "protocol", json_string(c->ports[i].protocol));
		json_array_append_new(ports, p);
	}
	for (size_t i = 0; i < spec->n_mounts; i++) {
		json_t *m = json_object();

		json_object_set_new(m, "name", json_string(spec->mounts[i].name));
		json_object_set_new(m, "mountPath", json_string(spec->mounts[i].mount_path));
		json_object_set_new(m, "readOnly", json_boolean(spec->mounts[i].read_only));
		json_array_append_new(mounts, m);
	}
	json_object_set_new(o, "image", c->image ? json_string(c->image) : json_null());
	json_object_set_new(o, "hostname", c->hostname ? json_string(c->hostname) : json_null());
	json_object_set_new(o, "command", cmd);
	json_object_set_new(o, "workDir", c->workdir ? json_string(c->workdir) : json_null());
	json_object_set_new(o, "env", kv_object(c->env, c->n_env));
	json_object_set_new(o, "labels", kv_object(c->labels, c->n_labels));
	json_object_set_new(o, "tty", json_boolean(c->tty));
	json_object_set_new(o, "stdin_open", json_boolean(c->stdin_open));
	json_object_set_new(o, "restartPolicy", json_string(c->restart_policy));
	json_object_set_new(o, "imagePullPolicy", json_string(pull_word(c->pull_policy)));
	json_object_set_new(o, "cpu", c->nano_cpus ? json_real((double)c->nano_cpus / 1e9)
						   : json_null());
	json_object_set_new(o, "memory", c->memory_bytes ? json_integer(c->memory_bytes)
							 : json_null());
	json_object_set_new(o, "ports", ports);
	json_object_set_new(o, "volumeMounts", mounts);
	json_object_set_new(o, "sandbox", spec->sandbox ? json_string(spec->sandbox) : json_null());
	json_object_set_new(o, "healthcheck", healthcheck_json(spec));
	return o;
}

/* A capsule's members: [{name, status, container_id}], in creation order. */
static json_t *members_json(const struct zf_object *obj, const struct zf_object *all,
			    json_t *engine_ids)
{
	json_t *list = json_array(), *ids = json_object();

	for (const struct zf_object *m = all; m; m = m->next) {
		if (m->rec.deleting || strcmp(m->rec.parent, obj->rec.uuid) != 0)
			continue;
		json_array_append_new(list, json_pack("{s:s, s:s, s:s?, s:b, s:o}", "name",
						      m->rec.name, "status",
						      zf_state_word(m->rec.status), "container_id",
						      m->rec.engine_id[0] ? m->rec.engine_id : NULL,
						      "added", m->rec.added, "health",
						      zf_health_json(m)));
		if (m->rec.engine_id[0])
			json_object_set_new(ids, m->rec.name, json_string(m->rec.engine_id));
	}
	json_object_set_new(engine_ids, "members", ids);
	return list;
}

/* A volume's details: its driver and options (its spec, kept parsed), the
 * driver's volume id (an engine volume's name), where the host sees its
 * files, and who uses it. */
static void volume_json(json_t *o, const struct zf_object *obj, const struct zf_object *all)
{
	const struct zf_object *user = zf_volume_user_in(all, obj->rec.name);
	const struct zf_volume_spec *v = obj->volume;
	char who[ZF_NAME_MAX + 16];

	json_object_set_new(o, "driver", v ? json_string(v->driver) : json_null());
	json_object_set_new(o, "size", v && v->size_bytes ? json_integer(v->size_bytes)
							  : json_null());
	json_object_set_new(o, "driver_options",
			    v ? kv_object(v->opts, v->n_opts) : json_object());
	json_object_set_new(o, "volume_name", obj->rec.engine_id[0]
						      ? json_string(obj->rec.engine_id)
						      : json_null());
	json_object_set_new(o, "mountpoint", obj->host_path ? json_string(obj->host_path)
							    : json_null());
	if (user)
		snprintf(who, sizeof(who), "%s/%s", zf_kind_dir(user->rec.kind), user->rec.name);
	json_object_set_new(o, "used_by", user ? json_string(who) : json_null());
	/* the spec in force, in its own words */
	if (v)
		json_object_set_new(
			o, "spec",
			json_pack("{s:s, s:o, s:s?, s:s?, s:o}", "driver", v->driver, "size",
				  v->size_bytes ? json_integer(v->size_bytes) : json_null(),
				  "volumeID", v->volume_id, "volumeType", v->volume_type,
				  "driverOptions", kv_object(v->opts, v->n_opts)));
}

static json_t *members_spec_json(const struct zf_capsule_member *m, size_t n)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++) {
		json_t *one = spec_json(m[i].spec);

		json_object_set_new(one, "name", json_string(m[i].name));
		json_object_del(one, "sandbox"); /* the capsule's */
		json_array_append_new(a, one);
	}
	return a;
}

/* A capsule's spec in force (as parsed: defaults filled in). */
static json_t *capsule_spec_json(const struct zf_capsule_spec *c)
{
	json_t *volumes = json_array();

	for (size_t i = 0; i < c->n_volumes; i++) {
		const struct zf_capsule_volume *v = &c->volumes[i];
		json_t *one = json_pack("{s:s}", "name", v->name);

		if (v->zunfs_volume)
			json_object_set_new(one, "volume", json_string(v->zunfs_volume));
		else if (v->empty_dir)
			json_object_set_new(
				one, "emptyDir",
				json_pack("{s:s, s:o}", "medium", v->memory_medium ? "Memory" : "",
					  "sizeLimit",
					  v->size_limit_bytes ? json_integer(v->size_limit_bytes)
							      : json_null()));
		else
			json_object_set_new(
				one, "cinder",
				json_pack("{s:s?, s:o, s:s?, s:b}", "volumeID", v->cinder_id, "size",
					  v->cinder_size_gb ? json_integer(v->cinder_size_gb)
							    : json_null(),
					  "volumeType", v->cinder_type, "autoRemove",
					  v->auto_remove));
		json_array_append_new(volumes, one);
	}
	return json_pack("{s:{s:s?, s:o, s:o}, s:s?, s:s?, s:s, s:o, s:o, s:o}", "metadata",
			 "name", c->name, "labels", kv_object(c->labels, c->n_labels),
			 "annotations", kv_object(c->annotations, c->n_annotations),
			 "availabilityZone", c->availability_zone, "hostname", c->hostname,
			 "restartPolicy", c->restart_policy, "initContainers",
			 members_spec_json(c->init_containers, c->n_init_containers), "containers",
			 members_spec_json(c->containers, c->n_containers), "volumes", volumes);
}

/* What the capsule's spec in force says, in inspect.json's words: its labels,
 * restart policy, volumes, and its members' ports (exposed on the sandbox). */
static void capsule_json(json_t *o, const struct zf_capsule_spec *c)
{
	json_t *volumes = json_array(), *ports = json_array();

	for (size_t i = 0; i < c->n_volumes; i++) {
		const struct zf_capsule_volume *v = &c->volumes[i];

		json_array_append_new(volumes,
				      json_pack("{s:s, s:s?, s:s?, s:b}", "name", v->name, "volume",
						v->zunfs_volume, "cinder_id", v->cinder_id, "empty_dir",
						v->empty_dir));
	}
	for (size_t i = 0; i < c->n_containers; i++) {
		const struct zf_container_config *m = c->containers[i].spec->cfg;

		for (size_t j = 0; j < m->n_ports; j++)
			json_array_append_new(
				ports, json_pack("{s:s, s:i, s:o, s:s}", "container",
						 c->containers[i].name, "containerPort",
						 m->ports[j].container_port, "hostPort",
						 m->ports[j].host_port ? json_integer(m->ports[j].host_port)
								       : json_null(),
						 "protocol", m->ports[j].protocol));
	}
	json_object_set_new(o, "volumes", volumes);
	json_object_set_new(o, "ports", ports);
	json_object_set_new(o, "labels", kv_object(c->labels, c->n_labels));
	json_object_set_new(o, "restart_policy", json_string(c->restart_policy));
	/* metadata.name is metadata: the directory names the capsule */
	json_object_set_new(o, "metadata_name", c->name ? json_string(c->name) : json_null());
	json_object_set_new(o, "availability_zone",
			    c->availability_zone ? json_string(c->availability_zone) : json_null());
	json_object_set_new(o, "spec", capsule_spec_json(c));
	/* Kubernetes' namespace: kept, shown, given to fieldRef; "default" unsaid */
	json_object_set_new(o, "namespace",
			    json_string(c->pod_namespace ? c->pod_namespace : "default"));
	{
		/* init containers with restartPolicy Always: they run beside the
		 * members, with no directory of their own */
		json_t *sidecars = json_array();

		for (size_t i = 0; i < c->n_init_containers; i++)
			if (c->init_containers[i].spec->sidecar)
				json_array_append_new(sidecars,
						      json_string(c->init_containers[i].name));
		json_object_set_new(o, "sidecars", sidecars);
	}
}

static char *inspect_json(const struct zf_object *obj, const char *host,
			  const struct zf_object *all)
{
	const struct zf_record *r = &obj->rec;
	json_t *o = json_object();
	char *out;

	json_object_set_new(o, "uuid", json_string(r->uuid));
	json_object_set_new(o, "name", json_string(r->name));
	json_object_set_new(o, "kind", json_string(zf_kind_word(r->kind)));
	if (r->parent[0]) /* a capsule's member */
		json_object_set_new(o, "capsule", json_string(obj->parent_name));
	json_object_set_new(o, "status", json_string(zf_state_word(r->status)));
	json_object_set_new(o, "status_reason", json_string(r->status_reason));
	json_object_set_new(o, "task_state", r->task_state[0] ? json_string(r->task_state)
							       : json_null());
	json_object_set_new(o, "created_at", json_string(r->created_at));
	json_object_set_new(o, "updated_at", json_string(r->updated_at));
	json_object_set_new(o, "owner", json_integer(r->owner));
	json_object_set_new(o, "host", json_string(host ? host : ""));
	json_object_set_new(o, "container_id", r->engine_id[0] ? json_string(r->engine_id)
							       : json_null());
	json_object_set_new(o, "engine_ids", json_pack("{s:s?}", "container",
							r->engine_id[0] ? r->engine_id : NULL));
	/* network "none": a container has loopback only (docs/design.md) */
	json_object_set_new(o, "addresses", json_object());
	json_object_set_new(o, "exit_code", obj->exit_code >= 0 ? json_integer(obj->exit_code)
								: json_null());
	json_object_set_new(o, "started_at", obj->started_at[0] ? json_string(obj->started_at)
								: json_null());
	json_object_set_new(o, "finished_at", obj->finished_at[0] ? json_string(obj->finished_at)
								  : json_null());
	if (obj->spec) {
		json_t *spec = spec_json(obj->spec);

		/* Zun's show fields, flat, beside the spec itself */
		json_object_set(o, "image", json_object_get(spec, "image"));
		json_object_set(o, "command", json_object_get(spec, "command"));
		json_object_set(o, "workdir", json_object_get(spec, "workDir"));
		json_object_set(o, "environment", json_object_get(spec, "env"));
		json_object_set(o, "labels", json_object_get(spec, "labels"));
		json_object_set(o, "cpu", json_object_get(spec, "cpu"));
		json_object_set(o, "memory", json_object_get(spec, "memory"));
		json_object_set(o, "restart_policy", json_object_get(spec, "restartPolicy"));
		json_object_set(o, "image_pull_policy", json_object_get(spec, "imagePullPolicy"));
		json_object_set(o, "tty", json_object_get(spec, "tty"));
		json_object_set(o, "stdin_open", json_object_get(spec, "stdin_open"));
		json_object_set(o, "ports", json_object_get(spec, "ports"));
		json_object_set(o, "volumes", json_object_get(spec, "volumeMounts"));
		json_object_set(o, "healthcheck", json_object_get(spec, "healthcheck"));
		json_object_set_new(o, "spec", spec);
	} else {
		json_object_set_new(o, "spec", json_null());
		json_object_set_new(o, "tty", json_false());
		json_object_set_new(o, "stdin_open", json_false());
		json_object_set_new(o, "ports", json_array());
		json_object_set_new(o, "volumes", json_array());
	}
	if (r->kind == ZF_KIND_CONTAINER) {
		if (!obj->spec)
			json_object_set_new(o, "healthcheck", json_null());
		json_object_set_new(o, "health", zf_health_json(obj));
	}
	json_object_set_new(o, "attached", json_integer(obj->attached));
	if (r->kind == ZF_KIND_CAPSULE) {
		/* the spec generation in force: 1 at the first launch, +1 per upgrade */
		json_object_set_new(o, "generation", json_integer(obj->generation));
		json_object_set_new(o, "upgrading", json_boolean(obj->pending_spec != NULL));
		/* a capsule's engine container is its sandbox; its members have their own */
		json_object_set_new(o, "sandbox_id", r->engine_id[0] ? json_string(r->engine_id)
								     : json_null());
		json_object_set_new(o, "containers",
				    members_json(obj, all, json_object_get(o, "engine_ids")));
		if (obj->capsule)
			capsule_json(o, obj->capsule);
	}
	if (r->kind == ZF_KIND_VOLUME)
		volume_json(o, obj, all);
	out = json_dumps(o, JSON_INDENT(2) | JSON_SORT_KEYS);
	json_decref(o);
	if (out) {
		/* a trailing newline, as every text file has */
		size_t n = strlen(out);
		char *t = realloc(out, n + 2);

		if (!t) {
			free(out);
			return NULL;
		}
		t[n] = '\n';
		t[n + 1] = '\0';
		out = t;
	}
	return out;
}

char *zf_render_file(const struct zf_object *obj, enum zf_file f, const char *host,
		     const struct zf_object *all)
{
	switch (f) {
	case ZF_FILE_SPEC:
		return strdup(obj->rec.spec);
	case ZF_FILE_STATUS:
		return line_of(zf_state_word(obj->rec.status));
	case ZF_FILE_REASON:
		return line_of(obj->rec.status_reason);
	case ZF_FILE_TASK:
		return line_of(obj->rec.task_state);
	case ZF_FILE_INSPECT:
		return inspect_json(obj, host, all);
	case ZF_FILE_SANDBOX:
		return line_of(obj->rec.engine_id);
	case ZF_FILE_HEALTH:
		return zf_health_render(obj);
	default: /* ctl, and the streams (tty, exec, logs, top, stats) fs/fuse/ serves */
		break;
	}
	return strdup("");
}

char *zf_render_version(const char *engine_line)
{
	char buf[512];

	snprintf(buf, sizeof(buf), "zunfs %s\nengine: %s\n", ZF_VERSION,
		 engine_line ? engine_line : "unknown (not reached yet)");
	return strdup(buf);
}

/* bytes in the engine's units (powers of 1000, as `docker pull` shows them) */
static void size_words(int64_t n, char *buf, size_t size)
{
	if (n < 1000)
		snprintf(buf, size, "%lld B", (long long)n);
	else if (n < 1000000)
		snprintf(buf, size, "%.1f kB", (double)n / 1e3);
	else if (n < 1000000000)
		snprintf(buf, size, "%.1f MB", (double)n / 1e6);
	else
		snprintf(buf, size, "%.2f GB", (double)n / 1e9);
}

void zf_render_pull_progress(const char *ref, const struct zf_pull_progress *p, char *buf,
			     size_t size)
{
	char done[32], total[32];
	int64_t n = p->downloaded < p->total ? p->downloaded : p->extracted;

	if (p->total <= 0) {
		if (p->layers > 0)
			snprintf(buf, size, "pulling image %s: %d of %d layers", ref, p->layers_done,
				 p->layers);
		else
			snprintf(buf, size, "pulling image %s", ref);
		return;
	}
	size_words(n, done, sizeof(done));
	size_words(p->total, total, sizeof(total));
	snprintf(buf, size, "pulling image %s: %s%s of %s (%d%%)", ref,
		 p->downloaded < p->total ? "" : "extracting, ", done, total,
		 (int)(n * 100 / p->total));
}
