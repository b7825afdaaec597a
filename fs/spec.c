/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "spec.h"
#include "util.h"

/* Docker refuses smaller memory limits than this. */
#define MIN_MEMORY_BYTES (6 * 1024 * 1024)

struct parse {
	yaml_document_t doc;
	struct zf_spec_error *error;
	const char *text; /* the source, for the text of a capsule's member */
	size_t len;
};

static int fail_at(struct parse *p, yaml_node_t *node, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail_at(struct parse *p, yaml_node_t *node, const char *fmt, ...)
{
	va_list ap;

	p->error->line = node ? (int)node->start_mark.line + 1 : 0;
	p->error->column = node ? (int)node->start_mark.column + 1 : 0;
	va_start(ap, fmt);
	vsnprintf(p->error->msg, sizeof(p->error->msg), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static yaml_node_t *node_at(struct parse *p, int index)
{
	return yaml_document_get_node(&p->doc, index);
}

static const char *scalar(yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

/* Fails if the key at pr was given earlier in the same map. */
static int check_unique_key(struct parse *p, yaml_node_t *map, yaml_node_pair_t *pr)
{
	const char *key = scalar(node_at(p, pr->key));

	for (yaml_node_pair_t *q = map->data.mapping.pairs.start; key && q < pr; q++) {
		const char *other = scalar(node_at(p, q->key));

		if (other && strcmp(other, key) == 0)
			return fail_at(p, node_at(p, pr->key), "'%s' is given twice", key);
	}
	return 0;
}

/* A scalar, or fails naming what was wanted. */
static int want_scalar(struct parse *p, yaml_node_t *n, const char *what, const char **ret)
{
	const char *s = scalar(n);

	*ret = s; /* written either way: callers test r, the compiler sees it set */
	if (!s)
		return fail_at(p, n, "%s must be a single value", what);
	return 0;
}

static int want_string_dup(struct parse *p, yaml_node_t *n, const char *what, char **ret)
{
	const char *s;
	int r = want_scalar(p, n, what, &s);

	if (r < 0)
		return r;
	*ret = strdup(s);
	return *ret ? 0 : -ENOMEM;
}

static int want_bool(struct parse *p, yaml_node_t *n, const char *what, bool *ret)
{
	static const char *const yes[] = { "true", "yes", "on", "y", NULL };
	static const char *const no[] = { "false", "no", "off", "n", NULL };
	const char *s;
	int r = want_scalar(p, n, what, &s);

	if (r < 0)
		return r;
	for (int i = 0; yes[i]; i++)
		if (strcasecmp(s, yes[i]) == 0)
			return *ret = true, 0;
	for (int i = 0; no[i]; i++)
		if (strcasecmp(s, no[i]) == 0)
			return *ret = false, 0;
	return fail_at(p, n, "%s must be true or false, not '%s'", what, s);
}

static void words_free(char **w)
{
	if (!w)
		return;
	for (char **p = w; *p; p++)
		free(*p);
	free(w);
}

int zf_split_words(const char *line, char ***ret_words)
{
	size_t n = 0, cap = 8, len = strlen(line);
	char **words = calloc(cap, sizeof(*words));
	char *word = malloc(len + 1);
	const char *s = line;
	int r = -ENOMEM;

	if (!words || !word)
		goto fail;
	for (;;) {
		size_t wl = 0;
		bool have = false;
		char quote = 0;

		while (*s == ' ' || *s == '\t' || *s == '\n')
			s++;
		if (!*s)
			break;
		for (; *s; s++) {
			if (quote) {
				if (*s == quote)
					quote = 0;
				else if (quote == '"' && *s == '\\' && (s[1] == '"' || s[1] == '\\'))
					word[wl++] = *++s;
				else
					word[wl++] = *s;
				continue;
			}
			if (*s == ' ' || *s == '\t' || *s == '\n')
				break;
			if (*s == '\'' || *s == '"') {
				quote = *s;
				have = true;
			} else if (*s == '\\' && s[1]) {
				word[wl++] = *++s;
			} else {
				word[wl++] = *s;
			}
		}
		if (quote) {
			r = -EINVAL;
			goto fail;
		}
		if (wl == 0 && !have)
			continue;
		word[wl] = '\0';
		if (n + 2 > cap) {
			char **w = realloc(words, (cap *= 2) * sizeof(*words));

			if (!w)
				goto fail;
			words = w;
		}
		words[n] = strdup(word);
		if (!words[n])
			goto fail;
		words[++n] = NULL;
	}
	free(word);
	*ret_words = words;
	return 0;
fail:
	free(word);
	words_free(words);
	return r;
}

/* "command"/"args": a list of strings, or one string split like a shell. */
static int want_words(struct parse *p, yaml_node_t *n, const char *what, char ***ret)
{
	char **words;
	size_t i = 0;

	if (n->type == YAML_SCALAR_NODE) {
		int r = zf_split_words(scalar(n), &words);

		if (r == -EINVAL)
			return fail_at(p, n, "%s has an unclosed quote", what);
		if (r < 0)
			return r;
		*ret = words;
		return 0;
	}
	if (n->type != YAML_SEQUENCE_NODE)
		return fail_at(p, n, "%s must be a list of strings or a string", what);
	words = calloc((size_t)(n->data.sequence.items.top - n->data.sequence.items.start) + 1,
		       sizeof(*words));
	if (!words)
		return -ENOMEM;
	for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
	     it++, i++) {
		yaml_node_t *item = node_at(p, *it);
		int r = want_string_dup(p, item, what, &words[i]);

		if (r < 0) {
			words_free(words);
			return r;
		}
	}
	*ret = words;
	return 0;
}

static int kv_add(struct zf_kv **kv, size_t *n, const char *key, const char *value)
{
	struct zf_kv *a = realloc(*kv, (*n + 1) * sizeof(**kv));

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

static bool kv_has(const struct zf_kv *kv, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(kv[i].key, key) == 0)
			return true;
	return false;
}

static int check_env_name(struct parse *p, yaml_node_t *n, const char *name)
{
	if (!name || !*name || strchr(name, '='))
		return fail_at(p, n, "env: '%s' is not a variable name", name);
	return 0;
}

/* env: {K: v}, [{name: K, value: v}] (Kubernetes) or ["K=v"] (Docker). */
static int parse_env(struct parse *p, yaml_node_t *n, struct zf_container_config *c)
{
	int r;

	if (n->type == YAML_MAPPING_NODE) {
		for (yaml_node_pair_t *pr = n->data.mapping.pairs.start;
		     pr < n->data.mapping.pairs.top; pr++) {
			yaml_node_t *k = node_at(p, pr->key), *v = node_at(p, pr->value);
			const char *ks, *vs;

			if ((r = want_scalar(p, k, "an env name", &ks)) < 0 ||
			    (r = check_env_name(p, k, ks)) < 0 ||
			    (r = want_scalar(p, v, "an env value", &vs)) < 0)
				return r;
			if (kv_has(c->env, c->n_env, ks))
				return fail_at(p, k, "env: '%s' is given twice", ks);
			if ((r = kv_add(&c->env, &c->n_env, ks, vs)) < 0)
				return r;
		}
		return 0;
	}
	if (n->type != YAML_SEQUENCE_NODE)
		return fail_at(p, n, "env must be a map of names to values or a list");
	for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
	     it++) {
		yaml_node_t *item = node_at(p, *it);
		const char *name = NULL, *value = "";
		char buf[1024];

		if (item->type == YAML_SCALAR_NODE) {
			const char *s = scalar(item), *eq = strchr(s, '=');

			if (!eq || eq == s)
				return fail_at(p, item, "env: '%s' is not NAME=value", s);
			snprintf(buf, sizeof(buf), "%.*s", (int)(eq - s), s);
			name = buf;
			value = eq + 1;
		} else if (item->type == YAML_MAPPING_NODE) {
			for (yaml_node_pair_t *pr = item->data.mapping.pairs.start;
			     pr < item->data.mapping.pairs.top; pr++) {
				yaml_node_t *k = node_at(p, pr->key), *v = node_at(p, pr->value);
				const char *ks = scalar(k);

				if (check_unique_key(p, item, pr) < 0)
					return -EINVAL;
				if (ks && strcmp(ks, "name") == 0)
					r = want_scalar(p, v, "env name", &name);
				else if (ks && strcmp(ks, "value") == 0)
					r = want_scalar(p, v, "env value", &value);
				else
					r = fail_at(p, k, "env: unknown key '%s' (only name and value)",
						    ks ? ks : "?");
				if (r < 0)
					return r;
			}
			if (!name)
				return fail_at(p, item, "env: an entry has no name");
		} else {
			return fail_at(p, item, "env: each entry is NAME=value or {name, value}");
		}
		if ((r = check_env_name(p, item, name)) < 0)
			return r;
		if (kv_has(c->env, c->n_env, name))
			return fail_at(p, item, "env: '%s' is given twice", name);
		if ((r = kv_add(&c->env, &c->n_env, name, value)) < 0)
			return r;
	}
	return 0;
}

static int parse_labels(struct parse *p, yaml_node_t *n, struct zf_container_config *c)
{
	if (n->type != YAML_MAPPING_NODE)
		return fail_at(p, n, "labels must be a map of strings");
	for (yaml_node_pair_t *pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top;
	     pr++) {
		yaml_node_t *k = node_at(p, pr->key), *v = node_at(p, pr->value);
		const char *ks, *vs;
		int r;

		if ((r = want_scalar(p, k, "a label name", &ks)) < 0 ||
		    (r = want_scalar(p, v, "a label value", &vs)) < 0)
			return r;
		if (!*ks)
			return fail_at(p, k, "labels: a label name is empty");
		if (strncmp(ks, "zunfs.", 6) == 0)
			return fail_at(p, k, "labels: '%s': the zunfs. prefix is zunfs's own", ks);
		if (kv_has(c->labels, c->n_labels, ks))
			return fail_at(p, k, "labels: '%s' is given twice", ks);
		if ((r = kv_add(&c->labels, &c->n_labels, ks, vs)) < 0)
			return r;
	}
	return 0;
}

static int parse_restart(struct parse *p, yaml_node_t *n, struct zf_container_config *c)
{
	const char *s;
	int r = want_scalar(p, n, "restartPolicy", &s);

	if (r < 0)
		return r;
	/* Kubernetes' words, then Zun's (Docker's) */
	if (strcmp(s, "Always") == 0 || strcmp(s, "always") == 0)
		snprintf(c->restart_policy, sizeof(c->restart_policy), "always");
	else if (strcmp(s, "OnFailure") == 0 || strcmp(s, "on-failure") == 0)
		snprintf(c->restart_policy, sizeof(c->restart_policy), "on-failure");
	else if (strcmp(s, "Never") == 0 || strcmp(s, "no") == 0)
		snprintf(c->restart_policy, sizeof(c->restart_policy), "no");
	else if (strcmp(s, "unless-stopped") == 0)
		snprintf(c->restart_policy, sizeof(c->restart_policy), "unless-stopped");
	else if (strncmp(s, "on-failure:", 11) == 0) {
		char *end;
		long v = strtol(s + 11, &end, 10);

		if (*end || end == s + 11 || v < 0 || v > 1000000)
			return fail_at(p, n, "restartPolicy: '%s': the retry count must be a number",
				       s);
		snprintf(c->restart_policy, sizeof(c->restart_policy), "on-failure");
		c->restart_max_retries = (int)v;
	} else {
		return fail_at(p, n,
			       "restartPolicy: '%s' is not one of Always, OnFailure, Never, no, "
			       "on-failure[:N], always, unless-stopped",
			       s);
	}
	return 0;
}

static int parse_pull(struct parse *p, yaml_node_t *n, struct zf_container_config *c)
{
	const char *s;
	int r = want_scalar(p, n, "imagePullPolicy", &s);

	if (r < 0)
		return r;
	if (strcmp(s, "IfNotPresent") == 0 || strcasecmp(s, "ifnotpresent") == 0)
		c->pull_policy = ZF_PULL_IF_NOT_PRESENT;
	else if (strcasecmp(s, "Always") == 0)
		c->pull_policy = ZF_PULL_ALWAYS;
	else if (strcasecmp(s, "Never") == 0)
		c->pull_policy = ZF_PULL_NEVER;
	else
		return fail_at(p, n, "imagePullPolicy: '%s' is not one of Always, IfNotPresent, Never",
			       s);
	return 0;
}

int zf_parse_memory(const char *s, int64_t *ret_bytes)
{
	static const struct {
		const char *suffix;
		double mult;
	} units[] = {
		{ "", 1 },	       { "K", 1e3 },	      { "k", 1e3 },	    { "M", 1e6 },
		{ "G", 1e9 },	       { "T", 1e12 },	      { "Ki", 1024.0 },	    { "Mi", 1048576.0 },
		{ "Gi", 1073741824.0 }, { "Ti", 1099511627776.0 },
	};
	char *end;
	double v;

	if (!s || !*s || *s == '-' || *s == '+')
		return -EINVAL;
	v = strtod(s, &end);
	if (end == s || !isfinite(v) || v < 0)
		return -EINVAL;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(end, units[i].suffix) == 0) {
			double bytes = v * units[i].mult;

			if (bytes > 9.0e18)
				return -EINVAL;
			*ret_bytes = (int64_t)bytes;
			return 0;
		}
	}
	return -EINVAL;
}

