/* SPDX-License-Identifier: Apache-2.0 */
/* zunfs attach's detach keys. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <cmocka.h>

#include "../../fs/client/detach.h"

/* Feeds s; returns whether it detached, and what went through in out. */
static int type(struct zf_detach *d, const char *s, size_t len, char *out, size_t *out_len)
{
	unsigned char buf[ZF_DETACH_MAX + 1];
	size_t n;

	*out_len = 0;
	for (size_t i = 0; i < len; i++) {
		if (zf_detach_feed(d, (unsigned char)s[i], buf, &n))
			return 1;
		memcpy(out + *out_len, buf, n);
		*out_len += n;
	}
	return 0;
}

static void test_parse(void **state)
{
	struct zf_detach d;

	(void)state;
	assert_int_equal(zf_detach_parse("ctrl-p,ctrl-q", &d), 0);
	assert_int_equal(d.n, 2);
	assert_int_equal(d.keys[0], 0x10);
	assert_int_equal(d.keys[1], 0x11);
	assert_int_equal(zf_detach_parse("ctrl-a,d", &d), 0);
	assert_int_equal(d.keys[0], 1);
	assert_int_equal(d.keys[1], 'd');
	assert_int_equal(zf_detach_parse("ctrl-@", &d), 0);
	assert_int_equal(d.keys[0], 0);
	assert_int_equal(zf_detach_parse("CTRL-Z", &d), 0);
	assert_int_equal(d.keys[0], 26);
	assert_int_equal(zf_detach_parse("", &d), -EINVAL);
	assert_int_equal(zf_detach_parse("ctrl-", &d), -EINVAL);
	assert_int_equal(zf_detach_parse("ctrl-1", &d), -EINVAL);
	assert_int_equal(zf_detach_parse("ab", &d), -EINVAL);
	assert_int_equal(zf_detach_parse("a,", &d), -EINVAL);
}

static void test_feed(void **state)
{
	struct zf_detach d;
	char out[64];
	size_t n;

	(void)state;
	zf_detach_parse("ctrl-p,ctrl-q", &d);
	assert_false(type(&d, "ls\r", 3, out, &n));
	assert_int_equal(n, 3);
	assert_memory_equal(out, "ls\r", 3);
	assert_true(type(&d, "\x10\x11", 2, out, &n));
	assert_int_equal(n, 0);
	/* ctrl-p then something else: both go through (ctrl-p is shell history) */
	assert_false(type(&d, "\x10x", 2, out, &n));
	assert_int_equal(n, 2);
	assert_memory_equal(out, "\x10x", 2);
	/* ctrl-p ctrl-p ctrl-q: the first ctrl-p goes through, then detach */
	assert_true(type(&d, "a\x10\x10\x11", 4, out, &n));
	assert_int_equal(n, 2);
	assert_memory_equal(out, "a\x10", 2);
	/* a one-key sequence */
	zf_detach_parse("ctrl-a", &d);
	assert_true(type(&d, "x\x01", 2, out, &n));
	assert_int_equal(n, 1);
	/* three keys, broken at the last */
	zf_detach_parse("ctrl-a,b,c", &d);
	assert_false(type(&d, "\x01" "bx", 3, out, &n));
	assert_int_equal(n, 3);
	assert_memory_equal(out, "\x01" "bx", 3);
	assert_true(type(&d, "\x01" "bc", 3, out, &n));
}

/* a terminal as a shell leaves it */
static struct termios cooked(void)
{
	struct termios t;

	memset(&t, 0, sizeof(t));
	t.c_iflag = ICRNL | IXON;
	t.c_oflag = OPOST | ONLCR;
	t.c_lflag = ICANON | ECHO | ISIG | IEXTEN;
	t.c_cc[VINTR] = 3;
	t.c_cc[VQUIT] = 0x1c;
	t.c_cc[VERASE] = 0x7f;
	t.c_cc[VKILL] = 0x15;
	t.c_cc[VEOF] = 4;
	t.c_cc[VSTART] = 0x11;
	t.c_cc[VSTOP] = 0x13;
	t.c_cc[VSUSP] = 0x1a;
	t.c_cc[VWERASE] = 0x17;
	t.c_cc[VMIN] = 1;
	return t;
}

static void test_termios(void **state)
{
	struct termios found = cooked(), t;
	struct zf_detach d;

	(void)state;
	/* a tty: raw, signals off (ctrl-c is a key for the container) */
	zf_detach_parse("ctrl-p,ctrl-q", &d);
	zf_detach_termios(ZF_TERM_RAW, &found, &d, &t);
	assert_false(t.c_lflag & (ICANON | ECHO | ISIG));
	assert_false(t.c_oflag & OPOST);

	/* no tty: lines, echo, signals; ctrl-q ends a line and is no XON */
	zf_detach_termios(ZF_TERM_LINES, &found, &d, &t);
	assert_int_equal(t.c_lflag & (ICANON | ECHO | ISIG), ICANON | ECHO | ISIG);
	assert_true(t.c_oflag & OPOST);
	assert_true(t.c_iflag & ICRNL);
	assert_int_equal(t.c_cc[VEOL], 0x11);
	assert_int_equal(t.c_cc[VSTART], _POSIX_VDISABLE);
	assert_false(t.c_iflag & IXON);
	assert_int_equal(t.c_cc[VINTR], 3);
	assert_int_equal(t.c_cc[VERASE], 0x7f);

	/* a plain last key: it ends a line; flow control stays */
	zf_detach_parse("ctrl-a,d", &d);
	zf_detach_termios(ZF_TERM_LINES, &found, &d, &t);
	assert_int_equal(t.c_cc[VEOL], 'd');
	assert_true(t.c_iflag & IXON);
	assert_int_equal(t.c_cc[VSTART], 0x11);

	/* stdin closed: keys one by one, no echo, signals kept, but a detach
	 * key that is the terminal's ctrl-c or ctrl-u is a detach key */
	zf_detach_parse("ctrl-u,ctrl-c", &d);
	zf_detach_termios(ZF_TERM_KEYS, &found, &d, &t);
	assert_int_equal(t.c_lflag & (ICANON | ECHO | ISIG), ISIG);
	assert_int_equal(t.c_cc[VMIN], 1);
	assert_int_equal(t.c_cc[VTIME], 0);
	assert_int_equal(t.c_cc[VINTR], _POSIX_VDISABLE);
	assert_int_equal(t.c_cc[VKILL], _POSIX_VDISABLE);
	assert_int_equal(t.c_cc[VQUIT], 0x1c);
	assert_true(t.c_iflag & IXON);

	/* ctrl-m arrives as ctrl-j under ICRNL: matched as that, no VEOL needed */
	zf_detach_parse("ctrl-p,ctrl-m", &d);
	zf_detach_termios(ZF_TERM_LINES, &found, &d, &t);
	assert_int_equal(d.keys[1], '\n');
	assert_int_equal(t.c_cc[VEOL], 0);
	/* the same key raw is Enter, as typed */
	zf_detach_parse("ctrl-p,ctrl-m", &d);
	zf_detach_termios(ZF_TERM_RAW, &found, &d, &t);
	assert_int_equal(d.keys[1], '\r');

	/* ctrl-@ cannot end a line (it is _POSIX_VDISABLE): no VEOL */
	zf_detach_parse("ctrl-p,ctrl-@", &d);
	zf_detach_termios(ZF_TERM_LINES, &found, &d, &t);
	assert_int_equal(t.c_cc[VEOL], _POSIX_VDISABLE);
	assert_int_equal(t.c_cc[VSTART], 0x11);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_feed),
		cmocka_unit_test(test_termios),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
