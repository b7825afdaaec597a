/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The container dialect (containers/NAME/spec.yaml) and the sandbox's
 * (sandboxes/NAME/spec.yaml), which is a few of its keys: each map is a
 * table of keys (yaml.h, zf_yaml_walk) and a handler a key.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dialect.h"

/* Docker refuses smaller memory limits than this. */
#define MIN_MEMORY_BYTES (6 * 1024 * 1024)

/* Adds key: value to kv unless key is there: "WHERE: 'K' is given twice" at at. */
static int kv_put(struct zf_yaml *y, const struct zf_ynode *at, const char *where,
		  struct zf_kv **kv, size_t *n, const char *key, const char *value)
{
	struct zf_kv *a;

	for (size_t i = 0; i < *n; i++)
		if (strcmp((*kv)[i].key, key) == 0)
			return zf_yaml_fail(y, at, "%s: '%s' is given twice", where, key);
	a = realloc(*kv, (*n + 1) * sizeof(**kv));
	if (!a)
		return -ENOMEM;
	*kv = a;
	a[*n].key = strdup(key);
	a[*n].value = strdup(value);
	if (!a[*n].key || !a[*n].value) {
		free(a[*n].key);
		free(a[*n].value);
		return -ENOMEM;
	}
	(*n)++;
	return 0;
}

int zf_spec_want_strings(struct zf_yaml *y, struct zf_ynode *n, const struct zf_spec_strings *how,
			 struct zf_kv **kv, size_t *n_kv)
{
	if (!zf_yaml_is_map(n))
		return zf_yaml_fail(y, n, "%s must be a map of strings", how->where);
	for (size_t i = 0; i < zf_yaml_len(n); i++) {
		struct zf_ynode *k = zf_yaml_key(y, n, i), *v = zf_yaml_value(y, n, i);
		const char *ks, *vs;
		int r;

		if ((r = zf_yaml_want_scalar(y, k, how->key_what, &ks)) < 0 ||
		    (r = zf_yaml_want_scalar(y, v, how->value_what, &vs)) < 0 ||
		    (how->check && (r = how->check(y, k, ks)) < 0) ||
		    (r = kv_put(y, k, how->where, kv, n_kv, ks, vs)) < 0)
			return r;
	}
	return 0;
}

static int check_label(struct zf_yaml *y, struct zf_ynode *k, const char *name)
{
	if (!*name)
		return zf_yaml_fail(y, k, "labels: a label name is empty");
	if (strncmp(name, "zunfs.", 6) == 0)
		return zf_yaml_fail(y, k, "labels: '%s': the zunfs. prefix is zunfs's own", name);
	return 0;
}

const struct zf_spec_strings zf_spec_labels = { "labels", "a label name", "a label value",
						check_label };

/* "command"/"args": a list of strings, or one string split like a shell. */
static int want_words(struct zf_yaml *y, struct zf_ynode *n, const char *what, char ***ret)
{
	char **words;

	if (zf_yaml_scalar(n)) {
		int r = zf_split_words(zf_yaml_scalar(n), &words);

		if (r == -EINVAL)
			return zf_yaml_fail(y, n, "%s has an unclosed quote", what);
		if (r < 0)
			return r;
		*ret = words;
		return 0;
	}
	if (!zf_yaml_is_list(n))
		return zf_yaml_fail(y, n, "%s must be a list of strings or a string", what);
	words = calloc(zf_yaml_len(n) + 1, sizeof(*words));
	if (!words)
		return -ENOMEM;
	for (size_t i = 0; i < zf_yaml_len(n); i++) {
		int r = zf_yaml_want_dup(y, zf_yaml_item(y, n, i), what, &words[i]);

		if (r < 0) {
			zf_spec_words_free(words);
			return r;
		}
	}
	*ret = words;
	return 0;
}

/* ---- env ----------------------------------------------------------------- */

static int check_env_name(struct zf_yaml *y, const struct zf_ynode *n, const char *name)
{
	if (!name || !*name || strchr(name, '='))
		return zf_yaml_fail(y, n, "env: '%s' is not a variable name", name);
	return 0;
}

void zf_spec_path(const struct zf_spec_container_ctx *w, const char *key, char *buf, size_t size)
{
	if (w->where && strcmp(w->where, "spec.yaml") != 0)
		snprintf(buf, size, "%s.%s", w->where, key);
	else
		snprintf(buf, size, "%s", key);
}

/* One {name, value} or {name, valueFrom} entry of env's list (Kubernetes). */
struct env_entry {
	const char *name, *value; /* borrowed from the document */
	struct zf_ynode *value_from;
	struct zf_env_ref ref;
	const char *where; /* "containers[0].env[2]" */
	bool member; /* a capsule's: there are pod fields to refer to */
};