int zf_parse_cpu(const char *s, int64_t *ret_nanocpus)
{
	char *end;
	double v;

	if (!s || !*s || *s == '-' || *s == '+')
		return -EINVAL;
	v = strtod(s, &end);
	if (end == s || !isfinite(v) || v < 0)
		return -EINVAL;
	if (strcmp(end, "m") == 0)
		v /= 1000.0;
	else if (*end)
		return -EINVAL;
	if (v > 1e6)
		return -EINVAL;
	*ret_nanocpus = (int64_t)llround(v * 1e9);
	return 0;
}

/* One of resources' maps: {cpu: 0.5, memory: 256M}. */
static int parse_quantities(struct parse *p, yaml_node_t *n, const char *what,
			    struct zf_container_config *c)
{
	if (n->type != YAML_MAPPING_NODE)
		return fail_at(p, n, "resources.%s must be a map with cpu and memory", what);
	for (yaml_node_pair_t *pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top;
	     pr++) {
		yaml_node_t *k = node_at(p, pr->key), *v = node_at(p, pr->value);
		const char *ks = scalar(k), *vs;
		int r;

		if (check_unique_key(p, n, pr) < 0)
			return -EINVAL;
		if (ks && strcmp(ks, "cpu") == 0) {
			if ((r = want_scalar(p, v, "cpu", &vs)) < 0)
				return r;
			if (zf_parse_cpu(vs, &c->nano_cpus) < 0 || c->nano_cpus == 0)
				return fail_at(p, v,
					       "resources.%s.cpu: '%s' is not a number of cores "
					       "(0.5) or millicores (500m)",
					       what, vs);
		} else if (ks && strcmp(ks, "memory") == 0) {
			if ((r = want_scalar(p, v, "memory", &vs)) < 0)
				return r;
			if (zf_parse_memory(vs, &c->memory_bytes) < 0)
				return fail_at(p, v,
					       "resources.%s.memory: '%s' is not a size (e.g. 256M, "
					       "1Gi)",
					       what, vs);
			if (c->memory_bytes < MIN_MEMORY_BYTES)
				return fail_at(p, v,
					       "resources.%s.memory: '%s' is below the engine's "
					       "minimum of 6Mi",
					       what, vs);
		} else {
			return fail_at(p, k, "resources.%s: unknown key '%s' (cpu, memory)", what,
				       ks ? ks : "?");
		}
	}
	return 0;
}

