/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../backend/engine.h"
#include "tmpfs.h"

int64_t zf_tmpfs_default(int64_t max)
{
	return max > 0 && max < ZF_TMPFS_DEFAULT ? max : ZF_TMPFS_DEFAULT;
}

int zf_tmpfs_parse_size(const char *s, uint64_t ram_bytes, int64_t *ret_bytes)
{
	static const char units[] = "kmgtpe";
	unsigned long long n;
	const char *u;
	char *end;
	int shift = 0;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	n = strtoull(s, &end, 10);
	if (errno)
		return -EINVAL;
	if (strcmp(end, "%") == 0) {
		if (n > 100)
			return -EINVAL;
		*ret_bytes = (int64_t)(ram_bytes * n / 100);
		return 0;
	}
	if (*end) {
		if (end[1] || !(u = strchr(units, end[0] | 0x20)))
			return -EINVAL;
		shift = 10 * (int)(u - units + 1);
	}
	if (n > (unsigned long long)INT64_MAX >> shift)
		return -EINVAL;
	*ret_bytes = (int64_t)(n << shift);
	return 0;
}

/* o's size, as a list of comma-separated mount options: 0, or -EINVAL. */
static int o_size(const char *o, uint64_t ram_bytes, int64_t *ret_bytes)
{
	char *copy = strdup(o), *save = NULL;
	int r = 0;

	if (!copy)
		return -ENOMEM;
	for (char *opt = strtok_r(copy, ",", &save); opt && r == 0;
	     opt = strtok_r(NULL, ",", &save)) {
		int64_t v;

		if (strncmp(opt, "size=", 5) == 0) {
			r = zf_tmpfs_parse_size(opt + 5, ram_bytes, &v);
		} else if (strncmp(opt, "nr_blocks=", 10) == 0) {
			/* pages; a percentage is size='s alone */
			r = strchr(opt, '%') ? -EINVAL : zf_tmpfs_parse_size(opt + 10, 0, &v);
			if (r == 0 && v > INT64_MAX / 4096)
				r = -EINVAL;
			if (r == 0)
				v *= 4096;
		} else {
			continue;
		}
		if (r == 0)
			*ret_bytes = v == 0 ? ZF_TMPFS_UNLIMITED : v;
	}
	free(copy);
	return r;
}

int zf_tmpfs_size(const struct zf_kv *opts, size_t n_opts, uint64_t ram_bytes, int64_t *ret_bytes)
{
	const char *o = NULL;
	bool tmpfs = false;
	int64_t size = 0;
	int r;

	for (size_t i = 0; i < n_opts; i++) {
		if (strcmp(opts[i].key, "type") == 0)
			tmpfs = strcmp(opts[i].value, "tmpfs") == 0;
		else if (strcmp(opts[i].key, "o") == 0)
			o = opts[i].value;
	}
	if (!tmpfs)
		return 0;
	if (o && (r = o_size(o, ram_bytes, &size)) < 0)
		return r;
	*ret_bytes = size;
	return 1;
}

/* "64 MiB" */
static void words(int64_t bytes, char *buf, size_t size)
{
	if (bytes % (1LL << 30) == 0)
		snprintf(buf, size, "%" PRId64 " GiB", bytes >> 30);
	else if (bytes % (1LL << 20) == 0)
		snprintf(buf, size, "%" PRId64 " MiB", bytes >> 20);
	else if (bytes % 1024 == 0)
		snprintf(buf, size, "%" PRId64 " KiB", bytes >> 10);
	else
		snprintf(buf, size, "%" PRId64 " bytes", bytes);
}

int zf_tmpfs_admit(int64_t want, int64_t held, int64_t max, int64_t *ret_bytes, char *why,
		   size_t why_size)
{
	char w[32], h[32], m[32];
	int64_t size = want ? want : zf_tmpfs_default(max);

	words(max, m, sizeof(m));
	if (size == ZF_TMPFS_UNLIMITED) {
		snprintf(why, why_size,
			 "driverOptions: a tmpfs of no size limit (size=0) would take the "
			 "host's memory; give o: size=... (this mount allows %s of tmpfs a "
			 "user, tmpfs_max)",
			 m);
		return -EDQUOT;
	}
	words(size, w, sizeof(w));
	words(held, h, sizeof(h));
	if (size <= 0 || size > max || held > max - size) {
		if (held)
			snprintf(why, why_size,
				 "driverOptions: a tmpfs of %s beside the %s this user's tmpfs "
				 "volumes hold already is more than the %s of memory this mount "
				 "allows a user (tmpfs_max)",
				 w, h, m);
		else
			snprintf(why, why_size,
				 "driverOptions: a tmpfs of %s is more than the %s of memory this "
				 "mount allows a user (tmpfs_max)",
				 w, m);
		return -EDQUOT;
	}
	*ret_bytes = size;
	return 0;
}

void zf_tmpfs_opts_free(struct zf_kv *opts, size_t n)
{
	for (size_t i = 0; opts && i < n; i++) {
		free(opts[i].key);
		free(opts[i].value);
	}
	free(opts);
}

int zf_tmpfs_with_size(const struct zf_kv *opts, size_t n_opts, int64_t bytes,
		       struct zf_kv **ret_opts, size_t *ret_n)
{
	struct zf_kv *out = calloc(n_opts + 1, sizeof(*out));
	bool has_o = false;
	size_t n = 0;
	char size[48];

	if (!out)
		return -ENOMEM;
	snprintf(size, sizeof(size), "size=%" PRId64, bytes);
	for (size_t i = 0; i < n_opts; i++, n++) {
		bool o = strcmp(opts[i].key, "o") == 0;

		has_o = has_o || o;
		out[n].key = strdup(opts[i].key);
		if (o && asprintf(&out[n].value, "%s,%s", size, opts[i].value) < 0)
			out[n].value = NULL;
		else if (!o)
			out[n].value = strdup(opts[i].value);
		if (!out[n].key || !out[n].value) {
			zf_tmpfs_opts_free(out, n + 1);
			return -ENOMEM;
		}
	}
	if (!has_o) {
		out[n].key = strdup("o");
		out[n].value = strdup(size);
		n++;
		if (!out[n - 1].key || !out[n - 1].value) {
			zf_tmpfs_opts_free(out, n);
			return -ENOMEM;
		}
	}
	*ret_opts = out;
	*ret_n = n;
	return 0;
}