static int env_name(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	struct env_entry *e = ctx;

	(void)k;
	return zf_yaml_want_scalar(y, v, "env name", &e->name);
}

static int env_value(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	struct env_entry *e = ctx;

	(void)k;
	return zf_yaml_want_scalar(y, v, "env value", &e->value);
}

static int env_value_from(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	(void)y, (void)k;
	((struct env_entry *)ctx)->value_from = v;
	return 0;
}

static const struct zf_yaml_map env_entry_keys = {
	.not_map = ": each entry is NAME=value, {name, value} or {name, valueFrom}",
	.known = "only name, value and valueFrom",
	.keys = (const struct zf_yaml_key[]){
		{ { "name" }, env_name },
		{ { "value" }, env_value },
		{ { "valueFrom" }, env_value_from },
		{ { NULL }, NULL },
	},
};

/* A source of a value that is Kubernetes' but not here: -EOPNOTSUPP, saying why. */
static int env_not_here(struct zf_yaml *y, const struct zf_ynode *n, const struct env_entry *e,
			const char *what, const char *why)
{
	zf_yaml_fail(y, n, "%s.valueFrom.%s: not supported: %s", e->where, what, why);
	return -EOPNOTSUPP;
}

static int from_secret(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	(void)k;
	return env_not_here(y, v, ctx, "secretKeyRef",
			    "zunfs has no Secret objects to read a value from; give it with value:");
}

static int from_config_map(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	(void)k;
	return env_not_here(y, v, ctx, "configMapKeyRef",
			    "zunfs has no ConfigMap objects to read a value from; give it with value:");
}

static int from_resource(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	(void)k;
	return env_not_here(y, v, ctx, "resourceFieldRef",
			    "a container's resources are not offered as values; give it with value:");
}

static int from_file(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	(void)k;
	return env_not_here(y, v, ctx, "fileKeyRef",
			    "values are not read from files here; give it with value:");
}

/* fieldRef: {fieldPath, apiVersion: v1} */
struct field_ref {
	const char *path, *api;
};

static int field_path(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	(void)k;
	return zf_yaml_want_scalar(y, v, "fieldPath", &((struct field_ref *)ctx)->path);
}

static int field_api(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	(void)k;
	return zf_yaml_want_scalar(y, v, "apiVersion", &((struct field_ref *)ctx)->api);
}

static const struct zf_yaml_map field_ref_keys = {
	.not_map = " must be a map (fieldPath, apiVersion)",
	.keys = (const struct zf_yaml_key[]){
		{ { "fieldPath" }, field_path },
		{ { "apiVersion" }, field_api },
		{ { NULL }, NULL },
	},
};

/* "metadata.labels['KEY']" (or "KEY" in double quotes): KEY, the caller's; NULL if not that. */
static char *subscript(const char *path, const char *prefix)
{
	size_t pl = strlen(prefix), len = strlen(path);

	if (strncmp(path, prefix, pl) != 0 || len < pl + 4 || path[pl] != '[' ||
	    path[len - 1] != ']' || (path[pl + 1] != '\'' && path[pl + 1] != '"') ||
	    path[len - 2] != path[pl + 1])
		return NULL;
	return strndup(path + pl + 2, len - pl - 4);
}

static int from_field(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	static const struct {
		const char *path;
		enum zf_env_field field;
	} plain[] = {
		{ "metadata.name", ZF_ENV_POD_NAME },
		{ "metadata.namespace", ZF_ENV_POD_NAMESPACE },
		{ "status.podIP", ZF_ENV_POD_IP },
	};
	/* Kubernetes' other fieldRef paths: valid there, not offered here */
	static const char *const theirs[] = { "metadata.uid", "spec.nodeName",
					      "spec.serviceAccountName", "status.hostIP",
					      "status.hostIPs", "status.podIPs", NULL };
	struct env_entry *e = ctx;
	struct field_ref f = { NULL, NULL };
	char where[128];
	int r;

	(void)k;
	snprintf(where, sizeof(where), "%s.valueFrom.fieldRef", e->where);
	if ((r = zf_yaml_walk(y, v, &field_ref_keys, where, &f)) < 0)
		return r;
	if (!f.path)
		return zf_yaml_fail(y, v, "%s: 'fieldPath' is required", where);
	if (f.api && strcmp(f.api, "v1") != 0)
		return zf_yaml_fail(y, v, "%s.apiVersion: '%s' is not v1", where, f.api);
	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++)
		if (strcmp(f.path, plain[i].path) == 0)
			return e->ref.field = plain[i].field, 0;
	if ((e->ref.key = subscript(f.path, "metadata.labels")))
		return e->ref.field = ZF_ENV_POD_LABEL, 0;
	if ((e->ref.key = subscript(f.path, "metadata.annotations")))
		return e->ref.field = ZF_ENV_POD_ANNOTATION, 0;
	for (int i = 0; theirs[i]; i++)
		if (strcmp(f.path, theirs[i]) == 0) {
			zf_yaml_fail(y, v,
				     "%s: fieldPath '%s' is not supported here (metadata.name, "
				     "metadata.namespace, metadata.labels['KEY'], "
				     "metadata.annotations['KEY'], status.podIP are)",
				     where, f.path);
			return -EOPNOTSUPP;
		}
	return zf_yaml_fail(y, v,
			    "%s: fieldPath '%s' is not one of metadata.name, metadata.namespace, "
			    "metadata.labels['KEY'], metadata.annotations['KEY'], status.podIP",
			    where, f.path);
}