/* resources: {requests: {...}, limits: {...}}; limits win where both are given. */
static int parse_resources(struct parse *p, yaml_node_t *n, struct zf_container_config *c)
{
	yaml_node_t *requests = NULL, *limits = NULL;
	int r;

	if (n->type != YAML_MAPPING_NODE)
		return fail_at(p, n, "resources must be a map with requests and/or limits");
	for (yaml_node_pair_t *pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top;
	     pr++) {
		yaml_node_t *k = node_at(p, pr->key);
		const char *ks = scalar(k);

		if (ks && strcmp(ks, "requests") == 0)
			requests = node_at(p, pr->value);
		else if (ks && strcmp(ks, "limits") == 0)
			limits = node_at(p, pr->value);
		else
			return fail_at(p, k, "resources: unknown key '%s' (requests, limits)",
				       ks ? ks : "?");
	}
	if (requests && (r = parse_quantities(p, requests, "requests", c)) < 0)
		return r;
	if (limits && (r = parse_quantities(p, limits, "limits", c)) < 0)
		return r;
	return 0;
}

static int want_port_number(struct parse *p, yaml_node_t *n, const char *what, int *ret)
{
	const char *s;
	char *end;
	long v;
	int r = want_scalar(p, n, what, &s);

	if (r < 0)
		return r;
	v = strtol(s, &end, 10);
	if (*end || end == s || v < 1 || v > 65535)
		return fail_at(p, n, "%s: '%s' is not a port number (1-65535)", what, s);
	*ret = (int)v;
	return 0;
}

static int parse_ports(struct parse *p, yaml_node_t *n, struct zf_container_config *c)
{
	size_t count;

	if (n->type != YAML_SEQUENCE_NODE)
		return fail_at(p, n, "ports must be a list of {containerPort, hostPort, protocol}");
	count = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	c->ports = calloc(count ? count : 1, sizeof(*c->ports));
	if (!c->ports)
		return -ENOMEM;
	for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
	     it++) {
		yaml_node_t *item = node_at(p, *it);
		struct zf_port *port = &c->ports[c->n_ports];
		int r;

		if (item->type != YAML_MAPPING_NODE)
			return fail_at(p, item, "ports: each entry is {containerPort, hostPort, protocol}");
		snprintf(port->protocol, sizeof(port->protocol), "tcp");
		for (yaml_node_pair_t *pr = item->data.mapping.pairs.start;
		     pr < item->data.mapping.pairs.top; pr++) {
			yaml_node_t *k = node_at(p, pr->key), *v = node_at(p, pr->value);
			const char *ks = scalar(k), *vs;

			if (check_unique_key(p, item, pr) < 0)
				return -EINVAL;
			if (ks && strcmp(ks, "containerPort") == 0) {
				r = want_port_number(p, v, "containerPort", &port->container_port);
			} else if (ks && strcmp(ks, "hostPort") == 0) {
				r = want_port_number(p, v, "hostPort", &port->host_port);
			} else if (ks && strcmp(ks, "protocol") == 0) {
				r = want_scalar(p, v, "protocol", &vs);
				if (r == 0 && strcasecmp(vs, "tcp") && strcasecmp(vs, "udp") &&
				    strcasecmp(vs, "sctp"))
					r = fail_at(p, v, "protocol: '%s' is not TCP, UDP or SCTP", vs);
				if (r == 0)
					for (size_t i = 0; vs[i] && i + 1 < sizeof(port->protocol); i++)
						port->protocol[i] = (char)(vs[i] | 0x20);
			} else if (ks && strcmp(ks, "name") == 0) {
				r = want_scalar(p, v, "port name", &vs); /* Kubernetes: informative */
			} else {
				r = fail_at(p, k,
					    "ports: unknown key '%s' (containerPort, hostPort, "
					    "protocol, name)",
					    ks ? ks : "?");
			}
			if (r < 0)
				return r;
		}
		if (!port->container_port)
			return fail_at(p, item, "ports: an entry has no containerPort");
		c->n_ports++;
	}
	return 0;
}

static int parse_mounts(struct parse *p, yaml_node_t *n, struct zf_container_spec *spec)
{
	size_t count;

	if (n->type != YAML_SEQUENCE_NODE)
		return fail_at(p, n, "volumeMounts must be a list of {name, mountPath, readOnly}");
	count = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	spec->mounts = calloc(count ? count : 1, sizeof(*spec->mounts));
	if (!spec->mounts)
		return -ENOMEM;
	for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
	     it++) {
		yaml_node_t *item = node_at(p, *it);
		struct zf_volume_mount *m = &spec->mounts[spec->n_mounts];
		int r;

		if (item->type != YAML_MAPPING_NODE)
			return fail_at(p, item, "volumeMounts: each entry is {name, mountPath}");
		spec->n_mounts++;
		for (yaml_node_pair_t *pr = item->data.mapping.pairs.start;
		     pr < item->data.mapping.pairs.top; pr++) {
			yaml_node_t *k = node_at(p, pr->key), *v = node_at(p, pr->value);
			const char *ks = scalar(k);

			if (check_unique_key(p, item, pr) < 0)
				return -EINVAL;
			if (ks && strcmp(ks, "name") == 0)
				r = want_string_dup(p, v, "volumeMounts name", &m->name);
			else if (ks && strcmp(ks, "mountPath") == 0)
				r = want_string_dup(p, v, "mountPath", &m->mount_path);
			else if (ks && strcmp(ks, "readOnly") == 0)
				r = want_bool(p, v, "readOnly", &m->read_only);
			else
				r = fail_at(p, k,
					    "volumeMounts: unknown key '%s' (name, mountPath, readOnly)",
					    ks ? ks : "?");
			if (r < 0)
				return r;
		}
		if (!m->name || !m->mount_path)
			return fail_at(p, item, "volumeMounts: an entry needs name and mountPath");
		if (m->mount_path[0] != '/')
			return fail_at(p, item, "volumeMounts: mountPath '%s' is not absolute",
				       m->mount_path);
	}
	return 0;
}

/*
 * Keys (Docker's and Kubernetes' spellings) that would hand out the host:
 * refused with EPERM, not EINVAL (interface.md, "Errors and safety"). This
 * version has no mount option that allows them.
 */
static bool hands_out_host(const char *key)
{
	static const char *const keys[] = {
		"privileged", "securityContext", "capabilities", "capAdd", "cap_add",
		"devices", "hostNetwork", "hostPID", "hostIPC", "hostPath", "binds",
		"network_mode", "pid_mode", "ipc_mode", "hostNamespace", NULL,
	};

	for (int i = 0; keys[i]; i++)
		if (strcmp(key, keys[i]) == 0)
			return true;
	return false;
}

/* One top-level key of a container spec. */
static int parse_key(struct parse *p, const char *key, yaml_node_t *k, yaml_node_t *v,
		     struct zf_container_spec *spec, char ***args)
{
	struct zf_container_config *c = spec->cfg;

