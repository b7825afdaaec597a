/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A container's check: Kubernetes' livenessProbe, readinessProbe and
 * startupProbe, or Zun's healthcheck, read from a container's keys and
 * made, at the end of its walk, into the engine's one check of the
 * container (struct zf_healthcheck). The engine runs one check: the probes
 * given must be one check with one timing; what it cannot run as written is
 * refused naming the field (docs/zunfs.1.md, "PROBES").
 *
 * Kubernetes' tcpSocket and httpGet are run inside the container, against
 * its loopback, with busybox's nc and wget: the image needs them.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dialect.h"

#define NS_PER_S 1000000000LL

enum { LIVENESS, READINESS, STARTUP, N_PROBES };

static const char *const probe_keys[N_PROBES] = { "livenessProbe", "readinessProbe",
						  "startupProbe" };
static const unsigned probe_bits[N_PROBES] = { ZF_CHECK_LIVENESS, ZF_CHECK_READINESS,
					       ZF_CHECK_STARTUP };

enum handler { H_NONE, H_EXEC, H_TCP, H_HTTP };

/* A probe's numbers, in the order of their keys. */
enum { DELAY, PERIOD, TIMEOUT, FAILURE, SUCCESS, N_NUMBERS };

static const struct {
	const char *key;
	long min, dflt; /* Kubernetes' */
} numbers[N_NUMBERS] = {
	[DELAY] = { "initialDelaySeconds", 0, 0 },
	[PERIOD] = { "periodSeconds", 1, 10 },
	[TIMEOUT] = { "timeoutSeconds", 1, 1 },
	[FAILURE] = { "failureThreshold", 1, 3 },
	[SUCCESS] = { "successThreshold", 1, 1 },
};

struct probe {
	int which; /* LIVENESS, ... */
	char name[80]; /* its key, where errors name it: "containers[1].livenessProbe" */
	struct zf_ynode *at; /* its key; NULL: not given */
	enum handler handler;
	struct zf_ynode *handler_at;
	char **command; /* exec.command */
	int port; /* tcpSocket.port, httpGet.port */
	char *path; /* httpGet.path, with its leading '/' */
	struct zf_kv *headers; /* httpGet.httpHeaders */
	size_t n_headers;
	long n[N_NUMBERS];
	struct zf_ynode *n_at[N_NUMBERS]; /* NULL: the default */
};

struct zf_spec_probes {
	struct probe p[N_PROBES];
	/* Zun's healthcheck */
	struct zf_ynode *zun_at;
	char zun_name[80]; /* "healthcheck", "containers[1].healthcheck" */
	char **zun_test;
	long zun_interval, zun_timeout, zun_retries; /* 0: the engine's default */
};

/* The handlers' walks: one probe, and where it is ("livenessProbe.httpGet"). */
struct handler_walk {
	struct probe *p;
	char where[96];
	bool port_given;
};

static void words_free(char **w)
{
	zf_spec_words_free(w);
}

static void probes_free(struct zf_spec_probes *ps)
{
	if (!ps)
		return;
	for (int i = 0; i < N_PROBES; i++) {
		words_free(ps->p[i].command);
		free(ps->p[i].path);
		zf_spec_kv_free(ps->p[i].headers, ps->p[i].n_headers);
	}
	words_free(ps->zun_test);
	free(ps);
}

static struct zf_spec_probes *probes_of(struct zf_spec_container_ctx *w)
{
	if (!w->probes)
		w->probes = calloc(1, sizeof(*w->probes));
	return w->probes;
}

/* A whole number in [min, INT_MAX]: seconds or a count. */
static int want_count(struct zf_yaml *y, struct zf_ynode *n, const char *what, long min,
		      long *ret)
{
	const char *s;
	char *end;
	long v;
	int r = zf_yaml_want_scalar(y, n, what, &s);

	if (r < 0)
		return r;
	v = strtol(s, &end, 10);
	if (end == s || *end || s[0] == '-' || s[0] == '+' || v < min || v > INT_MAX)
		return zf_yaml_fail(y, n, "%s: '%s' is not a whole number, %ld or more", what, s,
				    min);
	*ret = v;
	return 0;
}