static const struct zf_yaml_map value_from_keys = {
	.not_map = " must be a map (fieldRef)",
	.keys = (const struct zf_yaml_key[]){
		{ { "fieldRef" }, from_field },
		{ { "secretKeyRef" }, from_secret },
		{ { "configMapKeyRef" }, from_config_map },
		{ { "resourceFieldRef" }, from_resource },
		{ { "fileKeyRef" }, from_file },
		{ { NULL }, NULL },
	},
};

/* Appends env entry e to the spec (its value, and where it comes from). */
static int env_put(struct zf_yaml *y, const struct zf_ynode *at, struct zf_container_spec *spec,
		   const char *name, const char *value, struct zf_env_ref *ref)
{
	struct zf_container_config *c = spec->cfg;
	/* one more ref first: there is one for each entry whatever fails */
	struct zf_env_ref *refs = realloc(spec->env_refs, (c->n_env + 1) * sizeof(*refs));
	int r;

	if (!refs)
		return -ENOMEM;
	spec->env_refs = refs;
	if ((r = kv_put(y, at, "env", &c->env, &c->n_env, name, value)) < 0)
		return r;
	refs[c->n_env - 1] = *ref;
	*ref = (struct zf_env_ref){ ZF_ENV_VALUE, NULL };
	return 0;
}

/* One entry of env's list: "NAME=value" (Docker), {name, value} or {name, valueFrom}. */
static int env_item(struct zf_yaml *y, struct zf_ynode *item, size_t index,
		    const struct zf_spec_container_ctx *w)
{
	char buf[1024], key[32], where[96];
	struct env_entry e = { .value = "", .where = where, .member = w->where != NULL };
	int r;

	snprintf(key, sizeof(key), "env[%zu]", index);
	zf_spec_path(w, key, where, sizeof(where));
	if (zf_yaml_scalar(item)) {
		const char *s = zf_yaml_scalar(item), *eq = strchr(s, '=');

		if (!eq || eq == s)
			return zf_yaml_fail(y, item, "env: '%s' is not NAME=value", s);
		snprintf(buf, sizeof(buf), "%.*s", (int)(eq - s), s);
		e.name = buf;
		e.value = eq + 1;
	} else if (zf_yaml_is_map(item)) {
		if ((r = zf_yaml_walk(y, item, &env_entry_keys, "env", &e)) < 0)
			return r;
		if (!e.name)
			return zf_yaml_fail(y, item, "env: an entry has no name");
	} else {
		return zf_yaml_fail(y, item, "env: each entry is NAME=value or {name, value}");
	}
	if ((r = check_env_name(y, item, e.name)) < 0)
		return r;
	if (e.value_from) {
		if (*e.value)
			return zf_yaml_fail(y, item, "%s: give value or valueFrom, not both", where);
		if (!e.member) {
			zf_yaml_fail(y, e.value_from,
				     "%s.valueFrom: not supported: only a capsule's containers have "
				     "a pod's fields to refer to",
				     where);
			return -EOPNOTSUPP;
		}
		r = zf_yaml_walk(y, e.value_from, &value_from_keys, where, &e);
		if (r == 0 && e.ref.field == ZF_ENV_VALUE)
			r = zf_yaml_fail(y, e.value_from, "%s.valueFrom: give fieldRef", where);
		if (r < 0) {
			free(e.ref.key);
			return r;
		}
	}
	r = env_put(y, item, w->spec, e.name, e.value, &e.ref);
	free(e.ref.key);
	return r;
}

