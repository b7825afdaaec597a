/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the spec dialects (fs/spec/container.c, capsule.c, volume.c) share,
 * private to fs/spec/. A capsule's member is a container with a few keys
 * of its own: its table looks the others up in the container's.
 */
#pragma once

#include <stddef.h>

#include "../spec.h"
#include "yaml.h"

/* ---- container.c --------------------------------------------------------- */

/* The ctx of a walk of zf_spec_container_keys (and of tables chained to it). */
struct zf_spec_container_ctx {
	struct zf_container_spec *spec;
	char **args; /* args: kept apart until zf_spec_container_end joins them */
	struct zf_spec_probes *probes; /* probes and healthcheck, until the end maps them */
	/* a capsule's member only: */
	char *name; /* name:, the ctx's until taken */
	const char *where; /* "containers[1]", or "spec.yaml" alone */
	enum zf_memory_unit memory_unit; /* a bare memory number: bytes, or MiB (Zun's capsule) */
	bool init; /* an entry of initContainers[] */
};

/* "containers[1].KEY" (a member in a list), or "KEY" (a document's own). */
void zf_spec_path(const struct zf_spec_container_ctx *w, const char *key, char *buf, size_t size);

/* A container's keys, as spec.yaml's top level has them; what would hand
 * out the host is refused (-EPERM). */
extern const struct zf_yaml_map zf_spec_container_keys;

/* An empty container spec (restartPolicy "no"), or NULL without memory. */
struct zf_container_spec *zf_spec_container_new(void);

/*
 * Ends a walk of a container's keys that returned r: when r is 0, joins
 * command and args as Zun does (the container's Cmd) and makes the
 * engine's check of the probes (probe.c), or refuses them. Frees what is
 * left of w->args and w->probes either way. Returns r, a refusal, or -ENOMEM.
 */
int zf_spec_container_end(struct zf_yaml *y, struct zf_spec_container_ctx *w, int r);

/* A Cinder volume type (volumes/'s and a capsule's entries): a name, never
 * empty (leaving it out is Cinder's default type). */
int zf_spec_want_volume_type(struct zf_yaml *y, struct zf_ynode *n, char **ret);

/* A host name (RFC 1123 label: letters, digits, '-', not at either end,
 * 1 to 63 bytes) at n, as key says it; a copy in *ret (free() it). */
int zf_spec_want_hostname(struct zf_yaml *y, struct zf_ynode *n, const char *key, char **ret);

/* restartPolicy: Kubernetes' words (Always, OnFailure, Never), then Zun's
 * (Docker's, with on-failure:N), written as engine words. */
int zf_spec_want_restart(struct zf_yaml *y, const struct zf_ynode *n, char ret_policy[16],
			 int *ret_max_retries);

/* How a map of strings is read (labels, annotations, driverOptions). */
struct zf_spec_strings {
	/* "labels": "labels must be a map of strings", "labels: 'a' is given twice" */
	const char *where;
	const char *key_what, *value_what; /* "a label name", "a label value" */
	/* each key, once both are read (may be NULL): 0 or a refusal at key */
	int (*check)(struct zf_yaml *y, struct zf_ynode *key, const char *name);
};

/* labels: no empty name, none with the zunfs. prefix (zunfs's own). */
extern const struct zf_spec_strings zf_spec_labels;

/* Frees n pairs of kv and kv; NULL is fine. */
void zf_spec_kv_free(struct zf_kv *kv, size_t n);

/* Reads map n as how says, appending to *kv, *n_kv (the caller's, also on
 * failure). */
int zf_spec_want_strings(struct zf_yaml *y, struct zf_ynode *n, const struct zf_spec_strings *how,
			 struct zf_kv **kv, size_t *n_kv);

/* ---- security.c --------------------------------------------------------- */

/* A securityContext map at n (pod: a capsule's spec.securityContext), where
 * naming it in errors; into sec (the caller's, also on failure). What raises
 * privilege is -EPERM. */
int zf_spec_want_security(struct zf_yaml *y, struct zf_ynode *n, const char *where, bool pod,
			  struct zf_security *sec);
/* What is wrong with a container's sec over its pod's (may be NULL): -EINVAL at n. */
int zf_spec_check_security(struct zf_yaml *y, struct zf_ynode *n, const char *where,
			   const struct zf_security *sec, const struct zf_security *pod);

/* ---- probe.c ------------------------------------------------------------- */

/* The rows of a container's keys: livenessProbe, readinessProbe and
 * startupProbe (Kubernetes'), healthcheck (Zun's); ctx is the walk's. */
int zf_spec_key_probe(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx);
int zf_spec_key_healthcheck(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx);

/*
 * At the end of a container's walk: the probes given (w->probes, may be
 * NULL) as the engine's one check, w->spec->cfg->health, and what asked for
 * it, w->spec->check_from; a combination the engine cannot run as written
 * is refused naming the field. Frees w->probes.
 */
int zf_spec_probes_end(struct zf_yaml *y, struct zf_spec_container_ctx *w, int r);

/* ---- words.c ------------------------------------------------------------- */

/* Frees a NULL-terminated array of words (zf_split_words'); NULL is fine. */
void zf_spec_words_free(char **words);
