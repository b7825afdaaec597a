/* SPDX-License-Identifier: Apache-2.0 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tar.h"

#define BLOCK 512

int zf_tar_one_file(const char *name, const void *data, size_t len, mode_t mode,
		    char **ret_tar, size_t *ret_len)
{
	size_t padded = (len + BLOCK - 1) / BLOCK * BLOCK;
	size_t total = BLOCK + padded + 2 * BLOCK; /* header, data, two zero blocks */
	unsigned sum = 0;
	char *tar, *h;

	if (strlen(name) >= 100 || name[0] == '/')
		return -EINVAL;
	tar = calloc(1, total);
	if (!tar)
		return -ENOMEM;
	h = tar;
	memcpy(h, name, strlen(name));
	snprintf(h + 100, 8, "%07o", (unsigned)(mode & 07777));
	snprintf(h + 108, 8, "%07o", 0u); /* uid */
	snprintf(h + 116, 8, "%07o", 0u); /* gid */
	snprintf(h + 124, 12, "%011lo", (unsigned long)len);
	snprintf(h + 136, 12, "%011o", 0u); /* mtime: fixed, so the image is the same each time */
	h[156] = '0'; /* a regular file */
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	memset(h + 148, ' ', 8); /* the checksum counts its own field as spaces */
	for (int i = 0; i < BLOCK; i++)
		sum += (unsigned char)h[i];
	snprintf(h + 148, 8, "%06o", sum);
	h[155] = ' ';
	memcpy(tar + BLOCK, data, len);
	*ret_tar = tar;
	*ret_len = total;
	return 0;
}
