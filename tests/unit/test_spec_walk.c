/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The spec dialects' key-table walker (fs/spec/yaml.h) on tables of its
 * own: which rows run, and the words and places of its refusals.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "../../fs/spec/yaml.h"

/* What the rows saw, in order: "key=value;" each. */
struct seen {
	char log[256];
};

static int note(struct zf_yaml *y, struct zf_ynode *k, struct zf_ynode *v, void *ctx)
{
	struct seen *s = ctx;
	const char *value;
	int r = zf_yaml_want_scalar(y, v, zf_yaml_scalar(k), &value);

	if (r == 0)
		snprintf(s->log + strlen(s->log), sizeof(s->log) - strlen(s->log), "%s=%s;",
			 zf_yaml_scalar(k), value);
	return r;
}

static int no_secrets(struct zf_yaml *y, struct zf_ynode *k, const char *name)
{
	if (strcmp(name, "secret") != 0)
		return 0;
	zf_yaml_fail(y, k, "'%s' is not for you", name);
	return -EPERM;
}

static const struct zf_yaml_map base = {
	.not_map = " must be a map (b, d)",
	.top = true,
	.unknown = no_secrets,
	.keys = (const struct zf_yaml_key[]){
		{ { "b" }, note },
		{ { "d", "dee" }, note },
		{ { NULL }, NULL },
	},
};

/* a table of its own keys first, then base's */
static const struct zf_yaml_map extended = {
	.not_map = " must be a map of keys",
	.top = true,
	.next = &base,
	.keys = (const struct zf_yaml_key[]){
		{ { "a" }, note },
		{ { NULL }, NULL },
	},
};

static const struct zf_yaml_map nested = {
	.not_map = ": each entry is {x, y}",
	.keys = (const struct zf_yaml_key[]){
		{ { "x" }, note },
		{ { "y" }, note },
		{ { NULL }, NULL },
	},
};

static const struct zf_yaml_map listed = {
	.not_map = " must be a map",
	.known = "only x",
	.keys = (const struct zf_yaml_key[]){
		{ { "x" }, note },
		{ { NULL }, NULL },
	},
};

static const struct zf_yaml_map repeated = {
	.not_map = " must be a map",
	.repeats = true,
	.keys = (const struct zf_yaml_key[]){
		{ { "x" }, note },
		{ { NULL }, NULL },
	},
};

/* One walk: its table, where it is, what its rows saw. */
struct walk {
	const struct zf_yaml_map *map;
	const char *where;
	struct seen seen;
};

static int root(struct zf_yaml *y, struct zf_ynode *n, void *ctx)
{
	struct walk *w = ctx;

	return zf_yaml_walk(y, n, w->map, w->where, &w->seen);
}

static const struct {
	const struct zf_yaml_map *map;
	const char *where, *text;
	int r;
	const char *log; /* what the rows saw */
	const char *msg; /* a refusal's message, where */
	int line, column;
} cases[] = {
	/* rows run in the document's order; another spelling is its row */
	{ &base, NULL, "d: 1\nb: 2\n", 0, "d=1;b=2;", NULL, 0, 0 },
	{ &base, NULL, "dee: 3\n", 0, "dee=3;", NULL, 0, 0 },
	/* two spellings of one row are the row's own business */
	{ &base, NULL, "d: 1\ndee: 2\n", 0, "d=1;dee=2;", NULL, 0, 0 },
	/* a chained table's own rows, then the next's */
	{ &extended, "containers[0]", "b: 1\na: 2\n", 0, "b=1;a=2;", NULL, 0, 0 },
	/* the first refusal ends the walk */
	{ &base, NULL, "b: 1\nd: [x]\nb: 3\n", -EINVAL, "b=1;", "d must be a single value", 2, 4 },

	/* a key twice; a top map walked with a where names it, a nested one not */
	{ &base, NULL, "b: 1\nd: 2\nb: 3\n", -EINVAL, "b=1;d=2;", "'b' is given twice", 3, 1 },
	{ &extended, "containers[2]", "a: 1\na: 1\n", -EINVAL, "a=1;",
	  "containers[2]: 'a' is given twice", 2, 1 },
	{ &nested, "ports", "{x: 1, x: 2}\n", -EINVAL, "x=1;", "'x' is given twice", 1, 8 },
	/* unless its table takes repeats: the last counts */
	{ &repeated, "r", "{x: 1, x: 2}\n", 0, "x=1;x=2;", NULL, 0, 0 },

	/* the table's first names in its order; the other spelling is not listed */
	{ &base, NULL, "b: 1\nc: 2\n", -EINVAL, "b=1;", "unknown key 'c' (b, d)", 2, 1 },
	/* a chained table answers with the last table's names and hook */
	{ &extended, "containers[0]", "e: 1\n", -EINVAL, "", "unknown key 'e' (b, d)", 1, 1 },
	{ &extended, "containers[0]", "secret: 1\n", -EPERM, "", "'secret' is not for you", 1, 1 },
	/* nested: where first; a key that is not a scalar is '?' */
	{ &nested, "ports", "{x: 1, z: 2}\n", -EINVAL, "x=1;", "ports: unknown key 'z' (x, y)", 1,
	  8 },
	{ &nested, "ports", "{? [a] : 1}\n", -EINVAL, "", "ports: unknown key '?' (x, y)", 1, 4 },
	{ &listed, "env", "{z: 1}\n", -EINVAL, "", "env: unknown key 'z' (only x)", 1, 2 },
	/* at the top, keys are words */
	{ &base, NULL, "b: 1\n? [a]\n: 1\n", -EINVAL, "b=1;", "keys must be plain words", 2, 3 },

	/* not a map; an empty document has no root: the whole document is meant */
	{ &base, NULL, "- b\n", -EINVAL, "", "the spec must be a map (b, d)", 1, 1 },
	{ &extended, "spec.yaml", "just words\n", -EINVAL, "", "spec.yaml must be a map of keys", 1,
	  1 },
	{ &nested, "ports", "[x]\n", -EINVAL, "", "ports: each entry is {x, y}", 1, 1 },
	{ &base, NULL, "", -EINVAL, "", "the spec must be a map (b, d)", 0, 0 },
};

static void test_walk(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct walk w = { .map = cases[i].map, .where = cases[i].where };
		struct zf_spec_error e = { 0 };
		int r = zf_yaml_run(cases[i].text, strlen(cases[i].text), root, &w, &e);

		if (r != cases[i].r || strcmp(w.seen.log, cases[i].log) != 0 ||
		    (r < 0 && (strcmp(e.msg, cases[i].msg) != 0 || e.line != cases[i].line ||
			       e.column != cases[i].column)))
			fail_msg("case %zu: r=%d seen '%s' line %d col %d '%s'", i, r, w.seen.log,
				 e.line, e.column, e.msg);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_walk),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
