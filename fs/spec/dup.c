/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Deep copies of parsed specs. An object keeps its spec parsed (registry.h);
 * a worker takes a copy with its snapshot (engine_steps.h) and changes it
 * freely (mounts, namespaces, a member's pod fields) without the registry
 * lock and without parsing the text again.
 *
 * Each copies the struct whole, then sets every pointer to a copy of its
 * own: a pointer field added to a spec must be listed here too, or the two
 * would share it (a double free that the sanitizer build reports).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../spec.h"
#include "dialect.h"

static int str_dup(const char *s, char **ret)
{
	*ret = s ? strdup(s) : NULL;
	return !s || *ret ? 0 : -ENOMEM;
}

int zf_security_copy(const struct zf_security *src, struct zf_security *ret)
{
	*ret = *src;
	ret->cap_drop = NULL;
	ret->groups = NULL;
	if (zf_strv_dup(src->cap_drop, &ret->cap_drop) < 0)
		goto fail;
	if (src->n_groups) {
		ret->groups = malloc(src->n_groups * sizeof(*src->groups));
		if (!ret->groups)
			goto fail;
		memcpy(ret->groups, src->groups, src->n_groups * sizeof(*src->groups));
	}
	return 0;
fail:
	zf_security_clear(ret);
	return -ENOMEM;
}

int zf_container_spec_dup(const struct zf_container_spec *src, struct zf_container_spec **ret)
{
	struct zf_container_spec *c;
	int r;

	*ret = NULL;
	if (!src)
		return 0;
	c = malloc(sizeof(*c));
	if (!c)
		return -ENOMEM;
	*c = *src;
	c->cfg = NULL;
	c->sandbox = NULL;
	c->mounts = NULL;
	c->n_mounts = 0;
	c->env_refs = NULL;
	memset(&c->sec, 0, sizeof(c->sec));

	r = zf_container_config_dup(src->cfg, &c->cfg);
	if (r == 0)
		r = str_dup(src->sandbox, &c->sandbox);
	if (r == 0 && src->n_mounts) {
		c->mounts = calloc(src->n_mounts, sizeof(*c->mounts));
		r = c->mounts ? 0 : -ENOMEM;
		for (size_t i = 0; r == 0 && i < src->n_mounts; i++) {
			c->mounts[i] = src->mounts[i];
			c->mounts[i].name = c->mounts[i].mount_path = NULL;
			c->n_mounts = i + 1;
			r = str_dup(src->mounts[i].name, &c->mounts[i].name);
			if (r == 0)
				r = str_dup(src->mounts[i].mount_path, &c->mounts[i].mount_path);
		}
	}
	/* one per cfg->env entry (zf_container_spec_free counts them so) */
	if (r == 0 && src->env_refs && src->cfg && src->cfg->n_env) {
		c->env_refs = calloc(src->cfg->n_env, sizeof(*c->env_refs));
		r = c->env_refs ? 0 : -ENOMEM;
		for (size_t i = 0; r == 0 && i < src->cfg->n_env; i++) {
			c->env_refs[i].field = src->env_refs[i].field;
			r = str_dup(src->env_refs[i].key, &c->env_refs[i].key);
		}
	}
	if (r == 0)
		r = zf_security_copy(&src->sec, &c->sec);
	if (r < 0) {
		zf_container_spec_free(c);
		return r;
	}
	*ret = c;
	return 0;
}

static int members_dup(const struct zf_capsule_member *src, size_t n,
		       struct zf_capsule_member **ret)
{
	struct zf_capsule_member *m;
	int r = 0;

	*ret = NULL;
	if (n == 0)
		return 0;
	m = calloc(n, sizeof(*m));
	if (!m)
		return -ENOMEM;
	for (size_t i = 0; r == 0 && i < n; i++) {
		m[i].line = src[i].line;
		m[i].column = src[i].column;
		r = str_dup(src[i].name, &m[i].name);
		if (r == 0)
			r = str_dup(src[i].text, &m[i].text);
		if (r == 0)
			r = zf_container_spec_dup(src[i].spec, &m[i].spec);
	}
	*ret = m; /* also on failure: the caller frees n of them */
	return r;
}

int zf_capsule_spec_dup(const struct zf_capsule_spec *src, struct zf_capsule_spec **ret)
{
	struct zf_capsule_spec *c;
	int r;

	*ret = NULL;
	if (!src)
		return 0;
	c = malloc(sizeof(*c));
	if (!c)
		return -ENOMEM;
	*c = *src;
	c->name = c->availability_zone = c->pod_namespace = c->host_selector = c->hostname = NULL;
	c->labels = c->annotations = NULL;
	c->n_labels = c->n_annotations = 0;
	c->containers = c->init_containers = NULL;
	c->n_containers = c->n_init_containers = 0;
	c->volumes = NULL;
	c->n_volumes = 0;
	memset(&c->sec, 0, sizeof(c->sec));
	c->dns_servers = c->dns_searches = c->dns_options = NULL;

	r = str_dup(src->name, &c->name);
	if (r == 0)
		r = str_dup(src->availability_zone, &c->availability_zone);
	if (r == 0)
		r = str_dup(src->pod_namespace, &c->pod_namespace);
	if (r == 0)
		r = str_dup(src->host_selector, &c->host_selector);
	if (r == 0)
		r = str_dup(src->hostname, &c->hostname);
	if (r == 0 && (r = zf_kv_dup(src->labels, src->n_labels, &c->labels)) == 0)
		c->n_labels = src->n_labels;
	if (r == 0 && (r = zf_kv_dup(src->annotations, src->n_annotations, &c->annotations)) == 0)
		c->n_annotations = src->n_annotations;
	if (r == 0) {
		r = members_dup(src->containers, src->n_containers, &c->containers);
		c->n_containers = c->containers ? src->n_containers : 0;
	}
	if (r == 0) {
		r = members_dup(src->init_containers, src->n_init_containers, &c->init_containers);
		c->n_init_containers = c->init_containers ? src->n_init_containers : 0;
	}
	if (r == 0 && src->n_volumes) {
		c->volumes = calloc(src->n_volumes, sizeof(*c->volumes));
		r = c->volumes ? 0 : -ENOMEM;
		for (size_t i = 0; r == 0 && i < src->n_volumes; i++) {
			c->volumes[i] = src->volumes[i];
			c->volumes[i].name = c->volumes[i].zunfs_volume = c->volumes[i].cinder_id =
				c->volumes[i].cinder_type = NULL;
			c->n_volumes = i + 1;
			r = str_dup(src->volumes[i].name, &c->volumes[i].name);
			if (r == 0)
				r = str_dup(src->volumes[i].zunfs_volume, &c->volumes[i].zunfs_volume);
			if (r == 0)
				r = str_dup(src->volumes[i].cinder_id, &c->volumes[i].cinder_id);
			if (r == 0)
				r = str_dup(src->volumes[i].cinder_type, &c->volumes[i].cinder_type);
		}
	}
	if (r == 0)
		r = zf_security_copy(&src->sec, &c->sec);
	if (r == 0)
		r = zf_strv_dup(src->dns_servers, &c->dns_servers);
	if (r == 0)
		r = zf_strv_dup(src->dns_searches, &c->dns_searches);
	if (r == 0)
		r = zf_strv_dup(src->dns_options, &c->dns_options);
	if (r < 0) {
		zf_capsule_spec_free(c);
		return r;
	}
	*ret = c;
	return 0;
}

int zf_volume_spec_dup(const struct zf_volume_spec *src, struct zf_volume_spec **ret)
{
	struct zf_volume_spec *v;
	int r;

	*ret = NULL;
	if (!src)
		return 0;
	v = malloc(sizeof(*v));
	if (!v)
		return -ENOMEM;
	*v = *src;
	v->volume_id = v->volume_type = NULL;
	v->opts = NULL;
	v->n_opts = 0;
	r = str_dup(src->volume_id, &v->volume_id);
	if (r == 0)
		r = str_dup(src->volume_type, &v->volume_type);
	if (r == 0 && (r = zf_kv_dup(src->opts, src->n_opts, &v->opts)) == 0)
		v->n_opts = src->n_opts;
	if (r < 0) {
		zf_volume_spec_free(v);
		return r;
	}
	*ret = v;
	return 0;
}
