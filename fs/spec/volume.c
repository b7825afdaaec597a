/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The volume dialect (volumes/NAME/spec.yaml): a table of keys (yaml.h,
 * zf_yaml_walk), then what the driver named allows.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dialect.h"

/* A walk of a volume's keys: where the keys that need a driver were. */
struct volume_walk {
	struct zf_volume_spec *v;
	struct zf_ynode *opts; /* driverOptions' value */
	struct zf_ynode *cinder_only; /* the key of the last one given */
};

static int key_driver(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *val, void *ctx)
{
	struct zf_volume_spec *v = ((struct volume_walk *)ctx)->v;
	const char *s;
	int r = zf_yaml_want_scalar(y, val, "driver", &s);

	(void)k;
	if (r == 0 && strcmp(s, "local") != 0 && strcmp(s, "cinder") != 0)
		return zf_yaml_fail(y, val, "driver: '%s' is not a driver (local, cinder)", s);
	if (r == 0)
		snprintf(v->driver, sizeof(v->driver), "%s", s);
	return r;
}

static int key_size(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *val, void *ctx)
{
	struct zf_volume_spec *v = ((struct volume_walk *)ctx)->v;
	const char *s;
	int r = zf_yaml_want_scalar(y, val, "size", &s);

	(void)k;
	if (r == 0 && (zf_parse_memory(s, &v->size_bytes) < 0 || v->size_bytes <= 0))
		return zf_yaml_fail(y, val, "size: '%s' is not a size (e.g. 1G, 512Mi)", s);
	return r;
}

static int key_volume_id(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *val, void *ctx)
{
	struct volume_walk *w = ctx;

	w->cinder_only = k;
	return zf_yaml_want_dup(y, val, "volumeID", &w->v->volume_id);
}

static int key_volume_type(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *val,
			   void *ctx)
{
	struct volume_walk *w = ctx;

	w->cinder_only = k;
	return zf_spec_want_volume_type(y, val, &w->v->volume_type);
}

int zf_spec_want_volume_type(struct zf_yaml *y, struct zf_ynode *n, char **ret)
{
	const char *s = zf_yaml_scalar(n);

	if (s && !s[0])
		return zf_yaml_fail(y, n, "volumeType: empty: leave it out for Cinder's default type");
	return zf_yaml_want_dup(y, n, "volumeType", ret);
}

static const struct zf_spec_strings driver_options = { "driverOptions", "a driver option",
						       "a driver option's value", NULL };

static int key_driver_options(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *val,
			      void *ctx)
{
	struct volume_walk *w = ctx;

	(void)k;
	w->opts = val;
	return zf_spec_want_strings(y, val, &driver_options, &w->v->opts, &w->v->n_opts);
}

static const struct zf_yaml_map volume_keys = {
	.not_map = " must be a map of keys (driver, size, volumeID, volumeType, driverOptions)",
	.top = true,
	.keys = (const struct zf_yaml_key[]){
		{ { "driver" }, key_driver },
		{ { "size" }, key_size },
		{ { "volumeID" }, key_volume_id },
		{ { "volumeType" }, key_volume_type },
		{ { "driverOptions" }, key_driver_options },
		{ { NULL }, NULL },
	},
};

/* What the local driver takes: the engine's tmpfs options, nothing of the host. */
static int check_local_options(struct zf_yaml *y, struct zf_ynode *n,
			       const struct zf_volume_spec *v)
{
	for (size_t i = 0; i < v->n_opts; i++) {
		const char *k = v->opts[i].key, *val = v->opts[i].value;

		if (strcmp(k, "type") != 0 && strcmp(k, "device") != 0 && strcmp(k, "o") != 0)
			return zf_yaml_fail(y, n,
					    "driverOptions: unknown option '%s' for the local driver "
					    "(type, device, o)",
					    k);
		if ((strcmp(k, "device") == 0 && strcmp(val, "tmpfs") != 0) ||
		    (strcmp(k, "type") == 0 && strcmp(val, "tmpfs") != 0) ||
		    (strcmp(k, "o") == 0 && strstr(val, "bind"))) {
			zf_yaml_fail(y, n,
				     "driverOptions: %s=%s would hand a host device or directory to "
				     "the volume: the local driver takes tmpfs only (type: tmpfs, "
				     "device: tmpfs, o: size=...)",
				     k, val);
			return -EPERM;
		}
	}
	return 0;
}

static int volume_root(struct zf_yaml *y, struct zf_ynode *root, void *ctx)
{
	struct volume_walk w = { .v = ctx };
	int r;

	snprintf(w.v->driver, sizeof(w.v->driver), "local");
	/* an empty spec is a local volume with defaults */
	if (zf_yaml_is_empty(root))
		return 0;
	if ((r = zf_yaml_walk(y, root, &volume_keys, NULL, &w)) < 0)
		return r;
	if (strcmp(w.v->driver, "local") == 0) {
		if (w.cinder_only)
			return zf_yaml_fail(y, w.cinder_only, "%s is for the cinder driver, not local",
					    zf_yaml_scalar(w.cinder_only));
		if (w.opts)
			return check_local_options(y, w.opts, w.v);
		return 0;
	}
	if (!w.v->volume_id && !w.v->size_bytes)
		return zf_yaml_fail(y, root,
				    "driver cinder: give size (a new volume) or volumeID (adopt one)");
	if (w.v->volume_id && w.v->size_bytes)
		return zf_yaml_fail(y, root, "driver cinder: give size or volumeID, not both");
	if (w.v->volume_id && w.v->volume_type)
		return zf_yaml_fail(y, root, "driver cinder: volumeType is for a volume made here "
					     "(size); an adopted one (volumeID) keeps its own type");
	return 0;
}

/* ---- the public face ----------------------------------------------------- */

void zf_volume_spec_free(struct zf_volume_spec *spec)
{
	if (!spec)
		return;
	free(spec->volume_id);
	free(spec->volume_type);
	zf_spec_kv_free(spec->opts, spec->n_opts);
	free(spec);
}

int zf_spec_parse_volume(const char *text, size_t len, struct zf_volume_spec **ret_spec,
			 struct zf_spec_error *ret_error)
{
	struct zf_volume_spec *v = calloc(1, sizeof(*v));
	int r;

	if (!v)
		return -ENOMEM;
	r = zf_yaml_run(text, len, volume_root, v, ret_error);
	if (r < 0) {
		zf_volume_spec_free(v);
		return r;
	}
	*ret_spec = v;
	return 0;
}