/* A list of non-empty strings, NULL-terminated, the caller's. */
static int want_list(struct zf_yaml *y, struct zf_ynode *n, const char *what, char ***ret)
{
	size_t count = zf_yaml_len(n);
	char **words;

	if (!zf_yaml_is_list(n) || count == 0)
		return zf_yaml_fail(y, n, "%s must be a list of strings (a command and its arguments)",
				    what);
	words = calloc(count + 1, sizeof(*words));
	if (!words)
		return -ENOMEM;
	for (size_t i = 0; i < count; i++) {
		int r = zf_yaml_want_dup(y, zf_yaml_item(y, n, i), what, &words[i]);

		if (r < 0) {
			words_free(words);
			return r;
		}
	}
	if (!words[0][0]) {
		words_free(words);
		return zf_yaml_fail(y, n, "%s: the command is empty", what);
	}
	*ret = words;
	return 0;
}

/* ---- exec ---------------------------------------------------------------- */

static int exec_command(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	struct handler_walk *hw = ctx;
	char what[64];

	(void)k;
	snprintf(what, sizeof(what), "%s.command", hw->where);
	return want_list(y, v, what, &hw->p->command);
}

static const struct zf_yaml_map exec_keys = {
	.not_map = " must be a map: {command: [...]}",
	.keys = (const struct zf_yaml_key[]){
		{ { "command" }, exec_command },
		{ { NULL }, NULL },
	},
};

/* ---- tcpSocket and httpGet ----------------------------------------------- */

static int handler_port(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	struct handler_walk *hw = ctx;
	const char *s;
	char *end;
	long port;
	int r = zf_yaml_want_scalar(y, v, "port", &s);

	(void)k;
	if (r < 0)
		return r;
	port = strtol(s, &end, 10);
	if (end != s && !*end && port >= 1 && port <= 65535) {
		hw->p->port = (int)port;
		hw->port_given = true;
		return 0;
	}
	if (end == s && *s)
		return zf_yaml_fail(y, v,
				    "%s.port: '%s' names a port: ports are not looked up by name "
				    "here; give its number",
				    hw->where, s);
	return zf_yaml_fail(y, v, "%s.port: '%s' is not a port number (1-65535)", hw->where, s);
}

/* The container's own loopback is all a check reaches: network none, or its
 * sandbox's (a capsule's), where the members are on 127.0.0.1 too. */
static int handler_host(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	struct handler_walk *hw = ctx;
	const char *s;
	int r = zf_yaml_want_scalar(y, v, "host", &s);

	(void)k;
	if (r == 0 && strcmp(s, "127.0.0.1") != 0 && strcasecmp(s, "localhost") != 0)
		return zf_yaml_fail(y, v,
				    "%s.host: '%s': a check runs in the container and reaches its "
				    "loopback only (127.0.0.1, the default)",
				    hw->where, s);
	return r;
}

static int http_path(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	struct handler_walk *hw = ctx;
	const char *s;
	int r = zf_yaml_want_scalar(y, v, "path", &s);

	(void)k;
	if (r < 0)
		return r;
	for (const char *c = s; *c; c++)
		if ((unsigned char)*c <= ' ' || *c == 0x7f)
			return zf_yaml_fail(y, v,
					    "%s.path: '%s' has a blank or a control character: "
					    "escape it (%%20)",
					    hw->where, s);
	/* "healthz" is "/healthz", as the kubelet reads it */
	if (asprintf(&hw->p->path, "%s%s", s[0] == '/' ? "" : "/", s) < 0) {
		hw->p->path = NULL;
		return -ENOMEM;
	}
	return 0;
}

static int http_scheme(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	struct handler_walk *hw = ctx;
	const char *s;
	int r = zf_yaml_want_scalar(y, v, "scheme", &s);

	(void)k;
	if (r == 0 && strcmp(s, "HTTP") != 0)
		return zf_yaml_fail(y, v,
				    "%s.scheme: '%s': only HTTP: the check is busybox's wget, "
				    "which checks no certificate here",
				    hw->where, s);
	return r;
}

/* One {name, value} of httpHeaders. */
struct header_walk {
	const char *name, *value;
};

static int header_name(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	(void)k;
	return zf_yaml_want_scalar(y, v, "header name", &((struct header_walk *)ctx)->name);
}

static int header_value(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	(void)k;
	return zf_yaml_want_scalar(y, v, "header value", &((struct header_walk *)ctx)->value);
}