	if (strcmp(key, "image") == 0) {
		int r = want_string_dup(p, v, "image", &c->image);

		if (r == 0 && (!*c->image || strpbrk(c->image, " \t\n")))
			return fail_at(p, v, "image: '%s' is not an image reference", c->image);
		return r;
	}
	if (strcmp(key, "command") == 0)
		return want_words(p, v, "command", &c->command);
	if (strcmp(key, "args") == 0)
		return want_words(p, v, "args", args);
	if (strcmp(key, "workDir") == 0 || strcmp(key, "workingDir") == 0) {
		int r;

		/* two spellings of one key: one of them */
		if (c->workdir)
			return fail_at(p, k, "%s: the working directory is given twice (workDir, "
					     "workingDir)", key);
		r = want_string_dup(p, v, key, &c->workdir);

		if (r == 0 && c->workdir[0] != '/')
			return fail_at(p, v, "%s: '%s' is not an absolute path", key, c->workdir);
		return r;
	}
	if (strcmp(key, "env") == 0)
		return parse_env(p, v, c);
	if (strcmp(key, "labels") == 0)
		return parse_labels(p, v, c);
	if (strcmp(key, "tty") == 0)
		return want_bool(p, v, "tty", &c->tty);
	if (strcmp(key, "stdin_open") == 0)
		return want_bool(p, v, "stdin_open", &c->stdin_open);
	if (strcmp(key, "restartPolicy") == 0)
		return parse_restart(p, v, c);
	if (strcmp(key, "imagePullPolicy") == 0)
		return parse_pull(p, v, c);
	if (strcmp(key, "resources") == 0)
		return parse_resources(p, v, c);
	if (strcmp(key, "ports") == 0)
		return parse_ports(p, v, c);
	if (strcmp(key, "volumeMounts") == 0)
		return parse_mounts(p, v, spec);
	if (strcmp(key, "sandbox") == 0)
		return want_string_dup(p, v, "sandbox", &spec->sandbox);
	if (hands_out_host(key)) {
		fail_at(p, k,
			"'%s' would hand the host to the container: not allowed on this mount",
			key);
		return -EPERM;
	}
	return fail_at(p, k,
		       "unknown key '%s' (image, command, args, workDir, env, labels, tty, "
		       "stdin_open, restartPolicy, imagePullPolicy, resources, volumeMounts, "
		       "ports, sandbox)",
		       key);
}

/* command + args, as Zun joins them: the container's Cmd. */
static int join_args(struct zf_container_config *c, char **args)
{
	size_t nc = 0, na = 0;
	char **all;

	if (!args)
		return 0;
	while (c->command && c->command[nc])
		nc++;
	while (args[na])
		na++;
	all = realloc(c->command, (nc + na + 1) * sizeof(*all));
	if (!all)
		return -ENOMEM;
	memcpy(all + nc, args, (na + 1) * sizeof(*all));
	free(args);
	c->command = all;
	return 0;
}

static int parse_hostname(struct parse *p, yaml_node_t *v, struct zf_container_config *c)
{
	int r = want_string_dup(p, v, "hostname", &c->hostname);
	size_t n;

	if (r < 0)
		return r;
	n = strlen(c->hostname);
	if (n == 0 || n > 63 || c->hostname[0] == '-' || c->hostname[n - 1] == '-' ||
	    strspn(c->hostname, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") != n)
		return fail_at(p, v, "hostname: '%s' is not a host name (letters, digits, '-', at most 63)",
			       c->hostname);
	return 0;
}

/* A sandbox's keys: the infra container's own (the image is zunfs's choice). */
static int parse_sandbox_root(struct parse *p, struct zf_container_spec *spec)
{
	yaml_node_t *root = yaml_document_get_root_node(&p->doc);

	/* an empty spec is a sandbox with defaults */
	if (!root || (root->type == YAML_SCALAR_NODE && !*scalar(root)))
		return 0;
	if (root->type != YAML_MAPPING_NODE)
		return fail_at(p, root, "the spec must be a map of keys (labels, hostname, volumes)");
	for (yaml_node_pair_t *pr = root->data.mapping.pairs.start;
	     pr < root->data.mapping.pairs.top; pr++) {
		yaml_node_t *k = node_at(p, pr->key), *v = node_at(p, pr->value);
		const char *key = scalar(k);
		int r;

		if (!key)
			return fail_at(p, k, "keys must be plain words");
		for (yaml_node_pair_t *q = root->data.mapping.pairs.start; q < pr; q++) {
			const char *other = scalar(node_at(p, q->key));

			if (other && strcmp(other, key) == 0)
				return fail_at(p, k, "'%s' is given twice", key);
		}
		if (strcmp(key, "labels") == 0)
			r = parse_labels(p, v, spec->cfg);
		else if (strcmp(key, "hostname") == 0)
			r = parse_hostname(p, v, spec->cfg);
		else if (strcmp(key, "volumes") == 0)
			r = parse_mounts(p, v, spec);
		else
			r = fail_at(p, k, "unknown key '%s' (labels, hostname, volumes)", key);
		if (r < 0)
			return r;
	}
	return 0;
}

static int parse_root(struct parse *p, struct zf_container_spec *spec)
{
	yaml_node_t *root = yaml_document_get_root_node(&p->doc);
	char **args = NULL;
	int r = 0;

	if (!root || (root->type == YAML_SCALAR_NODE && !*scalar(root)))
		return fail_at(p, NULL, "the spec is empty: at least 'image' is needed");
	if (root->type != YAML_MAPPING_NODE)
		return fail_at(p, root, "the spec must be a map of keys (image: ..., command: ...)");
	for (yaml_node_pair_t *pr = root->data.mapping.pairs.start;
	     pr < root->data.mapping.pairs.top; pr++) {
		yaml_node_t *k = node_at(p, pr->key), *v = node_at(p, pr->value);
		const char *key = scalar(k);

		if (!key) {
			r = fail_at(p, k, "keys must be plain words");
			goto out;
		}
		for (yaml_node_pair_t *q = root->data.mapping.pairs.start; q < pr; q++) {
			const char *other = scalar(node_at(p, q->key));

			if (other && strcmp(other, key) == 0) {
				r = fail_at(p, k, "'%s' is given twice", key);
				goto out;
			}
		}
		r = parse_key(p, key, k, v, spec, &args);
		if (r < 0)
			goto out;
	}
	if (!spec->cfg->image) {
		r = fail_at(p, root, "'image' is required");
		goto out;
	}
	r = join_args(spec->cfg, args);
	if (r == 0)
		args = NULL;
out:
	words_free(args);
	return r;
}

/* Loads text as one YAML document into p (p->error set on failure). */
static int load_doc(const char *text, size_t len, struct parse *p)
{
	yaml_parser_t parser;

	if (len > ZF_SPEC_MAX) {
		snprintf(p->error->msg, sizeof(p->error->msg), "the spec is larger than %u bytes",
			 ZF_SPEC_MAX);
		return -EINVAL;
	}
	if (memchr(text, '\0', len)) {
		snprintf(p->error->msg, sizeof(p->error->msg), "the spec contains a NUL byte");
		return -EINVAL;
	}
	if (!yaml_parser_initialize(&parser))
		return -ENOMEM;
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &p->doc)) {
		p->error->line = (int)parser.problem_mark.line + 1;
		p->error->column = (int)parser.problem_mark.column + 1;
		snprintf(p->error->msg, sizeof(p->error->msg), "YAML: %s%s%s",
			 parser.problem ? parser.problem : "syntax error",
			 parser.context ? " " : "", parser.context ? parser.context : "");
		yaml_parser_delete(&parser);
		return -EINVAL;
	}
	yaml_parser_delete(&parser);
	p->text = text;
	p->len = len;
	return 0;
}

static struct zf_container_spec *container_spec_new(void)
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

/*
 * Loads text and runs one root parser on it; a refusal's error (EINVAL,
 * EPERM) goes to *ret_error. What the parser makes is the caller's ctx.
 */
static int with_doc(const char *text, size_t len, int (*root)(struct parse *p, void *ctx),
		    void *ctx, struct zf_spec_error *ret_error)
{
	struct zf_spec_error error = { 0 };
	struct parse p = { .error = &error };
	int r = load_doc(text, len, &p);

	if (r == 0) {
		r = root(&p, ctx);
		yaml_document_delete(&p.doc);
	}
	if (r == -EINVAL || r == -EPERM)
		*ret_error = error;
	return r;
}

static int container_root(struct parse *p, void *spec)
{
	return parse_root(p, spec);
}

static int sandbox_root(struct parse *p, void *spec)
{
	return parse_sandbox_root(p, spec);
}

static int parse_doc(const char *text, size_t len, bool sandbox,
		     struct zf_container_spec **ret_spec, struct zf_spec_error *ret_error)
{
	struct zf_container_spec *spec = container_spec_new();
	int r;

