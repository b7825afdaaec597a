/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "detach.h"

int zf_detach_parse(const char *spec, struct zf_detach *ret_detach)
{
	struct zf_detach d = { .n = 0 };
	const char *p = spec;

	if (!spec || !*spec)
		return -EINVAL;
	while (*p) {
		size_t len = strcspn(p, ",");
		unsigned char key;

		if (len == 1) {
			key = (unsigned char)p[0];
		} else if (len == 6 && strncasecmp(p, "ctrl-", 5) == 0) {
			char c = p[5];

			if (c >= 'a' && c <= 'z')
				key = (unsigned char)(c - 'a' + 1);
			else if (c >= 'A' && c <= 'Z')
				key = (unsigned char)(c - 'A' + 1);
			else if (c == '@')
				key = 0;
			else if (c == '[' || c == '\\' || c == ']' || c == '^' || c == '_')
				key = (unsigned char)(c - '@');
			else
				return -EINVAL;
		} else {
			return -EINVAL;
		}
		if (d.n == ZF_DETACH_MAX)
			return -EINVAL;
		d.keys[d.n++] = key;
		p += len;
		if (*p == ',') {
			p++;
			if (!*p)
				return -EINVAL;
		}
	}
	*ret_detach = d;
	return 0;
}

int zf_detach_feed(struct zf_detach *d, unsigned char c, unsigned char *out, size_t *ret_out_len)
{
	size_t n = 0;

	if (c == d->keys[d->matched]) {
		if (++d->matched == d->n) {
			d->matched = 0;
			*ret_out_len = 0;
			return 1;
		}
		*ret_out_len = 0;
		return 0;
	}
	/* not the sequence after all: what was held goes on, then c anew */
	memcpy(out, d->keys, d->matched);
	n = d->matched;
	d->matched = 0;
	if (c == d->keys[0]) {
		d->matched = 1;
		if (d->n == 1) {
			d->matched = 0;
			*ret_out_len = n;
			return 1;
		}
	} else {
		out[n++] = c;
	}
	*ret_out_len = n;
	return 0;
}
