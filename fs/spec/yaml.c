/* SPDX-License-Identifier: Apache-2.0 */
/* The spec parsers' YAML toolkit (yaml.h): the one user of <yaml.h>. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "../util.h"
#include "yaml.h"

struct zf_yaml {
	yaml_document_t doc;
	struct zf_spec_error *error;
	const char *text; /* the source, for zf_yaml_source */
	size_t len;
};

/* A node handed out is libyaml's own, seen through this name. */
struct zf_ynode {
	yaml_node_t n;
};

static const yaml_node_t *raw(const struct zf_ynode *n)
{
	return n ? &n->n : NULL;
}

static struct zf_ynode *node_at(struct zf_yaml *y, int index)
{
	return (struct zf_ynode *)yaml_document_get_node(&y->doc, index);
}

static int vfail(struct zf_yaml *y, int line, int column, const char *fmt, va_list ap)
	__attribute__((format(printf, 4, 0)));

static int vfail(struct zf_yaml *y, int line, int column, const char *fmt, va_list ap)
{
	y->error->line = line;
	y->error->column = column;
	vsnprintf(y->error->msg, sizeof(y->error->msg), fmt, ap);
	return -EINVAL;
}

int zf_yaml_fail_mark(struct zf_yaml *y, int line, int column, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(y, line, column, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

int zf_yaml_fail(struct zf_yaml *y, const struct zf_ynode *n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(y, n ? zf_yaml_line(n) : 0, n ? zf_yaml_column(n) : 0, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

int zf_yaml_line(const struct zf_ynode *n)
{
	return (int)raw(n)->start_mark.line + 1;
}

int zf_yaml_column(const struct zf_ynode *n)
{
	return (int)raw(n)->start_mark.column + 1;
}

const char *zf_yaml_scalar(const struct zf_ynode *n)
{
	return n && raw(n)->type == YAML_SCALAR_NODE ? (const char *)raw(n)->data.scalar.value
						      : NULL;
}

bool zf_yaml_is_map(const struct zf_ynode *n)
{
	return n && raw(n)->type == YAML_MAPPING_NODE;
}

bool zf_yaml_is_list(const struct zf_ynode *n)
{
	return n && raw(n)->type == YAML_SEQUENCE_NODE;
}

bool zf_yaml_is_empty(const struct zf_ynode *n)
{
	return !n || (zf_yaml_scalar(n) && !*zf_yaml_scalar(n));
}

size_t zf_yaml_len(const struct zf_ynode *n)
{
	const yaml_node_t *r = raw(n);

	if (zf_yaml_is_list(n))
		return (size_t)(r->data.sequence.items.top - r->data.sequence.items.start);
	if (zf_yaml_is_map(n))
		return (size_t)(r->data.mapping.pairs.top - r->data.mapping.pairs.start);
	return 0;
}

struct zf_ynode *zf_yaml_item(struct zf_yaml *y, const struct zf_ynode *n, size_t i)
{
	return node_at(y, raw(n)->data.sequence.items.start[i]);
}

struct zf_ynode *zf_yaml_key(struct zf_yaml *y, const struct zf_ynode *n, size_t i)
{
	return node_at(y, raw(n)->data.mapping.pairs.start[i].key);
}

struct zf_ynode *zf_yaml_value(struct zf_yaml *y, const struct zf_ynode *n, size_t i)
{
	return node_at(y, raw(n)->data.mapping.pairs.start[i].value);
}

int zf_yaml_want_scalar(struct zf_yaml *y, const struct zf_ynode *n, const char *what,
			const char **ret)
{
	const char *s = zf_yaml_scalar(n);

	*ret = s; /* written either way: callers test r, the compiler sees it set */
	if (!s)
		return zf_yaml_fail(y, n, "%s must be a single value", what);
	return 0;
}

int zf_yaml_want_dup(struct zf_yaml *y, const struct zf_ynode *n, const char *what, char **ret)
{
	const char *s;
	int r = zf_yaml_want_scalar(y, n, what, &s);

	if (r < 0)
		return r;
	*ret = strdup(s);
	return *ret ? 0 : -ENOMEM;
}

int zf_yaml_want_bool(struct zf_yaml *y, const struct zf_ynode *n, const char *what, bool *ret)
{
	static const char *const yes[] = { "true", "yes", "on", "y", NULL };
	static const char *const no[] = { "false", "no", "off", "n", NULL };
	const char *s;
	int r = zf_yaml_want_scalar(y, n, what, &s);

	if (r < 0)
		return r;
	for (int i = 0; yes[i]; i++)
		if (strcasecmp(s, yes[i]) == 0)
			return *ret = true, 0;
	for (int i = 0; no[i]; i++)
		if (strcasecmp(s, no[i]) == 0)
			return *ret = false, 0;
	return zf_yaml_fail(y, n, "%s must be true or false, not '%s'", what, s);
}

/* ---- loading ------------------------------------------------------------- */

/* Loads text as one YAML document into y (y->error set on failure). */
static int load_doc(const char *text, size_t len, struct zf_yaml *y)
{
	yaml_parser_t parser;

	if (len > ZF_SPEC_MAX) {
		snprintf(y->error->msg, sizeof(y->error->msg), "the spec is larger than %u bytes",
			 ZF_SPEC_MAX);
		return -EINVAL;
	}
	if (memchr(text, '\0', len)) {
		snprintf(y->error->msg, sizeof(y->error->msg), "the spec contains a NUL byte");
		return -EINVAL;
	}
	if (!yaml_parser_initialize(&parser))
		return -ENOMEM;
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &y->doc)) {
		y->error->line = (int)parser.problem_mark.line + 1;
		y->error->column = (int)parser.problem_mark.column + 1;
		snprintf(y->error->msg, sizeof(y->error->msg), "YAML: %s%s%s",
			 parser.problem ? parser.problem : "syntax error",
			 parser.context ? " " : "", parser.context ? parser.context : "");
		yaml_parser_delete(&parser);
		return -EINVAL;
	}
	yaml_parser_delete(&parser);
	y->text = text;
	y->len = len;
	return 0;
}

int zf_yaml_run(const char *text, size_t len,
		int (*root)(struct zf_yaml *y, struct zf_ynode *root, void *ctx), void *ctx,
		struct zf_spec_error *ret_error)
{
	struct zf_spec_error error = { 0 };
	struct zf_yaml y = { .error = &error };
	int r = load_doc(text, len, &y);

	if (r == 0) {
		r = root(&y, (struct zf_ynode *)yaml_document_get_root_node(&y.doc), ctx);
		yaml_document_delete(&y.doc);
	}
	if (r == -EINVAL || r == -EPERM || r == -EOPNOTSUPP)
		*ret_error = error;
	return r;
}

void zf_spec_error_format(const struct zf_spec_error *e, char *buf, size_t size)
{
	if (e->line > 0)
		snprintf(buf, size, "line %d, column %d: %s", e->line, e->column, e->msg);
	else
		snprintf(buf, size, "%s", e->msg);
}

/* ---- a node's own text --------------------------------------------------- */

/*
 * libyaml's marks count characters, not bytes: the byte offset of character
 * `index` in the UTF-8 source (after a byte order mark, which it skips).
 */
static size_t byte_offset(const struct zf_yaml *y, size_t index)
{
	size_t i = 0;

	if (y->len >= 3 && memcmp(y->text, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	for (; i < y->len; i++) {
		/* a character starts at every byte that does not continue one */
		if (((unsigned char)y->text[i] & 0xc0) != 0x80 && index-- == 0)
			return i;
	}
	return y->len;
}

char *zf_yaml_source(struct zf_yaml *y, const struct zf_ynode *node)
{
	const yaml_node_t *n = raw(node);
	size_t start = byte_offset(y, n->start_mark.index), end = byte_offset(y, n->end_mark.index);
	size_t col = n->start_mark.column;
	char *out, *o;

	if (start > y->len || end > y->len || end < start)
		return strdup("");
	while (end > start && strchr(" \t\r\n", y->text[end - 1]))
		end--;
	out = malloc(end - start + 2);
	if (!out)
		return NULL;
	o = out;
	for (size_t i = start; i < end;) {
		*o++ = y->text[i];
		if (y->text[i++] != '\n')
			continue;
		/* drop up to col spaces of the indentation the list gave */
		for (size_t k = 0; k < col && i < end && y->text[i] == ' '; k++)
			i++;
	}
	*o++ = '\n';
	*o = '\0';
	return out;
}

/* A growing string for the emitter. */
struct emit_buf {
	char *s;
	size_t len, cap;
};

static int emit_write(void *data, unsigned char *buffer, size_t size)
{
	struct emit_buf *b = data;

	if (zf_grow(&b->s, &b->cap, b->len + size) < 0)
		return 0;
	memcpy(b->s + b->len, buffer, size);
	b->len += size;
	b->s[b->len] = '\0';
	return 1;
}

/* Emits node n (aliases resolved: it is a tree here) as events; 1 on success. */
static int emit_node(yaml_emitter_t *em, struct zf_yaml *y, const yaml_node_t *n, int depth)
{
	yaml_event_t ev;

	if (!n || depth > 64)
		return 0;
	switch (n->type) {
	case YAML_SCALAR_NODE:
		if (!yaml_scalar_event_initialize(&ev, NULL, NULL, n->data.scalar.value,
						  (int)n->data.scalar.length, 1, 1,
						  YAML_ANY_SCALAR_STYLE))
			return 0;
		return yaml_emitter_emit(em, &ev);
	case YAML_SEQUENCE_NODE:
		if (!yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1, YAML_ANY_SEQUENCE_STYLE) ||
		    !yaml_emitter_emit(em, &ev))
			return 0;
		for (yaml_node_item_t *i = n->data.sequence.items.start; i < n->data.sequence.items.top;
		     i++)
			if (!emit_node(em, y, raw(node_at(y, *i)), depth + 1))
				return 0;
		return yaml_sequence_end_event_initialize(&ev) && yaml_emitter_emit(em, &ev);
	case YAML_MAPPING_NODE:
		if (!yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1, YAML_ANY_MAPPING_STYLE) ||
		    !yaml_emitter_emit(em, &ev))
			return 0;
		for (yaml_node_pair_t *pr = n->data.mapping.pairs.start;
		     pr < n->data.mapping.pairs.top; pr++)
			if (!emit_node(em, y, raw(node_at(y, pr->key)), depth + 1) ||
			    !emit_node(em, y, raw(node_at(y, pr->value)), depth + 1))
				return 0;
		return yaml_mapping_end_event_initialize(&ev) && yaml_emitter_emit(em, &ev);
	default:
		return 0;
	}
}

char *zf_yaml_emit(struct zf_yaml *y, const struct zf_ynode *n)
{
	struct emit_buf b = { 0 };
	yaml_emitter_t em;
	yaml_event_t ev;
	int ok;

	if (!yaml_emitter_initialize(&em))
		return NULL;
	yaml_emitter_set_output(&em, emit_write, &b);
	yaml_emitter_set_unicode(&em, 1);
	ok = yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING) &&
	     yaml_emitter_emit(&em, &ev) &&
	     yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1) &&
	     yaml_emitter_emit(&em, &ev) && emit_node(&em, y, raw(n), 0) &&
	     yaml_document_end_event_initialize(&ev, 1) && yaml_emitter_emit(&em, &ev) &&
	     yaml_stream_end_event_initialize(&ev) && yaml_emitter_emit(&em, &ev);
	yaml_emitter_delete(&em);
	if (!ok) {
		free(b.s);
		return NULL;
	}
	return b.s;
}

