/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "docker_json.h"

static void copy_str(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src ? src : "");
}

static const char *get_str(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

void zf_docker_error_message(const char *body, char *buf, size_t size)
{
	json_t *root = body ? json_loads(body, 0, NULL) : NULL;
	const char *msg = root ? get_str(root, "message") : NULL;
	size_t n;

	copy_str(buf, size, msg ? msg : body);
	json_decref(root);
	/* one line: status_reason is a single line */
	n = strcspn(buf, "\r\n");
	buf[n] = '\0';
}

/* The check's output: trailing blank space off, and the last bytes when it
 * is longer than out (where a failing command says why), cut at a UTF-8
 * character's start so that it stays valid JSON text. */
static void health_output(const char *s, char *out, size_t size)
{
	size_t n = s ? strlen(s) : 0;

	while (n > 0 && strchr(" \t\r\n", s[n - 1]))
		n--;
	if (n >= size) {
		s += n - (size - 1);
		n = size - 1;
		while (n > 0 && (*s & 0xc0) == 0x80) {
			s++;
			n--;
		}
	}
	if (n)
		memcpy(out, s, n);
	out[n] = '\0';
}

/* State.Health: absent without a check (neither the spec's nor the image's). */
static void parse_health(json_t *h, struct zf_health *ret)
{
	json_t *log = json_object_get(h, "Log"), *last;

	if (!json_is_object(h) || !get_str(h, "Status"))
		return;
	copy_str(ret->status, sizeof(ret->status), get_str(h, "Status"));
	ret->failing_streak = (int)json_integer_value(json_object_get(h, "FailingStreak"));
	/* the engine keeps the last five checks, oldest first */
	last = json_is_array(log) ? json_array_get(log, json_array_size(log) - 1) : NULL;
	if (json_is_object(last)) {
		ret->exit_code = (int)json_integer_value(json_object_get(last, "ExitCode"));
		copy_str(ret->end, sizeof(ret->end), get_str(last, "End"));
		health_output(get_str(last, "Output"), ret->output, sizeof(ret->output));
	}
}

int zf_docker_parse_inspect(const char *json, struct zf_container_state *ret_state)
{
	struct zf_container_state st = { .exit_code = -1 };
	/* a check's output is the container's bytes: a NUL in it (\u0000) must
	 * not make the whole state unreadable */
	json_t *root = json_loads(json, JSON_ALLOW_NUL, NULL);
	json_t *state, *labels;
	int r = -EINVAL;

	if (!json_is_object(root))
		goto out;
	state = json_object_get(root, "State");
	if (!json_is_object(state) || !get_str(root, "Id"))
		goto out;
	copy_str(st.id, sizeof(st.id), get_str(root, "Id"));
	copy_str(st.status, sizeof(st.status), get_str(state, "Status"));
	st.exit_code = (int)json_integer_value(json_object_get(state, "ExitCode"));
	st.pid = (int)json_integer_value(json_object_get(state, "Pid"));
	st.oom_killed = json_is_true(json_object_get(state, "OOMKilled"));
	copy_str(st.error, sizeof(st.error), get_str(state, "Error"));
	copy_str(st.started_at, sizeof(st.started_at), get_str(state, "StartedAt"));
	copy_str(st.finished_at, sizeof(st.finished_at), get_str(state, "FinishedAt"));
	parse_health(json_object_get(state, "Health"), &st.health);
	labels = json_object_get(json_object_get(root, "Config"), "Labels");
	copy_str(st.uuid, sizeof(st.uuid), get_str(labels, ZF_LABEL_UUID));
	copy_str(st.instance, sizeof(st.instance), get_str(labels, ZF_LABEL_INSTANCE));
	{
		/* the first address any of its networks gives (none: "") */
		json_t *nets = json_object_get(json_object_get(root, "NetworkSettings"), "Networks");
		const char *key;
		json_t *net;

		json_object_foreach(nets, key, net) {
			const char *ip = get_str(net, "IPAddress");

			if (ip && *ip && !st.ip[0])
				copy_str(st.ip, sizeof(st.ip), ip);
		}
	}
	*ret_state = st;
	r = 0;
out:
	json_decref(root);
	return r;
}

int zf_docker_parse_create(const char *json, char **ret_id)
{
	json_t *root = json_loads(json, 0, NULL);
	const char *id = root ? get_str(root, "Id") : NULL;
	int r = -EINVAL;

	if (id && *id) {
		*ret_id = strdup(id);
		r = *ret_id ? 0 : -ENOMEM;
	}
	json_decref(root);
	return r;
}

int zf_docker_parse_image_user(const char *json, char **ret_user)
{
	json_t *root = json_loads(json, 0, NULL);
	json_t *config = root ? json_object_get(root, "Config") : NULL;
	const char *user = get_str(config, "User");
	int r = -EINVAL;

	if (json_is_object(root)) {
		*ret_user = strdup(user ? user : "");
		r = *ret_user ? 0 : -ENOMEM;
	}
	json_decref(root);
	return r;
}

/* The owner's extra labels (zunfs.*, not the identity ones) into s. */
static void summary_labels(json_t *labels, struct zf_container_summary *s)
{
	static const char *const identity[] = { ZF_LABEL_UUID, ZF_LABEL_KIND, ZF_LABEL_NAME,
						ZF_LABEL_OWNER, ZF_LABEL_INSTANCE };
	const char *key;
	json_t *value;

	json_object_foreach(labels, key, value) {
		bool ours = strncmp(key, ZF_LABEL_PREFIX, strlen(ZF_LABEL_PREFIX)) == 0;

		for (size_t k = 0; ours && k < sizeof(identity) / sizeof(identity[0]); k++)
			ours = strcmp(key, identity[k]) != 0;
		if (!ours || !json_is_string(value) || s->n_labels >= ZF_SUMMARY_LABELS_MAX)
			continue;
		copy_str(s->labels[s->n_labels].key, sizeof(s->labels[0].key), key);
		copy_str(s->labels[s->n_labels].value, sizeof(s->labels[0].value),
			 json_string_value(value));
		s->n_labels++;
	}
}

const char *zf_summary_label(const struct zf_container_summary *s, const char *key)
{
	for (int i = 0; i < s->n_labels; i++)
		if (strcmp(s->labels[i].key, key) == 0)
			return s->labels[i].value;
	return "";
}

int zf_docker_parse_list(const char *json, struct zf_container_summary **ret_list)
{
	json_t *root = json_loads(json, 0, NULL);
	struct zf_container_summary *list = NULL;
	size_t i, n;
	json_t *item;
	int r = -EINVAL;

	if (!json_is_array(root))
		goto out;
	n = json_array_size(root);
	list = calloc(n ? n : 1, sizeof(*list));
	if (!list) {
		r = -ENOMEM;
		goto out;
	}
	json_array_foreach(root, i, item) {
		json_t *labels = json_object_get(item, "Labels");

		copy_str(list[i].id, sizeof(list[i].id), get_str(item, "Id"));
		copy_str(list[i].state, sizeof(list[i].state), get_str(item, "State"));
		copy_str(list[i].uuid, sizeof(list[i].uuid), get_str(labels, ZF_LABEL_UUID));
		copy_str(list[i].instance, sizeof(list[i].instance),
			 get_str(labels, ZF_LABEL_INSTANCE));
		copy_str(list[i].kind, sizeof(list[i].kind), get_str(labels, ZF_LABEL_KIND));
		copy_str(list[i].name, sizeof(list[i].name), get_str(labels, ZF_LABEL_NAME));
		summary_labels(labels, &list[i]);
	}
	*ret_list = list;
	list = NULL;
	r = (int)n;
out:
	free(list);
	json_decref(root);
	return r;
}

int zf_docker_parse_event(const char *line, struct zf_engine_event *ret_event)
{
	struct zf_engine_event ev = { .exit_code = -1 };
	json_t *root = json_loads(line, 0, NULL);
	json_t *actor, *attrs;
	const char *type, *action, *code;
	int r = -EINVAL;

	if (!json_is_object(root))
		goto out;
	type = get_str(root, "Type");
	action = get_str(root, "Action");
	actor = json_object_get(root, "Actor");
	if (!type || !action || !json_is_object(actor))
		goto out;
	if (strcmp(type, "container") != 0) {
		r = -ENOENT;
		goto out;
	}
	attrs = json_object_get(actor, "Attributes");
	copy_str(ev.id, sizeof(ev.id), get_str(actor, "ID"));
	/* "exec_start: sh -c ..." carries its command after a colon */
	snprintf(ev.action, sizeof(ev.action), "%.*s", (int)strcspn(action, ":"), action);
	copy_str(ev.uuid, sizeof(ev.uuid), get_str(attrs, ZF_LABEL_UUID));
	copy_str(ev.instance, sizeof(ev.instance), get_str(attrs, ZF_LABEL_INSTANCE));
	code = get_str(attrs, "exitCode");
	if (code)
		ev.exit_code = atoi(code);
	*ret_event = ev;
	r = 0;
out:
	json_decref(root);
	return r;
}

int zf_docker_pull_result(const char *body, char *buf, size_t size)
{
	const char *p = body;

	/* the body is a stream of JSON objects, one a line */
	while (p && *p) {
		size_t n = strcspn(p, "\n");
		json_t *o = json_loadb(p, n, 0, NULL);
		const char *e = o ? get_str(o, "error") : NULL;

		if (e) {
			copy_str(buf, size, e);
			json_decref(o);
			return -EIO;
		}
		json_decref(o);
		p += n;
		if (*p == '\n')
			p++;
	}
	return 0;
}

/* One layer of a pull, as its progress lines tell it. */
struct zf_pull_layer {
	char id[72];
	int64_t total; /* its size, 0 until the engine says */
	int64_t downloaded;
	int64_t extracted;
	bool done;
};

/* The layer id of t, added if new (NULL when there are too many or no memory). */
static struct zf_pull_layer *pull_layer(struct zf_pull_tracker *t, const char *id, int *ret_r)
{
	struct zf_pull_layer *l;

	*ret_r = 0;
	for (size_t i = 0; i < t->n_layers; i++)
		if (strcmp(t->layers[i].id, id) == 0)
			return &t->layers[i];
	if (t->n_layers >= ZF_PULL_LAYERS_MAX)
		return NULL;
	if (t->n_layers == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 8;

		l = realloc(t->layers, cap * sizeof(*l));
		if (!l) {
			*ret_r = -ENOMEM;
			return NULL;
		}
		t->layers = l;
		t->cap = cap;
	}
	l = &t->layers[t->n_layers++];
	memset(l, 0, sizeof(*l));
	copy_str(l->id, sizeof(l->id), id);
	*ret_r = 1; /* a new layer is news */
	return l;
}

static int64_t get_int(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	return json_is_integer(v) && json_integer_value(v) > 0 ? json_integer_value(v) : 0;
}

int zf_docker_pull_track(struct zf_pull_tracker *t, const char *line, size_t len)
{
	json_t *o = json_loadb(line, len, 0, NULL);
	const char *status, *id, *e;
	struct zf_pull_layer *l, before;
	json_t *detail;
	int64_t current, total;
	int r = 0;

	if (!json_is_object(o))
		goto out;
	e = get_str(o, "error");
	if (e) {
		if (!t->failed)
			copy_str(t->error, sizeof(t->error), e);
		t->failed = true;
		r = -EIO;
		goto out;
	}
	status = get_str(o, "status");
	id = get_str(o, "id");
	detail = json_object_get(o, "progressDetail");
	/* layers' lines carry a progressDetail; "Pulling from NAME" (the tag as
	 * its id) and "Digest: ..." do not */
	if (!status || !id || !json_is_object(detail))
		goto out;
	l = pull_layer(t, id, &r);
	if (!l)
		goto out;
	before = *l;
	current = get_int(detail, "current");
	total = get_int(detail, "total");
	if (total > 0 && (strcmp(status, "Downloading") == 0 || strcmp(status, "Extracting") == 0))
		l->total = total;
	if (strcmp(status, "Downloading") == 0) {
		l->downloaded = current;
	} else if (strcmp(status, "Verifying Checksum") == 0 ||
		   strcmp(status, "Download complete") == 0) {
		l->downloaded = l->total;
	} else if (strcmp(status, "Extracting") == 0) {
		l->downloaded = l->total;
		l->extracted = current;
	} else if (strcmp(status, "Pull complete") == 0 || strcmp(status, "Already exists") == 0) {
		l->downloaded = l->extracted = l->total;
		l->done = true;
	}
	if (l->total > 0) {
		l->downloaded = l->downloaded < l->total ? l->downloaded : l->total;
		l->extracted = l->extracted < l->total ? l->extracted : l->total;
	}
	if (r == 0)
		r = before.total != l->total || before.downloaded != l->downloaded ||
		    before.extracted != l->extracted || before.done != l->done;
out:
	json_decref(o);
	return r;
}

void zf_docker_pull_progress(const struct zf_pull_tracker *t, struct zf_pull_progress *ret)
{
	struct zf_pull_progress p = { 0 };

	for (size_t i = 0; i < t->n_layers; i++) {
		const struct zf_pull_layer *l = &t->layers[i];

		p.layers++;
		p.layers_done += l->done;
		if (l->total > 0) {
			p.total += l->total;
			p.downloaded += l->downloaded;
			p.extracted += l->extracted;
		}
	}
	*ret = p;
}

void zf_docker_pull_tracker_clear(struct zf_pull_tracker *t)
{
	free(t->layers);
	memset(t, 0, sizeof(*t));
}

static int set_new(json_t *obj, const char *key, json_t *value)
{
	return value ? json_object_set_new(obj, key, value) : -1;
}

static json_t *labels_json(const struct zf_kv *user, size_t n_user,
			   const struct zf_owner_labels *owner)
{
	json_t *labels = json_object();
	char uid[16];

	if (!labels)
		return NULL;
	for (size_t i = 0; i < n_user; i++)
		json_object_set_new(labels, user[i].key, json_string(user[i].value));
	/* ours last, so a user label cannot mask them */
	snprintf(uid, sizeof(uid), "%u", owner->owner_uid);
	json_object_set_new(labels, ZF_LABEL_UUID, json_string(owner->uuid));
	json_object_set_new(labels, ZF_LABEL_KIND, json_string(owner->kind));
	json_object_set_new(labels, ZF_LABEL_NAME, json_string(owner->name));
	json_object_set_new(labels, ZF_LABEL_INSTANCE, json_string(owner->instance));
	json_object_set_new(labels, ZF_LABEL_OWNER, json_string(uid));
	for (size_t i = 0; i < owner->n_extra; i++)
		json_object_set_new(labels, owner->extra[i].key, json_string(owner->extra[i].value));
	return labels;
}

/* A NULL-terminated list of strings as a JSON array. */
static json_t *strings_json(char *const *list)
{
	json_t *a = json_array();

	for (; a && *list; list++)
		json_array_append_new(a, json_string(*list));
	return a;
}

/* Config.Healthcheck: durations in nanoseconds; 0 is the engine's default. */
static json_t *healthcheck_json(const struct zf_healthcheck *h)
{
	json_t *o = json_object();

	set_new(o, "Test", strings_json(h->test));
	set_new(o, "Interval", json_integer(h->interval_ns));
	set_new(o, "Timeout", json_integer(h->timeout_ns));
	set_new(o, "Retries", json_integer(h->retries));
	set_new(o, "StartPeriod", json_integer(h->start_period_ns));
	if (h->start_interval_ns)
		set_new(o, "StartInterval", json_integer(h->start_interval_ns));
	return o;
}

char *zf_docker_create_body(const struct zf_container_config *cfg,
			    const struct zf_owner_labels *owner)
{
	json_t *root = json_object(), *host = json_object();
	json_t *restart = json_object();
	char *out = NULL;

	if (!root || !host || !restart)
		goto out;
	set_new(root, "Image", json_string(cfg->image));
	if (cfg->command) {
		json_t *cmd = json_array();

		for (char **p = cfg->command; *p; p++)
			json_array_append_new(cmd, json_string(*p));
		set_new(root, "Cmd", cmd);
	}
	if (cfg->workdir)
		set_new(root, "WorkingDir", json_string(cfg->workdir));
	if (cfg->n_env) {
		json_t *env = json_array();

		for (size_t i = 0; i < cfg->n_env; i++) {
			size_t n = strlen(cfg->env[i].key) + strlen(cfg->env[i].value) + 2;
			char *kv = malloc(n);

			if (!kv)
				goto out;
			snprintf(kv, n, "%s=%s", cfg->env[i].key, cfg->env[i].value);
			json_array_append_new(env, json_string(kv));
			free(kv);
		}
		set_new(root, "Env", env);
	}
	set_new(root, "Labels", labels_json(cfg->labels, cfg->n_labels, owner));
	set_new(root, "Tty", json_boolean(cfg->tty));
	set_new(root, "OpenStdin", json_boolean(cfg->stdin_open));
	set_new(root, "AttachStdin", json_boolean(cfg->stdin_open));
	set_new(root, "AttachStdout", json_true());
	set_new(root, "AttachStderr", json_true());
	if (cfg->health)
		set_new(root, "Healthcheck", healthcheck_json(cfg->health));
	/* a container joined to another's network has no ports of its own (the
	 * engine refuses them): a capsule's are its sandbox's */
	if (cfg->n_ports && !cfg->join_ns) {
		json_t *exposed = json_object();

		for (size_t i = 0; i < cfg->n_ports; i++) {
			char key[32];

			snprintf(key, sizeof(key), "%d/%s", cfg->ports[i].container_port,
				 cfg->ports[i].protocol);
			json_object_set_new(exposed, key, json_object());
		}
		set_new(root, "ExposedPorts", exposed);
	}

	if (cfg->hostname)
		set_new(root, "Hostname", json_string(cfg->hostname));
	if (cfg->user)
		set_new(root, "User", json_string(cfg->user));
	if (cfg->read_only_rootfs)
		set_new(host, "ReadonlyRootfs", json_true());
	if (cfg->no_new_privileges)
		set_new(host, "SecurityOpt", json_pack("[s]", "no-new-privileges"));
	if (cfg->cap_drop)
		set_new(host, "CapDrop", strings_json(cfg->cap_drop));
	if (cfg->n_group_add) {
		json_t *groups = json_array();

		for (size_t i = 0; i < cfg->n_group_add; i++) {
			char gid[24];

			snprintf(gid, sizeof(gid), "%lld", (long long)cfg->group_add[i]);
			json_array_append_new(groups, json_string(gid));
		}
		set_new(host, "GroupAdd", groups);
	}
	if (cfg->dns)
		set_new(host, "Dns", strings_json(cfg->dns));
	if (cfg->dns_search)
		set_new(host, "DnsSearch", strings_json(cfg->dns_search));
	if (cfg->dns_options)
		set_new(host, "DnsOptions", strings_json(cfg->dns_options));
	/* No engine network here: containers get loopback only (docs/design.md),
	 * or join a sandbox's namespaces (network brings UTS with it) */
	if (cfg->join_ns) {
		char mode[100];

		snprintf(mode, sizeof(mode), "container:%s", cfg->join_ns);
		set_new(host, "NetworkMode", json_string(mode));
		set_new(host, "IpcMode", json_string(mode));
	} else {
		set_new(host, "NetworkMode", json_string("none"));
		if (cfg->ipc_shareable)
			set_new(host, "IpcMode", json_string("shareable"));
	}
	set_new(restart, "Name", json_string(cfg->restart_policy[0] ? cfg->restart_policy : "no"));
	if (strcmp(cfg->restart_policy, "on-failure") == 0)
		set_new(restart, "MaximumRetryCount", json_integer(cfg->restart_max_retries));
	json_object_set(host, "RestartPolicy", restart);
	if (cfg->n_mounts) {
		json_t *mounts = json_array();

		for (size_t i = 0; i < cfg->n_mounts; i++)
			json_array_append_new(mounts,
					      json_pack("{s:s, s:s, s:s, s:b}", "Type",
							cfg->mounts[i].bind ? "bind" : "volume",
							"Source", cfg->mounts[i].source, "Target",
							cfg->mounts[i].target, "ReadOnly",
							cfg->mounts[i].read_only));
		set_new(host, "Mounts", mounts);
	}
	if (cfg->volumes_from)
		set_new(host, "VolumesFrom", json_pack("[s]", cfg->volumes_from));
	if (cfg->nano_cpus)
		set_new(host, "NanoCpus", json_integer(cfg->nano_cpus));
	if (cfg->memory_bytes)
		set_new(host, "Memory", json_integer(cfg->memory_bytes));
	json_object_set(root, "HostConfig", host);
	out = json_dumps(root, JSON_COMPACT);
out:
	json_decref(restart);
	json_decref(host);
	json_decref(root);
	return out;
}

int zf_docker_parse_version(const char *json, char **ret_line)
{
	json_t *root = json_loads(json, 0, NULL);
	char line[256];
	int r = -EINVAL;

	if (!json_is_object(root) || !get_str(root, "Version"))
		goto out;
	snprintf(line, sizeof(line), "Docker Engine %s (API %s, %s/%s, kernel %s)",
		 get_str(root, "Version"), get_str(root, "ApiVersion") ? get_str(root, "ApiVersion") : "?",
		 get_str(root, "Os") ? get_str(root, "Os") : "?",
		 get_str(root, "Arch") ? get_str(root, "Arch") : "?",
		 get_str(root, "KernelVersion") ? get_str(root, "KernelVersion") : "?");
	*ret_line = strdup(line);
	r = *ret_line ? 0 : -ENOMEM;
out:
	json_decref(root);
	return r;
}

int zf_docker_parse_api_version(const char *json, int *ret_version)
{
	json_t *root = json_loads(json, 0, NULL);
	const char *v = root ? get_str(root, "ApiVersion") : NULL;
	unsigned major, minor;
	char end;
	int r = -EINVAL;

	if (v && sscanf(v, "%u.%u%c", &major, &minor, &end) == 2 && major < 100 && minor < 1000) {
		*ret_version = (int)(major * 1000 + minor);
		r = 0;
	}
	json_decref(root);
	return r;
}

int zf_docker_render_top(const char *json, char **ret_text)
{
	json_t *root = json_loads(json, 0, NULL), *titles, *procs, *row, *cell;
	char *text = NULL;
	size_t len = 0, i, j;
	FILE *f;
	int r = -EINVAL;

	titles = json_object_get(root, "Titles");
	procs = json_object_get(root, "Processes");
	if (!json_is_array(titles) || !json_is_array(procs))
		goto out;
	f = open_memstream(&text, &len);
	if (!f) {
		r = -ENOMEM;
		goto out;
	}
	json_array_foreach(titles, i, cell)
		fprintf(f, "%s%s", i ? "\t" : "", json_string_value(cell) ? json_string_value(cell) : "");
	fputc('\n', f);
	json_array_foreach(procs, i, row) {
		json_array_foreach(row, j, cell)
			fprintf(f, "%s%s", j ? "\t" : "",
				json_string_value(cell) ? json_string_value(cell) : "");
		fputc('\n', f);
	}
	if (fclose(f) != 0) {
		free(text);
		r = -ENOMEM;
		goto out;
	}
	*ret_text = text;
	r = 0;
out:
	json_decref(root);
	return r;
}

static json_int_t int_at(json_t *o, const char *a, const char *b, const char *c)
{
	json_t *v = json_object_get(o, a);

	if (b)
		v = json_object_get(v, b);
	if (c)
		v = json_object_get(v, c);
	return json_is_integer(v) ? json_integer_value(v) : 0;
}

/* a + b, held at json_int_t's ends: the engine's counters, summed, may not fit */
static json_int_t add_held(json_int_t a, json_int_t b)
{
	json_int_t sum;

	if (__builtin_add_overflow(a, b, &sum))
		return b > 0 ? LLONG_MAX : LLONG_MIN;
	return sum;
}

int zf_docker_summarize_stats(const char *json, char **ret_json)
{
	json_t *root = json_loads(json, 0, NULL), *out = NULL, *blk, *nets, *e;
	json_int_t cpu, precpu, sys, presys, mem, limit, cache, rd = 0, wr = 0, rx = 0, tx = 0;
	long cpus;
	size_t i;
	const char *key;
	int r = -EINVAL;

	if (!json_is_object(root) || !json_object_get(root, "memory_stats"))
		goto done;
	cpu = int_at(root, "cpu_stats", "cpu_usage", "total_usage");
	precpu = int_at(root, "precpu_stats", "cpu_usage", "total_usage");
	sys = int_at(root, "cpu_stats", "system_cpu_usage", NULL);
	presys = int_at(root, "precpu_stats", "system_cpu_usage", NULL);
	cpus = (long)int_at(root, "cpu_stats", "online_cpus", NULL);
	if (cpus <= 0)
		cpus = (long)json_array_size(
			json_object_get(json_object_get(json_object_get(root, "cpu_stats"), "cpu_usage"),
					"percpu_usage"));
	if (cpus <= 0)
		cpus = 1;
	mem = int_at(root, "memory_stats", "usage", NULL);
	/* as docker stats: the page cache is not the container's own use (cgroup v1) */
	cache = int_at(root, "memory_stats", "stats", "total_inactive_file");
	if (cache > 0 && cache < mem)
		mem -= cache;
	limit = int_at(root, "memory_stats", "limit", NULL);
	blk = json_object_get(json_object_get(root, "blkio_stats"), "io_service_bytes_recursive");
	json_array_foreach(blk, i, e) {
		const char *op = json_string_value(json_object_get(e, "op"));
		json_int_t v = json_integer_value(json_object_get(e, "value"));

		if (op && strcasecmp(op, "read") == 0)
			rd = add_held(rd, v);
		else if (op && strcasecmp(op, "write") == 0)
			wr = add_held(wr, v);
	}
	out = json_object();
	json_object_set_new(out, "read_at", json_string(get_str(root, "read") ? get_str(root, "read") : ""));
	json_object_set_new(out, "cpu_percent",
			    json_real(sys > presys && cpu >= precpu
					      ? ((double)cpu - (double)precpu) /
							((double)sys - (double)presys) * (double)cpus *
							100.0
					      : 0.0));
	json_object_set_new(out, "online_cpus", json_integer(cpus));
	json_object_set_new(out, "memory_usage", json_integer(mem));
	json_object_set_new(out, "memory_limit", json_integer(limit));
	json_object_set_new(out, "memory_percent",
			    json_real(limit > 0 ? (double)mem / (double)limit * 100.0 : 0.0));
	json_object_set_new(out, "pids", json_integer(int_at(root, "pids_stats", "current", NULL)));
	if (json_is_array(blk)) {
		json_object_set_new(out, "block_read", json_integer(rd));
		json_object_set_new(out, "block_write", json_integer(wr));
	}
	nets = json_object_get(root, "networks");
	if (json_is_object(nets)) {
		json_object_foreach(nets, key, e) {
			rx = add_held(rx, json_integer_value(json_object_get(e, "rx_bytes")));
			tx = add_held(tx, json_integer_value(json_object_get(e, "tx_bytes")));
		}
		json_object_set_new(out, "net_rx", json_integer(rx));
		json_object_set_new(out, "net_tx", json_integer(tx));
	}
	*ret_json = json_dumps(out, JSON_INDENT(2) | JSON_SORT_KEYS);
	r = *ret_json ? 0 : -ENOMEM;
done:
	json_decref(out);
	json_decref(root);
	return r;
}

char *zf_docker_exec_body(char *const *argv, bool tty, bool with_stdin)
{
	json_t *o = json_object(), *cmd = json_array();
	char *out;

	for (char *const *p = argv; *p; p++)
		json_array_append_new(cmd, json_string(*p));
	json_object_set_new(o, "Cmd", cmd);
	json_object_set_new(o, "Tty", json_boolean(tty));
	json_object_set_new(o, "AttachStdin", json_boolean(with_stdin));
	json_object_set_new(o, "DetachKeys", json_string(ZF_DOCKER_DETACH_KEYS));
	json_object_set_new(o, "AttachStdout", json_true());
	json_object_set_new(o, "AttachStderr", json_true());
	out = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	return out;
}

int zf_docker_parse_exec(const char *json, bool *ret_running, int *ret_exit_code)
{
	json_t *root = json_loads(json, 0, NULL);
	json_t *running = json_object_get(root, "Running");
	int r = -EINVAL;

	if (json_is_boolean(running)) {
		*ret_running = json_is_true(running);
		*ret_exit_code = (int)json_integer_value(json_object_get(root, "ExitCode"));
		r = 0;
	}
	json_decref(root);
	return r;
}

char *zf_docker_volume_create_body(const char *name, const struct zf_kv *opts, size_t n_opts,
				   const struct zf_owner_labels *owner)
{
	json_t *root = json_object(), *dopts = json_object();
	char *out = NULL;

	if (!root || !dopts)
		goto out;
	for (size_t i = 0; i < n_opts; i++)
		json_object_set_new(dopts, opts[i].key, json_string(opts[i].value));
	set_new(root, "Name", json_string(name));
	set_new(root, "Driver", json_string("local"));
	json_object_set(root, "DriverOpts", dopts);
	set_new(root, "Labels", labels_json(NULL, 0, owner));
	out = json_dumps(root, JSON_COMPACT);
out:
	json_decref(dopts);
	json_decref(root);
	return out;
}

int zf_docker_parse_volume(const char *json, char **ret_mountpoint)
{
	json_t *root = json_loads(json, 0, NULL);
	const char *mp = root ? get_str(root, "Mountpoint") : NULL;
	int r = -EINVAL;

	if (mp) {
		*ret_mountpoint = strdup(mp);
		r = *ret_mountpoint ? 0 : -ENOMEM;
	}
	json_decref(root);
	return r;
}

int zf_docker_parse_volume_list(const char *json, struct zf_volume_summary **ret_list)
{
	json_t *root = json_loads(json, 0, NULL);
	json_t *vols = root ? json_object_get(root, "Volumes") : NULL;
	struct zf_volume_summary *list;
	size_t n;
	int r = -EINVAL;

	if (!json_is_object(root))
		goto out;
	/* an engine with no volumes may say null */
	n = json_is_array(vols) ? json_array_size(vols) : 0;
	list = calloc(n + 1, sizeof(*list));
	if (!list) {
		r = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		json_t *v = json_array_get(vols, i);

		copy_str(list[i].name, sizeof(list[i].name), get_str(v, "Name"));
		copy_str(list[i].uuid, sizeof(list[i].uuid),
			 get_str(json_object_get(v, "Labels"), ZF_LABEL_UUID));
	}
	*ret_list = list;
	r = (int)n;
out:
	json_decref(root);
	return r;
}
