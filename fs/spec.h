/* SPDX-License-Identifier: Apache-2.0 */
/*
 * spec.yaml parsing and validation (fs/spec/: libyaml in yaml.c only, a
 * dialect a file). Produces plain structs and, on failure, one error with
 * its line and column. It knows nothing of FUSE and calls nothing in the
 * engine, so it is unit-tested and fuzzed alone. What it knows of the
 * engine is backend/engine.h's data: a container spec is written straight
 * into struct zf_container_config (with its struct zf_kv, struct zf_port
 * and enum zf_pull_policy) and freed with zf_container_config_free.
 * From kinds.h: enum zf_kind, and the rule for names (a capsule member's).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "../backend/engine.h"
#include "kinds.h"

/* The largest spec.yaml accepted (a write past it fails with EFBIG). */
#define ZF_SPEC_MAX (256u * 1024u)

struct zf_spec_error {
	int line; /* 1-based; 0 when the error is about the whole document */
	int column; /* 1-based */
	char msg[256];
};

struct zf_volume_mount {
	char *name;
	char *mount_path;
	bool read_only;
};

struct zf_container_spec {
	struct zf_container_config *cfg; /* what the engine gets */
	char *sandbox; /* "sandbox: NAME", or NULL */
	struct zf_volume_mount *mounts;
	size_t n_mounts;
};

/*
 * Parses and validates a container spec. Returns 0 and *ret_spec (the
 * caller's, free with zf_container_spec_free), or -EINVAL with *ret_error,
 * or -EPERM with *ret_error for a key that would hand out the host
 * (privileged, hostNetwork, devices, ...).
 */
int zf_spec_parse_container(const char *text, size_t len, struct zf_container_spec **ret_spec,
			    struct zf_spec_error *ret_error);

/*
 * A sandbox's spec: empty, or any of labels, hostname and volumes (a list of
 * {name, mountPath, readOnly}). Same result type: cfg->image is NULL (zunfs
 * picks the sandbox image), cfg->hostname and cfg->labels are set.
 */
int zf_spec_parse_sandbox(const char *text, size_t len, struct zf_container_spec **ret_spec,
			  struct zf_spec_error *ret_error);

/* The parser of a kind (containers and sandboxes); -EOPNOTSUPP for others. */
int zf_spec_parse(enum zf_kind kind, const char *text, size_t len,
		  struct zf_container_spec **ret_spec, struct zf_spec_error *ret_error);

void zf_container_spec_free(struct zf_container_spec *spec);

/* A capsule's volume: a zunfs volume by name, or a Cinder volume (adopted
 * by id, or made with a size). */
struct zf_capsule_volume {
	char *name;
	char *zunfs_volume; /* {name, volume: VOLUME} */
	char *cinder_id; /* {name, cinder: {volumeID: ID}} */
	int64_t cinder_size_gb; /* {name, cinder: {size: GB, autoRemove: bool}} */
	bool auto_remove;
	/* {name, emptyDir: {medium, sizeLimit}}: made with the capsule, removed with it */
	bool empty_dir;
	bool memory_medium; /* medium: Memory (a tmpfs the members share) */
	int64_t size_limit_bytes; /* sizeLimit, 0: none; given only with medium: Memory */
	int line, column;
};

struct zf_capsule_member {
	char *name; /* a valid object name; "container-N" when the spec gives none */
	struct zf_container_spec *spec; /* sandbox NULL: members join the capsule's */
	char *text; /* its entry's YAML as a document of its own (the member's spec.yaml) */
	int line, column; /* where it is in the YAML, for errors */
};

/*
 * A capsule (the capsule spec's YAML, the fields OpenStack Zun's code takes,
 * and Kubernetes Pod spellings with the same meaning), validated whole:
 * names unique across containers and initContainers, every volumeMount
 * names a declared volume, each container's keys as for a container.
 */
/*
 * How a memory quantity without a suffix reads: bytes in Kubernetes'
 * quantities (a Pod, a container's spec.yaml), MiB in OpenStack Zun's
 * capsule (kind: capsule; Zun's API schema: "Memory provided must be in MBs").
 */
enum zf_memory_unit {
	ZF_MEMORY_BYTES = 0,
	ZF_MEMORY_MIB,
};

struct zf_capsule_spec {
	char *name; /* metadata.name, or NULL (the directory names the capsule) */
	enum zf_memory_unit memory_unit; /* MiB for kind: capsule, bytes for a Pod */
	char *availability_zone; /* Zun's availabilityZone, kept and shown: one host, one zone */
	struct zf_kv *labels;
	size_t n_labels;
	struct zf_kv *annotations;
	size_t n_annotations;
	char restart_policy[16]; /* "always" (default), "on-failure", "no" */
	char *host_selector;
	char *hostname; /* spec.hostname: the members' host name; NULL: the capsule's name */
	struct zf_capsule_member *containers;
	size_t n_containers;
	struct zf_capsule_member *init_containers; /* run in order, each to exit 0 */
	size_t n_init_containers;
	struct zf_capsule_volume *volumes;
	size_t n_volumes;
};

int zf_spec_parse_capsule(const char *text, size_t len, struct zf_capsule_spec **ret_spec,
			  struct zf_spec_error *ret_error);
void zf_capsule_spec_free(struct zf_capsule_spec *spec);

/*
 * One capsule member's spec on its own (capsules/NAME/containers/CNAME/spec.yaml):
 * a container's keys plus name, stdin and imageDriver, as an entry of
 * containers[]; restartPolicy and sandbox belong to the capsule. *ret_name
 * (may be NULL) gets the name it gives, or NULL. unit: its capsule's
 * (zf_capsule_spec.memory_unit).
 */
int zf_spec_parse_member(const char *text, size_t len, enum zf_memory_unit unit,
			 struct zf_container_spec **ret_spec, char **ret_name,
			 struct zf_spec_error *ret_error);

/*
 * A volume's spec (volumes/NAME/spec.yaml): driver local (an engine volume,
 * the default) or cinder, size, volumeID and volumeType (cinder only), and
 * driverOptions. An empty spec is a local volume. For the local driver,
 * driverOptions are the engine's type/device/o, and a device other than
 * tmpfs, or a bind, would hand out the host: -EPERM.
 */
struct zf_volume_spec {
	char driver[8]; /* "local" or "cinder" */
	int64_t size_bytes; /* 0: not given */
	char *volume_id; /* cinder: adopt this volume */
	char *volume_type;
	struct zf_kv *opts; /* driverOptions */
	size_t n_opts;
};

int zf_spec_parse_volume(const char *text, size_t len, struct zf_volume_spec **ret_spec,
			 struct zf_spec_error *ret_error);
void zf_volume_spec_free(struct zf_volume_spec *spec);

/* "line 3, column 5: unknown key 'foo'" (or just the message for line 0). */
void zf_spec_error_format(const struct zf_spec_error *e, char *buf, size_t size);

/*
 * Quantities, Kubernetes style. Memory: a number of bytes with an optional
 * suffix K M G T (powers of 1000) or Ki Mi Gi Ti (powers of 1024).
 * CPU: a number of cores ("0.5") or millicores ("500m"), as nanocpus.
 * 0 or -EINVAL.
 */
int zf_parse_memory(const char *s, int64_t *ret_bytes);
int zf_parse_cpu(const char *s, int64_t *ret_nanocpus);

/* Splits a command line into words (quotes and backslashes as a shell does).
 * NULL-terminated array owned by the caller; -EINVAL for an unclosed quote. */
int zf_split_words(const char *line, char ***ret_words);
