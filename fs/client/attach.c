/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `zunfs attach [--detach-keys KEYS] [--sig-proxy[=BOOL]] [--exec CMD] PATH`:
 * bytes pumped both ways through PATH/tty (or an exec tty via PATH/exec), as
 * `docker attach` does: the local terminal raw only when the container has a
 * tty (inspect.json says), its own lines otherwise; the window size sent to
 * PATH/ctl at start and on SIGWINCH; detach on ctrl-p ctrl-q in every case;
 * without a tty ctrl-c (SIGINT, SIGQUIT, SIGTSTP) passed on as `kill SIG`
 * through PATH/ctl. Only files: it works on any zunfs mount.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "attach.h"
#include "detach.h"
#include "../util.h"

static struct termios found, ours; /* the terminal as found, as the attach runs it */
static bool term_set;
static volatile sig_atomic_t winch = 1; /* send the size at start */
static volatile sig_atomic_t quit_sig;

/* the signals a terminal's keys make: passed on, or acted on here */
static const int key_sigs[] = { SIGINT, SIGQUIT, SIGTSTP };
static const char *const key_sig_names[] = { "INT", "QUIT", "TSTP" };
#define N_KEY_SIGS (sizeof(key_sigs) / sizeof(key_sigs[0]))
static volatile sig_atomic_t key_sig_pending[N_KEY_SIGS];

static void restore_terminal(void)
{
	if (term_set) {
		/* FLUSH: keys typed for the container never reach the shell after */
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &found);
		term_set = false;
	}
}

static void on_winch(int sig)
{
	(void)sig;
	winch = 1;
}

static void on_quit(int sig)
{
	quit_sig = sig;
}

static void on_key_sig(int sig)
{
	for (size_t i = 0; i < N_KEY_SIGS; i++)
		if (key_sigs[i] == sig)
			key_sig_pending[i] = 1;
}

static int set_terminal(enum zf_term_mode mode, struct zf_detach *det)
{
	if (tcgetattr(STDIN_FILENO, &found) < 0)
		return -errno;
	zf_detach_termios(mode, &found, det, &ours);
	if (tcsetattr(STDIN_FILENO, TCSADRAIN, &ours) < 0)
		return -errno;
	term_set = true;
	atexit(restore_terminal);
	return 0;
}

/* ctrl-z kept here: stop as any job does, the terminal as found meanwhile */
static void suspend(void)
{
	bool was_set = term_set;
	sigset_t tstp;

	if (was_set)
		tcsetattr(STDIN_FILENO, TCSADRAIN, &found);
	sigemptyset(&tstp);
	sigaddset(&tstp, SIGTSTP);
	signal(SIGTSTP, SIG_DFL);
	raise(SIGTSTP);
	sigprocmask(SIG_UNBLOCK, &tstp, NULL); /* it stops here */
	sigprocmask(SIG_BLOCK, &tstp, NULL);
	/* on again (fg) */
	signal(SIGTSTP, on_key_sig);
	if (was_set)
		tcsetattr(STDIN_FILENO, TCSADRAIN, &ours);
	winch = 1;
}

/* docker attach's --sig-proxy through the files: ctl's kill, the engine's */
static void proxy_signal(const char *dir, const char *name, const char *sig)
{
	char path[PATH_MAX], line[32];
	int fd, e = 0;

	snprintf(path, sizeof(path), "%s/ctl", dir);
	snprintf(line, sizeof(line), "kill %s\n", sig);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, line, strlen(line)) < 0)
		e = errno;
	if (fd >= 0)
		close(fd);
	if (e)
		fprintf(stderr, "\r\nzunfs attach: SIG%s not passed on to %s: ctl: %s\r\n", sig, name,
			strerror(e));
}

/* Whether the container has a tty, as its inspect.json says (if it cannot be
 * read: yes, the raw terminal zunfs attach always had). */
static bool container_tty(const char *dir)
{
	char path[PATH_MAX];
	json_t *o;
	bool tty = true;

	snprintf(path, sizeof(path), "%s/inspect.json", dir);
	o = json_load_file(path, 0, NULL);
	if (json_is_boolean(json_object_get(o, "tty")))
		tty = json_is_true(json_object_get(o, "tty"));
	json_decref(o);
	return tty;
}

