/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The spec parsers' YAML toolkit (private to fs/spec/): loads a document
 * with libyaml, hands its nodes out as opaque pointers, reads typed values
 * from them, and walks a map against a table of keys. Every refusal is one
 * struct zf_spec_error with the node's line and column. Only yaml.c
 * includes <yaml.h>.
 *
 * Nodes belong to the document: valid until the root function given to
 * zf_yaml_run returns. A NULL node is an empty document's root.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "../spec.h"

struct zf_yaml; /* one loaded document, and the error being made */
struct zf_ynode; /* one of its nodes */

/*
 * Loads text (at most ZF_SPEC_MAX bytes, no NUL byte) as one YAML document
 * and calls root(y, its root node or NULL, ctx). Returns what root returns;
 * a refusal (-EINVAL, -EPERM for what would hand out the host, or
 * -EOPNOTSUPP for what is valid but not offered here), from the
 * loader or from root, also fills *ret_error. -ENOMEM as it comes.
 */
int zf_yaml_run(const char *text, size_t len,
		int (*root)(struct zf_yaml *y, struct zf_ynode *root, void *ctx), void *ctx,
		struct zf_spec_error *ret_error);

/* Sets the error at node n (NULL: about the whole document, line 0) and
 * returns -EINVAL; a refusal of what would hand out the host then returns
 * -EPERM instead. */
int zf_yaml_fail(struct zf_yaml *y, const struct zf_ynode *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The same at a place noted earlier with zf_yaml_line/zf_yaml_column: -EINVAL. */
int zf_yaml_fail_mark(struct zf_yaml *y, int line, int column, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Where n starts, 1-based. */
int zf_yaml_line(const struct zf_ynode *n);
int zf_yaml_column(const struct zf_ynode *n);

/* A scalar's text (borrowed from the document), or NULL for anything else. */
const char *zf_yaml_scalar(const struct zf_ynode *n);
bool zf_yaml_is_map(const struct zf_ynode *n);
bool zf_yaml_is_list(const struct zf_ynode *n);
/* No document, or an empty scalar ("", "---"): what an empty spec.yaml gives. */
bool zf_yaml_is_empty(const struct zf_ynode *n);

/* Items of a list, or pairs of a map; 0 for a scalar. */
size_t zf_yaml_len(const struct zf_ynode *n);
/* Item i of list n, key or value of pair i of map n (i < zf_yaml_len(n)). */
struct zf_ynode *zf_yaml_item(struct zf_yaml *y, const struct zf_ynode *n, size_t i);
struct zf_ynode *zf_yaml_key(struct zf_yaml *y, const struct zf_ynode *n, size_t i);
struct zf_ynode *zf_yaml_value(struct zf_yaml *y, const struct zf_ynode *n, size_t i);

/*
 * Typed values, each failing at n with "WHAT must be ...". want_scalar's
 * *ret is borrowed and written either way; want_dup's is the caller's.
 * A bool is true/yes/on/y or false/no/off/n, in any case.
 */
int zf_yaml_want_scalar(struct zf_yaml *y, const struct zf_ynode *n, const char *what,
			const char **ret);
int zf_yaml_want_dup(struct zf_yaml *y, const struct zf_ynode *n, const char *what, char **ret);
int zf_yaml_want_bool(struct zf_yaml *y, const struct zf_ynode *n, const char *what, bool *ret);

/*
 * The source text of n as a document of its own (the caller's): its slice
 * of the input, which keeps the user's layout and comments; a block map
 * inside a list loses the indentation the list gave it, trailing blank
 * space goes, one newline ends it. NULL only without memory.
 */
char *zf_yaml_source(struct zf_yaml *y, const struct zf_ynode *n);
/* n written out anew as a document of its own, aliases resolved (the
 * caller's); NULL on failure. */
char *zf_yaml_emit(struct zf_yaml *y, const struct zf_ynode *n);

/* ---- the key-table walker ------------------------------------------------ */

/* One key a map takes. */
struct zf_yaml_key {
	/* names[0] as the "unknown key" message lists it; names[1], if given,
	 * another spelling taken for it (Kubernetes', a sample's), never listed */
	const char *names[2];
	/* Reads the value; key is the key's node (for errors at it, and its
	 * spelling), ctx the walk's. 0 or a refusal. */
	int (*parse)(struct zf_yaml *y, struct zf_ynode *key, struct zf_ynode *value, void *ctx);
};

/*
 * A map's keys and words. Each walk of it names where the map is ("ports",
 * "resources.limits", "containers[1]"; NULL for a document's top), and the
 * messages are:
 *   not a map      "WHERE" + not_map, "the spec" + not_map at the top
 *   a key twice    "'K' is given twice"; "WHERE: 'K' is given twice" in a
 *                  top map walked with a where (a capsule's member)
 *   a key not in the table
 *                  "WHERE: unknown key 'K' (NAMES)"; at the top
 *                  "unknown key 'K' (NAMES)"
 *   a key that is not a scalar
 *                  "keys must be plain words" at the top; elsewhere it is
 *                  the unknown key '?'
 * where NAMES is known, or the table's names in its order.
 */
struct zf_yaml_map {
	const struct zf_yaml_key *keys; /* ends with a row without names */
	const char *not_map; /* " must be a map (a, b)", ": each entry is {a, b}" */
	bool top; /* a document's own keys (a capsule's member is one) */
	const char *known; /* what "unknown key" lists, when not the names */
	/* A key no table has: 0 to say "unknown key", or a refusal of its own. */
	int (*unknown)(struct zf_yaml *y, struct zf_ynode *key, const char *name);
	/* Keys not in this table are looked up in next, whose words (known,
	 * unknown, its names) then answer for a key neither has. */
	const struct zf_yaml_map *next;
	bool repeats; /* a key given twice is not refused: the last one counts */
};

/*
 * Checks that n is a map and calls, for each pair in order, its row's parse
 * with ctx; the first refusal ends the walk and is returned.
 */
int zf_yaml_walk(struct zf_yaml *y, struct zf_ynode *n, const struct zf_yaml_map *map,
		 const char *where, void *ctx);