/* env: {K: v}, [{name: K, value: v}] (Kubernetes) or ["K=v"] (Docker). */
static int parse_env(struct zf_yaml *y, struct zf_ynode *n, const struct zf_spec_container_ctx *w)
{
	int r;

	if (zf_yaml_is_map(n)) {
		for (size_t i = 0; i < zf_yaml_len(n); i++) {
			struct zf_ynode *k = zf_yaml_key(y, n, i), *v = zf_yaml_value(y, n, i);
			struct zf_env_ref plain = { ZF_ENV_VALUE, NULL };
			const char *ks, *vs;

			/* the name is checked before its value is read */
			if ((r = zf_yaml_want_scalar(y, k, "an env name", &ks)) < 0 ||
			    (r = check_env_name(y, k, ks)) < 0 ||
			    (r = zf_yaml_want_scalar(y, v, "an env value", &vs)) < 0 ||
			    (r = env_put(y, k, w->spec, ks, vs, &plain)) < 0)
				return r;
		}
		return 0;
	}
	if (!zf_yaml_is_list(n))
		return zf_yaml_fail(y, n, "env must be a map of names to values or a list");
	for (size_t i = 0; i < zf_yaml_len(n); i++)
		if ((r = env_item(y, zf_yaml_item(y, n, i), i, w)) < 0)
			return r;
	return 0;
}

/* ---- policies ------------------------------------------------------------ */

int zf_spec_want_restart(struct zf_yaml *y, const struct zf_ynode *n, char ret_policy[16],
			 int *ret_max_retries)
{
	const char *s;
	int r = zf_yaml_want_scalar(y, n, "restartPolicy", &s);

	if (r < 0)
		return r;
	/* Kubernetes' words, then Zun's (Docker's) */
	if (strcmp(s, "Always") == 0 || strcmp(s, "always") == 0)
		snprintf(ret_policy, 16, "always");
	else if (strcmp(s, "OnFailure") == 0 || strcmp(s, "on-failure") == 0)
		snprintf(ret_policy, 16, "on-failure");
	else if (strcmp(s, "Never") == 0 || strcmp(s, "no") == 0)
		snprintf(ret_policy, 16, "no");
	else if (strcmp(s, "unless-stopped") == 0)
		snprintf(ret_policy, 16, "unless-stopped");
	else if (strncmp(s, "on-failure:", 11) == 0) {
		char *end;
		long v = strtol(s + 11, &end, 10);

		if (*end || end == s + 11 || v < 0 || v > 1000000)
			return zf_yaml_fail(y, n,
					    "restartPolicy: '%s': the retry count must be a number", s);
		snprintf(ret_policy, 16, "on-failure");
		*ret_max_retries = (int)v;
	} else {
		return zf_yaml_fail(y, n,
				    "restartPolicy: '%s' is not one of Always, OnFailure, Never, no, "
				    "on-failure[:N], always, unless-stopped",
				    s);
	}
	return 0;
}

static int parse_pull(struct zf_yaml *y, struct zf_ynode *n, struct zf_container_config *c)
{
	const char *s;
	int r = zf_yaml_want_scalar(y, n, "imagePullPolicy", &s);

	if (r < 0)
		return r;
	if (strcmp(s, "IfNotPresent") == 0 || strcasecmp(s, "ifnotpresent") == 0)
		c->pull_policy = ZF_PULL_IF_NOT_PRESENT;
	else if (strcasecmp(s, "Always") == 0)
		c->pull_policy = ZF_PULL_ALWAYS;
	else if (strcasecmp(s, "Never") == 0)
		c->pull_policy = ZF_PULL_NEVER;
	else
		return zf_yaml_fail(y, n,
				    "imagePullPolicy: '%s' is not one of Always, IfNotPresent, Never",
				    s);
	return 0;
}

/* ---- resources ----------------------------------------------------------- */

/* One of resources' maps, {cpu: 0.5, memory: 256M}, walked at "resources.requests". */
struct quantities {
	struct zf_container_config *c;
	const char *where;
	enum zf_memory_unit unit; /* of a bare number */
};

static int quantity_cpu(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	struct quantities *q = ctx;
	const char *s;
	int r;

	(void)k;
	if ((r = zf_yaml_want_scalar(y, v, "cpu", &s)) < 0)
		return r;
	if (zf_parse_cpu(s, &q->c->nano_cpus) < 0 || q->c->nano_cpus == 0)
		return zf_yaml_fail(y, v,
				    "%s.cpu: '%s' is not a number of cores (0.5) or millicores "
				    "(500m)",
				    q->where, s);
	return 0;
}

