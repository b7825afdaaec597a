/* SPDX-License-Identifier: Apache-2.0 */
/* The detach keys of `zunfs attach` (docker's --detach-keys format), and the
 * terminal settings that let them through. Pure. */
#pragma once

#include <stddef.h>
#include <termios.h>

#define ZF_DETACH_MAX 16

struct zf_detach {
	unsigned char keys[ZF_DETACH_MAX];
	size_t n; /* keys in the sequence */
	size_t matched; /* how many of them the last bytes typed matched */
};

/* "ctrl-p,ctrl-q" (the default), "ctrl-a,d", "ctrl-@", "a": -EINVAL if not. */
int zf_detach_parse(const char *spec, struct zf_detach *ret_detach);

/*
 * Takes one typed byte. Puts the bytes to send on to the container in out
 * (room for ZF_DETACH_MAX + 1): nothing while a sequence may be under way,
 * the held bytes when it turns out not to be. Returns 1 when the whole
 * sequence was typed (nothing is sent then), else 0.
 */
int zf_detach_feed(struct zf_detach *d, unsigned char c, unsigned char *out, size_t *ret_out_len);

/* How zunfs attach runs the local terminal. */
enum zf_term_mode {
	ZF_TERM_RAW, /* the container has a tty and stdin: every byte goes to it */
	ZF_TERM_LINES, /* no tty, stdin open: the terminal's own lines, editing, signals */
	ZF_TERM_KEYS, /* stdin closed: keys one by one, not echoed, signals kept */
};

/*
 * The settings for mode, made from the terminal as found. In LINES the last
 * detach key also ends a line (VEOL), so that the sequence arrives when it is
 * typed; in LINES and KEYS a control character of the terminal that is a
 * detach key (ctrl-q as VSTART, a ctrl-c as VINTR...) is switched off, and
 * d's keys become what the terminal delivers for them (ctrl-m as ctrl-j
 * under ICRNL).
 */
void zf_detach_termios(enum zf_term_mode mode, const struct termios *found, struct zf_detach *d,
		       struct termios *ret_t);
