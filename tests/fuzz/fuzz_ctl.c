/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer: the two command lines a file takes, on the same bytes: a `ctl`
 * line (zf_ctl_parse) and an `exec` line (zf_exec_parse: shell words, then
 * leading -i/-t/-it/-ti). Neither may crash or leak; a refusal says why; an
 * accepted ctl command is the line's first word with its arguments in range;
 * an accepted exec line's flags are exactly the words before its command, and
 * its words, quoted again, split back to themselves. */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../fs/ctl.h"
#include "../../fs/spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The line's first word, as zf_ctl_parse splits (space, tab, CR, LF). */
static size_t first_word(const char *s, const char **ret)
{
	s += strspn(s, " \t\r\n");
	*ret = s;
	return strcspn(s, " \t\r\n");
}

static void check_ctl(const char *line)
{
	char reason[256], tiny[6];
	struct zf_ctl c, again;
	const char *w;
	size_t wl;
	int r;

	memset(reason, 'x', sizeof(reason));
	r = zf_ctl_parse(line, &c, reason, sizeof(reason));
	if (zf_ctl_parse(line, &again, NULL, 0) != r || zf_ctl_parse(line, &again, tiny, sizeof(tiny)) != r)
		abort();
	if (r < 0) {
		if (r != -EINVAL || !memchr(reason, '\0', sizeof(reason)) ||
		    strncmp(reason, "ctl: ", 5) != 0 || !memchr(tiny, '\0', sizeof(tiny)))
			abort();
		return;
	}
	if (r != 0 || (unsigned)c.cmd > ZF_CTL_RESIZE || memcmp(&c, &again, sizeof(c)) != 0)
		abort();
	wl = first_word(line, &w);
	if (strlen(zf_ctl_word(c.cmd)) != wl || strncmp(zf_ctl_word(c.cmd), w, wl) != 0 ||
	    !zf_ctl_task_state(c.cmd))
		abort();
	if (c.seconds < -1 || c.seconds > 86400 ||
	    (c.seconds != -1 && c.cmd != ZF_CTL_STOP && c.cmd != ZF_CTL_RESTART))
		abort();
	if (c.cmd == ZF_CTL_RESIZE && (c.rows < 1 || c.rows > 65535 || c.cols < 1 || c.cols > 65535))
		abort();
	if (c.cmd == ZF_CTL_KILL) {
		const char *arg;
		size_t al;

		/* the signal given, whole (the engine gets it), or SIGKILL */
		if (!memchr(c.signal, '\0', sizeof(c.signal)))
			abort();
		al = first_word(w + wl, &arg);
		if (al ? strlen(c.signal) != al || strncmp(c.signal, arg, al) != 0
		       : strcmp(c.signal, "SIGKILL") != 0)
			abort();
	}
	/* every state, and ZF_STATE_KEEP, which is none */
	for (int s = 0; s <= ZF_STATE_KEEP; s++) {
		r = zf_ctl_allowed(&c, (enum zf_state)s, true);
		if ((r != 0 && r != -EBUSY) || zf_ctl_allowed(&c, (enum zf_state)s, false) != -EBUSY)
			abort();
	}
}

static bool is_flag(const char *w)
{
	return strcmp(w, "-i") == 0 || strcmp(w, "-t") == 0 || strcmp(w, "-it") == 0 ||
	       strcmp(w, "-ti") == 0;
}

/* Each word in single quotes ('\'' for a quote), space-separated. */
static char *quote_words(char **words)
{
	size_t n = 1;
	char *out, *o;

	for (char **w = words; *w; w++)
		n += 4 * strlen(*w) + 3;
	out = o = malloc(n);
	if (!out)
		return NULL;
	for (char **w = words; *w; w++) {
		*o++ = '\'';
		for (const char *s = *w; *s; s++) {
			if (*s == '\'') {
				memcpy(o, "'\\''", 4);
				o += 4;
			} else {
				*o++ = *s;
			}
		}
		*o++ = '\'';
		*o++ = ' ';
	}
	*o = '\0';
	return out;
}

static void check_exec(const char *line)
{
	struct zf_exec_line e = { 0 }, back = { 0 };
	char reason[128];
	bool tty = false;
	char *quoted;
	int r;

	reason[0] = '\0';
	r = zf_exec_parse(line, &e, reason, sizeof(reason));
	if (r == -ENOMEM)
		return;
	if (r < 0) {
		if (r != -EINVAL ||
		    (strcmp(reason, "exec: the command line has an unclosed quote") != 0 &&
		     strcmp(reason, "exec: no command given") != 0) ||
		    zf_exec_parse(line, &back, NULL, 0) != r)
			abort();
		return;
	}
	if (r != 0 || !e.argv || !e.args || e.args < e.argv || !*e.args || is_flag(*e.args) ||
	    e.with_stdin != (e.args > e.argv))
		abort();
	for (char **w = e.argv; w < e.args; w++) {
		if (!is_flag(*w))
			abort();
		tty = tty || strchr(*w, 't');
	}
	if (e.tty != tty)
		abort();
	quoted = quote_words(e.argv);
	if (quoted) {
		r = zf_exec_parse(quoted, &back, NULL, 0);
		if (r == 0) {
			char **a = e.argv, **b = back.argv;

			for (; *a && *b; a++, b++)
				if (strcmp(*a, *b) != 0)
					abort();
			if (*a || *b || back.args - back.argv != e.args - e.argv ||
			    back.tty != e.tty || back.with_stdin != e.with_stdin)
				abort();
			zf_exec_line_free(&back);
		} else if (r != -ENOMEM) {
			abort();
		}
		free(quoted);
	}
	zf_exec_line_free(&e);
	if (e.argv || e.args)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *line = malloc(size + 1);

	if (!line)
		return 0;
	memcpy(line, data, size);
	line[size] = '\0';
	check_ctl(line);
	check_exec(line);
	free(line);
	return 0;
}