	if (!spec)
		return -ENOMEM;
	r = with_doc(text, len, sandbox ? sandbox_root : container_root, spec, ret_error);
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
	zf_container_config_free(spec->cfg);
	free(spec->sandbox);
	for (size_t i = 0; i < spec->n_mounts; i++) {
		free(spec->mounts[i].name);
		free(spec->mounts[i].mount_path);
	}
	free(spec->mounts);
	free(spec);
}

void zf_spec_error_format(const struct zf_spec_error *e, char *buf, size_t size)
{
	if (e->line > 0)
		snprintf(buf, size, "line %d, column %d: %s", e->line, e->column, e->msg);
	else
		snprintf(buf, size, "%s", e->msg);
}

/* ---- capsules ---------------------------------------------------------- */


static void members_free(struct zf_capsule_member *m, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(m[i].name);
		free(m[i].text);
		zf_container_spec_free(m[i].spec);
	}
	free(m);
}

void zf_capsule_spec_free(struct zf_capsule_spec *spec)
{
	if (!spec)
		return;
	free(spec->name);
	for (size_t i = 0; i < spec->n_labels; i++) {
		free(spec->labels[i].key);
		free(spec->labels[i].value);
	}
	free(spec->labels);
	for (size_t i = 0; i < spec->n_annotations; i++) {
		free(spec->annotations[i].key);
		free(spec->annotations[i].value);
	}
	free(spec->annotations);
	free(spec->host_selector);
	members_free(spec->containers, spec->n_containers);
	members_free(spec->init_containers, spec->n_init_containers);
	for (size_t i = 0; i < spec->n_volumes; i++) {
		free(spec->volumes[i].name);
		free(spec->volumes[i].zunfs_volume);
		free(spec->volumes[i].cinder_id);
	}
	free(spec->volumes);
	free(spec);
}

/* One entry of containers[] or initContainers[]: a container's keys, plus
 * name, stdin (Zun) and imageDriver; restartPolicy and sandbox belong to the
 * capsule. */
/*
 * The source text of a node, as a document of its own: a block map inside a
 * list loses the indentation it had there, trailing blank space goes.
 */
/*
 * libyaml's marks count characters, not bytes: the byte offset of character
 * `index` in the UTF-8 source (after a byte order mark, which it skips).
 */
static size_t byte_offset(const struct parse *p, size_t index)
{
	size_t i = 0;

	if (p->len >= 3 && memcmp(p->text, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	for (; i < p->len; i++) {
		/* a character starts at every byte that does not continue one */
		if (((unsigned char)p->text[i] & 0xc0) != 0x80 && index-- == 0)
			return i;
	}
	return p->len;
}

static char *node_text(struct parse *p, yaml_node_t *n)
{
	size_t start = byte_offset(p, n->start_mark.index), end = byte_offset(p, n->end_mark.index);
	size_t col = n->start_mark.column;
	char *out, *o;

	if (start > p->len || end > p->len || end < start)
		return strdup("");
	while (end > start && strchr(" \t\r\n", p->text[end - 1]))
		end--;
	out = malloc(end - start + 2);
	if (!out)
		return NULL;
	o = out;
	for (size_t i = start; i < end;) {
		*o++ = p->text[i];
		if (p->text[i++] != '\n')
			continue;
		/* drop up to col spaces of the indentation the list gave */
		for (size_t k = 0; k < col && i < end && p->text[i] == ' '; k++)
			i++;
	}
	*o++ = '\n';
	*o = '\0';
	return out;
}

/* A growing string for the emitter. */
struct emit_buf {
	char *s;
	size_t len, cap;
};

static int emit_write(void *data, unsigned char *buffer, size_t size)
{
	struct emit_buf *b = data;

	if (b->len + size + 1 > b->cap) {
		size_t cap = (b->len + size + 1) * 2;
		char *s = realloc(b->s, cap);

		if (!s)
			return 0;
		b->s = s;
		b->cap = cap;
	}
	memcpy(b->s + b->len, buffer, size);
	b->len += size;
	b->s[b->len] = '\0';
	return 1;
}

/* Emits node n (aliases resolved: it is a tree here) as events; 1 on success. */
static int emit_node(yaml_emitter_t *em, struct parse *p, yaml_node_t *n, int depth)
{
	yaml_event_t ev;

	if (!n || depth > 64)
		return 0;
	switch (n->type) {
	case YAML_SCALAR_NODE:
		if (!yaml_scalar_event_initialize(&ev, NULL, NULL, n->data.scalar.value,
						  (int)n->data.scalar.length, 1, 1,
						  YAML_ANY_SCALAR_STYLE))
			return 0;
		return yaml_emitter_emit(em, &ev);
	case YAML_SEQUENCE_NODE:
		if (!yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1, YAML_ANY_SEQUENCE_STYLE) ||
		    !yaml_emitter_emit(em, &ev))
			return 0;
		for (yaml_node_item_t *i = n->data.sequence.items.start; i < n->data.sequence.items.top;
		     i++)
			if (!emit_node(em, p, node_at(p, *i), depth + 1))
				return 0;
		return yaml_sequence_end_event_initialize(&ev) && yaml_emitter_emit(em, &ev);
	case YAML_MAPPING_NODE:
		if (!yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1, YAML_ANY_MAPPING_STYLE) ||
		    !yaml_emitter_emit(em, &ev))
			return 0;
		for (yaml_node_pair_t *pr = n->data.mapping.pairs.start;
		     pr < n->data.mapping.pairs.top; pr++)
			if (!emit_node(em, p, node_at(p, pr->key), depth + 1) ||
			    !emit_node(em, p, node_at(p, pr->value), depth + 1))
				return 0;
		return yaml_mapping_end_event_initialize(&ev) && yaml_emitter_emit(em, &ev);
	default:
		return 0;
	}
}

/* Node n written out anew as a document of its own (NULL on failure). */
static char *node_emitted(struct parse *p, yaml_node_t *n)
{
	struct emit_buf b = { 0 };
	yaml_emitter_t em;
	yaml_event_t ev;
	int ok;

	if (!yaml_emitter_initialize(&em))
		return NULL;
	yaml_emitter_set_output(&em, emit_write, &b);
	yaml_emitter_set_unicode(&em, 1);
	ok = yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING) &&
	     yaml_emitter_emit(&em, &ev) &&
	     yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1) &&
	     yaml_emitter_emit(&em, &ev) && emit_node(&em, p, n, 0) &&
	     yaml_document_end_event_initialize(&ev, 1) && yaml_emitter_emit(&em, &ev) &&
	     yaml_stream_end_event_initialize(&ev) && yaml_emitter_emit(&em, &ev);
	yaml_emitter_delete(&em);
	if (!ok) {
		free(b.s);
		return NULL;
	}
	return b.s;
}

/*
 * A member's own text: its slice of the source, which keeps the user's
 * layout and comments, unless that does not stand alone (an alias to an
 * anchor elsewhere in the file): then the node written out anew.
 */
static char *member_text(struct parse *p, yaml_node_t *n)
{
	struct zf_container_spec *spec = NULL;
	struct zf_spec_error e;
	char *text = node_text(p, n), *again;

	if (!text)
		return NULL;
	if (zf_spec_parse_member(text, strlen(text), &spec, NULL, &e) == 0) {
		zf_container_spec_free(spec);
		return text;
	}
	again = node_emitted(p, n);
	if (!again)
		return text; /* kept as it was: the member's spec.yaml shows it */
	free(text);
	return again;
}

static int parse_member(struct parse *p, yaml_node_t *n, const char *list, size_t index,
			struct zf_capsule_member *m)
{
	char **args = NULL, at[64];
	int r = 0;

