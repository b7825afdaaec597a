/* SPDX-License-Identifier: Apache-2.0 */
#include <stdlib.h>

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