static const struct zf_yaml_map header_keys = {
	.not_map = ": each entry is {name, value}",
	.keys = (const struct zf_yaml_key[]){
		{ { "name" }, header_name },
		{ { "value" }, header_value },
		{ { NULL }, NULL },
	},
};

static int http_headers(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	struct handler_walk *hw = ctx;
	struct probe *p = hw->p;
	size_t count = zf_yaml_len(v);
	char where[64];

	(void)k;
	snprintf(where, sizeof(where), "%s.httpHeaders", hw->where);
	if (!zf_yaml_is_list(v))
		return zf_yaml_fail(y, v, "%s must be a list of {name, value}", where);
	p->headers = calloc(count ? count : 1, sizeof(*p->headers));
	if (!p->headers)
		return -ENOMEM;
	for (size_t i = 0; i < count; i++) {
		struct zf_ynode *item = zf_yaml_item(y, v, i);
		struct header_walk h = { NULL, "" };
		int r = zf_yaml_walk(y, item, &header_keys, where, &h);

		if (r < 0)
			return r;
		/* a token (RFC 9110) for the name; one line for the value */
		if (!h.name || !h.name[0] ||
		    strspn(h.name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				   "0123456789!#$%&'*+-.^_`|~") != strlen(h.name))
			return zf_yaml_fail(y, item, "%s: '%s' is not a header name", where,
					    h.name ? h.name : "");
		if (strpbrk(h.value, "\r\n"))
			return zf_yaml_fail(y, item, "%s: the value of '%s' is more than one line",
					    where, h.name);
		p->headers[p->n_headers].key = strdup(h.name);
		p->headers[p->n_headers].value = strdup(h.value);
		p->n_headers++;
		if (!p->headers[p->n_headers - 1].key || !p->headers[p->n_headers - 1].value)
			return -ENOMEM;
	}
	return 0;
}

static const struct zf_yaml_map tcp_keys = {
	.not_map = " must be a map: {port}",
	.keys = (const struct zf_yaml_key[]){
		{ { "port" }, handler_port },
		{ { "host" }, handler_host },
		{ { NULL }, NULL },
	},
};

static const struct zf_yaml_map http_keys = {
	.not_map = " must be a map: {path, port, httpHeaders}",
	.keys = (const struct zf_yaml_key[]){
		{ { "path" }, http_path },
		{ { "port" }, handler_port },
		{ { "host" }, handler_host },
		{ { "scheme" }, http_scheme },
		{ { "httpHeaders" }, http_headers },
		{ { NULL }, NULL },
	},
};

/* ---- a probe's keys ------------------------------------------------------ */

static int probe_handler(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	static const struct {
		const char *key;
		enum handler h;
		const struct zf_yaml_map *map;
	} handlers[] = {
		{ "exec", H_EXEC, &exec_keys },
		{ "tcpSocket", H_TCP, &tcp_keys },
		{ "httpGet", H_HTTP, &http_keys },
	};
	struct handler_walk hw = { .p = ctx };
	const char *key = zf_yaml_scalar(k);
	size_t i;
	int r;

	for (i = 0; strcmp(handlers[i].key, key) != 0; i++)
		;
	snprintf(hw.where, sizeof(hw.where), "%s.%s", hw.p->name, key);
	if (hw.p->handler != H_NONE)
		return zf_yaml_fail(y, k, "%s: give one of exec, tcpSocket and httpGet", hw.p->name);
	hw.p->handler = handlers[i].h;
	hw.p->handler_at = v;
	r = zf_yaml_walk(y, v, handlers[i].map, hw.where, &hw);
	if (r < 0)
		return r;
	if (hw.p->handler == H_EXEC && !hw.p->command)
		return zf_yaml_fail(y, v, "%s: command is required", hw.where);
	if (hw.p->handler != H_EXEC && !hw.port_given)
		return zf_yaml_fail(y, v, "%s: port is required", hw.where);
	if (hw.p->handler == H_HTTP && !hw.p->path && !(hw.p->path = strdup("/")))
		return -ENOMEM;
	return 0;
}

static int probe_grpc(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	(void)v;
	return zf_yaml_fail(y, k,
			    "%s.grpc: not supported: the check runs a command in the container; "
			    "use exec with a gRPC health client the image has",
			    ((struct probe *)ctx)->name);
}

