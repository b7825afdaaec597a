/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The capsule dialect (capsules/NAME/spec.yaml: the capsule spec's YAML,
 * the fields OpenStack Zun's code takes, and Kubernetes Pod spellings with
 * the same meaning) and its members' (a container's keys and a few more),
 * each map a table of keys (yaml.h, zf_yaml_walk).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../util.h"
#include "dialect.h"

/* ---- members ------------------------------------------------------------- */

/*
 * A member's own text: its slice of the source, which keeps the user's
 * layout and comments, unless that does not stand alone (an alias to an
 * anchor elsewhere in the file): then the node written out anew.
 */
static char *member_text(struct zf_yaml *y, struct zf_ynode *n, enum zf_memory_unit unit)
{
	struct zf_container_spec *spec = NULL;
	struct zf_spec_error e;
	char *text = zf_yaml_source(y, n), *again;

	if (!text)
		return NULL;
	if (zf_spec_parse_member(text, strlen(text), unit, &spec, NULL, &e) == 0) {
		zf_container_spec_free(spec);
		return text;
	}
	again = zf_yaml_emit(y, n);
	if (!again)
		return text; /* kept as it was: the member's spec.yaml shows it */
	free(text);
	return again;
}

static int member_name(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	struct zf_spec_container_ctx *w = ctx;
	int r = zf_yaml_want_dup(y, v, "name", &w->name);

	(void)k;
	if (r == 0 && zf_name_check(w->name) < 0)
		return zf_yaml_fail(y, v,
				    "%s: name '%s' is not a valid name "
				    "([a-zA-Z0-9][a-zA-Z0-9_.-]*, at most 63)",
				    w->where, w->name);
	return r;
}

/* Zun's spelling of stdin_open */
static int member_stdin(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	(void)k;
	return zf_yaml_want_bool(y, v, "stdin",
				 &((struct zf_spec_container_ctx *)ctx)->spec->cfg->stdin_open);
}

static int member_image_driver(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v,
			       void *ctx)
{
	const char *s;
	int r = zf_yaml_want_scalar(y, v, "imageDriver", &s);

	(void)k, (void)ctx;
	if (r == 0 && strcasecmp(s, "docker") != 0)
		return zf_yaml_fail(y, v,
				    "imageDriver: '%s' is not supported: images come from the "
				    "Docker engine (imageDriver: docker)",
				    s);
	return r;
}

/* restartPolicy and sandbox: a container's keys, but the capsule's here */
static int member_refused(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	(void)v;
	return zf_yaml_fail(y, k, "%s: '%s' belongs to the capsule, not a container",
			    ((struct zf_spec_container_ctx *)ctx)->where, zf_yaml_scalar(k));
}

/* An init container's restartPolicy: Always makes it a sidecar (Kubernetes'
 * native sidecars); the others' restart policy is the capsule's. */
static int member_restart(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	struct zf_spec_container_ctx *w = ctx;
	const char *s;
	int r;

	if (!w->init)
		return member_refused(y, k, v, ctx);
	if ((r = zf_yaml_want_scalar(y, v, "restartPolicy", &s)) < 0)
		return r;
	if (strcmp(s, "Always") != 0)
		return zf_yaml_fail(y, v,
				    "%s.restartPolicy: '%s': an init container takes only Always "
				    "(a sidecar)",
				    w->where, s);
	w->spec->sidecar = true;
	return 0;
}

/* A member's keys first, then a container's (whose list "unknown key" gives). */
static const struct zf_yaml_map member_keys = {
	.not_map = " must be a map of container keys",
	.top = true,
	.next = &zf_spec_container_keys,
	.keys = (const struct zf_yaml_key[]){
		{ { "name" }, member_name },
		{ { "stdin" }, member_stdin },
		{ { "imageDriver" }, member_image_driver },
		{ { "restartPolicy" }, member_restart },
		{ { "sandbox" }, member_refused },
		{ { NULL }, NULL },
	},
};

/* One entry of containers[] or initContainers[] (list), or a member's own
 * spec.yaml (list NULL). */
static int parse_member(struct zf_yaml *y, struct zf_ynode *n, const char *list, size_t index,
			enum zf_memory_unit unit, struct zf_capsule_member *m)
{
	char at[64];
	struct zf_spec_container_ctx w = { .where = at,
					   .memory_unit = unit,
					   .init = list && strcmp(list, "initContainers") == 0 };
	int r;

	/* errors say where: containers[1], or the member's own spec.yaml */
	if (list)
		snprintf(at, sizeof(at), "%s[%zu]", list, index);
	else
		snprintf(at, sizeof(at), "spec.yaml");
	m->line = zf_yaml_line(n);
	m->column = zf_yaml_column(n);
	m->spec = w.spec = zf_spec_container_new();
	if (!m->spec)
		return -ENOMEM;
	r = zf_yaml_walk(y, n, &member_keys, at, &w);
	m->name = w.name;
	if (r == 0 && !m->spec->cfg->image)
		r = zf_yaml_fail(y, n, "%s: 'image' is required", at);
	r = zf_spec_container_end(y, &w, r);
	/* an init container runs to its end: Kubernetes gives it no probes; a
	 * sidecar's would be, but no record follows its health here */
	if (r == 0 && w.init && (m->spec->check_from & ~(unsigned)ZF_CHECK_ZUN))
		r = zf_yaml_fail(y, n,
				 m->spec->sidecar
					 ? "%s: a sidecar's livenessProbe, readinessProbe and "
					   "startupProbe are not followed here (it has no directory, "
					   "and the next init container does not wait for it)"
					 : "%s: an init container runs to its end: it takes no "
					   "livenessProbe, readinessProbe or startupProbe",
				 at);
	/* in a list, its text is its spec.yaml (a valid entry: parsed, so it stands) */
	if (r == 0 && list && !(m->text = member_text(y, n, unit)))
		r = -ENOMEM;
	return r;
}

