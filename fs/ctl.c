/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ctl.h"
#include "spec.h"

/* a set of states, one bit each */
#define S(state) (1u << ZF_STATE_##state)
_Static_assert(ZF_STATE_COUNT <= 32, "a state set is 32 bits");

static const struct {
	const char *word;
	const char *task;
	unsigned allowed; /* the statuses it runs from */
} cmds[] = {
	[ZF_CTL_START] = { "start", "container_starting", S(CREATED) | S(STOPPED) | S(ERROR) },
	[ZF_CTL_STOP] = { "stop", "container_stopping", S(RUNNING) | S(PAUSED) | S(RESTARTING) },
	[ZF_CTL_RESTART] = { "restart", "container_rebooting",
			     S(RUNNING) | S(STOPPED) | S(CREATED) | S(PAUSED) | S(RESTARTING) |
				     S(ERROR) },
	[ZF_CTL_KILL] = { "kill", "container_killing", S(RUNNING) | S(PAUSED) | S(RESTARTING) },
	[ZF_CTL_PAUSE] = { "pause", "container_pausing", S(RUNNING) },
	[ZF_CTL_UNPAUSE] = { "unpause", "container_unpausing", S(PAUSED) },
	[ZF_CTL_RESIZE] = { "resize", "", S(RUNNING) | S(PAUSED) },
};

#define N_CMDS (sizeof(cmds) / sizeof(cmds[0]))

static const char *const signals[] = {
	"HUP",	"INT",	"QUIT", "ILL",	"TRAP", "ABRT", "BUS",	  "FPE",    "KILL", "USR1",
	"SEGV", "USR2", "PIPE", "ALRM", "TERM", "CHLD", "CONT",	  "STOP",   "TSTP", "TTIN",
	"TTOU", "URG",	"XCPU", "XFSZ", "VTALRM", "PROF", "WINCH", "IO",    "PWR",  "SYS",
	NULL,
};

static int set_reason(char *reason, int size, const char *msg)
{
	if (reason)
		snprintf(reason, (size_t)size, "%s", msg);
	return -EINVAL;
}

static bool valid_signal(const char *s)
{
	/* a number is digits alone, as the engine reads it (strtol would also
	 * take a sign and leading white space, \v and \f among them) */
	if (*s && !s[strspn(s, "0123456789")]) {
		long n = strtol(s, NULL, 10);

		return n >= 1 && n <= 64;
	}
	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	for (int i = 0; signals[i]; i++)
		if (strcasecmp(s, signals[i]) == 0)
			return true;
	return false;
}

static int parse_number(const char *s, int min, int max, int *ret)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (!*s || *end || v < min || v > max)
		return -EINVAL;
	*ret = (int)v;
	return 0;
}

int zf_ctl_parse(const char *line, struct zf_ctl *ret_ctl, char *reason, int reason_size)
{
	struct zf_ctl c = { .seconds = -1 };
	char buf[128], *words[4] = { 0 }, *save = NULL;
	int n = 0;
	size_t i;

	if (strlen(line) >= sizeof(buf))
		return set_reason(reason, reason_size, "ctl: the command is too long");
	snprintf(buf, sizeof(buf), "%s", line);
	for (char *w = strtok_r(buf, " \t\r\n", &save); w; w = strtok_r(NULL, " \t\r\n", &save)) {
		if (n == 4)
			return set_reason(reason, reason_size, "ctl: too many words");
		words[n++] = w;
	}
	if (n == 0)
		return set_reason(reason, reason_size, "ctl: empty command");
	for (i = 0; i < N_CMDS; i++)
		if (strcmp(words[0], cmds[i].word) == 0)
			break;
	if (i == N_CMDS) {
		char msg[192];

		snprintf(msg, sizeof(msg),
			 "ctl: unknown command '%.40s' (start, stop [SECONDS], restart [SECONDS], "
			 "kill [SIGNAL], pause, unpause, resize ROWS COLS)",
			 words[0]);
		return set_reason(reason, reason_size, msg);
	}
	c.cmd = (enum zf_ctl_cmd)i;
	switch (c.cmd) {
	case ZF_CTL_STOP:
	case ZF_CTL_RESTART:
		if (n > 2 || (n == 2 && parse_number(words[1], 0, 86400, &c.seconds) < 0))
			return set_reason(reason, reason_size,
					  "ctl: stop and restart take a grace period in seconds");
		break;
	case ZF_CTL_KILL:
		/* whole in c.signal, or the engine would get a part of it */
		if (n > 2 ||
		    (n == 2 && (strlen(words[1]) >= sizeof(c.signal) || !valid_signal(words[1]))))
			return set_reason(reason, reason_size,
					  "ctl: kill takes a signal name or number (TERM, SIGKILL, 9)");
		snprintf(c.signal, sizeof(c.signal), "%s", n == 2 ? words[1] : "SIGKILL");
		break;
	case ZF_CTL_RESIZE:
		if (n != 3 || parse_number(words[1], 1, 65535, &c.rows) < 0 ||
		    parse_number(words[2], 1, 65535, &c.cols) < 0)
			return set_reason(reason, reason_size, "ctl: resize takes ROWS COLS");
		break;
	default:
		if (n != 1)
			return set_reason(reason, reason_size, "ctl: this command takes no argument");
	}
	*ret_ctl = c;
	return 0;
}

int zf_ctl_allowed(const struct zf_ctl *c, enum zf_state status, bool has_engine)
{
	if (!has_engine || status >= ZF_STATE_COUNT)
		return -EBUSY;
	return cmds[c->cmd].allowed & (1u << status) ? 0 : -EBUSY;
}

const char *zf_ctl_task_state(enum zf_ctl_cmd cmd)
{
	return cmds[cmd].task;
}

const char *zf_ctl_word(enum zf_ctl_cmd cmd)
{
	return cmds[cmd].word;
}

int zf_exec_parse(const char *line, struct zf_exec_line *ret_line, char *reason,
		  size_t reason_size)
{
	struct zf_exec_line e = { 0 };
	int r = zf_split_words(line, &e.argv);

	if (r < 0) {
		if (reason)
			snprintf(reason, reason_size, "exec: the command line has an unclosed quote");
		return r;
	}
	e.args = e.argv;
	while (*e.args && (strcmp(*e.args, "-i") == 0 || strcmp(*e.args, "-t") == 0 ||
			   strcmp(*e.args, "-it") == 0 || strcmp(*e.args, "-ti") == 0)) {
		e.with_stdin = true;
		e.tty = e.tty || strchr(*e.args, 't');
		e.args++;
	}
	if (!*e.args) {
		if (reason)
			snprintf(reason, reason_size, "exec: no command given");
		zf_exec_line_free(&e);
		return -EINVAL;
	}
	*ret_line = e;
	return 0;
}

void zf_exec_line_free(struct zf_exec_line *line)
{
	for (char **p = line->argv; p && *p; p++)
		free(*p);
	free(line->argv);
	line->argv = line->args = NULL;
}
