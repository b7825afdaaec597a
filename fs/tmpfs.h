/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A tmpfs volume's size: the local driver's driverOptions read as the
 * kernel's tmpfs reads its options, and the rule that keeps one user's
 * tmpfs volumes within their share of memory (-o tmpfs_max). A tmpfs holds
 * its files in the host's memory, charged to whoever writes them: what
 * data/ writes there is zunfs's, so its size is the only bound. Pure.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct zf_kv;

/* A tmpfs volume's size when its options give none: the engine's own
 * default for a container's /dev/shm (the kernel's would be half the RAM). */
#define ZF_TMPFS_DEFAULT (64LL << 20)
/* What the kernel reads as no limit at all (size=0, nr_blocks=0). */
#define ZF_TMPFS_UNLIMITED INT64_MAX

/* The size a tmpfs volume without one gets, within max (never 0, which
 * the kernel reads as no limit). */
int64_t zf_tmpfs_default(int64_t max);

/*
 * A size as tmpfs's size= takes it: bytes, or with k, m, g, t, p or e
 * (powers of 1024, either case), or N% of ram_bytes. 0 and *ret_bytes, or
 * -EINVAL.
 */
int zf_tmpfs_parse_size(const char *s, uint64_t ram_bytes, int64_t *ret_bytes);

/*
 * Whether driverOptions (the local driver's type, device, o) make a tmpfs
 * (type: tmpfs): 1 and its size in *ret_bytes (0: none given;
 * ZF_TMPFS_UNLIMITED: size=0 or nr_blocks=0), 0 when they do not, -EINVAL
 * when o's size cannot be read. Of size= and nr_blocks= (pages of 4 KiB),
 * the last given wins, as in the kernel.
 */
int zf_tmpfs_size(const struct zf_kv *opts, size_t n_opts, uint64_t ram_bytes, int64_t *ret_bytes);

/*
 * The rule for a new tmpfs volume asking want bytes (0: none given), by a
 * user whose other tmpfs volumes hold held bytes, all of them together
 * allowed max: 0 and the size it gets in *ret_bytes (want, or the default
 * within max), or -EDQUOT with the reason in why (why_size bytes).
 */
int zf_tmpfs_admit(int64_t want, int64_t held, int64_t max, int64_t *ret_bytes, char *why,
		   size_t why_size);

/* driverOptions whose o gives no size, with size= bytes added to o (o made
 * if none), for the engine: *ret_opts (n_opts + 1 at most) and *ret_n,
 * freed with zf_tmpfs_opts_free. 0 or -ENOMEM. */
int zf_tmpfs_with_size(const struct zf_kv *opts, size_t n_opts, int64_t bytes,
		       struct zf_kv **ret_opts, size_t *ret_n);
void zf_tmpfs_opts_free(struct zf_kv *opts, size_t n);
