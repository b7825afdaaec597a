/* SPDX-License-Identifier: Apache-2.0 */
/* HTTP status to errno: the one place where the mapping lives. */
#include <errno.h>

#include "http.h"

int zf_http_status_errno(long status)
{
	if (status >= 200 && status < 300)
		return 0;
	switch (status) {
	case 304: /* Docker: already started / already stopped */
		return 0;
	case 400:
		return -EINVAL;
	case 401:
	case 403:
		return -EACCES;
	case 404:
		return -ENOENT;
	case 408:
	case 504:
		return -ETIMEDOUT;
	case 409: /* Docker: conflict with the object's state, or name in use */
		return -EBUSY;
	case 413:
		return -EFBIG;
	case 501:
		return -EOPNOTSUPP;
	case 503:
		return -EAGAIN;
	default:
		return -EIO;
	}
}
