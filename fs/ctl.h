/* SPDX-License-Identifier: Apache-2.0 */
/* The `ctl` file's commands: parsing and which states allow them; the
 * `exec` file's command line: parsing (pure). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "kinds.h"

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
int zf_ctl_allowed(const struct zf_ctl *c, enum zf_state status, bool has_engine);

/* Zun's task_state while the command runs ("container_stopping"), "" if none. */
const char *zf_ctl_task_state(enum zf_ctl_cmd cmd);

/* "stop", "kill", ...: the command's word. */
const char *zf_ctl_word(enum zf_ctl_cmd cmd);

/* An exec command line, split. */
struct zf_exec_line {
	char **argv; /* every word, NULL-terminated (the caller's: zf_exec_line_free) */
	char **args; /* the command: argv past the leading flags, never empty */
	bool with_stdin; /* -i, -t, -it or -ti: later writes go to its stdin */
	bool tty; /* -t, -it or -ti: it gets a tty too */
};

/*
 * One line written to `exec` ("-it sh -c 'ls /'"): words split like a
 * shell's (zf_split_words), then any leading -i, -t, -it, -ti. 0 and
 * *ret_line, or -EINVAL with why in reason (may be NULL): "exec: the
 * command line has an unclosed quote", "exec: no command given".
 */
int zf_exec_parse(const char *line, struct zf_exec_line *ret_line, char *reason,
		  size_t reason_size);
void zf_exec_line_free(struct zf_exec_line *line);