static int parse_members(struct zf_yaml *y, struct zf_ynode *n, const char *list,
			 enum zf_memory_unit unit, struct zf_capsule_member **ret, size_t *ret_n)
{
	size_t count = zf_yaml_len(n);

	if (!zf_yaml_is_list(n))
		return zf_yaml_fail(y, n, "%s must be a list of containers", list);
	*ret = calloc(count ? count : 1, sizeof(**ret));
	if (!*ret)
		return -ENOMEM;
	for (size_t i = 0; i < count; i++) {
		int r = parse_member(y, zf_yaml_item(y, n, i), list, i, unit, &(*ret)[i]);

		(*ret_n)++;
		if (r < 0)
			return r;
	}
	return 0;
}

/* ---- volumes ------------------------------------------------------------- */

/* A size in GB: a whole number, optionally with "G", "GB" or "Gi". */
static int want_gb(struct zf_yaml *y, struct zf_ynode *v, const char *what, int64_t *ret)
{
	const char *s;
	char *end;
	long long n;
	int r = zf_yaml_want_scalar(y, v, what, &s);

	if (r < 0)
		return r;
	n = strtoll(s, &end, 10);
	if (end == s || n <= 0 || n > 1000000 ||
	    (*end && strcmp(end, "G") && strcmp(end, "GB") && strcmp(end, "Gi")))
		return zf_yaml_fail(y, v, "%s: '%s' is not a size in GB (e.g. 5 or 5G)", what, s);
	*ret = n;
	return 0;
}

static int cinder_id(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	(void)k;
	return zf_yaml_want_dup(y, v, "volumeID", &((struct zf_capsule_volume *)ctx)->cinder_id);
}

static int cinder_size(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	(void)k;
	return want_gb(y, v, "cinder size", &((struct zf_capsule_volume *)ctx)->cinder_size_gb);
}

static int cinder_auto_remove(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v,
			      void *ctx)
{
	struct zf_capsule_volume *vol = ctx;

	(void)k;
	return zf_yaml_want_bool(y, v, "autoRemove", &vol->auto_remove);
}

static int cinder_type(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	(void)k;
	return zf_spec_want_volume_type(y, v, &((struct zf_capsule_volume *)ctx)->cinder_type);
}

static const struct zf_yaml_map cinder_keys = {
	.not_map = " must be a map: {volumeID} or {size, volumeType, autoRemove}",
	.keys = (const struct zf_yaml_key[]){
		{ { "volumeID" }, cinder_id },
		{ { "size" }, cinder_size },
		{ { "volumeType" }, cinder_type },
		{ { "autoRemove" }, cinder_auto_remove },
		{ { NULL }, NULL },
	},
};

static int empty_medium(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	struct zf_capsule_volume *vol = ctx;
	const char *s;
	int r = zf_yaml_want_scalar(y, v, "emptyDir.medium", &s);

	(void)k;
	if (r < 0)
		return r;
	if (strcmp(s, "Memory") != 0 && s[0])
		return zf_yaml_fail(y, v,
				    "emptyDir.medium: '%s' is not Memory or \"\" (the node's disk)", s);
	vol->memory_medium = s[0] != '\0';
	return 0;
}

static int empty_size(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	struct zf_capsule_volume *vol = ctx;
	const char *s;
	int r = zf_yaml_want_scalar(y, v, "emptyDir.sizeLimit", &s);

	(void)k;
	if (r < 0)
		return r;
	if (zf_parse_memory(s, &vol->size_limit_bytes) < 0 || vol->size_limit_bytes <= 0)
		return zf_yaml_fail(y, v, "emptyDir.sizeLimit: '%s' is not a size (e.g. 64Mi)", s);
	return 0;
}

static const struct zf_yaml_map empty_dir_keys = {
	.not_map = " must be a map: {} or {medium, sizeLimit}",
	.keys = (const struct zf_yaml_key[]){
		{ { "medium" }, empty_medium },
		{ { "sizeLimit" }, empty_size },
		{ { NULL }, NULL },
	},
};

/* A cinder entry, either form: one volume, made (size, volumeType) or adopted. */
static int check_cinder_entry(struct zf_yaml *y, struct zf_ynode *n, const char *what,
			      const struct zf_capsule_volume *vol)
{
	if (!vol->cinder_id && !vol->cinder_size_gb)
		return zf_yaml_fail(y, n, "%s: give volumeID (adopt) or size (make)", what);
	if (vol->cinder_id && vol->cinder_size_gb)
		return zf_yaml_fail(y, n, "%s: give volumeID (adopt) or size (make), not both",
				    what);
	if (vol->cinder_id && vol->cinder_type)
		return zf_yaml_fail(y, n, "%s: volumeType is for a volume made here (size); an "
					  "adopted one (volumeID) keeps its own type",
				    what);
	return 0;
}