	/* errors say where: containers[1], or the member's own spec.yaml */
	if (list)
		snprintf(at, sizeof(at), "%s[%zu]", list, index);
	else
		snprintf(at, sizeof(at), "spec.yaml");
	if (n->type != YAML_MAPPING_NODE)
		return fail_at(p, n, "%s must be a map of container keys", at);
	m->line = (int)n->start_mark.line + 1;
	m->column = (int)n->start_mark.column + 1;
	m->spec = container_spec_new();
	if (!m->spec)
		return -ENOMEM;
	for (yaml_node_pair_t *pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top;
	     pr++) {
		yaml_node_t *k = node_at(p, pr->key), *v = node_at(p, pr->value);
		const char *key = scalar(k), *s;

		if (!key) {
			r = fail_at(p, k, "keys must be plain words");
			break;
		}
		for (yaml_node_pair_t *q = n->data.mapping.pairs.start; q < pr; q++) {
			const char *other = scalar(node_at(p, q->key));

			if (other && strcmp(other, key) == 0) {
				r = fail_at(p, k, "%s: '%s' is given twice", at, key);
				goto out;
			}
		}
		if (strcmp(key, "name") == 0) {
			r = want_string_dup(p, v, "name", &m->name);
			if (r == 0 && zf_name_check(m->name) < 0)
				r = fail_at(p, v,
					    "%s: name '%s' is not a valid name "
					    "([a-zA-Z0-9][a-zA-Z0-9_.-]*, at most 63)",
					    at, m->name);
		} else if (strcmp(key, "stdin") == 0) {
			r = want_bool(p, v, "stdin", &m->spec->cfg->stdin_open);
		} else if (strcmp(key, "imageDriver") == 0) {
			r = want_scalar(p, v, "imageDriver", &s);
			if (r == 0 && strcasecmp(s, "docker") != 0)
				r = fail_at(p, v,
					    "imageDriver: '%s' is not supported: images come from "
					    "the Docker engine (imageDriver: docker)",
					    s);
		} else if (strcmp(key, "restartPolicy") == 0 || strcmp(key, "sandbox") == 0) {
			r = fail_at(p, k, "%s: '%s' belongs to the capsule, not a container", at,
				    key);
		} else {
			r = parse_key(p, key, k, v, m->spec, &args);
		}
		if (r < 0)
			break;
	}
	if (r == 0 && !m->spec->cfg->image)
		r = fail_at(p, n, "%s: 'image' is required", at);
	if (r == 0)
		r = join_args(m->spec->cfg, args);
	if (r == 0)
		args = NULL;
	/* in a list, its text is its spec.yaml (a valid entry: parsed, so it stands) */
	if (r == 0 && list && !(m->text = member_text(p, n)))
		r = -ENOMEM;
out:
	words_free(args);
	return r;
}

static int parse_members(struct parse *p, yaml_node_t *n, const char *list,
			 struct zf_capsule_member **ret, size_t *ret_n)
{
	size_t count;

	if (n->type != YAML_SEQUENCE_NODE)
		return fail_at(p, n, "%s must be a list of containers", list);
	count = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	*ret = calloc(count ? count : 1, sizeof(**ret));
	if (!*ret)
		return -ENOMEM;
	for (size_t i = 0; i < count; i++) {
		int r = parse_member(p, node_at(p, n->data.sequence.items.start[i]), list, i,
				     &(*ret)[i]);

		(*ret_n)++;
		if (r < 0)
			return r;
	}
	return 0;
}

/* A size in GB: a whole number, optionally with "G", "GB" or "Gi". */
static int want_gb(struct parse *p, yaml_node_t *v, const char *what, int64_t *ret)
{
	const char *s;
	char *end;
	long long n;
	int r = want_scalar(p, v, what, &s);

	if (r < 0)
		return r;
	n = strtoll(s, &end, 10);
	if (end == s || n <= 0 || n > 1000000 ||
	    (*end && strcmp(end, "G") && strcmp(end, "GB") && strcmp(end, "Gi")))
		return fail_at(p, v, "%s: '%s' is not a size in GB (e.g. 5 or 5G)", what, s);
	*ret = n;
	return 0;
}

static int parse_volume(struct parse *p, yaml_node_t *n, size_t index, struct zf_capsule_volume *vol)
{
	yaml_node_t *cinder = NULL;
	int kinds = 0, r = 0;

	if (n->type != YAML_MAPPING_NODE)
		return fail_at(p, n, "volumes[%zu] must be a map: {name, volume} or {name, cinder}",
			       index);
	vol->line = (int)n->start_mark.line + 1;
	vol->column = (int)n->start_mark.column + 1;
	for (yaml_node_pair_t *pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top;
	     pr++) {
		yaml_node_t *k = node_at(p, pr->key), *v = node_at(p, pr->value);
		const char *key = scalar(k);

		if (check_unique_key(p, n, pr) < 0)
			return -EINVAL;
		if (key && strcmp(key, "name") == 0) {
			r = want_string_dup(p, v, "volume name", &vol->name);
		} else if (key && strcmp(key, "volume") == 0) {
			r = want_string_dup(p, v, "volume", &vol->zunfs_volume);
			kinds++;
		} else if (key && strcmp(key, "cinder") == 0) {
			cinder = v;
			kinds++;
		} else {
			r = fail_at(p, k,
				    "volumes[%zu]: unknown key '%s' (name, and volume: VOLUME or "
				    "cinder: {volumeID | size, autoRemove})",
				    index, key ? key : "?");
		}
		if (r < 0)
			return r;
	}
	if (!vol->name)
		return fail_at(p, n, "volumes[%zu]: a volume needs a name", index);
	if (kinds != 1)
		return fail_at(p, n, "volumes[%zu] '%s': give exactly one of volume: or cinder:", index,
			       vol->name);
	if (!cinder)
		return 0;
	if (cinder->type != YAML_MAPPING_NODE)
		return fail_at(p, cinder, "cinder must be a map: {volumeID} or {size, autoRemove}");
	for (yaml_node_pair_t *pr = cinder->data.mapping.pairs.start;
	     pr < cinder->data.mapping.pairs.top; pr++) {
		yaml_node_t *k = node_at(p, pr->key), *v = node_at(p, pr->value);
		const char *key = scalar(k);

		if (check_unique_key(p, cinder, pr) < 0)
			return -EINVAL;
		if (key && strcmp(key, "volumeID") == 0)
			r = want_string_dup(p, v, "volumeID", &vol->cinder_id);
		else if (key && strcmp(key, "size") == 0)
			r = want_gb(p, v, "cinder size", &vol->cinder_size_gb);
		else if (key && strcmp(key, "autoRemove") == 0)
			r = want_bool(p, v, "autoRemove", &vol->auto_remove);
		else
			r = fail_at(p, k, "cinder: unknown key '%s' (volumeID, size, autoRemove)",
				    key ? key : "?");
		if (r < 0)
			return r;
	}
	if (!!vol->cinder_id == !!vol->cinder_size_gb)
		return fail_at(p, cinder, "cinder: give volumeID (adopt) or size (make), not both");
	return 0;
}

/* Always | OnFailure | Never (Kubernetes'), also Zun's words; as engine words. */
static int parse_capsule_restart(struct parse *p, yaml_node_t *v, struct zf_capsule_spec *c)
{
	struct zf_container_config tmp = { .restart_policy = "" };
	int r = parse_restart(p, v, &tmp);

	if (r == 0)
		memcpy(c->restart_policy, tmp.restart_policy, sizeof(c->restart_policy));
	return r;
}

/* A map of strings (labels, annotations) into kv, n. */
static int parse_string_map(struct parse *p, yaml_node_t *v, struct zf_kv **kv, size_t *n)
{
	struct zf_container_config tmp = { .labels = NULL };
	int r = parse_labels(p, v, &tmp);

	*kv = tmp.labels;
	*n = tmp.n_labels;
	return r;
}