static void send_size(const char *dir)
{
	struct winsize ws;
	char path[PATH_MAX], line[64];
	int fd;

	if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) < 0 || ws.ws_row == 0)
		return;
	snprintf(path, sizeof(path), "%s/ctl", dir);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	snprintf(line, sizeof(line), "resize %u %u\n", ws.ws_row, ws.ws_col);
	/* a container without a tty refuses: nothing to resize then */
	if (write(fd, line, strlen(line)) < 0) {
		/* ignored on purpose */
	}
	close(fd);
}

static void read_word(const char *dir, const char *file, char *buf, size_t size)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	buf[0] = '\0';
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, buf, size - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
}

static void usage(FILE *f)
{
	fprintf(f, "usage: zunfs attach [--detach-keys KEYS] [--sig-proxy[=BOOL]] [--exec CMD]\n"
		   "                    MOUNTPOINT/containers/NAME\n"
		   "\n"
		   "Attaches this terminal to the container (its tty file), or with --exec runs\n"
		   "CMD in it with a tty of its own. Detach with ctrl-p ctrl-q (or KEYS, e.g.\n"
		   "ctrl-a,d): the container keeps running. With a tty the terminal is raw and\n"
		   "ctrl-c goes to the container as a key; without one it keeps its lines and\n"
		   "ctrl-c is sent to the container as SIGINT (--sig-proxy=false: ctrl-c leaves).\n"
		   "Window size changes are sent as 'resize' to its ctl file. Exits when the\n"
		   "container's output ends.\n");
}

static int parse_bool(const char *s, bool *ret)
{
	if (!s || strcasecmp(s, "true") == 0 || strcmp(s, "1") == 0)
		*ret = true;
	else if (strcasecmp(s, "false") == 0 || strcmp(s, "0") == 0)
		*ret = false;
	else
		return -EINVAL;
	return 0;
}