/* One entry of spec.volumes; cinder: and emptyDir: are read after its name. */
struct volume_walk {
	struct zf_capsule_volume *vol;
	struct zf_ynode *cinder, *empty_dir;
	struct zf_ynode *driver, *flat_key; /* the flat form: driver:, and one of its keys */
};

static int volume_name(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	(void)k;
	return zf_yaml_want_dup(y, v, "volume name", &((struct volume_walk *)ctx)->vol->name);
}

static int volume_volume(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	(void)k;
	return zf_yaml_want_dup(y, v, "volume", &((struct volume_walk *)ctx)->vol->zunfs_volume);
}

static int volume_cinder(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	(void)y, (void)k;
	((struct volume_walk *)ctx)->cinder = v;
	return 0;
}

static int volume_empty_dir(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	(void)y, (void)k;
	((struct volume_walk *)ctx)->empty_dir = v;
	return 0;
}

/*
 * The composition spec's flat entry: {name, driver: cinder, size: 5GB,
 * volumeType, driverOptions, image}, its sample spelling driver "drivers".
 * The same as {name, cinder: {size, volumeType}}; volumeID and autoRemove
 * as there. driverOptions: Cinder's create takes none (EINVAL unless
 * empty); image: a volume made from a Glance image (EOPNOTSUPP: none here).
 */
static int flat_driver(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	struct volume_walk *w = ctx;
	const char *s;
	int r = zf_yaml_want_scalar(y, v, zf_yaml_scalar(k), &s);

	if (r < 0)
		return r;
	if (strcmp(s, "cinder") != 0)
		return zf_yaml_fail(y, v,
				    "volumes '%s': %s: '%s': a capsule's own volumes are cinder; "
				    "name a volumes/ volume with volume: VOLUME, or use emptyDir: {}",
				    w->vol->name ? w->vol->name : "?", zf_yaml_scalar(k), s);
	w->driver = v;
	return 0;
}

static int flat_key(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	struct volume_walk *w = ctx;
	const char *key = zf_yaml_scalar(k), *s;

	w->flat_key = k;
	w->vol->flat = true;
	if (strcmp(key, "size") == 0)
		return cinder_size(y, k, v, w->vol);
	if (strcmp(key, "volumeType") == 0)
		return cinder_type(y, k, v, w->vol);
	if (strcmp(key, "volumeID") == 0)
		return cinder_id(y, k, v, w->vol);
	if (strcmp(key, "autoRemove") == 0)
		return cinder_auto_remove(y, k, v, w->vol);
	if (strcmp(key, "image") == 0) {
		zf_yaml_fail(y, v,
			     "volumes '%s': image: a volume made from a Glance image needs "
			     "Glance, which zunfs does not use: Cinder volumes are made blank "
			     "(mkfs.ext4 at the first attach)",
			     w->vol->name ? w->vol->name : "?");
		return -EOPNOTSUPP;
	}
	/* driverOptions */
	s = zf_yaml_scalar(v);
	if (zf_yaml_is_empty(v) || (s && !s[0]))
		return 0;
	return zf_yaml_fail(y, v, "volumes '%s': driverOptions: the cinder driver takes no "
				  "options (Cinder's volume create has none)",
			    w->vol->name ? w->vol->name : "?");
}

/* Kubernetes' volume sources that have no meaning here: named, with why. */
static int volume_not_here(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	static const struct {
		const char *key, *why;
		int err;
	} rows[] = {
		{ "persistentVolumeClaim", "there are no PersistentVolumeClaims here: name a volumes/ volume with volume: VOLUME", EOPNOTSUPP },
		{ "configMap", "there are no ConfigMaps here", EOPNOTSUPP },
		{ "secret", "there are no Secrets here", EOPNOTSUPP },
		{ "projected", "there are no Secrets, ConfigMaps or service account tokens here", EOPNOTSUPP },
		{ "downwardAPI", "not supported: use env valueFrom.fieldRef", EOPNOTSUPP },
		{ "hostPath", "it would hand the host's files to the containers", EPERM },
	};
	const char *key = zf_yaml_scalar(k);
	struct volume_walk *w = ctx;

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		if (strcmp(rows[i].key, key) == 0) {
			zf_yaml_fail(y, v, "volumes '%s': %s: %s%s", w->vol->name ? w->vol->name : "?",
				     key, rows[i].err == EPERM ? "refused: " : "not supported: ",
				     rows[i].why);
			return -rows[i].err;
		}
	return zf_yaml_fail(y, k, "unknown key '%s'", key);
}

static const struct zf_yaml_map volume_keys = {
	.not_map = " must be a map: {name, volume}, {name, cinder}, {name, emptyDir} or "
		   "{name, driver: cinder, size}",
	.known = "name, and volume: VOLUME, cinder: {volumeID | size, volumeType, autoRemove}, "
		 "emptyDir: {medium, sizeLimit} or driver: cinder with size, volumeType, "
		 "volumeID, autoRemove",
	.keys = (const struct zf_yaml_key[]){
		{ { "name" }, volume_name },
		{ { "volume" }, volume_volume },
		{ { "cinder" }, volume_cinder },
		{ { "emptyDir" }, volume_empty_dir },
		{ { "driver", "drivers" }, flat_driver },
		{ { "size" }, flat_key },
		{ { "volumeType" }, flat_key },
		{ { "volumeID" }, flat_key },
		{ { "autoRemove" }, flat_key },
		{ { "driverOptions" }, flat_key },
		{ { "image" }, flat_key },
		{ { "persistentVolumeClaim" }, volume_not_here },
		{ { "configMap" }, volume_not_here },
		{ { "secret" }, volume_not_here },
		{ { "projected" }, volume_not_here },
		{ { "downwardAPI" }, volume_not_here },
		{ { "hostPath" }, volume_not_here },
		{ { NULL }, NULL },
	},
};