static int parse_capsule_spec(struct parse *p, yaml_node_t *n, struct zf_capsule_spec *c,
			      bool *ret_policy_set)
{
	if (n->type != YAML_MAPPING_NODE)
		return fail_at(p, n, "spec must be a map (containers, initContainers, volumes)");
	for (yaml_node_pair_t *pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top;
	     pr++) {
		yaml_node_t *k = node_at(p, pr->key), *v = node_at(p, pr->value);
		const char *key = scalar(k);

		if (check_unique_key(p, n, pr) < 0)
			return -EINVAL;
		int r;

		if (key && strcmp(key, "containers") == 0) {
			r = parse_members(p, v, "containers", &c->containers, &c->n_containers);
		} else if (key && strcmp(key, "initContainers") == 0) {
			r = parse_members(p, v, "initContainers", &c->init_containers,
					  &c->n_init_containers);
		} else if (key && strcmp(key, "volumes") == 0) {
			size_t count;

			if (v->type != YAML_SEQUENCE_NODE)
				return fail_at(p, v, "volumes must be a list");
			count = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
			c->volumes = calloc(count ? count : 1, sizeof(*c->volumes));
			if (!c->volumes)
				return -ENOMEM;
			r = 0;
			for (size_t i = 0; i < count && r == 0; i++) {
				r = parse_volume(p, node_at(p, v->data.sequence.items.start[i]), i,
						 &c->volumes[i]);
				c->n_volumes++;
			}
		} else if (key && strcmp(key, "restartPolicy") == 0) {
			r = parse_capsule_restart(p, v, c);
			*ret_policy_set = true;
		} else {
			r = fail_at(p, k,
				    "spec: unknown key '%s' (containers, initContainers, volumes, "
				    "restartPolicy)",
				    key ? key : "?");
		}
		if (r < 0)
			return r;
	}
	return 0;
}

static int parse_metadata(struct parse *p, yaml_node_t *n, struct zf_capsule_spec *c)
{
	bool labels_seen = false;

	if (n->type != YAML_MAPPING_NODE)
		return fail_at(p, n, "metadata must be a map (name, labels, annotations)");
	for (yaml_node_pair_t *pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top;
	     pr++) {
		yaml_node_t *k = node_at(p, pr->key), *v = node_at(p, pr->value);
		const char *key = scalar(k);

		if (check_unique_key(p, n, pr) < 0)
			return -EINVAL;
		int r;

		if (key && strcmp(key, "name") == 0) {
			r = want_string_dup(p, v, "metadata.name", &c->name);
		} else if (key && (strcmp(key, "labels") == 0 || strcmp(key, "lables") == 0)) {
			/* "lables" as the capsule spec's own sample spells it: two
			 * spellings of one key, so one of them */
			if (labels_seen)
				r = fail_at(p, k, "metadata: the labels are given twice (labels, "
						  "lables)");
			else
				r = parse_string_map(p, v, &c->labels, &c->n_labels);
			labels_seen = true;
		} else if (key && strcmp(key, "annotations") == 0) {
			r = parse_string_map(p, v, &c->annotations, &c->n_annotations);
		} else {
			r = fail_at(p, k, "metadata: unknown key '%s' (name, labels, annotations)",
				    key ? key : "?");
		}
		if (r < 0)
			return r;
	}
	return 0;
}