static int probe_number(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	struct probe *p = ctx;
	const char *key = zf_yaml_scalar(k);
	char what[112];
	int i;

	for (i = 0; strcmp(numbers[i].key, key) != 0; i++)
		;
	snprintf(what, sizeof(what), "%s.%s", p->name, key);
	p->n_at[i] = v;
	return want_count(y, v, what, numbers[i].min, &p->n[i]);
}

static const struct zf_yaml_map probe_map = {
	.not_map = " must be a map (exec, tcpSocket or httpGet, and its timing)",
	.keys = (const struct zf_yaml_key[]){
		{ { "exec" }, probe_handler },
		{ { "tcpSocket" }, probe_handler },
		{ { "httpGet" }, probe_handler },
		{ { "grpc" }, probe_grpc },
		{ { "initialDelaySeconds" }, probe_number },
		{ { "periodSeconds" }, probe_number },
		{ { "timeoutSeconds" }, probe_number },
		{ { "failureThreshold" }, probe_number },
		{ { "successThreshold" }, probe_number },
		{ { NULL }, NULL },
	},
};

/* A member's keys are named with where it is (containers[1]); a member's
 * own spec.yaml and a container's are not. */
static const char *prefix_of(const struct zf_spec_container_ctx *w)
{
	return w->where && strcmp(w->where, "spec.yaml") != 0 ? w->where : "";
}

int zf_spec_key_probe(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	struct zf_spec_probes *ps = probes_of(ctx);
	const char *prefix = prefix_of(ctx);
	const char *key = zf_yaml_scalar(k);
	struct probe *p;
	int which, r;

	if (!ps)
		return -ENOMEM;
	for (which = 0; strcmp(probe_keys[which], key) != 0; which++)
		;
	p = &ps->p[which];
	p->which = which;
	p->at = k;
	snprintf(p->name, sizeof(p->name), "%s%s%s", prefix, *prefix ? "." : "", key);
	for (int i = 0; i < N_NUMBERS; i++)
		p->n[i] = numbers[i].dflt;
	r = zf_yaml_walk(y, v, &probe_map, p->name, p);
	if (r == 0 && p->handler == H_NONE)
		return zf_yaml_fail(y, v, "%s: give one of exec, tcpSocket and httpGet", p->name);
	return r;
}

/* ---- Zun's healthcheck --------------------------------------------------- */

/* cmd (the API's word; test, the engine's, too): a line for the image's
 * shell, or the engine's own form, [CMD, ARGV...] or [CMD-SHELL, LINE] */
static int zun_cmd(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	struct zf_spec_probes *ps = ctx;
	const char *key = zf_yaml_scalar(k);
	char what[96];
	int r;

	snprintf(what, sizeof(what), "%s.%s", ps->zun_name, key);
	if (ps->zun_test)
		return zf_yaml_fail(y, k, "%s: the command is given twice (cmd, test)", what);
	if (zf_yaml_scalar(v)) {
		const char *line = zf_yaml_scalar(v);

		if (!*line)
			return zf_yaml_fail(y, v, "%s: the command is empty", what);
		ps->zun_test = calloc(3, sizeof(char *));
		if (!ps->zun_test || !(ps->zun_test[0] = strdup("CMD-SHELL")) ||
		    !(ps->zun_test[1] = strdup(line)))
			return -ENOMEM;
		return 0;
	}
	r = want_list(y, v, what, &ps->zun_test);
	if (r == 0 && strcmp(ps->zun_test[0], "CMD") != 0 &&
	    strcmp(ps->zun_test[0], "CMD-SHELL") != 0)
		return zf_yaml_fail(y, v,
				    "%s: a list starts with CMD (a command and its arguments) or "
				    "CMD-SHELL (a line for the image's shell); or give a string",
				    what);
	if (r == 0 && !ps->zun_test[1])
		return zf_yaml_fail(y, v, "%s: %s and no command", what, ps->zun_test[0]);
	return r;
}

static int zun_number(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	struct zf_spec_probes *ps = ctx;
	const char *key = zf_yaml_scalar(k);
	char what[96];

	snprintf(what, sizeof(what), "%s.%s", ps->zun_name, key);
	if (strcmp(key, "interval") == 0)
		return want_count(y, v, what, 0, &ps->zun_interval);
	if (strcmp(key, "timeout") == 0)
		return want_count(y, v, what, 0, &ps->zun_timeout);
	return want_count(y, v, what, 0, &ps->zun_retries);
}

