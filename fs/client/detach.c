/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "detach.h"

int zf_detach_parse(const char *spec, struct zf_detach *ret_detach)
{
	struct zf_detach d = { .n = 0 };
	const char *p = spec;

	if (!spec || !*spec)
		return -EINVAL;
	while (*p) {
		size_t len = strcspn(p, ",");
		unsigned char key;

		if (len == 1) {
			key = (unsigned char)p[0];
		} else if (len == 6 && strncasecmp(p, "ctrl-", 5) == 0) {
			char c = p[5];

			if (c >= 'a' && c <= 'z')
				key = (unsigned char)(c - 'a' + 1);
			else if (c >= 'A' && c <= 'Z')
				key = (unsigned char)(c - 'A' + 1);
			else if (c == '@')
				key = 0;
			else if (c == '[' || c == '\\' || c == ']' || c == '^' || c == '_')
				key = (unsigned char)(c - '@');
			else
				return -EINVAL;
		} else {
			return -EINVAL;
		}
		if (d.n == ZF_DETACH_MAX)
			return -EINVAL;
		d.keys[d.n++] = key;
		p += len;
		if (*p == ',') {
			p++;
			if (!*p)
				return -EINVAL;
		}
	}
	*ret_detach = d;
	return 0;
}

int zf_detach_feed(struct zf_detach *d, unsigned char c, unsigned char *out, size_t *ret_out_len)
{
	size_t n = 0;

	if (c == d->keys[d->matched]) {
		if (++d->matched == d->n) {
			d->matched = 0;
			*ret_out_len = 0;
			return 1;
		}
		*ret_out_len = 0;
		return 0;
	}
	/* not the sequence after all: what was held goes on, then c anew */
	memcpy(out, d->keys, d->matched);
	n = d->matched;
	d->matched = 0;
	if (c == d->keys[0]) {
		d->matched = 1;
		if (d->n == 1) {
			d->matched = 0;
			*ret_out_len = n;
			return 1;
		}
	} else {
		out[n++] = c;
	}
	*ret_out_len = n;
	return 0;
}

/* the control characters that act on input before zunfs attach reads it */
static const int special_cc[] = { VINTR, VQUIT, VERASE, VKILL, VEOF, VSTART, VSTOP, VSUSP,
				  VREPRINT, VDISCARD, VWERASE, VLNEXT, VEOL, VEOL2 };

static bool is_key(const struct zf_detach *d, unsigned char c)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->keys[i] == c)
			return true;
	return false;
}

void zf_detach_termios(enum zf_term_mode mode, const struct termios *found, struct zf_detach *d,
		       struct termios *ret_t)
{
	struct termios t = *found;

	if (mode == ZF_TERM_RAW) {
		cfmakeraw(&t);
		*ret_t = t;
		return;
	}
	for (size_t i = 0; i < d->n; i++) {
		if (d->keys[i] == '\r' && (t.c_iflag & ICRNL) && !(t.c_iflag & IGNCR))
			d->keys[i] = '\n';
		else if (d->keys[i] == '\n' && (t.c_iflag & INLCR))
			d->keys[i] = '\r';
	}
	for (size_t i = 0; i < sizeof(special_cc) / sizeof(special_cc[0]); i++) {
		cc_t *c = &t.c_cc[special_cc[i]];

		if (*c != _POSIX_VDISABLE && is_key(d, *c))
			*c = _POSIX_VDISABLE;
	}
	/* no flow control left half: a ctrl-s would stop output for good */
	if (t.c_cc[VSTART] == _POSIX_VDISABLE || t.c_cc[VSTOP] == _POSIX_VDISABLE)
		t.c_iflag &= ~(tcflag_t)IXON;
	if (mode == ZF_TERM_LINES) {
		/* NUL cannot end a line (it is _POSIX_VDISABLE): such a sequence
		 * takes effect at the next Enter */
		if (d->n && d->keys[d->n - 1] != '\n')
			t.c_cc[VEOL] = d->keys[d->n - 1];
	} else {
		t.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
		t.c_cc[VMIN] = 1;
		t.c_cc[VTIME] = 0;
	}
	*ret_t = t;
}
