/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "health.h"
#include "tree.h"

#define ALL_KINDS 0xfu
#define ONLY(k) (1u << (k))

/*
 * One table of every object file (acme's Dirtab): name, mode, which kinds
 * have it, and how it is served. A new read-only file is a row here with
 * ZF_SERVE_TEXT plus its case in zf_render_file (render.c).
 */
static const struct {
	const char *name;
	mode_t mode;
	unsigned kinds; /* bit per enum zf_kind */
	enum zf_serve serve;
} files[ZF_FILE_COUNT] = {
	[ZF_FILE_SPEC] = { "spec.yaml", 0644, ALL_KINDS, ZF_SERVE_SPEC },
	[ZF_FILE_STATUS] = { "status", 0444, ALL_KINDS, ZF_SERVE_TEXT },
	[ZF_FILE_REASON] = { "status_reason", 0444, ALL_KINDS, ZF_SERVE_TEXT },
	[ZF_FILE_TASK] = { "task_state", 0444, ALL_KINDS, ZF_SERVE_TEXT },
	[ZF_FILE_INSPECT] = { "inspect.json", 0444, ALL_KINDS, ZF_SERVE_TEXT },
	[ZF_FILE_CTL] = { "ctl", 0200, ONLY(ZF_KIND_CONTAINER), ZF_SERVE_CTL },
	[ZF_FILE_SANDBOX] = { "sandbox", 0444, ONLY(ZF_KIND_CAPSULE), ZF_SERVE_TEXT },
	[ZF_FILE_TTY] = { "tty", 0644, ONLY(ZF_KIND_CONTAINER), ZF_SERVE_TTY },
	[ZF_FILE_EXEC] = { "exec", 0644, ONLY(ZF_KIND_CONTAINER), ZF_SERVE_EXEC },
	/* a capsule's logs: every member's lines, each prefixed [CNAME] */
	[ZF_FILE_LOGS] = { "logs", 0444, ONLY(ZF_KIND_CONTAINER) | ONLY(ZF_KIND_CAPSULE),
			   ZF_SERVE_LOGS },
	[ZF_FILE_TOP] = { "top", 0444, ONLY(ZF_KIND_CONTAINER), ZF_SERVE_ENGINE },
	[ZF_FILE_STATS] = { "stats", 0444, ONLY(ZF_KIND_CONTAINER), ZF_SERVE_ENGINE },
	[ZF_FILE_HEALTH] = { "health", 0444, ONLY(ZF_KIND_CONTAINER), ZF_SERVE_TEXT },
};

const char *zf_file_name(enum zf_file f)
{
	return files[f].name;
}

mode_t zf_file_mode(enum zf_file f)
{
	return files[f].mode;
}

enum zf_serve zf_file_serve(enum zf_file f)
{
	return files[f].serve;
}

bool zf_file_is_rendered(enum zf_file f)
{
	enum zf_serve s = files[f].serve;

	return s == ZF_SERVE_TEXT || s == ZF_SERVE_SPEC || s == ZF_SERVE_CTL;
}

bool zf_file_in_kind(enum zf_file f, enum zf_kind kind)
{
	return (files[f].kinds >> kind) & 1u;
}

/* Copies the next path component into buf; returns the rest, or NULL if too long. */
static const char *component(const char *p, char *buf, size_t size)
{
	size_t n = strcspn(p, "/");

	if (n >= size)
		return NULL;
	memcpy(buf, p, n);
	buf[n] = '\0';
	p += n;
	return *p == '/' ? p + 1 : p;
}

int zf_path_parse(const char *path, struct zf_path *ret_path)
{
	struct zf_path p = { .node = ZF_NODE_ROOT };
	char part[256];
	const char *rest;
	int k, state;

	if (path[0] != '/')
		return -ENOENT;
	rest = path + 1;
	if (!*rest)
		goto done;
	if (!(rest = component(rest, part, sizeof(part))))
		return -ENAMETOOLONG;
	if (!*rest && strcmp(part, "events") == 0) {
		p.node = ZF_NODE_EVENTS;
		goto done;
	}
	if (!*rest && strcmp(part, "version") == 0) {
		p.node = ZF_NODE_VERSION;
		goto done;
	}
	k = zf_kind_from_dir(part);
	if (k < 0)
		return -ENOENT;
	p.kind = (enum zf_kind)k;
	p.node = ZF_NODE_KIND_DIR;
	if (!*rest)
		goto done;
	if (!(rest = component(rest, p.name, sizeof(p.name))))
		return -ENAMETOOLONG;
	p.node = ZF_NODE_OBJECT;
	if (!*rest)
		goto done;
	if (!(rest = component(rest, part, sizeof(part))))
		return -ENAMETOOLONG;
	if (p.kind == ZF_KIND_CAPSULE && strcmp(part, "containers") == 0) {
		/* capsules/NAME/containers/CNAME/...: the member, a container */
		p.node = ZF_NODE_MEMBERS;
		if (!*rest)
			goto done;
		memcpy(p.capsule, p.name, sizeof(p.capsule));
		p.kind = ZF_KIND_CONTAINER;
		if (!(rest = component(rest, p.name, sizeof(p.name))))
			return -ENAMETOOLONG;
		p.node = ZF_NODE_OBJECT;
		if (!*rest)
			goto done;
		if (!(rest = component(rest, part, sizeof(part))))
			return -ENAMETOOLONG;
	}
	if (p.kind == ZF_KIND_VOLUME && strcmp(part, "data") == 0) {
		/* the volume's own files below: what is there is the host's to say */
		p.node = ZF_NODE_DATA;
		p.rel = (size_t)(rest - path);
		goto done;
	}
	if (strcmp(part, "until") == 0) {
		p.node = ZF_NODE_UNTIL_DIR;
		if (!*rest)
			goto done;
		if (!(rest = component(rest, p.leaf, sizeof(p.leaf))) || *rest)
			return -ENOENT;
		/* until/healthy: a container's health (whether it has a check is
		 * the object's to say: fs/fuse/context.c); a state's word is
		 * parsed once, the handle keeps the state */
		state = zf_state_from_word(p.leaf);
		if (state >= 0 && zf_state_valid(p.kind, (enum zf_state)state))
			p.state = (enum zf_state)state;
		else if (p.kind == ZF_KIND_CONTAINER && zf_health_word(p.leaf))
			p.state = ZF_STATE_KEEP; /* none: a health word */
		else
			return -ENOENT;
		p.node = ZF_NODE_UNTIL;
		goto done;
	}
	if (*rest)
		return -ENOENT;
	for (int f = 0; f < ZF_FILE_COUNT; f++) {
		if (strcmp(part, files[f].name) == 0 && zf_file_in_kind((enum zf_file)f, p.kind)) {
			p.node = ZF_NODE_FILE;
			p.file = (enum zf_file)f;
			goto done;
		}
	}
	p.node = ZF_NODE_OTHER;
	snprintf(p.leaf, sizeof(p.leaf), "%s", part);
done:
	*ret_path = p;
	return 0;
}