static const struct zf_yaml_map zun_keys = {
	.not_map = " must be a map (cmd, interval, retries, timeout)",
	.keys = (const struct zf_yaml_key[]){
		{ { "cmd", "test" }, zun_cmd },
		{ { "interval" }, zun_number },
		{ { "retries" }, zun_number },
		{ { "timeout" }, zun_number },
		{ { NULL }, NULL },
	},
};

int zf_spec_key_healthcheck(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	struct zf_spec_probes *ps = probes_of(ctx);
	const char *prefix = prefix_of(ctx);
	int r;

	if (!ps)
		return -ENOMEM;
	ps->zun_at = k;
	snprintf(ps->zun_name, sizeof(ps->zun_name), "%s%shealthcheck", prefix, *prefix ? "." : "");
	r = zf_yaml_walk(y, v, &zun_keys, ps->zun_name, ps);
	if (r == 0 && !ps->zun_test)
		return zf_yaml_fail(y, v, "%s: cmd is required (the command to run)", ps->zun_name);
	return r;
}

/* ---- the engine's one check ---------------------------------------------- */

static char **words_dup(char *const *w)
{
	size_t n = 0;
	char **out;

	while (w[n])
		n++;
	out = calloc(n + 1, sizeof(*out));
	for (size_t i = 0; out && i < n; i++) {
		if (!(out[i] = strdup(w[i]))) {
			words_free(out);
			return NULL;
		}
	}
	return out;
}

static bool words_equal(char *const *a, char *const *b)
{
	for (; *a && *b; a++, b++)
		if (strcmp(*a, *b) != 0)
			return false;
	return !*a && !*b;
}

static bool same_handler(const struct probe *a, const struct probe *b)
{
	if (a->handler != b->handler)
		return false;
	if (a->handler == H_EXEC)
		return words_equal(a->command, b->command);
	if (a->port != b->port)
		return false;
	if (a->handler == H_TCP)
		return true;
	if (strcmp(a->path, b->path) != 0 || a->n_headers != b->n_headers)
		return false;
	for (size_t i = 0; i < a->n_headers; i++)
		if (strcmp(a->headers[i].key, b->headers[i].key) != 0 ||
		    strcmp(a->headers[i].value, b->headers[i].value) != 0)
			return false;
	return true;
}

/* Where a refusal of p's number i points: the value, or the probe without it. */
static struct zf_ynode *number_at(const struct probe *p, int i)
{
	return p->n_at[i] ? p->n_at[i] : p->at;
}

/* p's number i must be main's: the engine has one of each for its check. */
static int want_same(struct zf_yaml *y, const struct probe *p, const struct probe *main, int i)
{
	if (p->n[i] == main->n[i])
		return 0;
	return zf_yaml_fail(y, number_at(p, i),
			    "%s.%s: %ld is not %s's %ld: the engine runs one check a container, "
			    "with one %s",
			    p->name, numbers[i].key, p->n[i], main->name,
			    main->n[i],
			    i == PERIOD ? "period" : i == TIMEOUT ? "timeout" : "count of failures");
}