static int quantity_memory(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	struct quantities *q = ctx;
	const char *s;
	int r;

	(void)k;
	if ((r = zf_yaml_want_scalar(y, v, "memory", &s)) < 0)
		return r;
	if (zf_parse_memory(s, &q->c->memory_bytes) < 0)
		return zf_yaml_fail(y, v, "%s.memory: '%s' is not a size (e.g. 256M, 1Gi)",
				    q->where, s);
	/* a bare number in Zun's capsule is MiB (its API schema's rule) */
	if (q->unit == ZF_MEMORY_MIB && strspn(s, "0123456789") == strlen(s)) {
		if (q->c->memory_bytes > INT64_MAX / 1048576)
			return zf_yaml_fail(y, v, "%s.memory: '%s' MiB is too large", q->where, s);
		q->c->memory_bytes *= 1048576;
	}
	if (q->c->memory_bytes < MIN_MEMORY_BYTES)
		return zf_yaml_fail(y, v, "%s.memory: '%s' is below the engine's minimum of 6Mi",
				    q->where, s);
	return 0;
}

static const struct zf_yaml_map quantity_keys = {
	.not_map = " must be a map with cpu and memory",
	.keys = (const struct zf_yaml_key[]){
		{ { "cpu" }, quantity_cpu },
		{ { "memory" }, quantity_memory },
		{ { NULL }, NULL },
	},
};

/* requests and limits, read after the walk: limits win where both are given */
struct resources {
	struct zf_ynode *requests, *limits;
};

static int resources_requests(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v,
			      void *ctx)
{
	(void)y, (void)k;
	((struct resources *)ctx)->requests = v;
	return 0;
}

static int resources_limits(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	(void)y, (void)k;
	((struct resources *)ctx)->limits = v;
	return 0;
}

static const struct zf_yaml_map resources_keys = {
	.not_map = " must be a map with requests and/or limits",
	.repeats = true,
	.keys = (const struct zf_yaml_key[]){
		{ { "requests" }, resources_requests },
		{ { "limits" }, resources_limits },
		{ { NULL }, NULL },
	},
};

static int parse_resources(struct zf_yaml *y, struct zf_ynode *n, struct zf_container_config *c,
			   enum zf_memory_unit unit)
{
	struct resources res = { 0 };
	struct quantities requests = { c, "resources.requests", unit };
	struct quantities limits = { c, "resources.limits", unit };
	int r = zf_yaml_walk(y, n, &resources_keys, "resources", &res);

	if (r == 0 && res.requests)
		r = zf_yaml_walk(y, res.requests, &quantity_keys, requests.where, &requests);
	if (r == 0 && res.limits)
		r = zf_yaml_walk(y, res.limits, &quantity_keys, limits.where, &limits);
	return r;
}

/* ---- ports --------------------------------------------------------------- */

static int want_port_number(struct zf_yaml *y, struct zf_ynode *n, const char *what, int *ret)
{
	const char *s;
	char *end;
	long v;
	int r = zf_yaml_want_scalar(y, n, what, &s);

	if (r < 0)
		return r;
	v = strtol(s, &end, 10);
	if (*end || end == s || v < 1 || v > 65535)
		return zf_yaml_fail(y, n, "%s: '%s' is not a port number (1-65535)", what, s);
	*ret = (int)v;
	return 0;
}

static int port_container(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	(void)k;
	return want_port_number(y, v, "containerPort", &((struct zf_port *)ctx)->container_port);
}

static int port_host(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	(void)k;
	return want_port_number(y, v, "hostPort", &((struct zf_port *)ctx)->host_port);
}

static int port_protocol(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	struct zf_port *port = ctx;
	const char *s;
	int r = zf_yaml_want_scalar(y, v, "protocol", &s);

	(void)k;
	if (r < 0)
		return r;
	if (strcasecmp(s, "tcp") && strcasecmp(s, "udp") && strcasecmp(s, "sctp"))
		return zf_yaml_fail(y, v, "protocol: '%s' is not TCP, UDP or SCTP", s);
	for (size_t i = 0; s[i] && i + 1 < sizeof(port->protocol); i++)
		port->protocol[i] = (char)(s[i] | 0x20);
	return 0;
}

/* Kubernetes' port name: informative */
static int port_name(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	const char *s;

	(void)k, (void)ctx;
	return zf_yaml_want_scalar(y, v, "port name", &s);
}

static const struct zf_yaml_map port_keys = {
	.not_map = ": each entry is {containerPort, hostPort, protocol}",
	.keys = (const struct zf_yaml_key[]){
		{ { "containerPort" }, port_container },
		{ { "hostPort" }, port_host },
		{ { "protocol" }, port_protocol },
		{ { "name" }, port_name },
		{ { NULL }, NULL },
	},
};

