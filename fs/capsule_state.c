/* SPDX-License-Identifier: Apache-2.0 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "capsule_state.h"

enum zf_state zf_capsule_status(const struct zf_member_state *m, size_t n,
				const char *restart_policy, char *reason, size_t reason_size)
{
	size_t running = 0, done_ok = 0, created = 0;
	int restarts = strcmp(restart_policy, "always") == 0 ? 2
		       : strcmp(restart_policy, "on-failure") == 0 ? 1
								     : 0;

	reason[0] = '\0';
	if (n == 0) {
		snprintf(reason, reason_size, "no member container is in the engine");
		return ZF_STATE_UNKNOWN;
	}
	for (size_t i = 0; i < n; i++) {
		const char *s = m[i].engine_status;
		bool failed_exit = (strcmp(s, "exited") == 0 && m[i].exit_code != 0) ||
				   strcmp(s, "dead") == 0;

		if (strcmp(s, "running") == 0 || strcmp(s, "paused") == 0 ||
		    strcmp(s, "restarting") == 0) {
			running++;
		} else if (strcmp(s, "exited") == 0 && m[i].exit_code == 0) {
			/* under Always a member that finished is started again */
			if (restarts == 2)
				running++;
			else
				done_ok++;
		} else if (failed_exit) {
			if (restarts == 0) {
				snprintf(reason, reason_size, "container %s exited with code %d",
					 m[i].name, m[i].exit_code);
				return ZF_STATE_FAILED;
			}
			running++; /* the engine restarts it */
		} else if (strcmp(s, "created") == 0) {
			created++;
		} else {
			snprintf(reason, reason_size, "container %s is %s", m[i].name, s);
			return ZF_STATE_UNKNOWN;
		}
	}
	if (created)
		return ZF_STATE_STARTING;
	if (done_ok == n)
		return ZF_STATE_FINISHED;
	if (done_ok)
		snprintf(reason, reason_size, "%zu of %zu containers have finished", done_ok, n);
	(void)running;
	return ZF_STATE_RUNNING;
}
