/* SPDX-License-Identifier: Apache-2.0 */
/*
 * At start, brings the store and the engine into agreement (docs/design.md):
 * deletions and launches that a stop interrupted are resumed, containers
 * removed while zunfs was down become Error, and engine containers of this
 * instance that no record owns (half-made before a crash) are removed.
 */
#pragma once

#include "daemon.h"

/* Needs d->jobs running. 0, or -errno when the engine cannot be listed. */
int zf_reconcile(struct zf_daemon *d);