/* Fails at a place noted while parsing. */
static int fail_at_mark(struct parse *p, int line, int column, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail_at_mark(struct parse *p, int line, int column, const char *fmt, ...)
{
	va_list ap;

	p->error->line = line;
	p->error->column = column;
	va_start(ap, fmt);
	vsnprintf(p->error->msg, sizeof(p->error->msg), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* What spans the whole capsule: names unique, mounts naming declared volumes. */
static int validate_capsule(struct parse *p, yaml_node_t *root, struct zf_capsule_spec *c)
{
	struct zf_capsule_member *lists[2] = { c->init_containers, c->containers };
	size_t counts[2] = { c->n_init_containers, c->n_containers };
	size_t total = 0;

	if (c->n_containers == 0)
		return fail_at(p, root, "spec.containers: a capsule needs at least one container");
	for (size_t i = 0; i < c->n_volumes; i++)
		for (size_t j = 0; j < i; j++)
			if (strcmp(c->volumes[i].name, c->volumes[j].name) == 0)
				return fail_at_mark(p, c->volumes[i].line, c->volumes[i].column,
						    "volumes: '%s' is declared twice",
						    c->volumes[i].name);
	for (int l = 0; l < 2; l++) {
		for (size_t i = 0; i < counts[l]; i++, total++) {
			struct zf_capsule_member *m = &lists[l][i];

			if (!m->name && asprintf(&m->name, "container-%zu", total) < 0) {
				m->name = NULL;
				return -ENOMEM;
			}
			for (size_t k = 0; k < m->spec->n_mounts; k++) {
				bool found = false;

				for (size_t v = 0; v < c->n_volumes; v++)
					found = found || strcmp(c->volumes[v].name,
								m->spec->mounts[k].name) == 0;
				if (!found)
					return fail_at_mark(p, m->line, m->column,
							    "container '%s': volumeMounts names '%s', "
							    "which spec.volumes does not declare",
							    m->name, m->spec->mounts[k].name);
			}
		}
	}
	/* every name once, init containers included: each is a directory */
	for (int l = 0; l < 2; l++)
		for (size_t i = 0; i < counts[l]; i++)
			for (int l2 = 0; l2 <= l; l2++)
				for (size_t j = 0; j < (l2 == l ? i : counts[l2]); j++)
					if (strcmp(lists[l][i].name, lists[l2][j].name) == 0)
						return fail_at_mark(p, lists[l][i].line,
								    lists[l][i].column,
								    "two containers are named '%s'",
								    lists[l][i].name);
	return 0;
}

static int parse_capsule_root(struct parse *p, struct zf_capsule_spec *c)
{
	yaml_node_t *root = yaml_document_get_root_node(&p->doc), *spec = NULL;
	bool policy_set = false;

	if (!root || (root->type == YAML_SCALAR_NODE && !*scalar(root)))
		return fail_at(p, NULL, "the spec is empty: a capsule needs spec.containers");
	if (root->type != YAML_MAPPING_NODE)
		return fail_at(p, root, "the spec must be a map (apiVersion, kind, metadata, spec)");
	snprintf(c->restart_policy, sizeof(c->restart_policy), "always");
	for (yaml_node_pair_t *pr = root->data.mapping.pairs.start;
	     pr < root->data.mapping.pairs.top; pr++) {
		yaml_node_t *k = node_at(p, pr->key), *v = node_at(p, pr->value);
		const char *key = scalar(k), *s;
		int r;

		if (!key)
			return fail_at(p, k, "keys must be plain words");
		for (yaml_node_pair_t *q = root->data.mapping.pairs.start; q < pr; q++) {
			const char *other = scalar(node_at(p, q->key));

			if (other && strcmp(other, key) == 0)
				return fail_at(p, k, "'%s' is given twice", key);
		}
		if (strcmp(key, "apiVersion") == 0 || strcmp(key, "capsuleVersion") == 0) {
			r = want_scalar(p, v, key, &s);
			if (r == 0 && strcmp(s, "beta") && strcmp(s, "v1") && strcmp(s, "1.0"))
				r = fail_at(p, v, "%s: '%s' is not one of beta, v1", key, s);
		} else if (strcmp(key, "kind") == 0) {
			r = want_scalar(p, v, "kind", &s);
			if (r == 0 && strcasecmp(s, "capsule") && strcasecmp(s, "pod"))
				r = fail_at(p, v, "kind: '%s' is not capsule (or Pod)", s);
		} else if (strcmp(key, "metadata") == 0) {
			r = parse_metadata(p, v, c);
		} else if (strcmp(key, "restartPolicy") == 0) {
			if (policy_set)
				return fail_at(p, k, "restartPolicy is given twice (here and in spec)");
			r = parse_capsule_restart(p, v, c);
			policy_set = true;
		} else if (strcmp(key, "hostSelector") == 0) {
			r = want_string_dup(p, v, "hostSelector", &c->host_selector);
		} else if (strcmp(key, "spec") == 0) {
			spec = v;
			r = 0;
		} else {
			r = fail_at(p, k,
				    "unknown key '%s' (apiVersion, kind, metadata, restartPolicy, "
				    "hostSelector, spec, capsuleVersion)",
				    key);
		}
		if (r < 0)
			return r;
	}
	if (!spec)
		return fail_at(p, root, "'spec' is required (spec.containers)");
	{
		bool spec_policy = false;
		int r = parse_capsule_spec(p, spec, c, &spec_policy);

		if (r < 0)
			return r;
		if (spec_policy && policy_set)
			return fail_at(p, spec, "restartPolicy is given twice (here and at the top)");
	}
	return validate_capsule(p, spec, c);
}

static int capsule_root(struct parse *p, void *c)
{
	return parse_capsule_root(p, c);
}

int zf_spec_parse_capsule(const char *text, size_t len, struct zf_capsule_spec **ret_spec,
			  struct zf_spec_error *ret_error)
{
	struct zf_capsule_spec *c = calloc(1, sizeof(*c));
	int r;

	if (!c)
		return -ENOMEM;
	r = with_doc(text, len, capsule_root, c, ret_error);
	if (r < 0) {
		zf_capsule_spec_free(c);
		return r;
	}
	*ret_spec = c;
	return 0;
}

static int member_root(struct parse *p, void *m)
{
	yaml_node_t *root = yaml_document_get_root_node(&p->doc);

	if (!root)
		return fail_at(p, NULL, "the spec is empty: a container needs at least 'image'");
	return parse_member(p, root, NULL, 0, m);
}

int zf_spec_parse_member(const char *text, size_t len, struct zf_container_spec **ret_spec,
			 char **ret_name, struct zf_spec_error *ret_error)
{
	struct zf_capsule_member m = { 0 };
	int r = with_doc(text, len, member_root, &m, ret_error);

	if (r == 0) {
		*ret_spec = TAKE_PTR(m.spec);
		if (ret_name)
			*ret_name = TAKE_PTR(m.name);
	}
	free(m.name);
	free(m.text);
	zf_container_spec_free(m.spec);
	return r;
}

/* ---- volumes ----------------------------------------------------------- */

void zf_volume_spec_free(struct zf_volume_spec *spec)
{
	if (!spec)
		return;
	free(spec->volume_id);
	free(spec->volume_type);
	for (size_t i = 0; i < spec->n_opts; i++) {
		free(spec->opts[i].key);
		free(spec->opts[i].value);
	}
	free(spec->opts);
	free(spec);
}

static int parse_driver_options(struct parse *p, yaml_node_t *n, struct zf_volume_spec *v)
{
	if (n->type != YAML_MAPPING_NODE)
		return fail_at(p, n, "driverOptions must be a map of strings");
	for (yaml_node_pair_t *pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top;
	     pr++) {
		yaml_node_t *k = node_at(p, pr->key), *val = node_at(p, pr->value);
		const char *ks, *vs;
		int r;

		if ((r = want_scalar(p, k, "a driver option", &ks)) < 0 ||
		    (r = want_scalar(p, val, "a driver option's value", &vs)) < 0)
			return r;
		if (kv_has(v->opts, v->n_opts, ks))
			return fail_at(p, k, "driverOptions: '%s' is given twice", ks);
		if ((r = kv_add(&v->opts, &v->n_opts, ks, vs)) < 0)
			return r;
	}
	return 0;
}

/* What the local driver takes: the engine's tmpfs options, nothing of the host. */
static int check_local_options(struct parse *p, yaml_node_t *n, const struct zf_volume_spec *v)
{
	for (size_t i = 0; i < v->n_opts; i++) {
		const char *k = v->opts[i].key, *val = v->opts[i].value;

		if (strcmp(k, "type") != 0 && strcmp(k, "device") != 0 && strcmp(k, "o") != 0)
			return fail_at(p, n, "driverOptions: unknown option '%s' for the local driver "
					     "(type, device, o)", k);
		if ((strcmp(k, "device") == 0 && strcmp(val, "tmpfs") != 0) ||
		    (strcmp(k, "type") == 0 && strcmp(val, "tmpfs") != 0) ||
		    (strcmp(k, "o") == 0 && strstr(val, "bind"))) {
			fail_at(p, n,
				"driverOptions: %s=%s would hand a host device or directory to the "
				"volume: the local driver takes tmpfs only (type: tmpfs, device: "
				"tmpfs, o: size=...)",
				k, val);
			return -EPERM;
		}
	}
	return 0;
}

static int parse_volume_root(struct parse *p, struct zf_volume_spec *v)
{
	yaml_node_t *root = yaml_document_get_root_node(&p->doc), *opts_node = NULL;
	yaml_node_t *cinder_only = NULL;
	int r = 0;

	snprintf(v->driver, sizeof(v->driver), "local");
	/* an empty spec is a local volume with defaults */
	if (!root || (root->type == YAML_SCALAR_NODE && !*scalar(root)))
		return 0;
	if (root->type != YAML_MAPPING_NODE)
		return fail_at(p, root,
			       "the spec must be a map of keys (driver, size, volumeID, volumeType, "
			       "driverOptions)");
	for (yaml_node_pair_t *pr = root->data.mapping.pairs.start;
	     pr < root->data.mapping.pairs.top && r == 0; pr++) {
		yaml_node_t *k = node_at(p, pr->key), *val = node_at(p, pr->value);
		const char *key = scalar(k), *s;

		if (!key)
			return fail_at(p, k, "keys must be plain words");
		if ((r = check_unique_key(p, root, pr)) < 0)
			return r;
		if (strcmp(key, "driver") == 0) {
			r = want_scalar(p, val, "driver", &s);
			if (r == 0 && strcmp(s, "local") != 0 && strcmp(s, "cinder") != 0)
				r = fail_at(p, val, "driver: '%s' is not a driver (local, cinder)", s);
			if (r == 0)
				snprintf(v->driver, sizeof(v->driver), "%s", s);
		} else if (strcmp(key, "size") == 0) {
			r = want_scalar(p, val, "size", &s);
			if (r == 0 && (zf_parse_memory(s, &v->size_bytes) < 0 || v->size_bytes <= 0))
				r = fail_at(p, val, "size: '%s' is not a size (e.g. 1G, 512Mi)", s);
		} else if (strcmp(key, "volumeID") == 0) {
			r = want_string_dup(p, val, "volumeID", &v->volume_id);
			cinder_only = k;
		} else if (strcmp(key, "volumeType") == 0) {
			r = want_string_dup(p, val, "volumeType", &v->volume_type);
			cinder_only = k;
		} else if (strcmp(key, "driverOptions") == 0) {
			r = parse_driver_options(p, val, v);
			opts_node = val;
		} else {
			r = fail_at(p, k,
				    "unknown key '%s' (driver, size, volumeID, volumeType, "
				    "driverOptions)",
				    key);
		}
	}
	if (r < 0)
		return r;
	if (strcmp(v->driver, "local") == 0) {
		if (cinder_only)
			return fail_at(p, cinder_only, "%s is for the cinder driver, not local",
				       scalar(cinder_only));
		if (opts_node)
			return check_local_options(p, opts_node, v);
		return 0;
	}
	if (!v->volume_id && !v->size_bytes)
		return fail_at(p, root, "driver cinder: give size (a new volume) or volumeID (adopt one)");
	if (v->volume_id && v->size_bytes)
		return fail_at(p, root, "driver cinder: give size or volumeID, not both");
	return 0;
}

static int volume_root(struct parse *p, void *v)
{
	return parse_volume_root(p, v);
}

int zf_spec_parse_volume(const char *text, size_t len, struct zf_volume_spec **ret_spec,
			 struct zf_spec_error *ret_error)
{
	struct zf_volume_spec *v = calloc(1, sizeof(*v));
	int r;

	if (!v)
		return -ENOMEM;
	r = with_doc(text, len, volume_root, v, ret_error);
	if (r < 0) {
		zf_volume_spec_free(v);
		return r;
	}
	*ret_spec = v;
	return 0;
}
