/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"

static void kv_free(struct zf_kv *kv, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(kv[i].key);
		free(kv[i].value);
	}
	free(kv);
}

static void strv_free(char **v)
{
	if (!v)
		return;
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

void zf_healthcheck_free(struct zf_healthcheck *h)
{
	if (!h)
		return;
	strv_free(h->test);
	free(h->start_interval_for);
	free(h);
}

void zf_container_config_free(struct zf_container_config *c)
{
	if (!c)
		return;
	free(c->image);
	strv_free(c->command);
	free(c->workdir);
	kv_free(c->env, c->n_env);
	kv_free(c->labels, c->n_labels);
	free(c->ports);
	zf_healthcheck_free(c->health);
	free(c->hostname);
	free(c->join_ns);
	for (size_t i = 0; i < c->n_mounts; i++) {
		free(c->mounts[i].source);
		free(c->mounts[i].target);
	}
	free(c->mounts);
	free(c->volumes_from);
	free(c->user);
	strv_free(c->cap_drop);
	free(c->group_add);
	strv_free(c->dns);
	strv_free(c->dns_search);
	strv_free(c->dns_options);
	free(c);
}

/* Copies of the fields' shapes: each sets *ret (NULL for NULL) and returns
 * false when out of memory. */
static bool str_dup(const char *s, char **ret)
{
	*ret = s ? strdup(s) : NULL;
	return !s || *ret;
}

int zf_strv_dup(char *const *v, char ***ret)
{
	size_t n = 0;
	char **c;

	*ret = NULL;
	if (!v)
		return 0;
	while (v[n])
		n++;
	c = calloc(n + 1, sizeof(char *));
	if (!c)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (!(c[i] = strdup(v[i]))) {
			strv_free(c);
			return -ENOMEM;
		}
	*ret = c;
	return 0;
}

int zf_kv_dup(const struct zf_kv *kv, size_t n, struct zf_kv **ret)
{
	struct zf_kv *c;

	*ret = NULL;
	if (n == 0)
		return 0;
	c = calloc(n, sizeof(*c));
	if (!c)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (!str_dup(kv[i].key, &c[i].key) || !str_dup(kv[i].value, &c[i].value)) {
			kv_free(c, n);
			return -ENOMEM;
		}
	*ret = c;
	return 0;
}

static bool strv_dup(char *const *v, char ***ret)
{
	return zf_strv_dup(v, ret) == 0;
}

static bool kv_dup(const struct zf_kv *kv, size_t n, struct zf_kv **ret)
{
	return zf_kv_dup(kv, n, ret) == 0;
}

static bool mem_dup(const void *p, size_t size, void **ret)
{
	*ret = NULL;
	if (size == 0 || !p)
		return true;
	*ret = malloc(size);
	if (*ret)
		memcpy(*ret, p, size);
	return *ret != NULL;
}

int zf_healthcheck_dup(const struct zf_healthcheck *src, struct zf_healthcheck **ret)
{
	struct zf_healthcheck *h;

	*ret = NULL;
	if (!src)
		return 0;
	h = malloc(sizeof(*h));
	if (!h)
		return -ENOMEM;
	*h = *src;
	h->test = NULL;
	h->start_interval_for = NULL;
	if (!strv_dup(src->test, &h->test) ||
	    !str_dup(src->start_interval_for, &h->start_interval_for)) {
		zf_healthcheck_free(h);
		return -ENOMEM;
	}
	*ret = h;
	return 0;
}

int zf_container_config_dup(const struct zf_container_config *src,
			    struct zf_container_config **ret)
{
	struct zf_container_config *c;
	bool ok;

	*ret = NULL;
	if (!src)
		return 0;
	c = malloc(sizeof(*c));
	if (!c)
		return -ENOMEM;
	/* every scalar as it is; every pointer (a new one too must be listed
	 * here, or the two would share it) copied below */
	*c = *src;
	c->image = c->workdir = c->user = c->hostname = c->join_ns = c->volumes_from = NULL;
	c->command = c->cap_drop = c->dns = c->dns_search = c->dns_options = NULL;
	c->env = c->labels = NULL;
	c->ports = NULL;
	c->group_add = NULL;
	c->health = NULL;
	c->mounts = NULL;
	c->n_env = c->n_labels = c->n_ports = c->n_group_add = c->n_mounts = 0;

	ok = str_dup(src->image, &c->image) && strv_dup(src->command, &c->command) &&
	     str_dup(src->workdir, &c->workdir);
	ok = ok && kv_dup(src->env, src->n_env, &c->env);
	c->n_env = c->env ? src->n_env : 0;
	ok = ok && kv_dup(src->labels, src->n_labels, &c->labels);
	c->n_labels = c->labels ? src->n_labels : 0;
	ok = ok && mem_dup(src->ports, src->n_ports * sizeof(*src->ports), (void **)&c->ports);
	c->n_ports = c->ports ? src->n_ports : 0;
	ok = ok && str_dup(src->user, &c->user) && strv_dup(src->cap_drop, &c->cap_drop);
	ok = ok && mem_dup(src->group_add, src->n_group_add * sizeof(*src->group_add),
			   (void **)&c->group_add);
	c->n_group_add = c->group_add ? src->n_group_add : 0;
	ok = ok && strv_dup(src->dns, &c->dns) && strv_dup(src->dns_search, &c->dns_search) &&
	     strv_dup(src->dns_options, &c->dns_options) &&
	     zf_healthcheck_dup(src->health, &c->health) == 0 &&
	     str_dup(src->hostname, &c->hostname) && str_dup(src->join_ns, &c->join_ns) &&
	     str_dup(src->volumes_from, &c->volumes_from);
	if (ok && src->n_mounts) {
		c->mounts = calloc(src->n_mounts, sizeof(*c->mounts));
		ok = c->mounts != NULL;
		for (size_t i = 0; ok && i < src->n_mounts; i++) {
			c->mounts[i] = src->mounts[i];
			c->mounts[i].source = c->mounts[i].target = NULL;
			c->n_mounts = i + 1;
			ok = str_dup(src->mounts[i].source, &c->mounts[i].source) &&
			     str_dup(src->mounts[i].target, &c->mounts[i].target);
		}
	}
	if (!ok) {
		zf_container_config_free(c);
		return -ENOMEM;
	}
	*ret = c;
	return 0;
}
