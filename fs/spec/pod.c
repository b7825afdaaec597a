/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What a capsule's member gets from its pod at launch, as the kubelet does
 * it: env values from the pod's fields (valueFrom.fieldRef), each written
 * value with $(VAR) expanded from the entries before it, then command and
 * args with $(VAR) expanded from the whole env. Pure.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dialect.h"

/* The first n entries of an env, as $(VAR) sees them. */
struct env_scope {
	const struct zf_kv *env;
	size_t n;
};

static const char *env_lookup(const char *name, size_t len, void *ctx)
{
	const struct env_scope *s = ctx;

	for (size_t i = s->n; i-- > 0;)
		if (strlen(s->env[i].key) == len && strncmp(s->env[i].key, name, len) == 0)
			return s->env[i].value;
	return NULL;
}

static const char *kv_get(const struct zf_kv *kv, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(kv[i].key, key) == 0)
			return kv[i].value;
	return "";
}

static const char *field_value(const struct zf_env_ref *ref, const struct zf_pod_fields *pod)
{
	switch (ref->field) {
	case ZF_ENV_POD_NAME:
		return pod->name ? pod->name : "";
	case ZF_ENV_POD_NAMESPACE:
		return pod->pod_namespace ? pod->pod_namespace : "default";
	case ZF_ENV_POD_LABEL:
		return kv_get(pod->labels, pod->n_labels, ref->key);
	case ZF_ENV_POD_ANNOTATION:
		return kv_get(pod->annotations, pod->n_annotations, ref->key);
	case ZF_ENV_POD_IP:
		return pod->ip ? pod->ip : "";
	case ZF_ENV_VALUE:
		break;
	}
	return NULL;
}

int zf_spec_resolve_env(struct zf_container_spec *spec, const struct zf_pod_fields *pod)
{
	struct zf_container_config *c = spec->cfg;
	struct env_scope scope = { c->env, 0 };
	char *v;
	int r;

	for (size_t i = 0; i < c->n_env; i++, scope.n = i) {
		const char *from = spec->env_refs ? field_value(&spec->env_refs[i], pod) : NULL;

		/* a field's value is taken as it is; a written one is expanded */
		if (from)
			v = strdup(from);
		else if ((r = zf_spec_expand(c->env[i].value, env_lookup, &scope, &v)) < 0)
			return r;
		if (!v)
			return -ENOMEM;
		free(c->env[i].value);
		c->env[i].value = v;
	}
	scope.n = c->n_env;
	for (char **w = c->command; w && *w; w++) {
		if ((r = zf_spec_expand(*w, env_lookup, &scope, &v)) < 0)
			return r;
		free(*w);
		*w = v;
	}
	return 0;
}