static int parse_volume(struct zf_yaml *y, struct zf_ynode *n, size_t index,
			struct zf_capsule_volume *vol)
{
	struct volume_walk w = { .vol = vol };
	char where[32];
	int r;

	snprintf(where, sizeof(where), "volumes[%zu]", index);
	vol->line = zf_yaml_line(n);
	vol->column = zf_yaml_column(n);
	if ((r = zf_yaml_walk(y, n, &volume_keys, where, &w)) < 0)
		return r;
	if (!vol->name)
		return zf_yaml_fail(y, n, "volumes[%zu]: a volume needs a name", index);
	if (w.flat_key && !w.driver)
		return zf_yaml_fail(y, w.flat_key,
				    "volumes[%zu] '%s': %s: only in cinder: {...} or with driver: "
				    "cinder",
				    index, vol->name, zf_yaml_scalar(w.flat_key));
	if (!!vol->zunfs_volume + !!w.cinder + !!w.empty_dir + !!w.driver != 1)
		return zf_yaml_fail(y, n,
				    "volumes[%zu] '%s': give exactly one of volume:, cinder:, "
				    "emptyDir: or driver: cinder",
				    index, vol->name);
	if (w.driver) {
		char what[ZF_NAME_MAX + 64];

		snprintf(what, sizeof(what), "volumes[%zu] '%s': driver: cinder", index, vol->name);
		vol->flat = true;
		return check_cinder_entry(y, n, what, vol);
	}
	if (w.empty_dir) {
		vol->empty_dir = true;
		/* {} or null: the node's disk */
		const char *sc = zf_yaml_scalar(w.empty_dir);
		bool none = zf_yaml_is_empty(w.empty_dir) ||
			    (sc && (!sc[0] || !strcmp(sc, "null") || !strcmp(sc, "~")));

		if (!none &&
		    (r = zf_yaml_walk(y, w.empty_dir, &empty_dir_keys, "emptyDir", vol)) < 0)
			return r;
		/* the engine limits a tmpfs, not a disk volume: nothing else would hold */
		if (vol->size_limit_bytes && !vol->memory_medium)
			return zf_yaml_fail(y, w.empty_dir,
					    "emptyDir.sizeLimit: only with medium: Memory here (a "
					    "tmpfs of that size); the engine cannot limit a disk "
					    "volume");
		return 0;
	}
	if (!w.cinder)
		return 0;
	if ((r = zf_yaml_walk(y, w.cinder, &cinder_keys, "cinder", vol)) < 0)
		return r;
	return check_cinder_entry(y, w.cinder, "cinder", vol);
}

/* ---- the capsule's keys -------------------------------------------------- */

/* A walk of the capsule's maps; spec is read after the top level. */
struct capsule_walk {
	struct zf_capsule_spec *c;
	struct zf_ynode *spec;
	bool top_policy, spec_policy; /* restartPolicy: at one place only */
};

static int spec_containers(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	struct zf_capsule_spec *c = ((struct capsule_walk *)ctx)->c;

	(void)k;
	return parse_members(y, v, "containers", c->memory_unit, &c->containers, &c->n_containers);
}

static int spec_init_containers(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v,
				void *ctx)
{
	struct zf_capsule_spec *c = ((struct capsule_walk *)ctx)->c;

	(void)k;
	return parse_members(y, v, "initContainers", c->memory_unit, &c->init_containers,
			     &c->n_init_containers);
}

static int spec_volumes(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	struct zf_capsule_spec *c = ((struct capsule_walk *)ctx)->c;
	size_t count = zf_yaml_len(v);
	int r = 0;

	(void)k;
	if (!zf_yaml_is_list(v))
		return zf_yaml_fail(y, v, "volumes must be a list");
	c->volumes = calloc(count ? count : 1, sizeof(*c->volumes));
	if (!c->volumes)
		return -ENOMEM;
	for (size_t i = 0; i < count && r == 0; i++) {
		r = parse_volume(y, zf_yaml_item(y, v, i), i, &c->volumes[i]);
		c->n_volumes++;
	}
	return r;
}

/* Always | OnFailure | Never (Kubernetes'), also Zun's words; as engine words. */
static int want_restart(struct zf_yaml *y, struct zf_ynode *v, struct zf_capsule_spec *c)
{
	int retries; /* a capsule's members are restarted without a count */

	return zf_spec_want_restart(y, v, c->restart_policy, &retries);
}

static int spec_restart(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	struct capsule_walk *w = ctx;

	(void)k;
	w->spec_policy = true;
	return want_restart(y, v, w->c);
}

/* The members' host name (Kubernetes' spec.hostname); the capsule's name
 * when absent. */
static int spec_hostname(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	struct capsule_walk *w = ctx;

	(void)k;
	return zf_spec_want_hostname(y, v, "spec.hostname", &w->c->hostname);
}