int zf_attach_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "detach-keys", required_argument, NULL, 'k' },
		{ "sig-proxy", optional_argument, NULL, 's' },
		{ "exec", required_argument, NULL, 'e' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *keys = "ctrl-p,ctrl-q", *exec_cmd = NULL, *dir;
	struct zf_detach det;
	char path[PATH_MAX], name[256], status[64];
	bool interactive, tty = true, stdin_open = true, sig_proxy = true, proxy, read_in;
	bool detached = false;
	enum zf_term_mode mode;
	sigset_t sigs, unblocked;
	int c, fd, ret = 0;

	while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		switch (c) {
		case 'k':
			keys = optarg;
			break;
		case 's':
			if (parse_bool(optarg, &sig_proxy) < 0) {
				fprintf(stderr, "zunfs attach: --sig-proxy=%s: give true or false\n",
					optarg);
				return 2;
			}
			break;
		case 'e':
			exec_cmd = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return 2;
	}
	dir = argv[optind];
	if (zf_detach_parse(keys, &det) < 0) {
		fprintf(stderr, "zunfs attach: --detach-keys %s: give keys like ctrl-p,ctrl-q\n", keys);
		return 2;
	}
	snprintf(name, sizeof(name), "%s", strrchr(dir, '/') ? strrchr(dir, '/') + 1 : dir);
	snprintf(path, sizeof(path), "%s/%s", dir, exec_cmd ? "exec" : "tty");
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0 && errno == EACCES && !exec_cmd) {
		/* no stdin to write to: watch the output only */
		fd = open(path, O_RDONLY | O_CLOEXEC);
		stdin_open = false;
	}
	if (fd < 0) {
		int e = errno;

		read_word(dir, "status", status, sizeof(status));
		fprintf(stderr, "zunfs attach: %s: %s%s%s\n", path, strerror(e),
			status[0] ? "; the container is " : "", status);
		return 1;
	}
	if (exec_cmd) {
		char line[4200];

		snprintf(line, sizeof(line), "-t %s\n", exec_cmd);
		if (write(fd, line, strlen(line)) < 0) {
			fprintf(stderr, "zunfs attach: exec %s: %s\n", exec_cmd, strerror(errno));
			close(fd);
			return 1;
		}
	} else {
		tty = container_tty(dir);
	}
	/* as docker attach: raw only for a tty; without one, signals are the
	 * container's (docker proxies them only then, too) */
	mode = !stdin_open ? ZF_TERM_KEYS : tty ? ZF_TERM_RAW : ZF_TERM_LINES;
	interactive = isatty(STDIN_FILENO) && set_terminal(mode, &det) == 0;
	proxy = sig_proxy && !tty;
	signal(SIGWINCH, on_winch);
	signal(SIGTERM, on_quit);
	signal(SIGHUP, on_quit);
	signal(SIGPIPE, SIG_IGN);
	for (size_t i = 0; i < N_KEY_SIGS; i++)
		signal(key_sigs[i], on_key_sig);
	/* taken only while waiting (ppoll): none is missed between a look and a wait */
	sigemptyset(&sigs);
	for (size_t i = 0; i < N_KEY_SIGS; i++)
		sigaddset(&sigs, key_sigs[i]);
	sigaddset(&sigs, SIGWINCH);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGHUP);
	sigprocmask(SIG_BLOCK, &sigs, &unblocked);
	if (!interactive || !tty)
		winch = 0; /* nothing to resize */
	/* a terminal is read for the detach keys even when stdin is closed */
	read_in = interactive || stdin_open;

	for (;;) {
		struct pollfd p[2] = { { .fd = fd, .events = POLLIN },
				       { .fd = STDIN_FILENO, .events = read_in ? POLLIN : 0 } };
		char buf[16384];
		ssize_t n;

		for (size_t i = 0; i < N_KEY_SIGS && !quit_sig; i++) {
			if (!key_sig_pending[i])
				continue;
			key_sig_pending[i] = 0;
			if (proxy)
				proxy_signal(dir, name, key_sig_names[i]);
			else if (key_sigs[i] == SIGTSTP)
				suspend();
			else
				quit_sig = key_sigs[i];
		}
		if (quit_sig)
			break;
		if (winch) {
			winch = 0;
			if (interactive && tty)
				send_size(dir);
		}
		if (ppoll(p, 2, NULL, &unblocked) < 0) {
			if (errno == EINTR)
				continue;
			ret = 1;
			break;
		}
		if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			n = read(fd, buf, sizeof(buf));
			if (n < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (n <= 0)
				break; /* the container's stream ended */
			if (zf_write_all(STDOUT_FILENO, buf, (size_t)n) < 0)
				break;
		}
		if (read_in && (p[1].revents & (POLLIN | POLLHUP | POLLERR))) {
			unsigned char out[sizeof(buf) + ZF_DETACH_MAX];
			size_t o = 0;

			n = read(STDIN_FILENO, buf, sizeof(buf));
			if (n < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			if (n < 0 || (n == 0 && (!interactive || (p[1].revents & POLLHUP)))) {
				read_in = false; /* keep showing output until it ends */
				continue;
			}
			/* n == 0 on a terminal: ctrl-d on an empty line. A file cannot
			 * pass an end of input on: the container's stdin stays open */
			for (ssize_t i = 0; i < n; i++) {
				size_t k = 1;

				if (!interactive)
					out[o] = (unsigned char)buf[i];
				else if (zf_detach_feed(&det, (unsigned char)buf[i], out + o, &k)) {
					detached = true;
					break;
				}
				if (stdin_open)
					o += k; /* else typed for nothing: dropped */
			}
			if (o && zf_write_all(fd, out, o) < 0)
				break;
			if (detached)
				break;
		}
	}
	close(fd);
	restore_terminal();
	sigprocmask(SIG_SETMASK, &unblocked, NULL);
	if (detached) {
		fprintf(stderr, "\r\nzunfs attach: detached from %s; it keeps running\n", name);
		return 0;
	}
	if (quit_sig == SIGINT || quit_sig == SIGQUIT)
		fprintf(stderr, "\r\nzunfs attach: left %s on SIG%s; it keeps running\n", name,
			quit_sig == SIGINT ? "INT" : "QUIT");
	if (quit_sig)
		return 128 + quit_sig;
	read_word(dir, "status", status, sizeof(status));
	if (exec_cmd)
		fprintf(stderr, "\r\nzunfs attach: %s in %s ended\n", exec_cmd, name);
	else
		fprintf(stderr, "\r\nzunfs attach: %s's output ended; it is %s\n", name,
			status[0] ? status : "gone");
	return ret;
}
