/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What a volume's jobs do, through the driver its spec names
 * (volume_drivers.h): LAUNCH makes the volume, REFRESH reads it again,
 * DELETE removes it; and the mount a container gets, and reconcile's
 * clean-up of volumes no record owns. lifecycle.c and reconcile.c call
 * these; volume objects reach their backend nowhere else.
 *
 * Worker (or reconcile) threads only: the calls block on the backend. The
 * registry lock is taken inside, never held across a driver call. Objects
 * are found by uuid (or name) each time, as lifecycle.c does. A volume
 * whose spec this build cannot read is the local driver's (every volume
 * was, before drivers).
 */
#pragma once

#include <stdbool.h>

#include "../daemon.h"

/*
 * LAUNCH of volume uuid: create through its driver (the spec's size, type,
 * volumeID, driverOptions; the owner's labels), attach, learn its host
 * path, give that to the owner; then the driver's id as the engine id,
 * Available. A failure: Error, "creating the volume: " and the driver's
 * words.
 */
int zf_volume_jobs_launch(struct zf_daemon *d, const char *uuid);

/*
 * REFRESH: attach again (a restart may have lost it), its host path and
 * state. Gone from the backend: Error, and no engine id. Failures to ask
 * change nothing and are returned.
 */
int zf_volume_jobs_refresh(struct zf_daemon *d, const char *uuid);

/*
 * DELETE's backend part: detach, then remove (it was asked for by name:
 * the data goes). A container that used it may still be on its way out
 * (its grace period): -EBUSY is waited out, 15 s. 0 when nothing is left
 * (none was made, or it is gone); else why in err.
 */
int zf_volume_jobs_remove(struct zf_daemon *d, const char *uuid, struct zf_err *err);

/*
 * Appends what a container's config gets to have volumes/NAME at target
 * (the driver's mount_for_container) to cfg->mounts. The caller waited for
 * the volume to be made; -ENOENT ("no volume named") if it is not.
 */
int zf_volume_jobs_mount(struct zf_daemon *d, const char *name, const char *target,
			 bool read_only, struct zf_container_config *cfg, struct zf_err *err);

/* At start, first: each driver undoes what a crash cut short on this
 * host (its recover op; Cinder: attaches left half-done); failures go to
 * stderr and syslog, and the holders' own jobs meet them again. */
void zf_volume_jobs_recover(struct zf_daemon *d);

/* At start: every driver's volumes labelled with this instance that no
 * record owns (left by hand, or by a store restored from before them; or
 * made for a capsule entry its spec in force does not have: an upgrade
 * cut short) are removed, and said so on stderr and syslog. */
void zf_volume_jobs_orphans(struct zf_daemon *d);