static int parse_ports(struct zf_yaml *y, struct zf_ynode *n, struct zf_container_config *c)
{
	size_t count = zf_yaml_len(n);

	if (!zf_yaml_is_list(n))
		return zf_yaml_fail(y, n, "ports must be a list of {containerPort, hostPort, protocol}");
	c->ports = calloc(count ? count : 1, sizeof(*c->ports));
	if (!c->ports)
		return -ENOMEM;
	for (size_t i = 0; i < count; i++) {
		struct zf_ynode *item = zf_yaml_item(y, n, i);
		struct zf_port *port = &c->ports[c->n_ports];
		int r;

		snprintf(port->protocol, sizeof(port->protocol), "tcp");
		if ((r = zf_yaml_walk(y, item, &port_keys, "ports", port)) < 0)
			return r;
		if (!port->container_port)
			return zf_yaml_fail(y, item, "ports: an entry has no containerPort");
		c->n_ports++;
	}
	return 0;
}

/* ---- volumeMounts -------------------------------------------------------- */

static int mount_name(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	(void)k;
	return zf_yaml_want_dup(y, v, "volumeMounts name", &((struct zf_volume_mount *)ctx)->name);
}

static int mount_path(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	(void)k;
	return zf_yaml_want_dup(y, v, "mountPath", &((struct zf_volume_mount *)ctx)->mount_path);
}

static int mount_read_only(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	(void)k;
	return zf_yaml_want_bool(y, v, "readOnly", &((struct zf_volume_mount *)ctx)->read_only);
}

static const struct zf_yaml_map mount_keys = {
	.not_map = ": each entry is {name, mountPath}",
	.keys = (const struct zf_yaml_key[]){
		{ { "name" }, mount_name },
		{ { "mountPath" }, mount_path },
		{ { "readOnly" }, mount_read_only },
		{ { NULL }, NULL },
	},
};

/* volumeMounts (a sandbox's volumes too): [{name, mountPath, readOnly}] */
static int parse_mounts(struct zf_yaml *y, struct zf_ynode *n, struct zf_container_spec *spec)
{
	size_t count = zf_yaml_len(n);

	if (!zf_yaml_is_list(n))
		return zf_yaml_fail(y, n, "volumeMounts must be a list of {name, mountPath, readOnly}");
	spec->mounts = calloc(count ? count : 1, sizeof(*spec->mounts));
	if (!spec->mounts)
		return -ENOMEM;
	for (size_t i = 0; i < count; i++) {
		struct zf_ynode *item = zf_yaml_item(y, n, i);
		struct zf_volume_mount *m = &spec->mounts[spec->n_mounts++];
		int r;

		if ((r = zf_yaml_walk(y, item, &mount_keys, "volumeMounts", m)) < 0)
			return r;
		if (!m->name || !m->mount_path)
			return zf_yaml_fail(y, item, "volumeMounts: an entry needs name and mountPath");
		if (m->mount_path[0] != '/')
			return zf_yaml_fail(y, item, "volumeMounts: mountPath '%s' is not absolute",
					    m->mount_path);
	}
	return 0;
}

/* ---- a container's keys -------------------------------------------------- */

static struct zf_container_config *cfg_of(void *ctx)
{
	return ((struct zf_spec_container_ctx *)ctx)->spec->cfg;
}

static int key_image(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	struct zf_container_config *c = cfg_of(ctx);
	int r = zf_yaml_want_dup(y, v, "image", &c->image);

	(void)k;
	if (r == 0 && (!*c->image || strpbrk(c->image, " \t\n")))
		return zf_yaml_fail(y, v, "image: '%s' is not an image reference", c->image);
	return r;
}

static int key_command(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	(void)k;
	return want_words(y, v, "command", &cfg_of(ctx)->command);
}

static int key_args(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	(void)k;
	return want_words(y, v, "args", &((struct zf_spec_container_ctx *)ctx)->args);
}

/* workDir, or Kubernetes' workingDir: one of them */
static int key_workdir(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	struct zf_container_config *c = cfg_of(ctx);
	const char *key = zf_yaml_scalar(k);
	int r;

	if (c->workdir)
		return zf_yaml_fail(y, k,
				    "%s: the working directory is given twice (workDir, workingDir)",
				    key);
	r = zf_yaml_want_dup(y, v, key, &c->workdir);
	if (r == 0 && c->workdir[0] != '/')
		return zf_yaml_fail(y, v, "%s: '%s' is not an absolute path", key, c->workdir);
	return r;
}

static int key_env(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	(void)k;
	return parse_env(y, v, ctx);
}

static int key_security(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	struct zf_spec_container_ctx *w = ctx;
	char where[96];

	(void)k;
	zf_spec_path(w, "securityContext", where, sizeof(where));
	return zf_spec_want_security(y, v, where, false, &w->spec->sec);
}

static int key_labels(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	struct zf_container_config *c = cfg_of(ctx);

	(void)k;
	return zf_spec_want_strings(y, v, &zf_spec_labels, &c->labels, &c->n_labels);
}

