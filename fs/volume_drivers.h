/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The volume drivers one zunfs holds (backend/volume_driver.h), picked by
 * a volume spec's driver: word. volume_drivers.c has a table with a row
 * per driver zunfs knows; a driver its options do not configure is not
 * held, and what names it is refused here, in one place.
 */
#pragma once

#include <stddef.h>

#include "../backend/volume_driver.h"
#include "options.h"

#define ZF_VOLUME_DRIVERS_MAX 4

struct zf_volume_drivers {
	struct zf_volume_driver *drivers[ZF_VOLUME_DRIVERS_MAX]; /* the first n; owned */
	size_t n;
};

/*
 * Makes every driver of the table that opts configure (local: always, over
 * engine, which must outlive them). On failure err says which, and t holds
 * none. Calls no backend: a driver that cannot be reached fails its calls.
 */
int zf_volume_drivers_open(struct zf_volume_drivers *t, struct zf_engine *engine,
			   const struct zf_options *opts, struct zf_err *err);
/* Frees them; t is empty after. */
void zf_volume_drivers_close(struct zf_volume_drivers *t);

/* The driver for a spec's driver: word, borrowed from t; NULL when none is configured. */
struct zf_volume_driver *zf_volume_drivers_find(const struct zf_volume_drivers *t,
						const char *word);

/*
 * Whether a spec may name driver word: 0 when it is configured, else
 * -EOPNOTSUPP and the refusal, in status_reason's words, in reason. entry:
 * the name of the capsule's volumes entry that asks for it (line: where),
 * or NULL for a volume's own spec.yaml (driver:).
 */
int zf_volume_drivers_check(const struct zf_volume_drivers *t, const char *word, int line,
			    const char *entry, char *reason, size_t size);