/* Kubernetes' FQDN HOSTNAME.SUBDOMAIN.NAMESPACE.svc needs a headless
 * Service and cluster DNS, which there are not here. */
static int spec_subdomain(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	(void)k, (void)ctx;
	return zf_yaml_fail(y, v,
			    "spec.subdomain: not supported: zunfs has no cluster DNS to give "
			    "the capsule a name under a subdomain; spec.hostname sets its host name");
}

static int spec_security(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	(void)k;
	return zf_spec_want_security(y, v, "spec.securityContext", true,
				     &((struct capsule_walk *)ctx)->c->sec);
}

/* No cluster DNS here: ClusterFirst is the engine's resolv.conf, as Default is. */
static int spec_dns_policy(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	static const char *const words[] = { "ClusterFirst", "ClusterFirstWithHostNet", "Default",
					      "None", NULL };
	struct zf_capsule_spec *c = ((struct capsule_walk *)ctx)->c;
	const char *s;
	int r = zf_yaml_want_scalar(y, v, "spec.dnsPolicy", &s);

	(void)k;
	if (r < 0)
		return r;
	for (int i = 0; words[i]; i++)
		if (strcmp(s, words[i]) == 0)
			return snprintf(c->dns_policy, sizeof(c->dns_policy), "%s", s), 0;
	return zf_yaml_fail(y, v,
			    "spec.dnsPolicy: '%s' is not one of ClusterFirst, ClusterFirstWithHostNet, "
			    "Default, None",
			    s);
}

/* A list of words at v into *ret (NULL-terminated), each checked by ok. */
static int want_list(struct zf_yaml *y, struct zf_ynode *v, const char *where, size_t max,
		     bool (*ok)(const char *s), const char *what, char ***ret)
{
	size_t n = zf_yaml_len(v);

	if (!zf_yaml_is_list(v))
		return zf_yaml_fail(y, v, "%s must be a list", where);
	if (n > max)
		return zf_yaml_fail(y, v, "%s: at most %zu", where, max);
	zf_spec_words_free(*ret);
	if (!(*ret = calloc(n + 1, sizeof(**ret))))
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct zf_ynode *item = zf_yaml_item(y, v, i);
		int r = zf_yaml_want_dup(y, item, where, &(*ret)[i]);

		if (r < 0)
			return r;
		if (!ok((*ret)[i]))
			return zf_yaml_fail(y, item, "%s: '%s' is not %s", where, (*ret)[i], what);
	}
	return 0;
}

