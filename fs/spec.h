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

/* Where an env entry's value comes from: written (value:), or a field of
 * the capsule (Kubernetes' env[].valueFrom.fieldRef), filled at launch. */
enum zf_env_field {
	ZF_ENV_VALUE = 0, /* value: as written ($(VAR) expanded in a capsule) */
	ZF_ENV_POD_NAME, /* metadata.name: the capsule's name */
	ZF_ENV_POD_NAMESPACE, /* metadata.namespace ("default" when not given) */
	ZF_ENV_POD_LABEL, /* metadata.labels['KEY'] ("" when it has none) */
	ZF_ENV_POD_ANNOTATION, /* metadata.annotations['KEY'] */
	ZF_ENV_POD_IP, /* status.podIP: the sandbox's address (127.0.0.1 on network none) */
};

struct zf_env_ref {
	enum zf_env_field field;
	char *key; /* a label's or annotation's key */
};

/*
 * A securityContext (Kubernetes'), the part that only lowers privilege:
 * at container level, or a capsule's spec.securityContext (fs_group and
 * groups only there). has_* say what was given: a container's own wins
 * over the capsule's.
 */
struct zf_security {
	bool has_user, has_group, has_non_root;
	int64_t user, group; /* runAsUser, runAsGroup */
	bool non_root; /* runAsNonRoot */
	bool read_only_root; /* readOnlyRootFilesystem */
	bool no_new_privs; /* allowPrivilegeEscalation: false */
	char **cap_drop; /* capabilities.drop, NULL-terminated, or NULL */
	bool has_fs_group;
	int64_t fs_group;
	int64_t *groups; /* supplementalGroups */
	size_t n_groups;
};

/*
 * Sets what sec (a container's) and pod (its capsule's, may be NULL) ask
 * of cfg: User "UID[:GID]" (with runAsGroup alone, image_user's user, or
 * the group alone), ReadonlyRootfs, no-new-privileges, CapDrop (MKNOD always), GroupAdd
 * (fsGroup, then supplementalGroups). 0 or -ENOMEM.
 */
int zf_security_apply(const struct zf_security *sec, const struct zf_security *pod,
		      const char *image_user, struct zf_container_config *cfg);

/*
 * Kubernetes' runAsNonRoot check at launch, as the kubelet does it: with
 * runAsNonRoot (sec's, else pod's), the user is runAsUser, else the image's
 * (image_user, its Config.User: "" is root; a name cannot be checked).
 * 0, or -EPERM with why in reason.
 */
int zf_security_check_non_root(const struct zf_security *sec, const struct zf_security *pod,
			       const char *image_user, char *reason, size_t reason_size);

/* Whether the launch needs the image's user (runAsNonRoot, runAsGroup alone). */
bool zf_security_needs_image_user(const struct zf_security *sec, const struct zf_security *pod);

void zf_security_clear(struct zf_security *sec);
/* *ret = a deep copy of src (ret's old contents are not freed); on
 * -ENOMEM ret is cleared. fs/spec/dup.c. */
int zf_security_copy(const struct zf_security *src, struct zf_security *ret);

/* What asked for a container's check (cfg->health), as bits. */
enum {
	ZF_CHECK_LIVENESS = 1u << 0, /* livenessProbe: zunfs kills the container when unhealthy */
	ZF_CHECK_READINESS = 1u << 1, /* readinessProbe */
	ZF_CHECK_STARTUP = 1u << 2, /* startupProbe: the check's start period */
	ZF_CHECK_ZUN = 1u << 3, /* Zun's healthcheck: {cmd, interval, retries, timeout} */
};

struct zf_container_spec {
	struct zf_container_config *cfg; /* what the engine gets */
	char *sandbox; /* "sandbox: NAME", or NULL */
	struct zf_volume_mount *mounts;
	size_t n_mounts;
	/* one per cfg->env entry, or NULL when every value is written */
	struct zf_env_ref *env_refs;
	struct zf_security sec; /* securityContext (a capsule's member: applied at launch) */
	bool sidecar; /* an init container with restartPolicy: Always */
	unsigned check_from; /* ZF_CHECK_* bits; 0 without cfg->health */
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
/* A deep copy of a parsed spec (NULL gives NULL), the caller's: what a
 * worker changes at launch, not the object's (fs/spec/dup.c). 0 or -ENOMEM. */
int zf_container_spec_dup(const struct zf_container_spec *src, struct zf_container_spec **ret);

/* A capsule's volume: a zunfs volume by name, or a Cinder volume (adopted
 * by id, or made with a size). */
struct zf_capsule_volume {
	char *name;
	char *zunfs_volume; /* {name, volume: VOLUME} */
	char *cinder_id; /* {name, cinder: {volumeID: ID}} */
	int64_t cinder_size_gb; /* {name, cinder: {size: GB, autoRemove: bool}} */
	char *cinder_type; /* cinder: {volumeType}: Cinder's volume type; NULL: its default */
	bool auto_remove;
	/* the composition spec's flat form, {name, driver: cinder, size, volumeType}
	 * (specs/container-composition.rst "Volumes fields"): the same cinder entry */
	bool flat;
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
	char *pod_namespace; /* metadata.namespace, or NULL (Kubernetes' "default") */
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
	struct zf_security sec; /* spec.securityContext: every member's default */
	/* spec.dnsPolicy (ClusterFirst, the default; Default; None; ...) and
	 * spec.dnsConfig, given to the sandbox, whose resolv.conf the members share */
	char dns_policy[32];
	char **dns_servers, **dns_searches, **dns_options; /* NULL-terminated, or NULL */
};

int zf_spec_parse_capsule(const char *text, size_t len, struct zf_capsule_spec **ret_spec,
			  struct zf_spec_error *ret_error);
void zf_capsule_spec_free(struct zf_capsule_spec *spec);
/* A deep copy (NULL gives NULL), members and all. 0 or -ENOMEM. */
int zf_capsule_spec_dup(const struct zf_capsule_spec *src, struct zf_capsule_spec **ret);

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
/* A deep copy (NULL gives NULL). 0 or -ENOMEM. */
int zf_volume_spec_dup(const struct zf_volume_spec *src, struct zf_volume_spec **ret);

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

/*
 * Kubernetes' $(VAR) expansion of in: $(NAME) is lookup(NAME)'s value,
 * or stays as written when lookup gives NULL; $$ is a literal $; nothing
 * else changes (an unclosed $( stays, values are not expanded again).
 * *ret is the caller's. 0 or -ENOMEM.
 */
int zf_spec_expand(const char *in, const char *(*lookup)(const char *name, size_t len, void *ctx),
		   void *ctx, char **ret);

/* What a capsule's member can take from its pod at launch. */
struct zf_pod_fields {
	const char *name; /* the capsule's */
	const char *pod_namespace; /* NULL: "default" */
	const char *ip; /* the sandbox's address */
	const struct zf_kv *labels, *annotations;
	size_t n_labels, n_annotations;
};

/*
 * A capsule's member at launch, as the kubelet does it: each env value
 * from its source (spec->env_refs: a pod field), or as written with $(VAR)
 * expanded from the entries before it; then command (with args) with
 * $(VAR) expanded from the whole env. 0 or -ENOMEM.
 */
int zf_spec_resolve_env(struct zf_container_spec *spec, const struct zf_pod_fields *pod);

/* Splits a command line into words (quotes and backslashes as a shell does).
 * NULL-terminated array owned by the caller; -EINVAL for an unclosed quote. */
int zf_split_words(const char *line, char ***ret_words);
