/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer: the capsule spec parser must never crash or leak, nor refuse
 * without saying why; what it accepts keeps the contract of fs/spec.h: at
 * least one container, member names valid and unique across containers and
 * initContainers, every volumeMount naming a declared volume, each volume of
 * exactly one kind, and each member's own text (its spec.yaml) parsing alone
 * to the same container. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../fs/kinds.h"
#include "../../fs/spec.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static bool same_words(char **a, char **b)
{
	if (!a || !b)
		return !a && !b;
	for (; *a && *b; a++, b++)
		if (strcmp(*a, *b) != 0)
			return false;
	return !*a && !*b;
}

static bool same_kv(const struct zf_kv *a, size_t na, const struct zf_kv *b, size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (!same_str(a[i].key, b[i].key) || !same_str(a[i].value, b[i].value))
			return false;
	return true;
}

/* What a member's spec.yaml says, parsed alone, against its entry in the capsule. */
static bool same_member(const struct zf_container_spec *a, const struct zf_container_spec *b)
{
	const struct zf_container_config *x = a->cfg, *y = b->cfg;

	if (!same_str(x->image, y->image) || !same_words(x->command, y->command) ||
	    !same_str(x->workdir, y->workdir) || !same_kv(x->env, x->n_env, y->env, y->n_env) ||
	    !same_kv(x->labels, x->n_labels, y->labels, y->n_labels) ||
	    x->pull_policy != y->pull_policy || x->nano_cpus != y->nano_cpus ||
	    x->memory_bytes != y->memory_bytes || x->n_ports != y->n_ports || x->tty != y->tty ||
	    x->stdin_open != y->stdin_open || a->n_mounts != b->n_mounts)
		return false;
	for (size_t i = 0; i < x->n_ports; i++)
		if (x->ports[i].container_port != y->ports[i].container_port ||
		    x->ports[i].host_port != y->ports[i].host_port ||
		    strcmp(x->ports[i].protocol, y->ports[i].protocol) != 0)
			return false;
	for (size_t i = 0; i < a->n_mounts; i++)
		if (!same_str(a->mounts[i].name, b->mounts[i].name) ||
		    !same_str(a->mounts[i].mount_path, b->mounts[i].mount_path) ||
		    a->mounts[i].read_only != b->mounts[i].read_only)
			return false;
	return true;
}

static bool has_volume(const struct zf_capsule_spec *c, const char *name)
{
	for (size_t i = 0; i < c->n_volumes; i++)
		if (strcmp(c->volumes[i].name, name) == 0)
			return true;
	return false;
}

static void check_member(const struct zf_capsule_spec *c, const struct zf_capsule_member *m)
{
	struct zf_container_spec *alone = NULL;
	struct zf_spec_error e = { 0 };
	char *name = NULL;
	size_t seen = 0;

	if (!m->name || zf_name_check(m->name) < 0 || !m->spec || !m->spec->cfg ||
	    !m->spec->cfg->image || !m->text || m->spec->sandbox)
		abort();
	for (size_t i = 0; i < c->n_containers; i++)
		seen += strcmp(c->containers[i].name, m->name) == 0;
	for (size_t i = 0; i < c->n_init_containers; i++)
		seen += strcmp(c->init_containers[i].name, m->name) == 0;
	if (seen != 1)
		abort();
	for (size_t i = 0; i < m->spec->n_mounts; i++)
		if (!m->spec->mounts[i].name || !has_volume(c, m->spec->mounts[i].name))
			abort();
	/* a sidecar's restartPolicy is an init container's only: it has no
	 * record whose spec.yaml would stand alone */
	if (m->spec->sidecar)
		return;
	if (zf_spec_parse_member(m->text, strlen(m->text), c->memory_unit, &alone, &name, &e) != 0 ||
	    (name && strcmp(name, m->name) != 0) || !same_member(alone, m->spec))
		abort();
	zf_container_spec_free(alone);
	free(name);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct zf_capsule_spec *c = NULL;
	struct zf_spec_error e = { 0 };
	int r = zf_spec_parse_capsule((const char *)data, size, &c, &e);

	zf_fuzz_check_result(r, &e);
	if (r != 0)
		return 0;
	if (c->n_containers == 0 || (strcmp(c->restart_policy, "always") != 0 &&
				     strcmp(c->restart_policy, "on-failure") != 0 &&
				     strcmp(c->restart_policy, "no") != 0))
		abort();
	for (size_t i = 0; i < c->n_containers; i++)
		check_member(c, &c->containers[i]);
	for (size_t i = 0; i < c->n_init_containers; i++)
		check_member(c, &c->init_containers[i]);
	for (size_t i = 0; i < c->n_volumes; i++) {
		const struct zf_capsule_volume *v = &c->volumes[i];

		if (!v->name || v->cinder_size_gb < 0 ||
		    !!v->zunfs_volume + !!v->cinder_id + (v->cinder_size_gb > 0) != 1)
			abort();
		for (size_t j = 0; j < i; j++)
			if (strcmp(c->volumes[j].name, v->name) == 0)
				abort();
	}
	zf_capsule_spec_free(c);
	return 0;
}