static bool is_ip(const char *s)
{
	unsigned char buf[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

static bool is_search(const char *s)
{
	size_t len = strlen(s);

	return len > 0 && len <= 253 && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.") == len;
}

static int dns_nameservers(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	(void)k;
	/* resolv.conf's limit, which Kubernetes keeps */
	return want_list(y, v, "spec.dnsConfig.nameservers", 3, is_ip, "an IP address",
			 &((struct zf_capsule_spec *)ctx)->dns_servers);
}

static int dns_searches(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	(void)k;
	return want_list(y, v, "spec.dnsConfig.searches", 32, is_search, "a domain name",
			 &((struct zf_capsule_spec *)ctx)->dns_searches);
}

/* One option: {name, value} */
struct dns_option {
	const char *name, *value;
};

static int option_name(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	(void)k;
	return zf_yaml_want_scalar(y, v, "an option's name", &((struct dns_option *)ctx)->name);
}

static int option_value(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	(void)k;
	return zf_yaml_want_scalar(y, v, "an option's value", &((struct dns_option *)ctx)->value);
}

static const struct zf_yaml_map option_keys = {
	.not_map = ": each entry is {name, value}",
	.keys = (const struct zf_yaml_key[]){
		{ { "name" }, option_name },
		{ { "value" }, option_value },
		{ { NULL }, NULL },
	},
};

static int dns_options(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	struct zf_capsule_spec *c = ctx;
	size_t n = zf_yaml_len(v);

	(void)k;
	if (!zf_yaml_is_list(v))
		return zf_yaml_fail(y, v, "spec.dnsConfig.options must be a list of {name, value}");
	zf_spec_words_free(c->dns_options);
	if (!(c->dns_options = calloc(n + 1, sizeof(char *))))
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		struct zf_ynode *item = zf_yaml_item(y, v, i);
		struct dns_option o = { NULL, NULL };
		int r = zf_yaml_walk(y, item, &option_keys, "spec.dnsConfig.options", &o);

		if (r < 0)
			return r;
		if (!o.name || !*o.name || strpbrk(o.name, " \t:") || (o.value && strpbrk(o.value, " \t")))
			return zf_yaml_fail(y, item,
					    "spec.dnsConfig.options: each entry needs a name (a word), "
					    "and a value without spaces if any");
		if (o.value ? asprintf(&c->dns_options[i], "%s:%s", o.name, o.value) < 0
			    : !(c->dns_options[i] = strdup(o.name))) {
			c->dns_options[i] = NULL;
			return -ENOMEM;
		}
	}
	return 0;
}

static const struct zf_yaml_map dns_config_keys = {
	.not_map = " must be a map (nameservers, searches, options)",
	.keys = (const struct zf_yaml_key[]){
		{ { "nameservers" }, dns_nameservers },
		{ { "searches" }, dns_searches },
		{ { "options" }, dns_options },
		{ { NULL }, NULL },
	},
};

static int spec_dns_config(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	(void)k;
	return zf_yaml_walk(y, v, &dns_config_keys, "spec.dnsConfig",
			    ((struct capsule_walk *)ctx)->c);
}

/*
 * Kubernetes' Pod fields for what cannot exist on one host without a
 * cluster: -EOPNOTSUPP, naming the feature, instead of an unknown key.
 */
static const struct {
	const char *key, *why;
} not_here[] = {
	{ "nodeSelector", "there is one host: no nodes to select" },
	{ "nodeName", "there is one host: no nodes to select" },
	{ "affinity", "there is one host: no nodes or pods to be near" },
	{ "tolerations", "there is one host: no taints to tolerate" },
	{ "topologySpreadConstraints", "there is one host: nothing to spread over" },
	{ "priorityClassName", "there is no scheduler here" },
	{ "schedulerName", "there is no scheduler here" },
	{ "serviceAccountName", "there are no service accounts here" },
	{ "serviceAccount", "there are no service accounts here" },
	{ "automountServiceAccountToken", "there are no service accounts here" },
	{ "imagePullSecrets", "there are no Secrets here: log the engine in to the registry" },
};

static int spec_not_here(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	const char *key = zf_yaml_scalar(k);

	(void)ctx;
	for (size_t i = 0; i < sizeof(not_here) / sizeof(not_here[0]); i++)
		if (strcmp(not_here[i].key, key) == 0) {
			zf_yaml_fail(y, v, "spec.%s: not supported: %s", key, not_here[i].why);
			return -EOPNOTSUPP;
		}
	return zf_yaml_fail(y, k, "spec: unknown key '%s'", key);
}

static const struct zf_yaml_map spec_keys = {
	.not_map = " must be a map (containers, initContainers, volumes)",
	.keys = (const struct zf_yaml_key[]){
		{ { "containers" }, spec_containers },
		{ { "initContainers" }, spec_init_containers },
		{ { "volumes" }, spec_volumes },
		{ { "restartPolicy" }, spec_restart },
		{ { "hostname" }, spec_hostname },
		{ { "subdomain" }, spec_subdomain },
		{ { "securityContext" }, spec_security },
		{ { "dnsPolicy" }, spec_dns_policy },
		{ { "dnsConfig" }, spec_dns_config },
		{ { "nodeSelector" }, spec_not_here },
		{ { "nodeName" }, spec_not_here },
		{ { "affinity" }, spec_not_here },
		{ { "tolerations" }, spec_not_here },
		{ { "topologySpreadConstraints" }, spec_not_here },
		{ { "priorityClassName" }, spec_not_here },
		{ { "schedulerName" }, spec_not_here },
		{ { "serviceAccountName" }, spec_not_here },
		{ { "serviceAccount" }, spec_not_here },
		{ { "automountServiceAccountToken" }, spec_not_here },
		{ { "imagePullSecrets" }, spec_not_here },
		{ { NULL }, NULL },
	},
};

static int metadata_name(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	(void)k;
	return zf_yaml_want_dup(y, v, "metadata.name", &((struct zf_capsule_spec *)ctx)->name);
}

/* labels, or "lables" as the capsule spec's own sample spells it: two
 * spellings of one key, so one of them (found by fuzz_capsule: the second
 * map replaced the first, which leaked) */
static int metadata_labels(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	struct zf_capsule_spec *c = ctx;

	if (c->labels || c->n_labels)
		return zf_yaml_fail(y, k, "metadata: the labels are given twice (labels, lables)");
	return zf_spec_want_strings(y, v, &zf_spec_labels, &c->labels, &c->n_labels);
}

static int metadata_annotations(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v,
				void *ctx)
{
	struct zf_capsule_spec *c = ctx;

	(void)k;
	return zf_spec_want_strings(y, v, &zf_spec_labels, &c->annotations, &c->n_annotations);
}

/* Kubernetes' namespace: kept and shown, no other effect (one host, one
 * user's tree); a DNS label as Kubernetes wants it */
static int metadata_namespace(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	struct zf_capsule_spec *c = ctx;
	int r = zf_yaml_want_dup(y, v, "metadata.namespace", &c->pod_namespace);
	size_t len;

	(void)k;
	if (r < 0)
		return r;
	len = strlen(c->pod_namespace);
	if (len == 0 || len > 63 || c->pod_namespace[0] == '-' || c->pod_namespace[len - 1] == '-' ||
	    strspn(c->pod_namespace, "abcdefghijklmnopqrstuvwxyz0123456789-") != len)
		return zf_yaml_fail(y, v,
				    "metadata.namespace: '%s' is not a namespace name (lower-case "
				    "letters, digits, '-', at most 63)",
				    c->pod_namespace);
	return 0;
}

static const struct zf_yaml_map metadata_keys = {
	.not_map = " must be a map (name, namespace, labels, annotations)",
	.keys = (const struct zf_yaml_key[]){
		{ { "name" }, metadata_name },
		{ { "namespace" }, metadata_namespace },
		{ { "labels", "lables" }, metadata_labels },
		{ { "annotations" }, metadata_annotations },
		{ { NULL }, NULL },
	},
};

/* apiVersion, or Zun's capsuleVersion (the spelling given is the one named) */
static int capsule_version(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	const char *key = zf_yaml_scalar(k), *s;
	int r = zf_yaml_want_scalar(y, v, key, &s);

	(void)ctx;
	if (r == 0 && strcmp(s, "beta") && strcmp(s, "v1") && strcmp(s, "1.0"))
		return zf_yaml_fail(y, v, "%s: '%s' is not one of beta, v1", key, s);
	return r;
}

static int capsule_kind(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	const char *s;
	int r = zf_yaml_want_scalar(y, v, "kind", &s);

	(void)k;
	if (r == 0 && strcasecmp(s, "capsule") && strcasecmp(s, "pod"))
		return zf_yaml_fail(y, v, "kind: '%s' is not capsule (or Pod)", s);
	/* Zun's capsule reads a bare memory number as MiB; a Pod as bytes */
	if (r == 0)
		((struct capsule_walk *)ctx)->c->memory_unit =
			strcasecmp(s, "capsule") == 0 ? ZF_MEMORY_MIB : ZF_MEMORY_BYTES;
	return r;
}

static int capsule_metadata(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	(void)k;
	return zf_yaml_walk(y, v, &metadata_keys, "metadata", ((struct capsule_walk *)ctx)->c);
}

static int capsule_restart(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	struct capsule_walk *w = ctx;

	(void)k;
	w->top_policy = true;
	return want_restart(y, v, w->c);
}

static int capsule_host_selector(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v,
				 void *ctx)
{
	(void)k;
	return zf_yaml_want_dup(y, v, "hostSelector",
				&((struct capsule_walk *)ctx)->c->host_selector);
}

/* Zun's availabilityZone: kept and shown; this one host is its only zone. */
static int capsule_zone(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	struct capsule_walk *w = ctx;
	int r;

	(void)k;
	r = zf_yaml_want_dup(y, v, "availabilityZone", &w->c->availability_zone);
	if (r == 0 && (!w->c->availability_zone[0] || strlen(w->c->availability_zone) > 255))
		return zf_yaml_fail(y, v, "availabilityZone: 1 to 255 characters");
	return r;
}

static int capsule_spec(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	(void)y, (void)k;
	((struct capsule_walk *)ctx)->spec = v;
	return 0;
}

/* capsuleVersion is listed last, so it is a row of its own */
static const struct zf_yaml_map capsule_keys = {
	.not_map = " must be a map (apiVersion, kind, metadata, spec)",
	.top = true,
	.keys = (const struct zf_yaml_key[]){
		{ { "apiVersion" }, capsule_version },
		{ { "kind" }, capsule_kind },
		{ { "metadata" }, capsule_metadata },
		{ { "restartPolicy" }, capsule_restart },
		{ { "hostSelector" }, capsule_host_selector },
		{ { "availabilityZone" }, capsule_zone },
		{ { "spec" }, capsule_spec },
		{ { "capsuleVersion" }, capsule_version },
		{ { NULL }, NULL },
	},
};

/* What spans the whole capsule: names unique, mounts naming declared volumes. */
static int validate_capsule(struct zf_yaml *y, struct zf_ynode *spec, struct zf_capsule_spec *c)
{
	struct zf_capsule_member *lists[2] = { c->init_containers, c->containers };
	size_t counts[2] = { c->n_init_containers, c->n_containers };
	size_t total = 0;

	if (c->n_containers == 0)
		return zf_yaml_fail(y, spec,
				    "spec.containers: a capsule needs at least one container");
	if (strcmp(c->dns_policy, "None") == 0 && !(c->dns_servers && c->dns_servers[0]))
		return zf_yaml_fail(y, spec,
				    "spec.dnsPolicy: None needs spec.dnsConfig.nameservers (at least "
				    "one)");
	for (size_t i = 0; i < c->n_volumes; i++)
		for (size_t j = 0; j < i; j++)
			if (strcmp(c->volumes[i].name, c->volumes[j].name) == 0)
				return zf_yaml_fail_mark(y, c->volumes[i].line, c->volumes[i].column,
							 "volumes: '%s' is declared twice",
							 c->volumes[i].name);
	for (int l = 0; l < 2; l++) {
		for (size_t i = 0; i < counts[l]; i++, total++) {
			struct zf_capsule_member *m = &lists[l][i];

			char where[96];
			int r;

			if (!m->name && asprintf(&m->name, "container-%zu", total) < 0) {
				m->name = NULL;
				return -ENOMEM;
			}
			snprintf(where, sizeof(where), "%s[%zu].securityContext",
				 l ? "containers" : "initContainers", i);
			if ((r = zf_spec_check_security(y, spec, where, &m->spec->sec, &c->sec)) < 0)
				return r;
			for (size_t k = 0; k < m->spec->n_mounts; k++) {
				bool found = false;

				for (size_t v = 0; v < c->n_volumes; v++)
					found = found || strcmp(c->volumes[v].name,
								m->spec->mounts[k].name) == 0;
				if (!found)
					return zf_yaml_fail_mark(y, m->line, m->column,
								 "container '%s': volumeMounts names "
								 "'%s', which spec.volumes does not "
								 "declare",
								 m->name, m->spec->mounts[k].name);
			}
		}
	}
	/* the members share one network: a port (or host port) and protocol once */
	for (size_t i = 0; i < c->n_containers; i++) {
		const struct zf_container_config *a = c->containers[i].spec->cfg;

		for (size_t p = 0; p < a->n_ports; p++)
			for (size_t j = 0; j <= i; j++) {
				const struct zf_container_config *b = c->containers[j].spec->cfg;

				for (size_t q = 0; q < (j == i ? p : b->n_ports); q++) {
					bool same_proto = strcmp(a->ports[p].protocol,
								 b->ports[q].protocol) == 0;
					const char *what =
						a->ports[p].container_port == b->ports[q].container_port
							? "containerPort"
						: a->ports[p].host_port &&
								a->ports[p].host_port ==
									b->ports[q].host_port
							? "hostPort"
							: NULL;

					if (!same_proto || !what)
						continue;
					if (j == i)
						return zf_yaml_fail_mark(
							y, c->containers[i].line,
							c->containers[i].column,
							"ports: container '%s' exposes %s %d/%s twice",
							c->containers[i].name, what,
							strcmp(what, "hostPort") == 0
								? a->ports[p].host_port
								: a->ports[p].container_port,
							a->ports[p].protocol);
					return zf_yaml_fail_mark(
						y, c->containers[i].line, c->containers[i].column,
						"ports: containers '%s' and '%s' both expose %s %d/%s; "
						"a capsule's containers share one network",
						c->containers[j].name, c->containers[i].name, what,
						strcmp(what, "hostPort") == 0 ? a->ports[p].host_port
									      : a->ports[p].container_port,
						a->ports[p].protocol);
				}
			}
	}
	/* every name once, init containers included: each is a directory */
	for (int l = 0; l < 2; l++)
		for (size_t i = 0; i < counts[l]; i++)
			for (int l2 = 0; l2 <= l; l2++)
				for (size_t j = 0; j < (l2 == l ? i : counts[l2]); j++)
					if (strcmp(lists[l][i].name, lists[l2][j].name) == 0)
						return zf_yaml_fail_mark(y, lists[l][i].line,
									 lists[l][i].column,
									 "two containers are named '%s'",
									 lists[l][i].name);
	return 0;
}

static int capsule_root(struct zf_yaml *y, struct zf_ynode *root, void *c)
{
	struct capsule_walk w = { .c = c };
	int r;

	if (zf_yaml_is_empty(root))
		return zf_yaml_fail(y, NULL, "the spec is empty: a capsule needs spec.containers");
	snprintf(w.c->restart_policy, sizeof(w.c->restart_policy), "always");
	snprintf(w.c->dns_policy, sizeof(w.c->dns_policy), "ClusterFirst");
	if ((r = zf_yaml_walk(y, root, &capsule_keys, NULL, &w)) < 0)
		return r;
	if (!w.spec)
		return zf_yaml_fail(y, root, "'spec' is required (spec.containers)");
	if ((r = zf_yaml_walk(y, w.spec, &spec_keys, "spec", &w)) < 0)
		return r;
	if (w.spec_policy && w.top_policy)
		return zf_yaml_fail(y, w.spec,
				    "restartPolicy is given twice (here and at the top)");
	return validate_capsule(y, w.spec, c);
}

/* ---- the public face ----------------------------------------------------- */

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
	free(spec->pod_namespace);
	zf_security_clear(&spec->sec);
	zf_spec_words_free(spec->dns_servers);
	zf_spec_words_free(spec->dns_searches);
	zf_spec_words_free(spec->dns_options);
	zf_spec_kv_free(spec->labels, spec->n_labels);
	zf_spec_kv_free(spec->annotations, spec->n_annotations);
	free(spec->host_selector);
	free(spec->availability_zone);
	free(spec->hostname);
	members_free(spec->containers, spec->n_containers);
	members_free(spec->init_containers, spec->n_init_containers);
	for (size_t i = 0; i < spec->n_volumes; i++) {
		free(spec->volumes[i].name);
		free(spec->volumes[i].zunfs_volume);
		free(spec->volumes[i].cinder_id);
		free(spec->volumes[i].cinder_type);
	}
	free(spec->volumes);
	free(spec);
}

