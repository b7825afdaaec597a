/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Words the dialects share and other modules use too (spec.h): shell words
 * (a command line), Kubernetes quantities (memory, cpu). Pure: no YAML.
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "dialect.h"

void zf_spec_kv_free(struct zf_kv *kv, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(kv[i].key);
		free(kv[i].value);
	}
	free(kv);
}

void zf_spec_words_free(char **words)
{
	if (!words)
		return;
	for (char **p = words; *p; p++)
		free(*p);
	free(words);
}

int zf_split_words(const char *line, char ***ret_words)
{
	size_t n = 0, cap = 8, len = strlen(line);
	char **words = calloc(cap, sizeof(*words));
	char *word = malloc(len + 1);
	const char *s = line;
	int r = -ENOMEM;

	if (!words || !word)
		goto fail;
	for (;;) {
		size_t wl = 0;
		bool have = false;
		char quote = 0;

		while (*s == ' ' || *s == '\t' || *s == '\n')
			s++;
		if (!*s)
			break;
		for (; *s; s++) {
			if (quote) {
				if (*s == quote)
					quote = 0;
				else if (quote == '"' && *s == '\\' && (s[1] == '"' || s[1] == '\\'))
					word[wl++] = *++s;
				else
					word[wl++] = *s;
				continue;
			}
			if (*s == ' ' || *s == '\t' || *s == '\n')
				break;
			if (*s == '\'' || *s == '"') {
				quote = *s;
				have = true;
			} else if (*s == '\\' && s[1]) {
				word[wl++] = *++s;
			} else {
				word[wl++] = *s;
			}
		}
		if (quote) {
			r = -EINVAL;
			goto fail;
		}
		if (wl == 0 && !have)
			continue;
		word[wl] = '\0';
		if (n + 2 > cap) {
			char **w = realloc(words, (cap *= 2) * sizeof(*words));

			if (!w)
				goto fail;
			words = w;
		}
		words[n] = strdup(word);
		if (!words[n])
			goto fail;
		words[++n] = NULL;
	}
	free(word);
	*ret_words = words;
	return 0;
fail:
	free(word);
	zf_spec_words_free(words);
	return r;
}

/* A quantity's number: unsigned, finite; *ret_suffix is what follows it. */
static int quantity(const char *s, double *ret_v, const char **ret_suffix)
{
	char *end;

	if (!s || !*s || *s == '-' || *s == '+')
		return -EINVAL;
	*ret_v = strtod(s, &end);
	if (end == s || !isfinite(*ret_v) || *ret_v < 0)
		return -EINVAL;
	*ret_suffix = end;
	return 0;
}

int zf_parse_memory(const char *s, int64_t *ret_bytes)
{
	static const struct {
		const char *suffix;
		double mult;
	} units[] = {
		{ "", 1 },	       { "K", 1e3 },	      { "k", 1e3 },	    { "M", 1e6 },
		{ "G", 1e9 },	       { "T", 1e12 },	      { "Ki", 1024.0 },	    { "Mi", 1048576.0 },
		{ "Gi", 1073741824.0 }, { "Ti", 1099511627776.0 },
	};
	const char *end;
	double v;

	if (quantity(s, &v, &end) < 0)
		return -EINVAL;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(end, units[i].suffix) == 0) {
			double bytes = v * units[i].mult;

			if (bytes > 9.0e18)
				return -EINVAL;
			*ret_bytes = (int64_t)bytes;
			return 0;
		}
	}
	return -EINVAL;
}

int zf_parse_cpu(const char *s, int64_t *ret_nanocpus)
{
	const char *end;
	double v;

	if (quantity(s, &v, &end) < 0)
		return -EINVAL;
	if (strcmp(end, "m") == 0)
		v /= 1000.0;
	else if (*end)
		return -EINVAL;
	if (v > 1e6)
		return -EINVAL;
	*ret_nanocpus = (int64_t)llround(v * 1e9);
	return 0;
}

/*
 * Kubernetes' $(VAR) expansion (its third_party/forked/golang/expansion):
 * "$(" NAME ")" is NAME's value when lookup knows it, else left as
 * written; "$$" is one "$"; a "$" before anything else, or an unclosed
 * "$(", stays. One pass: a value is never expanded again.
 */
int zf_spec_expand(const char *in, const char *(*lookup)(const char *name, size_t len, void *ctx),
		   void *ctx, char **ret)
{
	size_t len = strlen(in), cap = len + 1, n = 0;
	char *out = malloc(cap);

	if (!out)
		return -ENOMEM;
	for (size_t i = 0; i < len;) {
		const char *add = in + i, *close, *val;
		size_t add_len = 1, skip = 1;

		if (in[i] == '$' && i + 1 < len) {
			if (in[i + 1] == '$') { /* an escaped $ */
				skip = 2;
			} else if (in[i + 1] == '(' && (close = strchr(in + i + 2, ')'))) {
				size_t name_len = (size_t)(close - (in + i + 2));

				skip = add_len = name_len + 3;
				val = lookup(in + i + 2, name_len, ctx);
				if (val) {
					add = val;
					add_len = strlen(val);
				}
			}
			/* else "$x" or an unclosed "$(": the '$' as written, then go on */
		}
		if (n + add_len + 1 > cap) {
			char *o;

			cap = 2 * cap + add_len + 1;
			if (!(o = realloc(out, cap))) {
				free(out);
				return -ENOMEM;
			}
			out = o;
		}
		memcpy(out + n, add, add_len);
		n += add_len;
		i += skip;
	}
	out[n] = '\0';
	*ret = out;
	return 0;
}