static int push(char ***argv, size_t *n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int push(char ***argv, size_t *n, const char *fmt, ...)
{
	char **a = realloc(*argv, (*n + 2) * sizeof(**argv));
	va_list ap;
	int r;

	if (!a)
		return -ENOMEM;
	*argv = a;
	va_start(ap, fmt);
	r = vasprintf(&a[*n], fmt, ap);
	va_end(ap);
	if (r < 0) {
		a[*n] = NULL;
		return -ENOMEM;
	}
	a[++*n] = NULL;
	return 0;
}

/*
 * The engine's test for p: exec as it is; tcpSocket a connection to the
 * port on loopback (busybox's nc runs `true` once connected; -w bounds the
 * connect); httpGet a GET of the path with its headers (busybox's wget
 * fails on an answer that is not 2xx, following redirects).
 */
static int probe_test(const struct probe *p, char ***ret)
{
	char **argv = NULL;
	size_t n = 0;
	int r = push(&argv, &n, "CMD");

	switch (p->handler) {
	case H_EXEC:
		for (char **w = p->command; r == 0 && *w; w++)
			r = push(&argv, &n, "%s", *w);
		break;
	case H_TCP:
		if (r == 0)
			r = push(&argv, &n, "nc");
		if (r == 0)
			r = push(&argv, &n, "-w");
		if (r == 0)
			r = push(&argv, &n, "%ld", p->n[TIMEOUT]);
		if (r == 0)
			r = push(&argv, &n, "127.0.0.1");
		if (r == 0)
			r = push(&argv, &n, "%d", p->port);
		if (r == 0)
			r = push(&argv, &n, "-e");
		if (r == 0)
			r = push(&argv, &n, "true");
		break;
	case H_HTTP:
		if (r == 0)
			r = push(&argv, &n, "wget");
		if (r == 0)
			r = push(&argv, &n, "-q");
		if (r == 0)
			r = push(&argv, &n, "-O");
		if (r == 0)
			r = push(&argv, &n, "/dev/null");
		for (size_t i = 0; r == 0 && i < p->n_headers; i++) {
			r = push(&argv, &n, "--header");
			if (r == 0)
				r = push(&argv, &n, "%s: %s", p->headers[i].key,
					 p->headers[i].value);
		}
		if (r == 0)
			r = push(&argv, &n, "http://127.0.0.1:%d%s", p->port, p->path);
		break;
	default:
		r = -EINVAL;
	}
	if (r < 0) {
		words_free(argv);
		return r;
	}
	*ret = argv;
	return 0;
}

static int zun_check(struct zf_spec_probes *ps, struct zf_healthcheck *h)
{
	h->test = words_dup(ps->zun_test);
	h->interval_ns = ps->zun_interval * NS_PER_S;
	h->timeout_ns = ps->zun_timeout * NS_PER_S;
	h->retries = (int)ps->zun_retries;
	return h->test ? 0 : -ENOMEM;
}

/*
 * The probes as one check. The main probe is livenessProbe, else
 * readinessProbe; a second one must be the same check with the same timing,
 * and a startupProbe is its start period (see the manual, "PROBES").
 */
static int map_probes(struct zf_yaml *y, struct zf_spec_probes *ps, struct zf_healthcheck *h,
		      unsigned *ret_from)
{
	struct probe *live = &ps->p[LIVENESS], *ready = &ps->p[READINESS],
		     *start = &ps->p[STARTUP], *main = live->at ? live : ready->at ? ready : NULL;
	unsigned from = 0;
	long period;
	int r;

	if (ps->zun_at) {
		for (int i = 0; i < N_PROBES; i++)
			if (ps->p[i].at)
				return zf_yaml_fail(y, ps->p[i].at,
						    "%s: healthcheck (Zun's) gives the container's "
						    "check already: give it one way, healthcheck "
						    "or probes",
						    ps->p[i].name);
		*ret_from = ZF_CHECK_ZUN;
		return zun_check(ps, h);
	}
	if (start->at && !live->at)
		return zf_yaml_fail(y, start->at,
				    "%s: needs a livenessProbe with the same check: the engine "
				    "runs one check a container, and a startupProbe is its start "
				    "period",
				    start->name);
	if (!main)
		return 0;
	for (int i = 0; i < N_PROBES; i++) {
		struct probe *p = &ps->p[i];

		if (!p->at)
			continue;
		from |= probe_bits[i];
		if (p->n[SUCCESS] != 1)
			return zf_yaml_fail(y, p->n_at[SUCCESS],
					    "%s.successThreshold: %ld: the engine counts one passing "
					    "check as healthy; only 1 can be given",
					    p->name, p->n[SUCCESS]);
		if (p == main)
			continue;
		if (!same_handler(p, main))
			return zf_yaml_fail(y, p->handler_at,
					    "%s: the engine runs one check a container: it must "
					    "be %s's (the same %s)",
					    p->name, main->name,
					    main->handler == H_EXEC	 ? "exec.command"
					    : main->handler == H_TCP ? "tcpSocket.port"
								     : "httpGet path, port and headers");
		if ((r = want_same(y, p, main, PERIOD)) < 0 || (r = want_same(y, p, main, TIMEOUT)) < 0)
			return r;
		/* a startupProbe's failures are counted apart (its start period) */
		if (p != start && (r = want_same(y, p, main, FAILURE)) < 0)
			return r;
	}
	period = main->n[PERIOD];
	/*
	 * The engine's first check comes one period after the start, none
	 * before: an initialDelaySeconds up to periodSeconds holds as it is.
	 * A longer one is a start period with an interval of its own, which
	 * only newer engines have; one such delay serves both probes.
	 */
	for (int i = 0; i < N_PROBES; i++) {
		struct probe *p = &ps->p[i];

		if (!p->at || p->n[DELAY] <= period)
			continue;
		if (start->at)
			return zf_yaml_fail(y, number_at(p, DELAY),
					    "%s.initialDelaySeconds: %ld: with a startupProbe, at "
					    "most periodSeconds (%ld): the engine's first check comes "
					    "one period after the start, and its start period is the "
					    "startupProbe's",
					    p->name, p->n[DELAY], period);
		for (int j = 0; j < N_PROBES; j++)
			if (ps->p[j].at && ps->p[j].n[DELAY] != p->n[DELAY])
				return zf_yaml_fail(y, number_at(&ps->p[j], DELAY),
						    "%s.initialDelaySeconds: %ld is not %s's %ld: "
						    "past periodSeconds, the engine holds its one "
						    "check back for one delay",
						    ps->p[j].name, ps->p[j].n[DELAY], p->name,
						    p->n[DELAY]);
		h->start_period_ns = h->start_interval_ns = p->n[DELAY] * NS_PER_S;
		if (asprintf(&h->start_interval_for, "%s.initialDelaySeconds", p->name) < 0) {
			h->start_interval_for = NULL;
			return -ENOMEM;
		}
		break;
	}
	if (start->at) {
		/* Failures within the start period count for nothing until a check
		 * passes; after it, livenessProbe.failureThreshold of them make the
		 * container unhealthy: so the start period ends half a period before
		 * the check that is the startupProbe's last but that many, and the
		 * container is unhealthy (then killed) at its failureThreshold-th. */
		if (start->n[FAILURE] < live->n[FAILURE])
			return zf_yaml_fail(y, number_at(start, FAILURE),
					    "%s.failureThreshold: %ld is below livenessProbe's %ld: "
					    "after the start period the engine counts failures up to "
					    "livenessProbe's",
					    start->name, start->n[FAILURE], live->n[FAILURE]);
		if (start->n[FAILURE] > live->n[FAILURE])
			h->start_period_ns = (start->n[FAILURE] - live->n[FAILURE]) * period * NS_PER_S +
					     period * NS_PER_S / 2;
	}
	r = probe_test(main, &h->test);
	if (r < 0)
		return r;
	h->interval_ns = period * NS_PER_S;
	h->timeout_ns = main->n[TIMEOUT] * NS_PER_S;
	h->retries = (int)main->n[FAILURE];
	*ret_from = from;
	return 0;
}

int zf_spec_probes_end(struct zf_yaml *y, struct zf_spec_container_ctx *w, int r)
{
	struct zf_spec_probes *ps = w->probes;
	struct zf_healthcheck *h = NULL;
	unsigned from = 0;

	w->probes = NULL;
	if (r < 0 || !ps)
		goto out;
	h = calloc(1, sizeof(*h));
	if (!h) {
		r = -ENOMEM;
		goto out;
	}
	r = map_probes(y, ps, h, &from);
	/* zunfs restarts a container whose livenessProbe failed itself: the
	 * engine would not count those restarts toward on-failure:N */
	if (r == 0 && (from & ZF_CHECK_LIVENESS) &&
	    strcmp(w->spec->cfg->restart_policy, "on-failure") == 0 &&
	    w->spec->cfg->restart_max_retries > 0)
		r = zf_yaml_fail(y, ps->p[LIVENESS].at,
				 "%s: with restartPolicy on-failure:%d: the restarts "
				 "zunfs makes for a failed livenessProbe would not count toward "
				 "the %d; give OnFailure, Always or Never",
				 ps->p[LIVENESS].name, w->spec->cfg->restart_max_retries,
				 w->spec->cfg->restart_max_retries);
	if (r == 0 && h->test) {
		zf_healthcheck_free(w->spec->cfg->health);
		w->spec->cfg->health = h;
		w->spec->check_from = from;
		h = NULL;
	}
out:
	zf_healthcheck_free(h);
	probes_free(ps);
	return r;
}