int zf_spec_parse_capsule(const char *text, size_t len, struct zf_capsule_spec **ret_spec,
			  struct zf_spec_error *ret_error)
{
	struct zf_capsule_spec *c = calloc(1, sizeof(*c));
	int r;

	if (!c)
		return -ENOMEM;
	r = zf_yaml_run(text, len, capsule_root, c, ret_error);
	if (r < 0) {
		zf_capsule_spec_free(c);
		return r;
	}
	*ret_spec = c;
	return 0;
}

/* A member's own spec.yaml, read in its capsule's memory unit. */
struct member_doc {
	struct zf_capsule_member m;
	enum zf_memory_unit unit;
};

static int member_root(struct zf_yaml *y, struct zf_ynode *root, void *ctx)
{
	struct member_doc *doc = ctx;

	if (!root)
		return zf_yaml_fail(y, NULL,
				    "the spec is empty: a container needs at least 'image'");
	return parse_member(y, root, NULL, 0, doc->unit, &doc->m);
}

int zf_spec_parse_member(const char *text, size_t len, enum zf_memory_unit unit,
			 struct zf_container_spec **ret_spec, char **ret_name,
			 struct zf_spec_error *ret_error)
{
	struct member_doc doc = { .unit = unit };
	struct zf_capsule_member m;
	int r = zf_yaml_run(text, len, member_root, &doc, ret_error);

	m = doc.m;
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
