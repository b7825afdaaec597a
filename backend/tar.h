/* SPDX-License-Identifier: Apache-2.0 */
/* A ustar archive of one file, made in memory (an image's root file system). Pure. */
#pragma once

#include <stddef.h>
#include <sys/types.h>

/* name: a path without a leading '/', under 100 bytes. The archive is the caller's. */
int zf_tar_one_file(const char *name, const void *data, size_t len, mode_t mode,
		    char **ret_tar, size_t *ret_len);