/* ---- the key-table walker ------------------------------------------------ */

static const struct zf_yaml_key *find_key(const struct zf_yaml_map *map, const char *name)
{
	for (; map; map = map->next)
		for (const struct zf_yaml_key *k = map->keys; k->names[0]; k++)
			if (strcmp(k->names[0], name) == 0 ||
			    (k->names[1] && strcmp(k->names[1], name) == 0))
				return k;
	return NULL;
}

/* "unknown key 'K' (NAMES)", NAMES from the last map of the chain. */
static int unknown_key(struct zf_yaml *y, struct zf_ynode *k, const char *name,
		       const struct zf_yaml_map *map, const char *where)
{
	const struct zf_yaml_map *last = map;
	char names[200] = "";
	size_t used = 0;
	int r;

	while (last->next)
		last = last->next;
	if (name && last->unknown && (r = last->unknown(y, k, name)) < 0)
		return r;
	for (const struct zf_yaml_key *key = last->keys; key->names[0]; key++)
		if (used < sizeof(names))
			used += (size_t)snprintf(names + used, sizeof(names) - used, "%s%s",
						 used ? ", " : "", key->names[0]);
	if (map->top)
		return zf_yaml_fail(y, k, "unknown key '%s' (%s)", name,
				    last->known ? last->known : names);
	return zf_yaml_fail(y, k, "%s: unknown key '%s' (%s)", where, name ? name : "?",
			    last->known ? last->known : names);
}