static int key_tty(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	(void)k;
	return zf_yaml_want_bool(y, v, "tty", &cfg_of(ctx)->tty);
}

static int key_stdin_open(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	(void)k;
	return zf_yaml_want_bool(y, v, "stdin_open", &cfg_of(ctx)->stdin_open);
}

static int key_restart(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	struct zf_container_config *c = cfg_of(ctx);

	(void)k;
	return zf_spec_want_restart(y, v, c->restart_policy, &c->restart_max_retries);
}

static int key_pull(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	(void)k;
	return parse_pull(y, v, cfg_of(ctx));
}

static int key_resources(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	(void)k;
	return parse_resources(y, v, cfg_of(ctx),
			       ((struct zf_spec_container_ctx *)ctx)->memory_unit);
}

static int key_mounts(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	(void)k;
	return parse_mounts(y, v, ((struct zf_spec_container_ctx *)ctx)->spec);
}

static int key_ports(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	(void)k;
	return parse_ports(y, v, cfg_of(ctx));
}

static int key_sandbox(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	struct zf_container_spec *spec = ((struct zf_spec_container_ctx *)ctx)->spec;

	(void)k;
	return zf_yaml_want_dup(y, v, "sandbox", &spec->sandbox);
}

/*
 * Keys (Docker's and Kubernetes' spellings) that would hand out the host:
 * refused with EPERM, not EINVAL (interface.md, "Errors and safety"). This
 * version has no mount option that allows them.
 */
static int hands_out_host(struct zf_yaml *y, struct zf_ynode *k, const char *name)
{
	static const char *const keys[] = {
		"privileged", "capabilities", "capAdd", "cap_add",
		"devices", "hostNetwork", "hostPID", "hostIPC", "hostPath", "binds",
		"network_mode", "pid_mode", "ipc_mode", "hostNamespace", NULL,
	};

	for (int i = 0; keys[i]; i++) {
		if (strcmp(name, keys[i]) == 0) {
			zf_yaml_fail(y, k,
				     "'%s' would hand the host to the container: not allowed on "
				     "this mount",
				     name);
			return -EPERM;
		}
	}
	return 0;
}

/* In the order "unknown key" lists them. */
const struct zf_yaml_map zf_spec_container_keys = {
	.not_map = " must be a map of keys (image: ..., command: ...)",
	.top = true,
	.unknown = hands_out_host,
	.keys = (const struct zf_yaml_key[]){
		{ { "image" }, key_image },
		{ { "command" }, key_command },
		{ { "args" }, key_args },
		{ { "workDir", "workingDir" }, key_workdir },
		{ { "env" }, key_env },
		{ { "labels" }, key_labels },
		{ { "tty" }, key_tty },
		{ { "stdin_open" }, key_stdin_open },
		{ { "restartPolicy" }, key_restart },
		{ { "imagePullPolicy" }, key_pull },
		{ { "resources" }, key_resources },
		{ { "volumeMounts" }, key_mounts },
		{ { "ports" }, key_ports },
		{ { "sandbox" }, key_sandbox },
		{ { "securityContext" }, key_security },
		{ { "livenessProbe" }, zf_spec_key_probe },
		{ { "readinessProbe" }, zf_spec_key_probe },
		{ { "startupProbe" }, zf_spec_key_probe },
		{ { "healthcheck" }, zf_spec_key_healthcheck },
		{ { NULL }, NULL },
	},
};

struct zf_container_spec *zf_spec_container_new(void)
{
	struct zf_container_spec *spec = calloc(1, sizeof(*spec));

	if (spec)
		spec->cfg = calloc(1, sizeof(*spec->cfg));
	if (!spec || !spec->cfg) {
		free(spec);
		return NULL;
	}
	snprintf(spec->cfg->restart_policy, sizeof(spec->cfg->restart_policy), "no");
	return spec;
}

int zf_spec_container_end(struct zf_yaml *y, struct zf_spec_container_ctx *w, int r)
{
	struct zf_container_config *c = w->spec->cfg;
	size_t nc = 0, na = 0;
	char **all;

	r = zf_spec_probes_end(y, w, r);
	if (r < 0 || !w->args)
		goto out;
	while (c->command && c->command[nc])
		nc++;
	while (w->args[na])
		na++;
	all = realloc(c->command, (nc + na + 1) * sizeof(*all));
	if (!all) {
		r = -ENOMEM;
		goto out;
	}
	memcpy(all + nc, w->args, (na + 1) * sizeof(*all));
	free(w->args);
	w->args = NULL;
	c->command = all;
out:
	zf_spec_words_free(w->args);
	w->args = NULL;
	return r;
}

