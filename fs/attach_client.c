/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `zunfs attach [--detach-keys KEYS] [--exec CMD] PATH`: the local terminal
 * in raw mode, bytes pumped both ways through PATH/tty (or an exec tty via
 * PATH/exec), the window size sent to PATH/ctl at start and on SIGWINCH,
 * detach on ctrl-p ctrl-q. Only files: it works on any zunfs mount.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "attach_client.h"
#include "detach.h"
#include "util.h"

static struct termios saved;
static bool raw_on;
static volatile sig_atomic_t winch = 1; /* send the size at start */
static volatile sig_atomic_t quit_sig;

static void restore_terminal(void)
{
	if (raw_on) {
		tcsetattr(STDIN_FILENO, TCSADRAIN, &saved);
		raw_on = false;
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

static int raw_terminal(void)
{
	struct termios t;

	if (tcgetattr(STDIN_FILENO, &saved) < 0)
		return -errno;
	t = saved;
	cfmakeraw(&t);
	if (tcsetattr(STDIN_FILENO, TCSADRAIN, &t) < 0)
		return -errno;
	raw_on = true;
	atexit(restore_terminal);
	return 0;
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
	fprintf(f, "usage: zunfs attach [--detach-keys KEYS] [--exec CMD] MOUNTPOINT/containers/NAME\n"
		   "\n"
		   "Attaches this terminal to the container (its tty file), or with --exec runs\n"
		   "CMD in it with a tty of its own. Detach with ctrl-p ctrl-q (or KEYS, e.g.\n"
		   "ctrl-a,d): the container keeps running. Window size changes are sent as\n"
		   "'resize' to its ctl file. Exits when the container's output ends.\n");
}

int zf_attach_main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "detach-keys", required_argument, NULL, 'k' },
		{ "exec", required_argument, NULL, 'e' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *keys = "ctrl-p,ctrl-q", *exec_cmd = NULL, *dir;
	struct zf_detach det;
	char path[PATH_MAX], name[256], status[64];
	bool interactive, stdin_open = true, detached = false;
	int c, fd, ret = 0;

	while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
		switch (c) {
		case 'k':
			keys = optarg;
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
	}
	interactive = isatty(STDIN_FILENO);
	if (interactive && raw_terminal() < 0)
		interactive = false;
	signal(SIGWINCH, on_winch);
	signal(SIGTERM, on_quit);
	signal(SIGHUP, on_quit);
	signal(SIGPIPE, SIG_IGN);
	if (!interactive)
		winch = 0;

	bool stdin_done = !stdin_open;
	for (;;) {
		struct pollfd p[2] = { { .fd = fd, .events = POLLIN },
				       { .fd = STDIN_FILENO, .events = stdin_done ? 0 : POLLIN } };
		char buf[16384];
		ssize_t n;

		if (quit_sig)
			break;
		if (winch) {
			winch = 0;
			send_size(dir);
		}
		if (poll(p, 2, 1000) < 0) {
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
		if (!stdin_done && (p[1].revents & (POLLIN | POLLHUP))) {
			unsigned char out[sizeof(buf) + ZF_DETACH_MAX];
			size_t o = 0;

			n = read(STDIN_FILENO, buf, sizeof(buf));
			if (n <= 0) {
				stdin_done = true; /* keep showing output until it ends */
				continue;
			}
			for (ssize_t i = 0; i < n; i++) {
				size_t k;

				if (interactive &&
				    zf_detach_feed(&det, (unsigned char)buf[i], out + o, &k)) {
					detached = true;
					break;
				}
				if (!interactive) {
					out[o++] = (unsigned char)buf[i];
					continue;
				}
				o += k;
			}
			if (o && zf_write_all(fd, out, o) < 0)
				break;
			if (detached)
				break;
		}
	}
	close(fd);
	restore_terminal();
	if (detached) {
		fprintf(stderr, "\r\nzunfs attach: detached from %s; it keeps running\n", name);
		return 0;
	}
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