int zf_yaml_walk(struct zf_yaml *y, struct zf_ynode *n, const struct zf_yaml_map *map,
		 const char *where, void *ctx)
{
	size_t len = zf_yaml_len(n);

	if (!zf_yaml_is_map(n))
		return zf_yaml_fail(y, n, "%s%s", where ? where : "the spec", map->not_map);
	for (size_t i = 0; i < len; i++) {
		struct zf_ynode *k = zf_yaml_key(y, n, i), *v = zf_yaml_value(y, n, i);
		const char *name = zf_yaml_scalar(k);
		const struct zf_yaml_key *key;
		int r;

		if (!name && map->top)
			return zf_yaml_fail(y, k, "keys must be plain words");
		for (size_t j = 0; name && !map->repeats && j < i; j++) {
			const char *other = zf_yaml_scalar(zf_yaml_key(y, n, j));

			if (!other || strcmp(other, name) != 0)
				continue;
			if (map->top && where)
				return zf_yaml_fail(y, k, "%s: '%s' is given twice", where, name);
			return zf_yaml_fail(y, k, "'%s' is given twice", name);
		}
		key = name ? find_key(map, name) : NULL;
		r = key ? key->parse(y, k, v, ctx) : unknown_key(y, k, name, map, where);
		if (r < 0)
			return r;
	}
	return 0;
}
