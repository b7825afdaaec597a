/* SPDX-License-Identifier: Apache-2.0 */
/* A capsule's status from its members' engine states (the capsule spec's words). Pure. */
#pragma once

#include <stddef.h>

#include "kinds.h"

struct zf_member_state {
	const char *name;
	const char *engine_status; /* created running paused restarting exited dead ... */
	int exit_code;
};

/*
 * Running when every member runs; Finished when every member exited 0;
 * Failed when one exited non-zero (or died) and restart_policy ("no",
 * "on-failure", "always") will not bring it back; Starting while some were
 * made but not started. reason gets a line for Failed and mixed states.
 */
enum zf_state zf_capsule_status(const struct zf_member_state *m, size_t n,
				const char *restart_policy, char *reason, size_t reason_size);