static int container_root(struct zf_yaml *y, struct zf_ynode *root, void *spec)
{
	struct zf_spec_container_ctx w = { .spec = spec };
	int r;

	if (zf_yaml_is_empty(root))
		return zf_yaml_fail(y, NULL, "the spec is empty: at least 'image' is needed");
	r = zf_yaml_walk(y, root, &zf_spec_container_keys, NULL, &w);
	if (r == 0 && !w.spec->cfg->image)
		r = zf_yaml_fail(y, root, "'image' is required");
	if (r == 0)
		r = zf_spec_check_security(y, root, "securityContext", &w.spec->sec, NULL);
	return zf_spec_container_end(y, &w, r);
}

/* ---- a sandbox's keys: the infra container's own (the image is zunfs's choice) */

int zf_spec_want_hostname(struct zf_yaml *y, struct zf_ynode *n, const char *key, char **ret)
{
	int r = zf_yaml_want_dup(y, n, key, ret);
	size_t len;

	if (r < 0)
		return r;
	len = strlen(*ret);
	if (len == 0 || len > 63 || (*ret)[0] == '-' || (*ret)[len - 1] == '-' ||
	    strspn(*ret, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") != len)
		return zf_yaml_fail(y, n,
				    "%s: '%s' is not a host name (letters, digits, '-', at most 63)",
				    key, *ret);
	return 0;
}

static int parse_hostname(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	struct zf_container_config *c = ((struct zf_container_spec *)ctx)->cfg;

	(void)k;
	return zf_spec_want_hostname(y, v, "hostname", &c->hostname);
}

static int sandbox_labels(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	struct zf_container_config *c = ((struct zf_container_spec *)ctx)->cfg;

	(void)k;
	return zf_spec_want_strings(y, v, &zf_spec_labels, &c->labels, &c->n_labels);
}

static int sandbox_volumes(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	(void)k;
	return parse_mounts(y, v, ctx);
}

static const struct zf_yaml_map sandbox_keys = {
	.not_map = " must be a map of keys (labels, hostname, volumes)",
	.top = true,
	.keys = (const struct zf_yaml_key[]){
		{ { "labels" }, sandbox_labels },
		{ { "hostname" }, parse_hostname },
		{ { "volumes" }, sandbox_volumes },
		{ { NULL }, NULL },
	},
};

static int sandbox_root(struct zf_yaml *y, struct zf_ynode *root, void *spec)
{
	/* an empty spec is a sandbox with defaults */
	if (zf_yaml_is_empty(root))
		return 0;
	return zf_yaml_walk(y, root, &sandbox_keys, NULL, spec);
}

/* ---- the public face ----------------------------------------------------- */

static int parse_doc(const char *text, size_t len, bool sandbox,
		     struct zf_container_spec **ret_spec, struct zf_spec_error *ret_error)
{
	struct zf_container_spec *spec = zf_spec_container_new();
	int r;

	if (!spec)
		return -ENOMEM;
	r = zf_yaml_run(text, len, sandbox ? sandbox_root : container_root, spec, ret_error);
	if (r < 0) {
		zf_container_spec_free(spec);
		return r;
	}
	*ret_spec = spec;
	return 0;
}

int zf_spec_parse_container(const char *text, size_t len, struct zf_container_spec **ret_spec,
			    struct zf_spec_error *ret_error)
{
	return parse_doc(text, len, false, ret_spec, ret_error);
}

int zf_spec_parse_sandbox(const char *text, size_t len, struct zf_container_spec **ret_spec,
			  struct zf_spec_error *ret_error)
{
	return parse_doc(text, len, true, ret_spec, ret_error);
}

int zf_spec_parse(enum zf_kind kind, const char *text, size_t len,
		  struct zf_container_spec **ret_spec, struct zf_spec_error *ret_error)
{
	if (kind == ZF_KIND_CONTAINER)
		return zf_spec_parse_container(text, len, ret_spec, ret_error);
	if (kind == ZF_KIND_SANDBOX)
		return zf_spec_parse_sandbox(text, len, ret_spec, ret_error);
	return -EOPNOTSUPP;
}

void zf_container_spec_free(struct zf_container_spec *spec)
{
	if (!spec)
		return;
	for (size_t i = 0; spec->env_refs && spec->cfg && i < spec->cfg->n_env; i++)
		free(spec->env_refs[i].key);
	free(spec->env_refs);
	zf_container_config_free(spec->cfg);
	free(spec->sandbox);
	for (size_t i = 0; i < spec->n_mounts; i++) {
		free(spec->mounts[i].name);
		free(spec->mounts[i].mount_path);
	}
	free(spec->mounts);
	zf_security_clear(&spec->sec);
	free(spec);
}
