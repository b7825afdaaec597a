/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers over any engine's ops table (engine.h). */
#include <errno.h>
#include <stdlib.h>

#include "engine.h"
#include "tar.h"

int zf_engine_import_file(struct zf_engine *e, const char *ref, const char *path,
			  const void *data, size_t len, mode_t mode, const char *const *changes,
			  struct zf_err *err)
{
	char *tar = NULL;
	size_t tar_len;
	int r;

	r = zf_tar_one_file(path, data, len, mode, &tar, &tar_len);
	if (r < 0)
		return zf_err_set(err, -r, "making the image's archive");
	r = e->ops->image_import(e, ref, tar, tar_len, changes, err);
	free(tar);
	return r;
}
