/* SPDX-License-Identifier: Apache-2.0 */
/* The `ctl` file's commands: parsing and which states allow them (pure). */
#pragma once

#include <stdbool.h>

enum zf_ctl_cmd {
	ZF_CTL_START,
	ZF_CTL_STOP,
	ZF_CTL_RESTART,
	ZF_CTL_KILL,
	ZF_CTL_PAUSE,
	ZF_CTL_UNPAUSE,
	ZF_CTL_RESIZE,
};

struct zf_ctl {
	enum zf_ctl_cmd cmd;
	int seconds; /* stop/restart grace period, -1: the default */
	char signal[16]; /* kill: "SIGTERM", "9", ...; default SIGKILL */
	int rows, cols; /* resize */
};

/* One command line ("stop 5\n"). -EINVAL with why in reason (may be NULL). */
int zf_ctl_parse(const char *line, struct zf_ctl *ret_ctl, char *reason, int reason_size);

/*
 * 0 if the command may run on a container in this status with no task in
 * flight and (has_engine) an engine container; -EBUSY otherwise.
 */
int zf_ctl_allowed(const struct zf_ctl *c, const char *status, bool has_engine);

/* Zun's task_state while the command runs ("container_stopping"), "" if none. */
const char *zf_ctl_task_state(enum zf_ctl_cmd cmd);

/* "stop", "kill", ...: the command's word. */
const char *zf_ctl_word(enum zf_ctl_cmd cmd);
