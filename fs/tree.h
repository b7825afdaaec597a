/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The shape of the tree: which directories and files exist where, their
 * modes, and what a path names. Pure: it does not know which objects exist.
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "kinds.h"

enum zf_node {
	ZF_NODE_ROOT,
	ZF_NODE_EVENTS, /* /events */
	ZF_NODE_VERSION, /* /version */
	ZF_NODE_KIND_DIR, /* /containers */
	ZF_NODE_OBJECT, /* /containers/NAME */
	ZF_NODE_FILE, /* /containers/NAME/status */
	ZF_NODE_UNTIL_DIR, /* /containers/NAME/until */
	ZF_NODE_UNTIL, /* /containers/NAME/until/Running */
	ZF_NODE_OTHER, /* a name inside an object the tree does not define */
	ZF_NODE_MEMBERS, /* /capsules/NAME/containers */
	ZF_NODE_DATA, /* /volumes/NAME/data[/REL]: the volume's files (volume_data.c) */
};

enum zf_file {
	ZF_FILE_SPEC,
	ZF_FILE_STATUS,
	ZF_FILE_REASON,
	ZF_FILE_TASK,
	ZF_FILE_INSPECT,
	ZF_FILE_CTL,
	ZF_FILE_SANDBOX, /* capsules: the sandbox's engine id */
	ZF_FILE_TTY,
	ZF_FILE_EXEC,
	ZF_FILE_LOGS,
	ZF_FILE_TOP,
	ZF_FILE_STATS,
	ZF_FILE_HEALTH, /* containers: the engine's word on the container's check */
	ZF_FILE_COUNT,
};

/*
 * How the FUSE side serves a file (one row of fs/fuse/ per way): the tree's
 * column, so a new file picks a way instead of an enum position.
 */
enum zf_serve {
	ZF_SERVE_TEXT, /* read-only text rendered from the object (render.c) */
	ZF_SERVE_SPEC, /* spec.yaml: rendered to read, a spec to write */
	ZF_SERVE_CTL, /* write-only commands */
	ZF_SERVE_TTY, /* an attach to the container's stdin and output */
	ZF_SERVE_EXEC, /* a command line, then its output */
	ZF_SERVE_LOGS, /* the log file zunfs keeps */
	ZF_SERVE_ENGINE, /* a snapshot the engine makes at open (top, stats) */
	ZF_SERVE_COUNT,
};

/*
 * A capsule's member, capsules/NAME/containers/CNAME/..., is a container
 * object: kind ZF_KIND_CONTAINER, name CNAME, capsule NAME. capsule is ""
 * everywhere else.
 */
struct zf_path {
	enum zf_node node;
	enum zf_kind kind;
	char name[256]; /* object name as given (may be invalid: mkdir says why) */
	char capsule[256]; /* the capsule of a member's path */
	enum zf_file file;
	/* the word of until/STATE (or a health word: health.h), or the name
	 * for ZF_NODE_OTHER */
	char leaf[256];
	/* ZF_NODE_UNTIL: the STATE of until/STATE, parsed once; ZF_STATE_KEEP
	 * (none) for a health word */
	enum zf_state state;
	size_t rel; /* ZF_NODE_DATA: where REL starts in the parsed path ("" for data) */
};

/* What path names; -ENOENT where the tree has nothing. */
int zf_path_parse(const char *path, struct zf_path *ret_path);

/* "spec.yaml", "status", ... */
const char *zf_file_name(enum zf_file f);
/* Permission bits: 0644 spec.yaml, 0200 ctl, 0444 the rest. */
mode_t zf_file_mode(enum zf_file f);
/* How the file is served (its row in fs/fuse/). */
enum zf_serve zf_file_serve(enum zf_file f);
/* Whether the file is text zunfs renders from its own state (render.c), as
 * opposed to a stream or an engine snapshot (tty, exec, logs, top, stats):
 * its size is known without an engine call. */
bool zf_file_is_rendered(enum zf_file f);
/* Whether objects of kind have the file. */
bool zf_file_in_kind(enum zf_file f, enum zf_kind kind);
