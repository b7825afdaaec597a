/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "volume_drivers.h"

static int open_local(struct zf_engine *engine, const struct zf_options *opts,
		      struct zf_volume_driver **ret_driver, struct zf_err *err)
{
	int r = zf_docker_volume_driver_new(engine, ret_driver);

	(void)opts;
	return r < 0 ? zf_err_set(err, -r, "the local volume driver: %s", strerror(-r)) : 0;
}

/* -o cinder=URL: the cinder driver, its volumes mounted under the state directory. */
static int open_cinder(struct zf_engine *engine, const struct zf_options *opts,
		       struct zf_volume_driver **ret_driver, struct zf_err *err)
{
	char state[PATH_MAX];
	int r;

	(void)engine;
	if (!opts->cinder)
		return 0;
	if (!realpath(opts->state_dir, state))
		return zf_err_set(err, errno, "state=%s: %s", opts->state_dir, strerror(errno));
	r = zf_cinder_volume_driver_new(opts->cinder, opts->cinder_token, state,
					(unsigned)opts->cinder_timeout, ret_driver, err);
	return r;
}

/*
 * One row per driver: it makes the driver, or leaves *ret_driver NULL when
 * the options do not configure it. A new driver is backend/NAME_volume.c
 * and a row here (cinder: -o cinder=URL).
 */
static int (*const table[])(struct zf_engine *engine, const struct zf_options *opts,
			    struct zf_volume_driver **ret_driver, struct zf_err *err) = {
	open_local,
	open_cinder,
};

int zf_volume_drivers_open(struct zf_volume_drivers *t, struct zf_engine *engine,
			   const struct zf_options *opts, struct zf_err *err)
{
	_Static_assert(sizeof(table) / sizeof(table[0]) <= ZF_VOLUME_DRIVERS_MAX,
		       "more rows than ZF_VOLUME_DRIVERS_MAX");
	memset(t, 0, sizeof(*t));
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		struct zf_volume_driver *drv = NULL;
		int r = table[i](engine, opts, &drv, err);

		if (r < 0) {
			zf_volume_drivers_close(t);
			return r;
		}
		if (drv)
			t->drivers[t->n++] = drv;
	}
	return 0;
}

void zf_volume_drivers_close(struct zf_volume_drivers *t)
{
	for (size_t i = 0; i < t->n; i++)
		zf_volume_driver_free(t->drivers[i]);
	memset(t, 0, sizeof(*t));
}

struct zf_volume_driver *zf_volume_drivers_find(const struct zf_volume_drivers *t,
						const char *word)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->drivers[i]->ops->name, word) == 0)
			return t->drivers[i];
	return NULL;
}

int zf_volume_drivers_check(const struct zf_volume_drivers *t, const char *word, int line,
			    const char *entry, char *reason, size_t size)
{
	char where[300] = "spec.yaml: ";

	if (zf_volume_drivers_find(t, word))
		return 0;
	if (entry) /* a capsule's volumes entry */
		snprintf(where, sizeof(where), "spec.yaml: line %d: volumes: '%.200s': ", line,
			 entry);
	snprintf(reason, size,
		 "%sdriver: %s: no Cinder is configured: mount with "
		 "-o cinder=http://HOST:PORT/v3/PROJECT (and cinder_token= or "
		 "$OS_AUTH_TOKEN); driver: local makes an engine volume",
		 where, word);
	return -EOPNOTSUPP;
}
